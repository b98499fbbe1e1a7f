package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/store/storetest"
)

const validBody = `{"kind":"domanda_cbt","subject":"Domanda di cure balneotermali","correspondent":"RSSMRA56L12H501D","content":"{\"cura\":\"fanghi\"}"}`

// Every error under /api is an RFC 9457 problem: from authentication, the
// catch-all, huma's validation, the domain, the store and a panic.
func TestProblems(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		// A registration, so that the same key with another body conflicts.
		if r := e.do(request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k-conflict", body: validBody}); r.status != http.StatusCreated {
			t.Fatalf("setup: %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			name   string
			rq     request
			status int
			detail string            // contained in the detail
			errors map[string]string // location -> contained in the message
			header map[string]string // response header -> prefix
			never  []string          // must not appear in the body
		}{
			{name: "401 no token", rq: request{path: "/api/v1/registrations"}, status: 401,
				detail: "Authorization: Bearer", header: map[string]string{"WWW-Authenticate": "Bearer"}},
			{name: "401 unknown token", rq: request{path: "/api/v1/registrations", token: "nope-0123456789abcdefghijklmnopqrstuvw"}, status: 401,
				detail: "token non è valido", header: map[string]string{"WWW-Authenticate": `Bearer realm="sportello", error="invalid_token"`}},
			{name: "401 other scheme", rq: request{path: "/api/v1/registrations", header: map[string]string{"Authorization": "Basic b2ZmaWNlOjc="}}, status: 401,
				header: map[string]string{"WWW-Authenticate": "Bearer"}},
			{name: "401 before validation", rq: request{method: "POST", path: "/api/v1/registrations", body: `{}`}, status: 401},
			{name: "403 wrong role", rq: request{path: "/api/v1/registrations", token: tokenDoctor}, status: 403, detail: `"doctor"`},
			{name: "404 unknown path", rq: request{path: "/api/v1/nothing-here", token: tokenOffice}, status: 404, detail: "Nessuna risorsa"},
			{name: "404 outside v1", rq: request{path: "/api/v2/registrations"}, status: 404},
			{name: "404 bare /api", rq: request{path: "/api"}, status: 404},
			{name: "404 missing registration", rq: request{path: "/api/v1/registrations/999999", token: tokenOffice}, status: 404,
				detail: "Registrazione non trovata."},
			{name: "405 DELETE list", rq: request{method: "DELETE", path: "/api/v1/registrations", token: tokenOffice}, status: 405,
				detail: "DELETE", header: map[string]string{"Allow": "GET, HEAD, POST"}},
			{name: "405 POST status", rq: request{method: "POST", path: "/api/v1/status", body: `{}`}, status: 405,
				header: map[string]string{"Allow": "GET, HEAD"}},
			{name: "422 body fields", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice,
				body: `{"kind":"","subject":"x","foo":1}`}, status: 422,
				errors: map[string]string{
					"body.kind":              "Non può essere vuoto",
					"body.correspondent":     "Campo obbligatorio",
					"body.foo":               "Campo non previsto",
					"header.Idempotency-Key": "Parametro obbligatorio",
				}},
			{name: "422 body types and lengths", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k1",
				body: `{"kind":"Domanda CBT","subject":` + `"` + strings.Repeat("s", 501) + `","correspondent":7}`}, status: 422,
				errors: map[string]string{
					"body.kind":          "Formato non valido",
					"body.subject":       "al massimo 500 caratteri",
					"body.correspondent": "Deve essere un testo",
				}},
			{name: "422 domain messages", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k2",
				body: `{"kind":"domanda_cbt","subject":"   ","correspondent":" \t"}`}, status: 422,
				detail: "La registrazione contiene errori.",
				errors: map[string]string{"body.subject": "Indicare l'oggetto.", "body.correspondent": "Indicare il mittente."}},
			{name: "422 content over 64 KiB", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k3",
				// 30,000 characters, 90,000 bytes: within maxLength, over the bytes.
				body: `{"kind":"domanda_cbt","subject":"s","correspondent":"c","content":"` + strings.Repeat("€", 30000) + `"}`}, status: 422,
				errors: map[string]string{"body.content": "64 KiB"}},
			{name: "422 key too long", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice,
				key: strings.Repeat("k", 201), body: validBody}, status: 422,
				errors: map[string]string{"header.Idempotency-Key": "al massimo 200 caratteri"}},
			{name: "422 page 0", rq: request{path: "/api/v1/registrations?page=0", token: tokenOffice}, status: 422,
				errors: map[string]string{"query.page": "almeno 1"}},
			{name: "422 per_page 101", rq: request{path: "/api/v1/registrations?per_page=101", token: tokenOffice}, status: 422,
				errors: map[string]string{"query.per_page": "superare 100"}},
			{name: "422 per_page not a number", rq: request{path: "/api/v1/registrations?per_page=tanti", token: tokenOffice}, status: 422,
				errors: map[string]string{"query.per_page": "numero intero"}, never: []string{"tanti"}},
			{name: "422 unknown register", rq: request{path: "/api/v1/registrations?register=segreto", token: tokenOffice}, status: 422,
				errors: map[string]string{"query.register": "protocollo, certificati"}},
			{name: "422 unknown parameter", rq: request{path: "/api/v1/registrations?perpage=5", token: tokenOffice}, status: 422,
				errors: map[string]string{"query.perpage": "Parametro non previsto"}},
			{name: "422 bad id", rq: request{path: "/api/v1/registrations/abc", token: tokenOffice}, status: 422,
				errors: map[string]string{"path.id": "numero intero"}},
			{name: "400 malformed JSON", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k4",
				body: `{"kind":"RSSMRA56L12H501D"`}, status: 400,
				errors: map[string]string{"body": "JSON valido"}, never: []string{"RSSMRA56L12H501D"}},
			{name: "415 not JSON", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k5",
				body: validBody, header: map[string]string{"Content-Type": "text/plain"}}, status: 415, detail: "application/json"},
			// REQ PROT-3: a key is bound to the request it was first used for.
			{name: "409 same key, other body", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k-conflict",
				body: strings.Replace(validBody, "fanghi", "inalazioni", 1)}, status: 409,
				errors: map[string]string{"header.Idempotency-Key": "generarne una nuova"}},
			{name: "500 panic", rq: request{path: "/api/v1/registrations", token: tokenPanic}, status: 500,
				detail: "errore interno", never: []string{secret, "goroutine"}},
			{name: "500 internal error", rq: request{path: "/api/v1/registrations", token: tokenBroken}, status: 500,
				detail: "errore interno", never: []string{secret}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.rq)
				p := checkProblem(t, r, tc.status)
				if !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("detail %q does not contain %q", p.Detail, tc.detail)
				}
				for loc, want := range tc.errors {
					msg, ok := p.location(loc)
					if !ok || !strings.Contains(msg, want) {
						t.Errorf("error at %s = %q (present %v), want it to contain %q; body %s", loc, msg, ok, want, r.body)
					}
				}
				if tc.errors == nil && len(p.Errors) > 0 {
					t.Errorf("unexpected errors list: %s", r.body)
				}
				for h, want := range tc.header {
					if got := r.header.Get(h); !strings.HasPrefix(got, want) {
						t.Errorf("%s: %q, want prefix %q", h, got, want)
					}
				}
				for _, s := range tc.never {
					if strings.Contains(string(r.body), s) {
						t.Errorf("body leaks %q: %s", s, r.body)
					}
				}
				if tc.status == 500 {
					// Generic for the client, complete in the logs, with the request ID.
					id := r.header.Get("X-Request-ID")
					if !strings.Contains(p.Detail, id) {
						t.Errorf("500 detail %q does not give the request ID %q", p.Detail, id)
					}
					if logs := e.logs.String(); !strings.Contains(logs, secret) || !strings.Contains(logs, id) {
						t.Errorf("the logs lack the cause or the request ID:\n%s", logs)
					}
				}
			})
		}
	})
}

// Titles and generic messages follow Accept-Language; domain messages stay
// Italian.
func TestProblems_English(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		for _, tc := range []struct {
			lang         string
			rq           request
			status       int
			title        string
			detail       string
			loc, message string
		}{
			{lang: "en", rq: request{path: "/api/v1/registrations"}, status: 401, title: "Unauthorized", detail: "Authenticate with a token"},
			{lang: "en-GB,en;q=0.9,it;q=0.8", rq: request{path: "/api/v1/nothing"}, status: 404, title: "Not Found", detail: "There is nothing"},
			{lang: "it-IT,it;q=0.9,en;q=0.8", rq: request{path: "/api/v1/nothing"}, status: 404, title: "Non trovato", detail: "Nessuna risorsa"},
			{lang: "fr", rq: request{path: "/api/v1/nothing"}, status: 404, title: "Non trovato"},
			{lang: "en", rq: request{method: "DELETE", path: "/api/v1/status"}, status: 405, title: "Method Not Allowed", detail: "Method DELETE is not allowed"},
			{lang: "en", rq: request{path: "/api/v1/registrations", token: tokenDoctor}, status: 403, title: "Forbidden", detail: `Role "doctor"`},
			{lang: "en", rq: request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: "k", body: `{"kind":"x","subject":"s"}`},
				status: 422, title: "Unprocessable Content", detail: "The request contains errors", loc: "body.correspondent", message: "This field is required."},
			{lang: "en", rq: request{path: "/api/v1/registrations?per_page=0", token: tokenOffice},
				status: 422, title: "Unprocessable Content", loc: "query.per_page", message: "Must be at least 1."},
			// A domain message has no English version: it stays as apperr gives it.
			{lang: "en", rq: request{path: "/api/v1/registrations/424242", token: tokenOffice}, status: 404, title: "Not Found", detail: "Registrazione non trovata."},
			{lang: "en", rq: request{path: "/api/v1/registrations", token: tokenPanic}, status: 500, title: "Internal Server Error", detail: "An internal error occurred"},
		} {
			t.Run(tc.lang+" "+tc.rq.method+" "+tc.rq.path, func(t *testing.T) {
				tc.rq.lang = tc.lang
				r := e.do(tc.rq)
				p := checkProblem(t, r, tc.status)
				if p.Title != tc.title || !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("title %q, detail %q; want %q and a detail containing %q", p.Title, p.Detail, tc.title, tc.detail)
				}
				if tc.loc != "" {
					if msg, _ := p.location(tc.loc); msg != tc.message {
						t.Errorf("%s: %q, want %q", tc.loc, msg, tc.message)
					}
				}
				wantLang := "it"
				if strings.HasPrefix(tc.lang, "en") {
					wantLang = "en"
				}
				if got := r.header.Get("Content-Language"); got != wantLang {
					t.Errorf("Content-Language %q, want %q", got, wantLang)
				}
			})
		}
	})
}
