package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Regression tests from the independent review of the doctor's pages
// (issue 6): each failed before its fix.

const (
	ferrarioCF  = "FRRGRG69S23F205W"
	ferrarioPIN = "FVFAJGU4SM5PQVTL"
	rossiCF     = "RSSMRA56L12H501D"
	bianchiCF   = "BNCLGU48D10L219Y" // Luigi Bianchi, patient of Ferrario's demo certificates
	bianchiPIN  = "ZZ75F39H593S48BQ"
)

// doctorSession logs Giorgio Ferrario in and switches to the doctor profile.
func doctorSession(t *testing.T, base string) *session {
	t.Helper()
	s := doctorSessionOf(t, base, ferrarioCF, ferrarioPIN)
	if code, _ := s.get("/medico"); code != 200 {
		t.Fatalf("GET /medico as doctor = %d", code)
	}
	return s
}

// doctorSessionOf logs a doctor in and switches to the doctor profile.
func doctorSessionOf(t *testing.T, base, cf, pin string) *session {
	t.Helper()
	s := loginHTTP(t, base, cf, pin)
	_, page := s.get("/profilo")
	m := tokenRE.FindStringSubmatch(page)
	s.post("/profilo/ruolo", url.Values{"_token": {m[1]}, "profilo": {"doctor|"}})
	return s
}

var certFormTokenRE = regexp.MustCompile(`data-form-id="certificato">\s*<input type="hidden" name="_token" value="([^"]+)"`)

func certFormToken(t *testing.T, s *session, kind string) string {
	t.Helper()
	_, page := s.get("/medico/certificati/nuovo?tipo=" + kind)
	m := certFormTokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no certificate form token")
	}
	return m[1]
}

func spaForm(token string) url.Values {
	return url.Values{"_token": {token}, "tipo": {"certificato_cbt"}, "codice_fiscale_paziente": {rossiCF}, "studio": {"0"},
		"patologia": {"reumoartropatica"}, "diagnosi_1_testo": {"Artrosi del ginocchio"}, "diagnosi_1_codice": {"715.16"},
		"cura": {"fango-bagno"}, "nessuna_controindicazione": {"1"}, "azione": {"invia"}}
}

func invForm(token, action string) url.Values {
	return url.Values{"_token": {token}, "tipo": {"certificato_invalidita"}, "codice_fiscale_paziente": {rossiCF}, "studio": {"0"},
		"finalita": {"invalidita"}, "diagnosi_1_testo": {"Diabete mellito"}, "diagnosi_1_codice": {"250.00"}, "azione": {action}}
}

var numberRE = regexp.MustCompile(`href="/medico/certificati/(\d{11})"`)

func listNumbers(s *session, query string) []string {
	_, page := s.get("/medico/certificati?" + query)
	var out []string
	for _, m := range numberRE.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// postNoFollow posts and returns the status and Location without following.
func (s *session) postNoFollow(path string, form url.Values) (int, string) {
	s.t.Helper()
	c := *s.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// REQ CERT-4 CERT-8 PROT-3 AUD-1 DOC-1: the doctor's pages keep what was
// typed and never answer 500 to what a user can send: annulled pages,
// double submissions, padded or malformed numbers, huge page numbers, long
// texts, control and unprintable characters; the patient's access log
// shows the doctor's work on their certificates.
func TestDoctorPages_Robust(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	s := doctorSession(t, base)

	t.Run("annulled page and second annulment", func(t *testing.T) {
		annulled := listNumbers(s, "stato=annulled")
		if len(annulled) == 0 {
			t.Fatal("no annulled demo certificate")
		}
		if code, _ := s.get("/medico/certificati/" + annulled[0]); code != 200 {
			t.Errorf("annulled certificate page = %d", code)
		}
		code, loc := s.postNoFollow("/medico/certificati/nuovo", spaForm(certFormToken(t, s, "certificato_cbt")))
		if code != 303 {
			t.Fatalf("send = %d", code)
		}
		_, page := s.get(loc)
		tok := regexp.MustCompile(`data-form-id="certificato-annulla">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
		form := url.Values{"_token": {tok[1]}, "motivo": {"Inviato per errore"}}
		if code, to := s.postNoFollow(loc+"/annulla", form); code != 303 || to != loc {
			t.Fatalf("annul = %d %s", code, to)
		}
		if code, to := s.postNoFollow(loc+"/annulla", form); code != 303 || to != loc {
			t.Errorf("second annulment = %d %s; want back to the page", code, to)
		}
		if code, page := s.get(loc); code != 200 || !strings.Contains(page, "Inviato per errore") {
			t.Errorf("after annulling: %d", code)
		}
	})

	t.Run("double submission sends once", func(t *testing.T) {
		before := len(listNumbers(s, "stato=sent"))
		form := spaForm(certFormToken(t, s, "certificato_cbt"))
		_, first := s.postNoFollow("/medico/certificati/nuovo", form)
		_, second := s.postNoFollow("/medico/certificati/nuovo", form)
		if first != second || !strings.HasPrefix(first, "/medico/certificati/") {
			t.Errorf("two answers: %q and %q", first, second)
		}
		if after := len(listNumbers(s, "stato=sent")); after != before+1 {
			t.Errorf("one form posted twice sent %d certificates", after-before)
		}
		draftsBefore := len(regexp.MustCompile(`href="/medico/bozze/\d+"`).FindAllString(func() string { _, p := s.get("/medico/certificati?stato=draft"); return p }(), -1))
		save := invForm(certFormToken(t, s, "certificato_invalidita"), "salva")
		_, a := s.postNoFollow("/medico/certificati/nuovo", save)
		_, b := s.postNoFollow("/medico/certificati/nuovo", save)
		_, page := s.get("/medico/certificati?stato=draft")
		if a != b || len(regexp.MustCompile(`href="/medico/bozze/\d+"`).FindAllString(page, -1)) != draftsBefore+1 {
			t.Errorf("one form saved twice: %q, %q", a, b)
		}
	})

	t.Run("odd numbers and pages", func(t *testing.T) {
		n := listNumbers(s, "stato=sent")[0]
		for _, p := range []string{"/medico/certificati/%20" + n, "/medico/certificati/" + n + "%0A", "/medico/certificati/2026%00",
			"/medico/certificati/%ff%fe", "/medico/stampa/certificato?numero=%00x", "/medico/certificati?pagina=461168601842738791",
			"/medico/certificati/" + n + "/pdf/altro.pdf", "/medico/bozze/abc", "/medico/bozze/99999999999999999999"} {
			if code, _ := s.get(p); code >= 500 {
				t.Errorf("GET %s = %d", p, code)
			}
		}
	})

	t.Run("long text kept with a field error", func(t *testing.T) {
		f := invForm(certFormToken(t, s, "certificato_invalidita"), "salva")
		f.Set("anamnesi", strings.Repeat("x", 5000))
		f.Set("diagnosi_2_testo", "Cardiopatia ischemica")
		code, page := s.post("/medico/certificati/nuovo", f)
		if code != 422 || !strings.Contains(page, "Cardiopatia ischemica") || !strings.Contains(page, "al massimo 4000 caratteri") {
			t.Errorf("a 5,000-character history: %d", code)
		}
		f = invForm(certFormToken(t, s, "certificato_invalidita"), "salva")
		f.Set("anamnesi", strings.Repeat("x", 600000))
		if code, _ := s.post("/medico/certificati/nuovo", f); code >= 500 {
			t.Errorf("a form beyond the size limit: %d", code)
		}
	})

	t.Run("control and unprintable characters", func(t *testing.T) {
		f := invForm(certFormToken(t, s, "certificato_invalidita"), "invia")
		f.Set("anamnesi", "Riga uno\vRiga due, glicemia ≥ 126")
		code, loc := s.postNoFollow("/medico/certificati/nuovo", f)
		if code != 303 || !strings.HasPrefix(loc, "/medico/certificati/") {
			t.Fatalf("send = %d %s", code, loc)
		}
		for _, d := range []string{"certificato", "attestato", "ricevuta"} {
			if code, _ := s.get(loc + "/pdf/" + d + ".pdf"); code != 200 {
				t.Errorf("GET %s/pdf/%s.pdf = %d", loc, d, code)
			}
		}
		f = invForm(certFormToken(t, s, "certificato_invalidita"), "invia")
		f.Set("anamnesi", "Dolore 😀")
		f.Set("codice_fiscale_paziente", "RSS\x00")
		code, page := s.post("/medico/certificati/nuovo", f)
		if code != 422 || !strings.Contains(page, "non si può stampare") {
			t.Errorf("unprintable character: %d", code)
		}
	})

	t.Run("the patient sees the doctor's work", func(t *testing.T) {
		for _, n := range listNumbers(s, "cf="+bianchiCF) {
			s.get("/medico/certificati/" + n)
		}
		p := loginHTTP(t, base, bianchiCF, bianchiPIN)
		_, page := p.get("/profilo/accessi")
		if n := strings.Count(page, "Medico certificatore"); n < 3 {
			t.Errorf("Luigi Bianchi's access log names a certifying doctor %d times", n)
		}
	})
}
