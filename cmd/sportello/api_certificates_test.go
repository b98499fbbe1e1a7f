package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// REQ CERT-1 CERT-4 CERT-5 CERT-6 ID-4: a doctor's practice software works
// through the JSON API with a personal token: Laura Bianchi (a citizen
// and a doctor) switches to her doctor profile, creates a token with the
// certificate scopes, and her software makes the first-access
// declaration, sends a spa certificate, finds it in the list and downloads
// the patient's receipt.
func TestAPICertificates_EndToEnd(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	laura := loginHTTP(t, base, "BNCLRA70E52H501P", "JDG58K8QH78S3V83")
	_, page := laura.get("/profilo")
	role := regexp.MustCompile(`name="profilo" id="[^"]+" value="(doctor\|[^"]*)"`).FindStringSubmatch(page)
	form := regexp.MustCompile(`action="/profilo/ruolo" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if role == nil || form == nil {
		t.Fatal("no doctor profile to switch to")
	}
	laura.post("/profilo/ruolo", url.Values{"_token": {form[1]}, "profilo": {role[1]}})
	_, page = laura.get("/profilo/token")
	form = regexp.MustCompile(`action="/profilo/token" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if form == nil {
		t.Fatal("no token form for the doctor")
	}
	_, page = laura.post("/profilo/token", url.Values{"_token": {form[1]}, "nome": {"Gestionale dello studio"},
		"ambiti": {"certificates:read", "certificates:write"}, "durata": {"30"}})
	m := regexp.MustCompile(`<code>(spt_[A-Z0-9]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no new token on the page")
	}
	token := m[1]

	call := func(method, path, key, body string) (int, http.Header, []byte) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		c := &http.Client{Timeout: 20 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}

	// CERT-1: nothing before the declaration, then the declaration.
	if code, _, body := call("POST", "/api/v1/certificates/drafts", "draft-1", `{"tipo":"certificato_cbt"}`); code != 403 ||
		!bytes.Contains(body, []byte("/api/v1/doctor/profile")) {
		t.Fatalf("draft before the declaration: %d %s", code, body)
	}
	if code, _, body := call("PUT", "/api/v1/doctor/profile", "",
		`{"rapporto":"convenzionato","ente":"ASL Roma 1","ordine_provincia":"RM","ordine_numero":"54321"}`); code != 201 {
		t.Fatalf("declaration: %d %s", code, body)
	}

	// CERT-4: a spa certificate in one call; the retry gets the same number.
	spa := `{"tipo":"certificato_cbt","codice_fiscale_paziente":"RSSMRA56L12H501D","cure_termali":{"patologia":"reumoartropatica",` +
		`"diagnosi":[{"testo":"Artrosi primaria generalizzata","codice":"715.0"}],"cura":"fango-bagno","nessuna_controindicazione":true}}`
	code, hdr, body := call("POST", "/api/v1/certificates", "visita-2026-001", spa)
	if code != 201 {
		t.Fatalf("send: %d %s", code, body)
	}
	var sent struct {
		Number  string `json:"number"`
		State   string `json:"state"`
		Content struct {
			Patient struct {
				FamilyName string `json:"cognome"`
			} `json:"paziente"`
		} `json:"content"`
	}
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9]{11}$`).MatchString(sent.Number) || sent.State != "sent" || sent.Content.Patient.FamilyName != "Rossi" ||
		hdr.Get("Location") != "/api/v1/certificates/"+sent.Number {
		t.Fatalf("sent %+v at %q: %s", sent, hdr.Get("Location"), body)
	}
	if code, hdr, again := call("POST", "/api/v1/certificates", "visita-2026-001", spa); code != 201 || !bytes.Equal(again, body) ||
		hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %s", code, again)
	}

	// CERT-6: the list finds it.
	code, _, body = call("GET", "/api/v1/certificates?patient=RSSMRA56L12H501D&state=sent", "", "")
	var list struct {
		Items []struct {
			Number string `json:"number"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal(body, &list); err != nil || code != 200 || list.Total != 1 || list.Items[0].Number != sent.Number {
		t.Fatalf("list: %d %s", code, body)
	}

	// CERT-5: the patient's receipt.
	code, hdr, body = call("GET", "/api/v1/certificates/"+sent.Number+"/documents/ricevuta", "", "")
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("receipt: %d %q %.40q", code, hdr.Get("Content-Type"), body)
	}
}
