package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/identity"
)

// Pages for acting on someone's behalf (ID-5) and for mandates.

func (s *Server) requireOperator(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, false
	}
	if a.Role != identity.RoleIntermediary && a.Role != identity.RoleContactCentre {
		s.notFound(w, r)
		return a, false
	}
	return a, true
}

// actingView is the "act for" form's data.
type actingView struct {
	form
	FiscalCode     string
	Identification string
	ContactCentre  bool
}

func (s *Server) renderActing(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, av *actingView, errs []FieldError) {
	v := s.view(r, "acting.title", nil)
	av.ContactCentre = a.Role == identity.RoleContactCentre
	av.form = s.form(w, r, v, "per-conto-di", errs)
	v.Data = av
	s.render(w, r, status, "acting", v)
}

func (s *Server) actingPage(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.requireOperator(w, r); ok {
		s.renderActing(w, r, http.StatusOK, a, &actingView{}, nil)
	}
}

func (s *Server) actingStart(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireOperator(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	av := &actingView{FiscalCode: strings.TrimSpace(r.PostForm.Get("cf")), Identification: r.PostForm.Get("identificazione")}
	if _, err := s.tokens.check(r.PostForm.Get(tokenField), "per-conto-di", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderActing(w, r, http.StatusForbidden, a, av, []FieldError{{"cf", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	c, _ := r.Cookie(sessionCookie)
	err := s.accounts.StartActingFor(r.Context(), a, c.Value, av.FiscalCode, av.Identification)
	if errs, ok := fieldErrors(err, []string{"cf", "identificazione"}); ok {
		s.renderActing(w, r, http.StatusUnprocessableEntity, a, av, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.acting.start")
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}

func (s *Server) actingStop(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	c, _ := r.Cookie(sessionCookie)
	if err := s.accounts.StopActingFor(r.Context(), a, c.Value); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.acting.stop")
	http.Redirect(w, r, "/per-conto-di", http.StatusSeeOther)
}

// mandateView is the intermediary's mandate form's data.
type mandateView struct {
	form
	M      account.NewMandate
	Scopes []string
}

func (s *Server) renderMandate(w http.ResponseWriter, r *http.Request, status int, mv *mandateView, errs []FieldError) {
	v := s.view(r, "mandate.new.title", nil)
	mv.Scopes = account.MandateScopes
	mv.form = s.form(w, r, v, "delega", errs)
	v.Data = mv
	s.render(w, r, status, "mandate-new", v)
}

func (s *Server) mandatePage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireOperator(w, r)
	if !ok {
		return
	}
	if a.Role != identity.RoleIntermediary {
		s.notFound(w, r)
		return
	}
	s.renderMandate(w, r, http.StatusOK, &mandateView{M: account.NewMandate{Scope: "all"}}, nil)
}

func (s *Server) mandatePost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireOperator(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm.Get
	mv := &mandateView{M: account.NewMandate{Citizen: strings.TrimSpace(f("cf")), Scope: f("ambito"), StartDate: f("inizio"),
		EndDate: f("fine"), Document: f("documento")}}
	if _, err := s.tokens.check(f(tokenField), "delega", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderMandate(w, r, http.StatusForbidden, mv, []FieldError{{"cf", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	_, err := s.accounts.RecordMandate(r.Context(), a, mv.M)
	if errs, ok := fieldErrors(err, []string{"cf", "ambito", "inizio", "fine", "documento"}); ok {
		s.renderMandate(w, r, http.StatusUnprocessableEntity, mv, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.mandate.recorded")
	http.Redirect(w, r, "/per-conto-di", http.StatusSeeOther)
}

// myMandates lists the citizen's mandates, each revocable.
func (s *Server) myMandates(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	ms, err := s.accounts.Mandates(r.Context(), a)
	if err != nil {
		s.notFound(w, r)
		return
	}
	v := s.view(r, "mandates.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("profile.title"), URL: "/profilo"}}
	token, _ := s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	today := s.clock.Now().Format("2006-01-02")
	type row struct {
		M    identity.Mandate
		Live bool
	}
	var rows []row
	for _, m := range ms {
		rows = append(rows, row{m, m.LiveOn(today)})
	}
	v.Data = struct {
		Rows  []row
		Token string
	}{rows, token}
	s.render(w, r, http.StatusOK, "mandates", v)
}

func (s *Server) revokeMyMandate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.accounts.RevokeMandate(r.Context(), a, a.FiscalCode, id); err != nil {
		s.notFound(w, r)
		return
	}
	s.setFlash(w, "flash.mandate.revoked")
	http.Redirect(w, r, "/profilo/deleghe", http.StatusSeeOther)
}
