package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/identity"
)

// session is a logged-in HTTP client of the real server.
type session struct {
	t    *testing.T
	base string
	c    *http.Client
}

var tokenRE = regexp.MustCompile(`name="_token" value="([^"]+)"`)

func loginHTTP(t *testing.T, base, cf, pin string) *session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	_, body := s.get("/accedi")
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no form token on the login page")
	}
	s.post("/accedi", url.Values{"_token": {m[1]}, "cf": {cf}, "pin": {pin}, "ritorno": {"/"}})
	if code, body := s.get("/"); code != 200 || !strings.Contains(body, `action="/esci"`) {
		t.Fatalf("login as %s failed (profile %d)", cf, code)
	}
	return s
}

func (s *session) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.base + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *session) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// probePaths are every GET route with person data, with guessed and
// sequential identifiers.
func probePaths() []string {
	paths := []string{"/", "/profilo", "/profilo/accessi", "/profilo/deleghe", "/profilo/pin", "/esempi", "/esempi/registro",
		"/per-conto-di", "/deleghe/nuova", "/ufficio/pin", "/ufficio/medici", "/informazioni/cure-termali",
		"/api/v1/registrations", "/api/v1/status", "/ufficio/lettere", "/profilo/token", "/pin/richiesta",
		"/cure-termali", "/cure-termali/domande", "/cure-termali/domanda/anagrafica", "/cure-termali/domanda/riepilogo"}
	year := time.Now().Year()
	for i := 1; i <= 10; i++ {
		n := fmt.Sprintf("%d%07d", year, i)
		paths = append(paths, "/esempi/conferma/"+n, "/esempi/pratica/"+n, fmt.Sprintf("/api/v1/registrations/%d", i),
			fmt.Sprintf("/ufficio/lettere/%d", i), fmt.Sprintf("/profilo/deleghe/%d", i), "/cure-termali/domande/"+n,
			"/cure-termali/domande/"+n+"/conferma", "/cure-termali/domande/"+n+"/pdf/ricevuta.pdf", "/cure-termali/domande/"+n+"/pdf/domanda.pdf",
			"/ufficio/domande/"+n, "/ufficio/domande/"+n+"/pdf/ricevuta.pdf")
	}
	return paths
}

// personMarks are the strings that reveal a demo person's data.
func personMarks(p identity.Person) []string {
	return []string{p.FiscalCode, p.Address}
}

// REQ AUD-2 CH-3 ID-5: no route gives anyone another person's data: every
// demo user (citizens, doctor, staff, operators) requests every page and
// API route with guessed and sequential identifiers; a page may show only
// the user's own data, or, while acting, the data of the person acted for.
func TestAuthorization_NoOtherPersonsData(t *testing.T) {
	t.Chdir(t.TempDir())
	// Every demo user logs in from the same address.
	base, _, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	// The demo users and the demo people with registry records.
	var everyone []identity.Person
	for _, u := range demo.Users {
		everyone = append(everyone, u.Person)
	}
	for _, c := range demo.Cases {
		everyone = append(everyone, c.Person)
	}
	check := func(who string, s *session, allowed map[string]bool) {
		t.Helper()
		for _, path := range probePaths() {
			code, body := s.get(path)
			if code >= 500 {
				t.Errorf("%s GET %s: %d", who, path, code)
			}
			for _, p := range everyone {
				if allowed[p.FiscalCode] {
					continue
				}
				for _, mark := range personMarks(p) {
					if strings.Contains(body, mark) {
						t.Errorf("%s GET %s (%d) shows %q of %s", who, path, code, mark, p.FullName())
					}
				}
			}
		}
	}
	for _, u := range demo.Users {
		s := loginHTTP(t, base, u.Person.FiscalCode, u.PIN)
		check(u.Person.FullName(), s, map[string]bool{u.Person.FiscalCode: true})
	}
	// Acting for Luigi Bianchi (who gave a mandate): his data, nobody else's.
	op := loginHTTP(t, base, "MRNGPP65M10L219B", "N4K6AFA6FNRHCTYK")
	_, page := op.get("/per-conto-di")
	form := regexp.MustCompile(`action="/per-conto-di" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if form == nil {
		t.Fatal("no acting form")
	}
	op.post("/per-conto-di", url.Values{"_token": {form[1]}, "cf": {"BNCLGU48D10L219Y"}})
	if _, body := op.get("/profilo"); !strings.Contains(body, "Corso Francia 8") {
		t.Fatal("the operator is not acting for Luigi Bianchi")
	}
	check("patronato acting for Luigi Bianchi", op, map[string]bool{"MRNGPP65M10L219B": true, "BNCLGU48D10L219Y": true})
	// Laura Bianchi as a certifying doctor, after her declaration: none of
	// Giorgio Ferrario's certificates, drafts or patients (CERT-6).
	laura := doctorSessionOf(t, base, "BNCLRA70E52H501P", "JDG58K8QH78S3V83")
	_, page = laura.get("/medico/primo-accesso")
	m := tokenRE.FindStringSubmatch(page)
	laura.post("/medico/primo-accesso", url.Values{"_token": {m[1]}, "rapporto": {"dipendente"}, "ente": {"ASL Roma 1"},
		"ordine_provincia": {"RM"}, "ordine_numero": {"45678"}})
	if code, _ := laura.get("/medico"); code != 200 {
		t.Fatalf("Laura's menu after the declaration = %d", code)
	}
	year := time.Now().Year()
	var doctorPaths []string
	for i := 1; i <= 10; i++ {
		n := fmt.Sprintf("%d%07d", year, i)
		doctorPaths = append(doctorPaths, "/medico/certificati/"+n, "/medico/certificati/"+n+"/pdf/certificato.pdf",
			"/medico/certificati/"+n+"/pdf/ricevuta.pdf", fmt.Sprintf("/medico/bozze/%d", i), "/medico/stampa/certificato?numero="+n)
	}
	doctorPaths = append(doctorPaths, "/medico", "/medico/certificati", "/medico/certificati?stato=draft", "/medico/dati",
		"/medico/certificati?cf=BNCLGU48D10L219Y", "/medico/stampa/attestato")
	for _, path := range doctorPaths {
		code, body := laura.get(path)
		if code >= 500 {
			t.Errorf("Laura GET %s: %d", path, code)
		}
		for _, p := range everyone {
			if p.FiscalCode == "BNCLRA70E52H501P" {
				continue
			}
			for _, mark := range personMarks(p) {
				if strings.Contains(body, mark) {
					t.Errorf("Laura GET %s (%d) shows %q of %s", path, code, mark, p.FullName())
				}
			}
		}
	}
	// Anonymous visitors see nobody.
	jar, _ := cookiejar.New(nil)
	check("anonymous", &session{t: t, base: base, c: &http.Client{Jar: jar}}, map[string]bool{})
}

// REQ ID-4 AUD-2: a user's API token works in the user's role with the
// scopes chosen only, and stops when revoked; citizens have no tokens.
func TestAPITokens_EndToEnd(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	formToken := func(page string) string {
		m := regexp.MustCompile(`action="/profilo/token" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no token form")
		}
		return m[1]
	}
	citizen := loginHTTP(t, base, "RSSMRA56L12H501D", "HWGQ496RAFHUG6A9")
	if code, _ := citizen.get("/profilo/token"); code != 404 {
		t.Errorf("citizen's token page = %d; want 404", code)
	}
	office := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	_, page := office.get("/profilo/token")
	_, page = office.post("/profilo/token", url.Values{"_token": {formToken(page)}, "nome": {"Protocollo sede"},
		"ambiti": {"registrations:read"}, "durata": {"30"}})
	m := regexp.MustCompile(`<code>(spt_[A-Z0-9]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no new token on the page")
	}
	api := func(method, path, token string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{"kind":"lettera","subject":"Oggetto","correspondent":"RSSMRA56L12H501D"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "k-"+method)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api("GET", "/api/v1/registrations", m[1]); code != 200 {
		t.Fatalf("GET with a read token = %d", code)
	}
	if code := api("POST", "/api/v1/registrations", m[1]); code != 403 {
		t.Fatalf("POST with a read-only token = %d; want 403", code)
	}
	id := regexp.MustCompile(`name="revoca" value="(\d+)"`).FindStringSubmatch(page)
	office.post("/profilo/token", url.Values{"_token": {formToken(page)}, "revoca": {id[1]}})
	if code := api("GET", "/api/v1/registrations", m[1]); code != 401 {
		t.Fatalf("GET with a revoked token = %d; want 401", code)
	}
}
