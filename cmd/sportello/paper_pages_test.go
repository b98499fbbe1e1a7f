package main

import (
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

var paperTokenRE = regexp.MustCompile(`data-form-id="office:paper">\s*<input type="hidden" name="_token" value="([^"]+)"`)

// paperForm opens the paper form for a codice fiscale and returns its
// page and a form with the token and the codice fiscale.
func paperForm(t *testing.T, s *session, cf string) (string, url.Values) {
	t.Helper()
	code, page := s.get("/ufficio/domande/cartacea?cf=" + cf)
	m := paperTokenRE.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("GET the paper form for %s = %d without its form:\n%s", cf, code, page)
	}
	return page, url.Values{"_token": {m[1]}, "cf": {cf}}
}

// fetchText returns the text of a PDF the session can read (pdftotext).
func (s *session) fetchText(p string) string {
	s.t.Helper()
	resp, err := s.c.Get(s.base + p)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(raw), "%PDF-") {
		s.t.Fatalf("GET %s = %d %s, not a PDF", p, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			s.t.Fatal("pdftotext not found and CI=true makes it mandatory (apt-get install -y poppler-utils)")
		}
		s.t.Skip("pdftotext not found: install poppler-utils to run this test")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = strings.NewReader(string(raw))
	text, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("pdftotext %s: %v", p, err)
	}
	return strings.Join(strings.Fields(string(text)), " ")
}

// REQ CH-2 CBT-12 CBT-13 PROT-3 DOC-1 AUD-2: office staff register a paper
// application received during the transition period: the codice fiscale
// brings the registry data; every fault of the page is named at once and
// nothing typed is lost; a date after today or outside the period is
// refused; the registration (posted twice) gives one protocol number, is
// marked as paper with the member of staff as its operator, enters the
// office's queue and prints a receipt saying so; another office is told
// which office is competent; citizens have no such page; the applicant
// sees the application among their own.
func TestCBTPages_Paper(t *testing.T) {
	t.Chdir(t.TempDir())
	year := clock.YearInRome(time.Now())
	// A demo installation without --paper-until has a period to the end
	// of the window; this one ends on 12 March.
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16), "SPORTELLO_PAPER_UNTIL", cbtDay(time.March, 12),
		"SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	cert := sendSpaCertificate(t, base)
	staff := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")

	if _, queue := staff.get("/ufficio/domande"); !strings.Contains(queue, `href="/ufficio/domande/cartacea"`) {
		t.Error("the office's queue has no link to register a paper application")
	}
	code, page := staff.get("/ufficio/domande/cartacea")
	if code != 200 || !strings.Contains(page, `name="cf"`) || !strings.Contains(page, "12/03/") {
		t.Fatalf("GET the paper page = %d\n%s", code, page)
	}
	// A malformed codice fiscale, and one the registry does not know.
	if code, page := staff.get("/ufficio/domande/cartacea?cf=RSSMRA56"); code != 422 || !strings.Contains(page, "16 caratteri") {
		t.Errorf("a malformed codice fiscale = %d", code)
	}
	if code, page := staff.get("/ufficio/domande/cartacea?cf=RSSMRA80A01H501U"); code != 422 || !strings.Contains(page, "non è presente nell&#39;anagrafe") {
		t.Errorf("an unknown codice fiscale = %d\n%s", code, page)
	}

	page, f := paperForm(t, staff, rossiCF)
	for _, want := range []string{"Mario", "Via Appia Nuova 120", "Direzione provinciale di Roma", `name="asl"`, `name="cura"`, `name="ricevuta_il"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the paper form lacks %q", want)
		}
	}
	// Everything missing: each fault is named at once, in the summary.
	f.Set("cellulare", "33x")
	code, page = staff.post("/ufficio/domande/cartacea", f)
	if code != 422 || !strings.Contains(page, "<title>Errore: ") {
		t.Fatalf("an empty paper form = %d\n%s", code, page)
	}
	for _, want := range []string{`href="#ricevuta_il"`, `href="#cellulare"`, `href="#patologia"`, `href="#certificato"`, `href="#asl"`, `value="33x"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	fill := func(f url.Values, received string) {
		f.Set("ricevuta_il", received)
		f.Set("cellulare", "333 1234567")
		f.Set("domicilio", "residenza")
		f.Set("patologia", "reumoartropatica")
		f.Set("cura", "fango-bagno")
		f.Set("certificato", cert)
		f.Set("asl", "ASL-RM1")
	}
	// A day after today, and a day after the period: refused, kept.
	m := func(day int) string {
		return time.Date(year, time.March, day, 0, 0, 0, 0, time.UTC).Format("02/01/2006")
	}
	for received, want := range map[string]string{m(20): "nel futuro", m(14): "dopo la fine del periodo transitorio"} {
		_, f := paperForm(t, staff, rossiCF)
		fill(f, received)
		code, page := staff.post("/ufficio/domande/cartacea", f)
		if code != 422 || !strings.Contains(page, want) || !strings.Contains(page, `value="`+cert+`"`) {
			t.Errorf("received %s = %d; want 422 with %q and the certificate kept", received, code, want)
		}
	}

	// Another office's staff are told which office is competent.
	milan := loginHTTP(t, base, "CLMCHR82E59F205T", "VSZFNCUWP6JJJFGN")
	_, mf := paperForm(t, milan, rossiCF)
	fill(mf, m(10))
	if code, page := milan.post("/ufficio/domande/cartacea", mf); code != 422 || !strings.Contains(page, "competente Direzione provinciale di Roma") {
		t.Errorf("MI01 registering a Roman's application = %d\n%s", code, page)
	}

	// The registration, posted twice with one page: one number.
	_, f = paperForm(t, staff, rossiCF)
	fill(f, m(10))
	code, loc := staff.postNoFollow("/ufficio/domande/cartacea", f)
	code2, loc2 := staff.postNoFollow("/ufficio/domande/cartacea", f)
	if code != 303 || !regexp.MustCompile(`^/ufficio/domande/\d{11}$`).MatchString(loc) || code2 != 303 || loc2 != loc {
		t.Fatalf("register = %d %s, again = %d %s", code, loc, code2, loc2)
	}
	number := path.Base(loc)
	code, page = staff.get(loc)
	for _, want := range []string{number, "Domanda cartacea", "arrivata il " + m(10), "Paolo Ferri", `href="` + loc + `/pdf/ricevuta.pdf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the registered application's page (%d) lacks %q", code, want)
		}
	}
	if _, queue := staff.get("/ufficio/domande"); !strings.Contains(queue, `href="/ufficio/domande/`+number+`"`) {
		t.Error("the paper application is not in the office's queue")
	}
	receipt := staff.fetchText(loc + "/pdf/ricevuta.pdf")
	for _, want := range []string{number, "Domanda cartacea registrata dall'ufficio", "ricevuta il " + m(10), "Paolo Ferri", rossiCF, "convocazione per la visita medica"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	// A second paper application of the same person and year: RULE-9.
	_, f = paperForm(t, staff, rossiCF)
	fill(f, m(11))
	if code, page := staff.post("/ufficio/domande/cartacea", f); code != 422 || !strings.Contains(page, "già stata presentata la domanda n. "+number) {
		t.Errorf("a second paper application = %d", code)
	}

	// Citizens have no such page; the applicant sees the application.
	citizen := loginHTTP(t, base, rossiCF, rossiPIN)
	if code, _ := citizen.get("/ufficio/domande/cartacea"); code != 404 {
		t.Errorf("a citizen GET the paper page = %d", code)
	}
	if _, list := citizen.get("/cure-termali/domande"); !strings.Contains(list, `href="/cure-termali/domande/`+number+`"`) {
		t.Error("the applicant does not see the paper application")
	}
	if code, page := citizen.get("/cure-termali/domande/" + number); code != 200 || !strings.Contains(page, "Domanda cartacea") {
		t.Errorf("the applicant's page of it = %d", code)
	}
}
