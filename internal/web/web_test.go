package web

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// The tests drive the pages over HTTP through the same middleware as
// cmd/sportello/run.go (Localize outside SecurityHeaders outside
// CrossOriginProtection), on real databases (storetest).

// testStart is the manual clock's start: 23:30 UTC is already the next day
// in Rome, so the dates on the pages show whether they use Europe/Rome.
var testStart = time.Date(2026, time.March, 4, 23, 30, 0, 0, time.UTC)

// testSecret keys the form tokens of the test server.
var testSecret = []byte("sportello-test-secret-0123456789abcdef")

// harness is one running server with its database and clock.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	web   *Server
	db    *store.DB
	clock *clock.Manual
	cat   *i18n.Catalogue
}

// harnessOpts varies the server a test builds.
type harnessOpts struct {
	https      bool // SecurityHeaders(true): HSTS
	noExamples bool // a production installation: no /esempi
}

// newHarness builds the web server on a fresh database of tg, as serve in
// cmd/sportello/run.go does, and starts it.
func newHarness(t *testing.T, tg storetest.Target, o harnessOpts) *harness {
	t.Helper()
	clk := clock.NewManual(testStart)
	db := tg.New(t, store.Options{Clock: clk})
	cat, err := i18n.Load()
	if err != nil {
		t.Fatalf("i18n.Load: %v", err)
	}
	s, err := New(Options{DB: db, Clock: clk, Log: slog.New(slog.NewTextHandler(testLogWriter{t}, nil)),
		Catalogue: cat, Secret: testSecret, Examples: !o.noExamples})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	s.Routes(mux)
	handler := httpx.Chain(mux,
		Localize,
		httpx.SecurityHeaders(o.https),
		http.NewCrossOriginProtection().Handler,
	)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close) // runs before the database closes (cleanups are LIFO)
	return &harness{t: t, srv: srv, web: s, db: db, clock: clk, cat: cat}
}

// sqliteHarness is for tests whose subject does not depend on the engine.
func sqliteHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	return newHarness(t, storetest.Target{Engine: store.SQLite}, o)
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Logf("server log: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// browser is one browser: its own cookie jar, no redirects followed.
type browser struct {
	t    testing.TB
	h    *harness
	c    *http.Client
	lang string // Accept-Language, "" for none
}

// newBrowser returns a browser with an empty cookie jar that fails t.
func (h *harness) newBrowser(t testing.TB, lang string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, h: h, lang: lang, c: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// in returns the same browser failing t instead: for a subtest.
func (b *browser) in(t testing.TB) *browser {
	c := *b
	c.t = t
	return &c
}

// page is a response, read in full.
type page struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         string
}

// Location is the redirect target, "" if none.
func (p *page) Location() string { return p.Header.Get("Location") }

func (p *page) String() string { return p.Method + " " + p.Path }

// send sends a request; hdr are extra headers as name, value pairs (an
// empty value removes the header). It is safe for concurrent use.
func (b *browser) send(method, path string, form url.Values, hdr ...string) (*page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.srv.URL+path, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		// What a browser sends with a same-origin form.
		req.Header.Set("Origin", b.h.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &page{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}, nil
}

// do is send that fails the test on a transport error.
func (b *browser) do(method, path string, form url.Values, hdr ...string) *page {
	b.t.Helper()
	p, err := b.send(method, path, form, hdr...)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	return p
}

func (b *browser) get(path string, hdr ...string) *page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, hdr...)
}

func (b *browser) post(path string, form url.Values, hdr ...string) *page {
	b.t.Helper()
	return b.do(http.MethodPost, path, form, hdr...)
}

// follow GETs the redirect target of p.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	if p.Status < 300 || p.Status > 399 || p.Location() == "" {
		b.t.Fatalf("%s: status %d, want a redirect", p, p.Status)
	}
	return b.get(p.Location())
}

// cookie returns the value of the browser's cookie name, "" if none.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// actor is the owner the server gives this browser's drafts and records.
func (b *browser) actor() string {
	b.t.Helper()
	v := b.cookie(bindingCookie)
	if v == "" {
		b.t.Fatalf("the browser has no %s cookie yet", bindingCookie)
	}
	return browserActor(v)
}

// expectStatus fails the test unless p answered want.
func expectStatus(t testing.TB, p *page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("%s: status %d, want %d; body:\n%.1500s", p, p.Status, want, p.Body)
	}
}

// expectRedirect fails the test unless p is a 303 to want.
func expectRedirect(t testing.TB, p *page, want string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Location() != want {
		t.Fatalf("%s: got %d Location %q, want 303 Location %q", p, p.Status, p.Location(), want)
	}
}

// The example form's answers.
func validAnswers() url.Values {
	return url.Values{
		"nome":      {"Maria Rossi"},
		"email":     {"maria.rossi@example.it"},
		"nascita":   {"31/03/1950"},
		"argomento": {"cure-termali"},
		"messaggio": {"Vorrei essere richiamata in mattinata."},
	}
}

// withToken returns a copy of v with the form token set.
func withToken(v url.Values, token string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set(tokenField, token)
	return out
}

// fillExample opens the question page and sends valid answers: the draft
// is then complete and the check page opens.
func (b *browser) fillExample() {
	b.t.Helper()
	form := b.get("/esempi/domanda")
	expectStatus(b.t, form, http.StatusOK)
	p := b.post("/esempi/domanda", withToken(validAnswers(), formToken(b.t, form)))
	expectRedirect(b.t, p, "/esempi/riepilogo")
}

// submitToken opens the check page and returns its token.
func (b *browser) submitToken() string {
	b.t.Helper()
	p := b.get("/esempi/riepilogo")
	expectStatus(b.t, p, http.StatusOK)
	return formToken(b.t, p)
}

// submitExample fills and sends the example form, returning the protocol
// number on the confirmation URL.
func (b *browser) submitExample() string {
	b.t.Helper()
	b.fillExample()
	p := b.post("/esempi/invia", url.Values{tokenField: {b.submitToken()}})
	n, ok := strings.CutPrefix(p.Location(), "/esempi/conferma/")
	if p.Status != http.StatusSeeOther || !ok {
		b.t.Fatalf("%s: got %d Location %q, want 303 to /esempi/conferma/<number>", p, p.Status, p.Location())
	}
	return n
}

// exampleRegistrations returns every example registration in the database.
func (h *harness) exampleRegistrations(t testing.TB) []protocol.Registration {
	t.Helper()
	regs, total, err := h.db.FindRegistrations(context.Background(), store.RegistrationFilter{Kind: exampleKind, Limit: 1000})
	if err != nil {
		t.Fatalf("FindRegistrations: %v", err)
	}
	if total != len(regs) {
		t.Fatalf("FindRegistrations: total %d, but %d rows", total, len(regs))
	}
	return regs
}

// expectRegistrations fails the test unless exactly want example
// registrations exist.
func (h *harness) expectRegistrations(t testing.TB, want int) []protocol.Registration {
	t.Helper()
	regs := h.exampleRegistrations(t)
	if len(regs) != want {
		t.Fatalf("example registrations: got %d, want %d: %+v", len(regs), want, regs)
	}
	return regs
}

// --- a small HTML reader: enough for the pages' own markup, which
// html/template writes with double-quoted attributes.

// element is a start tag.
type element struct {
	Tag   string
	Attrs map[string]string // unescaped values; "" for a bare attribute
	Raw   string
	end   int // offset just after the tag in the page
}

var (
	startTagRE = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*/?>`)
	attrRE     = regexp.MustCompile(`([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?`)
)

// elements returns every start tag of doc.
func elements(doc string) []element {
	var out []element
	for _, m := range startTagRE.FindAllStringSubmatchIndex(doc, -1) {
		e := element{Tag: strings.ToLower(doc[m[2]:m[3]]), Attrs: map[string]string{}, Raw: doc[m[0]:m[1]], end: m[1]}
		for _, a := range attrRE.FindAllStringSubmatch(doc[m[4]:m[5]], -1) {
			e.Attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
		}
		out = append(out, e)
	}
	return out
}

// has reports whether the element has the attribute.
func (e element) has(name string) bool {
	_, ok := e.Attrs[name]
	return ok
}

// tokens returns a space-separated attribute's values.
func (e element) tokens(name string) []string { return strings.Fields(e.Attrs[name]) }

func (e element) hasToken(name, tok string) bool {
	for _, t := range e.tokens(name) {
		if t == tok {
			return true
		}
	}
	return false
}

// byID returns the element with the id, failing if there is not exactly one.
func byID(t testing.TB, p *page, id string) element {
	t.Helper()
	var found []element
	for _, e := range elements(p.Body) {
		if e.Attrs["id"] == id {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d elements with id=%q, want 1", p, len(found), id)
	}
	return found[0]
}

// findElements returns the elements with the tag whose attribute name has
// the value (any value when value is "*").
func findElements(doc, tag, name, value string) []element {
	var out []element
	for _, e := range elements(doc) {
		if e.Tag != tag {
			continue
		}
		if v, ok := e.Attrs[name]; ok && (value == "*" || v == value) {
			out = append(out, e)
		}
	}
	return out
}

// textAfter returns the unescaped text from the end of e up to the next
// closing tag named tag (the element's content for simple elements).
func textAfter(doc string, e element, tag string) string {
	rest := doc[e.end:]
	if i := strings.Index(rest, "</"+tag); i >= 0 {
		rest = rest[:i]
	}
	return html.UnescapeString(rest)
}

// innerText returns the text of the element with the id, tags stripped.
func innerText(t testing.TB, p *page, id string) string {
	t.Helper()
	e := byID(t, p, id)
	txt := textAfter(p.Body, e, e.Tag)
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(txt, " ")), " ")
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// formToken returns the value of the page's _token field.
func formToken(t testing.TB, p *page) string {
	t.Helper()
	in := findElements(p.Body, "input", "name", tokenField)
	if len(in) != 1 || in[0].Attrs["value"] == "" {
		t.Fatalf("%s: %d token fields, want 1 with a value", p, len(in))
	}
	return in[0].Attrs["value"]
}

// title returns the page's <title>.
func title(p *page) string {
	for _, e := range elements(p.Body) {
		if e.Tag == "title" {
			return strings.TrimSpace(textAfter(p.Body, e, "title"))
		}
	}
	return ""
}

// htmlLang returns the lang attribute of <html>.
func htmlLang(p *page) string {
	for _, e := range elements(p.Body) {
		if e.Tag == "html" {
			return e.Attrs["lang"]
		}
	}
	return ""
}

// contains reports whether the page's text holds s, comparing unescaped
// text so that apostrophes and accents escaped by html/template match.
func contains(p *page, s string) bool { return strings.Contains(html.UnescapeString(p.Body), s) }
