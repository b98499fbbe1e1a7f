package main

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Regressions found by the review of the civil-invalidity pages.

// REQ INV-5 INV-3: a previous report's date typed wrongly comes back as
// typed (it was saved as "x" and shown as "x" on the part and the
// summary), and the summary shows the percentage a disability request
// rests on, so that the applicant can check it before INVIA.
func TestInvReview_ReportAsTyped(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	s := loginHTTP(t, base, verdiCF, verdiPIN) // born 1960: of working age for L. 68/1999
	_, f := invPartForm(t, s, "richiesta")
	f.Set("richiesta", "disabilita")
	f.Set("accertamenti", "disabilita")
	invPost(t, s, "richiesta", f, "/invalidita-civile/domanda/documentazione")

	_, f = invPartForm(t, s, "documentazione")
	f.Set("verbale_data", "31/02/2024")
	f.Set("verbale_numero", "V/123")
	f.Set("verbale_organo", "Commissione medica ASL Roma 1")
	f.Set("verbale_percento", "67")
	if code, page := s.post("/invalidita-civile/domanda/documentazione", f); code != 422 || !strings.Contains(page, `value="31/02/2024"`) {
		t.Fatalf("a date that does not exist = %d", code)
	}
	page, _ := invPartForm(t, s, "documentazione")
	if !strings.Contains(page, `id="verbale_data" name="verbale_data" value="31/02/2024"`) {
		t.Error("the date typed is lost when the part is opened again")
	}
	page, _ = invPartForm(t, s, "riepilogo")
	if strings.Contains(page, "– x –") || !strings.Contains(page, "31/02/2024") {
		t.Error("the summary does not show the date as typed")
	}

	_, f = invPartForm(t, s, "documentazione")
	f.Set("verbale_data", "10/01/2024")
	f.Set("verbale_numero", "V/123")
	f.Set("verbale_organo", "Commissione medica ASL Roma 1")
	f.Set("verbale_percento", "67")
	invPost(t, s, "documentazione", f, "/invalidita-civile/domanda/uffici")
	page, _ = invPartForm(t, s, "riepilogo")
	if !strings.Contains(page, "V/123 – 10/01/2024 – Commissione medica ASL Roma 1 – 67%") {
		t.Error("the summary does not show the report's percentage")
	}
}

// REQ AUD-2 ID-5: a patronato operator acting under a mandate that covers
// spa treatments only gets the civil-invalidity receipt (assessments
// asked, visit) neither by the citizen's address nor by the office's.
func TestInvReview_ReceiptPDFNeedsInvMandate(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	number := invApply(t, base)
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
	for _, p := range []string{"/invalidita-civile/domande/" + number + "/ricevuta.pdf", "/ufficio/domande/" + number + "/ricevuta.pdf"} {
		if code, body := op.get(p); code == 200 || strings.HasPrefix(body, "%PDF") {
			t.Errorf("GET %s under a spa-treatment mandate = %d", p, code)
		}
	}
}

// REQ AUD-1: the contacts part shows the residence from the registry, and
// the read is in the person's access log like the other parts'.
func TestInvReview_ContactsPartAudited(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	s := loginHTTP(t, base, rossiCF, rossiPIN)
	reads := func() int {
		_, page := s.get("/profilo/accessi")
		return strings.Count(page, "Consultazione dei dati anagrafici")
	}
	before := reads()
	if code, page := s.get("/invalidita-civile/domanda/recapiti"); code != 200 || !strings.Contains(page, "(RM)") {
		t.Fatalf("contacts part = %d without the residence", code)
	}
	if after := reads(); after != before+1 {
		t.Errorf("reads of the registry in the access log: %d, then %d after the contacts part", before, after)
	}
}

// REQ INV-2 INV-8: the office's page of an application shows the
// temporary domicile the applicant gave (where the summons goes).
func TestInvReview_OfficeSeesDomicile(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	s := loginHTTP(t, base, verdiCF, verdiPIN)
	parts := []struct {
		part string
		set  map[string]string
	}{
		{"anagrafica", nil},
		{"recapiti", map[string]string{"domicilio": "altro", "indirizzo": "Via Torino 5", "cap": "20123", "comune": "Milano", "provincia": "MI", "telefono": "02 1234567"}},
		{"richiesta", map[string]string{"richiesta": "revisione", "accertamenti": "invalidita"}},
		{"documentazione", map[string]string{"verbale_data": "10/01/2024", "verbale_numero": "V/9", "verbale_organo": "ATS Milano"}},
		{"uffici", map[string]string{"ufficio": "MI01", "asl": "ATS-MI"}},
		{"riepilogo", map[string]string{"dichiarazione": "1"}},
	}
	var loc string
	for i, p := range parts {
		_, f := invPartForm(t, s, p.part)
		for k, v := range p.set {
			f.Set(k, v)
		}
		next := "/invalidita-civile/domande/"
		if i+1 < len(parts) {
			next = "/invalidita-civile/domanda/" + parts[i+1].part
		}
		loc = invPost(t, s, p.part, f, next)
	}
	number := strings.Split(loc, "/")[3]
	office := loginHTTP(t, base, "CLMCHR82E59F205T", "VSZFNCUWP6JJJFGN") // Chiara Colombo, MI01
	code, page := office.get("/ufficio/domande/" + number)
	if code != 200 || !strings.Contains(page, `id="domicilio">Via Torino 5, 20123 Milano (MI)`) {
		t.Errorf("office page = %d without the temporary domicile", code)
	}
}
