package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
)

// The online PIN request (ID-1) and the outbox of letters.

type pinRequestView struct {
	form
	Req   account.OnlineRequest
	First string // the first 8 characters, shown once
}

func (s *Server) renderPINRequest(w http.ResponseWriter, r *http.Request, status int, pv *pinRequestView, errs []FieldError) {
	v := s.view(r, "pinreq.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("login.title"), URL: "/accedi"}}
	pv.form = s.form(w, r, v, "pin-richiesta", errs)
	v.Data = pv
	s.render(w, r, status, "pin-request", v)
}

func (s *Server) pinRequestPage(w http.ResponseWriter, r *http.Request) {
	s.renderPINRequest(w, r, http.StatusOK, &pinRequestView{}, nil)
}

func (s *Server) pinRequestPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm.Get
	pv := &pinRequestView{Req: account.OnlineRequest{FiscalCode: strings.TrimSpace(f("cf")), GivenName: f("nome"),
		FamilyName: f("cognome"), BirthDate: f("nascita"), BirthPlace: f("luogo")}}
	lang := LangFrom(r.Context())
	if _, err := s.tokens.check(f(tokenField), "pin-richiesta", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderPINRequest(w, r, http.StatusForbidden, pv, []FieldError{{"cf", s.cat.T(lang, "form.err.token")}})
		return
	}
	// The letter's link comes from the configuration, never from the
	// request: a forged Host header would otherwise print an attacker's
	// site in an official letter.
	first, err := s.accounts.RequestPINOnline(r.Context(), pv.Req, clientAddr(r), s.sender)
	var ae *apperr.Error
	switch {
	case err == account.ErrRequestPending:
		s.renderPINRequest(w, r, http.StatusConflict, pv, []FieldError{{"cf", s.cat.T(lang, "pinreq.err.pending")}})
		return
	case err == account.ErrNoMatch:
		s.renderPINRequest(w, r, http.StatusUnprocessableEntity, pv, []FieldError{{"cf", s.cat.T(lang, "pinreq.err.nomatch")}})
		return
	case errors.As(err, &ae) && ae.Code == apperr.Throttled:
		s.renderPINRequest(w, r, http.StatusTooManyRequests, pv, []FieldError{{"cf", s.cat.T(lang, "login.err.locked")}})
		return
	}
	if errs, ok := fieldErrors(err, []string{"cf", "nome", "cognome", "nascita", "luogo"}); ok {
		for i := range errs {
			errs[i].Message = s.cat.T(lang, "pinreq.err."+errs[i].Field)
		}
		s.renderPINRequest(w, r, http.StatusUnprocessableEntity, pv, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "pinreq.done.title", &pinRequestView{First: first[:4] + " " + first[4:]})
	s.render(w, r, http.StatusOK, "pin-request-done", v)
}

// The outbox: office staff and administrators see the letters to print;
// on demo installations they can open them.

func (s *Server) letters(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	ls, err := s.accounts.Letters(r.Context(), a)
	if err != nil {
		s.notFound(w, r)
		return
	}
	v := s.view(r, "letters.title", nil)
	token, _ := s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	v.Data = struct {
		Letters  any
		Token    string
		Download bool
	}{ls, token, s.examples}
	s.render(w, r, http.StatusOK, "letters", v)
}

func (s *Server) letterPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !s.examples {
		s.notFound(w, r)
		return
	}
	l, err := s.accounts.Letter(r.Context(), a, id)
	if err != nil || l.Document == nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+l.Reference+`.pdf"`)
	w.Write(l.Document)
}

func (s *Server) letterPrinted(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if err := s.accounts.MarkPrinted(r.Context(), a, id); err != nil {
		s.notFound(w, r)
		return
	}
	s.setFlash(w, "flash.letter.printed")
	http.Redirect(w, r, "/ufficio/lettere", http.StatusSeeOther)
}
