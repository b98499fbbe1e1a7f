package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
)

// Office pages: PINs at the counter (ID-2) and doctors' enabling (ID-3).
// The services check the policy; the pages only show what the actor may
// use.

// requireStaff lets in office staff and administrators.
func (s *Server) requireStaff(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, false
	}
	if a.Role != identity.RoleOffice && a.Role != identity.RoleAdmin {
		s.notFound(w, r)
		return a, false
	}
	return a, true
}

// officePINView is the counter PIN form's data.
type officePINView struct {
	form
	Req       account.CounterPIN
	P         identity.Person // new-person fields
	AdultDocs []string
	MinorDocs []string
	// Issued: the PIN to print, shown once.
	IssuedPIN string
	Person    identity.Person
	// SessionToken is the form token of the revocation form.
	SessionToken string
}

func (s *Server) renderOfficePIN(w http.ResponseWriter, r *http.Request, status int, ov *officePINView, errs []FieldError) {
	v := s.view(r, "office.pin.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	ov.AdultDocs, ov.MinorDocs = account.AdultDocuments, account.MinorDocuments
	ov.form = s.form(w, r, v, "ufficio-pin", errs)
	ov.SessionToken, _ = s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	v.Data = ov
	s.render(w, r, status, "office-pin", v)
}

func (s *Server) officePIN(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r); ok {
		s.renderOfficePIN(w, r, http.StatusOK, &officePINView{}, nil)
	}
}

// fieldOrder lists a form's fields in page order, for the error summary.
var officePINFields = []string{"cf", "documento", "numero", "rilasciato", "scadenza",
	"nome", "cognome", "nascita", "luogo", "sesso", "indirizzo", "cap", "comune", "provincia"}

func fieldErrors(err error, order []string) ([]FieldError, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return nil, false
	}
	var out []FieldError
	for _, f := range order {
		if m, ok := ae.Fields[f]; ok {
			out = append(out, FieldError{f, m})
		}
	}
	return out, true
}

func (s *Server) officePINPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	r.ParseForm()
	f := r.PostForm.Get
	ov := &officePINView{Req: account.CounterPIN{FiscalCode: strings.TrimSpace(f("cf")), Minor: f("minore") == "1",
		DocType: f("documento"), DocNumber: f("numero"), DocIssuer: f("rilasciato"), DocExpiry: f("scadenza")},
		P: identity.Person{GivenName: f("nome"), FamilyName: f("cognome"), BirthDate: f("nascita"), BirthPlace: f("luogo"),
			Sex: f("sesso"), Address: f("indirizzo"), Postcode: f("cap"), Municipality: f("comune"), Province: f("provincia")}}
	if _, err := s.tokens.check(f(tokenField), "ufficio-pin", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderOfficePIN(w, r, http.StatusForbidden, ov, []FieldError{{"cf", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	req := ov.Req
	if ov.P.GivenName != "" || ov.P.FamilyName != "" {
		p := ov.P
		req.NewPerson = &p
	}
	pin, person, err := s.accounts.IssuePINAtCounter(r.Context(), a, req)
	if errs, ok := fieldErrors(err, officePINFields); ok {
		s.renderOfficePIN(w, r, http.StatusUnprocessableEntity, ov, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The PIN sheet: shown once, to print and hand over; never stored.
	v := s.view(r, "office.pin.done.title", &officePINView{IssuedPIN: pin[:4] + " " + pin[4:8] + " " + pin[8:12] + " " + pin[12:], Person: person})
	s.render(w, r, http.StatusOK, "office-pin-done", v)
}

// officePINRevoke stops a person's PIN (lost or stolen) and ends their
// sessions.
func (s *Server) officePINRevoke(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	err := s.accounts.RevokePIN(r.Context(), a, r.PostForm.Get("cf"))
	switch {
	case apperr.Is(err, apperr.NotFound):
		s.setFlash(w, "flash.pin.revoke.unknown")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.setFlash(w, "flash.pin.revoked")
	}
	http.Redirect(w, r, "/ufficio/pin", http.StatusSeeOther)
}

// officeDoctorView is the doctor enabling form's data.
type officeDoctorView struct {
	form
	Req account.DoctorRequest
}

func (s *Server) renderOfficeDoctor(w http.ResponseWriter, r *http.Request, status int, dv *officeDoctorView, errs []FieldError) {
	v := s.view(r, "office.doctor.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	dv.form = s.form(w, r, v, "ufficio-medico", errs)
	v.Data = dv
	s.render(w, r, status, "office-doctor", v)
}

func (s *Server) officeDoctor(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireStaff(w, r); ok {
		s.renderOfficeDoctor(w, r, http.StatusOK, &officeDoctorView{}, nil)
	}
}

func (s *Server) officeDoctorPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm.Get
	dv := &officeDoctorView{Req: account.DoctorRequest{FiscalCode: strings.TrimSpace(f("cf")), RequestDate: f("data"),
		RequestRef: f("riferimento"), Employment: f("rapporto")}}
	if _, err := s.tokens.check(f(tokenField), "ufficio-medico", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderOfficeDoctor(w, r, http.StatusForbidden, dv, []FieldError{{"cf", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	changed, err := s.accounts.EnableDoctor(r.Context(), a, dv.Req)
	if errs, ok := fieldErrors(err, []string{"cf", "data", "riferimento", "rapporto"}); ok {
		s.renderOfficeDoctor(w, r, http.StatusUnprocessableEntity, dv, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if changed {
		s.setFlash(w, "flash.doctor.enabled")
	} else {
		s.setFlash(w, "flash.doctor.already")
	}
	http.Redirect(w, r, "/ufficio/medici", http.StatusSeeOther)
}
