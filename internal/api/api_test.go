package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// Tokens of the test API. tokenPanic and tokenBroken make the
// authenticator panic or fail, to prove how internal errors look.
const (
	tokenOffice = "office-token-0123456789abcdefghijklmnop"
	tokenAdmin  = "admin-token-0123456789abcdefghijklmnopq"
	tokenDoctor = "doctor-token-0123456789abcdefghijklmno"
	// tokenSoftwareIntermediary names a patronato's software, not an
	// operator: it cannot act for anybody.
	tokenSoftwareIntermediary = "software-intermediary-token-0123456789"
	tokenPanic                = "panic-token-0123456789abcdefghijklmnopq"
	tokenBroken               = "broken-token-0123456789abcdefghijklmnop"
)

const tokensFile = `
# token role actor
` + tokenOffice + `  office  office:7
` + tokenAdmin + `	admin	admin:1
` + tokenDoctor + ` doctor doctor:42
` + tokenSoftwareIntermediary + ` intermediary intermediary:PAT-RM-001
`

// secret is in the errors the broken authenticator returns and the panics
// it raises: it must reach the logs and never a response.
const secret = "pq: password authentication failed for user sportello"

// testAuth authenticates the static tokens of tokensFile and, like the
// personal tokens of cmd/sportello, the tokens of people: a principal with
// the user it acts for.
type testAuth struct {
	st     *api.StaticTokens
	people map[string]api.Principal
}

func (a testAuth) Authenticate(ctx context.Context, token string) (api.Principal, error) {
	if p, ok := a.people[token]; ok {
		return p, nil
	}
	switch token {
	case tokenPanic:
		panic(secret)
	case tokenBroken:
		return api.Principal{}, errors.New(secret)
	}
	return a.st.Authenticate(ctx, token)
}

// recordingMux records every pattern the API registers (for the
// route/document consistency test) and serves them.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is an API on a real database, served over HTTP.
type env struct {
	t     *testing.T
	db    *store.DB
	clock *clock.Manual
	mux   *recordingMux
	srv   *httptest.Server
	logs  *syncBuffer
	certs *certificate.Service
	// The spa-treatment application service and the accounts, which
	// check the intermediaries' mandates.
	apps     *cbt.Service
	accounts *account.Service
	// The civil-invalidity application service.
	invs *inv.Service
}

// now is the test clock's time: 10 March 2026, 09:30 in Rome (CET, +01:00).
var now = time.Date(2026, 3, 10, 9, 30, 0, 0, clock.Rome)

func newEnv(t *testing.T, tg storetest.Target) *env {
	t.Helper()
	clk := clock.NewManual(now)
	db := tg.New(t, store.Options{Clock: clk})
	st, err := api.ParseStaticTokens(strings.NewReader(tokensFile))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	key, err := doctoken.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := doctoken.NewSigner(key)
	certs := certificate.NewService(db, clk, certificate.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public()),
		BaseURL: "https://sportello.example.it"})
	apps := cbt.NewService(db, clk, cbt.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public()),
		BaseURL: "https://sportello.example.it", Agency: "Istituto previdenziale"})
	invs := inv.NewService(db, clk, inv.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public()),
		BaseURL: "https://sportello.example.it", Agency: "Istituto previdenziale"})
	accounts := account.New(db, clk, nil, account.Options{Hasher: identity.Hasher{Pepper: []byte("test-pepper"), MemoryKiB: 64, Time: 1}})
	logs := &syncBuffer{}
	a := api.New(api.Options{DB: db, Clock: clk, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Version: "1.2.3", Auth: testAuth{st: st, people: allPeople()}, Catalogue: cat, Certificates: certs,
		Applications: apps, Mandates: accounts, Invalidity: invs})
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	a.Routes(mux)
	srv := httptest.NewServer(httpx.Chain(mux, httpx.RequestID))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clock: clk, mux: mux, srv: srv, logs: logs, certs: certs, apps: apps, accounts: accounts, invs: invs}
}

// request describes one call; zero fields are left out.
type request struct {
	method, path string
	token        string
	body         string
	key          string // Idempotency-Key
	lang         string // Accept-Language
	header       map[string]string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(rq request) response {
	e.t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	method := rq.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, e.srv.URL+rq.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	if rq.key != "" {
		req.Header.Set("Idempotency-Key", rq.key)
	}
	if rq.lang != "" {
		req.Header.Set("Accept-Language", rq.lang)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// decode decodes a JSON response body into v, failing on unknown fields:
// the wire types are the contract.
func decode(t *testing.T, r response, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem is the wire form of an RFC 9457 problem.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
	Errors   []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// location returns the message of the error at loc, and whether there is one.
func (p problem) location(loc string) (string, bool) {
	for _, e := range p.Errors {
		if e.Location == loc {
			return e.Message, true
		}
	}
	return "", false
}

// checkProblem checks the shape every problem shares and returns it.
func checkProblem(t *testing.T, r response, status int) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store, private" {
		t.Errorf("Cache-Control %q, want no-store, private", cc)
	}
	var raw map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, r.body)
	}
	if _, ok := raw["$schema"]; ok {
		t.Errorf("problem has a $schema member: %s", r.body)
	}
	var p problem
	decode(t, r, &p)
	if p.Status != status || p.Title == "" || p.Detail == "" {
		t.Errorf("problem %+v: want status %d, a title and a detail", p, status)
	}
	if id := r.header.Get(httpx.HeaderRequestID); id == "" || p.Instance != "urn:sportello:request:"+id {
		t.Errorf("instance %q does not name the request %q", p.Instance, id)
	}
	// Values sent by the client are never echoed back.
	errs, _ := raw["errors"].([]any)
	for _, e := range errs {
		if _, ok := e.(map[string]any)["value"]; ok {
			t.Errorf("error detail echoes a value: %s", r.body)
		}
	}
	return p
}
