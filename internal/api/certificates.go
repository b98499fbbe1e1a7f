package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

// The certifying doctor's certificates through the API (CERT-3…CERT-9,
// DOC-1), for practice-management software: drafts, sending (from a draft
// or in one call), the list, a certificate, its annulment and its PDFs.
// Every creation goes through once, so that a retried request never sends
// a second certificate nor takes a second number.

const (
	certificatesPath = "/api/v1/certificates"
	draftsPath       = certificatesPath + "/drafts"
)

var msgOtherKind = msg("api.err.other_kind")

func certificatePath(number string) string { return certificatesPath + "/" + number }
func draftPath(id int64) string            { return draftsPath + "/" + strconv.FormatInt(id, 10) }

// checkContent refuses content of the other kind of certificate, which
// the service would drop without a word.
func checkContent(c CertificateContent) error {
	var member string
	switch {
	case c.Kind == certificate.KindSpa && c.Invalidity != nil:
		member = "body.invalidita_civile"
	case c.Kind == certificate.KindInvalidity && c.Spa != nil:
		member = "body.cure_termali"
	default:
		return nil
	}
	return &problem{status: http.StatusUnprocessableEntity, detail: msgInvalid,
		errors: []fieldError{{location: member, message: msgOtherKind}}}
}

var diagnosisField = regexp.MustCompile(`^diagnosi_([0-9]+)_(testo|codice)$`)

// contentFields moves the field problems of a certificate's content to
// where the body holds them: the service names the web form's flat fields
// ("cura", "diagnosi_2_codice"), the body nests them
// ("cure_termali.cura", "cure_termali.diagnosi[1].codice").
func contentFields(kind string, err error) error {
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	member := ""
	switch kind {
	case certificate.KindSpa:
		member = "cure_termali."
	case certificate.KindInvalidity:
		member = "invalidita_civile."
	}
	out := &apperr.Error{Code: ae.Code, Message: ae.Message, Err: ae.Err, Fields: make(map[string]string, len(ae.Fields))}
	for name, m := range ae.Fields {
		switch {
		case name == "tipo" || name == "codice_fiscale_paziente" || name == "studio" || headerFields[name]:
		default:
			if sub := diagnosisField.FindStringSubmatch(name); sub != nil {
				n, _ := strconv.Atoi(sub[1])
				name = fmt.Sprintf("diagnosi[%d].%s", n-1, sub[2])
			}
			name = member + name
		}
		out.Fields[name] = m
	}
	return out
}

func diagnosesIn(ds []Diagnosis) []certificate.Diagnosis {
	var out []certificate.Diagnosis
	for _, d := range ds {
		out = append(out, certificate.Diagnosis{Text: d.Text, Code: d.Code})
	}
	return out
}

func diagnosesOut(ds []certificate.Diagnosis) []Diagnosis {
	var out []Diagnosis
	for _, d := range ds {
		out = append(out, Diagnosis{Text: d.Text, Code: d.Code})
	}
	return out
}

func spaOut(s *certificate.Spa) *SpaContent {
	if s == nil {
		return nil
	}
	return &SpaContent{Pathology: string(s.Pathology), Diagnoses: diagnosesOut(s.Diagnoses), Cure: s.Cure,
		NoContraindications: s.NoContraindications}
}

func invalidityOut(v *certificate.Invalidity) *InvalidityContent {
	if v == nil {
		return nil
	}
	return &InvalidityContent{Purposes: v.Purposes, Diagnoses: diagnosesOut(v.Diagnoses), Anamnesis: v.Anamnesis,
		Findings: v.Findings, Therapies: v.Therapies, Oncological: v.Oncological, CannotWalk: v.CannotWalk,
		NeedsCare: v.NeedsCare, NotTransportable: v.NotTransportable, Terminal: v.Terminal, SeriousDM2007: v.SeriousDM2007}
}

// draftIn is the service's draft for a body; id 0 is a new one.
func draftIn(id int64, c CertificateContent) certificate.Draft {
	d := certificate.Draft{ID: id, Kind: c.Kind, Patient: c.Patient, AddressID: c.AddressID}
	if s := c.Spa; s != nil {
		d.Spa = &certificate.Spa{Pathology: refdata.Pathology(s.Pathology), Diagnoses: diagnosesIn(s.Diagnoses), Cure: s.Cure,
			NoContraindications: s.NoContraindications}
	}
	if v := c.Invalidity; v != nil {
		d.Invalidity = &certificate.Invalidity{Purposes: v.Purposes, Diagnoses: diagnosesIn(v.Diagnoses), Anamnesis: v.Anamnesis,
			Findings: v.Findings, Therapies: v.Therapies, Oncological: v.Oncological, CannotWalk: v.CannotWalk,
			NeedsCare: v.NeedsCare, NotTransportable: v.NotTransportable, Terminal: v.Terminal, SeriousDM2007: v.SeriousDM2007}
	}
	return d
}

func draftOut(d certificate.Draft) CertificateDraft {
	return CertificateDraft{ID: d.ID, CertificateContent: CertificateContent{Kind: d.Kind, Patient: d.Patient, AddressID: d.AddressID,
		Spa: spaOut(d.Spa), Invalidity: invalidityOut(d.Invalidity)}, UpdatedAt: rome(d.UpdatedAt), ExpiresAt: rome(d.ExpiresAt)}
}

func documentsOf(number string) CertificateDocuments {
	base := certificatePath(number) + "/documents/"
	return CertificateDocuments{Certificate: base + certificate.DocCertificate, Attestation: base + certificate.DocAttestation,
		Receipt: base + certificate.DocReceipt}
}

// zeroOrRome keeps a zero time zero (omitted) and shows any other in Rome.
func zeroOrRome(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return rome(t)
}

func certificateOut(c certificate.Sent) Certificate {
	r := c.Record
	out := Certificate{Number: c.Number, Kind: c.Kind, State: "sent", Patient: c.Patient, SentAt: rome(c.SentAt),
		ExpiresAt: zeroOrRome(c.ExpiresAt), Linked: c.LinkedTo != "", AnnulledAt: zeroOrRome(c.AnnulledAt),
		AnnulmentReason: c.AnnulReason, Documents: documentsOf(c.Number),
		Content: CertificateRecord{
			Doctor: RecordDoctor{FiscalCode: r.Doctor.FiscalCode, Name: r.Doctor.Name, Relationship: r.Doctor.Relationship,
				Body: r.Doctor.Body, RegisterProv: r.Doctor.RegisterProv, RegisterNo: r.Doctor.RegisterNo},
			Patient: RecordPatient{FiscalCode: r.Patient.FiscalCode, GivenName: r.Patient.GivenName, FamilyName: r.Patient.FamilyName,
				BirthDate: r.Patient.BirthDate, BirthPlace: r.Patient.BirthPlace, Sex: r.Patient.Sex, Address: r.Patient.Address,
				Postcode: r.Patient.Postcode, Municipality: r.Patient.Municipality, Province: r.Patient.Province},
			Spa: spaOut(r.Spa), Invalidity: invalidityOut(r.Invalidity)}}
	if !c.AnnulledAt.IsZero() {
		out.State = "annulled"
	}
	if p := r.Practice; p != nil {
		out.Content.Practice = &RecordPractice{Label: p.Label, Street: p.Street, Postcode: p.Postcode, Comune: p.Comune,
			Province: p.Province, Phone: p.Phone}
	}
	return out
}

func entryOut(e store.CertificateEntry) CertificateEntry {
	out := CertificateEntry{Kind: e.Kind, Patient: e.Patient, Date: rome(e.SentAt), ExpiresAt: zeroOrRome(e.ExpiresAt),
		AnnulledAt: zeroOrRome(e.AnnulledAt), Linked: e.LinkedTo != ""}
	switch {
	case e.IsDraft():
		out.State, out.DraftID, out.URL = "draft", e.DraftID, draftPath(e.DraftID)
	case !e.AnnulledAt.IsZero():
		out.State, out.Number, out.URL = "annulled", e.Number, certificatePath(e.Number)
	default:
		out.State, out.Number, out.URL = "sent", e.Number, certificatePath(e.Number)
	}
	return out
}

type createDraftInput struct {
	IdempotencyKey
	Body CertificateContent
}

type createdDraftOutput struct {
	Status   int
	Location string `header:"Location" doc:"The draft's address."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     CertificateDraft
}

// createDraft saves a new draft (CERT-3), at most once per Idempotency-Key.
func (a *API) createDraft(ctx context.Context, in *createDraftInput) (*createdDraftOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := checkContent(in.Body); err != nil {
		return nil, a.fail(ctx, err)
	}
	c, replayed, err := once(ctx, a.db, "POST "+draftsPath, in.Key, in.Body, func(tx *store.Tx) (created[CertificateDraft], error) {
		d, err := a.certs.WithTx(tx).SaveDraft(ctx, actor, draftIn(0, in.Body))
		if err != nil {
			return created[CertificateDraft]{}, err
		}
		return created[CertificateDraft]{Location: draftPath(d.ID), Body: draftOut(d)}, nil
	})
	if err != nil {
		return nil, a.certFail(ctx, contentFields(in.Body.Kind, err))
	}
	out := &createdDraftOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

type draftInput struct {
	ID int64 `path:"id" minimum:"1" doc:"The draft's identifier."`
}

type draftOutput struct {
	Body CertificateDraft
}

// getDraft returns one of the doctor's drafts, to resume it (CERT-3).
func (a *API) getDraft(ctx context.Context, in *draftInput) (*draftOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	d, err := a.certs.FindDraft(ctx, actor, in.ID)
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &draftOutput{Body: draftOut(d)}, nil
}

type putDraftInput struct {
	ID   int64 `path:"id" minimum:"1" doc:"The draft's identifier."`
	Body CertificateContent
}

// putDraft replaces the content of one of the doctor's drafts; its 30
// days start again.
func (a *API) putDraft(ctx context.Context, in *putDraftInput) (*draftOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := checkContent(in.Body); err != nil {
		return nil, a.fail(ctx, err)
	}
	d, err := a.certs.SaveDraft(ctx, actor, draftIn(in.ID, in.Body))
	if err != nil {
		return nil, a.certFail(ctx, contentFields(in.Body.Kind, err))
	}
	return &draftOutput{Body: draftOut(d)}, nil
}

// deleteDraft deletes one of the doctor's drafts.
func (a *API) deleteDraft(ctx context.Context, in *draftInput) (*struct{}, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.certs.DeleteDraft(ctx, actor, in.ID); err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &struct{}{}, nil
}

type sendDraftInput struct {
	IdempotencyKey
	ID int64 `path:"id" minimum:"1" doc:"The draft's identifier."`
}

type sentOutput struct {
	Status   int
	Location string `header:"Location" doc:"The certificate's address."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     Certificate
}

func sentOut(c created[Certificate], replayed bool) *sentOutput {
	out := &sentOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out
}

// sendDraft sends one of the doctor's drafts as it was last saved (CERT-4):
// the certificate takes the next number of the year and the draft is
// deleted. A refusal names every wrong member and keeps the draft. The
// draft is read inside once: a retry after a success, when the draft is
// gone, still finds the first answer.
func (a *API) sendDraft(ctx context.Context, in *sendDraftInput) (*sentOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	var kind string
	op := "POST " + draftPath(in.ID) + "/send"
	c, replayed, err := once(ctx, a.db, op, in.Key, struct{}{}, func(tx *store.Tx) (created[Certificate], error) {
		d, err := a.certs.FindDraft(ctx, actor, in.ID)
		if err != nil {
			return created[Certificate]{}, err
		}
		kind = d.Kind
		sent, err := a.certs.WithTx(tx).Send(ctx, actor, d)
		if err != nil {
			return created[Certificate]{}, err
		}
		return created[Certificate]{Location: certificatePath(sent.Number), Body: certificateOut(sent)}, nil
	})
	if err != nil {
		return nil, a.certFail(ctx, contentFields(kind, err))
	}
	return sentOut(c, replayed), nil
}

type sendInput struct {
	IdempotencyKey
	Body CertificateContent
}

// sendCertificate checks and sends a complete certificate in one call
// (CERT-4), at most once per Idempotency-Key: a retry gets the first
// answer, with the same number.
func (a *API) sendCertificate(ctx context.Context, in *sendInput) (*sentOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := checkContent(in.Body); err != nil {
		return nil, a.fail(ctx, err)
	}
	c, replayed, err := once(ctx, a.db, "POST "+certificatesPath, in.Key, in.Body, func(tx *store.Tx) (created[Certificate], error) {
		sent, err := a.certs.WithTx(tx).Send(ctx, actor, draftIn(0, in.Body))
		if err != nil {
			return created[Certificate]{}, err
		}
		return created[Certificate]{Location: certificatePath(sent.Number), Body: certificateOut(sent)}, nil
	})
	if err != nil {
		return nil, a.certFail(ctx, contentFields(in.Body.Kind, err))
	}
	return sentOut(c, replayed), nil
}

type listCertificatesInput struct {
	PageParams
	State   string `query:"state" enum:"draft,sent,annulled" doc:"Only drafts, valid certificates or annulled ones; all if absent."`
	Kind    string `query:"kind" enum:"certificato_cbt,certificato_invalidita" doc:"Only this kind."`
	Patient string `query:"patient" maxLength:"32" example:"RSSMRA56L12H501D" doc:"Only this patient (codice fiscale)."`
	From    string `query:"from" format:"date" example:"2026-03-01" doc:"Only those sent (drafts: last changed) on or after this day, YYYY-MM-DD in Europe/Rome."`
	To      string `query:"to" format:"date" example:"2026-03-31" doc:"Only those sent (drafts: last changed) on or before this day, YYYY-MM-DD in Europe/Rome."`
}

// listCertificates lists the doctor's certificates and drafts, newest
// first (CERT-6). Like the web list, it needs the first-access
// declaration. Bad filters are problems at their query parameter.
func (a *API) listCertificates(ctx context.Context, in *listCertificatesInput) (*PageOutput[CertificateEntry], error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	f := store.CertificateFilter{State: in.State, Kind: in.Kind, Limit: in.PerPage, Offset: in.offset()}
	q := url.Values{}
	var bad []fieldError
	if in.State != "" {
		q.Set("state", in.State)
	}
	if in.Kind != "" {
		q.Set("kind", in.Kind)
	}
	if p := strings.TrimSpace(in.Patient); p != "" {
		if err := codicefiscale.Validate(codicefiscale.Normalize(p)); err != nil {
			bad = append(bad, fieldError{location: "query.patient", message: same(messageOf(err))})
		}
		f.Patient = p
		q.Set("patient", in.Patient)
	}
	// huma has checked the format; the parse cannot fail on what it let in.
	if in.From != "" {
		f.From, _ = time.ParseInLocation(time.DateOnly, in.From, clock.Rome)
		q.Set("from", in.From)
	}
	if in.To != "" {
		to, _ := time.ParseInLocation(time.DateOnly, in.To, clock.Rome)
		f.To = to.AddDate(0, 0, 1) // the whole day
		q.Set("to", in.To)
		if in.From != "" && to.Before(f.From) {
			bad = append(bad, fieldError{location: "query.to", message: msg("api.err.date_range")})
		}
	}
	if len(bad) > 0 {
		return nil, &problem{status: http.StatusUnprocessableEntity, detail: msgInvalid, errors: bad}
	}
	rows, total, err := a.certs.List(ctx, actor, f)
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	items := make([]CertificateEntry, 0, len(rows))
	for _, e := range rows {
		items = append(items, entryOut(e))
	}
	return newPage(in.PageParams, items, total, certificatesPath, q), nil
}

// messageOf is the Italian message of an application error.
func messageOf(err error) string {
	if ae, ok := errors.AsType[*apperr.Error](err); ok && ae.Message != "" {
		return ae.Message
	}
	return err.Error()
}

type certificateInput struct {
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The certificate's number."`
}

type certificateOutput struct {
	Body Certificate
}

// getCertificate returns one of the doctor's sent certificates with its
// content, state, expiry and annulment; the read is audited. Another
// doctor's certificate is "not found".
func (a *API) getCertificate(ctx context.Context, in *certificateInput) (*certificateOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	c, err := a.certs.Get(ctx, actor, in.Number)
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &certificateOutput{Body: certificateOut(c)}, nil
}

type annulInput struct {
	IdempotencyKey
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The certificate's number."`
	Body   AnnulmentRequest
}

type annulOutput struct {
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     Certificate
}

// annulCertificate annuls one of the doctor's certificates with a reason
// while no application uses it (CERT-8): 409 once linked or already
// annulled. The certificate stays readable, marked annulled.
func (a *API) annulCertificate(ctx context.Context, in *annulInput) (*annulOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	op := "POST " + certificatePath(in.Number) + "/annulment"
	c, replayed, err := once(ctx, a.db, op, in.Key, in.Body, func(tx *store.Tx) (created[Certificate], error) {
		an, err := a.certs.WithTx(tx).Annul(ctx, actor, in.Number, in.Body.Reason)
		if err != nil {
			return created[Certificate]{}, err
		}
		return created[Certificate]{Status: http.StatusOK, Location: certificatePath(an.Number), Body: certificateOut(an)}, nil
	})
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	out := &annulOutput{Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

type documentInput struct {
	Number string `path:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"The certificate's number."`
	Doc    string `path:"doc" enum:"certificato,attestato,ricevuta" doc:"certificato (the certificate), attestato (the attestation of sending) or ricevuta (the patient's receipt)."`
}

type documentOutput struct {
	ContentType        string `header:"Content-Type" hidden:"true"`
	ContentDisposition string `header:"Content-Disposition" doc:"inline, with a file name such as ricevuta-20260000042.pdf."`
	Body               []byte
}

// getDocument returns one of a certificate's PDFs (CERT-5, CERT-9, DOC-1),
// with the QR code that anyone can check at /verifica.
func (a *API) getDocument(ctx context.Context, in *documentInput) (*documentOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	var buf bytes.Buffer
	if err := a.certs.Document(ctx, actor, in.Number, in.Doc, &buf); err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &documentOutput{ContentType: "application/pdf",
		ContentDisposition: fmt.Sprintf(`inline; filename="%s-%s.pdf"`, in.Doc, in.Number), Body: buf.Bytes()}, nil
}
