package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
)

// The pattern pages (/esempi) put every reusable pattern to work on one
// small, real flow — a request to be contacted — so that the browser tests
// and axe check them end to end: question page with field errors and an
// error summary, drafts saved on every step, check your answers with change
// links, submission protected by a form token (CSRF and double submission),
// registration with a protocol number, confirmation panel, status
// timeline, paginated table and flash messages. They are mounted only on
// demo installations.

const (
	exampleForm    = "esempio"
	exampleKind    = "esempio"
	exampleDraftTT = 7 * 24 * time.Hour
)

// exampleAnswers is the draft of the example form.
type exampleAnswers struct {
	Name    string `json:"nome"`
	Email   string `json:"email"`
	Born    string `json:"nascita"`
	Topic   string `json:"argomento"`
	Message string `json:"messaggio"`
}

var exampleTopics = []string{"cure-termali", "invalidita-civile"}

// validate returns one message key per wrong field, in page order.
func (a exampleAnswers) validate(now time.Time) []FieldError {
	var errs []FieldError
	switch {
	case strings.TrimSpace(a.Name) == "":
		errs = append(errs, FieldError{"nome", "example.err.name.missing"})
	case utf8.RuneCountInString(a.Name) > 100:
		errs = append(errs, FieldError{"nome", "example.err.name.long"})
	}
	if strings.TrimSpace(a.Email) == "" {
		errs = append(errs, FieldError{"email", "example.err.email.missing"})
	} else if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != strings.TrimSpace(a.Email) || !strings.Contains(addr.Address[strings.LastIndex(addr.Address, "@")+1:], ".") {
		errs = append(errs, FieldError{"email", "example.err.email.format"})
	}
	if strings.TrimSpace(a.Born) == "" {
		errs = append(errs, FieldError{"nascita", "example.err.born.missing"})
	} else if d, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(a.Born), clock.Rome); err != nil {
		errs = append(errs, FieldError{"nascita", "example.err.born.format"})
	} else if today := now.In(clock.Rome); d.After(today) || d.Year() < 1900 {
		errs = append(errs, FieldError{"nascita", "example.err.born.range"})
	}
	ok := false
	for _, t := range exampleTopics {
		ok = ok || a.Topic == t
	}
	if !ok {
		errs = append(errs, FieldError{"argomento-cure-termali", "example.err.topic"})
	}
	if utf8.RuneCountInString(a.Message) > 1000 {
		errs = append(errs, FieldError{"messaggio", "example.err.message.long"})
	}
	return errs
}

// exampleFormView is the question page's data.
type exampleFormView struct {
	form
	A       exampleAnswers
	FormID  string
	Topics  []string
	Expired bool
}

func (s *Server) actor(w http.ResponseWriter, r *http.Request) string {
	return browserActor(s.tokens.binding(w, r))
}

func (s *Server) loadAnswers(ctx context.Context, owner string) (exampleAnswers, bool) {
	var a exampleAnswers
	d, err := s.db.FindDraft(ctx, owner, exampleForm)
	if err != nil {
		return a, false
	}
	return a, json.Unmarshal([]byte(d.Data), &a) == nil
}

func (s *Server) examplesIndex(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "examples.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	s.render(w, r, http.StatusOK, "examples", v)
}

func (s *Server) renderExampleForm(w http.ResponseWriter, r *http.Request, status int, a exampleAnswers, errs []FieldError, expired bool) {
	v := s.view(r, "example.form.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("examples.title"), URL: "/esempi"}}
	fv := &exampleFormView{A: a, FormID: "esempio-domanda", Topics: exampleTopics, Expired: expired}
	for i := range errs {
		errs[i].Message = v.T(errs[i].Message) // catalogue keys to text
	}
	fv.form = s.form(w, r, v, fv.FormID, errs)
	v.SessionExpires = s.clock.Now().Add(s.tokens.ttl).UTC().Truncate(time.Second).Format(time.RFC3339)
	v.Data = fv
	s.render(w, r, status, "example-form", v)
}

func (s *Server) exampleForm(w http.ResponseWriter, r *http.Request) {
	a, _ := s.loadAnswers(r.Context(), s.actor(w, r))
	s.renderExampleForm(w, r, http.StatusOK, a, nil, false)
}

func (s *Server) exampleFormPost(w http.ResponseWriter, r *http.Request) {
	owner := s.actor(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderExampleForm(w, r, http.StatusBadRequest, exampleAnswers{}, []FieldError{{"nome", "form.err.unreadable"}}, false)
		return
	}
	a := exampleAnswers{
		Name: strings.TrimSpace(r.PostForm.Get("nome")), Email: strings.TrimSpace(r.PostForm.Get("email")),
		Born: strings.TrimSpace(r.PostForm.Get("nascita")), Topic: r.PostForm.Get("argomento"),
		Message: strings.TrimSpace(r.PostForm.Get("messaggio")),
	}
	_, terr := s.tokens.check(r.PostForm.Get(tokenField), "esempio-domanda", s.tokens.binding(w, r), s.clock.Now())
	switch {
	case errors.Is(terr, errTokenExpired):
		// Keep everything typed; a fresh token comes with the page.
		s.saveAnswers(r.Context(), owner, a)
		s.renderExampleForm(w, r, http.StatusUnprocessableEntity, a, []FieldError{{"nome", "form.err.expired"}}, true)
		return
	case terr != nil:
		s.renderExampleForm(w, r, http.StatusForbidden, a, []FieldError{{"nome", "form.err.token"}}, false)
		return
	}
	// Drafts are saved on every step, valid or not.
	if err := s.saveAnswers(r.Context(), owner, a); err != nil {
		s.serverError(w, r, err)
		return
	}
	if errs := a.validate(s.clock.Now()); len(errs) > 0 {
		s.renderExampleForm(w, r, http.StatusUnprocessableEntity, a, errs, false)
		return
	}
	http.Redirect(w, r, "/esempi/riepilogo", http.StatusSeeOther)
}

func (s *Server) saveAnswers(ctx context.Context, owner string, a exampleAnswers) error {
	b, _ := json.Marshal(a)
	_, err := s.db.SaveDraft(ctx, owner, exampleForm, string(b), exampleDraftTT)
	return err
}

// exampleCheckView is the check-your-answers page's data.
type exampleCheckView struct {
	A      exampleAnswers
	Token  string
	FormID string
}

func (s *Server) exampleCheck(w http.ResponseWriter, r *http.Request) {
	a, ok := s.loadAnswers(r.Context(), s.actor(w, r))
	if !ok || len(a.validate(s.clock.Now())) > 0 {
		http.Redirect(w, r, "/esempi/domanda", http.StatusSeeOther)
		return
	}
	v := s.view(r, "example.check.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("examples.title"), URL: "/esempi"}}
	cv := &exampleCheckView{A: a, FormID: "esempio-invia"}
	token, exp := s.tokens.issue(cv.FormID, s.tokens.binding(w, r), s.clock.Now())
	cv.Token = token
	v.SessionExpires = exp.UTC().Format(time.RFC3339)
	v.Data = cv
	s.render(w, r, http.StatusOK, "example-check", v)
}

func (s *Server) exampleSubmit(w http.ResponseWriter, r *http.Request) {
	owner := s.actor(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	nonce, terr := s.tokens.check(r.PostForm.Get(tokenField), "esempio-invia", s.tokens.binding(w, r), s.clock.Now())
	if terr != nil {
		s.setFlash(w, "flash.token")
		http.Redirect(w, r, "/esempi/riepilogo", http.StatusSeeOther)
		return
	}
	lang := LangFrom(r.Context())
	// The token's nonce is the idempotency key: a double click or a retry
	// returns the first submission's number instead of registering twice.
	out, err := s.db.Once(r.Context(), owner, "form:"+nonce, "esempio-invia", func(tx *store.Tx) (string, error) {
		// Taken (read and deleted) inside the transaction: two tabs
		// submitting the same draft register it once.
		d, err := tx.TakeDraft(r.Context(), owner, exampleForm)
		if err != nil {
			return "", err
		}
		var a exampleAnswers
		if json.Unmarshal([]byte(d.Data), &a) != nil || len(a.validate(tx.Now())) > 0 {
			return "", apperr.New(apperr.Invalid, "draft incomplete")
		}
		reg, err := tx.Register(r.Context(), protocol.NewRegistration{Register: protocol.General, Kind: exampleKind,
			Subject: s.cat.T(lang, "example.subject"), Payload: d.Data, Actor: owner, Channel: history.ChannelWeb})
		if err != nil {
			return "", err
		}
		caseID := strconv.FormatInt(reg.ID, 10)
		if _, err := tx.AppendEvent(r.Context(), history.Event{CaseKind: "registration", CaseID: caseID, Kind: "submitted",
			Actor: owner, Channel: history.ChannelWeb, Payload: fmt.Sprintf(`{"number":%q}`, reg.Number)}); err != nil {
			return "", err
		}
		if err := tx.Audit(audit.Entry{Actor: owner, Channel: history.ChannelWeb, Action: "registration.create",
			Subject: "registration:" + caseID, Detail: fmt.Sprintf(`{"number":%q}`, reg.Number)}); err != nil {
			return "", err
		}
		return reg.Number.String(), nil
	})
	switch {
	case apperr.Is(err, apperr.NotFound), apperr.Is(err, apperr.Invalid):
		http.Redirect(w, r, "/esempi/domanda", http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.example.sent")
	http.Redirect(w, r, "/esempi/conferma/"+out.Response, http.StatusSeeOther)
}

// ownExample finds an example registration of this browser; anybody
// else's is "not found" (AUD-2: nobody sees what is not theirs).
func (s *Server) ownExample(w http.ResponseWriter, r *http.Request) (protocol.Registration, bool) {
	n, err := protocol.ParseNumber(r.PathValue("number"))
	if err != nil {
		return protocol.Registration{}, false
	}
	reg, err := s.db.FindRegistrationByNumber(r.Context(), protocol.General, n)
	if err != nil || reg.Kind != exampleKind || reg.Actor != s.actor(w, r) {
		return protocol.Registration{}, false
	}
	return reg, true
}

func (s *Server) exampleConfirm(w http.ResponseWriter, r *http.Request) {
	reg, ok := s.ownExample(w, r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := s.view(r, "example.confirm.title", reg)
	s.render(w, r, http.StatusOK, "example-confirm", v)
}

// timelineStep is one step of a status timeline: done steps have a date.
type timelineStep struct {
	Label   string
	When    time.Time
	Done    bool
	Current bool
}

func (s *Server) exampleStatus(w http.ResponseWriter, r *http.Request) {
	reg, ok := s.ownExample(w, r)
	if !ok {
		s.notFound(w, r)
		return
	}
	evs, err := s.db.CaseHistory(r.Context(), "registration", strconv.FormatInt(reg.ID, 10))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "example.status.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("examples.title"), URL: "/esempi"}, {Label: v.T("example.register.title"), URL: "/esempi/registro"}}
	var steps []timelineStep
	for _, e := range evs {
		steps = append(steps, timelineStep{Label: v.T("event." + e.Kind), When: e.At, Done: true})
	}
	if len(steps) > 0 {
		steps[len(steps)-1].Current = true
	}
	// What comes next, not yet done.
	steps = append(steps, timelineStep{Label: v.T("event.taken_over")}, timelineStep{Label: v.T("event.answered")})
	v.Data = struct {
		Reg   protocol.Registration
		Steps []timelineStep
	}{reg, steps}
	s.render(w, r, http.StatusOK, "example-status", v)
}

// Pager is the paginated-table pattern's data.
type Pager struct {
	Page, Pages, Total int
	Base               string // URL to which "?pagina=N" is added
	Query              string // other query parameters kept across pages (filters), encoded
}

// Prev and Next return neighbouring pages, 0 when there is none.
func (p Pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

func (p Pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// Numbers returns the page numbers to show.
func (p Pager) Numbers() []int {
	var out []int
	for i := max(1, p.Page-2); i <= min(p.Pages, p.Page+2); i++ {
		out = append(out, i)
	}
	return out
}

func (s *Server) exampleRegister(w http.ResponseWriter, r *http.Request) {
	const perPage = 10
	page, err := strconv.Atoi(r.URL.Query().Get("pagina"))
	if err != nil || page < 1 {
		page = 1
	}
	regs, total, err := s.db.FindRegistrations(r.Context(), store.RegistrationFilter{Register: protocol.General, Kind: exampleKind,
		Actor: s.actor(w, r), Limit: perPage, Offset: (page - 1) * perPage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pages := max(1, (total+perPage-1)/perPage)
	if page > pages {
		http.Redirect(w, r, fmt.Sprintf("/esempi/registro?pagina=%d", pages), http.StatusSeeOther)
		return
	}
	v := s.view(r, "example.register.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("examples.title"), URL: "/esempi"}}
	v.Data = struct {
		Regs  []protocol.Registration
		Pager Pager
	}{regs, Pager{Page: page, Pages: pages, Total: total, Base: "/esempi/registro"}}
	s.render(w, r, http.StatusOK, "example-register", v)
}
