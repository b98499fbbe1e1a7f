package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// REQ CBT-1 CBT-2 CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-8 CBT-9 CBT-10 CBT-11
// CBT-12 CBT-13 CH-1: a doctor sends a spa-treatment certificate; the
// citizen logs in and goes through the eight screens with the keyboard
// (one refused with its errors), leaves after screen 4, logs in again and
// resumes from the menu, confirms on the summary, and sees the
// application's page and "Le mie domande". axe on every page.
func TestBrowser_CBTApplication(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	// The application window is open in March (CBT-14), whatever today is.
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16)))
	defer stop()
	cert := sendSpaCertificate(t, base)

	b.login(base, rossiCF, rossiPIN)
	b.visit(base+"/cure-termali", "cbt-menu")
	for _, href := range []string{"/informazioni/cure-termali", "/cure-termali/domanda/anagrafica", "/cure-termali/domande", "/"} {
		if !eval[bool](b, `!!document.querySelector('main a[href="`+href+`"]')`) {
			t.Errorf("menu without %s", href)
		}
	}
	b.do(chromedp.Focus(`main a[href="/cure-termali/domanda/anagrafica"]`))
	b.follow("\r")
	b.waitPath("/cure-termali/domanda/anagrafica")
	b.check("cbt-1-anagrafica")
	if got := eval[string](b, `document.querySelector('[aria-current="step"]').textContent`); !strings.Contains(got, "Dati anagrafici") {
		t.Errorf("current step = %q", got)
	}
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/domicilio")
	b.check("cbt-2-domicilio")

	// A domicile chosen but not given: refused, with the summary.
	b.tick("#domicilio-altro")
	b.typeIn("cap", "001")
	b.submit("#continua")
	if n := eval[int](b, `document.querySelectorAll("#error-summary a").length`); n != 4 {
		t.Fatalf("domicile with a CAP only: %d errors, want 4", n)
	}
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") {
		t.Error("the title does not say there are errors")
	}
	b.check("cbt-2-domicilio-errors")
	b.tick("#domicilio")
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/contatti")
	b.check("cbt-3-contatti")
	b.typeIn("email", "mario.rossi@esempio.it")
	b.tick("#ufficio")
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/precedenti")
	b.check("cbt-4-precedenti")
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/domanda")

	// CBT-11: leave, come back, resume from the menu.
	b.logout()
	b.login(base, rossiCF, rossiPIN)
	b.visit(base+"/cure-termali", "cbt-menu-resume")
	b.do(chromedp.Focus(`main a[href="/cure-termali/domanda/domanda"]`))
	if got := eval[string](b, `document.activeElement.textContent`); !strings.Contains(got, "Riprendi") {
		t.Fatalf("the menu's link to screen 5 says %q", got)
	}
	b.follow("\r")
	b.waitPath("/cure-termali/domanda/domanda")
	b.check("cbt-5-domanda")
	b.tick("#patologia")
	b.choose("cura", "fango-bagno")
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/sanitari")
	b.check("cbt-6-sanitari")
	b.typeIn("certificato", cert)
	b.tick("#asl")
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/requisiti")
	b.check("cbt-7-requisiti")
	if rows := eval[int](b, `document.querySelectorAll("#esiti > li[data-rule]").length`); rows < 5 {
		t.Errorf("requirements screen: %d rules", rows)
	}
	b.submit("#continua")
	b.waitPath("/cure-termali/domanda/riepilogo")
	b.check("cbt-8-riepilogo")
	summary := eval[string](b, `document.querySelector("main").innerText`)
	for _, want := range []string{"mario.rossi@esempio.it", "Direzione provinciale di Roma", cert, "Fangoterapia con bagno terapeutico", "Uguale alla residenza"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if eval[bool](b, `!!document.getElementById("da-completare")`) {
		t.Errorf("the summary says data are missing: %s", eval[string](b, `document.getElementById("da-completare").innerText`))
	}

	// CBT-12: CONFERMA leads to the confirmation page with both documents.
	b.submit("#conferma")
	b.waitPath("/cure-termali/domande/")
	if at := eval[string](b, `location.pathname`); !strings.HasSuffix(at, "/conferma") {
		t.Fatalf("CONFERMA led to %s; want the confirmation page", at)
	}
	b.check("cbt-confirmation")
	number := eval[string](b, `document.getElementById("numero").textContent`)
	if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, "Domanda presentata") || !strings.Contains(page, "Direzione provinciale di Roma") {
		t.Errorf("confirmation page:\n%s", page)
	}
	// DOC-1: the receipt and the pre-filled application, their text checked.
	receipt := b.pdfText(base + "/cure-termali/domande/" + number + "/pdf/ricevuta.pdf")
	for _, want := range []string{"Ricevuta di presentazione della domanda", number[:4] + " " + number[4:], rossiCF, "Direzione provinciale di Roma",
		"Servizi online", "Esito della verifica dei requisiti", "convocazione per la visita medica"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	form := b.pdfText(base + "/cure-termali/domande/" + number + "/pdf/domanda.pdf")
	for _, want := range []string{"Domanda di cure balneotermali", "Domanda n. " + number, "1. Dati anagrafici", "mario.rossi@esempio.it",
		"Fangoterapia con bagno terapeutico", cert, "Uguale alla residenza"} {
		if !strings.Contains(form, want) {
			t.Errorf("the pre-filled application lacks %q:\n%s", want, form)
		}
	}
	b.visit(base+"/cure-termali/domande/"+number, "cbt-application")
	if page := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(page, "Richiesta inviata e protocollata") || !strings.Contains(page, "Ricevuta di presentazione") {
		t.Errorf("application page:\n%s", page)
	}
	b.visit(base+"/cure-termali/domande", "cbt-list")
	if row := eval[string](b, `document.querySelector("tbody tr").innerText`); !strings.Contains(row, number) {
		t.Errorf("Le mie domande: first row %q, want %s", row, number)
	}
	b.visit(base+"/cure-termali", "cbt-menu-sent")

	// CBT-13: the office's queue and the application's page there.
	b.logout()
	b.login(base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	b.visit(base+"/ufficio/domande", "office-queue")
	if !eval[bool](b, `!!document.querySelector('a[href="/ufficio/domande/`+number+`"]')`) {
		t.Errorf("the office queue lacks %s", number)
	}
	b.visit(base+"/ufficio/domande/"+number, "office-application")
}
