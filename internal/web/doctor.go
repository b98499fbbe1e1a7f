package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

// The certifying doctor's pages (CERT-1…CERT-9) under /medico. The
// service checks the policy and the first-access gate; the pages send a
// doctor who has not made the declaration to it.

// requireDoctor lets in a logged-in doctor; anyone else sees "not found".
func (s *Server) requireDoctor(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, false
	}
	if a.Role != identity.RoleDoctor || s.certs == nil {
		s.notFound(w, r)
		return a, false
	}
	return a, true
}

// requireDeclared also requires the first-access declaration (CERT-1).
func (s *Server) requireDeclared(w http.ResponseWriter, r *http.Request) (identity.Actor, doctor.Profile, bool) {
	a, ok := s.requireDoctor(w, r)
	if !ok {
		return a, doctor.Profile{}, false
	}
	p, err := s.certs.Profile(r.Context(), a)
	if apperr.Is(err, apperr.NotFound) {
		http.Redirect(w, r, "/medico/primo-accesso", http.StatusSeeOther)
		return a, p, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return a, p, false
	}
	return a, p, true
}

func (s *Server) doctorCrumbs(v *View) []Crumb {
	return []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("doc.menu.title"), URL: "/medico"}}
}

// doctorMenu is the menu of CERT-2.
func (s *Server) doctorMenu(w http.ResponseWriter, r *http.Request) {
	a, p, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	v := s.view(r, "doc.menu.title", struct {
		Actor   identity.Actor
		Profile doctor.Profile
	}{a, p})
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	s.render(w, r, http.StatusOK, "doctor-menu", v)
}

// declarationView is the first-access and "change my data" form.
type declarationView struct {
	form
	First     bool
	P         doctor.Profile
	A         doctor.Address // first access: an optional first address
	Addresses []doctor.Address
	// RemoveToken is the form token of the address removal buttons.
	RemoveToken string
}

var declarationFields = []string{"rapporto", "ente", "ordine_provincia", "ordine_numero", "nome", "indirizzo", "cap", "comune", "provincia", "telefono"}

func (s *Server) renderDeclaration(w http.ResponseWriter, r *http.Request, status int, dv *declarationView, errs []FieldError) {
	title := "doc.data.title"
	if dv.First {
		title = "doc.first.title"
	}
	v := s.view(r, title, nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	if !dv.First {
		v.Crumbs = s.doctorCrumbs(v)
		addrs, err := s.certs.Addresses(r.Context(), identity.ActorFrom(r.Context()))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		dv.Addresses = addrs
		dv.RemoveToken, _ = s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	}
	dv.form = s.form(w, r, v, "medico-dati", errs)
	v.Data = dv
	s.render(w, r, status, "doctor-declaration", v)
}

// doctorFirstAccess shows the declaration to a doctor who has not made it;
// one who has goes to the menu.
func (s *Server) doctorFirstAccess(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireDoctor(w, r)
	if !ok {
		return
	}
	if _, err := s.certs.Profile(r.Context(), a); err == nil {
		http.Redirect(w, r, "/medico", http.StatusSeeOther)
		return
	}
	s.renderDeclaration(w, r, http.StatusOK, &declarationView{First: true}, nil)
}

func (s *Server) doctorData(w http.ResponseWriter, r *http.Request) {
	_, p, ok := s.requireDeclared(w, r)
	if ok {
		s.renderDeclaration(w, r, http.StatusOK, &declarationView{P: p}, nil)
	}
}

// doctorDeclarationPost saves the declaration (first access or change)
// and, at first access, an optional first practice address.
func (s *Server) doctorDeclarationPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireDoctor(w, r)
	if !ok {
		return
	}
	_, perr := s.certs.Profile(r.Context(), a)
	first := apperr.Is(perr, apperr.NotFound)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm.Get
	dv := &declarationView{First: first, P: doctor.Profile{Relationship: f("rapporto"), Body: f("ente"), RegisterProv: f("ordine_provincia"), RegisterNo: f("ordine_numero")},
		A: doctor.Address{Label: f("nome"), Street: f("indirizzo"), Postcode: f("cap"), Comune: f("comune"), Province: f("provincia"), Phone: f("telefono")}}
	if _, err := s.tokens.check(f(tokenField), "medico-dati", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderDeclaration(w, r, http.StatusForbidden, dv, []FieldError{{"rapporto", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	// Check both parts before saving either, so that one answer names
	// every problem.
	all := map[string]string{}
	collect := func(err error) {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for k, m := range ae.Fields {
				all[k] = m
			}
		}
	}
	p := dv.P
	collect(p.Validate())
	withAddress := first && (dv.A != doctor.Address{})
	if withAddress {
		addr := dv.A
		collect(addr.Validate())
	}
	if len(all) > 0 {
		errs, _ := fieldErrors(&apperr.Error{Code: apperr.Invalid, Fields: all}, declarationFields)
		s.renderDeclaration(w, r, http.StatusUnprocessableEntity, dv, errs)
		return
	}
	if _, err := s.certs.SaveProfile(r.Context(), a, dv.P); err != nil {
		s.serverError(w, r, err)
		return
	}
	if withAddress {
		if _, err := s.certs.SaveAddress(r.Context(), a, dv.A); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if first {
		s.setFlash(w, "flash.doc.declared")
		if f("altro") == "1" {
			http.Redirect(w, r, "/medico/dati/indirizzi/nuovo", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/medico", http.StatusSeeOther)
		return
	}
	s.setFlash(w, "flash.doc.saved")
	http.Redirect(w, r, "/medico/dati", http.StatusSeeOther)
}

// addressView is the practice address form.
type addressView struct {
	form
	A doctor.Address
}

func (s *Server) renderAddress(w http.ResponseWriter, r *http.Request, status int, av *addressView, errs []FieldError) {
	title := "doc.address.new"
	if av.A.ID != 0 {
		title = "doc.address.edit"
	}
	v := s.view(r, title, nil)
	v.Crumbs = append(s.doctorCrumbs(v), Crumb{Label: v.T("doc.data.title"), URL: "/medico/dati"})
	av.form = s.form(w, r, v, "medico-indirizzo", errs)
	v.Data = av
	s.render(w, r, status, "doctor-address", v)
}

func (s *Server) addressByID(w http.ResponseWriter, r *http.Request, a identity.Actor) (doctor.Address, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	addrs, err := s.certs.Addresses(r.Context(), a)
	if err != nil {
		s.serverError(w, r, err)
		return doctor.Address{}, false
	}
	for _, ad := range addrs {
		if ad.ID == id {
			return ad, true
		}
	}
	s.notFound(w, r)
	return doctor.Address{}, false
}

func (s *Server) doctorAddress(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	av := &addressView{}
	if r.PathValue("id") != "" {
		if av.A, ok = s.addressByID(w, r, a); !ok {
			return
		}
	}
	s.renderAddress(w, r, http.StatusOK, av, nil)
}

func (s *Server) doctorAddressPost(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	av := &addressView{}
	if r.PathValue("id") != "" {
		if av.A, ok = s.addressByID(w, r, a); !ok {
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	f := r.PostForm.Get
	av.A = doctor.Address{ID: av.A.ID, Label: f("nome"), Street: f("indirizzo"), Postcode: f("cap"), Comune: f("comune"), Province: f("provincia"), Phone: f("telefono")}
	if _, err := s.tokens.check(f(tokenField), "medico-indirizzo", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderAddress(w, r, http.StatusForbidden, av, []FieldError{{"nome", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	_, err := s.certs.SaveAddress(r.Context(), a, av.A)
	if errs, ok := fieldErrors(err, declarationFields); ok {
		s.renderAddress(w, r, http.StatusUnprocessableEntity, av, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.doc.address.saved")
	http.Redirect(w, r, "/medico/dati", http.StatusSeeOther)
}

func (s *Server) doctorAddressRemove(w http.ResponseWriter, r *http.Request) {
	s.doctorDelete(w, r, s.certs.RemoveAddress, "flash.doc.address.removed", "/medico/dati")
}

// doctorDelete removes one of the doctor's things named by the path's
// {id} (a practice, a draft), then returns to back with a flash.
func (s *Server) doctorDelete(w http.ResponseWriter, r *http.Request, remove func(context.Context, identity.Actor, int64) error, flash, back string) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	switch err := remove(r.Context(), a, id); {
	case apperr.Is(err, apperr.NotFound):
		s.notFound(w, r)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// certFormView is the certificate form's data.
type certFormView struct {
	form
	D           certificate.Draft
	Rows        []certificate.Diagnosis // diagnosis rows, the empty ones to fill
	Addresses   []doctor.Address
	Pathologies []pathologyOption
	Purposes    []string
	Expired     bool
	Saved       time.Time
	DeleteToken string // the form token of the draft's deletion
}

type pathologyOption struct {
	Code  refdata.Pathology
	Name  string
	Cures []refdata.Cure
}

// certFields lists the certificate form's fields in page order.
func certFields(rows int) []string {
	out := []string{"tipo", "codice_fiscale_paziente", "studio", "patologia", "finalita"}
	for i := 1; i <= rows; i++ {
		out = append(out, fmt.Sprintf("diagnosi_%d_testo", i), fmt.Sprintf("diagnosi_%d_codice", i))
	}
	return append(out, "cura", "anamnesi", "obiettivita", "terapie", "nessuna_controindicazione")
}

func (s *Server) renderCertForm(w http.ResponseWriter, r *http.Request, status int, cv *certFormView, errs []FieldError) {
	a := identity.ActorFrom(r.Context())
	title := "cert.new.spa"
	if cv.D.Kind == certificate.KindInvalidity {
		title = "cert.new.inv"
	}
	v := s.view(r, title, nil)
	v.Crumbs = s.doctorCrumbs(v)
	addrs, err := s.certs.Addresses(r.Context(), a)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cv.Addresses, cv.Purposes = addrs, certificate.Purposes
	cv.Pathologies = nil
	for _, p := range refdata.Pathologies {
		cv.Pathologies = append(cv.Pathologies, pathologyOption{Code: p.Code, Name: p.Name, Cures: refdata.CuresFor(p.Code)})
	}
	var ds []certificate.Diagnosis
	want := 3
	if cv.D.Spa != nil {
		ds = cv.D.Spa.Diagnoses
	}
	if cv.D.Invalidity != nil {
		ds, want = cv.D.Invalidity.Diagnoses, 5
	}
	cv.Rows = append([]certificate.Diagnosis{}, ds...)
	for len(cv.Rows) < min(10, max(want, len(ds)+1)) {
		cv.Rows = append(cv.Rows, certificate.Diagnosis{})
	}
	cv.form = s.form(w, r, v, "certificato", errs)
	cv.DeleteToken, _ = s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	v.Data = cv
	s.render(w, r, status, "cert-form", v)
}

// certNew shows the choice of kind, or the empty form of the chosen kind.
func (s *Server) certNew(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.requireDeclared(w, r); !ok {
		return
	}
	kind := r.URL.Query().Get("tipo")
	if !certificate.ValidKind(kind) {
		v := s.view(r, "cert.choose.title", nil)
		v.Crumbs = s.doctorCrumbs(v)
		s.render(w, r, http.StatusOK, "cert-choose", v)
		return
	}
	d := certificate.Draft{Kind: kind}
	// The first practice is proposed; the doctor can choose another or none.
	if addrs, err := s.certs.Addresses(r.Context(), identity.ActorFrom(r.Context())); err == nil && len(addrs) > 0 {
		d.AddressID = addrs[0].ID
	}
	if kind == certificate.KindSpa {
		d.Spa = &certificate.Spa{}
	} else {
		d.Invalidity = &certificate.Invalidity{}
	}
	s.renderCertForm(w, r, http.StatusOK, &certFormView{D: d}, nil)
}

func (s *Server) certDraft(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := s.certs.FindDraft(r.Context(), a, id)
	if apperr.Is(err, apperr.NotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderCertForm(w, r, http.StatusOK, &certFormView{D: d, Saved: d.UpdatedAt}, nil)
}

// parseCertForm reads the certificate form; empty diagnosis rows are
// dropped.
func parseCertForm(r *http.Request) certificate.Draft {
	f := r.PostForm.Get
	d := certificate.Draft{Kind: f("tipo"), Patient: f("codice_fiscale_paziente")}
	d.AddressID, _ = strconv.ParseInt(f("studio"), 10, 64)
	var ds []certificate.Diagnosis
	for i := 1; i <= 10; i++ {
		t, c := strings.TrimSpace(f(fmt.Sprintf("diagnosi_%d_testo", i))), strings.TrimSpace(f(fmt.Sprintf("diagnosi_%d_codice", i)))
		if t != "" || c != "" {
			ds = append(ds, certificate.Diagnosis{Text: t, Code: c})
		}
	}
	switch d.Kind {
	case certificate.KindSpa:
		d.Spa = &certificate.Spa{Pathology: refdata.Pathology(f("patologia")), Cure: f("cura"), Diagnoses: ds,
			NoContraindications: f("nessuna_controindicazione") == "1"}
	case certificate.KindInvalidity:
		d.Invalidity = &certificate.Invalidity{Purposes: r.PostForm["finalita"], Diagnoses: ds,
			Anamnesis: f("anamnesi"), Findings: f("obiettivita"), Therapies: f("terapie"),
			Oncological: f("oncologico") == "1", CannotWalk: f("non_deambulante") == "1", NeedsCare: f("assistenza_continua") == "1",
			NotTransportable: f("non_trasportabile") == "1", Terminal: f("malattia_terminale") == "1", SeriousDM2007: f("patologia_dm_2_8_2007") == "1"}
	}
	return d
}

// certPost saves the form as a draft and, for "Invia certificato",
// sends it. The draft is saved in every case, so a refused sending or an
// expired page loses nothing. The form token's nonce is the idempotency
// key (PROT-3): the same form posted twice (a double click, a resent
// request) saves one draft and sends one certificate; the second answer
// is the first one's.
func (s *Server) certPost(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	lang := LangFrom(r.Context())
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	r.Body = http.MaxBytesReader(w, r.Body, 512<<10)
	if err := r.ParseForm(); err != nil {
		// Unreadable (or far too long): show the saved draft, or the choice
		// of kind, with the reason.
		s.setFlash(w, "flash.cert.unreadable")
		if id != 0 {
			http.Redirect(w, r, fmt.Sprintf("/medico/bozze/%d", id), http.StatusSeeOther)
		} else {
			http.Redirect(w, r, "/medico/certificati/nuovo", http.StatusSeeOther)
		}
		return
	}
	d := parseCertForm(r)
	d.ID = id
	cv := &certFormView{D: d}
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "certificato", s.tokens.binding(w, r), s.clock.Now())
	expired := errors.Is(terr, errTokenExpired)
	if terr != nil && !expired {
		s.renderCertForm(w, r, http.StatusForbidden, cv, []FieldError{{"codice_fiscale_paziente", s.cat.T(lang, "form.err.token")}})
		return
	}
	send := r.PostForm.Get("azione") == "invia" && !expired
	var checkErr error
	if send {
		if checkErr = s.certs.Check(r.Context(), a, d); checkErr != nil && !apperr.Is(checkErr, apperr.Invalid) {
			s.certError(w, r, checkErr)
			return
		}
	}
	out, err := s.db.Once(r.Context(), a.ID(), "form:"+nonce, "certificato", func(tx *store.Tx) (string, error) {
		svc := s.certs.WithTx(tx)
		saved, err := svc.SaveDraft(r.Context(), a, d)
		if err != nil {
			return "", err
		}
		if send && checkErr == nil {
			sent, err := svc.Send(r.Context(), a, saved)
			if err != nil {
				return "", err
			}
			return "sent:" + sent.Number, nil
		}
		return fmt.Sprintf("draft:%d", saved.ID), nil
	})
	if errs, ok := fieldErrors(err, certFields(10)); ok {
		s.renderCertForm(w, r, http.StatusUnprocessableEntity, cv, relinkDiagnosis(errs, err))
		return
	}
	if err != nil {
		s.certError(w, r, err)
		return
	}
	if number, ok := strings.CutPrefix(out.Response, "sent:"); ok {
		s.setFlash(w, "flash.cert.sent")
		http.Redirect(w, r, "/medico/certificati/"+number, http.StatusSeeOther)
		return
	}
	draftID, _ := strconv.ParseInt(strings.TrimPrefix(out.Response, "draft:"), 10, 64)
	switch {
	case expired:
		// The page had expired: what was typed is now saved; nothing is sent.
		saved, err := s.certs.FindDraft(r.Context(), a, draftID)
		if err != nil {
			s.certError(w, r, err)
			return
		}
		cv.D, cv.Saved, cv.Expired = saved, saved.UpdatedAt, true
		s.renderCertForm(w, r, http.StatusUnprocessableEntity, cv, []FieldError{{"codice_fiscale_paziente", s.cat.T(lang, "cert.form.err.expired")}})
	case send:
		// Refused: the draft keeps everything; the page names each field.
		saved, err := s.certs.FindDraft(r.Context(), a, draftID)
		if err != nil {
			s.certError(w, r, err)
			return
		}
		errs, _ := fieldErrors(checkErr, certFields(10))
		cv.D, cv.Saved = saved, saved.UpdatedAt
		s.renderCertForm(w, r, http.StatusUnprocessableEntity, cv, relinkDiagnosis(errs, checkErr))
	default:
		s.setFlash(w, "flash.cert.draft")
		http.Redirect(w, r, fmt.Sprintf("/medico/bozze/%d", draftID), http.StatusSeeOther)
	}
}

// certError answers an error of the certificate service that is not about
// a field: a draft already sent or deleted goes back to the list.
func (s *Server) certError(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.Is(err, apperr.NotFound) {
		s.setFlash(w, "flash.cert.gone")
		http.Redirect(w, r, "/medico/certificati", http.StatusSeeOther)
		return
	}
	s.serverError(w, r, err)
}

// relinkDiagnosis points the "no diagnosis" message at the first
// diagnosis field, which the summary's link can focus.
func relinkDiagnosis(errs []FieldError, err error) []FieldError {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return errs
	}
	if m, ok := ae.Fields["diagnosi"]; ok {
		if _, taken := ae.Fields["diagnosi_1_testo"]; !taken {
			errs = append(errs, FieldError{"diagnosi_1_testo", m})
		}
	}
	return errs
}

func (s *Server) certDraftDelete(w http.ResponseWriter, r *http.Request) {
	s.doctorDelete(w, r, s.certs.DeleteDraft, "flash.cert.draft.deleted", "/medico/certificati")
}

// certListView is the "Visualizza certificati" page (CERT-6).
type certListView struct {
	Rows     []store.CertificateEntry
	Pager    Pager
	Filter   certFilterForm
	Errors   map[string]string
	Now      time.Time
	Filtered bool
}

type certFilterForm struct{ State, Kind, Patient, From, To string }

// Query returns the filter as a query string, for the pager.
func (f certFilterForm) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"stato": f.State, "tipo": f.Kind, "cf": f.Patient, "dal": f.From, "al": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2/1/2006", strings.TrimSpace(s), clock.Rome)
	return t, err == nil && t.Year() >= 2000 && t.Year() <= 2100
}

func (s *Server) certList(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	const perPage = 20
	q := r.URL.Query()
	lv := &certListView{Filter: certFilterForm{State: q.Get("stato"), Kind: q.Get("tipo"), Patient: strings.TrimSpace(q.Get("cf")),
		From: strings.TrimSpace(q.Get("dal")), To: strings.TrimSpace(q.Get("al"))}, Errors: map[string]string{}, Now: s.clock.Now()}
	v := s.view(r, "cert.list.title", lv)
	v.Crumbs = s.doctorCrumbs(v)
	f := store.CertificateFilter{Limit: perPage}
	switch lv.Filter.State {
	case "", "draft", "sent", "annulled":
		f.State = lv.Filter.State
	default:
		lv.Filter.State = ""
	}
	if certificate.ValidKind(lv.Filter.Kind) {
		f.Kind = lv.Filter.Kind
	} else {
		lv.Filter.Kind = ""
	}
	if p := lv.Filter.Patient; p != "" {
		if err := codicefiscale.Validate(codicefiscale.Normalize(p)); err != nil {
			lv.Errors["cf"] = v.T("cert.filter.err.cf")
		} else {
			f.Patient = p
		}
	}
	if lv.Filter.From != "" {
		if t, ok := parseDay(lv.Filter.From); ok {
			f.From = t
		} else {
			lv.Errors["dal"] = v.T("cert.filter.err.date")
		}
	}
	if lv.Filter.To != "" {
		if t, ok := parseDay(lv.Filter.To); ok {
			f.To = t.AddDate(0, 0, 1) // the whole day
		} else {
			lv.Errors["al"] = v.T("cert.filter.err.date")
		}
	}
	for _, k := range []string{"cf", "dal", "al"} {
		if m, ok := lv.Errors[k]; ok {
			v.Errors = append(v.Errors, FieldError{k, m})
		}
	}
	page, err := strconv.Atoi(q.Get("pagina"))
	if err != nil || page < 1 || page > 500_000 {
		page = 1
	}
	f.Offset = (page - 1) * perPage
	rows, total, err := s.certs.List(r.Context(), a, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	lv.Rows, lv.Filtered = rows, lv.Filter.Query() != ""
	lv.Pager = Pager{Page: page, Pages: (total + perPage - 1) / perPage, Total: total, Base: "/medico/certificati", Query: lv.Filter.Query()}
	s.render(w, r, http.StatusOK, "cert-list", v)
}

// certDetailView is a sent certificate's page.
type certDetailView struct {
	C           certificate.Sent
	Docs        []string
	History     []history.Event
	Token       string
	Errors      map[string]string
	Reason      string
	Purposes    map[string]string
	Pathology   string
	Cure        string
	Relation    string
	JustSent    bool
	CanAnnul    bool
	ExpiresNote bool
}

func (s *Server) certDetail(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.requireDeclared(w, r); ok {
		s.renderCertDetail(w, r, http.StatusOK, r.PathValue("number"), "", nil)
	}
}

func (s *Server) renderCertDetail(w http.ResponseWriter, r *http.Request, status int, number, reason string, errs []FieldError) {
	a := identity.ActorFrom(r.Context())
	c, err := s.certs.Get(r.Context(), a, number)
	if apperr.Is(err, apperr.NotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	events, err := s.certs.History(r.Context(), a, c.Number)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	dv := &certDetailView{C: c, Docs: certificate.Docs, History: events, Reason: reason, Errors: map[string]string{},
		Purposes: certificate.PurposeLabels, Relation: certificate.RelationshipLabel(c.Record.Doctor.Relationship),
		CanAnnul: c.AnnulledAt.IsZero() && c.LinkedTo == ""}
	if c.Record.Spa != nil {
		dv.Pathology = certificate.PathologyName(c.Record.Spa.Pathology)
		dv.Cure = c.Record.Spa.Cure
		if cure, ok := refdata.FindCure(c.Record.Spa.Cure); ok {
			dv.Cure = cure.Name
		}
	}
	v := s.view(r, "cert.detail.title", dv)
	v.Title = v.T("cert.detail.title", c.Number)
	v.Crumbs = append(s.doctorCrumbs(v), Crumb{Label: v.T("cert.list.title"), URL: "/medico/certificati"})
	for _, e := range errs {
		v.Errors = append(v.Errors, e)
		dv.Errors[e.Field] = e.Message
	}
	dv.Token, _ = s.tokens.issue("certificato-annulla", s.tokens.binding(w, r), s.clock.Now())
	s.render(w, r, status, "cert-detail", v)
}

func (s *Server) certAnnul(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	number := r.PathValue("number")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	reason := r.PostForm.Get("motivo")
	if _, err := s.tokens.check(r.PostForm.Get(tokenField), "certificato-annulla", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderCertDetail(w, r, http.StatusForbidden, number, reason, []FieldError{{"motivo", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	_, err := s.certs.Annul(r.Context(), a, number, reason)
	if errs, ok := fieldErrors(err, []string{"motivo"}); ok {
		s.renderCertDetail(w, r, http.StatusUnprocessableEntity, number, reason, errs)
		return
	}
	switch {
	case apperr.Is(err, apperr.NotFound):
		s.notFound(w, r)
		return
	case apperr.Is(err, apperr.Conflict):
		// Annulled meanwhile (a second click) or linked to an application:
		// the page shows the state as it now is.
		s.setFlash(w, "flash.cert.annul.conflict")
		http.Redirect(w, r, "/medico/certificati/"+number, http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.cert.annulled")
	http.Redirect(w, r, "/medico/certificati/"+number, http.StatusSeeOther)
}

// certPDF sends one of a sent certificate's documents (CERT-5, CERT-9).
func (s *Server) certPDF(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	number, doc := r.PathValue("number"), strings.TrimSuffix(r.PathValue("doc"), ".pdf")
	var buf bytes.Buffer
	err := s.certs.Document(r.Context(), a, number, doc, &buf)
	if apperr.Is(err, apperr.NotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s.pdf"`, doc, number))
	w.Write(buf.Bytes())
}

// certPrint is the menu's "Stampa certificato" and "Stampa attestato":
// the number is asked, and the PDF opened; the latest sent certificates
// are offered as links.
func (s *Server) certPrint(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.requireDeclared(w, r)
	if !ok {
		return
	}
	doc := r.PathValue("doc")
	if doc != certificate.DocCertificate && doc != certificate.DocAttestation {
		s.notFound(w, r)
		return
	}
	pv := struct {
		Doc    string
		Number string
		Errors map[string]string
		Recent []store.CertificateEntry
	}{Doc: doc, Number: strings.TrimSpace(r.URL.Query().Get("numero")), Errors: map[string]string{}}
	title := "cert.print.certificato"
	if doc == certificate.DocAttestation {
		title = "cert.print.attestato"
	}
	v := s.view(r, title, &pv)
	v.Crumbs = s.doctorCrumbs(v)
	status := http.StatusOK
	if pv.Number != "" {
		_, err := s.certs.Get(r.Context(), a, pv.Number)
		switch {
		case err == nil:
			http.Redirect(w, r, "/medico/certificati/"+pv.Number+"/pdf/"+doc+".pdf", http.StatusSeeOther)
			return
		case apperr.Is(err, apperr.NotFound):
			pv.Errors["numero"] = v.T("cert.print.err")
			v.Errors = append(v.Errors, FieldError{"numero", pv.Errors["numero"]})
			status = http.StatusNotFound
		default:
			s.serverError(w, r, err)
			return
		}
	}
	recent, _, err := s.certs.List(r.Context(), a, store.CertificateFilter{State: "sent", Limit: 10})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pv.Recent = recent
	s.render(w, r, status, "cert-print", v)
}

// verify is the public page that checks a document's QR code (DOC-1):
// it shows only the document, its number and date, and whether it is
// valid or annulled.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	vv := struct {
		Token  string
		Result *certificate.Verification
		Errors map[string]string
	}{Token: strings.TrimSpace(r.URL.Query().Get("t")), Errors: map[string]string{}}
	v := s.view(r, "verify.title", &vv)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	status := http.StatusOK
	if vv.Token != "" && s.certs != nil {
		// A pasted address is accepted as well as the bare code.
		if u, err := url.Parse(vv.Token); err == nil && u.Query().Get("t") != "" {
			vv.Token = u.Query().Get("t")
		}
		res, err := s.certs.Verify(r.Context(), vv.Token)
		if apperr.Is(err, apperr.NotFound) && s.apps != nil {
			// Not a certificate's document: perhaps an application's.
			res, err = s.apps.Verify(r.Context(), vv.Token)
		}
		if apperr.Is(err, apperr.NotFound) && s.invs != nil {
			res, err = s.invs.Verify(r.Context(), vv.Token)
		}
		switch {
		case err == nil:
			vv.Result = &res
		case apperr.Is(err, apperr.NotFound):
			vv.Errors["t"] = v.T("verify.invalid")
			v.Errors = append(v.Errors, FieldError{"t", vv.Errors["t"]})
			status = http.StatusNotFound
		default:
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "verify", v)
}
