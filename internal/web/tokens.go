package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/identity"
)

// tokensView is the API tokens page's data.
type tokensView struct {
	form
	Tokens   []identity.APIToken
	Scopes   []string
	NewToken string // shown once after creation
	Name     string
	Chosen   map[string]bool
	Days     string
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, tv *tokensView, errs []FieldError) {
	ts, err := s.accounts.APITokens(r.Context(), a)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "tokens.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("profile.title"), URL: "/profilo"}}
	tv.Tokens, tv.Scopes = ts, account.APIScopes
	tv.form = s.form(w, r, v, "api-token", errs)
	v.Data = tv
	s.render(w, r, status, "tokens", v)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	if a.Role == identity.RoleCitizen || a.ActingFor != "" {
		s.notFound(w, r)
		return
	}
	s.renderTokens(w, r, http.StatusOK, a, &tokensView{Days: "90", Chosen: map[string]bool{"registrations:read": true}}, nil)
}

func (s *Server) tokensPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	if a.Role == identity.RoleCitizen || a.ActingFor != "" {
		s.notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm
	if _, err := s.tokens.check(f.Get(tokenField), "api-token", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.setFlash(w, "flash.token")
		http.Redirect(w, r, "/profilo/token", http.StatusSeeOther)
		return
	}
	if id := f.Get("revoca"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		if err := s.accounts.RevokeAPIToken(r.Context(), a, n); err != nil {
			s.notFound(w, r)
			return
		}
		s.setFlash(w, "flash.apitoken.revoked")
		http.Redirect(w, r, "/profilo/token", http.StatusSeeOther)
		return
	}
	tv := &tokensView{Name: strings.TrimSpace(f.Get("nome")), Days: strings.TrimSpace(f.Get("durata")), Chosen: map[string]bool{}}
	for _, sc := range f["ambiti"] {
		tv.Chosen[sc] = true
	}
	days, err := strconv.Atoi(tv.Days)
	if err != nil {
		days = -1
	}
	token, err := s.accounts.CreateAPIToken(r.Context(), a, tv.Name, f["ambiti"], time.Duration(days)*24*time.Hour)
	if errs, ok := fieldErrors(err, []string{"nome", "ambiti", "durata"}); ok {
		for i := range errs {
			if errs[i].Field == "ambiti" {
				errs[i].Field = "ambiti-0" // the first checkbox: where the summary link leads
			}
		}
		s.renderTokens(w, r, http.StatusUnprocessableEntity, a, tv, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	tv.NewToken = token
	s.renderTokens(w, r, http.StatusOK, a, tv, nil)
}
