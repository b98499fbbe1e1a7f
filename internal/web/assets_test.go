package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
)

// staticURLs returns the static files a page refers to: stylesheets,
// scripts and the icon sprite.
func staticURLs(p *page) []string {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		u, _, _ = strings.Cut(u, "#")
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, e := range findElements(p.Body, "link", "rel", "stylesheet") {
		add(e.Attrs["href"])
	}
	for _, e := range findElements(p.Body, "script", "src", "*") {
		add(e.Attrs["src"])
	}
	for _, e := range findElements(p.Body, "use", "href", "*") {
		add(e.Attrs["href"])
	}
	return out
}

var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".woff2": "font/woff2",
}

// The static files live under a content hash: the current hash is cached
// for a year, any other is served but revalidated; no directory listing
// and no way out of the static tree.
func TestAssets(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	b := h.newBrowser(t, "")
	home := b.get("/")
	urls := staticURLs(home)
	prefix := h.web.assets.URL("")
	if !regexp.MustCompile(`^/static/[0-9a-f]{12}/$`).MatchString(prefix) {
		t.Fatalf("asset prefix %q, want /static/<12 hex digits>/", prefix)
	}
	var stylesheets int
	for _, e := range findElements(home.Body, "link", "rel", "stylesheet") {
		if strings.HasPrefix(e.Attrs["href"], prefix) {
			stylesheets++
		}
	}
	if stylesheets != 3 || len(findElements(home.Body, "script", "src", prefix+"js/app.js")) != 1 {
		t.Fatalf("the page links %d hashed stylesheets (want 3) and app.js %v: %v", stylesheets, len(findElements(home.Body, "script", "src", prefix+"js/app.js")) == 1, urls)
	}

	// fetch GETs u, relative to base, and checks what the current hash
	// promises; vendor files only when the UI kit is built in.
	fetch := func(base, u string) (string, bool) {
		t.Helper()
		ref, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		baseURL, _ := url.Parse(base)
		abs := baseURL.ResolveReference(ref).Path
		rel, ok := strings.CutPrefix(abs, prefix)
		if !ok {
			t.Errorf("%s (from %s) resolves to %s, outside %s", u, base, abs, prefix)
			return "", false
		}
		if strings.HasPrefix(rel, "vendor/") && !h.web.AssetsBuilt() {
			return "", false
		}
		p := b.get(abs)
		expectStatus(t, p, http.StatusOK)
		if got, want := p.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
			t.Errorf("%s: Cache-Control %q, want %q", abs, got, want)
		}
		if got, want := p.Header.Get("Content-Type"), contentTypes[path.Ext(rel)]; got != want {
			t.Errorf("%s: Content-Type %q, want %q", abs, got, want)
		}
		if got := p.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", abs, got)
		}
		want, err := fs.ReadFile(staticFS, "static/"+rel)
		if err != nil || p.Body != string(want) {
			t.Errorf("%s: body of %d bytes, want static/%s (%d bytes, %v)", abs, len(p.Body), rel, len(want), err)
		}

		// A page rendered by a node with other files asks for another
		// hash: it gets today's file, revalidated.
		old := strings.Replace(abs, prefix, "/static/000000000000/", 1)
		po := b.get(old)
		if po.Status != http.StatusOK || po.Header.Get("Cache-Control") != "no-cache" || po.Body != p.Body {
			t.Errorf("%s: status %d Cache-Control %q, want 200 no-cache with the same file", old, po.Status, po.Header.Get("Cache-Control"))
		}
		return p.Body, true
	}
	// Relative references inside the files resolve in the same tree: the
	// fonts of our CSS, and the whole module graph of app.js (a bare
	// specifier would need an import map, so the browser would refuse the
	// graph and every enhancement with it).
	cssURL := regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)
	jsImport := regexp.MustCompile(`(?m)^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]`)
	type ref struct{ from, u string }
	queue := []ref{}
	for _, u := range urls {
		queue = append(queue, ref{h.srv.URL + "/", u})
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		key := r.from + " " + r.u
		if seen[key] {
			continue
		}
		seen[key] = true
		body, ok := fetch(r.from, r.u)
		if !ok {
			continue
		}
		self := r.u
		if strings.HasPrefix(self, "/") {
			self = h.srv.URL + self
		} else {
			base, _ := url.Parse(r.from)
			rel, _ := url.Parse(r.u)
			self = base.ResolveReference(rel).String()
		}
		switch {
		case strings.HasSuffix(self, ".css") && !strings.Contains(self, "/vendor/"):
			for _, m := range cssURL.FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(m[1], "data:") {
					queue = append(queue, ref{self, m[1]})
				}
			}
		case strings.HasSuffix(self, ".js"):
			for _, m := range jsImport.FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(m[1], "./") && !strings.HasPrefix(m[1], "../") {
					t.Errorf("%s imports the bare specifier %q, which a browser cannot resolve", self, m[1])
					continue
				}
				queue = append(queue, ref{self, m[1]})
			}
		}
	}
	if h.web.AssetsBuilt() && len(seen) < 10 {
		t.Errorf("followed only %d references: the scan is out of date", len(seen))
	}

	// Nothing but files: no listings, no other folders of the package.
	hash := strings.TrimSuffix(strings.TrimPrefix(prefix, "/static/"), "/")
	follow := &http.Client{} // a browser follows the mux's cleaning redirects
	for _, p := range []string{
		"/static/" + hash + "/",
		"/static/" + hash,
		"/static/" + hash + "/css/",
		"/static/" + hash + "/css",
		"/static/" + hash + "/js/",
		"/static/" + hash + "/vendor/",
		"/static/" + hash + "/css/nope.css",
		"/static/" + hash + "/../web.go",
		"/static/" + hash + "/css/../../assets.go",
		"/static/" + hash + "/../templates/layout.html",
		"/static/" + hash + "/%2e%2e/web.go",
		"/static/" + hash + "/..%2fweb.go",
		"/static/" + hash + "/css/..%2f..%2fassets.go",
		"/static/" + hash + "/%2e%2e%2fassets.go",
		"/static/" + hash + "/..%5cweb.go",
		"/static/" + hash + "/.%2e/.%2e/go.mod",
		"/static/../web.go",
		"/static/%2e%2e/web.go",
	} {
		resp, err := follow.Get(h.srv.URL + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s (ending at %s): status %d, want 404", p, resp.Request.URL.Path, resp.StatusCode)
		}
		if s := string(body); strings.Contains(s, "package web") || strings.Contains(s, "{{define") || strings.Contains(s, "<pre>") ||
			strings.Contains(s, "module github.com") {
			t.Errorf("GET %s: the answer leaks a file or a listing: %.200s", p, s)
		}
	}
}

// The hash depends only on the files: every node computes the same.
func TestAssets_StableHash(t *testing.T) {
	a1, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	a2, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	if a1.hash != a2.hash || a1.Built != a2.Built {
		t.Errorf("two hashings of the same files: %s/%v and %s/%v", a1.hash, a1.Built, a2.hash, a2.Built)
	}
	if _, err := fs.Stat(staticFS, "static/vendor/css/bootstrap-italia.min.css"); (err == nil) != a1.Built {
		t.Errorf("Built %v, but the UI kit's CSS is embedded: %v", a1.Built, err == nil)
	}
}
