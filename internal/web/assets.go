package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
)

// static holds our own CSS and JavaScript and, once built, the UI kit in
// static/vendor (see scripts/assets.sh).
//
//go:embed static
var staticFS embed.FS

// Assets serves the static files under a content-hashed prefix:
// /static/<hash>/css/app.css. The hash covers every file, so any change
// gives every URL a new prefix and the files can be cached for a year;
// relative references between files (the CSS pointing at the fonts) keep
// working because the tree keeps its shape.
type Assets struct {
	fsys  fs.FS
	hash  string
	Built bool // the UI kit was copied in before the build
}

// NewAssets hashes the embedded files.
func NewAssets() (*Assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &Assets{fsys: sub}
	var paths []string
	if err := fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	}); err != nil {
		return nil, err
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write(b)
		if p == "vendor/css/bootstrap-italia.min.css" {
			a.Built = true
		}
	}
	a.hash = hex.EncodeToString(h.Sum(nil))[:12]
	return a, nil
}

// URL returns the public URL of a static file, e.g. URL("css/app.css").
func (a *Assets) URL(p string) string { return "/static/" + a.hash + "/" + strings.TrimPrefix(p, "/") }

// ServeHTTP serves GET /static/{hash}/{path...}. A request for an older
// hash (a page rendered by a node not yet upgraded) gets today's file but
// is not cached for long.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean(r.PathValue("path"))
	if st, err := fs.Stat(a.fsys, p); err != nil || st.IsDir() || strings.HasPrefix(p, ".") {
		http.NotFound(w, r) // no directory listings
		return
	}
	if r.PathValue("hash") == a.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, a.fsys, p)
}
