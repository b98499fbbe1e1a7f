package inv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

// Agenda sets the limits of the visit agenda (AG-1, AG-2).
type Agenda struct {
	// NoticeDays: a summons is booked at least this many days ahead, so
	// that it reaches the person (default 10).
	NoticeDays int
	// FastTrackDays: with cancer in progress the visit is within this
	// many days of the application (default 15, L. 80/2006 art. 6).
	FastTrackDays int
	// ChangeUntilDays: the date may be changed up to this many days
	// before the visit (default 2).
	ChangeUntilDays int
	// ChangeWithinDays: a new date is at most this many days after the
	// proposed one (default 60).
	ChangeWithinDays int
}

// Options configure the service.
type Options struct {
	Offices  *refdata.Offices // nil: the embedded table
	Comuni   *comuni.Table    // resolves comune names to codes for the offices
	Signer   *doctoken.Signer
	Verifier *doctoken.Verifier
	BaseURL  string
	Agency   string
	Agenda   Agenda
	// DraftTTL is how long an unsent draft is kept after its last change
	// (default 90 days: the life of the certificate it waits for).
	DraftTTL time.Duration
}

// Service runs the civil-invalidity application: context, drafts,
// sending, the visit agenda, and what the applicant and the ASL see.
type Service struct {
	db    *store.DB
	clock clock.Clock
	opt   Options
	tx    *store.Tx
}

// NewService returns the service.
func NewService(db *store.DB, clk clock.Clock, opt Options) *Service {
	if clk == nil {
		clk = clock.System{}
	}
	if opt.Offices == nil {
		opt.Offices = refdata.DefaultOffices()
	}
	if opt.Agency == "" {
		opt.Agency = "Istituto previdenziale"
	}
	if opt.DraftTTL <= 0 {
		opt.DraftTTL = 90 * 24 * time.Hour
	}
	a := &opt.Agenda
	for _, v := range []struct {
		p   *int
		def int
	}{{&a.NoticeDays, 10}, {&a.FastTrackDays, 15}, {&a.ChangeUntilDays, 2}, {&a.ChangeWithinDays, 60}} {
		if *v.p <= 0 {
			*v.p = v.def
		}
	}
	return &Service{db: db, clock: clk, opt: opt}
}

// WithTx returns the service with its writes inside tx, the caller's
// transaction (DB.Once with a form nonce or an Idempotency-Key).
func (s *Service) WithTx(tx *store.Tx) *Service {
	c := *s
	c.tx = tx
	return &c
}

func (s *Service) inTx(ctx context.Context, fn func(*store.Tx) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.db.InTx(ctx, fn)
}

func applicant(a identity.Actor) string {
	if a.ActingFor != "" {
		return a.ActingFor
	}
	return a.FiscalCode
}

func (s *Service) may(a identity.Actor, act identity.Action) (string, error) {
	cf := applicant(a)
	return cf, identity.Can(a, act, identity.Resource{Kind: identity.KindApplication, Subject: cf})
}

// Applicant is what the form shows from the registry and the reference
// tables.
type Applicant struct {
	Person  identity.Person
	Age     int
	Offices []refdata.Office
	ASLs    []refdata.Office
}

// AgeAt returns the whole years from birth (YYYY-MM-DD) to day; a birthday
// on 29 February falls on 28 February in other years.
func AgeAt(birth string, day time.Time) int {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return 0
	}
	y, m, d := day.Date()
	age := y - b.Year()
	bm, bd := b.Month(), b.Day()
	if bm == time.February && bd == 29 && !leap(y) {
		bd = 28
	}
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return age
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// Context reads the applicant's data; the temporary domicile, when given,
// decides the offices and the health authorities.
func (s *Service) Context(ctx context.Context, a identity.Actor, domicile *Address) (Applicant, error) {
	cf, err := s.may(a, identity.Read)
	if err != nil {
		return Applicant{}, err
	}
	return s.applicantContext(ctx, cf, domicile)
}

func (s *Service) applicantContext(ctx context.Context, cf string, domicile *Address) (Applicant, error) {
	p, err := s.db.FindPerson(ctx, cf)
	if err != nil {
		return Applicant{}, err
	}
	now := s.clock.Now().In(clock.Rome)
	out := Applicant{Person: p, Age: AgeAt(p.BirthDate, now)}
	if _, err := time.Parse("2006-01-02", p.BirthDate); err != nil {
		out.Age = -1 // unknown: no check by age is made
	}
	province, name := p.Province, p.Municipality
	if domicile != nil && domicile.Province != "" {
		province, name = domicile.Province, domicile.Comune
	}
	code := ""
	if s.opt.Comuni != nil {
		if pl, ok := s.opt.Comuni.Named(name, province, now); ok {
			code = pl.Belfiore
		}
	}
	out.Offices = s.opt.Offices.ForPlace("sede", province, code)
	out.ASLs = s.opt.Offices.ForPlace("asl", province, code)
	return out, nil
}

// Facts returns what the draft's checks need for this applicant.
func (s *Service) facts(ap Applicant) Facts {
	f := Facts{Applicant: ap.Person.FiscalCode, Age: ap.Age, Today: s.clock.Now().In(clock.Rome)}
	for _, o := range ap.Offices {
		f.Offices = append(f.Offices, o.Code)
	}
	for _, o := range ap.ASLs {
		f.ASLs = append(f.ASLs, o.Code)
	}
	return f
}

// FactsFor is facts for the pages, which check one part at a time.
func (s *Service) FactsFor(ap Applicant) Facts { return s.facts(ap) }

const draftForm = "inv"

// LoadDraft returns the applicant's draft, and whether there is one.
func (s *Service) LoadDraft(ctx context.Context, a identity.Actor) (Draft, bool, error) {
	cf, err := s.may(a, identity.Read)
	if err != nil {
		return Draft{}, false, err
	}
	row, err := s.db.FindDraft(ctx, "person:"+cf, draftForm)
	if apperr.Is(err, apperr.NotFound) {
		return Draft{}, false, nil
	}
	if err != nil {
		return Draft{}, false, err
	}
	var d Draft
	if err := json.Unmarshal([]byte(row.Data), &d); err != nil {
		return Draft{}, false, nil // an unreadable draft starts over
	}
	return d, true, nil
}

// SaveDraft saves the draft whatever its state; the save is audited under
// the applicant (AUD-1).
func (s *Service) SaveDraft(ctx context.Context, a identity.Actor, d Draft) error {
	cf, err := s.may(a, identity.Update)
	if err != nil {
		return err
	}
	d.Normalize()
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.SaveDraft(ctx, "person:"+cf, draftForm, string(b), s.opt.DraftTTL); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.draft.save",
			Subject: "person:" + cf, Detail: mustJSON(map[string]string{"bozza": draftForm, "schermata": d.Reached})})
	})
}

// Record is what the registration keeps, never changed: the application
// as sent, the registry data, what the certificate certified and the
// procedure it sets, the channel and the operator.
type Record struct {
	Version   int             `json:"versione"`
	Draft     Draft           `json:"domanda"`
	Person    identity.Person `json:"anagrafica"`
	Age       int             `json:"eta"`
	Certified []string        `json:"accertamenti_certificati,omitempty"`
	FastTrack bool            `json:"oncologico,omitempty"`         // L. 80/2006: visit within 15 days
	HomeVisit bool            `json:"visita_domiciliare,omitempty"` // not transportable
	Channel   string          `json:"canale,omitempty"`
	Operator  *cbt.Operator   `json:"operatore,omitempty"`
}

// Submitted is a sent application with its first visit, if the agenda had
// a date.
type Submitted struct {
	store.Application
	Visit *store.Visit
}

// Send sends a complete application (INV-3): every part checked at once,
// the certificate linked (INV-4, CERT-9) or the previous report kept
// (INV-5), the application registered with its protocol and Domus numbers
// (INV-6), and a visit booked in the agenda of the ASL (AG-1) — all in one
// transaction.
func (s *Service) Send(ctx context.Context, a identity.Actor, d Draft) (Submitted, error) {
	p, err := s.Prepare(ctx, a, d)
	if err != nil {
		return Submitted{}, err
	}
	return s.Register(ctx, p)
}

// Prepared is an application checked and ready to register: what Send
// read and decided, nothing written yet.
type Prepared struct {
	actor identity.Actor
	cf    string
	draft Draft
	rec   Record
	app   store.Application
}

// Prepare does Send's reads and checks — the applicant's context, every
// part, the certificate's content — and writes nothing, so that callers
// running Register in DB.Once hold the writer only for the writes.
func (s *Service) Prepare(ctx context.Context, a identity.Actor, d Draft) (Prepared, error) {
	cf, err := s.may(a, identity.Create)
	if err != nil {
		return Prepared{}, err
	}
	ap, err := s.applicantContext(ctx, cf, d.Domicile)
	if err != nil {
		return Prepared{}, err
	}
	f := s.facts(ap)
	if _, err := d.CheckAll(f); err != nil {
		return Prepared{}, err
	}
	d.Reached = ""
	rec := Record{Version: 1, Draft: d, Person: ap.Person, Age: ap.Age, Channel: a.Channel}
	app := store.Application{Kind: Kind, Applicant: cf, Year: clock.YearInRome(s.clock.Now()), Office: d.Office, Channel: a.Channel,
		Certificate: d.Certificate}
	if a.ActingFor != "" {
		app.Operator = a.ID()
		rec.Operator = &cbt.Operator{Role: string(a.Role), Name: a.Name, FiscalCode: a.FiscalCode, Organisation: a.Scope}
		if a.Role == identity.RoleIntermediary {
			app.Intermediary = a.Scope
		}
	}
	// What the certificate certified goes into the record: it is read
	// first (a sent certificate never changes); linking it, inside the
	// transaction, is what decides whether it may be used.
	if NeedsCertificate(d.Request) {
		if c, err := s.db.CertificateByNumber(ctx, d.Certificate); err == nil && c.Patient == cf && c.Kind == certificate.KindInvalidity {
			cr, err := certificate.RecordOf(ctx, s.db, c)
			if err != nil {
				return Prepared{}, err
			}
			if cr.Invalidity != nil {
				rec.Certified = cr.Invalidity.Purposes
				rec.FastTrack, rec.HomeVisit = cr.Invalidity.Oncological, cr.Invalidity.NotTransportable
			}
			var missing []string
			for _, x := range d.Assessments {
				if !slices.Contains(rec.Certified, x) {
					missing = append(missing, strings.ToLower(AssessmentLabels[x]))
				}
			}
			if len(missing) > 0 {
				return Prepared{}, &apperr.Error{Code: apperr.Invalid, Message: "La domanda non è completa: correggere i dati indicati.",
					Fields: map[string]string{"accertamenti": fmt.Sprintf("Il certificato n. %s non riguarda: %s. Togliere questi accertamenti o chiedere al medico un certificato che li comprenda.",
						d.Certificate, strings.Join(missing, ", "))}}
			}
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return Prepared{}, err
		}
	}
	return Prepared{actor: a, cf: cf, draft: d, rec: rec, app: app}, nil
}

// Register registers a prepared application (in the caller's transaction
// under WithTx): numbers, the certificate's link, events, the first visit
// and its summons, the audit entry; one in progress per person is decided
// here, by the database.
func (s *Service) Register(ctx context.Context, p Prepared) (Submitted, error) {
	if p.cf == "" {
		return Submitted{}, errors.New("inv: Register without Prepare")
	}
	a, cf, d, rec, app := p.actor, p.cf, p.draft, p.rec, p.app
	var out Submitted
	err := s.inTx(ctx, func(tx *store.Tx) error {
		payload, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		app.Flagged = rec.FastTrack
		sub, err := tx.SubmitApplication(ctx, app, "Domanda di accertamento sanitario – invalidità civile", string(payload))
		if err != nil {
			return err
		}
		if NeedsCertificate(d.Request) {
			if _, err := certificate.Link(ctx, tx, store.CertificateLink{Number: d.Certificate, Patient: cf, Kind: certificate.KindInvalidity,
				Application: sub.Number, At: s.clock.Now()}, a.ID(), a.Channel); err != nil {
				return err
			}
		}
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: sub.Number, Kind: "submitted",
			Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel}); err != nil {
			return err
		}
		out = Submitted{Application: sub}
		v, err := s.summon(ctx, tx, sub, 1, d.ASL, rec, a.ID())
		if err != nil {
			return err
		}
		out.Visit = v
		if err := tx.DeleteDraft(ctx, "person:"+cf, draftForm); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.submit",
			Subject: "person:" + cf, Detail: mustJSON(map[string]string{"domanda": sub.Number, "domus": sub.Domus})})
	})
	if err != nil {
		return Submitted{}, err
	}
	return out, nil
}

// summon books the earliest suitable slot for a summons (AG-1): at home
// for people who cannot be moved; within FastTrackDays with cancer in
// progress (L. 80/2006), or the earliest after that if the agenda has
// nothing sooner; otherwise from NoticeDays ahead. With no free date the
// application waits, and the event says the ASL will send the summons.
func (s *Service) summon(ctx context.Context, tx *store.Tx, app store.Application, summons int, asl string, rec Record, actor string) (*store.Visit, error) {
	number := app.Number
	today := startOfDay(s.clock.Now())
	b := store.Booking{Application: number, Summons: summons, ASL: asl, Home: rec.HomeVisit, Actor: actor,
		From: today.AddDate(0, 0, s.opt.Agenda.NoticeDays)}
	if rec.FastTrack {
		// The earliest date from tomorrow: the law's 15 days are a
		// deadline, and the ASL is told when its agenda cannot meet it.
		b.From = today.AddDate(0, 0, 1)
	}
	v, err := tx.BookEarliest(ctx, b)
	kind, payload := "visit_booked", ""
	switch {
	case errors.Is(err, store.ErrNoFreeSlot):
		kind = "visit_pending"
	case err != nil:
		return nil, err
	default:
		p := map[string]string{"seduta": fmt.Sprint(v.Slot.ID), "data": v.Slot.StartsAt.Format(time.RFC3339),
			"luogo": v.Slot.Place, "convocazione": fmt.Sprint(summons)}
		if rec.FastTrack && !v.Slot.StartsAt.Before(today.AddDate(0, 0, s.opt.Agenda.FastTrackDays+1)) {
			p["oltre_termine"] = fmt.Sprintf("L'agenda non ha date entro %d giorni: la visita oncologica supera il termine della legge 80/2006.", s.opt.Agenda.FastTrackDays)
		}
		payload = mustJSON(p)
	}
	if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: number, Kind: kind, Actor: actor,
		Channel: history.ChannelSystem, Payload: payload}); err != nil {
		return nil, err
	}
	if kind == "visit_pending" {
		return nil, nil
	}
	return &v, s.notice(ctx, tx, app, rec, NoticeSummons, &v, summons)
}

// startOfDay is midnight in Rome of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(clock.Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, clock.Rome)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings are passed
	}
	return string(b)
}
