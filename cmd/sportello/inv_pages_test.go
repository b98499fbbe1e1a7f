package main

import (
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var invTokenRE = regexp.MustCompile(`data-form-id="inv:([a-z]+)">\s*<input type="hidden" name="_token" value="([^"]+)"`)

// invForm2 opens a part and returns its page and a form with its token.
func invPartForm(t *testing.T, s *session, part string) (string, url.Values) {
	t.Helper()
	code, page := s.get("/invalidita-civile/domanda/" + part)
	m := invTokenRE.FindStringSubmatch(page)
	if code != 200 || m == nil || m[1] != part {
		t.Fatalf("GET part %s = %d without its form:\n%s", part, code, page)
	}
	return page, url.Values{"_token": {m[2]}}
}

// invPost posts a part and expects the next one (or, for the summary, the
// receipt) and returns where it went.
func invPost(t *testing.T, s *session, part string, f url.Values, next string) string {
	t.Helper()
	code, loc := s.postNoFollow("/invalidita-civile/domanda/"+part, f)
	if code != 303 || !strings.HasPrefix(loc, next) {
		_, page := s.post("/invalidita-civile/domanda/"+part, f)
		t.Fatalf("POST %s = %d %q; want 303 to %s\n%s", part, code, loc, next, page)
	}
	return loc
}

// sendInvCertificate has the demo doctor send a civil-invalidity
// certificate (invalidity and handicap) for Mario Rossi.
func sendInvCertificate(t *testing.T, base string) string {
	t.Helper()
	doc := doctorSession(t, base)
	f := invForm(certFormToken(t, doc, "certificato_invalidita"), "invia")
	f["finalita"] = []string{"invalidita", "handicap"}
	code, loc := doc.postNoFollow("/medico/certificati/nuovo", f)
	if code != 303 || !strings.HasPrefix(loc, "/medico/certificati/") {
		t.Fatalf("send certificate = %d %s", code, loc)
	}
	return path.Base(loc)
}

// REQ INV-1 INV-2 INV-3 INV-4 INV-6 INV-8 AG-1 AG-2 CERT-9 PROT-3 AUD-2:
// a citizen fills the six parts of the civil-invalidity application with
// the certificate the doctor sent; the summary lists what is missing and
// refuses INVIA until everything is there; INVIA (posted twice) sends one
// application, whose receipt page and PDF show the protocol and Domus
// numbers, the assessments and a visit date from the demo agenda; the
// citizen changes the date once and a second change is refused; a second
// application is refused while this one is in progress; nobody else sees
// it.
func TestInvPages_Flow(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	cert := sendInvCertificate(t, base)
	s := loginHTTP(t, base, rossiCF, rossiPIN)

	if code, menu := s.get("/invalidita-civile"); code != 200 || !strings.Contains(menu, `href="/invalidita-civile/domanda/anagrafica"`) {
		t.Fatalf("menu = %d\n%s", code, menu)
	}
	page, f := invPartForm(t, s, "anagrafica")
	if !strings.Contains(page, rossiCF) || !strings.Contains(page, "Passo 1 di 6") {
		t.Error("part 1 lacks the registry data or the step")
	}
	// A guardian ticked but not given: every field named.
	f.Set("con_tutore", "1")
	if code, page := s.post("/invalidita-civile/domanda/anagrafica", f); code != 422 ||
		!strings.Contains(page, `href="#tutore_cf"`) || !strings.Contains(page, `href="#tutore_qualita"`) {
		t.Fatalf("guardian without data = %d", code)
	}
	_, f = invPartForm(t, s, "anagrafica")
	invPost(t, s, "anagrafica", f, "/invalidita-civile/domanda/recapiti")

	// The summary before anything else: INVIA is refused and lists it all.
	_, f = invPartForm(t, s, "riepilogo")
	f.Set("dichiarazione", "1")
	code, page := s.post("/invalidita-civile/domanda/riepilogo", f)
	if code != 422 || !strings.Contains(page, "<title>Errore: ") {
		t.Fatalf("INVIA of an empty application = %d", code)
	}
	// Each fault links to its field on its own part's page.
	for _, want := range []string{`href="/invalidita-civile/domanda/recapiti#email"`, `href="/invalidita-civile/domanda/richiesta#richiesta"`,
		`href="/invalidita-civile/domanda/uffici#ufficio"`, `href="/invalidita-civile/domanda/uffici#asl"`,
		"<title>Errore: Riepilogo e invio (passo 6 di 6) – Domanda di invalidità civile"} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused summary lacks %s", want)
		}
	}

	_, f = invPartForm(t, s, "recapiti")
	f.Set("domicilio", "residenza")
	f.Set("email", "mario.rossi.esempio.it")
	if code, page := s.post("/invalidita-civile/domanda/recapiti", f); code != 422 || !strings.Contains(page, "nome@esempio.it") {
		t.Errorf("a bad e-mail = %d", code)
	}
	_, f = invPartForm(t, s, "recapiti")
	f.Set("domicilio", "residenza")
	f.Set("email", "mario.rossi@esempio.it")
	invPost(t, s, "recapiti", f, "/invalidita-civile/domanda/richiesta")

	// INV-7: Mario Rossi (born 1956) is told what applies over 65.
	page, f = invPartForm(t, s, "richiesta")
	if !strings.Contains(page, `id="eta"`) || !strings.Contains(page, "65 anni o più") {
		t.Error("the request part says nothing of what applies over 65")
	}
	f.Set("richiesta", "primo")
	f["accertamenti"] = []string{"invalidita", "handicap"}
	invPost(t, s, "richiesta", f, "/invalidita-civile/domanda/documentazione")

	page, f = invPartForm(t, s, "documentazione")
	if !strings.Contains(page, `name="certificato"`) || strings.Contains(page, `name="verbale_data"`) {
		t.Error("a first recognition asks for the report instead of the certificate")
	}
	f.Set("certificato", cert)
	invPost(t, s, "documentazione", f, "/invalidita-civile/domanda/uffici")

	_, f = invPartForm(t, s, "uffici")
	f.Set("ufficio", "RM01")
	f.Set("asl", "ASL-RM1")
	invPost(t, s, "uffici", f, "/invalidita-civile/domanda/riepilogo")

	// INVIA without the declaration: refused on it alone.
	page, f = invPartForm(t, s, "riepilogo")
	for _, want := range []string{"mario.rossi@esempio.it", cert, "Invalidità civile; Handicap", "Direzione provinciale di Roma", "ASL Roma 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if code, page := s.post("/invalidita-civile/domanda/riepilogo", f); code != 422 || !strings.Contains(page, `href="#dichiarazione"`) {
		t.Fatalf("INVIA without the declaration = %d", code)
	}
	_, f = invPartForm(t, s, "riepilogo")
	f.Set("dichiarazione", "1")
	loc := invPost(t, s, "riepilogo", f, "/invalidita-civile/domande/")
	// The same page posted again finds the application sent, not a second.
	code2, loc2 := s.postNoFollow("/invalidita-civile/domanda/riepilogo", f)
	if !regexp.MustCompile(`^/invalidita-civile/domande/\d{11}/ricevuta$`).MatchString(loc) || code2 != 303 || loc2 != path.Dir(loc) {
		t.Fatalf("INVIA = %s, again = %d %s", loc, code2, loc2)
	}
	number := path.Base(path.Dir(loc))

	// INV-6: the receipt as a page and as a PDF.
	code, page = s.get(loc)
	for _, want := range []string{"Domanda inviata", number, `id="domus">D`, "Invalidità civile; Handicap", "Direzione provinciale di Roma",
		"Poliambulatorio di via Luzzatti 8", `href="/invalidita-civile/domande/` + number + `/ricevuta.pdf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the receipt page (%d) lacks %q", code, want)
		}
	}
	receipt := s.fetchText("/invalidita-civile/domande/" + number + "/ricevuta.pdf")
	for _, want := range []string{number[:4] + " " + number[4:], "Numero Domus D", rossiCF, "Invalidità civile; Handicap", "Data e luogo della visita",
		"Poliambulatorio di via Luzzatti 8", "Servizi online"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt PDF lacks %q:\n%s", want, receipt)
		}
	}

	// INV-8: the application's page with its state and history; AG-2: the
	// date changes once.
	code, page = s.get("/invalidita-civile/domande/" + number)
	for _, want := range []string{`data-state="submitted"`, "Visita fissata", "Richiesta inviata e protocollata", `id="cambia"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the application's page (%d) lacks %q", code, want)
		}
	}
	code, page = s.get("/invalidita-civile/domande/" + number + "/visita")
	m := regexp.MustCompile(`data-form-id="inv:visita">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	slots := regexp.MustCompile(`name="seduta" id="seduta(?:-\d+)?" value="(\d+)"`).FindAllStringSubmatch(page, -1)
	if code != 200 || m == nil || len(slots) < 2 {
		t.Fatalf("the change page = %d, %d dates\n%s", code, len(slots), page)
	}
	if code, page := s.post("/invalidita-civile/domande/"+number+"/visita", url.Values{"_token": {m[1]}, "seduta": {"999999"}}); code != 422 || !strings.Contains(page, "Scegliere una delle date proposte") {
		t.Errorf("a date not offered = %d", code)
	}
	code, page = s.get("/invalidita-civile/domande/" + number + "/visita")
	m = regexp.MustCompile(`data-form-id="inv:visita">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if code, loc := s.postNoFollow("/invalidita-civile/domande/"+number+"/visita", url.Values{"_token": {m[1]}, "seduta": {slots[1][1]}}); code != 303 {
		t.Fatalf("change the date = %d %s", code, loc)
	}
	code, page = s.get("/invalidita-civile/domande/" + number)
	if !strings.Contains(page, "Data della visita cambiata") || strings.Contains(page, `id="cambia"`) || !strings.Contains(page, "già stata cambiata una volta") {
		t.Errorf("after the change the page (%d) still offers one, or lacks the event", code)
	}
	if code, page := s.get("/invalidita-civile/domande/" + number + "/visita"); code != 200 || strings.Contains(page, `name="seduta"`) {
		t.Errorf("a second change is offered (%d)", code)
	}

	// One application in progress: the parts lead to it.
	if code, loc := s.getNoFollow("/invalidita-civile/domanda/anagrafica"); code != 303 || loc != "/invalidita-civile/domande/"+number {
		t.Errorf("a new application while one is in progress = %d %s", code, loc)
	}
	if _, list := s.get("/invalidita-civile/domande"); !strings.Contains(list, `href="/invalidita-civile/domande/`+number+`"`) {
		t.Error("Le mie domande lacks it")
	}
	// INV-8: the competent office sees it in its queue, with its state, and
	// opens it read-only with the receipt; another office does not.
	office := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	if _, queue := office.get("/ufficio/domande?tipo=inv"); !strings.Contains(queue, `href="/ufficio/domande/`+number+`"`) || !strings.Contains(queue, "in attesa di visita") {
		t.Error("the office's civil-invalidity queue lacks the application")
	}
	if code, page := office.get("/ufficio/domande/" + number); code != 200 || !strings.Contains(page, `id="visita"`) || !strings.Contains(page, "Data della visita cambiata") {
		t.Errorf("the office's page of it = %d", code)
	}
	if text := office.fetchText("/ufficio/domande/" + number + "/ricevuta.pdf"); !strings.Contains(text, number[:4]+" "+number[4:]) {
		t.Error("the office cannot print the receipt")
	}
	milan := loginHTTP(t, base, "CLMCHR82E59F205T", "VSZFNCUWP6JJJFGN")
	if code, _ := milan.get("/ufficio/domande/" + number); code != 404 {
		t.Errorf("another office GET the application = %d", code)
	}

	// AUD-2: nobody else sees it.
	other := loginHTTP(t, base, verdiCF, verdiPIN)
	for _, p := range []string{"", "/ricevuta", "/ricevuta.pdf", "/visita"} {
		if code, page := other.get("/invalidita-civile/domande/" + number + p); code != 404 || strings.Contains(page, rossiCF) {
			t.Errorf("another citizen GET %s = %d", p, code)
		}
	}
}

// invApply sends Mario Rossi's civil-invalidity application through the
// pages and returns its number.
func invApply(t *testing.T, base string) string {
	t.Helper()
	cert := sendInvCertificate(t, base)
	s := loginHTTP(t, base, rossiCF, rossiPIN)
	parts := []struct {
		part string
		set  map[string][]string
	}{
		{"anagrafica", nil},
		{"recapiti", map[string][]string{"domicilio": {"residenza"}, "telefono": {"06 1234567"}}},
		{"richiesta", map[string][]string{"richiesta": {"primo"}, "accertamenti": {"invalidita"}}},
		{"documentazione", map[string][]string{"certificato": {cert}}},
		{"uffici", map[string][]string{"ufficio": {"RM01"}, "asl": {"ASL-RM1"}}},
		{"riepilogo", map[string][]string{"dichiarazione": {"1"}}},
	}
	var loc string
	for i, p := range parts {
		_, f := invPartForm(t, s, p.part)
		for k, v := range p.set {
			f[k] = v
		}
		next := "/invalidita-civile/domande/"
		if i+1 < len(parts) {
			next = "/invalidita-civile/domanda/" + parts[i+1].part
		}
		loc = invPost(t, s, p.part, f, next)
	}
	return path.Base(path.Dir(loc))
}

var visitDayRE = regexp.MustCompile(`id="visita">(\d{2}/\d{2}/\d{4}) alle ore`)

// aslRecord has the ASL's staff find the application in the session of
// its visit and record the outcome.
func aslRecord(t *testing.T, base, number, day, outcome string) {
	t.Helper()
	asl := loginHTTP(t, base, "PLLLCU78B27H501O", "C4897EST2YWVZ4X8")
	_, agenda := asl.get("/asl/agenda?dal=" + url.QueryEscape(day))
	for _, m := range regexp.MustCompile(`href="/asl/sedute/(\d+)"`).FindAllStringSubmatch(agenda, 4) {
		_, page := asl.get("/asl/sedute/" + m[1])
		if !strings.Contains(page, number) {
			continue
		}
		tok := regexp.MustCompile(`action="/asl/sedute/\d+"[^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
		if tok == nil {
			t.Fatalf("no attendance form for %s:\n%s", number, page)
		}
		code, loc := asl.postNoFollow("/asl/sedute/"+m[1], url.Values{"_token": {tok[1]}, "domanda": {number}, "esito": {outcome}})
		if code != 303 {
			_, page := asl.post("/asl/sedute/"+m[1], url.Values{"_token": {tok[1]}, "domanda": {number}, "esito": {outcome}})
			t.Fatalf("record %s = %d %s\n%s", outcome, code, loc, page)
		}
		return
	}
	t.Fatalf("no session of %s lists %s", day, number)
}

// REQ AG-1 AG-3 INV-8 ST-1: the ASL's staff see their agenda, add a
// session (every fault named), and cannot record attendance before the
// visit; after it, an absence brings a second summons, which the citizen
// sees; a second absence ends the application as renounced, with the
// notice in its history. Days pass by restarting the demo server on the
// same database with a later SPORTELLO_FAKE_TODAY.
func TestInvPages_Agenda(t *testing.T) {
	t.Chdir(t.TempDir())
	day := func(d int) string { return time.Now().AddDate(0, 0, d).Format("2006-01-02") }
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	number := invApply(t, base)
	citizen := loginHTTP(t, base, rossiCF, rossiPIN)
	_, page := citizen.get("/invalidita-civile/domande/" + number)
	first := visitDayRE.FindStringSubmatch(page)
	if first == nil {
		t.Fatalf("no visit date on the application's page:\n%s", page)
	}
	asl := loginHTTP(t, base, "PLLLCU78B27H501O", "C4897EST2YWVZ4X8")
	code, agenda := asl.get("/asl/agenda")
	if code != 200 || !strings.Contains(agenda, "ASL Roma 1") || !strings.Contains(agenda, `href="/asl/sedute/`) {
		t.Fatalf("the ASL's agenda = %d", code)
	}
	tok := regexp.MustCompile(`data-form-id="asl:seduta">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(agenda)
	code, page = asl.post("/asl/agenda", url.Values{"_token": {tok[1]}, "giorno": {"31/02/2020"}, "posti": {"0"}})
	for _, want := range []string{`href="#giorno"`, `href="#luogo"`, `href="#commissione"`, `href="#posti"`} {
		if code != 422 || !strings.Contains(page, want) {
			t.Errorf("a bad session (%d) lacks %s", code, want)
		}
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format("02/01/2006")
	_, agenda = asl.get("/asl/agenda")
	tok = regexp.MustCompile(`data-form-id="asl:seduta">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(agenda)
	if code, _ := asl.postNoFollow("/asl/agenda", url.Values{"_token": {tok[1]}, "giorno": {tomorrow}, "ora": {"08:15"}, "luogo": {"Via Ariosto 3"},
		"commissione": {"Commissione straordinaria"}, "posti": {"3"}}); code != 303 {
		t.Fatalf("add a session = %d", code)
	}
	if _, agenda := asl.get("/asl/agenda"); !strings.Contains(agenda, tomorrow+" 08:15") || !strings.Contains(agenda, "Commissione straordinaria") {
		t.Error("the new session is not in the agenda")
	}
	// Another ASL's staff do not see Rome's sessions; citizens have no agenda.
	if code, _ := citizen.get("/asl/agenda"); code != 404 {
		t.Errorf("a citizen GET /asl/agenda = %d", code)
	}
	stop()

	// Sixty days later the first visit is past: absent, summoned again.
	base, _, stop = startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100", "SPORTELLO_FAKE_TODAY", day(60)))
	aslRecord(t, base, number, first[1], "assente")
	citizen = loginHTTP(t, base, rossiCF, rossiPIN)
	_, page = citizen.get("/invalidita-civile/domande/" + number)
	second := visitDayRE.FindStringSubmatch(page)
	if second == nil || second[1] == first[1] || !strings.Contains(page, "Assente alla visita") || !strings.Contains(page, `data-state="submitted"`) {
		t.Fatalf("after the first absence:\n%s", page)
	}
	stop()

	// Later still: absent again, the application lapses.
	base, _, stop = startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100", "SPORTELLO_FAKE_TODAY", day(100)))
	defer stop()
	aslRecord(t, base, number, second[1], "assente")
	citizen = loginHTTP(t, base, rossiCF, rossiPIN)
	_, page = citizen.get("/invalidita-civile/domande/" + number)
	for _, want := range []string{`data-state="renounced"`, "Domanda decaduta per assenza"} {
		if !strings.Contains(page, want) {
			t.Errorf("after the second absence the page lacks %q", want)
		}
	}
	// A new application can be started again.
	if code, _ := citizen.get("/invalidita-civile/domanda/anagrafica"); code != 200 {
		t.Errorf("a new application after the lapse = %d", code)
	}
}

// REQ ID-5 CH-1 AUD-2: a mandate names its services: a patronato operator
// acting under a spa-treatment mandate files spa-treatment applications
// but is told, not shown a civil-invalidity form, that the mandate does
// not cover civil invalidity.
func TestInvPages_MandateService(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	op := loginHTTP(t, base, "TSTFNC77A70H501W", "U5D2Z7927V2U3DTH") // Francesca Testa, PAT-RM-001
	_, page := op.get("/deleghe/nuova")
	form := regexp.MustCompile(`data-form-id="delega">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if form == nil {
		t.Fatal("no mandate form")
	}
	year := time.Now().Year()
	if code, _ := op.post("/deleghe/nuova", url.Values{"_token": {form[1]}, "cf": {rossiCF}, "ambito": {"cbt"},
		"inizio": {"01/01/" + strconv.Itoa(year)}, "fine": {"31/12/" + strconv.Itoa(year+1)}, "documento": {"Mandato n. 7"}}); code != 200 {
		t.Fatalf("record the mandate: %d", code)
	}
	_, page = op.get("/per-conto-di")
	tok := regexp.MustCompile(`action="/per-conto-di" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	op.post("/per-conto-di", url.Values{"_token": {tok[1]}, "cf": {rossiCF}})
	if code, page := op.get("/invalidita-civile"); code != 403 || !strings.Contains(page, "non comprende il servizio «Invalidità civile»") {
		t.Errorf("civil invalidity under a spa-treatment mandate = %d", code)
	}
	if code, _ := op.get("/invalidita-civile/domanda/anagrafica"); code != 403 {
		t.Errorf("a civil-invalidity part under a spa-treatment mandate = %d", code)
	}
	if code, _ := op.get("/cure-termali"); code != 200 {
		t.Errorf("spa treatments under a spa-treatment mandate = %d", code)
	}
}
