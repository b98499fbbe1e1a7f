package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// The citizen's spa-treatment application pages (issue 8), over HTTP
// against the real server. The application window depends on the date
// (CBT-14): the server pretends today is a day of this year with
// SPORTELLO_FAKE_TODAY, open in March, closed in November.

const (
	rossiPIN   = "HWGQ496RAFHUG6A9"
	verdiCF    = "VRDGNN60B45F205Y"
	verdiPIN   = "WP3SYY2EXFUU7KVB"
	contiCF    = "CNTNNA80A41F205I" // contact centre
	contiPIN   = "CUW7G6S6M58ET9ZG"
	cbtScreens = "anagrafica domicilio contatti precedenti domanda sanitari requisiti riepilogo"
)

// cbtDay is a day of this year (in Rome), as SPORTELLO_FAKE_TODAY takes it.
func cbtDay(month time.Month, day int) string {
	return time.Date(clock.YearInRome(time.Now()), month, day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

var cbtTokenRE = regexp.MustCompile(`data-form-id="cbt:([a-z]+)">\s*<input type="hidden" name="_token" value="([^"]+)"`)

// cbtForm opens a screen and returns its page and a form with its token.
func cbtForm(t *testing.T, s *session, screen string) (string, url.Values) {
	t.Helper()
	code, page := s.get("/cure-termali/domanda/" + screen)
	m := cbtTokenRE.FindStringSubmatch(page)
	if code != 200 || m == nil || m[1] != screen {
		t.Fatalf("GET screen %s = %d without its form:\n%s", screen, code, page)
	}
	return page, url.Values{"_token": {m[2]}}
}

// cbtPost posts a screen and expects the next screen.
func cbtPost(t *testing.T, s *session, screen string, f url.Values, next string) {
	t.Helper()
	code, loc := s.postNoFollow("/cure-termali/domanda/"+screen, f)
	if code != 303 || loc != "/cure-termali/domanda/"+next {
		_, page := s.post("/cure-termali/domanda/"+screen, f)
		t.Fatalf("POST %s = %d %q; want 303 to %s\n%s", screen, code, loc, next, page)
	}
}

// cbtRefused posts a screen and expects it again with field errors.
func cbtRefused(t *testing.T, s *session, screen string, f url.Values, want ...string) {
	t.Helper()
	code, page := s.post("/cure-termali/domanda/"+screen, f)
	if code != 422 || !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, "<title>Errore: ") {
		t.Fatalf("POST %s = %d; want 422 with an error summary and the title prefix\n%s", screen, code, page)
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("POST %s: the page lacks %q", screen, w)
		}
	}
}

// sendSpaCertificate has the demo doctor send a spa-treatment certificate
// for Mario Rossi and returns its number.
func sendSpaCertificate(t *testing.T, base string) string {
	t.Helper()
	doc := doctorSession(t, base)
	code, loc := doc.postNoFollow("/medico/certificati/nuovo", spaForm(certFormToken(t, doc, "certificato_cbt")))
	if code != 303 || !strings.HasPrefix(loc, "/medico/certificati/") {
		t.Fatalf("send certificate = %d %s", code, loc)
	}
	return path.Base(loc)
}

// REQ CBT-1 CBT-2 CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-8 CBT-9 CBT-10 CBT-11
// CBT-12 CBT-13 CBT-15 PROT-3 AUD-2 CH-1: a citizen goes through the
// eight screens, each refusing what is wrong and saving the draft all the
// same; leaves and resumes from the menu in a new session; CONFERMA
// refuses a certificate that does not exist, linking to its screen, then
// registers the application once although sent twice at the same time and
// once more after; the application's page and "Le mie domande" show it,
// to the citizen and to an operator acting for them, never to others.
func TestCBTPages_Flow(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16), "SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	year := clock.YearInRome(time.Now())
	cert := sendSpaCertificate(t, base)
	s := loginHTTP(t, base, rossiCF, rossiPIN)

	// CBT-1: the service menu.
	code, menu := s.get("/cure-termali")
	if code != 200 {
		t.Fatalf("GET /cure-termali = %d", code)
	}
	for _, want := range []string{`href="/informazioni/cure-termali"`, `href="/cure-termali/domanda/anagrafica"`, "Nuova domanda",
		`href="/cure-termali/domande"`, `href="/"`, `action="/esci"`, `href="/cure-termali" aria-current="page"`} {
		if !strings.Contains(menu, want) {
			t.Errorf("menu lacks %s", want)
		}
	}

	// CBT-2: the registry data, read-only, step 1 of 8.
	page, f := cbtForm(t, s, "anagrafica")
	for _, want := range []string{rossiCF, "Via Appia Nuova 120", "12/07/1956", "Passo 1 di 8", `aria-current="step"`} {
		if !strings.Contains(page, want) {
			t.Errorf("screen 1 lacks %q", want)
		}
	}
	if strings.Contains(page, `name="nome"`) || strings.Contains(page, `name="indirizzo"`) {
		t.Error("screen 1 lets the registry data be edited")
	}
	cbtPost(t, s, "anagrafica", f, "domicilio")

	// CBT-3: a different domicile must be given; the residence is the default.
	_, f = cbtForm(t, s, "domicilio")
	f.Set("domicilio", "altro")
	cbtRefused(t, s, "domicilio", f, "Indicare l&#39;indirizzo del domicilio", `href="#indirizzo"`)
	f.Set("cap", "123")
	f.Set("indirizzo", "Via Tiburtina 5")
	cbtRefused(t, s, "domicilio", f, "Il CAP è di 5 cifre", `value="Via Tiburtina 5"`)
	f.Set("domicilio", "residenza")
	cbtPost(t, s, "domicilio", f, "contatti")

	// CBT-4: one contact at least; the office among those proposed.
	page, f = cbtForm(t, s, "contatti")
	if !strings.Contains(page, "Direzione provinciale di Roma") || !strings.Contains(page, `id="ufficio"`) {
		t.Errorf("screen 3 does not propose the offices of Roma")
	}
	cbtRefused(t, s, "contatti", f, "almeno un recapito", "ufficio competente tra quelli proposti")
	f.Set("email", "mario.rossi@esempio.it")
	f.Set("ufficio", "MI01")
	cbtRefused(t, s, "contatti", f, "ufficio competente tra quelli proposti", `value="mario.rossi@esempio.it"`)
	f.Set("ufficio", "RM01")
	cbtPost(t, s, "contatti", f, "precedenti")

	// CBT-5: previous grants from the registry, and a correction.
	page, f = cbtForm(t, s, "precedenti")
	if !strings.Contains(page, "Anno della prima concessione") || !strings.Contains(page, `id="precedenti_corretti"`) {
		t.Error("screen 4 lacks the registry's grants or the correction")
	}
	f.Set("precedenti_corretti", "1")
	f.Set("primo_anno", "duemila")
	cbtRefused(t, s, "precedenti", f, "anno in cifre", "Spiegare in breve la correzione")
	f.Set("primo_anno", "2019")
	f.Set("concessioni_precedenti", "2")
	f.Set("nota_correzione", "Cure a Fiuggi nel 2019 e nel 2021")
	cbtPost(t, s, "precedenti", f, "domanda")

	// CBT-11: the citizen leaves; in a new session the menu resumes the
	// draft where it was left, with what was typed.
	s = loginHTTP(t, base, rossiCF, rossiPIN)
	if _, menu := s.get("/cure-termali"); !strings.Contains(menu, "Riprendi la domanda") || !strings.Contains(menu, `href="/cure-termali/domanda/domanda"`) {
		t.Fatalf("the menu does not resume the draft at screen 5:\n%s", menu)
	}
	if page, _ := cbtForm(t, s, "contatti"); !strings.Contains(page, `value="mario.rossi@esempio.it"`) || !strings.Contains(page, `value="RM01" checked`) {
		t.Error("the resumed draft lost the contacts")
	}

	// CBT-6: the year is preset and locked; the cure must be of the pathology.
	page, f = cbtForm(t, s, "domanda")
	if !strings.Contains(page, fmt.Sprintf(`id="anno">%d`, year)) || strings.Contains(page, `name="anno"`) || !strings.Contains(page, "<optgroup") {
		t.Error("screen 5: the year is not shown locked, or the cures are not grouped")
	}
	cbtRefused(t, s, "domanda", f, "Scegliere il gruppo di patologie")
	f.Set("patologia", "reumoartropatica")
	f.Set("cura", "inalazioni")
	cbtRefused(t, s, "domanda", f, "non è tra quelle del gruppo")
	f.Set("cura", "fango-bagno")
	cbtPost(t, s, "domanda", f, "sanitari")

	// CBT-7: the certificate number and the ASL; a number that does not
	// exist passes the screen and is refused at CONFERMA below.
	page, f = cbtForm(t, s, "sanitari")
	if !strings.Contains(page, "ricevuta che il medico") || !strings.Contains(page, "ASL Roma 1") {
		t.Error("screen 6 lacks the hint or the ASLs of Roma")
	}
	f.Set("certificato", "123")
	cbtRefused(t, s, "sanitari", f, "Il numero del certificato è di 11 cifre", "Scegliere l&#39;azienda sanitaria (ASL)")
	f.Set("certificato", fmt.Sprintf("%d9999999", year))
	f.Set("asl", "ASL-RM1")
	cbtPost(t, s, "sanitari", f, "requisiti")

	// CBT-8, CBT-10: the rules' outcome, the employment, and sending anyway.
	page, f = cbtForm(t, s, "requisiti")
	for _, want := range []string{`id="esiti"`, "Attività esercitata", "Qualifica", "potete comunque inviare la domanda"} {
		if !strings.Contains(page, want) {
			t.Errorf("screen 7 lacks %q", want)
		}
	}
	cbtPost(t, s, "requisiti", f, "riepilogo")

	// CBT-9: everything, each with its change link and hidden context.
	page, f = cbtForm(t, s, "riepilogo")
	for _, want := range []string{"mario.rossi@esempio.it", "Direzione provinciale di Roma", "Fangoterapia con bagno terapeutico", "ASL Roma 1",
		"Cure a Fiuggi", rossiCF, fmt.Sprint(year), `href="/cure-termali/domanda/contatti#email">Modifica<span class="visually-hidden"> Posta elettronica</span>`,
		`id="conferma"`, "CONFERMA"} {
		if !strings.Contains(page, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// CBT-15: CONFERMA refuses a certificate that does not exist; the
	// fault links to its screen.
	code, page = s.post("/cure-termali/domanda/riepilogo", f)
	if code != 422 || !strings.Contains(page, `href="/cure-termali/domanda/sanitari#certificato"`) || !strings.Contains(page, "<title>Errore: ") {
		t.Fatalf("CONFERMA with a wrong certificate = %d\n%s", code, page)
	}
	_, f = cbtForm(t, s, "sanitari")
	f.Set("certificato", cert)
	f.Set("asl", "ASL-RM1")
	cbtPost(t, s, "sanitari", f, "requisiti")

	// CBT-12, PROT-3: the same CONFERMA twice at once, then once more,
	// registers one application; every answer leads to it.
	_, f = cbtForm(t, s, "riepilogo")
	locs := make([]string, 3)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { locs[i] = postNoFollowQuiet(s, "/cure-termali/domanda/riepilogo", f) })
	}
	wg.Wait()
	locs[2] = postNoFollowQuiet(s, "/cure-termali/domanda/riepilogo", f)
	// The posts that reach CONFERMA together are one DB.Once: the first
	// registers, the other replays its answer, the confirmation page; a
	// post after the registration is sent to the application itself.
	app := strings.TrimSuffix(locs[0], "/conferma")
	if !regexp.MustCompile(`^/cure-termali/domande/\d{11}$`).MatchString(app) {
		t.Fatalf("CONFERMA answers: %q", locs)
	}
	confirmations := 0
	for _, l := range locs {
		switch l {
		case app + "/conferma":
			confirmations++
		case app:
		default:
			t.Fatalf("CONFERMA answers: %q; want all about one application", locs)
		}
	}
	if confirmations == 0 || locs[2] != app {
		t.Fatalf("CONFERMA answers: %q", locs)
	}
	number := path.Base(app)

	// CBT-12: the confirmation page: the number, the office, what happens
	// next at the contacts given, and both documents.
	code, page = s.get(app + "/conferma")
	for _, want := range []string{"Domanda presentata", number, "Direzione provinciale di Roma", "mario.rossi@esempio.it",
		"convocazione per la visita medica", `href="` + app + `/pdf/ricevuta.pdf"`, `href="` + app + `/pdf/domanda.pdf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation page (%d) lacks %q", code, want)
		}
	}
	// DOC-1: both documents are PDFs of this application.
	for _, doc := range []string{"ricevuta", "domanda"} {
		resp, err := s.c.Get(base + app + "/pdf/" + doc + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
			t.Errorf("%s.pdf = %d %s", doc, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	// CBT-12, CBT-13: the application's page.
	code, page = s.get(app)
	for _, want := range []string{number, "Direzione provinciale di Roma", "Internet", "Richiesta inviata e protocollata", "Convocazione alla visita medica", "data-overall=",
		`href="` + app + `/pdf/ricevuta.pdf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("application page (%d) lacks %q", code, want)
		}
	}
	// CBT-1: "Le mie domande" lists it once; the menu shows it instead of a
	// new application; the screens lead to it (one a year).
	if _, list := s.get("/cure-termali/domande"); strings.Count(list, `href="/cure-termali/domande/`+number+`"`) != 1 {
		t.Errorf("Le mie domande:\n%s", list)
	}
	if _, menu := s.get("/cure-termali"); !strings.Contains(menu, `href="/cure-termali/domande/`+number+`"`) || strings.Contains(menu, `href="/cure-termali/domanda/`) {
		t.Error("the menu still offers a new application")
	}
	if code, loc := s.getNoFollow("/cure-termali/domanda/contatti"); code != 303 || loc != app {
		t.Errorf("a screen after CONFERMA = %d %s; want the application", code, loc)
	}

	// AUD-2: nobody else sees it; a doctor has no application pages.
	other := loginHTTP(t, base, verdiCF, verdiPIN)
	if code, page := other.get(app); code != 404 || strings.Contains(page, rossiCF) {
		t.Errorf("another citizen GET %s = %d", app, code)
	}
	if code, _ := doctorSession(t, base).get("/cure-termali"); code != 404 {
		t.Errorf("a doctor GET /cure-termali = %d", code)
	}

	// CH-1: a contact-centre operator acting for Mario Rossi sees it, and
	// opens Giovanna Verdi's application for her.
	cc := loginHTTP(t, base, contiCF, contiPIN)
	if code, _ := cc.get("/cure-termali"); code != 404 {
		t.Errorf("an operator not acting for anyone GET /cure-termali = %d", code)
	}
	actFor(t, cc, rossiCF)
	if code, page := cc.get(app); code != 200 || !strings.Contains(page, number) {
		t.Errorf("operator acting for the applicant GET %s = %d", app, code)
	}
	stopActing(t, cc)
	actFor(t, cc, verdiCF)
	if code, _ := cc.get(app); code != 404 {
		t.Errorf("operator acting for someone else GET %s = %d", app, code)
	}
	if page, _ := cbtForm(t, cc, "anagrafica"); !strings.Contains(page, verdiCF) || strings.Contains(page, rossiCF) {
		t.Error("acting for Giovanna Verdi, screen 1 does not show her data")
	}

	// CBT-10, CBT-13: the application is at once in the queue of the office
	// chosen, flagged (the citizen corrected the previous grants); the
	// office's staff and medical centre open it read-only; another office
	// sees neither.
	office := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795") // RM01
	for _, q := range []string{"", "?segnalate=1"} {
		code, page := office.get("/ufficio/domande" + q)
		if code != 200 || !strings.Contains(page, `href="/ufficio/domande/`+number+`"`) || !strings.Contains(page, "Da verificare") {
			t.Errorf("RM01 queue%s = %d without the flagged application", q, code)
		}
	}
	if code, page := office.get("/ufficio/domande/" + number); code != 200 || !strings.Contains(page, "Cure a Fiuggi") ||
		!strings.Contains(page, "Mario Rossi") || !strings.Contains(page, "Domanda segnalata") {
		t.Errorf("RM01 application page = %d", code)
	}
	if code, _ := loginHTTP(t, base, "RMNNDR71R04H501C", "HFQL6784YKFLV5R8").get("/ufficio/domande/" + number); code != 200 {
		t.Errorf("RM01 medical centre = %d", code) // medical-centre doctor of RM01
	}
	milano := loginHTTP(t, base, "CLMCHR82E59F205T", "VSZFNCUWP6JJJFGN") // MI01
	if code, page := milano.get("/ufficio/domande"); code != 200 || strings.Contains(page, number) {
		t.Errorf("MI01 queue = %d, or it shows RM01's application", code)
	}
	if code, _ := milano.get("/ufficio/domande/" + number); code != 404 {
		t.Errorf("MI01 opens RM01's application: %d", code)
	}
	if code, _ := s.get("/ufficio/domande/" + number); code != 404 {
		t.Errorf("the citizen opens the office's page: %d", code)
	}
	if code, _ := office.get("/ufficio/domande/20269999999"); code != 404 {
		t.Errorf("unknown application: %d", code)
	}
}

var actingTokenRE = regexp.MustCompile(`data-form-id="per-conto-di">\s*<input type="hidden" name="_token" value="([^"]+)"`)

// actFor opens an acting-for session for a citizen (contact centre).
func actFor(t *testing.T, s *session, cf string) {
	t.Helper()
	_, page := s.get("/per-conto-di")
	m := actingTokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no form token on /per-conto-di")
	}
	if code, loc := s.postNoFollow("/per-conto-di", url.Values{"_token": {m[1]}, "cf": {cf}, "identificazione": {"Domande su data di nascita e residenza"}}); code != 303 || loc != "/profilo" {
		t.Fatalf("act for %s = %d %s", cf, code, loc)
	}
}

// stopActing ends the acting-for session.
func stopActing(t *testing.T, s *session) {
	t.Helper()
	_, page := s.get("/profilo")
	m := tokenRE.FindStringSubmatch(page) // the session's own forms share one token
	if code, _ := s.postNoFollow("/per-conto-di/termina", url.Values{"_token": {m[1]}}); code != 303 {
		t.Fatalf("stop acting = %d", code)
	}
}

// postNoFollowQuiet posts without following the redirect and returns the
// Location, or a description of the failure; it may run off the test's
// goroutine.
func postNoFollowQuiet(s *session, p string, form url.Values) string {
	c := *s.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("POST", s.base+p, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	resp, err := c.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		return fmt.Sprintf("status %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// getNoFollow gets without following a redirect.
func (s *session) getNoFollow(p string) (int, string) {
	s.t.Helper()
	c := *s.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(s.base + p)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// REQ CBT-14 CBT-11: after 31 October the menu says applications are
// closed and what happened to drafts; no screen takes data and nothing is
// saved.
func TestCBTPages_WindowClosed(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.November, 15)))
	defer stop()
	s := loginHTTP(t, base, rossiCF, rossiPIN)
	closed := fmt.Sprintf("si sono chiuse il 31 ottobre; dal 1° gennaio %d", clock.YearInRome(time.Now())+1)
	code, menu := s.get("/cure-termali")
	if code != 200 || !strings.Contains(menu, closed) || !strings.Contains(menu, "scadono con la chiusura") ||
		strings.Contains(menu, `href="/cure-termali/domanda/`) {
		t.Fatalf("menu while closed = %d:\n%s", code, menu)
	}
	for _, screen := range strings.Fields(cbtScreens) {
		if code, page := s.get("/cure-termali/domanda/" + screen); code != 200 || !strings.Contains(page, closed) || strings.Contains(page, `data-form-id="cbt:`) {
			t.Errorf("GET %s while closed = %d", screen, code)
		}
		code, page := s.post("/cure-termali/domanda/"+screen, url.Values{"email": {"mario@esempio.it"}, "ufficio": {"RM01"}})
		if code != 409 || !strings.Contains(page, closed) {
			t.Errorf("POST %s while closed = %d", screen, code)
		}
	}
	if _, menu := s.get("/cure-termali"); strings.Contains(menu, "Riprendi") {
		t.Error("a draft was saved while applications are closed")
	}
	if _, list := s.get("/cure-termali/domande"); !strings.Contains(list, "Non risultano domande") {
		t.Error("Le mie domande is not empty")
	}
}
