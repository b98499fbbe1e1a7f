package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sportello/sportello/internal/clock"
)

// The spa-treatment application through the other channels (issue 8):
// a patronato operator and a contact-centre operator acting for a
// citizen, and office staff registering a paper application. Each walk is
// in Chromium with axe-core on every page.

const (
	marinoCF  = "MRNGPP65M10L219B" // patronato PAT-TO-001
	marinoPIN = "N4K6AFA6FNRHCTYK"
	ferriCF   = "FRRPLA75C10H501C" // office RM01
	ferriPIN  = "5NUTACK79ZNS9795"
)

// startCBTServe starts the demo server on a day the application window is
// open (CBT-14) and prints its logs if the test fails.
func startCBTServe(t *testing.T) string {
	t.Helper()
	base, logs, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16)))
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	return base
}

// sendSpaCertificateFor has the demo doctor send a spa-treatment
// certificate for the patient with the codice fiscale cf and returns its
// number.
func sendSpaCertificateFor(t *testing.T, base, cf string) string {
	t.Helper()
	doc := doctorSession(t, base)
	f := spaForm(certFormToken(t, doc, "certificato_cbt"))
	f.Set("codice_fiscale_paziente", cf)
	code, loc := doc.postNoFollow("/medico/certificati/nuovo", f)
	if code != 303 || !strings.HasPrefix(loc, "/medico/certificati/") {
		t.Fatalf("send a certificate for %s = %d %s", cf, code, loc)
	}
	return path.Base(loc)
}

// actFor starts acting for the citizen cf from /per-conto-di with the
// keyboard; identification is typed when not empty (contact centre).
func (b *browser) actFor(base, cf, identification, name string) {
	b.t.Helper()
	b.visit(base+"/per-conto-di", name)
	b.typeIn("cf", cf)
	if identification != "" {
		b.typeIn("identificazione", identification)
	}
	b.do(chromedp.Focus("#cf"))
	b.follow("\r")
}

// checkActing audits the page like check and makes sure the acting-for
// banner is there, names the citizen and offers to stop (ID-5).
func (b *browser) checkActing(name, cf string) {
	b.t.Helper()
	b.check(name)
	banner := eval[string](b, `(function(){ const f = document.querySelector("form[action='/per-conto-di/termina']");
		const d = f && f.closest(".alert-info"); return d ? d.innerText : ""; })()`)
	if !strings.Contains(banner, "per conto di "+cf) {
		b.t.Errorf("%s: no acting-for banner naming %s (banner %q)", name, cf, banner)
	}
}

// cbtChannelWalk goes through screens of the spa-treatment application
// while acting for cf, from the screen the browser is on to the summary,
// choosing the first office and ASL proposed; it returns the names of
// the office and the ASL chosen.
type cbtChannelWalk struct {
	b                   *browser
	cf, email, cert     string
	wantOffice, wantASL string // where the applicant lives
	officeName, aslName string
}

// screen fills the screen the browser is on and continues to the next.
func (w *cbtChannelWalk) screen(name string) {
	b := w.b
	b.t.Helper()
	b.waitPath("/cure-termali/domanda/" + name)
	b.checkActing("cbt-"+w.cf+"-"+name, w.cf)
	if got := eval[string](b, `document.querySelector('[aria-current="step"]').getAttribute("href")`); got != "/cure-termali/domanda/"+name {
		b.t.Errorf("screen %s: the current step links to %q", name, got)
	}
	next := ""
	screens := strings.Fields(cbtScreens)
	for i, s := range screens {
		if s == name && i+1 < len(screens) {
			next = screens[i+1]
		}
	}
	switch name {
	case "anagrafica":
		// REQ CBT-2: the registry data of the person acted for.
		if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, w.cf) {
			b.t.Errorf("screen 1 does not show %s", w.cf)
		}
	case "domicilio":
		b.tick("#domicilio")
	case "contatti":
		// REQ CBT-4: the offices proposed from the applicant's residence;
		// the first is taken.
		b.typeIn("email", w.email)
		w.officeName = eval[string](b, `document.querySelector('label[for="ufficio"]').textContent.trim()`)
		if !strings.Contains(w.officeName, w.wantOffice) {
			b.t.Errorf("the first office proposed is %q; want the one of %s", w.officeName, w.wantOffice)
		}
		b.tick("#ufficio")
	case "domanda":
		b.tick("#patologia")
		b.choose("cura", "fango-bagno")
	case "sanitari":
		// REQ CBT-7: the ASLs proposed differ with the residence.
		b.typeIn("certificato", w.cert)
		w.aslName = eval[string](b, `document.querySelector('label[for="asl"]').textContent.trim()`)
		if !strings.Contains(w.aslName, w.wantASL) {
			b.t.Errorf("the first ASL proposed is %q; want one of %s", w.aslName, w.wantASL)
		}
		b.tick("#asl")
	case "requisiti":
		if rows := eval[int](b, `document.querySelectorAll("#esiti > li[data-rule]").length`); rows < 5 {
			b.t.Errorf("requirements screen: %d rules", rows)
		}
	case "riepilogo":
		// REQ CBT-9: the summary of what was entered for the applicant.
		summary := eval[string](b, `document.querySelector("main").innerText`)
		for _, want := range []string{w.cf, w.email, w.officeName, w.aslName, w.cert, "Fangoterapia con bagno terapeutico"} {
			if !strings.Contains(summary, want) {
				b.t.Errorf("summary lacks %q", want)
			}
		}
		if eval[bool](b, `!!document.getElementById("da-completare")`) {
			b.t.Errorf("the summary says data are missing: %s", eval[string](b, `document.getElementById("da-completare").innerText`))
		}
		return
	}
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/" + next)
}

// confirm presses CONFERMA on the summary and returns the number given,
// from the confirmation page, checked with the banner.
func (w *cbtChannelWalk) confirm() string {
	b := w.b
	b.t.Helper()
	b.submit("#conferma")
	if at := eval[string](b, `location.pathname`); !strings.HasPrefix(at, "/cure-termali/domande/") || !strings.HasSuffix(at, "/conferma") {
		b.t.Fatalf("CONFERMA led to %s; want the confirmation page:\n%s", at, eval[string](b, `document.body.innerText`))
	}
	b.checkActing("cbt-"+w.cf+"-confirmation", w.cf)
	number := eval[string](b, `document.getElementById("numero").textContent.trim()`)
	if !regexp.MustCompile(`^\d{11}$`).MatchString(number) {
		b.t.Fatalf("confirmation number %q", number)
	}
	if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, "Domanda presentata") || !strings.Contains(page, w.officeName) {
		b.t.Errorf("confirmation page:\n%s", page)
	}
	return number
}

// docs returns the text of both documents, reached from the links of the
// page the browser is on (DOC-1).
func (w *cbtChannelWalk) docs(base, number string) (receipt, form string) {
	b := w.b
	b.t.Helper()
	links := eval[[]string](b, `Array.from(document.querySelectorAll("#documenti a")).map(a => a.getAttribute("href"))`)
	want := []string{"/cure-termali/domande/" + number + "/pdf/ricevuta.pdf", "/cure-termali/domande/" + number + "/pdf/domanda.pdf"}
	if fmt.Sprint(links) != fmt.Sprint(want) {
		b.t.Fatalf("document links %q; want %q", links, want)
	}
	return b.pdfText(base + want[0]), b.pdfText(base + want[1])
}

// REQ CH-1 ID-5 CBT-1 CBT-2 CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-8 CBT-9
// CBT-11 CBT-12 CBT-13 DOC-1 AUD-2: a patronato operator acts for Luigi
// Bianchi (Torino), who gave a mandate to PAT-TO-001, with the banner on
// every page; goes through four screens (the offices and ASLs proposed are
// Torino's), stops acting, logs out, comes back, resumes the draft from
// the menu, confirms on the summary and downloads both documents: the
// receipt names the channel, the operator and the intermediary's code.
// Luigi then sees the application in "Le mie domande". axe on every page.
func TestBrowser_CBTIntermediary(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base := startCBTServe(t)
	cert := sendSpaCertificateFor(t, base, bianchiCF)
	w := &cbtChannelWalk{b: b, cf: bianchiCF, email: "luigi.bianchi@esempio.it", cert: cert,
		wantOffice: "Torino", wantASL: "Torino"}

	b.login(base, marinoCF, marinoPIN)
	b.actFor(base, bianchiCF, "", "int-acting")
	b.waitPath("/profilo")
	b.checkActing("int-acting-profile", bianchiCF)

	// REQ CBT-1: the service menu, for the person acted for.
	b.do(chromedp.Navigate(base + "/cure-termali"))
	b.checkActing("int-cbt-menu", bianchiCF)
	b.do(chromedp.Focus(`main a[href="/cure-termali/domanda/anagrafica"]`))
	b.follow("\r")
	for _, s := range strings.Fields(cbtScreens)[:4] {
		w.screen(s)
	}
	b.waitPath("/cure-termali/domanda/domanda")

	// CBT-11: the operator stops acting from the banner (keyboard) and
	// logs out; the draft stays with Luigi.
	b.do(chromedp.Focus(`form[action="/per-conto-di/termina"] button`))
	b.follow("\r")
	b.waitPath("/per-conto-di")
	b.check("int-stopped")
	if eval[bool](b, `!!document.querySelector("form[action='/per-conto-di/termina']")`) {
		t.Fatal("the banner is still there after stopping")
	}
	b.logout()

	// Back again: act for Luigi, resume from the menu where he was left.
	b.login(base, marinoCF, marinoPIN)
	b.actFor(base, bianchiCF, "", "int-acting-again")
	b.waitPath("/profilo")
	b.do(chromedp.Navigate(base + "/cure-termali"))
	b.checkActing("int-cbt-menu-resume", bianchiCF)
	b.do(chromedp.Focus(`main a[href="/cure-termali/domanda/domanda"]`))
	if got := eval[string](b, `document.activeElement.textContent`); !strings.Contains(got, "Riprendi") {
		t.Fatalf("the menu's link to screen 5 says %q", got)
	}
	b.follow("\r")
	for _, s := range strings.Fields(cbtScreens)[4:] {
		w.screen(s)
	}

	// REQ CBT-12 ID-5 DOC-1: CONFERMA; both documents; the receipt says who
	// sent it for Luigi and through which intermediary.
	number := w.confirm()
	receipt, form := w.docs(base, number)
	for _, want := range []string{"Ricevuta di presentazione della domanda", number[:4] + " " + number[4:], bianchiCF, "Luigi Bianchi",
		"Direzione provinciale di Torino", "Patronato o intermediario, codice PAT-TO-001", "Giuseppe Marino",
		"Codice dell'intermediario PAT-TO-001", "Esito della verifica dei requisiti"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	if strings.Contains(receipt, marinoCF) {
		t.Errorf("the receipt shows the operator's codice fiscale:\n%s", receipt)
	}
	for _, want := range []string{"Domanda di cure balneotermali", "Domanda n. " + number, bianchiCF, w.email, cert,
		"Fangoterapia con bagno terapeutico", w.aslName} {
		if !strings.Contains(form, want) {
			t.Errorf("the pre-filled application lacks %q:\n%s", want, form)
		}
	}
	b.do(chromedp.Navigate(base + "/cure-termali/domande/" + number))
	b.checkActing("int-application", bianchiCF)
	if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, "Patronato") || !strings.Contains(page, "PAT-TO-001") {
		t.Errorf("the application's page does not show the channel:\n%s", page)
	}
	b.logout()

	// REQ ST-1 AUD-2: Luigi himself sees it among his applications.
	b.login(base, bianchiCF, bianchiPIN)
	b.visit(base+"/cure-termali/domande", "int-citizen-list")
	if !eval[bool](b, `!!document.querySelector('main a[href="/cure-termali/domande/`+number+`"]')`) {
		t.Errorf("Luigi's \"Le mie domande\" lacks %s:\n%s", number, eval[string](b, `document.querySelector("main").innerText`))
	}
	b.visit(base+"/cure-termali/domande/"+number, "int-citizen-application")
}

// REQ CH-1 ID-5 CBT-1 CBT-2 CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-8 CBT-9
// CBT-12 DOC-1: a contact-centre operator cannot act for a caller without
// saying how the caller was identified (errors, focus, title); with it,
// acts for Giovanna Verdi (Milano) with the banner on every page, goes
// through the eight screens (Milano's office and ASL), confirms and
// downloads both documents: the receipt says "Contact center" and names
// the operator. Giovanna then sees it in "Le mie domande". axe on every
// page.
func TestBrowser_CBTContactCentre(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base := startCBTServe(t)
	cert := sendSpaCertificateFor(t, base, verdiCF)
	w := &cbtChannelWalk{b: b, cf: verdiCF, email: "giovanna.verdi@esempio.it", cert: cert,
		wantOffice: "Milano", wantASL: "Milano"}

	b.login(base, contiCF, contiPIN)
	// ID-5: without the identification, refused.
	b.actFor(base, verdiCF, "", "cc-acting")
	b.waitPath("/per-conto-di")
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") || eval[string](b, `document.activeElement.id`) != "error-summary" {
		t.Fatalf("acting without identification: title %q, focus on %q", eval[string](b, `document.title`), eval[string](b, `document.activeElement.id`))
	}
	if !eval[bool](b, `!!document.querySelector('#error-summary a[href="#identificazione"]')`) {
		t.Fatalf("the error summary does not point at the identification: %q", eval[string](b, `document.getElementById("error-summary").innerText`))
	}
	b.check("cc-acting-errors")
	if v := eval[string](b, `document.getElementById("cf").value`); v != verdiCF {
		t.Fatalf("the codice fiscale was lost: %q", v)
	}
	b.typeIn("identificazione", "Domande su data di nascita, residenza e medico curante")
	b.do(chromedp.Focus("#cf"))
	b.follow("\r")
	b.waitPath("/profilo")
	b.checkActing("cc-acting-profile", verdiCF)

	b.do(chromedp.Navigate(base + "/cure-termali"))
	b.checkActing("cc-cbt-menu", verdiCF)
	b.do(chromedp.Focus(`main a[href="/cure-termali/domanda/anagrafica"]`))
	b.follow("\r")
	for _, s := range strings.Fields(cbtScreens) {
		w.screen(s)
	}
	number := w.confirm()
	receipt, form := w.docs(base, number)
	for _, want := range []string{"Ricevuta di presentazione della domanda", number[:4] + " " + number[4:], verdiCF, "Giovanna Verdi",
		"Direzione provinciale di Milano", "Contact center", "Anna Conti", "operatore del contact center"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	for _, leak := range []string{contiCF, "Codice dell'intermediario"} {
		if strings.Contains(receipt, leak) {
			t.Errorf("the receipt shows %q:\n%s", leak, receipt)
		}
	}
	for _, want := range []string{"Domanda n. " + number, verdiCF, w.email, cert, "Fangoterapia con bagno terapeutico"} {
		if !strings.Contains(form, want) {
			t.Errorf("the pre-filled application lacks %q:\n%s", want, form)
		}
	}
	b.do(chromedp.Navigate(base + "/cure-termali/domande/" + number))
	b.checkActing("cc-application", verdiCF)
	if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, "Contact center") {
		t.Errorf("the application's page does not show the channel:\n%s", page)
	}
	b.logout()

	// REQ ST-1: Giovanna sees it among her applications.
	b.login(base, verdiCF, verdiPIN)
	b.visit(base+"/cure-termali/domande", "cc-citizen-list")
	if !eval[bool](b, `!!document.querySelector('main a[href="/cure-termali/domande/`+number+`"]')`) {
		t.Errorf("Giovanna's \"Le mie domande\" lacks %s:\n%s", number, eval[string](b, `document.querySelector("main").innerText`))
	}
	b.visit(base+"/cure-termali/domande/"+number, "cc-citizen-application")
}

// REQ CH-2 CBT-12 CBT-13 DOC-1: office staff open "Domande da istruire",
// follow "Registra una domanda cartacea" with the keyboard, look Mario
// Rossi up, submit the page empty (every fault in the summary, which takes
// the focus; the title says there are errors), fill it with an arrival
// date in the transition period, register, land on the application's
// office page, find it in the queue and download the receipt, which says
// it is a paper application registered by the office and names the
// member of staff. axe on every page.
func TestBrowser_CBTPaper(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	// The demo's transition period runs to 31 October: no SPORTELLO_PAPER_UNTIL.
	base := startCBTServe(t)
	cert := sendSpaCertificate(t, base)
	received := time.Date(clock.YearInRome(time.Now()), time.March, 10, 0, 0, 0, 0, time.UTC).Format("02/01/2006")

	b.login(base, ferriCF, ferriPIN)
	b.visit(base+"/ufficio/domande", "paper-queue")
	b.do(chromedp.Focus(`main a[href="/ufficio/domande/cartacea"]`))
	if got := eval[string](b, `document.activeElement.textContent.trim()`); got != "Registra una domanda cartacea" {
		t.Fatalf("the queue's link says %q", got)
	}
	b.follow("\r")
	b.waitPath("/ufficio/domande/cartacea")
	b.check("paper-find")
	if lead := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(lead, "31/10/") {
		t.Errorf("the paper page does not say the period ends on 31 October:\n%s", lead)
	}
	b.typeIn("cf", rossiCF)
	b.follow("\r")
	b.waitPath("/ufficio/domande/cartacea")
	b.check("paper-form")
	if got := eval[string](b, `document.getElementById("anagrafica").innerText`); !strings.Contains(got, "Mario Rossi") || !strings.Contains(got, "Via Appia Nuova 120") {
		t.Fatalf("the registry data of Mario Rossi are not shown:\n%s", got)
	}

	// Empty: every fault at once, the summary focused, the title says so.
	b.submit("#registra")
	b.waitPath("/ufficio/domande/cartacea")
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") {
		t.Errorf("title %q; want it to begin with Errore:", eval[string](b, `document.title`))
	}
	if got := eval[string](b, `document.activeElement.id`); got != "error-summary" {
		t.Errorf("focus on %q; want the error summary", got)
	}
	links := eval[[]string](b, `Array.from(document.querySelectorAll("#error-summary a")).map(a => a.getAttribute("href"))`)
	for _, want := range []string{"#ricevuta_il", "#patologia", "#certificato", "#asl"} {
		if !strings.Contains(strings.Join(links, " "), want) {
			t.Errorf("the error summary %q lacks %s", links, want)
		}
	}
	b.check("paper-errors")

	b.typeIn("ricevuta_il", received)
	b.typeIn("cellulare", "333 1234567")
	b.tick("#domicilio")
	b.tick("#patologia")
	b.choose("cura", "fango-bagno")
	b.typeIn("certificato", cert)
	b.tick("#asl")
	b.submit("#registra")
	at := eval[string](b, `location.pathname`)
	if !regexp.MustCompile(`^/ufficio/domande/\d{11}$`).MatchString(at) {
		t.Fatalf("registering led to %s:\n%s", at, eval[string](b, `document.body.innerText`))
	}
	number := path.Base(at)
	b.check("paper-registered")
	page := eval[string](b, `document.querySelector("main").innerText`)
	for _, want := range []string{number, "Domanda cartacea", "arrivata il " + received, "Paolo Ferri", "Mario Rossi"} {
		if !strings.Contains(page, want) {
			t.Errorf("the application's office page lacks %q:\n%s", want, page)
		}
	}
	if flash := eval[string](b, `(document.querySelector(".alert-success")||{}).textContent||""`); !strings.Contains(flash, "Domanda cartacea registrata") {
		t.Errorf("flash after registering: %q", flash)
	}
	href := eval[string](b, `(document.querySelector('main a[href$="/pdf/ricevuta.pdf"]')||{getAttribute(){return ""}}).getAttribute("href")`)
	if href != at+"/pdf/ricevuta.pdf" {
		t.Fatalf("the receipt's link is %q", href)
	}
	receipt := b.pdfText(base + href)
	for _, want := range []string{number[:4] + " " + number[4:], "Domanda cartacea registrata dall'ufficio", "ricevuta il " + received, "Paolo Ferri", rossiCF} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	// CBT-13: in the office's queue.
	b.visit(base+"/ufficio/domande", "paper-queue-after")
	if !eval[bool](b, `!!document.querySelector('main a[href="/ufficio/domande/`+number+`"]')`) {
		t.Errorf("the queue lacks %s", number)
	}
}
