package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/sportello/sportello/internal/i18n"
)

// home is the services desk ("Sportello virtuale").
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", s.view(r, "home.title", nil))
}

// content serves an information page written per language in
// templates/content/<name>.<lang>.html.
func (s *Server) content(name, titleKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.view(r, titleKey, nil)
		v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
		page := "content/" + name + "." + string(v.Lang)
		if _, ok := s.pages[page]; !ok {
			page = "content/" + name + ".it"
		}
		s.render(w, r, http.StatusOK, page, v)
	}
}

// switchLang stores the chosen language and goes back to the page.
func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	lang, ok := i18n.Parse(r.PathValue("lang"))
	if !ok {
		s.notFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("ritorno")), http.StatusSeeOther)
}

// renewForm gives a form a fresh token, for the session warning's
// "continue" button: what was typed stays in the page.
func (s *Server) renewForm(w http.ResponseWriter, r *http.Request) {
	form := r.URL.Query().Get("form")
	if form == "" || len(form) > 64 {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	token, exp := s.tokens.issue(form, s.tokens.binding(w, r), s.clock.Now())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": token, "expires": exp.UTC().Format(time.RFC3339)})
}
