package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
)

// The office's queue "Domande da istruire" (CBT-13): applications are
// handed to the competent office the moment they are confirmed; staff
// filter them and open each read-only (processing comes with a later
// issue). The policy lets in the office's own staff and medical centre,
// and the chief medical board.

// officeQueueRoutes registers the office's queue of applications.
func (s *Server) officeQueueRoutes(mux *http.ServeMux) {
	if s.apps == nil {
		return
	}
	mux.HandleFunc("GET /ufficio/domande", s.officeQueue)
	mux.HandleFunc("GET /ufficio/domande/{number}", s.officeApplication)
	mux.HandleFunc("GET /ufficio/domande/{number}/pdf/{doc}", s.cbtPDF)
	mux.HandleFunc("GET /ufficio/domande/{number}/ricevuta.pdf", s.invReceiptPDF)
	mux.HandleFunc("GET "+paperPath, s.officePaper)
	mux.HandleFunc("POST "+paperPath, s.officePaperPost)
}

// queueOffice is the office whose queue the actor sees: their own, or,
// for the chief medical board, the one asked for.
func queueOffice(a identity.Actor, asked string) string {
	if a.Role == identity.RoleChiefBoard {
		return asked
	}
	return a.Scope
}

type officeQueueView struct {
	Office  string
	Kind    string // "cbt" (spa treatments) or "inv" (civil invalidity)
	Year    int
	Flagged bool
	Rows    []store.Application
	Pager   Pager
}

func (s *Server) officeQueue(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	office := queueOffice(a, q.Get("ufficio"))
	if office == "" || identity.Can(a, identity.List, identity.Resource{Kind: identity.KindApplication, Office: office}) != nil {
		s.notFound(w, r)
		return
	}
	const perPage = 20
	ov := &officeQueueView{Office: office, Year: clock.YearInRome(s.clock.Now()), Flagged: q.Get("segnalate") == "1"}
	if y, err := strconv.Atoi(q.Get("anno")); err == nil && y >= 2000 && y <= 2100 {
		ov.Year = y
	}
	page, err := strconv.Atoi(q.Get("pagina"))
	if err != nil || page < 1 || page > 500_000 {
		page = 1
	}
	f := store.ApplicationFilter{Office: office, Kind: cbt.Kind, Year: ov.Year, State: store.AppSubmitted, Limit: perPage, Offset: (page - 1) * perPage}
	ov.Kind = "cbt"
	if q.Get("tipo") == "inv" && s.invs != nil {
		// Civil invalidity: every state, the health phase included
		// (waiting for the visit, visited, lapsed).
		ov.Kind, f.Kind, f.State = "inv", inv.Kind, ""
	}
	if ov.Flagged {
		flagged := true
		f.Flagged = &flagged
	}
	rows, total, err := s.db.FindApplications(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	query := "tipo=" + ov.Kind + "&anno=" + strconv.Itoa(ov.Year)
	if ov.Flagged {
		query += "&segnalate=1"
	}
	if a.Role == identity.RoleChiefBoard {
		query += "&ufficio=" + office
	}
	ov.Rows, ov.Pager = rows, Pager{Page: page, Pages: (total + perPage - 1) / perPage, Total: total, Base: "/ufficio/domande", Query: query}
	v := s.view(r, "office.queue.title", ov)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	s.render(w, r, http.StatusOK, "office-queue", v)
}

type officeApplicationView struct {
	A       store.Application
	Record  cbt.Record
	History []history.Event
	Docs    []string
	// Names of what the record holds by code.
	PathologyName, CureName, ASLName string
}

func (s *Server) officeApplication(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	app, err := s.db.ApplicationByNumber(r.Context(), r.PathValue("number"))
	if apperr.Is(err, apperr.NotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindApplication, Office: app.Office, Subject: app.Applicant}) != nil ||
		a.ActingFor != "" || a.Role == identity.RoleCitizen {
		s.notFound(w, r) // the applicant has their own page
		return
	}
	if app.Kind == inv.Kind && s.invs != nil {
		s.officeInvApplication(w, r, a)
		return
	}
	reg, err := s.db.FindRegistrationByID(r.Context(), app.RegistrationID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ov := &officeApplicationView{A: app, Docs: cbt.Docs}
	if err := json.Unmarshal([]byte(reg.Payload), &ov.Record); err != nil {
		s.serverError(w, r, err)
		return
	}
	if ov.History, err = s.db.CaseHistory(r.Context(), "application", app.Number); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "application.read",
		Subject: "person:" + app.Applicant, Detail: `{"domanda":"` + app.Number + `"}`}); err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "office.application.title", ov)
	v.Title = v.T("office.application.title", app.Number)
	ov.ASLName = s.officeName(ov.Record.Draft.ASL)
	for _, p := range cbtPathologies(v.Lang) {
		if p.Code == ov.Record.Draft.Pathology {
			ov.PathologyName = p.Name
		}
		for _, c := range p.Cures {
			if c.Code == ov.Record.Draft.Cure {
				ov.CureName = c.Name
			}
		}
	}
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("office.queue.title"), URL: "/ufficio/domande"}}
	s.render(w, r, http.StatusOK, "office-queue-detail", v)
}

// officeInvApplication is a civil-invalidity application's page for the
// office: its content, state, visits and history (INV-8), read-only.
func (s *Server) officeInvApplication(w http.ResponseWriter, r *http.Request, a identity.Actor) {
	f, err := s.invs.Application(r.Context(), a, r.PathValue("number"))
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	av := &invAppView{F: f, OfficeName: s.officeName(f.Office), ASLName: s.officeName(f.Record.Draft.ASL), Visit: f.CurrentVisit()}
	v := s.view(r, "office.application.title", av)
	v.Title = v.T("inv.app.title", f.Number)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("office.queue.title"), URL: "/ufficio/domande?tipo=inv"}}
	var names []string
	for _, as := range f.Record.Draft.Assessments {
		names = append(names, v.T("cert.purpose."+as))
	}
	av.Assessments, av.Request = strings.Join(names, "; "), v.T("inv.request."+f.Record.Draft.Request)
	for _, e := range f.History {
		av.History = append(av.History, cbtEvent{When: e.At, Label: v.T("event." + e.Kind)})
	}
	s.render(w, r, http.StatusOK, "office-inv-detail", v)
}
