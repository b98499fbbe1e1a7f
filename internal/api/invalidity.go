package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
)

// The civil-invalidity application through the API (INV-1…INV-8, AG-1,
// AG-2, CH-1, ID-5), for the software of intermediaries (patronati and
// disability associations): the same conventions as the spa treatments
// (applications.go) — the operator's personal token, the citizen in the
// path, a mandate checked on every request, here for civil invalidity
// (inv) or every service (all) — on the same inv.Service as the web pages:
// the same draft, the same checks and Italian messages, the same sending
// with its protocol and Domus numbers and its visit, the same receipt.

const invApplicantsPath = "/api/v1/inv/applicants"

func invApplicantPath(cf string) string { return invApplicantsPath + "/" + cf }

func invApplicationsPath(cf string) string { return invApplicantPath(cf) + "/applications" }

func invApplicationPath(cf, number string) string { return invApplicationsPath(cf) + "/" + number }

// InvApplicantParam is the path parameter of every civil-invalidity
// operation: the citizen the operator acts for.
type InvApplicantParam struct {
	CF string `path:"codice_fiscale" maxLength:"32" example:"RSSMRA56L12H501D" doc:"The applicant's codice fiscale. The applicant must have given the operator's organisation a mandate for civil invalidity (inv) or for every service (all), in force today; otherwise the answer is 404, as for a codice fiscale nobody has."`
}

var (
	msgInvNoDraft       = msg("api.detail.inv_no_draft")
	msgInvNothingToSend = msg("api.detail.inv_nothing_to_send")
	msgInvInProgress    = msg("api.detail.inv_in_progress") // number
	msgInvInvalid       = msg("api.detail.inv_invalid")
)

// invApplicant returns the operator acting for the citizen of the path,
// after the check of a mandate covering civil invalidity.
func (a *API) invApplicant(ctx context.Context, cf string) (identity.Actor, error) {
	return a.actingFor(ctx, cf, InvMandateService)
}

// invPartFields are the fields the service names, part by part in the
// order of the web form: the order of the problems.
var invPartFields = []struct {
	part   string
	fields []string
}{
	{"anagrafica", []string{"con_tutore", "tutore_cf", "tutore_nome", "tutore_cognome", "tutore_qualita"}},
	{"recapiti", []string{"indirizzo", "cap", "comune", "provincia", "email", "telefono"}},
	{"richiesta", []string{"richiesta", "accertamenti"}},
	{"documentazione", []string{"certificato", "verbale_data", "verbale_numero", "verbale_organo", "verbale_percento"}},
	{"uffici", []string{"ufficio", "asl"}},
	{"riepilogo", []string{"dichiarazione"}},
}

// invMembers are the members of the body that the service's flat field
// names stand for, where the body nests them.
var invMembers = map[string]string{
	"tutore_cf": "tutore.codice_fiscale", "tutore_nome": "tutore.nome", "tutore_cognome": "tutore.cognome",
	"tutore_qualita": "tutore.qualita",
	"indirizzo":      "domicilio.indirizzo", "cap": "domicilio.cap", "comune": "domicilio.comune", "provincia": "domicilio.provincia",
	"verbale_data": "verbale.data", "verbale_numero": "verbale.numero", "verbale_organo": "verbale.organo",
	"verbale_percento": "verbale.percento",
	"seduta":           "slot", // the change of date (AG-2)
}

// invLocation is where a field of the service is in the request.
func invLocation(field string) string {
	if m, ok := invMembers[field]; ok {
		return "body." + m
	}
	return fieldLocation(field)
}

// invFaults lists the field messages of the service part by part, in the
// order of the form; a field the table does not know yet comes last, in
// the summary.
func invFaults(fields map[string]string) []InvProblem {
	out := []InvProblem{}
	known := map[string]bool{}
	for _, pf := range invPartFields {
		for _, f := range pf.fields {
			known[f] = true
			if m, ok := fields[f]; ok {
				out = append(out, InvProblem{Part: pf.part, Location: invLocation(f), Message: m})
			}
		}
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		if !known[f] {
			out = append(out, InvProblem{Part: "riepilogo", Location: invLocation(f), Message: fields[f]})
		}
	}
	return out
}

// invFail is fail with the service's field names turned into the
// locations of the body, in the order of the parts; detail replaces the
// service's message when given.
func (a *API) invFail(ctx context.Context, err error, detail *text) error {
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
		return a.fail(ctx, err)
	}
	p := &problem{status: http.StatusUnprocessableEntity, detail: same(ae.Message)}
	if detail != nil {
		p.detail = *detail
	}
	for _, f := range invFaults(ae.Fields) {
		p.errors = append(p.errors, fieldError{location: f.Location, message: same(f.Message)})
	}
	return p
}

// invDraftIn is the service's draft for a body.
func invDraftIn(c InvApplicationContent) inv.Draft {
	d := inv.Draft{HasGuardian: c.HasGuardian, Email: c.Email, Phone: c.Phone, Request: c.Request,
		Assessments: slices.Clone(c.Assessments), Certificate: c.Certificate, Office: c.Office, ASL: c.ASL, Declared: c.Declared}
	if g := c.Guardian; g != nil {
		d.Guardian = &inv.Guardian{FiscalCode: g.FiscalCode, GivenName: g.GivenName, FamilyName: g.FamilyName, Relation: g.Relation}
	}
	if dom := c.Domicile; dom != nil {
		d.Domicile = &inv.Address{Street: dom.Street, Postcode: dom.Postcode, Comune: dom.Comune, Province: dom.Province}
	}
	if r := c.Report; r != nil {
		d.Report = &inv.Report{Date: r.Date, Number: r.Number, Body: r.Body, Percent: r.Percent}
	}
	d.Normalize()
	return d
}

func invContentOut(d inv.Draft) InvApplicationContent {
	c := InvApplicationContent{HasGuardian: d.HasGuardian, Email: d.Email, Phone: d.Phone, Request: d.Request,
		Assessments: slices.Clone(d.Assessments), Certificate: d.Certificate, Office: d.Office, ASL: d.ASL, Declared: d.Declared}
	if g := d.Guardian; g != nil {
		c.Guardian = &InvGuardian{FiscalCode: g.FiscalCode, GivenName: g.GivenName, FamilyName: g.FamilyName, Relation: g.Relation}
	}
	if dom := d.Domicile; dom != nil {
		c.Domicile = &Domicile{Street: dom.Street, Postcode: dom.Postcode, Comune: dom.Comune, Province: dom.Province}
	}
	if r := d.Report; r != nil {
		c.Report = &InvReport{Date: r.Date, Number: r.Number, Body: r.Body, Percent: r.Percent}
	}
	return c
}

// invDraftOut checks every part of d as sending will (INV-3) and returns
// the draft with what is still to fix; the certificate itself is checked
// only when the application is sent.
func (a *API) invDraftOut(d inv.Draft, ap inv.Applicant) InvDraft {
	checked := d
	problems := []InvProblem{}
	if _, err := checked.CheckAll(a.invs.FactsFor(ap)); err != nil {
		if ae, ok := errors.AsType[*apperr.Error](err); ok {
			problems = invFaults(ae.Fields)
		}
	}
	return InvDraft{Content: invContentOut(d), Complete: len(problems) == 0, Problems: problems}
}

func inProgress(app store.Application) *problem {
	return &problem{status: http.StatusConflict, detail: msgInvInProgress.format(app.Number)}
}

func (a *API) invEntryOut(app store.Application) InvApplicationEntry {
	return InvApplicationEntry{Number: app.Number, Domus: app.Domus, State: app.State, SubmittedAt: rome(app.SubmittedAt),
		Office: a.officeRef(app.Office), Channel: app.Channel, URL: invApplicationPath(app.Applicant, app.Number)}
}

func (a *API) invVisitOut(v store.Visit) InvVisit {
	return InvVisit{StartsAt: rome(v.Slot.StartsAt), Place: v.Slot.Place, Commission: v.Slot.Commission, Home: v.Slot.Home,
		ASL: a.officeRef(v.Slot.ASL), Summons: v.Summons, State: v.State}
}

// invSubmissionOut is the head of a sent application.
func (a *API) invSubmissionOut(app store.Application, d inv.Draft, op *cbt.Operator, visit *store.Visit) InvSubmission {
	base := invApplicationPath(app.Applicant, app.Number)
	out := InvSubmission{Number: app.Number, Domus: app.Domus, State: app.State, SubmittedAt: rome(app.SubmittedAt),
		Applicant: app.Applicant, Office: a.officeRef(app.Office), Channel: app.Channel, Intermediary: app.Intermediary,
		Request: d.Request, Assessments: slices.Clone(d.Assessments), Certificate: app.Certificate, FastTrack: app.Flagged,
		Documents: InvDocuments{Receipt: base + "/documents/" + inv.DocReceipt}, URL: base}
	if out.Assessments == nil {
		out.Assessments = []string{}
	}
	if op != nil {
		out.Operator = &Operator{Role: op.Role, Name: op.Name, Organisation: op.Organisation}
	}
	if visit != nil {
		v := a.invVisitOut(*visit)
		out.Visit = &v
	}
	return out
}

// invEventOut shows a step of the history without its actor: the
// applicant's intermediary learns what happened and when, not which member
// of staff did it (INV-8). Its data are strings; times among them are
// given in Rome.
func invEventOut(e history.Event) InvEvent {
	out := InvEvent{At: rome(e.At), Kind: e.Kind, Channel: e.Channel, Details: map[string]string{}}
	var p map[string]any
	if e.Payload != "" && json.Unmarshal([]byte(e.Payload), &p) == nil {
		for k, v := range p {
			if s, ok := v.(string); ok {
				if t, err := time.Parse(time.RFC3339, s); err == nil {
					s = rome(t).Format(time.RFC3339) // times are in Rome, as everywhere in the API
				}
				out.Details[k] = s
			} else if v != nil {
				out.Details[k] = fmt.Sprint(v)
			}
		}
	}
	return out
}

// --- the applicant's context ---

type invApplicantOutput struct {
	Body InvApplicant
}

// getInvApplicant returns what the form shows from the registry: the
// personal data, the age, the offices and ASLs proposed for the draft's
// temporary domicile or the residence, whether there is a draft and the
// application in progress; the read is audited (AUD-1).
func (a *API) getInvApplicant(ctx context.Context, in *InvApplicantParam) (*invApplicantOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	d, has, err := a.invs.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	ap, err := a.invs.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	out := InvApplicant{Person: personOut(ap.Person), Minor: a.invs.FactsFor(ap).Minor(), ProposedFor: "residenza",
		Offices: officeRefs(ap.Offices), ASLs: officeRefs(ap.ASLs), HasDraft: has}
	if ap.Age >= 0 {
		age := ap.Age
		out.Age = &age
	}
	if d.Domicile != nil {
		out.ProposedFor = "domicilio"
	}
	app, found, err := a.db.InvalidityInProgress(ctx, actor.ActingFor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if found {
		e := a.invEntryOut(app)
		out.InProgress = &e
	}
	if err := a.auditRead(ctx, actor, "person.read", "inv.applicant"); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &invApplicantOutput{Body: out}, nil
}

// --- the draft ---

type invDraftOutput struct {
	Body InvDraft
}

// getInvDraft returns the applicant's draft with what is still to fix;
// 404 if there is none.
func (a *API) getInvDraft(ctx context.Context, in *InvApplicantParam) (*invDraftOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	d, has, err := a.invs.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if !has {
		return nil, &problem{status: http.StatusNotFound, detail: msgInvNoDraft}
	}
	ap, err := a.invs.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "person.read", "inv.draft"); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &invDraftOutput{Body: a.invDraftOut(d, ap)}, nil
}

type putInvDraftInput struct {
	InvApplicantParam
	Body InvApplicationContent
}

type putInvDraftOutput struct {
	Status int
	Body   InvDraft
}

// putInvDraft creates (201) or replaces (200) the applicant's draft,
// complete or not: the answer lists every fault, part by part. A PUT is
// idempotent by itself and takes no Idempotency-Key. While an application
// is in progress there is nothing to prepare (409), as on the web.
func (a *API) putInvDraft(ctx context.Context, in *putInvDraftInput) (*putInvDraftOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	_, has, err := a.invs.LoadDraft(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if app, found, err := a.db.InvalidityInProgress(ctx, actor.ActingFor); err != nil {
		return nil, a.fail(ctx, err)
	} else if found {
		return nil, inProgress(app)
	}
	d := invDraftIn(in.Body)
	ap, err := a.invs.Context(ctx, actor, d.Domicile)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	out := a.invDraftOut(d, ap)
	// The draft remembers the first part left to fix, where the web pages
	// resume it.
	d.Reached = inv.Parts[len(inv.Parts)-1]
	if len(out.Problems) > 0 {
		d.Reached = out.Problems[0].Part
	}
	if err := a.invs.SaveDraft(ctx, actor, d); err != nil {
		return nil, a.fail(ctx, err)
	}
	status := http.StatusOK
	if !has {
		status = http.StatusCreated
	}
	return &putInvDraftOutput{Status: status, Body: out}, nil
}

// --- sending (INV-3) ---

type submitInvInput struct {
	IdempotencyKey
	InvApplicantParam
	Body *InvApplicationContent `doc:"The application to send. If absent, the draft as last saved is sent."`
}

type submittedInvOutput struct {
	Status   int
	Location string `header:"Location" doc:"The application's address."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     InvSubmission
}

// submitInv sends the application (INV-3): the saved draft, or the
// application in the body, is checked in full, the certificate linked
// (INV-4) or the previous report kept (INV-5), the application registered
// with its protocol and Domus numbers and the first visit booked (INV-6,
// AG-1). The checks run first (Prepare), the writes inside the transaction
// of once (Register), so a retry with the same key gets the first answer and
// never a second application (PROT-3); another key meets the application in
// progress and gets 409.
func (a *API) submitInv(ctx context.Context, in *submitInvInput) (*submittedInvOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	cf := actor.ActingFor
	ran := false
	var (
		d    inv.Draft
		prep inv.Prepared
	)
	// The reads and checks (inv.Service.Prepare) run before the idempotent
	// write; their refusal is returned from inside once, so a retry of a
	// request that already succeeded still gets the stored answer.
	early := func() error {
		if app, found, err := a.db.InvalidityInProgress(ctx, cf); err != nil {
			return err
		} else if found {
			return inProgress(app)
		}
		if in.Body != nil {
			d = invDraftIn(*in.Body)
		} else {
			saved, has, err := a.invs.LoadDraft(ctx, actor)
			if err != nil {
				return err
			}
			if !has {
				return &problem{status: http.StatusConflict, detail: msgInvNothingToSend}
			}
			d = saved
		}
		ran = true
		var err error
		prep, err = a.invs.Prepare(ctx, actor, d)
		return err
	}()
	c, replayed, err := once(ctx, a.db, "POST "+invApplicationsPath(cf), in.Key, in.Body, func(tx *store.Tx) (created[InvSubmission], error) {
		var none created[InvSubmission]
		if early != nil {
			return none, early
		}
		sub, err := a.invs.WithTx(tx).Register(ctx, prep)
		if err != nil {
			return none, err
		}
		op := &cbt.Operator{Role: string(actor.Role), Name: actor.Name, FiscalCode: actor.FiscalCode, Organisation: actor.Scope}
		return created[InvSubmission]{Location: invApplicationPath(cf, sub.Number),
			Body: a.invSubmissionOut(sub.Application, d, op, sub.Visit)}, nil
	})
	if err != nil {
		if ran {
			return nil, a.invFail(ctx, err, &msgInvInvalid)
		}
		return nil, a.fail(ctx, err)
	}
	out := &submittedInvOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

// --- sent applications (INV-8) ---

type listInvInput struct {
	InvApplicantParam
	PageParams
}

// listInvApplications lists the applicant's civil-invalidity
// applications, newest first, whoever filed them; the read is audited.
func (a *API) listInvApplications(ctx context.Context, in *listInvInput) (*PageOutput[InvApplicationEntry], error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	cf := actor.ActingFor
	if err := identity.Can(actor, identity.List, identity.Resource{Kind: identity.KindApplication, Subject: cf}); err != nil {
		return nil, a.fail(ctx, err)
	}
	apps, total, err := a.db.FindApplications(ctx, store.ApplicationFilter{Applicant: cf, Kind: inv.Kind, Limit: in.PerPage, Offset: in.offset()})
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "application.list", "inv.applications"); err != nil {
		return nil, a.fail(ctx, err)
	}
	items := make([]InvApplicationEntry, 0, len(apps))
	for _, app := range apps {
		items = append(items, a.invEntryOut(app))
	}
	return newPage(in.PageParams, items, total, invApplicationsPath(cf), url.Values{}), nil
}

type invApplicationInput struct {
	InvApplicantParam
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The application's protocol number."`
}

type invApplicationOutput struct {
	Body InvApplication
}

// getInvApplication returns one of the applicant's applications as sent,
// with its state, visits and dated history (INV-8, ST-1); the service
// audits the read. Another person's is 404.
func (a *API) getInvApplication(ctx context.Context, in *invApplicationInput) (*invApplicationOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	f, err := a.invs.Application(ctx, actor, in.Number)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if f.Applicant != actor.ActingFor { // the policy says so already
		return nil, &problem{status: http.StatusNotFound, detail: msgNotFound}
	}
	r := f.Record
	out := InvApplication{InvSubmission: a.invSubmissionOut(f.Application, r.Draft, r.Operator, f.CurrentVisit()),
		Content: invContentOut(r.Draft), Person: personOut(r.Person), Certified: slices.Clone(r.Certified), HomeVisit: r.HomeVisit,
		Visits: []InvVisit{}, History: []InvEvent{}}
	if out.Certified == nil {
		out.Certified = []string{}
	}
	for _, v := range f.Visits {
		out.Visits = append(out.Visits, a.invVisitOut(v))
	}
	for _, e := range f.History {
		out.History = append(out.History, invEventOut(e))
	}
	return &invApplicationOutput{Body: out}, nil
}

type invDocumentInput struct {
	InvApplicantParam
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The application's protocol number."`
	Doc    string `path:"doc" enum:"ricevuta" doc:"ricevuta: the receipt (INV-6)."`
}

// getInvDocument returns the receipt as PDF (INV-6, DOC-1), with the QR
// code anyone can check at /verifica; the service audits the read.
func (a *API) getInvDocument(ctx context.Context, in *invDocumentInput) (*documentOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := a.invs.Receipt(ctx, actor, in.Number, &buf); err != nil {
		return nil, a.fail(ctx, err)
	}
	return &documentOutput{ContentType: "application/pdf",
		ContentDisposition: fmt.Sprintf(`inline; filename="%s-%s.pdf"`, in.Doc, in.Number), Body: buf.Bytes()}, nil
}

// --- the change of the visit's date (AG-2) ---

type invVisitOptionsOutput struct {
	Body InvVisitOptions
}

// getInvVisitOptions says whether the date of the visit can be changed,
// until when and to which dates; the read is audited.
func (a *API) getInvVisitOptions(ctx context.Context, in *invApplicationInput) (*invVisitOptionsOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	ch, err := a.invs.ChangeOptions(ctx, actor, in.Number)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.auditRead(ctx, actor, "application.read", "inv.visit_options"); err != nil {
		return nil, a.fail(ctx, err)
	}
	out := InvVisitOptions{Allowed: ch.Allowed, Reason: ch.Reason, Until: zeroOrRome(ch.Until), Slots: []InvSlot{}}
	if ch.Visit != nil {
		v := a.invVisitOut(*ch.Visit)
		out.Visit = &v
	}
	if ch.Allowed {
		for _, sl := range ch.Slots {
			out.Slots = append(out.Slots, InvSlot{ID: sl.ID, StartsAt: rome(sl.StartsAt), Place: sl.Place, Commission: sl.Commission,
				Home: sl.Home})
		}
	}
	return &invVisitOptionsOutput{Body: out}, nil
}

type changeInvVisitInput struct {
	IdempotencyKey
	InvApplicantParam
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The application's protocol number."`
	Body   InvVisitChange
}

type changedInvVisitOutput struct {
	Status   int
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     InvVisit
}

// changeInvVisit moves the visit to one of the dates offered (AG-2), once
// per application. It runs inside the transaction of once: a retry with
// the same key gets the first answer; another change is refused (409).
func (a *API) changeInvVisit(ctx context.Context, in *changeInvVisitInput) (*changedInvVisitOutput, error) {
	actor, err := a.invApplicant(ctx, in.CF)
	if err != nil {
		return nil, err
	}
	path := invApplicationPath(actor.ActingFor, in.Number) + "/visit"
	c, replayed, err := once(ctx, a.db, "POST "+path, in.Key, in.Body, func(tx *store.Tx) (created[InvVisit], error) {
		v, err := a.invs.WithTx(tx).ChangeDate(ctx, actor, in.Number, in.Body.Slot)
		if err != nil {
			return created[InvVisit]{}, err
		}
		return created[InvVisit]{Status: http.StatusOK, Body: a.invVisitOut(v)}, nil
	})
	if err != nil {
		return nil, a.invFail(ctx, err, nil)
	}
	out := &changedInvVisitOutput{Status: c.Status, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}
