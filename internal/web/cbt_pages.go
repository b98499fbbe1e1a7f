package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

// The citizen's spa-treatment application (issue 8; CBT-1…CBT-15): the
// service menu, the eight screens of cbt.Screens, "Le mie domande" and an
// application's page. A citizen applies for themselves; an intermediary
// or a contact-centre operator applies inside an acting-for session, for
// the citizen acted for (CH-1); the service's policy decides the rest and
// anybody else sees "not found".
//
// Each screen's POST saves the draft whether or not the screen is
// complete (CBT-11), so nothing typed is lost, and moves on only when it
// is; the draft remembers the furthest screen reached, where the menu
// resumes it, from any device. Drafts expire with the application window
// (31 October): the menu says so. CONFERMA is cbtConfirm.

// cbtFields are each screen's fields in page order: the error summary
// follows it.
var cbtFields = map[string][]string{
	"domicilio":  {"domicilio", "indirizzo", "cap", "comune", "provincia"},
	"contatti":   {"telefono", "cellulare", "email", "ufficio"},
	"precedenti": {"precedenti_corretti", "primo_anno", "concessioni_precedenti", "nota_correzione"},
	"domanda":    {"anno", "patologia", "cura"},
	"sanitari":   {"certificato", "asl"},
}

// cbtFieldScreen is the screen where a field is typed, for CONFERMA's
// errors.
var cbtFieldScreen = func() map[string]string {
	m := map[string]string{}
	for screen, fields := range cbtFields {
		for _, f := range fields {
			m[f] = screen
		}
	}
	return m
}()

// cbtAllFields are every screen's fields, in the order of the screens.
var cbtAllFields = func() []string {
	var out []string
	for _, s := range cbt.Screens {
		out = append(out, cbtFields[s]...)
	}
	return out
}()

// cbtRuleIDs are the rules whose outcome an application keeps (package
// rules), named on the applicant's page.
var cbtRuleIDs = []string{"CBT-14", "RULE-1", "RULE-2", "RULE-3", "RULE-4", "RULE-5", "RULE-6", "RULE-7", "RULE-8", "RULE-9", "RULE-10", "RULE-11"}

// cbtRoutes registers the citizen's spa-treatment application pages.
func (s *Server) cbtRoutes(mux *http.ServeMux) {
	if s.apps == nil {
		return
	}
	mux.HandleFunc("GET /cure-termali", s.cbtMenu)
	mux.HandleFunc("GET /cure-termali/domanda/{screen}", s.cbtScreen)
	mux.HandleFunc("POST /cure-termali/domanda/{screen}", s.cbtScreenPost)
	mux.HandleFunc("POST /cure-termali/domanda/riepilogo", s.cbtConfirm)
	mux.HandleFunc("GET /cure-termali/domande", s.cbtList)
	mux.HandleFunc("GET /cure-termali/domande/{number}", s.cbtApplication)
	mux.HandleFunc("GET /cure-termali/domande/{number}/conferma", s.cbtConfirmation)
	mux.HandleFunc("GET /cure-termali/domande/{number}/pdf/{doc}", s.cbtPDF)
}

// cbtApplicant lets in whoever may apply and returns whose application
// it is; anyone else sees "not found".
func (s *Server) cbtApplicant(w http.ResponseWriter, r *http.Request) (identity.Actor, string, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, "", false
	}
	cf := a.Subject()
	if cf == "" || identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindApplication, Subject: cf}) != nil {
		s.notFound(w, r)
		return a, "", false
	}
	return a, cf, s.mandateCovers(w, r, a, "cbt")
}

// mandateCovers answers the request itself, with the reason, when an
// intermediary acts for a citizen whose mandate does not cover this
// service (ID-5: a mandate names the services it is for).
func (s *Server) mandateCovers(w http.ResponseWriter, r *http.Request, a identity.Actor, service string) bool {
	if s.accounts == nil {
		return true
	}
	ok, err := s.accounts.Covers(r.Context(), a, service)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	if !ok {
		v := s.view(r, "mandate.service.title", nil)
		v.Data = struct{ Service string }{v.T("mandate.scope." + service)}
		v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
		s.render(w, r, http.StatusForbidden, "mandate-service", v)
	}
	return ok
}

// cbtError answers an error of the application service that is not about
// a field.
func (s *Server) cbtError(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}

// cbtExisting finds the person's application of a year, if any (one a
// year: RULE-9).
func (s *Server) cbtExisting(ctx context.Context, cf string, year int) (store.Application, bool, error) {
	apps, _, err := s.db.FindApplications(ctx, store.ApplicationFilter{Applicant: cf, Kind: cbt.Kind, Year: year, Limit: 10})
	if err != nil {
		return store.Application{}, false, err
	}
	for _, app := range apps {
		if app.State != store.AppAnnulled {
			return app, true, nil
		}
	}
	return store.Application{}, false, nil
}

func cbtStepOf(screen string) int { return slices.Index(cbt.Screens, screen) }

func cbtScreenURL(screen string) string { return "/cure-termali/domanda/" + screen }

func cbtCrumbs(v *View) []Crumb {
	return []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("cbt.menu.title"), URL: "/cure-termali"}}
}

// cbtMenuView is the service menu of CBT-1.
type cbtMenuView struct {
	Open        bool
	Closed      string // why applications are not accepted today
	Year        int
	HasDraft    bool
	Reached     string
	ReachedStep int
	ReachedName string
	Existing    *store.Application
}

func (s *Server) cbtMenu(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	d, has, err := s.apps.LoadDraft(r.Context(), a)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	mv := &cbtMenuView{Year: d.Year, HasDraft: has, Reached: cbt.Screens[0]}
	mv.Open, mv.Closed = s.apps.Open()
	if app, found, err := s.cbtExisting(r.Context(), cf, d.Year); err != nil {
		s.serverError(w, r, err)
		return
	} else if found {
		mv.Existing = &app
	}
	v := s.view(r, "cbt.menu.title", mv)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	if i := cbtStepOf(d.Reached); has && i >= 0 {
		mv.Reached = d.Reached
	}
	mv.ReachedStep, mv.ReachedName = cbtStepOf(mv.Reached)+1, v.T("cbt.screen."+mv.Reached)
	s.render(w, r, http.StatusOK, "cbt-menu", v)
}

// cbtClosed shows why applications are not accepted (CBT-14); nothing is
// saved.
func (s *Server) cbtClosed(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := s.view(r, "cbt.closed.title", struct{ Message string }{msg})
	v.Crumbs = cbtCrumbs(v)
	s.render(w, r, status, "cbt-closed", v)
}

// cbtStep is an entry of the step indicator.
type cbtStep struct {
	N       int
	Screen  string
	Label   string
	Current bool
}

// stepHeader is what cbt-top shows above a step of an application's form:
// the step indicator, the back link and the step's title. Both
// applications' views embed it.
type stepHeader struct {
	Base      string // the steps' path
	Label     string
	Step      int
	Nav       []cbtStep
	Prev      string // the previous step (the menu for the first)
	PrevLabel string
	Expired   bool
}

// set fills the header for step current of steps, whose names are the
// catalogue keys prefix+step; titleKey formats the page's title, and the
// first step goes back to menu (named menuKey).
func (h *stepHeader) set(v *View, steps []string, current, prefix, titleKey, menu, menuKey string) {
	i := slices.Index(steps, current)
	h.Step, h.Label = i+1, v.T(prefix+current)
	v.Title = v.T(titleKey, h.Label, h.Step, len(steps))
	h.Nav = nil
	for j, st := range steps {
		h.Nav = append(h.Nav, cbtStep{N: j + 1, Screen: st, Label: v.T(prefix + st), Current: j == i})
	}
	h.Prev, h.PrevLabel = menu, v.T(menuKey)
	if i > 0 {
		h.Prev, h.PrevLabel = h.Base+"/"+steps[i-1], h.Nav[i-1].Label
	}
}

// domicileForm reads a form's domicile choice: whether another domicile
// than the residence was chosen, the address as typed (kept also when the
// residence is chosen), and the domicile the draft takes (nil for the
// residence).
func domicileForm(f url.Values) (bool, cbt.Address, *cbt.Address) {
	typed := cbt.Address{Street: f.Get("indirizzo"), Postcode: f.Get("cap"), Comune: f.Get("comune"), Province: f.Get("provincia")}
	if f.Get("domicilio") != "altro" {
		return false, typed, nil
	}
	d := typed
	return true, typed, &d
}

// cbtOption is a choice of a list, named in the page's language.
type cbtOption struct{ Code, Name string }

// cbtPathology is a pathology group and its cures, for the cascading menu
// (CBT-6).
type cbtPathology struct {
	Code  refdata.Pathology
	Name  string
	Cures []cbtOption
}

// cbtProblem is a fault named at CONFERMA or on the summary, with a link
// to the field on its screen.
type cbtProblem struct {
	URL, Message, Screen string
}

// cbtScreenView is the data of every screen: the draft, the registry
// data, and what a screen needs besides.
type cbtScreenView struct {
	form
	stepHeader
	Screen string
	D      cbt.Draft
	Ap     cbt.Applicant
	Born   string
	// Screen 2: the choice "different from the residence" and the address
	// as typed, kept also when the residence is chosen.
	OtherDomicile bool
	Domicile      cbt.Address
	// Screen 4: the correction's numbers as typed.
	FirstYear, Grants string
	// Screen 5.
	Pathologies []cbtPathology
	// Screens 7 and 8.
	Verdict *precheckResult
	// Screen 8: names of what the draft holds by code, what is missing
	// (before CONFERMA) and CONFERMA's faults.
	OfficeName, ASLName, PathologyName, CureName string
	Missing                                      []cbtProblem
	Problems                                     []cbtProblem
}

// newCBTScreenView prepares a screen showing the draft d.
func newCBTScreenView(screen string, d cbt.Draft) *cbtScreenView {
	sv := &cbtScreenView{stepHeader: stepHeader{Base: "/cure-termali/domanda"}, Screen: screen, D: d, OtherDomicile: d.Domicile != nil}
	if d.Domicile != nil {
		sv.Domicile = *d.Domicile
	}
	if d.FirstGrantYear != 0 {
		sv.FirstYear = strconv.Itoa(d.FirstGrantYear)
	}
	if d.Corrected {
		sv.Grants = strconv.Itoa(d.PreviousGrants)
	}
	return sv
}

// apply copies the screen's fields from the form into the draft and
// returns the faults only the page can see (numbers that are not numbers,
// a domicile chosen but not given), as catalogue keys.
func (sv *cbtScreenView) apply(f url.Values) []FieldError {
	var errs []FieldError
	d := &sv.D
	switch sv.Screen {
	case "domicilio":
		sv.OtherDomicile, sv.Domicile, d.Domicile = domicileForm(f)
	case "contatti":
		d.Phone, d.Mobile, d.Email, d.Office = f.Get("telefono"), f.Get("cellulare"), f.Get("email"), f.Get("ufficio")
	case "precedenti":
		d.Corrected = f.Get("precedenti_corretti") == "1"
		d.FirstGrantYear, d.PreviousGrants, d.CorrectionNotes = 0, 0, ""
		sv.FirstYear, sv.Grants = strings.TrimSpace(f.Get("primo_anno")), strings.TrimSpace(f.Get("concessioni_precedenti"))
		if d.Corrected {
			// Without the tick the correction fields are not part of the
			// application, whatever they hold.
			d.CorrectionNotes = f.Get("nota_correzione")
			if sv.FirstYear != "" {
				n, err := strconv.Atoi(sv.FirstYear)
				if err != nil || len(sv.FirstYear) > 4 {
					errs = append(errs, FieldError{"primo_anno", "cbt.err.year"})
				}
				d.FirstGrantYear = n
			}
			if sv.Grants != "" {
				n, err := strconv.Atoi(sv.Grants)
				if err != nil || len(sv.Grants) > 3 {
					errs = append(errs, FieldError{"concessioni_precedenti", "cbt.err.number"})
				}
				d.PreviousGrants = n
			}
		}
	case "domanda":
		d.Pathology, d.Cure = refdata.Pathology(f.Get("patologia")), f.Get("cura")
	case "sanitari":
		d.Certificate, d.ASL = f.Get("certificato"), f.Get("asl")
	}
	return errs
}

func officeCodes(os []refdata.Office) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Code)
	}
	return out
}

func officeName(os []refdata.Office, code string) string {
	for _, o := range os {
		if o.Code == code {
			return o.Name
		}
	}
	return code
}

// cbtPathologies returns the cascading menu in the page's language.
func cbtPathologies(lang i18n.Lang) []cbtPathology {
	var out []cbtPathology
	for _, p := range refdata.Pathologies {
		cp := cbtPathology{Code: p.Code, Name: p.Name}
		if lang == i18n.EN {
			cp.Name = p.NameEN
		}
		for _, c := range refdata.CuresFor(p.Code) {
			name := c.Name
			if lang == i18n.EN {
				name = c.NameEN
			}
			cp.Cures = append(cp.Cures, cbtOption{Code: c.Code, Name: name})
		}
		out = append(out, cp)
	}
	return out
}

// cbtFieldErrors turns the service's field problems into the page's, in
// page order.
func cbtFieldErrors(err error, order []string) []FieldError {
	errs, _ := fieldErrors(err, order)
	return errs
}

// renderCBTScreen renders a screen with the registry data its draft's
// address gives. Every screen is audited (AUD-1).
func (s *Server) renderCBTScreen(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, sv *cbtScreenView, errs []FieldError) {
	ctx := r.Context()
	lang := LangFrom(ctx)
	v := s.view(r, "cbt.menu.title", nil)
	v.Crumbs = cbtCrumbs(v)
	sv.set(v, cbt.Screens, sv.Screen, "cbt.screen.", "cbt.screen.title", "/cure-termali", "cbt.menu.title")
	ap, err := s.apps.Context(ctx, a, sv.D.Domicile)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	sv.Ap, sv.Born = ap, clock.Day(ap.Person.BirthDate)
	switch sv.Screen {
	case "domanda":
		sv.Pathologies = cbtPathologies(lang)
	case "requisiti", "riepilogo":
		verdict, err := s.apps.Requirements(ctx, a, sv.D)
		if err != nil {
			s.cbtError(w, r, err)
			return
		}
		sv.Verdict = &precheckResult{verdict}
	}
	if sv.Screen == "riepilogo" {
		sv.OfficeName, sv.ASLName = officeName(ap.Offices, sv.D.Office), officeName(ap.ASLs, sv.D.ASL)
		for _, p := range cbtPathologies(lang) {
			if p.Code == sv.D.Pathology {
				sv.PathologyName = p.Name
			}
			for _, c := range p.Cures {
				if c.Code == sv.D.Cure {
					sv.CureName = c.Name
				}
			}
		}
		// What the draft still misses, screen by screen: listed before
		// CONFERMA is pressed, and added to the faults CONFERMA names (it
		// stops at the first screen with one) or to a fault of the page
		// itself (its token).
		var missing []FieldError
		var where []cbtProblem
		for _, screen := range cbt.Screens {
			d := sv.D
			for _, e := range cbtFieldErrors(d.Check(screen, officeCodes(ap.Offices), d.Year), cbtFields[screen]) {
				missing = append(missing, e)
				where = append(where, cbtProblem{URL: cbtScreenURL(screen) + "#" + e.Field, Message: e.Message, Screen: v.T("cbt.screen." + screen)})
			}
		}
		if len(errs) == 0 {
			sv.Missing = where
		} else {
			if len(sv.Problems) == 0 {
				for _, e := range errs {
					sv.Problems = append(sv.Problems, cbtProblem{URL: "#" + e.Field, Message: e.Message})
				}
			}
			named := map[string]bool{}
			for _, e := range errs {
				named[e.Field] = true
			}
			for i, e := range missing {
				if !named[e.Field] {
					errs = append(errs, e)
					sv.Problems = append(sv.Problems, where[i])
				}
			}
		}
	}
	// Every screen reads the person's registry record and shows the
	// draft, which holds health data (pathology, certificate): each
	// showing is audited (AUD-1).
	if err := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "person.read",
		Subject: "person:" + ap.Person.FiscalCode, Detail: `{"page":"cure-termali/` + sv.Screen + `"}`}); err != nil {
		s.serverError(w, r, err)
		return
	}
	sv.form = s.form(w, r, v, "cbt:"+sv.Screen, errs)
	v.Data = sv
	s.render(w, r, status, "cbt-"+sv.Screen, v)
}

// cbtDraft returns the draft to work on, or answers the request itself:
// applications closed (CBT-14), or the year's application already sent
// (RULE-9), which it shows.
func (s *Server) cbtDraft(w http.ResponseWriter, r *http.Request, a identity.Actor, cf string, closedStatus int) (cbt.Draft, bool) {
	if open, msg := s.apps.Open(); !open {
		s.cbtClosed(w, r, closedStatus, msg)
		return cbt.Draft{}, false
	}
	d, _, err := s.apps.LoadDraft(r.Context(), a)
	if err != nil {
		s.cbtError(w, r, err)
		return d, false
	}
	app, found, err := s.cbtExisting(r.Context(), cf, d.Year)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	if found {
		s.setFlash(w, "flash.cbt.already")
		http.Redirect(w, r, "/cure-termali/domande/"+app.Number, http.StatusSeeOther)
		return d, false
	}
	return d, true
}

// cbtFirstField is where a problem with the whole page (its token) points.
func cbtFirstField(screen string) string {
	switch screen {
	case "riepilogo":
		return "conferma"
	case "anagrafica", "requisiti":
		return "continua"
	}
	return cbtFields[screen][0]
}

func (s *Server) cbtScreen(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	screen := r.PathValue("screen")
	if cbtStepOf(screen) < 0 {
		s.notFound(w, r)
		return
	}
	d, ok := s.cbtDraft(w, r, a, cf, http.StatusOK)
	if !ok {
		return
	}
	s.renderCBTScreen(w, r, http.StatusOK, a, newCBTScreenView(screen, d), nil)
}

// cbtScreenPost saves a screen (CBT-2…CBT-8). The draft is saved in every
// case — complete or not, and also from a page whose token has expired —
// with the furthest screen reached; then the page names the faults, or
// the next screen follows.
func (s *Server) cbtScreenPost(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	screen := r.PathValue("screen")
	i := cbtStepOf(screen)
	if i < 0 {
		s.notFound(w, r)
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	perr := r.ParseForm()
	d, ok := s.cbtDraft(w, r, a, cf, http.StatusConflict)
	if !ok {
		return
	}
	sv := newCBTScreenView(screen, d)
	if perr != nil {
		s.renderCBTScreen(w, r, http.StatusBadRequest, a, sv, []FieldError{{cbtFirstField(screen), s.cat.T(lang, "form.err.unreadable")}})
		return
	}
	_, terr := s.tokens.check(r.PostForm.Get(tokenField), "cbt:"+screen, s.tokens.binding(w, r), s.clock.Now())
	expired := errors.Is(terr, errTokenExpired)
	pageErrs := sv.apply(r.PostForm)
	if terr != nil && !expired {
		// Not this site's page: nothing is saved.
		s.renderCBTScreen(w, r, http.StatusForbidden, a, sv, []FieldError{{cbtFirstField(screen), s.cat.T(lang, "form.err.token")}})
		return
	}
	var proposed []string
	if screen == "contatti" {
		ap, err := s.apps.Context(ctx, a, sv.D.Domicile)
		if err != nil {
			s.cbtError(w, r, err)
			return
		}
		proposed = officeCodes(ap.Offices)
	}
	// The screen is checked first only to know how far the citizen got:
	// the draft is saved whatever the outcome.
	checkErr := sv.D.Check(screen, proposed, sv.D.Year)
	if checkErr != nil && !apperr.Is(checkErr, apperr.Invalid) {
		s.cbtError(w, r, checkErr)
		return
	}
	if screen == "domicilio" && sv.OtherDomicile && sv.D.Domicile == nil {
		pageErrs = append(pageErrs, FieldError{"indirizzo", "cbt.err.domicile"})
	}
	found := map[string]string{}
	for _, e := range cbtFieldErrors(checkErr, cbtFields[screen]) {
		found[e.Field] = e.Message
	}
	for _, e := range pageErrs {
		if _, taken := found[e.Field]; !taken {
			found[e.Field] = s.cat.T(lang, e.Message)
		}
	}
	var errs []FieldError
	for _, f := range cbtFields[screen] {
		if m, ok := found[f]; ok {
			errs = append(errs, FieldError{f, m})
		}
	}
	reached := screen
	if len(errs) == 0 && !expired && i+1 < len(cbt.Screens) {
		reached = cbt.Screens[i+1]
	}
	if cbtStepOf(reached) > cbtStepOf(sv.D.Reached) {
		sv.D.Reached = reached
	}
	switch err := s.apps.SaveDraft(ctx, a, sv.D); {
	case apperr.Is(err, apperr.Conflict):
		// The window closed while the page was open.
		if open, msg := s.apps.Open(); !open {
			s.cbtClosed(w, r, http.StatusConflict, msg)
			return
		}
		s.serverError(w, r, err)
		return
	case err != nil:
		s.cbtError(w, r, err)
		return
	}
	if expired {
		sv.Expired = true
		s.renderCBTScreen(w, r, http.StatusUnprocessableEntity, a, sv,
			append([]FieldError{{cbtFirstField(screen), s.cat.T(lang, "form.err.expired")}}, errs...))
		return
	}
	if len(errs) > 0 {
		s.renderCBTScreen(w, r, http.StatusUnprocessableEntity, a, sv, errs)
		return
	}
	http.Redirect(w, r, cbtScreenURL(cbt.Screens[i+1]), http.StatusSeeOther)
}

// cbtConfirm is CONFERMA (CBT-12): the draft becomes an application with
// its protocol number, handed to the competent office (CBT-13), even with
// requirements missing (CBT-10).
//
// A double submission acts once (PROT-3): the form token's nonce is the
// key of DB.Once, and the service confirms inside its transaction
// (WithTx), so the application and the stored answer commit together and
// a repeated post gets the first number. A CONFERMA from another page (a
// second tab, the same citizen and an operator at once) finds no draft or
// meets one-a-year (RULE-9) and is answered with the application already
// registered.
func (s *Server) cbtConfirm(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "cbt:riepilogo", s.tokens.binding(w, r), s.clock.Now())
	if open, msg := s.apps.Open(); !open {
		s.cbtClosed(w, r, http.StatusConflict, msg)
		return
	}
	d, has, err := s.apps.LoadDraft(ctx, a)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	sent := func() bool {
		app, found, err := s.cbtExisting(ctx, cf, d.Year)
		if err != nil {
			s.serverError(w, r, err)
			return true
		}
		if found {
			s.setFlash(w, "flash.cbt.already")
			http.Redirect(w, r, "/cure-termali/domande/"+app.Number, http.StatusSeeOther)
		}
		return found
	}
	if sent() {
		return
	}
	if !has {
		http.Redirect(w, r, cbtScreenURL(cbt.Screens[0]), http.StatusSeeOther)
		return
	}
	sv := newCBTScreenView("riepilogo", d)
	if terr != nil {
		key, status := "form.err.token", http.StatusForbidden
		if errors.Is(terr, errTokenExpired) {
			key, status = "cbt.err.expired", http.StatusUnprocessableEntity
		}
		s.renderCBTScreen(w, r, status, a, sv, []FieldError{{"conferma", s.cat.T(lang, key)}})
		return
	}
	// The reads and checks first, then the writes in the idempotent
	// transaction.
	prep, err := s.apps.Prepare(ctx, a, d)
	var out store.Outcome
	if err == nil {
		out, err = s.db.Once(ctx, a.ID(), "form:"+nonce, "cbt-conferma", func(tx *store.Tx) (string, error) {
			sub, err := s.apps.WithTx(tx).Register(ctx, prep)
			return sub.Number, err
		})
	}
	if err == nil {
		http.Redirect(w, r, "/cure-termali/domande/"+out.Response+"/conferma", http.StatusSeeOther)
		return
	}
	if apperr.Is(err, apperr.Conflict) {
		if sent() {
			return
		}
		if open, msg := s.apps.Open(); !open {
			s.cbtClosed(w, r, http.StatusConflict, msg)
			return
		}
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		s.cbtError(w, r, err)
		return
	}
	// Refused: each fault is linked to the screen that holds its field.
	errs := cbtFieldErrors(err, cbtAllFields)
	for _, e := range errs {
		screen := cbtFieldScreen[e.Field]
		sv.Problems = append(sv.Problems, cbtProblem{URL: cbtScreenURL(screen) + "#" + e.Field, Message: e.Message,
			Screen: s.cat.T(lang, "cbt.screen."+screen)})
	}
	if len(errs) == 0 {
		errs = []FieldError{{"conferma", ae.Message}}
		sv.Problems = []cbtProblem{{URL: "#conferma", Message: ae.Message}}
	}
	s.renderCBTScreen(w, r, http.StatusUnprocessableEntity, a, sv, errs)
}

// cbtListView is "Le mie domande" (CBT-1).
type cbtListView struct {
	Rows  []cbtRow
	Pager Pager
	Year  int
}

type cbtRow struct {
	store.Application
	OfficeName string
}

func (s *Server) cbtList(w http.ResponseWriter, r *http.Request) {
	_, cf, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	const perPage = 20
	page, err := strconv.Atoi(r.URL.Query().Get("pagina"))
	if err != nil || page < 1 || page > 500_000 {
		page = 1
	}
	apps, total, err := s.db.FindApplications(r.Context(), store.ApplicationFilter{Applicant: cf, Kind: cbt.Kind, Limit: perPage, Offset: (page - 1) * perPage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	lv := &cbtListView{Pager: Pager{Page: page, Pages: (total + perPage - 1) / perPage, Total: total, Base: "/cure-termali/domande"}}
	for _, app := range apps {
		lv.Rows = append(lv.Rows, cbtRow{Application: app, OfficeName: s.officeName(app.Office)})
	}
	v := s.view(r, "cbt.list.title", lv)
	v.Crumbs = cbtCrumbs(v)
	s.render(w, r, http.StatusOK, "cbt-list", v)
}

// officeName names an office or health authority by its code.
func (s *Server) officeName(code string) string {
	if o, ok := s.offices.ByCode(code); ok {
		return o.Name
	}
	return code
}

// cbtApplicationView is an application's page for its applicant, and its
// confirmation page just after CONFERMA.
type cbtApplicationView struct {
	A                        store.Application
	Record                   cbt.Record
	OfficeName, ASLName      string
	PathologyName, CureName  string
	Failed, Unknown, History []cbtEvent
	Docs                     []string
	Contacts                 string
}

// cbtEvent is a dated line of the history, or a rule's name.
type cbtEvent struct {
	When  time.Time
	Label string
}

// cbtApplication is an application's page: its data, the requirements'
// outcome, the documents and the dated history (ST-1).
func (s *Server) cbtApplication(w http.ResponseWriter, r *http.Request) {
	s.renderCBTApplication(w, r, "cbt-application")
}

// cbtConfirmation is the page CONFERMA leads to: the protocol number, what
// happens next and the two documents (CBT-12).
func (s *Server) cbtConfirmation(w http.ResponseWriter, r *http.Request) {
	s.renderCBTApplication(w, r, "cbt-confirmation")
}

func (s *Server) renderCBTApplication(w http.ResponseWriter, r *http.Request, page string) {
	a, _, ok := s.cbtApplicant(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f, err := s.apps.Application(ctx, a, r.PathValue("number"))
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	events, err := s.db.CaseHistory(ctx, "application", f.Number)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	av := &cbtApplicationView{A: f.Application, Record: f.Record, OfficeName: s.officeName(f.Office), Docs: cbt.Docs}
	v := s.view(r, "cbt.app.title", av)
	v.Title = v.T("cbt.app.title", f.Number)
	v.Crumbs = append(cbtCrumbs(v), Crumb{Label: v.T("cbt.list.title"), URL: "/cure-termali/domande"})
	if page == "cbt-confirmation" {
		v.Title = v.T("cbt.done.title")
	}
	d := av.Record.Draft
	av.ASLName = s.officeName(d.ASL)
	av.Contacts = strings.Join(slices.DeleteFunc([]string{d.Phone, d.Mobile, d.Email}, func(c string) bool { return c == "" }), ", ")
	for _, p := range cbtPathologies(v.Lang) {
		if p.Code == d.Pathology {
			av.PathologyName = p.Name
		}
		for _, c := range p.Cures {
			if c.Code == d.Cure {
				av.CureName = c.Name
			}
		}
	}
	rule := func(id string) cbtEvent {
		if slices.Contains(cbtRuleIDs, id) {
			return cbtEvent{Label: v.T("cbt.rule." + id)}
		}
		return cbtEvent{Label: id}
	}
	for _, id := range av.Record.Failed {
		av.Failed = append(av.Failed, rule(id))
	}
	for _, id := range av.Record.Unknown {
		av.Unknown = append(av.Unknown, rule(id))
	}
	for _, e := range events {
		av.History = append(av.History, cbtEvent{When: e.At, Label: v.T("event." + e.Kind)})
	}
	s.render(w, r, http.StatusOK, page, v)
}

// cbtPDF serves the receipt or the pre-filled application (CBT-12, DOC-1)
// to whoever may read the application; reading it is audited.
func (s *Server) cbtPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	number, doc := r.PathValue("number"), strings.TrimSuffix(r.PathValue("doc"), ".pdf")
	var buf bytes.Buffer
	err := s.apps.Document(r.Context(), a, number, doc, &buf)
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
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
