package main

import (
	"encoding/base64"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// submit activates a button that posts a form, from the keyboard (a
// mouse click at coordinates can miss while the page scrolls), and waits
// for the next page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do(chromedp.Focus(sel))
	b.do(chromedp.KeyEvent("\r"))
	for range 200 {
		fresh, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!window.__old && document.readyState === "complete"`))
		if err == nil && fresh {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.t.Fatalf("clicking %s did not load a new page (at %s)", sel, eval[string](b, `location.href`))
}

// tick checks a radio button or a checkbox from the keyboard.
func (b *browser) tick(sel string) {
	b.t.Helper()
	b.do(chromedp.Focus(sel))
	b.key(" ")
	if !eval[bool](b, `document.querySelector(`+jsString(sel)+`).checked`) {
		b.t.Fatalf("%s not checked", sel)
	}
}

// typeIn focuses a field and types into it.
func (b *browser) typeIn(id, text string) {
	b.t.Helper()
	b.do(chromedp.Focus("#" + id))
	b.key(text)
}

// pdfText fetches a PDF with the browser's session and returns its text
// (pdftotext), whitespace collapsed.
func (b *browser) pdfText(url string) string {
	b.t.Helper()
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(`+jsString(url)+`).then(r => {
		if (r.status !== 200 || r.headers.get("Content-Type") !== "application/pdf") throw new Error("status " + r.status + " " + r.headers.get("Content-Type"));
		return r.arrayBuffer();
	}).then(buf => { let s = ""; const u = new Uint8Array(buf); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s); })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", url, err)
	}
	raw, err := base64.StdEncoding.DecodeString(out)
	if err != nil || !strings.HasPrefix(string(raw), "%PDF-") {
		b.t.Fatalf("%s is not a PDF (%v)", url, err)
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.t.Fatal("pdftotext not found and CI=true makes it mandatory (apt-get install -y poppler-utils)")
		}
		b.t.Skip("pdftotext not found: install poppler-utils to run this test")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = strings.NewReader(string(raw))
	text, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("pdftotext %s: %v", url, err)
	}
	return strings.Join(strings.Fields(string(text)), " ")
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// REQ CERT-1 CERT-2 CERT-3 CERT-4 CERT-5 CERT-6 CERT-9 DOC-1: a doctor
// makes the first-access declaration, writes a civil-invalidity
// certificate, saves it as a draft, resumes it from the list, sends it
// incomplete (field errors), completes and sends it, prints the
// certificate, the attestation and the receipt (their text checked), finds
// it in the filtered list, and anyone can check the receipt's code at
// /verifica without login. axe on every page.
func TestBrowser_DoctorCertificate(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.login(base, "BNCLRA70E52H501P", "JDG58K8QH78S3V83")
	// Laura Bianchi is a citizen and a doctor: she switches profile.
	b.do(chromedp.Navigate(base + "/profilo"))
	b.tick(`input[name=profilo][value^="doctor"]`)
	b.submit(`form[action="/profilo/ruolo"] button[type=submit]`)

	// CERT-1: nothing before the declaration.
	b.do(chromedp.Navigate(base + "/medico/certificati/nuovo"))
	b.waitPath("/medico/primo-accesso")
	b.check("doctor-first-access")
	b.submit(`form[action="/medico/primo-accesso"] button[type=submit]`)
	if n := eval[int](b, `document.querySelectorAll("#error-summary a").length`); n != 4 {
		t.Fatalf("empty declaration: %d errors, want 4", n)
	}
	b.check("doctor-first-access-errors")
	b.tick("#rapporto-convenzionato")
	b.typeIn("ente", "ASL Roma 1")
	b.typeIn("ordine_provincia", "RM")
	b.typeIn("ordine_numero", "45678")
	b.typeIn("nome", "Studio Nomentano")
	b.typeIn("indirizzo", "Via Nomentana 300")
	b.typeIn("cap", "00162")
	b.typeIn("comune", "Roma")
	b.typeIn("provincia", "RM")
	b.submit(`form[action="/medico/primo-accesso"] button[type=submit]`)
	b.waitPath("/medico")
	b.check("doctor-menu")
	for _, href := range []string{"/medico/certificati/nuovo", "/medico/certificati", "/medico/stampa/certificato", "/medico/stampa/attestato", "/medico/dati"} {
		if !eval[bool](b, `!!document.querySelector('main a[href="`+href+`"]')`) {
			t.Errorf("menu without %s", href)
		}
	}
	b.visit(base+"/medico/dati", "doctor-data")

	// A civil-invalidity certificate, saved as a draft first.
	b.visit(base+"/medico/certificati/nuovo", "cert-choose")
	b.tick("#tipo-inv")
	b.submit(`form[action="/medico/certificati/nuovo"] button[type=submit]`)
	b.check("cert-form-invalidity")
	b.typeIn("codice_fiscale_paziente", "RSSMRA56L12H501D")
	b.typeIn("anamnesi", "Ictus ischemico nel 2025, emiparesi destra.")
	b.submit(`button[name=azione][value=salva]`)
	b.waitPath("/medico/bozze/")
	b.check("cert-draft-saved")

	// CERT-3, CERT-6: the draft is in the list and resumes with its data.
	b.visit(base+"/medico/certificati?stato=draft", "cert-list-drafts")
	b.do(chromedp.Focus(`table a[href^="/medico/bozze/"]`))
	b.follow("\r")
	b.waitPath("/medico/bozze/")
	if got := eval[string](b, `document.getElementById("anamnesi").value`); !strings.Contains(got, "emiparesi") {
		t.Fatalf("resumed draft: anamnesi = %q", got)
	}
	// CERT-4: sending it incomplete names the missing fields.
	b.submit(`button[name=azione][value=invia]`)
	if summary := eval[string](b, `document.getElementById("error-summary").innerText`); !strings.Contains(summary, "accertamento") || !strings.Contains(summary, "diagnosi") {
		t.Fatalf("error summary = %q", summary)
	}
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") {
		t.Error("the title does not say there are errors")
	}
	b.check("cert-form-errors")
	b.tick("#finalita")
	b.tick("#finalita-handicap")
	b.typeIn("diagnosi_1_testo", "Esiti di ictus cerebrale")
	b.typeIn("diagnosi_1_codice", "438.9")
	b.tick("#non_deambulante")
	b.submit(`button[name=azione][value=invia]`)
	number := eval[string](b, `location.pathname.split("/").pop()`)
	if !regexp.MustCompile(`^20\d{2}\d{7}$`).MatchString(number) {
		t.Fatalf("after sending at %s (errors: %s)", eval[string](b, `location.href`), eval[string](b, `(document.getElementById("error-summary")||{}).innerText||""`))
	}
	b.check("cert-sent")
	if flash := eval[string](b, `(document.querySelector(".alert-success")||{}).textContent||""`); !strings.Contains(flash, "inviato") {
		t.Errorf("flash = %q", flash)
	}

	// CERT-5, CERT-9, DOC-1: the three PDFs.
	cert := b.pdfText(base + "/medico/certificati/" + number + "/pdf/certificato.pdf")
	for _, want := range []string{number, "Mario Rossi", "RSSMRA56L12H501D", "Laura Bianchi", "438.9", "Esiti di ictus cerebrale", "emiparesi", "Studio Nomentano", "ASL Roma 1"} {
		if !strings.Contains(cert, want) {
			t.Errorf("certificate PDF lacks %q:\n%s", want, cert)
		}
	}
	att := b.pdfText(base + "/medico/certificati/" + number + "/pdf/attestato.pdf")
	for _, want := range []string{number, "Mario Rossi", "RSSMRA56L12H501D", "ore"} {
		if !strings.Contains(att, want) {
			t.Errorf("attestation PDF lacks %q:\n%s", want, att)
		}
	}
	if strings.Contains(att, "438.9") {
		t.Error("the attestation shows the diagnosis")
	}
	receipt := b.pdfText(base + "/medico/certificati/" + number + "/pdf/ricevuta.pdf")
	if !strings.Contains(receipt, number) || !strings.Contains(receipt, "Mario Rossi") || strings.Contains(receipt, "ictus") {
		t.Errorf("receipt PDF:\n%s", receipt)
	}
	// The address may wrap on paper: its pieces run up to the footer.
	m := regexp.MustCompile(`/verifica\?t=([A-Za-z0-9_~%.\- ]+?) Ricevuta del certificato`).FindStringSubmatch(receipt)
	if m == nil {
		t.Fatalf("no verification address on the receipt:\n%s", receipt)
	}
	verifyPath := "/verifica?t=" + strings.ReplaceAll(m[1], " ", "")

	// CERT-6: the list, filtered by patient and kind, shows it with its
	// link window.
	b.visit(base+"/medico/certificati?tipo=certificato_invalidita&cf=rssmra56l12h501d", "cert-list")
	if row := eval[string](b, `document.querySelector("tbody tr").innerText`); !strings.Contains(row, number) || !strings.Contains(row, "Inviato") {
		t.Errorf("list row = %q", row)
	}
	b.visit(base+"/medico/certificati?dal=31/02/2026", "cert-list-bad-filter")
	if !strings.Contains(eval[string](b, `document.getElementById("error-summary").innerText`), "giorno/mese/anno") {
		t.Error("a bad date filter is not explained")
	}
	b.visit(base+"/medico/stampa/attestato", "cert-print")

	// DOC-1: anyone checks the code, without login, and sees no personal data.
	b.logout()
	b.visit(base+verifyPath, "verify")
	page := eval[string](b, `document.querySelector("main").innerText`)
	if !strings.Contains(page, "autentico e valido") || !strings.Contains(page, number) || strings.Contains(page, "Rossi") {
		t.Errorf("verification page = %q", page)
	}
	b.visit(base+"/verifica?t=forged", "verify-invalid")
	if !strings.Contains(eval[string](b, `document.getElementById("error-summary").innerText`), "non corrisponde") {
		t.Error("a forged code is not refused")
	}
}
