package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// Paper applications (CH-2): during the transition period the office
// registers the paper applications it receives. Staff first give the
// applicant's codice fiscale, which brings the registry data, the
// previous grants and the health authorities of the address; then one
// page holds what the paper form says — the eight screens' fields — and
// the day the paper arrived. Every field is checked at once (staff copy a
// form, they do not fill it in over days); nothing is kept until the
// registration succeeds, and a refused page keeps everything typed. The
// registration is the same as CONFERMA's, marked "paper", with the member
// of staff as the operator; the office's own queue receives it and the
// receipt can be printed for the citizen.

const paperPath = "/ufficio/domande/cartacea"

// paperFields are the page's fields in page order, for the error summary.
var paperFields = []string{"cf", "ricevuta_il", "domicilio", "indirizzo", "cap", "comune", "provincia", "telefono", "cellulare", "email",
	"ufficio", "precedenti_corretti", "primo_anno", "concessioni_precedenti", "nota_correzione", "anno", "patologia", "cura", "certificato", "asl"}

// paperScreens are the application's screens whose fields the page holds.
var paperScreens = []string{"domicilio", "contatti", "precedenti", "domanda", "sanitari"}

type paperView struct {
	form
	Closed     string // why paper applications cannot be registered
	Until      time.Time
	CF         string
	Received   string // dd/mm/yyyy as typed
	OfficeName string
	// Found: the applicant is known; the whole form is shown.
	Found bool
	Ap    cbt.Applicant
	Born  string
	// The fields, as on the screens (cbtScreenView.apply fills them).
	Sv          *cbtScreenView
	Pathologies []cbtPathology
}

// requireOfficeStaff lets in office staff working for themselves.
func (s *Server) requireOfficeStaff(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, false
	}
	if a.Role != identity.RoleOffice || a.ActingFor != "" || a.Scope == "" || s.apps == nil {
		s.notFound(w, r)
		return a, false
	}
	return a, true
}

// paperOpen says why paper applications cannot be registered today, or "".
func (s *Server) paperOpen(lang i18n.Lang) (time.Time, string) {
	until, ok := s.apps.PaperUntil()
	if !ok {
		return until, s.cat.T(lang, "paper.closed.none")
	}
	if open, msg := s.apps.Open(); !open {
		return until, msg
	}
	return until, ""
}

func (s *Server) officePaper(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireOfficeStaff(w, r)
	if !ok {
		return
	}
	pv := &paperView{CF: codicefiscale.Normalize(r.URL.Query().Get("cf")), Sv: newCBTScreenView("paper", cbt.Draft{})}
	var errs []FieldError
	if pv.CF != "" {
		if err := codicefiscale.Validate(pv.CF); err != nil {
			errs = append(errs, FieldError{"cf", apperrMessage(err)})
		} else {
			pv.Found = true
		}
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.renderPaper(w, r, status, a, pv, errs)
}

// apperrMessage is the Italian message of an application error.
func apperrMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// renderPaper renders the page: the codice fiscale lookup, or the whole
// form for an applicant found in the registry (that read is audited).
func (s *Server) renderPaper(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, pv *paperView, errs []FieldError) {
	ctx := r.Context()
	v := s.view(r, "paper.title", pv)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("office.queue.title"), URL: "/ufficio/domande"}}
	pv.Until, pv.Closed = s.paperOpen(v.Lang)
	pv.OfficeName = s.officeName(a.Scope)
	if pv.Closed != "" {
		pv.Found = false
		s.render(w, r, status, "office-paper", v)
		return
	}
	if pv.Found {
		ap, err := s.apps.PaperContext(ctx, a, pv.CF, pv.Sv.D.Domicile)
		switch {
		case apperr.Is(err, apperr.NotFound):
			pv.Found = false
			errs = []FieldError{{"cf", v.T("paper.err.unknown")}}
			status = http.StatusUnprocessableEntity
		case err != nil:
			s.cbtError(w, r, err)
			return
		default:
			pv.Ap, pv.Born, pv.Pathologies = ap, clock.Day(ap.Person.BirthDate), cbtPathologies(v.Lang)
			if err := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "person.read",
				Subject: "person:" + pv.CF, Detail: `{"page":"ufficio/domande/cartacea"}`}); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
	}
	pv.form = s.form(w, r, v, "office:paper", errs)
	s.render(w, r, status, "office-paper", v)
}

// officePaperPost registers a paper application (CH-2). The form token's
// nonce makes a repeated post register once (PROT-3).
func (s *Server) officePaperPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireOfficeStaff(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	perr := r.ParseForm()
	f := r.PostForm
	pv := &paperView{CF: codicefiscale.Normalize(f.Get("cf")), Received: strings.TrimSpace(f.Get("ricevuta_il")), Found: true,
		Sv: newCBTScreenView("paper", cbt.Draft{})}
	if perr != nil || codicefiscale.Validate(pv.CF) != nil {
		pv.Found = false
		s.renderPaper(w, r, http.StatusBadRequest, a, pv, []FieldError{{"cf", s.cat.T(lang, "form.err.unreadable")}})
		return
	}
	// The fields, screen by screen, as the citizen's screens read them.
	var pageErrs []FieldError
	for _, screen := range paperScreens {
		pv.Sv.Screen = screen
		pageErrs = append(pageErrs, pv.Sv.apply(f)...)
	}
	// A domicile chosen but left empty is named, not taken for the
	// residence: the address is tidied first, as the citizen's screen
	// does before the same check.
	pv.Sv.D.Domicile = pv.Sv.D.Domicile.Normalized()
	if pv.Sv.OtherDomicile && pv.Sv.D.Domicile == nil {
		pageErrs = append(pageErrs, FieldError{"indirizzo", "cbt.err.domicile"})
	}
	nonce, terr := s.tokens.check(f.Get(tokenField), "office:paper", s.tokens.binding(w, r), s.clock.Now())
	if terr != nil {
		key := "form.err.token"
		if errors.Is(terr, errTokenExpired) {
			key = "paper.err.expired"
		}
		s.renderPaper(w, r, http.StatusUnprocessableEntity, a, pv, []FieldError{{"registra", s.cat.T(lang, key)}})
		return
	}
	found := map[string]string{}
	received := ""
	if day, err := time.ParseInLocation("02/01/2006", pv.Received, clock.Rome); err == nil {
		received = day.Format("2006-01-02")
	} else {
		// The example is today (the services' day): never a day in the
		// future, which the registration refuses.
		found["ricevuta_il"] = s.cat.T(lang, "paper.err.received.today", s.clock.Now().In(clock.Rome).Format("02/01/2006"))
	}
	for _, e := range pageErrs {
		found[e.Field] = s.cat.T(lang, e.Message)
	}
	// Every screen's faults at once; the office is the staff's own.
	d := pv.Sv.D
	d.Year, d.Office = clock.YearInRome(s.clock.Now()), a.Scope
	for _, screen := range paperScreens {
		for _, e := range cbtFieldErrors(d.Check(screen, []string{a.Scope}, d.Year), cbtFields[screen]) {
			if _, taken := found[e.Field]; !taken {
				found[e.Field] = e.Message
			}
		}
	}
	var sub string
	if len(found) == 0 {
		out, err := s.db.Once(ctx, a.ID(), "form:"+nonce, "cartacea", func(tx *store.Tx) (string, error) {
			app, err := s.apps.WithTx(tx).RegisterPaper(ctx, a, pv.CF, received, d)
			return app.Number, err
		})
		var ae *apperr.Error
		switch {
		case err == nil:
			sub = out.Response
		case errors.As(err, &ae) && len(ae.Fields) > 0:
			for k, m := range ae.Fields {
				found[k] = m
			}
		case apperr.Is(err, apperr.Conflict):
			found["registra"] = ae.Message
		case apperr.Is(err, apperr.NotFound):
			found["cf"] = s.cat.T(lang, "paper.err.unknown")
		default:
			s.cbtError(w, r, err)
			return
		}
	}
	if sub != "" {
		s.setFlash(w, "flash.paper.done")
		http.Redirect(w, r, "/ufficio/domande/"+url.PathEscape(sub), http.StatusSeeOther)
		return
	}
	var errs []FieldError
	for _, k := range append(paperFields, "registra") {
		if m, ok := found[k]; ok {
			errs = append(errs, FieldError{k, m})
		}
	}
	for k, m := range found {
		if !containsField(errs, k) {
			errs = append(errs, FieldError{"registra", m})
		}
	}
	s.renderPaper(w, r, http.StatusUnprocessableEntity, a, pv, errs)
}

func containsField(errs []FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}
