package cbt

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
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/doctoken"
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
	// Signer and Verifier sign and check the QR codes of the receipt and
	// of the pre-filled application (DOC-1); without a Signer documents
	// cannot be printed.
	Signer   *doctoken.Signer
	Verifier *doctoken.Verifier
	// BaseURL is the public address printed in the QR codes (from the
	// configuration, never from a request).
	BaseURL string
	// Agency is printed on the documents.
	Agency string
	// PaperUntil is the last day (Rome) of the transition period in which
	// office staff register paper applications (CH-2); zero: none.
	PaperUntil time.Time
}

// Service runs the application: the applicant's context, drafts,
// requirements and CONFERMA. Everyone goes through the policy: the
// citizen for themselves, an intermediary or a contact-centre operator
// only inside an acting-for session (CH-1).
type Service struct {
	db    *store.DB
	clock clock.Clock
	opt   Options
	// tx, when set, is the caller's transaction: the writes join it
	// instead of running in their own (see WithTx).
	tx *store.Tx
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
	return &Service{db: db, clock: clk, opt: opt}
}

// WithTx returns the service with its writes inside tx, a transaction the
// caller owns and commits: pages and API run CONFERMA and the record of
// its response together (store.DB.Once, with the form's nonce or the
// Idempotency-Key), so a repeated confirmation finds the first answer. It
// serves SaveDraft, Confirm and RegisterPaper; the checks before a write
// still read through the database, outside tx. The returned service is for
// the duration of tx only.
func (s *Service) WithTx(tx *store.Tx) *Service {
	c := *s
	c.tx = tx
	return &c
}

// inTx runs fn in the caller's transaction (WithTx) or in a new one.
func (s *Service) inTx(ctx context.Context, fn func(*store.Tx) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.db.InTx(ctx, fn)
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
	return s.applicantContext(ctx, cf, domicile)
}

// applicantContext is Context once the policy has let the caller in.
func (s *Service) applicantContext(ctx context.Context, cf string, domicile *Address) (Applicant, error) {
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
	// The draft is the person's data: its saving is audited under them
	// (AUD-1), with the screen reached, never the content.
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.SaveDraft(ctx, "person:"+cf, draftForm(d.Year), string(b), s.windowEnd(d.Year).Sub(s.clock.Now())); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.draft.save",
			Subject: "person:" + cf, Detail: mustJSON(map[string]string{"bozza": draftForm(d.Year), "schermata": d.Reached})})
	})
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

// Record is what the registration keeps (CBT-13: it never changes): the
// draft as confirmed, the applicant's registry data, the requirements'
// outcome with the reasons of every shortfall, and who sent it through
// which channel.
type Record struct {
	Version    int             `json:"versione"`
	Draft      Draft           `json:"domanda"`
	Person     identity.Person `json:"anagrafica"`
	Overall    string          `json:"esito_requisiti"`
	Failed     []string        `json:"requisiti_mancanti,omitempty"`
	Unknown    []string        `json:"requisiti_da_verificare,omitempty"`
	Shortfalls []Shortfall     `json:"motivi,omitempty"`
	Corrected  bool            `json:"precedenti_corretti,omitempty"`
	// RegistryFirstGrant and RegistryGrants are the previous grants as
	// the registry showed them on screen 4 (CBT-5), before any correction.
	RegistryFirstGrant int `json:"primo_anno_archivio,omitempty"`
	RegistryGrants     int `json:"concessioni_archivio,omitempty"`
	// Activity and Qualification are the employment the requirements
	// screen showed (CBT-8).
	Activity      string    `json:"attivita,omitempty"`
	Qualification string    `json:"qualifica,omitempty"`
	Channel       string    `json:"canale,omitempty"`
	Operator      *Operator `json:"operatore,omitempty"`
	Paper         *Paper    `json:"cartacea,omitempty"`
}

// Shortfall is a requirement that failed or is left to the office, with
// the rule's Italian title and reason, as the citizen saw them.
type Shortfall struct {
	Rule   string `json:"regola"`
	Title  string `json:"titolo"`
	Result string `json:"esito"`
	Reason string `json:"motivo"`
}

// Operator is who sent the application for the applicant (CH-1, CH-2):
// an intermediary's or the contact centre's operator, or office staff
// registering a paper application. Printed on the receipt.
type Operator struct {
	Role         string `json:"ruolo"`
	Name         string `json:"nome,omitempty"`
	FiscalCode   string `json:"codice_fiscale"`
	Organisation string `json:"ente,omitempty"` // intermediary's code or office
}

// Paper is a paper application registered by office staff during the
// transition period (CH-2).
type Paper struct {
	Received string `json:"ricevuta_il"` // YYYY-MM-DD, the date the paper reached the office
	Office   string `json:"ufficio"`     // the office that registered it
}

// Confirm is CONFERMA (CBT-12): every screen checked, the certificate
// linked (it must be the applicant's spa-treatment certificate, sent, not
// annulled and not used), the application registered with its protocol
// number and handed to the competent office (CBT-13), all in one
// transaction. Missing requirements do not block it: they flag it
// (CBT-10). It is Prepare then Register; callers that make it idempotent
// (DB.Once with the form nonce or the Idempotency-Key) call the two
// themselves, Register under WithTx, so the reads stay outside the write.
func (s *Service) Confirm(ctx context.Context, a identity.Actor, d Draft) (Submitted, error) {
	p, err := s.Prepare(ctx, a, d)
	if err != nil {
		return Submitted{}, err
	}
	return s.Register(ctx, p)
}

// Prepared is an application checked and ready to register: what
// CONFERMA read from the registries and decided, and nothing written yet.
type Prepared struct {
	actor   identity.Actor
	cf      string
	draft   Draft
	app     store.Application
	payload string
	verdict rules.Verdict
	paper   *Paper
}

// Prepare does CONFERMA's reads and checks: the window, every screen, the
// office and the ASL of the address, the entitlement rules on the
// registries. It writes nothing, so it runs outside the registering
// transaction: on a click-day the single writer then holds its
// transaction only for the writes (docs/BENCHMARKS.md).
func (s *Service) Prepare(ctx context.Context, a identity.Actor, d Draft) (Prepared, error) {
	cf, err := s.may(a, identity.Create)
	if err != nil {
		return Prepared{}, err
	}
	if ok, msg := s.Open(); !ok {
		return Prepared{}, apperr.New(apperr.Conflict, msg)
	}
	return s.prepare(ctx, a, cf, d, nil)
}

// prepare checks a complete application of cf, sent by a; paper is set
// for a paper application (CH-2).
func (s *Service) prepare(ctx context.Context, a identity.Actor, cf string, d Draft, paper *Paper) (Prepared, error) {
	d.Year = clock.YearInRome(s.clock.Now())
	ap, err := s.applicantContext(ctx, cf, d.Domicile)
	if err != nil {
		return Prepared{}, err
	}
	if _, err := d.CheckAll(codes(ap.Offices), d.Year); err != nil {
		return Prepared{}, err
	}
	var aslOK bool
	for _, o := range ap.ASLs {
		aslOK = aslOK || o.Code == d.ASL
	}
	if !aslOK {
		return Prepared{}, &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.",
			Fields: map[string]string{"asl": "Scegliere l'azienda sanitaria tra quelle proposte per l'indirizzo."}}
	}
	v := s.verdict(ap, d)
	d.Reached = ""
	rec := Record{Version: 1, Draft: d, Person: ap.Person, Overall: v.Overall, Corrected: d.Corrected,
		Activity: ap.Activity, Qualification: ap.Qualification, Channel: a.Channel, Paper: paper,
		RegistryFirstGrant: ap.FirstGrantYear, RegistryGrants: ap.PreviousGrants}
	for _, o := range v.Outcomes {
		switch o.Result {
		case rules.Fail:
			rec.Failed = append(rec.Failed, o.Rule)
		case rules.Unknown, rules.Approval:
			rec.Unknown = append(rec.Unknown, o.Rule)
		default:
			continue
		}
		rec.Shortfalls = append(rec.Shortfalls, Shortfall{Rule: o.Rule, Title: o.Title, Result: string(o.Result), Reason: o.Reason})
	}
	app := store.Application{Kind: Kind, Applicant: cf, Year: d.Year, Office: d.Office, Channel: a.Channel,
		Certificate: d.Certificate, Flagged: v.Overall != rules.Entitled || d.Corrected}
	if a.ActingFor != "" || paper != nil {
		app.Operator = a.ID()
		rec.Operator = &Operator{Role: string(a.Role), Name: a.Name, FiscalCode: a.FiscalCode, Organisation: a.Scope}
		if a.Role == identity.RoleIntermediary {
			app.Intermediary = a.Scope
		}
	}
	if paper != nil {
		app.Channel, rec.Channel = history.ChannelPaper, history.ChannelPaper
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{actor: a, cf: cf, draft: d, app: app, payload: string(payload), verdict: v, paper: paper}, nil
}

// Register registers a prepared application (in the caller's transaction
// under WithTx): the protocol number, the certificate's link, the event,
// the audit entry, and the draft deleted. One a year per person is decided
// here, by the database.
func (s *Service) Register(ctx context.Context, p Prepared) (Submitted, error) {
	if p.cf == "" {
		return Submitted{}, errors.New("cbt: Register without Prepare")
	}
	a, cf, d, app, paper, v := p.actor, p.cf, p.draft, p.app, p.paper, p.verdict
	var out Submitted
	err := s.inTx(ctx, func(tx *store.Tx) error {
		sub, err := tx.SubmitApplication(ctx, app, "Domanda di cure balneotermali", p.payload)
		if err != nil {
			return err
		}
		if _, err := certificate.Link(ctx, tx, store.CertificateLink{Number: d.Certificate, Patient: cf, Kind: certificate.KindSpa,
			Application: sub.Number, At: s.clock.Now()}, a.ID(), app.Channel); err != nil {
			return err
		}
		ev := history.Event{CaseKind: "application", CaseID: sub.Number, Kind: "submitted",
			Actor: a.ID(), ActingFor: a.ActingForID(), Channel: app.Channel}
		if paper != nil {
			ev.ActingFor, ev.Payload = "citizen:"+cf, mustJSON(map[string]string{"ricevuta_il": paper.Received})
		}
		if _, err := tx.AppendEvent(ctx, ev); err != nil {
			return err
		}
		if err := tx.DeleteDraft(ctx, "person:"+cf, draftForm(d.Year)); err != nil {
			return err
		}
		out = Submitted{Application: sub, Verdict: v}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: ev.ActingFor, Channel: app.Channel, Action: "application.submit",
			Subject: "person:" + cf, Detail: fmt.Sprintf(`{"domanda":%q,"flagged":%t}`, sub.Number, app.Flagged)})
	})
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Fields["certificato"] != "" {
		return Submitted{}, err // the certificate's refusal names its field
	}
	return out, err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings are passed
	}
	return string(b)
}

// PaperUntil is the last day of the transition period in which office
// staff register paper applications (CH-2), and whether one is set.
func (s *Service) PaperUntil() (time.Time, bool) {
	return s.opt.PaperUntil, !s.opt.PaperUntil.IsZero()
}

// PaperContext is Context for office staff about to register a paper
// application of cf (CH-2).
func (s *Service) PaperContext(ctx context.Context, a identity.Actor, cf string, domicile *Address) (Applicant, error) {
	if a.Role != identity.RoleOffice || a.ActingFor != "" {
		return Applicant{}, apperr.New(apperr.Forbidden, "Le domande cartacee sono registrate dal personale dell'ufficio.")
	}
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindPerson, Subject: cf}); err != nil {
		return Applicant{}, err
	}
	return s.applicantContext(ctx, cf, domicile)
}

// RegisterPaper registers a paper application that reached the staff's
// office on the day received (YYYY-MM-DD) during the transition period
// (CH-2). It is checked like CONFERMA, marked as paper, with the member of
// staff as its operator, and flagged like any other. The office must be
// the staff's own and competent for the applicant's address.
//
// Decision (the seed gives only "three months"): the period's end is
// --paper-until; what decides is the day the paper arrived, which must be
// in the period, in this year's application window and not in the future;
// staff may register it later, while this year's window is open.
func (s *Service) RegisterPaper(ctx context.Context, a identity.Actor, cf, received string, d Draft) (Submitted, error) {
	if a.Role != identity.RoleOffice || a.ActingFor != "" {
		return Submitted{}, apperr.New(apperr.Forbidden, "Le domande cartacee sono registrate dal personale dell'ufficio.")
	}
	until, ok := s.PaperUntil()
	if !ok {
		return Submitted{}, apperr.New(apperr.Conflict, "La registrazione delle domande cartacee non è attiva: non è previsto un periodo transitorio.")
	}
	if ok, msg := s.Open(); !ok {
		return Submitted{}, apperr.New(apperr.Conflict, msg)
	}
	d.Office = a.Scope
	if err := identity.Can(a, identity.Create, identity.Resource{Kind: identity.KindApplication, Subject: cf, Office: d.Office}); err != nil {
		return Submitted{}, err
	}
	now := s.clock.Now()
	year := clock.YearInRome(now)
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(received), clock.Rome)
	f := map[string]string{}
	switch {
	case err != nil:
		f["ricevuta_il"] = "Indicare la data di arrivo della domanda cartacea, per esempio " + now.In(clock.Rome).Format("02/01/2006") + "."
	case day.Format("2006-01-02") > now.In(clock.Rome).Format("2006-01-02"):
		f["ricevuta_il"] = "La data di arrivo non può essere nel futuro."
	case day.Format("2006-01-02") > until.Format("2006-01-02"):
		f["ricevuta_il"] = "La domanda è arrivata dopo la fine del periodo transitorio (" + until.Format("02/01/2006") +
			"): da allora le domande si presentano solo online, tramite il contact center o un patronato."
	case day.Year() != year:
		f["ricevuta_il"] = fmt.Sprintf("Si registrano le domande cartacee per le cure del %d, arrivate dal 1° gennaio %d.", year, year)
	}
	ap, err := s.applicantContext(ctx, cf, d.Domicile)
	if err != nil {
		return Submitted{}, err
	}
	switch {
	case len(ap.Offices) == 0 && d.Domicile != nil:
		// No office for the domicile typed (a province that does not
		// exist): nobody to name, the address is what is wrong.
		f["provincia"] = "Per il domicilio indicato non risulta un ufficio competente: controllare comune e sigla della provincia."
	case len(ap.Offices) == 0:
		f["ufficio"] = "Per la residenza del richiedente non risulta un ufficio competente: la domanda non si può registrare da questo ufficio."
	case !slices.Contains(codes(ap.Offices), d.Office):
		var names []string
		for _, o := range ap.Offices {
			names = append(names, o.Name)
		}
		f["ufficio"] = "Per l'indirizzo del richiedente è competente " + strings.Join(names, " o ") + ": trasmettere la domanda cartacea a quell'ufficio."
	}
	if len(f) > 0 {
		return Submitted{}, &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.", Fields: f}
	}
	p, err := s.prepare(ctx, a, cf, d, &Paper{Received: day.Format("2006-01-02"), Office: a.Scope})
	if err != nil {
		return Submitted{}, err
	}
	return s.Register(ctx, p)
}
