package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store/storetest"
)

// demoOperator returns the demo operator of the intermediary org, logged
// in on the web.
func demoOperator(t *testing.T, base, org string) *session {
	t.Helper()
	for _, u := range demo.Users {
		if len(u.Roles) == 1 && u.Roles[0].Role == identity.RoleIntermediary && u.Roles[0].Scope == org {
			return loginHTTP(t, base, u.Person.FiscalCode, u.PIN)
		}
	}
	t.Fatalf("no demo operator of %s", org)
	return nil
}

var (
	tokenFormRE   = regexp.MustCompile(`action="/profilo/token" [^>]*>\s*<input type="hidden" name="_token" value="([^"]+)"`)
	newTokenRE    = regexp.MustCompile(`<code>(spt_[A-Z0-9]+)</code>`)
	mandateFormRE = regexp.MustCompile(`data-form-id="delega">\s*<input type="hidden" name="_token" value="([^"]+)"`)
)

// createAPIToken creates, on the profile page of the logged-in user, a
// token for 30 days with scopes, and returns it (shown once).
func createAPIToken(t *testing.T, s *session, name string, scopes ...string) string {
	t.Helper()
	_, page := s.get("/profilo/token")
	form := tokenFormRE.FindStringSubmatch(page)
	if form == nil {
		t.Fatal("no token form on the profile")
	}
	_, page = s.post("/profilo/token", url.Values{"_token": {form[1]}, "nome": {name}, "ambiti": scopes, "durata": {"30"}})
	m := newTokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no new token on the page")
	}
	return m[1]
}

// recordMandateHTTP records, as the logged-in operator, the mandate of cf
// for scope (cbt, inv, all) from 1 January of this year to the end of the
// next.
func recordMandateHTTP(t *testing.T, op *session, cf, scope string) {
	t.Helper()
	_, page := op.get("/deleghe/nuova")
	form := mandateFormRE.FindStringSubmatch(page)
	if form == nil {
		t.Fatal("no mandate form")
	}
	year := time.Now().In(clock.Rome).Year()
	if code, _ := op.post("/deleghe/nuova", url.Values{"_token": {form[1]}, "cf": {cf}, "ambito": {scope},
		"inizio": {fmt.Sprintf("01/01/%d", year)}, "fine": {fmt.Sprintf("31/12/%d", year+1)}, "documento": {"Mandato n. 12"}}); code != 200 {
		t.Fatalf("record the mandate for %s: %d", scope, code)
	}
}

// apiClient calls the JSON API of the real server with a bearer token.
type apiClient struct {
	t           *testing.T
	base, token string
}

func (c apiClient) call(method, path, key, body string) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// REQ CH-1 ID-5 AUD-2 INV-2 INV-3 INV-4 INV-6 INV-8 AG-1 AG-2 PROT-3 DOC-1:
// a patronato's software files a civil-invalidity application through the
// JSON API against the real server, on every engine: the operator of the
// demo patronato of Roma creates a token with the application scopes;
// Mario Rossi is nobody to the patronato without a mandate, and still
// nobody for civil invalidity with a mandate for spa treatments only; with
// one for civil invalidity the software reads his context, saves the
// draft with the certificate the demo doctor sent, sends it (a retry
// replays the first answer) and gets the protocol and Domus numbers and a
// visit date of the demo ASL's agenda, all on the receipt; it reads the
// application and its history and changes the date once. Mario sees the
// application with its new date on the web; once he revokes the mandate,
// the next request is refused.
func TestAPIInvalidity_EndToEnd(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		t.Chdir(t.TempDir())
		base, logs, stop := startServe(t, env("SPORTELLO_LOGIN_PER_ADDRESS", "100"), "--db", tg.NewDSN(t), "--migrate", "--demo")
		defer func() {
			if err := stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if t.Failed() {
				t.Logf("server logs:\n%s", logs.String())
			}
		}()
		cert := sendInvCertificate(t, base) // invalidity and handicap, for Mario Rossi

		testa := demoOperator(t, base, "PAT-RM-001")
		api := apiClient{t: t, base: base, token: createAPIToken(t, testa, "Gestionale del patronato", "applications:read", "applications:write")}
		applicant := "/api/v1/inv/applicants/" + rossiCF

		// AUD-2: no mandate, or one for spa treatments only: nobody.
		if code, _, body := api.call("GET", applicant, "", ""); code != 404 || bytes.Contains(body, []byte("Rossi")) {
			t.Fatalf("before the mandate: %d %s", code, body)
		}
		recordMandateHTTP(t, testa, rossiCF, "cbt")
		if code, _, body := api.call("GET", "/api/v1/cbt/applicants/"+rossiCF, "", ""); code != 200 {
			t.Fatalf("spa treatments with their mandate: %d %s", code, body)
		}
		if code, _, body := api.call("GET", applicant, "", ""); code != 404 || bytes.Contains(body, []byte("Rossi")) {
			t.Fatalf("civil invalidity with a mandate for spa treatments: %d %s", code, body)
		}
		recordMandateHTTP(t, testa, rossiCF, "inv")

		// The context proposes the offices and the ASLs of Roma.
		code, _, body := api.call("GET", applicant, "", "")
		var ctx struct {
			Offices []struct{ Code string } `json:"offices"`
			ASLs    []struct{ Code string } `json:"asls"`
			Age     int                     `json:"age"`
		}
		if err := json.Unmarshal(body, &ctx); code != 200 || err != nil || len(ctx.Offices) == 0 || ctx.Age < 65 ||
			!slices.ContainsFunc(ctx.ASLs, func(a struct{ Code string }) bool { return a.Code == "ASL-RM1" }) {
			t.Fatalf("context: %d %s", code, body)
		}
		// INV-3: saved incomplete, with the faults; then complete.
		if code, _, body := api.call("PUT", applicant+"/draft", "", `{"email":"mario.rossi@esempio.it","richiesta":"primo"}`); code != 201 ||
			!bytes.Contains(body, []byte(`"location":"body.accertamenti"`)) || !bytes.Contains(body, []byte(`"complete":false`)) {
			t.Fatalf("incomplete draft: %d %s", code, body)
		}
		draft := fmt.Sprintf(`{"email":"mario.rossi@esempio.it","richiesta":"primo","accertamenti":["invalidita","handicap"],`+
			`"certificato":%q,"ufficio":%q,"asl":"ASL-RM1","dichiarazione":true}`, cert, ctx.Offices[0].Code)
		if code, _, body := api.call("PUT", applicant+"/draft", "", draft); code != 200 || !bytes.Contains(body, []byte(`"complete":true`)) {
			t.Fatalf("draft: %d %s", code, body)
		}

		// INVIA, and its retry (PROT-3).
		code, hdr, first := api.call("POST", applicant+"/applications", "gestionale-rossi-inv-1", "")
		var sub struct {
			Number, Domus, Channel, Intermediary, URL string
			Visit                                     *struct {
				StartsAt time.Time `json:"starts_at"`
				Place    string
			}
			Documents struct{ Ricevuta string }
		}
		if err := json.Unmarshal(first, &sub); code != 201 || err != nil || sub.Channel != "intermediary" || sub.Intermediary != "PAT-RM-001" ||
			!strings.HasPrefix(sub.Domus, "D") || sub.Visit == nil {
			t.Fatalf("INVIA: %d %s", code, first)
		}
		if hdr.Get("Location") != applicant+"/applications/"+sub.Number || sub.URL != hdr.Get("Location") {
			t.Errorf("Location %q, url %q", hdr.Get("Location"), sub.URL)
		}
		if code, hdr, again := api.call("POST", applicant+"/applications", "gestionale-rossi-inv-1", ""); code != 201 ||
			hdr.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, first) {
			t.Errorf("retry: %d %v %s", code, hdr, again)
		}
		if code, _, body := api.call("POST", applicant+"/applications", "gestionale-rossi-inv-2", draft); code != 409 ||
			!bytes.Contains(body, []byte(sub.Number)) {
			t.Errorf("a second application while this one is in progress: %d %s", code, body)
		}

		// INV-6: the receipt names the numbers, the patronato and the date.
		day := func(t time.Time) string { return t.In(clock.Rome).Format("02/01/2006") }
		code, hdr, pdf := api.call("GET", sub.Documents.Ricevuta, "", "")
		if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("receipt: %d %v", code, hdr)
		}
		if text := pdfToText(t, pdf); text != "" {
			for _, w := range []string{sub.Number, sub.Domus, "PAT-RM-001", day(sub.Visit.StartsAt)} {
				if !strings.Contains(text, w) {
					t.Errorf("the receipt lacks %q:\n%s", w, text)
				}
			}
		}

		// INV-8: the list and the application's history.
		if code, _, body := api.call("GET", applicant+"/applications", "", ""); code != 200 || !bytes.Contains(body, []byte(`"total":1`)) ||
			!bytes.Contains(body, []byte(sub.Domus)) {
			t.Errorf("list: %d %s", code, body)
		}
		code, _, body = api.call("GET", sub.URL, "", "")
		if code != 200 || !bytes.Contains(body, []byte(`"kind":"submitted"`)) || !bytes.Contains(body, []byte(`"kind":"visit_booked"`)) {
			t.Errorf("application: %d %s", code, body)
		}

		// AG-2: the date changes once.
		code, _, body = api.call("GET", sub.URL+"/visit/options", "", "")
		var opts struct {
			Allowed bool
			Slots   []struct {
				ID       int64
				StartsAt time.Time `json:"starts_at"`
			}
		}
		if err := json.Unmarshal(body, &opts); code != 200 || err != nil || !opts.Allowed || len(opts.Slots) == 0 {
			t.Fatalf("options: %d %s", code, body)
		}
		target := opts.Slots[len(opts.Slots)-1]
		code, _, body = api.call("POST", sub.URL+"/visit", "sposta-rossi-1", fmt.Sprintf(`{"slot":%d}`, target.ID))
		if code != 200 || !bytes.Contains(body, []byte(`"state":"booked"`)) {
			t.Fatalf("move: %d %s", code, body)
		}
		if code, _, body := api.call("POST", sub.URL+"/visit", "sposta-rossi-2", fmt.Sprintf(`{"slot":%d}`, opts.Slots[0].ID)); code != 409 ||
			!bytes.Contains(body, []byte("una volta")) {
			t.Errorf("second move: %d %s", code, body)
		}

		// Mario sees it on the web with the new date, and revokes the
		// mandates.
		rossi := loginHTTP(t, base, rossiCF, rossiPIN)
		if _, page := rossi.get("/invalidita-civile/domande/" + sub.Number); !strings.Contains(page, sub.Domus) ||
			!strings.Contains(page, day(target.StartsAt)) {
			t.Errorf("Mario's application page lacks the Domus number or the new date %s", day(target.StartsAt))
		}
		revoke := regexp.MustCompile(`action="(/profilo/deleghe/\d+/revoca)">\s*<input type="hidden" name="_token" value="([^"]+)"`)
		for range 2 {
			_, page := rossi.get("/profilo/deleghe")
			rv := revoke.FindStringSubmatch(page)
			if rv == nil {
				t.Fatalf("no revocation form:\n%s", page)
			}
			rossi.post(rv[1], url.Values{"_token": {rv[2]}})
		}
		if code, _, body := api.call("GET", sub.URL, "", ""); code != 404 || bytes.Contains(body, []byte(sub.Number)) {
			t.Errorf("after the revocation: %d %s", code, body)
		}
	})
}
