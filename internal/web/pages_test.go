package web

import (
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
)

// publicPages visits every page a visitor can reach, in the browser's
// language: the information pages, the 404 page, and the example flow's
// pages in each state (errors, expired, check, confirmation with its
// flash, status, register), plus the redirects between them.
func publicPages(t *testing.T, h *harness, lang string) []*page {
	t.Helper()
	b := h.newBrowser(t, lang)
	var out []*page
	add := func(p *page, status int) *page {
		t.Helper()
		expectStatus(t, p, status)
		out = append(out, p)
		return p
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/", http.StatusOK},
		{"/informazioni/cure-termali", http.StatusOK},
		{"/informazioni/invalidita-civile", http.StatusOK},
		{"/privacy", http.StatusOK},
		{"/accessibilita", http.StatusOK},
		{"/note-legali", http.StatusOK},
		{"/esempi", http.StatusOK},
		{"/esempi/registro", http.StatusOK},
		{"/pagina-che-non-esiste", http.StatusNotFound},
		{"/esempi/conferma/20269999999", http.StatusNotFound},
		{"/esempi/pratica/abc", http.StatusNotFound},
		{"/lingua/de", http.StatusNotFound},
		{"/esempi/riepilogo", http.StatusSeeOther},
	} {
		add(b.get(c.path), c.status)
	}
	form := add(b.get("/esempi/domanda"), http.StatusOK)
	add(b.post("/esempi/domanda", withToken(url.Values{"messaggio": {strings.Repeat("x", 1001)}}, formToken(t, form))), http.StatusUnprocessableEntity)
	form = b.get("/esempi/domanda")
	h.clock.Advance(31 * time.Minute)
	add(b.post("/esempi/domanda", withToken(validAnswers(), formToken(t, form))), http.StatusUnprocessableEntity) // expired
	add(b.post("/esempi/domanda", withToken(validAnswers(), "forged")), http.StatusForbidden)
	b.fillExample()
	check := add(b.get("/esempi/riepilogo"), http.StatusOK)
	sent := add(b.post("/esempi/invia", url.Values{tokenField: {formToken(t, check)}}), http.StatusSeeOther)
	add(b.follow(sent), http.StatusOK) // with its flash
	add(b.get(strings.Replace(sent.Location(), "/conferma/", "/pratica/", 1)), http.StatusOK)
	add(b.get("/esempi/registro"), http.StatusOK)
	add(b.post("/esempi/invia", url.Values{tokenField: {"forged"}}), http.StatusSeeOther) // a flash
	add(b.get("/esempi/domanda"), http.StatusOK)                                          // shown here
	add(b.get("/lingua/en?ritorno=/privacy"), http.StatusSeeOther)
	// The pre-check: empty, with errors, with a result.
	pre := add(b.get(precheckPath), http.StatusOK)
	add(b.post(precheckPath, url.Values{tokenField: {formToken(t, pre)}, "pensione_early": {"1"}}), http.StatusUnprocessableEntity)
	add(b.post(precheckPath, withToken(precheckEntitled(), formToken(t, pre))), http.StatusOK)
	return out
}

// cspDirectives parses a Content-Security-Policy header.
func cspDirectives(h string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(h, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

// Every page carries the security headers, is never stored by a cache,
// and has no inline script or style, so the strict CSP holds.
func TestSecurityHeaders(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	for _, lang := range []string{"", "en"} {
		for _, p := range publicPages(t, h, lang) {
			hd := p.Header
			csp := cspDirectives(hd.Get("Content-Security-Policy"))
			if got := csp["script-src"]; !slices.Equal(got, []string{"'self'"}) {
				t.Errorf("%s [%s]: CSP script-src %v, want only 'self'", p, lang, got)
			}
			for _, d := range []string{"script-src", "style-src", "default-src"} {
				for _, v := range csp[d] {
					if v == "'unsafe-inline'" || v == "'unsafe-eval'" || v == "*" || strings.HasPrefix(v, "'nonce-") {
						t.Errorf("%s [%s]: CSP %s allows %s", p, lang, d, v)
					}
				}
			}
			if got := csp["frame-ancestors"]; !slices.Equal(got, []string{"'none'"}) {
				t.Errorf("%s [%s]: CSP frame-ancestors %v, want 'none'", p, lang, got)
			}
			for name, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
				"Cache-Control":          "no-store, private",
			} {
				if got := hd.Get(name); got != want {
					t.Errorf("%s [%s]: %s %q, want %q", p, lang, name, got, want)
				}
			}
			if got := hd.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("%s [%s]: Strict-Transport-Security %q over plain HTTP, want none", p, lang, got)
			}
			if !strings.Contains(hd.Get("Vary"), "Accept-Language") {
				t.Errorf("%s [%s]: Vary %q, want Accept-Language", p, lang, hd.Get("Vary"))
			}
			if p.Status >= 300 && p.Status < 400 {
				continue
			}
			if got := hd.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("%s [%s]: Content-Type %q, want text/html; charset=utf-8", p, lang, got)
				continue
			}
			for _, e := range elements(p.Body) {
				switch {
				case e.Tag == "script" && !strings.HasPrefix(e.Attrs["src"], "/static/"):
					t.Errorf("%s [%s]: script without a local src: %s", p, lang, e.Raw)
				case e.Tag == "style":
					t.Errorf("%s [%s]: inline <style> element", p, lang)
				case e.Tag == "link" && !strings.HasPrefix(e.Attrs["href"], "/static/"):
					t.Errorf("%s [%s]: link to %q, want a local static file", p, lang, e.Attrs["href"])
				}
				for name := range e.Attrs {
					if name == "style" || strings.HasPrefix(name, "on") {
						t.Errorf("%s [%s]: inline %s attribute: %s", p, lang, name, e.Raw)
					}
				}
				if strings.HasPrefix(strings.TrimSpace(strings.ToLower(e.Attrs["href"])), "javascript:") {
					t.Errorf("%s [%s]: javascript: URL: %s", p, lang, e.Raw)
				}
			}
			if n := strings.Count(strings.ToLower(p.Body), "<script"); n != 1 {
				t.Errorf("%s [%s]: %d script elements, want only app.js", p, lang, n)
			}
		}
	}

	// Cross-origin refusals get the headers too: they are inside them.
	refused := h.newBrowser(t, "").post("/esempi/domanda", url.Values{}, "Sec-Fetch-Site", "cross-site")
	if refused.Status != http.StatusForbidden || refused.Header.Get("Cache-Control") != "no-store, private" || refused.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("cross-origin POST: status %d Cache-Control %q CSP %q, want 403 with the security headers",
			refused.Status, refused.Header.Get("Cache-Control"), refused.Header.Get("Content-Security-Policy"))
	}
}

// Over HTTPS every answer also carries HSTS.
func TestSecurityHeaders_HSTS(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{https: true})
	b := h.newBrowser(t, "")
	for _, path := range []string{"/", "/privacy", "/pagina-che-non-esiste", "/lingua/en?ritorno=/"} {
		p := b.get(path)
		if got := p.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=63072000") || !strings.Contains(got, "includeSubDomains") {
			t.Errorf("%s over HTTPS: Strict-Transport-Security %q, want max-age=63072000; includeSubDomains", p, got)
		}
	}
}

// The page language: Accept-Language, overridden by the switch's cookie.
func TestLanguage(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	for _, c := range []struct {
		accept string
		want   i18n.Lang
	}{
		{"", i18n.IT},
		{"en", i18n.EN},
		{"en-GB,en;q=0.9", i18n.EN},
		{"it-IT,it;q=0.9,en;q=0.8", i18n.IT},
		{"de-DE,de;q=0.9", i18n.IT},
		{"de,en;q=0.5", i18n.EN},
		{"it;q=0.2,en;q=0.8", i18n.EN},
		{"en;q=0", i18n.IT},
		{"EN-us", i18n.EN},
	} {
		p := h.newBrowser(t, c.accept).get("/")
		expectStatus(t, p, http.StatusOK)
		other := i18n.IT
		if c.want == i18n.IT {
			other = i18n.EN
		}
		if got := htmlLang(p); got != string(c.want) || p.Header.Get("Content-Language") != string(c.want) {
			t.Errorf("Accept-Language %q: lang %q, Content-Language %q, want %q", c.accept, got, p.Header.Get("Content-Language"), c.want)
		}
		if !contains(p, h.cat.T(c.want, "home.h1")) || contains(p, h.cat.T(other, "home.lead")) {
			t.Errorf("Accept-Language %q: the page is not in %s only", c.accept, c.want)
		}
	}

	t.Run("Switch", func(t *testing.T) {
		b := h.newBrowser(t, "it-IT")
		// The Italian page links to itself in English.
		privacy := b.get("/privacy")
		alt := findElements(privacy.Body, "a", "hreflang", "en")
		if len(alt) != 1 || alt[0].Attrs["href"] != "/lingua/en?ritorno=%2Fprivacy" || alt[0].Attrs["lang"] != "en" {
			t.Fatalf("the language switch: %v, want one link to /lingua/en?ritorno=%%2Fprivacy with lang=en", alt)
		}
		p := b.get(alt[0].Attrs["href"])
		expectRedirect(t, p, "/privacy")
		var set *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == langCookie {
				set = c
			}
		}
		if set == nil || set.Value != "en" || !set.HttpOnly || set.Path != "/" || set.SameSite != http.SameSiteLaxMode || set.MaxAge < 30*24*3600 {
			t.Fatalf("Set-Cookie %q, want %s=en; Path=/; long-lived; HttpOnly; SameSite=Lax", p.Header.Values("Set-Cookie"), langCookie)
		}
		// The cookie beats Accept-Language.
		en := b.follow(p)
		if htmlLang(en) != "en" || !contains(en, h.cat.T(i18n.EN, "page.privacy.title")) {
			t.Errorf("after switching to English: lang %q, want en with the English title", htmlLang(en))
		}
		expectRedirect(t, b.get("/lingua/it?ritorno=/"), "/")
		if got := htmlLang(b.get("/")); got != "it" {
			t.Errorf("after switching back: lang %q, want it", got)
		}
		// An unknown language is not a page.
		de := b.get("/lingua/de?ritorno=/privacy")
		if de.Status != http.StatusNotFound || !contains(de, h.cat.T(i18n.IT, "notfound.title")) || de.Header.Get("Set-Cookie") != "" {
			t.Errorf("/lingua/de: status %d Set-Cookie %q, want the 404 page and no cookie", de.Status, de.Header.Get("Set-Cookie"))
		}
	})

	t.Run("NoOpenRedirect", func(t *testing.T) {
		b := h.newBrowser(t, "")
		for _, c := range []struct{ ritorno, want string }{
			{"/privacy", "/privacy"},
			{"/esempi/registro?pagina=2", "/esempi/registro?pagina=2"},
			{"//evil.example", "/"},
			{"//evil.example/privacy", "/"},
			{"https://evil.example", "/"},
			{"http://evil.example/", "/"},
			{"HTTPS://evil.example", "/"},
			{"/\\evil.example", "/"},
			{"\\\\evil.example", "/"},
			{"javascript:alert(1)", "/"},
			{"evil.example", "/"},
			{"privacy", "/"},
			{"", "/"},
		} {
			p := b.get("/lingua/en?ritorno=" + url.QueryEscape(c.ritorno))
			if p.Status != http.StatusSeeOther || p.Location() != c.want {
				t.Errorf("ritorno=%q: got %d Location %q, want 303 %q", c.ritorno, p.Status, p.Location(), c.want)
			}
		}
	})
}

// browserResolve resolves a Location as a browser does (WHATWG URL): ASCII
// tab and newline anywhere are dropped, leading and trailing controls and
// spaces trimmed, a backslash is a slash in an http(s) URL, and two or more
// slashes start a host.
func browserResolve(base *url.URL, loc string) (*url.URL, error) {
	loc = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, loc)
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.ReplaceAll(loc, `\`, "/")
	if strings.HasPrefix(loc, "//") {
		loc = "//" + strings.TrimLeft(loc, "/") // any number of slashes starts a host
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(ref), nil
}

// No open redirect through the language switch: a return path with a
// control character ("/\t/evil.example", which browsers read as
// "//evil.example") goes home instead.
func TestSwitchLang_OpenRedirectThroughControlCharacters(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	base, _ := url.Parse(h.srv.URL + "/lingua/en")
	for _, ritorno := range []string{"/\t/evil.example", "/\t\\evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\t\t//evil.example/x"} {
		// Round-tripped by hand: the client would refuse the Location.
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/lingua/en?ritorno="+url.QueryEscape(ritorno), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("ritorno=%q: %v", ritorno, err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		target, err := browserResolve(base, loc)
		if err != nil {
			continue // a browser would not follow it either
		}
		if resp.StatusCode != http.StatusSeeOther || target.Host != base.Host || target.Scheme != base.Scheme {
			t.Errorf("ritorno=%q: %d Location %q, which a browser follows to %s; want a path on this site", ritorno, resp.StatusCode, loc, target)
		}
	}
}

// Dates are dd/mm/yyyy in Europe/Rome, in both languages: the test clock
// is 23:30 UTC on 4 March, already 5 March in Rome.
func TestDates(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	for _, lang := range []i18n.Lang{i18n.IT, i18n.EN} {
		b := h.newBrowser(t, string(lang))
		n := b.submitExample()
		confirm := b.get("/esempi/conferma/" + n)
		if want := h.cat.T(lang, "example.confirm.date", "05/03/2026"); !contains(confirm, want) {
			t.Errorf("[%s] the confirmation lacks %q", lang, want)
		}
		if !strings.Contains(confirm.Body, n) || !strings.HasPrefix(n, "2026") {
			t.Errorf("[%s] the confirmation does not show the number %s of 2026", lang, n)
		}
		status := b.get("/esempi/pratica/" + n)
		if cur := findElements(status.Body, "li", "aria-current", "step"); len(cur) != 1 || !strings.Contains(textAfter(status.Body, cur[0], "li"), h.cat.T(lang, "event.submitted")) {
			t.Errorf("[%s] the status timeline: %d current steps, want 1, the submission", lang, len(cur))
		}
		for _, path := range []string{"/esempi/pratica/" + n, "/esempi/registro"} {
			if p := b.get(path); !strings.Contains(p.Body, "05/03/2026 00:30") {
				t.Errorf("[%s] %s lacks the date and time 05/03/2026 00:30", lang, path)
			}
		}
	}
}

// The 404 page is a full page of the site, in Italian by default.
func TestNotFound(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  harnessOpts
		paths []string
	}{
		{"Demo", harnessOpts{}, []string{"/pagina-che-non-esiste", "/informazioni", "/informazioni/", "/esempi/nulla", "/index.html", "/esempi/conferma/", "/lingua/fr"}},
		{"Production", harnessOpts{noExamples: true}, []string{"/esempi", "/esempi/domanda", "/esempi/registro"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := sqliteHarness(t, c.opts)
			b := h.newBrowser(t, "")
			for _, path := range c.paths {
				p := b.get(path)
				if p.Status == http.StatusMovedPermanently || p.Status == http.StatusTemporaryRedirect {
					p = b.follow(p)
				}
				expectStatus(t, p, http.StatusNotFound)
				if htmlLang(p) != "it" || !strings.HasPrefix(title(p), h.cat.T(i18n.IT, "notfound.title")) || !contains(p, h.cat.T(i18n.IT, "notfound.text")) {
					t.Errorf("%s: lang %q title %q, want the Italian 404 page", p, htmlLang(p), title(p))
				}
				if len(findElements(p.Body, "header", "class", "it-header-wrapper")) != 1 || len(findElements(p.Body, "footer", "id", "footer")) != 1 ||
					len(findElements(p.Body, "main", "id", "main")) != 1 {
					t.Errorf("%s: the 404 page lacks the layout (header, main, footer)", p)
				}
				if len(findElements(p.Body, "a", "href", "/")) == 0 {
					t.Errorf("%s: the 404 page has no link home", p)
				}
			}
			nav := b.get("/")
			hasExamples := len(findElements(nav.Body, "a", "href", "/esempi")) > 0
			if hasExamples == c.opts.noExamples {
				t.Errorf("examples mounted %v, but the navigation links /esempi: %v", !c.opts.noExamples, hasExamples)
			}
		})
	}
}

// Catalogue coverage: every key the package uses exists, and no rendered
// page shows a "[key]" placeholder (what i18n gives for a missing key).
func TestCatalogue_Coverage(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	cat := h.cat
	used := map[string]string{} // key -> where
	prefixes := map[string]string{}
	scan := func(where, src string, keyRE []*regexp.Regexp, prefixRE []*regexp.Regexp) {
		for _, re := range keyRE {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				for _, k := range m[1:] {
					if k != "" {
						used[k] = where
					}
				}
			}
		}
		for _, re := range prefixRE {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				prefixes[m[1]] = where
			}
		}
	}

	tmplKeys := []*regexp.Regexp{regexp.MustCompile(`\.T "([^"]+)"`)}
	tmplPrefixes := []*regexp.Regexp{regexp.MustCompile(`\.T \(print "([^"]+)"`)}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		scan(p, string(b), tmplKeys, tmplPrefixes)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	goKeys := []*regexp.Regexp{
		regexp.MustCompile(`\.T\((?:[A-Za-z.]+, )?"([^"]+)"[,)]`),         // v.T("k"), s.cat.T(lang, "k")
		regexp.MustCompile(`FieldError\{[^,{}]+, "([^"]+)"\}`),            // validation messages
		regexp.MustCompile(`s\.view\(r, "([^"]+)"`),                       // page titles
		regexp.MustCompile(`s\.content\("[^"]+", "([^"]+)", "([^"]*)"\)`), // information pages
		regexp.MustCompile(`setFlash\(w, "([^"]+)"\)`),                    // flash messages
	}
	goPrefixes := []*regexp.Regexp{regexp.MustCompile(`\.T\((?:[A-Za-z.]+, )?"([^"]+)" \+`)}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var goSrc strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		goSrc.Write(b)
		scan(f, string(b), goKeys, goPrefixes)
	}

	// The dynamic keys, value by value.
	eventKinds := []string{}
	for _, m := range regexp.MustCompile(`history\.Event\{[^}]*?\bKind: "([^"]+)"`).FindAllStringSubmatch(goSrc.String(), -1) {
		eventKinds = append(eventKinds, m[1])
	}
	if len(eventKinds) == 0 {
		t.Errorf("found no event kind in the package: the scan is out of date")
	}
	// Audit actions anywhere in the program, as the access log shows them.
	var actions []string
	seenAction := map[string]bool{}
	filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, _ := os.ReadFile(path)
		re := `(?:Action:\s*|action\s*:?=\s*|audit\(ctx, "[^"]*", [a-z]+, )"([a-z_]+\.[a-z_.]+)"`
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(string(b), -1) {
			if !seenAction[m[1]] {
				seenAction[m[1]] = true
				actions = append(actions, m[1])
			}
		}
		return nil
	})
	roles := []string{}
	for _, r := range identity.Roles {
		roles = append(roles, string(r))
	}
	dynamic := map[string][]string{"example.topic.": exampleTopics, "event.": eventKinds, "role.": roles,
		"action.": actions, "access.who.": {"anonymous", "system"},
		"doc.":                append(append([]string{}, account.AdultDocuments...), account.MinorDocuments...),
		"mandate.scope.":      account.MandateScopes,
		"scope.":              account.APIScopes,
		"letters.status.":     {"queued", "printed", "cancelled"},
		"pinreq.err.":         {"cf", "nome", "cognome", "nascita", "luogo"},
		"cert.kind.":          {certificate.KindSpa, certificate.KindInvalidity},
		"cert.doc.":           certificate.Docs,
		"cert.purpose.":       certificate.Purposes,
		"cert.event.":         {"sent", "annulled", "linked"},
		"cert.state.":         {"draft", "sent", "annulled", "linked"},
		"precheck.cat.":       precheckCategories,
		"precheck.employer.":  precheckEmployers,
		"precheck.pension.":   registry.PensionKinds,
		"precheck.pathology.": precheckPathologies,
		"precheck.result.":    {string(rules.Pass), string(rules.Fail), string(rules.Unknown), string(rules.Approval)},
		"precheck.overall.":   {rules.Entitled, rules.Excluded, rules.Exceptional, rules.Incomplete},
		"office.overall.":     {rules.Entitled, rules.Excluded, rules.Exceptional, rules.Incomplete},
		"cbt.screen.":         cbt.Screens,
		"cbt.doc.":            cbt.Docs,
		"inv.state.":          {store.AppSubmitted, store.AppVisited, store.AppRenounced, store.AppAnnulled},
		"inv.part.":           inv.Parts,
		"inv.relation.":       inv.Relations,
		"inv.request.":        inv.Requests,
		"asl.state.":          {store.VisitBooked, store.VisitMoved, store.VisitPresent, store.VisitAbsent, store.VisitCancelled},
		"cbt.rule.":           cbtRuleIDs,
		"cbt.state.":          {store.AppSubmitted, store.AppAnnulled},
		"channel.": {history.ChannelWeb, history.ChannelAPI, history.ChannelContactCentre, history.ChannelIntermediary,
			history.ChannelOffice, history.ChannelPaper, history.ChannelSystem}}
	for prefix, where := range prefixes {
		values, ok := dynamic[prefix]
		if !ok {
			t.Errorf("%s: keys built from the prefix %q: teach this test its values", where, prefix)
		}
		for _, v := range values {
			used[prefix+v] = where + " (" + prefix + "…)"
		}
	}
	t.Logf("%d catalogue keys used by the package", len(used))
	if len(used) < 80 {
		t.Fatalf("found only %d keys: the scan is out of date", len(used))
	}
	for key, where := range used {
		if !cat.Has(key) {
			t.Errorf("%s: key %q is not in the catalogue", where, key)
		}
	}

	// Every information page exists in both languages.
	for _, m := range regexp.MustCompile(`s\.content\("([^"]+)"`).FindAllStringSubmatch(goSrc.String(), -1) {
		for _, l := range i18n.Langs {
			if _, ok := h.web.pages["content/"+m[1]+"."+string(l)]; !ok {
				t.Errorf("information page %s has no %s version", m[1], l)
			}
		}
	}

	placeholder := regexp.MustCompile(`\[[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+\]`)
	for _, lang := range []string{"", "en"} {
		for _, p := range publicPages(t, h, lang) {
			if m := placeholder.FindString(html.UnescapeString(p.Body)); m != "" {
				t.Errorf("%s [%s]: missing catalogue key shown as %s", p, lang, m)
			}
		}
	}
}
