package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
)

// The health authority's pages (AG-1, AG-3): the agenda of visit slots,
// with a form to add one, and each slot's list of the people booked, where
// the commission's staff record who came. An absence brings a second
// summons; a second absence ends the application (inv.Service.RecordVisit).

func (s *Server) aslRoutes(mux *http.ServeMux) {
	if s.invs == nil {
		return
	}
	mux.HandleFunc("GET /asl/agenda", s.aslAgenda)
	mux.HandleFunc("POST /asl/agenda", s.aslAgendaPost)
	mux.HandleFunc("GET /asl/sedute/{id}", s.aslSlot)
	mux.HandleFunc("POST /asl/sedute/{id}", s.aslSlotPost)
}

// requireASL lets in the staff of a health authority.
func (s *Server) requireASL(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return a, false
	}
	if a.Role != identity.RoleASL || a.Scope == "" || a.ActingFor != "" {
		s.notFound(w, r)
		return a, false
	}
	return a, true
}

type aslAgendaView struct {
	form
	ASL   string
	From  string // dd/mm/yyyy: the agenda from that day (default today)
	Rows  []aslSlotRow
	Pager Pager
	// The new slot as typed.
	Day, Time, Place, Commission, Capacity string
	Home                                   bool
}

type aslSlotRow struct {
	store.Slot
	When string
}

func slotWhen(t time.Time) string { return t.In(clock.Rome).Format("02/01/2006 15:04") }

func (s *Server) renderASLAgenda(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, av *aslAgendaView, errs []FieldError) {
	const perPage = 30
	page, err := strconv.Atoi(r.URL.Query().Get("pagina"))
	if err != nil || page < 1 || page > 100_000 {
		page = 1
	}
	y, m, d := s.clock.Now().In(clock.Rome).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, clock.Rome)
	if t, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(r.URL.Query().Get("dal")), clock.Rome); err == nil && t.Year() >= 2000 && t.Year() <= 2100 {
		from = t // earlier sessions too: presence is recorded after the visit
	}
	av.From = from.Format("02/01/2006")
	rows, total, err := s.invs.Agenda(r.Context(), a, from, perPage, (page-1)*perPage)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	av.ASL, av.Rows, av.Pager = s.officeName(a.Scope), nil, Pager{Page: page, Pages: (total + perPage - 1) / perPage, Total: total, Base: "/asl/agenda",
		Query: "dal=" + url.QueryEscape(av.From)}
	for _, sl := range rows {
		av.Rows = append(av.Rows, aslSlotRow{Slot: sl, When: slotWhen(sl.StartsAt)})
	}
	v := s.view(r, "asl.agenda.title", av)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	av.form = s.form(w, r, v, "asl:seduta", errs)
	s.render(w, r, status, "asl-agenda", v)
}

func (s *Server) aslAgenda(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireASL(w, r)
	if !ok {
		return
	}
	s.renderASLAgenda(w, r, http.StatusOK, a, &aslAgendaView{Capacity: "4"}, nil)
}

// aslAgendaPost adds a slot; the form token's nonce adds it once.
func (s *Server) aslAgendaPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireASL(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	r.ParseForm()
	f := r.PostForm.Get
	av := &aslAgendaView{Day: strings.TrimSpace(f("giorno")), Time: strings.TrimSpace(f("ora")), Place: f("luogo"), Commission: f("commissione"),
		Capacity: strings.TrimSpace(f("posti")), Home: f("domiciliare") == "1"}
	nonce, terr := s.tokens.check(f(tokenField), "asl:seduta", s.tokens.binding(w, r), s.clock.Now())
	if terr != nil {
		key := "form.err.token"
		if errors.Is(terr, errTokenExpired) {
			key = "asl.err.expired"
		}
		s.renderASLAgenda(w, r, http.StatusUnprocessableEntity, a, av, []FieldError{{"giorno", s.cat.T(lang, key)}})
		return
	}
	n := inv.NewSlot{Time: av.Time, Place: av.Place, Commission: av.Commission, Home: av.Home}
	if day, err := time.ParseInLocation("02/01/2006", av.Day, clock.Rome); err == nil {
		n.Day = day.Format("2006-01-02")
	}
	n.Capacity, _ = strconv.Atoi(av.Capacity)
	_, err := s.db.Once(ctx, a.ID(), "form:"+nonce, "asl-seduta", func(tx *store.Tx) (string, error) {
		sl, err := s.invs.WithTx(tx).AddSlot(ctx, a, n)
		return strconv.FormatInt(sl.ID, 10), err
	})
	if errs, ok := fieldErrors(err, []string{"giorno", "ora", "luogo", "commissione", "posti"}); ok {
		s.renderASLAgenda(w, r, http.StatusUnprocessableEntity, a, av, errs)
		return
	}
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	s.setFlash(w, "flash.asl.slot")
	http.Redirect(w, r, "/asl/agenda", http.StatusSeeOther)
}

type aslSlotView struct {
	form
	Slot      store.Slot
	When      string
	Attendees []aslAttendee
	Started   bool
}

type aslAttendee struct {
	inv.Attendee
	Born string
}

func (s *Server) renderASLSlot(w http.ResponseWriter, r *http.Request, status int, a identity.Actor, errs []FieldError) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	sl, people, err := s.invs.SlotList(r.Context(), a, id)
	if err != nil {
		s.cbtError(w, r, err)
		return
	}
	sv := &aslSlotView{Slot: sl, When: slotWhen(sl.StartsAt), Started: !sl.StartsAt.After(s.clock.Now())}
	for _, p := range people {
		sv.Attendees = append(sv.Attendees, aslAttendee{Attendee: p, Born: clock.Day(p.Person.BirthDate)})
	}
	v := s.view(r, "asl.slot.title", sv)
	v.Title = v.T("asl.slot.title", sv.When)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("asl.agenda.title"), URL: "/asl/agenda"}}
	sv.form = s.form(w, r, v, "asl:presenze", errs)
	s.render(w, r, status, "asl-slot", v)
}

func (s *Server) aslSlot(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireASL(w, r)
	if !ok {
		return
	}
	s.renderASLSlot(w, r, http.StatusOK, a, nil)
}

// aslSlotPost records one person's presence or absence (AG-3).
func (s *Server) aslSlotPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireASL(w, r)
	if !ok {
		return
	}
	ctx, lang := r.Context(), LangFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	r.ParseForm()
	number, outcome := r.PostForm.Get("domanda"), r.PostForm.Get("esito")
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "asl:presenze", s.tokens.binding(w, r), s.clock.Now())
	if terr != nil {
		s.renderASLSlot(w, r, http.StatusUnprocessableEntity, a, []FieldError{{"presenze", s.cat.T(lang, "form.err.token")}})
		return
	}
	if outcome != "presente" && outcome != "assente" {
		s.renderASLSlot(w, r, http.StatusUnprocessableEntity, a, []FieldError{{"presenze", s.cat.T(lang, "asl.err.outcome")}})
		return
	}
	_, err := s.db.Once(ctx, a.ID(), "form:"+nonce+":"+number, "asl-presenza", func(tx *store.Tx) (string, error) {
		app, err := s.invs.WithTx(tx).RecordVisit(ctx, a, number, outcome == "presente")
		return app.State, err
	})
	var ae *apperr.Error
	switch {
	case err == nil:
		s.setFlash(w, "flash.asl.recorded")
		http.Redirect(w, r, "/asl/sedute/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	case errors.As(err, &ae) && (ae.Code == apperr.Conflict || ae.Code == apperr.NotFound):
		s.renderASLSlot(w, r, http.StatusUnprocessableEntity, a, []FieldError{{"presenze", ae.Message}})
	default:
		s.cbtError(w, r, err)
	}
}
