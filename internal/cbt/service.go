package cbt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
)

// Options configure the service.
type Options struct {
	Offices *refdata.Offices // nil: the embedded table
	Comuni  *comuni.Table    // resolves comune names to codes for the offices; nil: by province only
	Rules   *rules.Table     // nil: the embedded parameters
}

// Service runs the application: the applicant's context, drafts,
// requirements and CONFERMA. Everyone goes through the policy: the
// citizen for themselves, an intermediary or a contact-centre operator
// only inside an acting-for session (CH-1).
type Service struct {
	db    *store.DB
	clock clock.Clock
	opt   Options
}

// NewService returns the service.
func NewService(db *store.DB, clk clock.Clock, opt Options) *Service {
	if clk == nil {
		clk = clock.System{}
	}
	if opt.Offices == nil {
		opt.Offices = refdata.DefaultOffices()
	}
	return &Service{db: db, clock: clk, opt: opt}
}

// applicant is whose application it is: the citizen, or the citizen an
// operator acts for.
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

// Applicant is what the screens show from the registries: personal data
// (screen 1), the proposed offices and health authorities (screens 3 and
// 6), previous grants (screen 4), and the current employment (screen 7).
type Applicant struct {
	Person          identity.Person
	Offices         []refdata.Office
	ASLs            []refdata.Office
	FirstGrantYear  int
	PreviousGrants  int
	Activity        string
	Qualification   string
	Facts           registry.Facts
	ApplicationYear int
}

// Context reads the applicant's data for the screens; the domicile, when
// given, decides the offices (CBT-4).
func (s *Service) Context(ctx context.Context, a identity.Actor, domicile *Address) (Applicant, error) {
	cf, err := s.may(a, identity.Read)
	if err != nil {
		return Applicant{}, err
	}
	p, err := s.db.FindPerson(ctx, cf)
	if err != nil {
		return Applicant{}, err
	}
	facts, err := s.db.FactsOf(ctx, cf)
	if err != nil {
		return Applicant{}, err
	}
	now := s.clock.Now()
	out := Applicant{Person: p, Facts: facts, ApplicationYear: clock.YearInRome(now)}
	province, comuneName := p.Province, p.Municipality
	if domicile != nil {
		province, comuneName = domicile.Province, domicile.Comune
	}
	code := ""
	if s.opt.Comuni != nil {
		if pl, ok := s.opt.Comuni.Named(comuneName, province, now); ok {
			code = pl.Belfiore
		}
	}
	out.Offices = s.opt.Offices.ForPlace("sede", province, code)
	out.ASLs = s.opt.Offices.ForPlace("asl", province, code)
	for _, c := range facts.PastCycles {
		if c.Year < out.ApplicationYear {
			out.PreviousGrants++
			if out.FirstGrantYear == 0 || c.Year < out.FirstGrantYear {
				out.FirstGrantYear = c.Year
			}
		}
	}
	for _, e := range facts.Employments {
		if e.To == "" {
			out.Activity, out.Qualification = e.Activity, e.Qualification
		}
	}
	return out, nil
}

// codes returns the offices' codes.
func codes(os []refdata.Office) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Code)
	}
	return out
}

func draftForm(year int) string { return fmt.Sprintf("cbt:%d", year) }

// windowEnd is the end of the application window of a year, in Rome: a
// draft expires with it (the decision of issue 8: after 31 October an
// unsent application can no longer be sent, so its draft is not kept).
func (s *Service) windowEnd(year int) time.Time {
	end := time.Date(year, 10, 31, 0, 0, 0, 0, clock.Rome)
	if p, ok := s.table().For(year); ok {
		end = time.Date(year, p.WindowEnd, p.WindowEndDay, 0, 0, 0, 0, clock.Rome)
	}
	return end.AddDate(0, 0, 1)
}

func (s *Service) table() *rules.Table {
	if s.opt.Rules != nil {
		return s.opt.Rules
	}
	return rules.Default
}

// Open reports whether applications for this year are accepted today
// (CBT-14), with the Italian explanation when they are not.
func (s *Service) Open() (bool, string) {
	now := s.clock.Now()
	y := clock.YearInRome(now)
	if now.Before(s.windowEnd(y)) {
		return true, ""
	}
	return false, fmt.Sprintf("Le domande di cure termali per il %d si sono chiuse il 31 ottobre; dal 1° gennaio %d si potrà presentare la domanda per le cure del %d.", y, y+1, y+1)
}

// LoadDraft returns the applicant's draft of this year, and whether there
// is one.
func (s *Service) LoadDraft(ctx context.Context, a identity.Actor) (Draft, bool, error) {
	cf, err := s.may(a, identity.Read)
	if err != nil {
		return Draft{}, false, err
	}
	y := clock.YearInRome(s.clock.Now())
	row, err := s.db.FindDraft(ctx, "person:"+cf, draftForm(y))
	if apperr.Is(err, apperr.NotFound) {
		return Draft{Year: y}, false, nil
	}
	if err != nil {
		return Draft{}, false, err
	}
	var d Draft
	if err := json.Unmarshal([]byte(row.Data), &d); err != nil {
		return Draft{Year: y}, false, nil // an unreadable draft starts over
	}
	d.Year = y
	return d, true, nil
}

// SaveDraft saves the draft whatever its state (CBT-11): the same draft
// serves the citizen and whoever acts for them, from any device.
func (s *Service) SaveDraft(ctx context.Context, a identity.Actor, d Draft) error {
	cf, err := s.may(a, identity.Update)
	if err != nil {
		return err
	}
	if ok, msg := s.Open(); !ok {
		return apperr.New(apperr.Conflict, msg)
	}
	d.Normalize()
	d.Year = clock.YearInRome(s.clock.Now())
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = s.db.SaveDraft(ctx, "person:"+cf, draftForm(d.Year), string(b), s.windowEnd(d.Year).Sub(s.clock.Now()))
	return err
}

// Requirements evaluates the rules on the applicant's registry records and
// the pathology of the application (CBT-8), for an application today.
func (s *Service) Requirements(ctx context.Context, a identity.Actor, d Draft) (rules.Verdict, error) {
	ap, err := s.Context(ctx, a, d.Domicile)
	if err != nil {
		return rules.Verdict{}, err
	}
	return s.verdict(ap, d), nil
}

func (s *Service) verdict(ap Applicant, d Draft) rules.Verdict {
	birth, _ := time.Parse("2006-01-02", ap.Person.BirthDate)
	return rules.Evaluate(rules.FromRegistry(ap.Facts, birth, s.clock.Now(), d.Pathology), s.table())
}

// Submitted is a confirmed application with its requirements' outcome.
type Submitted struct {
	store.Application
	Verdict rules.Verdict
}

// Record is what the registration keeps: the draft as confirmed, the
// applicant's registry data, the requirements and the operator.
type Record struct {
	Version   int             `json:"versione"`
	Draft     Draft           `json:"domanda"`
	Person    identity.Person `json:"anagrafica"`
	Overall   string          `json:"esito_requisiti"`
	Failed    []string        `json:"requisiti_mancanti,omitempty"`
	Unknown   []string        `json:"requisiti_da_verificare,omitempty"`
	Corrected bool            `json:"precedenti_corretti,omitempty"`
}

// Confirm is CONFERMA (CBT-12): every screen checked, the certificate
// linked (it must be the applicant's spa-treatment certificate, sent, not
// annulled and not used), the application registered with its protocol
// number and handed to the competent office (CBT-13), all in one
// transaction. Missing requirements do not block it: they flag it
// (CBT-10). Callers make it idempotent (DB.Once with the form nonce or
// the Idempotency-Key).
func (s *Service) Confirm(ctx context.Context, a identity.Actor, d Draft) (Submitted, error) {
	cf, err := s.may(a, identity.Create)
	if err != nil {
		return Submitted{}, err
	}
	if ok, msg := s.Open(); !ok {
		return Submitted{}, apperr.New(apperr.Conflict, msg)
	}
	d.Year = clock.YearInRome(s.clock.Now())
	ap, err := s.Context(ctx, a, d.Domicile)
	if err != nil {
		return Submitted{}, err
	}
	if _, err := d.CheckAll(codes(ap.Offices), d.Year); err != nil {
		return Submitted{}, err
	}
	var aslOK bool
	for _, o := range ap.ASLs {
		aslOK = aslOK || o.Code == d.ASL
	}
	if !aslOK {
		return Submitted{}, &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.",
			Fields: map[string]string{"asl": "Scegliere l'azienda sanitaria tra quelle proposte per l'indirizzo."}}
	}
	v := s.verdict(ap, d)
	rec := Record{Version: 1, Draft: d, Person: ap.Person, Overall: v.Overall, Corrected: d.Corrected}
	for _, o := range v.Outcomes {
		switch o.Result {
		case rules.Fail:
			rec.Failed = append(rec.Failed, o.Rule)
		case rules.Unknown, rules.Approval:
			rec.Unknown = append(rec.Unknown, o.Rule)
		}
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return Submitted{}, err
	}
	app := store.Application{Kind: Kind, Applicant: cf, Year: d.Year, Office: d.Office, Channel: a.Channel,
		Certificate: d.Certificate, Flagged: v.Overall != rules.Entitled || d.Corrected}
	if a.ActingFor != "" {
		app.Operator = a.ID()
		if a.Role == identity.RoleIntermediary {
			app.Intermediary = a.Scope
		}
	}
	var out Submitted
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		sub, err := tx.SubmitApplication(ctx, app, "Domanda di cure balneotermali", string(payload))
		if err != nil {
			return err
		}
		if _, err := certificate.Link(ctx, tx, store.CertificateLink{Number: d.Certificate, Patient: cf, Kind: certificate.KindSpa,
			Application: sub.Number}, a.ID(), a.Channel); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: sub.Number, Kind: "submitted",
			Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel}); err != nil {
			return err
		}
		if err := tx.DeleteDraft(ctx, "person:"+cf, draftForm(d.Year)); err != nil {
			return err
		}
		out = Submitted{Application: sub, Verdict: v}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.submit",
			Subject: "person:" + cf, Detail: fmt.Sprintf(`{"domanda":%q,"flagged":%t}`, sub.Number, app.Flagged)})
	})
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Fields["certificato"] != "" {
		return Submitted{}, err // the certificate's refusal names its field
	}
	return out, err
}
