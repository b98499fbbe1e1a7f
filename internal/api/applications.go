package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
)

// The spa-treatment application through the API (CBT-2…CBT-15, CH-1,
// ID-5), for the software of intermediaries (patronati): the operator's
// personal token, and the citizen named in the path. Every request checks
// again that the citizen has given the operator's organisation a live
// mandate covering spa treatments (Mandates.ActingFor); anybody else is a
// 404 that cannot be told from a codice fiscale nobody has (AUD-2). The
// operations are those of the web pages, on the same cbt.Service: the
// same draft, the same checks and messages, the same CONFERMA; the
// application records the channel intermediary, the operator and the
// intermediary's code, which the receipt prints.

const applicantsPath = "/api/v1/cbt/applicants"

// MandateService is the service of a mandate that covers these operations
// (account.MandateScopes).
const MandateService = "cbt"

// InvMandateService is the service of a mandate that covers the
// civil-invalidity operations (invalidity.go).
const InvMandateService = "inv"

// Mandates decides whether an intermediary operator may act for a citizen
// in one request; account.Service implements it.
type Mandates interface {
	// ActingFor returns the operator acting for citizen (ActingFor set,
	// channel intermediary) if the operator's organisation holds a live
	// mandate from the citizen for service; otherwise a NotFound that says
	// nothing more, an Invalid on the field "codice_fiscale" for a
	// malformed code, or a Forbidden for anybody but an intermediary.
	ActingFor(ctx context.Context, a identity.Actor, citizen, service string) (identity.Actor, error)
}

var (
	msgIntermediaryToken = msg("api.detail.intermediary_token")
	msgNoCBTDraft        = msg("api.detail.cbt_no_draft")
	msgNothingToConfirm  = msg("api.detail.cbt_nothing_to_confirm")
	msgCBTAlready        = msg("api.detail.cbt_already") // year, number
	msgCBTInvalid        = msg("api.detail.cbt_invalid")
)

func applicantPath(cf string) string { return applicantsPath + "/" + cf }

func cbtApplicationsPath(cf string) string { return applicantPath(cf) + "/applications" }

func cbtApplicationPath(cf, number string) string { return cbtApplicationsPath(cf) + "/" + number }

// CBTApplicantParam is the path parameter of every operation on
// applications: the citizen the operator acts for. (Exported because huma
// reads only exported embedded structs.)
type CBTApplicantParam struct {
	CF string `path:"codice_fiscale" maxLength:"32" example:"RSSMRA56L12H501D" doc:"The applicant's codice fiscale. The applicant must have given the operator's organisation a mandate for spa treatments (cbt) or for every service (all), in force today; otherwise the answer is 404, as for a codice fiscale nobody has."`
}

// applicant returns the operator of the request acting for the citizen
// of the path, after the check of a mandate for spa treatments.
func (a *API) applicant(ctx context.Context, cf string) (identity.Actor, error) {
	return a.actingFor(ctx, cf, MandateService)
}

// actingFor returns the operator of the request acting for the citizen of
// the path, if the citizen's mandate to the operator's organisation
// covers service ("cbt", "inv") or every service; the spa-treatment and
// the civil-invalidity operations share it (ID-5, AUD-2).
func (a *API) actingFor(ctx context.Context, cf, service string) (identity.Actor, error) {
	p, _ := PrincipalFrom(ctx)
	if !p.hasPerson() {
		return identity.Actor{}, &problem{status: http.StatusForbidden, detail: msgIntermediaryToken}
	}
	actor, err := a.mandates.ActingFor(ctx, p.identity(), cf, service)
	if ae, ok := errors.AsType[*apperr.Error](err); ok && ae.Code == apperr.Invalid {
		m := ae.Fields["codice_fiscale"]
		if m == "" {
			m = ae.Message
		}
		return actor, &problem{status: http.StatusUnprocessableEntity, detail: msgInvalid,
			errors: []fieldError{{location: "path.codice_fiscale", message: same(m)}}}
	}
	if err != nil {
		return actor, a.fail(ctx, err)
	}
	return actor, nil
}

// auditRead records a read of the applicant's data through the API
// (AUD-1): who, on whose behalf, through which channel, and which
// operation; never the content.
func (a *API) auditRead(ctx context.Context, actor identity.Actor, action, operation string) error {
	return a.db.Audit(ctx, audit.Entry{Actor: actor.ID(), ActingFor: actor.ActingForID(), Channel: actor.Channel, Action: action,
		Subject: "person:" + actor.ActingFor, Detail: fmt.Sprintf(`{"api":%q}`, operation)})
}

func (a *API) officeRef(code string) OfficeRef {
	if o, ok := a.offices.ByCode(code); ok {
		return OfficeRef{Code: o.Code, Name: o.Name}
	}
	return OfficeRef{Code: code, Name: code}
}

func officeRefs(os []refdata.Office) []OfficeRef {
	out := make([]OfficeRef, 0, len(os))
	for _, o := range os {
		out = append(out, OfficeRef{Code: o.Code, Name: o.Name})
	}
	return out
}

func officeCodes(os []refdata.Office) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Code)
	}
	return out
}

// thisYear returns the applicant's application of a year that is not
// annulled, if any (one a year: RULE-9).
func (a *API) thisYear(ctx context.Context, cf string, year int) (store.Application, bool, error) {
	apps, _, err := a.db.FindApplications(ctx, store.ApplicationFilter{Applicant: cf, Kind: cbt.Kind, Year: year, Limit: 10})
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

func alreadyFiled(app store.Application) *problem {
	return &problem{status: http.StatusConflict, detail: msgCBTAlready.format(app.Year, app.Number)}
}

// contentIn is the service's draft for a body.
func contentIn(c CBTApplicationContent) cbt.Draft {
	d := cbt.Draft{Phone: c.Phone, Mobile: c.Mobile, Email: c.Email, Office: c.Office, Corrected: c.Corrected,
		Pathology: refdata.Pathology(c.Pathology), Cure: c.Cure, Certificate: c.Certificate, ASL: c.ASL}
	if c.Corrected {
		// Without the correction its fields are not part of the
		// application, whatever they hold (as on the web page).
		d.FirstGrantYear, d.PreviousGrants, d.CorrectionNotes = c.FirstGrantYear, c.PreviousGrants, c.CorrectionNotes
	}
	if dom := c.Domicile; dom != nil {
		d.Domicile = &cbt.Address{Street: dom.Street, Postcode: dom.Postcode, Comune: dom.Comune, Province: dom.Province}
	}
	d.Normalize()
	return d
}

func contentOut(d cbt.Draft) CBTApplicationContent {
	c := CBTApplicationContent{Phone: d.Phone, Mobile: d.Mobile, Email: d.Email, Office: d.Office, Corrected: d.Corrected,
		FirstGrantYear: d.FirstGrantYear, PreviousGrants: d.PreviousGrants, CorrectionNotes: d.CorrectionNotes,
		Pathology: string(d.Pathology), Cure: d.Cure, Certificate: d.Certificate, ASL: d.ASL}
	if dom := d.Domicile; dom != nil {
		c.Domicile = &Domicile{Street: dom.Street, Postcode: dom.Postcode, Comune: dom.Comune, Province: dom.Province}
	}
	return c
}

// cbtScreenFields are the fields of each screen with something to fill
// in, in the order of the web page: the order of the problems.
var cbtScreenFields = []struct {
	screen string
	fields []string
}{
	{"domicilio", []string{"indirizzo", "cap", "comune", "provincia"}},
	{"contatti", []string{"telefono", "cellulare", "email", "ufficio"}},
	{"precedenti", []string{"precedenti_corretti", "primo_anno", "concessioni_precedenti", "nota_correzione"}},
	{"domanda", []string{"anno", "patologia", "cura"}},
	{"sanitari", []string{"certificato", "asl"}},
}

// domicileFields are the service's names of the domicile's fields, which
// the body nests under domicilio.
var domicileFields = []string{"indirizzo", "cap", "comune", "provincia"}

// cbtLocation is where a field of the service is in the body.
func cbtLocation(field string) string {
	switch {
	case headerFields[field]:
		return "header." + field
	case slices.Contains(domicileFields, field):
		return "body.domicilio." + field
	}
	return "body." + field
}

// msgASL is the service's message for an ASL not among those proposed,
// which it checks only at CONFERMA (cbt.Service.Confirm).
const msgASL = "Scegliere l'azienda sanitaria tra quelle proposte per l'indirizzo."

// draftProblems checks every screen of d (CBT-3…CBT-7) and returns what is
// still to fix, screen by screen, as CONFERMA would find it; the
// certificate itself is checked only at CONFERMA.
func draftProblems(d cbt.Draft, ap cbt.Applicant) []CBTProblem {
	out := []CBTProblem{}
	proposed := officeCodes(ap.Offices)
	for _, sc := range cbtScreenFields {
		dd := d
		fields := map[string]string{}
		if ae, ok := errors.AsType[*apperr.Error](dd.Check(sc.screen, proposed, d.Year)); ok {
			fields = ae.Fields
		}
		if sc.screen == "sanitari" && d.ASL != "" && fields["asl"] == "" && !slices.Contains(officeCodes(ap.ASLs), d.ASL) {
			fields["asl"] = msgASL
		}
		names := slices.Clone(sc.fields)
		for f := range fields {
			if !slices.Contains(names, f) {
				names = append(names, f) // a field this list does not know yet
			}
		}
		for _, f := range names {
			if m, ok := fields[f]; ok {
				out = append(out, CBTProblem{Screen: sc.screen, Location: cbtLocation(f), Message: m})
			}
		}
	}
	return out
}

func cbtDraftOut(d cbt.Draft, ap cbt.Applicant) CBTDraft {
	ps := draftProblems(d, ap)
	return CBTDraft{Year: d.Year, Content: contentOut(d), Complete: len(ps) == 0, Problems: ps}
}

func personOut(p identity.Person) RegistryPerson {
	return RegistryPerson{FiscalCode: p.FiscalCode, GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate,
		BirthPlace: p.BirthPlace, Sex: p.Sex, Address: p.Address, Postcode: p.Postcode, Municipality: p.Municipality, Province: p.Province}
}

func entryOfApplication(a *API, app store.Application) CBTApplicationEntry {
	return CBTApplicationEntry{Number: app.Number, Year: app.Year, State: app.State, SubmittedAt: rome(app.SubmittedAt),
		Office: a.officeRef(app.Office), Channel: app.Channel, Flagged: app.Flagged,
		URL: cbtApplicationPath(app.Applicant, app.Number)}
}

// shortfallsOf are the requirements a verdict leaves failed or to verify,
// as the service records them.
func shortfallsOf(v rules.Verdict) []cbt.Shortfall {
	var out []cbt.Shortfall
	for _, o := range v.Outcomes {
		if o.Result == rules.Fail || o.Result == rules.Unknown || o.Result == rules.Approval {
			out = append(out, cbt.Shortfall{Rule: o.Rule, Title: o.Title, Result: string(o.Result), Reason: o.Reason})
		}
	}
	return out
}

// submissionOut is the head of a registered application.
func (a *API) submissionOut(app store.Application, overall string, shortfalls []cbt.Shortfall, op *cbt.Operator, annulledAt time.Time) CBTSubmission {
	base := cbtApplicationPath(app.Applicant, app.Number)
	out := CBTSubmission{Number: app.Number, State: app.State, SubmittedAt: rome(app.SubmittedAt), AnnulledAt: zeroOrRome(annulledAt),
		Year: app.Year, Applicant: app.Applicant, Office: a.officeRef(app.Office), Channel: app.Channel,
		Intermediary: app.Intermediary, Certificate: app.Certificate, Flagged: app.Flagged,
		Requirements: CBTOutcome{Overall: overall, Summary: cbt.OverallLabel(overall), Shortfalls: []CBTShortfall{}},
		Documents:    CBTDocuments{Receipt: base + "/documents/" + cbt.DocReceipt, Form: base + "/documents/" + cbt.DocForm},
		URL:          base}
	for _, s := range shortfalls {
		out.Requirements.Shortfalls = append(out.Requirements.Shortfalls, CBTShortfall{Rule: s.Rule, Title: s.Title, Result: s.Result, Reason: s.Reason})
	}
	if op != nil {
		out.Operator = &Operator{Role: op.Role, Name: op.Name, Organisation: op.Organisation}
	}
	return out
}

// --- the applicant's context ---

type applicantOutput struct {
	Body CBTApplicant
}

// getCBTApplicant returns what the screens show from the registries: the
// personal data, the offices and ASLs proposed for the draft's domicile or
// the residence, previous grants and the current employment; the read is
// audited (AUD-1).
func (a *API) getCBTApplicant(ctx context.Context, in *CBTApplicantParam) (*applicantOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	d, _, err := a.apps.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	ap, err := a.apps.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	out := CBTApplicant{Person: personOut(ap.Person), Year: d.Year, ProposedFor: "residenza", Offices: officeRefs(ap.Offices),
		ASLs: officeRefs(ap.ASLs), FirstGrantYear: ap.FirstGrantYear, PreviousGrants: ap.PreviousGrants,
		Activity: ap.Activity, Qualification: ap.Qualification}
	if d.Domicile != nil {
		out.ProposedFor = "domicilio"
	}
	out.Open, out.Closed = a.apps.Open()
	app, found, err := a.thisYear(ctx, actor.ActingFor, d.Year)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if found {
		e := entryOfApplication(a, app)
		out.ThisYear = &e
	}
	if err := a.auditRead(ctx, actor, "person.read", "cbt.applicant"); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &applicantOutput{Body: out}, nil
}

// --- the draft (CBT-11) ---

type cbtDraftOutput struct {
	Body CBTDraft
}

// getCBTDraft returns the applicant's draft of this year with what is
// still to fix; 404 if there is none.
func (a *API) getCBTDraft(ctx context.Context, in *CBTApplicantParam) (*cbtDraftOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	d, has, err := a.apps.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if !has {
		return nil, &problem{status: http.StatusNotFound, detail: msgNoCBTDraft}
	}
	ap, err := a.apps.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "person.read", "cbt.draft"); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &cbtDraftOutput{Body: cbtDraftOut(d, ap)}, nil
}

type putCBTDraftInput struct {
	CBTApplicantParam
	Body CBTApplicationContent
}

type putCBTDraftOutput struct {
	Status int
	Body   CBTDraft
}

// putCBTDraft creates (201) or replaces (200) the applicant's draft of this
// year, complete or not (CBT-11): the answer lists what is still to fix.
// A PUT is idempotent by itself and takes no Idempotency-Key. Once the
// year's application is filed there is nothing left to change (409).
func (a *API) putCBTDraft(ctx context.Context, in *putCBTDraftInput) (*putCBTDraftOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	old, has, err := a.apps.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if app, found, err := a.thisYear(ctx, actor.ActingFor, old.Year); err != nil {
		return nil, a.fail(ctx, err)
	} else if found {
		return nil, alreadyFiled(app)
	}
	d := contentIn(in.Body)
	d.Year = old.Year
	ap, err := a.apps.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	// The draft remembers the first screen left to fix, where the web
	// pages resume it.
	d.Reached = cbt.Screens[len(cbt.Screens)-1]
	if ps := draftProblems(d, ap); len(ps) > 0 {
		d.Reached = ps[0].Screen
	}
	if err := a.apps.SaveDraft(ctx, actor, d); err != nil {
		return nil, a.fail(ctx, err)
	}
	status := http.StatusOK
	if !has {
		status = http.StatusCreated
	}
	return &putCBTDraftOutput{Status: status, Body: cbtDraftOut(d, ap)}, nil
}

// --- the requirements (CBT-8) ---

type cbtRequirementsOutput struct {
	Body CBTRequirements
}

// getCBTRequirements evaluates the entitlement rules on the applicant's
// registry records and the draft's pathology (CBT-8), as CONFERMA will;
// the read is audited.
func (a *API) getCBTRequirements(ctx context.Context, in *CBTApplicantParam) (*cbtRequirementsOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	d, _, err := a.apps.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	ap, err := a.apps.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	v, err := a.apps.Requirements(ctx, actor, d)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "person.read", "cbt.requirements"); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &cbtRequirementsOutput{Body: CBTRequirements{Eligibility: eligibilityOut(v), Activity: ap.Activity,
		Qualification: ap.Qualification}}, nil
}

// --- CONFERMA (CBT-12) ---

type submitCBTInput struct {
	IdempotencyKey
	CBTApplicantParam
	Body *CBTApplicationContent `doc:"The application to confirm. If absent, the draft as last saved is confirmed."`
}

type submittedCBTOutput struct {
	Status   int
	Location string `header:"Location" doc:"The application's address."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     CBTSubmission
}

// submitCBT is CONFERMA (CBT-12): the saved draft, or the application in
// the body, is checked in full, the certificate linked and the application
// registered with its protocol number and handed to the competent office
// (CBT-13), even with requirements missing (CBT-10). The service confirms
// inside the transaction of once, so a retry with the same key gets the
// first answer and never a second application (PROT-3); another key meets
// one a year (RULE-9) and gets 409.
func (a *API) submitCBT(ctx context.Context, in *submitCBTInput) (*submittedCBTOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	cf := actor.ActingFor
	var (
		d    cbt.Draft // what CONFERMA was asked for, to name every fault of a refusal
		ran  bool
		prep cbt.Prepared
	)
	// The reads and checks (cbt.Service.Prepare) run before the idempotent
	// write, which then holds the single writer only for the writes. Their
	// refusal is returned from inside once, so that a retry of a request
	// that already succeeded still gets the stored answer.
	early := func() error {
		if in.Body != nil {
			d = contentIn(*in.Body)
		} else {
			saved, has, err := a.apps.LoadDraft(ctx, actor)
			if err != nil {
				return err
			}
			if !has {
				if app, found, err := a.thisYear(ctx, cf, saved.Year); err != nil {
					return err
				} else if found {
					return alreadyFiled(app)
				}
				return &problem{status: http.StatusConflict, detail: msgNothingToConfirm}
			}
			d = saved
		}
		ran = true
		var err error
		prep, err = a.apps.Prepare(ctx, actor, d)
		return err
	}()
	c, replayed, err := once(ctx, a.db, "POST "+cbtApplicationsPath(cf), in.Key, in.Body, func(tx *store.Tx) (created[CBTSubmission], error) {
		var none created[CBTSubmission]
		if early != nil {
			return none, early
		}
		sub, err := a.apps.WithTx(tx).Register(ctx, prep)
		if err != nil {
			return none, err
		}
		op := &cbt.Operator{Role: string(actor.Role), Name: actor.Name, FiscalCode: actor.FiscalCode, Organisation: actor.Scope}
		return created[CBTSubmission]{Location: cbtApplicationPath(cf, sub.Number),
			Body: a.submissionOut(sub.Application, sub.Verdict.Overall, shortfallsOf(sub.Verdict), op, time.Time{})}, nil
	})
	if err != nil {
		if ran && apperr.Is(err, apperr.Invalid) {
			return nil, a.confirmProblem(ctx, actor, d, err)
		}
		return nil, a.fail(ctx, err)
	}
	out := &submittedCBTOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

// confirmProblem names every fault of a refused CONFERMA at once, in the
// order of the screens: the service stops at the first screen with one,
// and checks the certificate and the ASL only when the screens are right.
// Where both name a member, the service's message is kept: it is the
// reason of the refusal.
func (a *API) confirmProblem(ctx context.Context, actor identity.Actor, d cbt.Draft, err error) error {
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok {
		return a.fail(ctx, err)
	}
	ap, cerr := a.apps.Context(ctx, actor, d.Domicile)
	if cerr != nil {
		return a.fail(ctx, err)
	}
	d.Year = ap.ApplicationYear
	found := map[string]string{}
	for f, m := range ae.Fields {
		found[cbtLocation(f)] = m
	}
	p := &problem{status: http.StatusUnprocessableEntity, detail: msgCBTInvalid}
	seen := map[string]bool{}
	add := func(loc, m string) {
		if !seen[loc] {
			seen[loc] = true
			p.errors = append(p.errors, fieldError{location: loc, message: same(m)})
		}
	}
	for _, pr := range draftProblems(d, ap) {
		if m, ok := found[pr.Location]; ok {
			pr.Message = m
		}
		add(pr.Location, pr.Message)
	}
	rest := slices.Sorted(maps.Keys(found))
	for _, loc := range rest {
		add(loc, found[loc])
	}
	if len(p.errors) == 0 {
		return a.fail(ctx, err)
	}
	return p
}

// --- registered applications ---

type listCBTInput struct {
	CBTApplicantParam
	PageParams
}

// listCBTApplications lists the applicant's spa-treatment applications,
// newest first (CBT-1), whoever filed them; the read is audited.
func (a *API) listCBTApplications(ctx context.Context, in *listCBTInput) (*PageOutput[CBTApplicationEntry], error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	cf := actor.ActingFor
	if err := identity.Can(actor, identity.List, identity.Resource{Kind: identity.KindApplication, Subject: cf}); err != nil {
		return nil, a.fail(ctx, err)
	}
	apps, total, err := a.db.FindApplications(ctx, store.ApplicationFilter{Applicant: cf, Kind: cbt.Kind, Limit: in.PerPage, Offset: in.offset()})
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "application.list", "cbt.applications"); err != nil {
		return nil, a.fail(ctx, err)
	}
	items := make([]CBTApplicationEntry, 0, len(apps))
	for _, app := range apps {
		items = append(items, entryOfApplication(a, app))
	}
	return newPage(in.PageParams, items, total, cbtApplicationsPath(cf), url.Values{}), nil
}

type cbtApplicationInput struct {
	CBTApplicantParam
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The application's protocol number."`
}

type cbtApplicationOutput struct {
	Body CBTApplication
}

// getCBTApplication returns one of the applicant's applications as
// registered, with its requirements' outcome, documents and history
// (ST-1); the service audits the read. Another person's is 404.
func (a *API) getCBTApplication(ctx context.Context, in *cbtApplicationInput) (*cbtApplicationOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	f, err := a.apps.Application(ctx, actor, in.Number)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if f.Applicant != actor.ActingFor { // the policy says so already
		return nil, &problem{status: http.StatusNotFound, detail: msgNotFound}
	}
	events, err := a.db.CaseHistory(ctx, "application", f.Number)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	r := f.Record
	out := CBTApplication{CBTSubmission: a.submissionOut(f.Application, r.Overall, r.Shortfalls, r.Operator, f.AnnulledAt),
		Content: contentOut(r.Draft), Person: personOut(r.Person), FirstGrantYear: r.RegistryFirstGrant,
		PreviousGrants: r.RegistryGrants, Activity: r.Activity, Qualification: r.Qualification, History: []CBTEvent{}}
	for _, e := range events {
		out.History = append(out.History, eventOfApplication(e))
	}
	return &cbtApplicationOutput{Body: out}, nil
}

// eventOfApplication shows a step of the history without its actor: the
// applicant's intermediary learns what happened and when, not which member
// of staff did it.
func eventOfApplication(e history.Event) CBTEvent {
	return CBTEvent{At: rome(e.At), Kind: e.Kind, Channel: e.Channel}
}

type cbtDocumentInput struct {
	CBTApplicantParam
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The application's protocol number."`
	Doc    string `path:"doc" enum:"ricevuta,domanda" doc:"ricevuta (the receipt of CONFERMA) or domanda (the pre-filled application)."`
}

// getCBTDocument returns the receipt or the pre-filled application as PDF
// (CBT-12, DOC-1), with the QR code anyone can check at /verifica; the
// service audits the read.
func (a *API) getCBTDocument(ctx context.Context, in *cbtDocumentInput) (*documentOutput, error) {
	actor, err := a.applicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := a.apps.Document(ctx, actor, in.Number, in.Doc, &buf); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &documentOutput{ContentType: "application/pdf",
		ContentDisposition: fmt.Sprintf(`inline; filename="%s-%s.pdf"`, in.Doc, in.Number), Body: buf.Bytes()}, nil
}
