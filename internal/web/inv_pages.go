package web

import (
	"bytes"
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
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
)

// The civil-invalidity application (issue 9; INV-1…INV-8, AG-2): the
// service menu, the six parts of inv.Parts, the summary whose INVIA sends
// only a complete application (INV-3), the receipt as a page and a PDF
// (INV-6), "Le mie domande" with each application's state and history
// (INV-8, ST-1), and the change of the visit's date (AG-2). As for spa
// treatments, a citizen applies for themselves and an intermediary or a
// contact-centre operator inside an acting-for session (CH-1); each POST
// saves the draft whatever its state (nothing typed is lost).

const invBase = "/invalidita-civile"

// invFields are each part's fields in page order.
var invFields = map[string][]string{
	"anagrafica":     {"con_tutore", "tutore_cf", "tutore_nome", "tutore_cognome", "tutore_qualita"},
	"recapiti":       {"domicilio", "indirizzo", "cap", "comune", "provincia", "email", "telefono"},
	"richiesta":      {"richiesta", "accertamenti"},
	"documentazione": {"certificato", "verbale_data", "verbale_numero", "verbale_organo", "verbale_percento"},
	"uffici":         {"ufficio", "asl"},
	"riepilogo":      {"dichiarazione"},
}

func (s *Server) invRoutes(mux *http.ServeMux) {
	if s.invs == nil {
		return
	}
	mux.HandleFunc("GET "+invBase, s.invMenu)
	mux.HandleFunc("GET "+invBase+"/domanda/{part}", s.invPart)
	mux.HandleFunc("POST "+invBase+"/domanda/{part}", s.invPartPost)
	mux.HandleFunc("GET "+invBase+"/domande", s.invList)
	mux.HandleFunc("GET "+invBase+"/domande/{number}", s.invApplication)
	mux.HandleFunc("GET "+invBase+"/domande/{number}/ricevuta", s.invReceipt)
	mux.HandleFunc("GET "+invBase+"/domande/{number}/ricevuta.pdf", s.invReceiptPDF)
	mux.HandleFunc("GET "+invBase+"/domande/{number}/visita", s.invChange)
	mux.HandleFunc("POST "+invBase+"/domande/{number}/visita", s.invChangePost)
}

func invPartURL(part string) string { return invBase + "/domanda/" + part }

func invCrumbs(v *View) []Crumb {
	return []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("inv.menu.title"), URL: invBase}}
}

// invApplicant lets in whoever may apply; anyone else sees "not found".
func (s *Server) invApplicant(w http.ResponseWriter, r *http.Request) (identity.Actor, string, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, "", false
	}
	cf := a.Subject()
	if cf == "" || identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindApplication, Subject: cf}) != nil {
		s.notFound(w, r)
		return a, "", false
	}
	return a, cf, s.mandateCovers(w, r, a, "inv")
}

// invInProgress finds the person's application in progress, if any.
func (s *Server) invInProgress(r *http.Request, cf string) (*store.Application, error) {
	app, found, err := s.db.InvalidityInProgress(r.Context(), cf)
	if !found || err != nil {
		return nil, err
	}
	return &app, nil
}

type invMenuView struct {
	HasDraft    bool
	Reached     string
	ReachedName string
	InProgress  *store.Application
}

func (s *Server) invMenu(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	d, has, err := s.invs.LoadDraft(r.Context(), a)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	mv := &invMenuView{HasDraft: has, Reached: inv.Parts[0]}
	if slices.Contains(inv.Parts, d.Reached) {
		mv.Reached = d.Reached
	}
	if mv.InProgress, err = s.invInProgress(r, cf); err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "inv.menu.title", mv)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	mv.ReachedName = v.T("inv.part." + mv.Reached)
	s.render(w, r, http.StatusOK, "inv-menu", v)
}

// invPartView is every part's data.
type invPartView struct {
	form
	stepHeader
	Part string
	D    inv.Draft
	Ap   inv.Applicant
	Born string
	// As typed, also when not applied to the draft.
	OtherDomicile bool
	Domicile      inv.Address
	Guardian      inv.Guardian
	ReportDate    string // dd/mm/yyyy
	Report        inv.Report
	Percent       string
	// Choices.
	Requests    []cbtOption
	Assessments []cbtOption
	Relations   []cbtOption
	// Summary.
	OfficeName, ASLName, RequestName, AssessmentNames string
	Missing                                           []cbtProblem
	// Problems are INVIA's faults, each linked to the field on its part's
	// page (or on this one).
	Problems []cbtProblem
}

func newInvPartView(part string, d inv.Draft) *invPartView {
	pv := &invPartView{stepHeader: stepHeader{Base: invBase + "/domanda"}, Part: part, D: d, OtherDomicile: d.Domicile != nil}
	if d.Domicile != nil {
		pv.Domicile = *d.Domicile
	}
	if d.Guardian != nil {
		pv.Guardian = *d.Guardian
	}
	if d.Report != nil {
		pv.Report = *d.Report
		pv.ReportDate = clock.Day(d.Report.Date)
		if d.Report.Percent != 0 {
			pv.Percent = strconv.Itoa(d.Report.Percent)
		}
	}
	return pv
}

// apply copies a part's fields from the form into the draft; it returns
// the faults only the page can see, as catalogue keys.
func (pv *invPartView) apply(f url.Values) []FieldError {
	var errs []FieldError
	d := &pv.D
	switch pv.Part {
	case "anagrafica":
		d.HasGuardian = f.Get("con_tutore") == "1"
		pv.Guardian = inv.Guardian{FiscalCode: f.Get("tutore_cf"), GivenName: f.Get("tutore_nome"), FamilyName: f.Get("tutore_cognome"), Relation: f.Get("tutore_qualita")}
		d.Guardian = nil
		if d.HasGuardian {
			g := pv.Guardian
			d.Guardian = &g
		}
	case "recapiti":
		pv.OtherDomicile, pv.Domicile, d.Domicile = domicileForm(f)
		if pv.OtherDomicile && d.Domicile.Normalized() == nil {
			errs = append(errs, FieldError{"indirizzo", "inv.err.domicile"})
		}
		d.Email, d.Phone = f.Get("email"), f.Get("telefono")
	case "richiesta":
		d.Request, d.Assessments = f.Get("richiesta"), f["accertamenti"]
	case "documentazione":
		d.Certificate = f.Get("certificato")
		pv.ReportDate, pv.Percent = strings.TrimSpace(f.Get("verbale_data")), strings.TrimSpace(f.Get("verbale_percento"))
		pv.Report = inv.Report{Number: f.Get("verbale_numero"), Body: f.Get("verbale_organo")}
		rp := pv.Report
		if pv.ReportDate != "" {
			if t, err := time.ParseInLocation("02/01/2006", pv.ReportDate, clock.Rome); err == nil {
				rp.Date = t.Format("2006-01-02")
			} else {
				// Kept as typed, so that the page shows it again; the
				// part's check refuses it as a malformed date.
				rp.Date = pv.ReportDate
			}
		}
		if pv.Percent != "" {
			n, err := strconv.Atoi(pv.Percent)
			if err != nil || len(pv.Percent) > 3 {
				errs = append(errs, FieldError{"verbale_percento", "inv.err.percent"})
			}
			rp.Percent = n
		}
		d.Report = &rp
	case "uffici":
		d.Office, d.ASL = f.Get("ufficio"), f.Get("asl")
	case "riepilogo":
		d.Declared = f.Get("dichiarazione") == "1"
	}
	return errs
}

func (s *Server) renderInvPart(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, pv *invPartView, errs []FieldError) {
	ctx := r.Context()
	v := s.view(r, "inv.menu.title", nil)
	v.Crumbs = invCrumbs(v)
	pv.set(v, inv.Parts, pv.Part, "inv.part.", "inv.part.title", invBase, "inv.menu.title")
	ap, err := s.invs.Context(ctx, a, pv.D.Domicile)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	pv.Ap, pv.Born = ap, clock.Day(ap.Person.BirthDate)
	for _, q := range inv.Requests {
		pv.Requests = append(pv.Requests, cbtOption{Code: q, Name: v.T("inv.request." + q)})
	}
	for _, as := range inv.Assessments {
		pv.Assessments = append(pv.Assessments, cbtOption{Code: as, Name: v.T("cert.purpose." + as)})
	}
	for _, rel := range inv.Relations {
		pv.Relations = append(pv.Relations, cbtOption{Code: rel, Name: v.T("inv.relation." + rel)})
	}
	if pv.Part == "riepilogo" {
		pv.OfficeName, pv.ASLName = officeName(ap.Offices, pv.D.Office), officeName(ap.ASLs, pv.D.ASL)
		if pv.D.Request != "" {
			pv.RequestName = v.T("inv.request." + pv.D.Request)
		}
		var names []string
		for _, as := range pv.D.Assessments {
			names = append(names, v.T("cert.purpose."+as))
		}
		pv.AssessmentNames = strings.Join(names, "; ")
		// What is still missing, part by part, listed before INVIA (the
		// declaration is asked on this very page).
		d := pv.D
		where, err := d.CheckAll(s.invs.FactsFor(ap))
		named := map[string]bool{}
		for _, e := range errs {
			named[e.Field] = true
		}
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for _, p := range inv.Parts {
				for _, f := range invFields[p] {
					if m, ok := ae.Fields[f]; ok && where[f] == p && f != "dichiarazione" {
						pv.Missing = append(pv.Missing, cbtProblem{URL: invPartURL(p) + "#" + f, Message: m, Screen: v.T("inv.part." + p)})
						if len(errs) > 0 && !named[f] {
							errs = append(errs, FieldError{f, m})
						}
					}
				}
			}
		}
	}
	switch pv.Part {
	case "anagrafica", "recapiti", "riepilogo": // the pages that show the registry's data (AUD-1)
		if err := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "person.read",
			Subject: "person:" + ap.Person.FiscalCode, Detail: `{"page":"invalidita-civile/` + pv.Part + `"}`}); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	pv.form = s.form(w, r, v, "inv:"+pv.Part, errs)
	if pv.Part == "riepilogo" {
		part := map[string]string{}
		for _, p := range inv.Parts {
			for _, f := range invFields[p] {
				part[f] = p
			}
		}
		for _, e := range errs {
			u := "#" + e.Field
			if p := part[e.Field]; p != "" && p != "riepilogo" {
				u = invPartURL(p) + u
			}
			pv.Problems = append(pv.Problems, cbtProblem{URL: u, Message: e.Message})
		}
	}
	v.Data = pv
	s.render(w, r, status, "inv-"+pv.Part, v)
}

// invDraft returns the draft to work on, or answers the request itself
// when an application is already in progress.
func (s *Server) invDraft(w http.ResponseWriter, r *http.Request, a identity.Actor, cf string) (inv.Draft, bool) {
	d, _, err := s.invs.LoadDraft(r.Context(), a)
	if err != nil {
		s.cbtError(w, r, err)
		return d, false
	}
	app, err := s.invInProgress(r, cf)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	if app != nil {
		s.setFlash(w, "flash.inv.already")
		http.Redirect(w, r, invBase+"/domande/"+app.Number, http.StatusSeeOther)
		return d, false
	}
	return d, true
}

func (s *Server) invPart(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	part := r.PathValue("part")
	if !slices.Contains(inv.Parts, part) {
		s.notFound(w, r)
		return
	}
	d, ok := s.invDraft(w, r, a, cf)
	if !ok {
		return
	}
	s.renderInvPart(w, r, http.StatusOK, a, newInvPartView(part, d), nil)
}

// invPartPost saves a part and moves on when it is right; the summary's
// POST is INVIA.
func (s *Server) invPartPost(w http.ResponseWriter, r *http.Request) {
	a, cf, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	part := r.PathValue("part")
	i := slices.Index(inv.Parts, part)
	if i < 0 {
		s.notFound(w, r)
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	perr := r.ParseForm()
	d, ok := s.invDraft(w, r, a, cf)
	if !ok {
		return
	}
	pv := newInvPartView(part, d)
	first := invFields[part][0]
	if perr != nil {
		s.renderInvPart(w, r, http.StatusBadRequest, a, pv, []FieldError{{first, s.cat.T(lang, "form.err.unreadable")}})
		return
	}
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "inv:"+part, s.tokens.binding(w, r), s.clock.Now())
	expired := errors.Is(terr, errTokenExpired)
	pageErrs := pv.apply(r.PostForm)
	if terr != nil && !expired {
		s.renderInvPart(w, r, http.StatusForbidden, a, pv, []FieldError{{first, s.cat.T(lang, "form.err.token")}})
		return
	}
	ap, err := s.invs.Context(ctx, a, pv.D.Domicile)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	checkErr := pv.D.Check(part, s.invs.FactsFor(ap))
	if checkErr != nil && !apperr.Is(checkErr, apperr.Invalid) {
		s.cbtError(w, r, checkErr)
		return
	}
	found := map[string]string{}
	for _, e := range cbtFieldErrors(checkErr, invFields[part]) {
		found[e.Field] = e.Message
	}
	for _, e := range pageErrs {
		found[e.Field] = s.cat.T(lang, e.Message)
	}
	var errs []FieldError
	for _, f := range invFields[part] {
		if m, ok := found[f]; ok {
			errs = append(errs, FieldError{f, m})
		}
	}
	reached := part
	if len(errs) == 0 && !expired && i+1 < len(inv.Parts) {
		reached = inv.Parts[i+1]
	}
	if slices.Index(inv.Parts, reached) > slices.Index(inv.Parts, pv.D.Reached) {
		pv.D.Reached = reached
	}
	if err := s.invs.SaveDraft(ctx, a, pv.D); err != nil {
		s.cbtError(w, r, err)
		return
	}
	if expired {
		pv.Expired = true
		s.renderInvPart(w, r, http.StatusUnprocessableEntity, a, pv, append([]FieldError{{first, s.cat.T(lang, "form.err.expired")}}, errs...))
		return
	}
	if len(errs) > 0 {
		s.renderInvPart(w, r, http.StatusUnprocessableEntity, a, pv, errs)
		return
	}
	if part != "riepilogo" {
		http.Redirect(w, r, invPartURL(inv.Parts[i+1]), http.StatusSeeOther)
		return
	}
	// INVIA (INV-3): sent only when complete; the form's nonce makes a
	// repeated post send once (PROT-3).
	prep, err := s.invs.Prepare(ctx, a, pv.D)
	var out store.Outcome
	if err == nil {
		out, err = s.db.Once(ctx, a.ID(), "form:"+nonce, "inv-invia", func(tx *store.Tx) (string, error) {
			sub, err := s.invs.WithTx(tx).Register(ctx, prep)
			return sub.Number, err
		})
	}
	if err == nil {
		http.Redirect(w, r, invBase+"/domande/"+out.Response+"/ricevuta", http.StatusSeeOther)
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		s.cbtError(w, r, err)
		return
	}
	if ae.Code == apperr.Conflict {
		if app, _ := s.invInProgress(r, cf); app != nil {
			s.setFlash(w, "flash.inv.already")
			http.Redirect(w, r, invBase+"/domande/"+app.Number, http.StatusSeeOther)
			return
		}
	}
	var all []string
	for _, p := range inv.Parts {
		all = append(all, invFields[p]...)
	}
	errs = cbtFieldErrors(err, all)
	if len(errs) == 0 {
		errs = []FieldError{{"invia", ae.Message}}
	}
	s.renderInvPart(w, r, http.StatusUnprocessableEntity, a, pv, errs)
}

type invListView struct {
	Rows  []store.Application
	Pager Pager
}

func (s *Server) invList(w http.ResponseWriter, r *http.Request) {
	_, cf, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	const perPage = 20
	page, err := strconv.Atoi(r.URL.Query().Get("pagina"))
	if err != nil || page < 1 || page > 500_000 {
		page = 1
	}
	apps, total, err := s.db.FindApplications(r.Context(), store.ApplicationFilter{Applicant: cf, Kind: inv.Kind, Limit: perPage, Offset: (page - 1) * perPage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	lv := &invListView{Rows: apps, Pager: Pager{Page: page, Pages: (total + perPage - 1) / perPage, Total: total, Base: invBase + "/domande"}}
	v := s.view(r, "inv.list.title", lv)
	v.Crumbs = invCrumbs(v)
	s.render(w, r, http.StatusOK, "inv-list", v)
}

// invAppView is an application's page and its receipt page.
type invAppView struct {
	F                     inv.Filed
	OfficeName, ASLName   string
	Assessments, Request  string
	Visit                 *store.Visit
	VisitWhen, VisitPlace string
	History               []cbtEvent
	Change                inv.Change
}

func (s *Server) invFiled(w http.ResponseWriter, r *http.Request) (identity.Actor, *View, *invAppView, bool) {
	a, _, ok := s.invApplicant(w, r)
	if !ok {
		return a, nil, nil, false
	}
	f, err := s.invs.Application(r.Context(), a, r.PathValue("number"))
	if err != nil {
		s.cbtError(w, r, err)
		return a, nil, nil, false
	}
	av := &invAppView{F: f, OfficeName: s.officeName(f.Office), ASLName: s.officeName(f.Record.Draft.ASL), Visit: f.CurrentVisit()}
	v := s.view(r, "inv.app.title", av)
	v.Title = v.T("inv.app.title", f.Number)
	v.Crumbs = append(invCrumbs(v), Crumb{Label: v.T("inv.list.title"), URL: invBase + "/domande"})
	var names []string
	for _, as := range f.Record.Draft.Assessments {
		names = append(names, v.T("cert.purpose."+as))
	}
	av.Assessments, av.Request = strings.Join(names, "; "), v.T("inv.request."+f.Record.Draft.Request)
	if av.Visit != nil {
		t := av.Visit.Slot.StartsAt.In(clock.Rome)
		av.VisitWhen, av.VisitPlace = v.T("inv.visit.when", t.Format("02/01/2006"), t.Format("15:04")), av.Visit.Slot.Place+" – "+av.Visit.Slot.Commission
	}
	for _, e := range f.History {
		av.History = append(av.History, cbtEvent{When: e.At, Label: v.T("event." + e.Kind)})
	}
	return a, v, av, true
}

func (s *Server) invApplication(w http.ResponseWriter, r *http.Request) {
	a, v, av, ok := s.invFiled(w, r)
	if !ok {
		return
	}
	ch, err := s.invs.ChangeOptions(r.Context(), a, av.F.Number)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	av.Change = ch
	s.render(w, r, http.StatusOK, "inv-application", v)
}

// invReceipt is the receipt as a page (INV-6), where INVIA leads.
func (s *Server) invReceipt(w http.ResponseWriter, r *http.Request) {
	_, v, _, ok := s.invFiled(w, r)
	if !ok {
		return
	}
	v.Title = v.T("inv.receipt.title")
	s.render(w, r, http.StatusOK, "inv-receipt", v)
}

func (s *Server) invReceiptPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	// Acting for someone, only under a mandate that covers civil
	// invalidity (AUD-2), as on the application's pages.
	if a.ActingFor != "" && !s.mandateCovers(w, r, a, "inv") {
		return
	}
	number := r.PathValue("number")
	var buf bytes.Buffer
	err := s.invs.Receipt(r.Context(), a, number, &buf)
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="ricevuta-%s.pdf"`, url.PathEscape(strings.TrimSpace(number))))
	w.Write(buf.Bytes())
}

// invChangeView is the change of the visit's date (AG-2).
type invChangeView struct {
	form
	Number  string
	Current string
	Change  inv.Change
	Options []cbtOption
	Chosen  string
}

func (s *Server) renderInvChange(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, chosen string, errs []FieldError) {
	number := r.PathValue("number")
	ch, err := s.invs.ChangeOptions(r.Context(), a, number)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	cv := &invChangeView{Number: number, Change: ch, Chosen: chosen}
	v := s.view(r, "inv.change.title", cv)
	v.Crumbs = append(invCrumbs(v), Crumb{Label: v.T("inv.app.title", number), URL: invBase + "/domande/" + number})
	if ch.Visit != nil {
		t := ch.Visit.Slot.StartsAt.In(clock.Rome)
		cv.Current = v.T("inv.visit.when", t.Format("02/01/2006"), t.Format("15:04")) + ", " + ch.Visit.Slot.Place
	}
	for _, sl := range ch.Slots {
		t := sl.StartsAt.In(clock.Rome)
		cv.Options = append(cv.Options, cbtOption{Code: strconv.FormatInt(sl.ID, 10),
			Name: v.T("inv.visit.when", t.Format("02/01/2006"), t.Format("15:04")) + ", " + sl.Place})
	}
	cv.form = s.form(w, r, v, "inv:visita", errs)
	s.render(w, r, status, "inv-change", v)
}

func (s *Server) invChange(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	s.renderInvChange(w, r, http.StatusOK, a, "", nil)
}

func (s *Server) invChangePost(w http.ResponseWriter, r *http.Request) {
	a, _, ok := s.invApplicant(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	r.ParseForm()
	chosen := r.PostForm.Get("seduta")
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "inv:visita", s.tokens.binding(w, r), s.clock.Now())
	if terr != nil {
		key := "form.err.token"
		if errors.Is(terr, errTokenExpired) {
			key = "inv.change.expired"
		}
		s.renderInvChange(w, r, http.StatusUnprocessableEntity, a, chosen, []FieldError{{"seduta", s.cat.T(lang, key)}})
		return
	}
	id, err := strconv.ParseInt(chosen, 10, 64)
	if err != nil {
		s.renderInvChange(w, r, http.StatusUnprocessableEntity, a, chosen, []FieldError{{"seduta", s.cat.T(lang, "inv.change.choose")}})
		return
	}
	number := r.PathValue("number")
	_, err = s.db.Once(ctx, a.ID(), "form:"+nonce, "inv-visita", func(tx *store.Tx) (string, error) {
		v, err := s.invs.WithTx(tx).ChangeDate(ctx, a, number, id)
		return strconv.FormatInt(v.ID, 10), err
	})
	var ae *apperr.Error
	switch {
	case err == nil:
		s.setFlash(w, "flash.inv.moved")
		http.Redirect(w, r, invBase+"/domande/"+url.PathEscape(number), http.StatusSeeOther)
	case errors.As(err, &ae) && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict):
		msg := ae.Message
		if m := ae.Fields["seduta"]; m != "" {
			msg = m
		}
		s.renderInvChange(w, r, http.StatusUnprocessableEntity, a, chosen, []FieldError{{"seduta", msg}})
	default:
		s.cbtError(w, r, err)
	}
}
