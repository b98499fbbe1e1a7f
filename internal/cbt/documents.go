package cbt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
)

// The documents of a registered application (CBT-12, DOC-1).
const (
	DocReceipt = "ricevuta" // the receipt of CONFERMA
	DocForm    = "domanda"  // the pre-filled application form
)

// Docs lists the documents in the order pages offer them.
var Docs = []string{DocReceipt, DocForm}

// tokenKinds name the documents inside verification tokens; they cannot
// be mistaken for a certificate's ("ricevuta-cbt").
var tokenKinds = map[string]string{DocReceipt: "cbt_ricevuta", DocForm: "cbt_domanda"}

// Filed is a registered application with its record, for its pages and
// documents.
type Filed struct {
	store.Application
	Record     Record
	AnnulledAt time.Time
}

var errNoApplication = apperr.New(apperr.NotFound, "Domanda non trovata.")

// Application returns a registered application to whoever may read it:
// the applicant, whoever acts for them, and the staff of its office
// (AUD-2); anybody else gets "not found". The read is audited under the
// applicant (AUD-1).
func (s *Service) Application(ctx context.Context, a identity.Actor, number string) (Filed, error) {
	f, err := s.find(ctx, a, number)
	if err != nil {
		return f, err
	}
	return f, s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.read",
		Subject: "person:" + f.Applicant, Detail: mustJSON(map[string]string{"domanda": f.Number})})
}

// find reads an application after the policy, without auditing.
func (s *Service) find(ctx context.Context, a identity.Actor, number string) (Filed, error) {
	number = strings.TrimSpace(number)
	if !certificate.ValidNumber(number) {
		return Filed{}, errNoApplication
	}
	app, err := s.db.ApplicationByNumber(ctx, number)
	if apperr.Is(err, apperr.NotFound) || (err == nil && app.Kind != Kind) {
		return Filed{}, errNoApplication
	}
	if err != nil {
		return Filed{}, err
	}
	if identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindApplication, Subject: app.Applicant, Office: app.Office}) != nil {
		return Filed{}, errNoApplication
	}
	return s.load(ctx, app)
}

// load reads an application's record and annulment.
func (s *Service) load(ctx context.Context, app store.Application) (Filed, error) {
	f := Filed{Application: app}
	reg, err := s.db.FindRegistrationByID(ctx, app.RegistrationID)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(reg.Payload), &f.Record); err != nil {
		return f, fmt.Errorf("cbt: application %s: %w", app.Number, err)
	}
	if app.State == store.AppAnnulled {
		an, err := s.db.FindAnnulment(ctx, app.RegistrationID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return f, err
		}
		f.AnnulledAt = an.AnnulledAt
		if f.AnnulledAt.IsZero() {
			f.AnnulledAt = app.SubmittedAt
		}
	}
	return f, nil
}

// Document writes one of an application's documents as PDF, with a QR
// code carrying a signed verification token; reading it is audited.
func (s *Service) Document(ctx context.Context, a identity.Actor, number, doc string, w io.Writer) error {
	kind, ok := tokenKinds[doc]
	if !ok {
		return apperr.New(apperr.NotFound, "Documento non trovato.")
	}
	if s.opt.Signer == nil {
		return errors.New("cbt: no document signing key configured")
	}
	f, err := s.find(ctx, a, number)
	if err != nil {
		return err
	}
	token, err := s.opt.Signer.Sign(doctoken.Claims{Kind: kind, Number: f.Number, Issued: f.SubmittedAt})
	if err != nil {
		return err
	}
	d := s.layout(f, doc)
	d.VerifyURL = strings.TrimRight(s.opt.BaseURL, "/") + "/verifica?t=" + url.QueryEscape(token)
	if err := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.read",
		Subject: "person:" + f.Applicant, Detail: mustJSON(map[string]string{"domanda": f.Number, "documento": doc})}); err != nil {
		return err
	}
	if doc == DocForm {
		return pdf.ApplicationForm(w, d)
	}
	return pdf.ApplicationReceipt(w, d)
}

// Title is the name of the application on its documents.
const Title = "Domanda di cure balneotermali"

// ChannelLabel names a channel on the documents (CH-1, CH-2).
func ChannelLabel(channel, intermediary string) string {
	switch channel {
	case history.ChannelWeb:
		return "Servizi online (il richiedente con il proprio PIN)"
	case history.ChannelContactCentre:
		return "Contact center (operatore per conto del richiedente)"
	case history.ChannelIntermediary:
		if intermediary != "" {
			return "Patronato o intermediario, codice " + intermediary
		}
		return "Patronato o intermediario"
	case history.ChannelAPI:
		if intermediary != "" {
			return "Servizio telematico del patronato o intermediario, codice " + intermediary
		}
		return "Servizio telematico (API)"
	case history.ChannelPaper:
		return "Domanda cartacea registrata dall'ufficio (periodo transitorio)"
	}
	return channel
}

// RoleLabel names an operator's role on the documents.
func RoleLabel(role string) string {
	switch identity.Role(role) {
	case identity.RoleIntermediary:
		return "operatore di patronato o intermediario"
	case identity.RoleContactCentre:
		return "operatore del contact center"
	case identity.RoleOffice:
		return "personale dell'ufficio"
	}
	return role
}

// OverallLabel says the requirements' outcome in a sentence.
func OverallLabel(overall string) string {
	switch overall {
	case rules.Entitled:
		return "Dai dati degli archivi dell'Istituto risultano tutti i requisiti."
	case rules.Exceptional:
		return "Risultano i requisiti, ma il ciclo di cure oltre il quinto richiede l'approvazione del centro medico legale e il parere del coordinamento medico legale."
	case rules.Excluded:
		return "Dai dati degli archivi dell'Istituto alcuni requisiti non risultano soddisfatti. La domanda è stata comunque acquisita: l'ufficio la verificherà."
	case rules.Incomplete:
		return "Alcuni requisiti non si possono verificare con i dati degli archivi: l'ufficio li verificherà."
	}
	return overall
}

func (s *Service) officeName(code string) string {
	if o, ok := s.opt.Offices.ByCode(code); ok {
		return o.Name + " (" + o.Code + ")"
	}
	return code
}

// operatorLine names who sent the application for the applicant.
func operatorLine(op *Operator) string {
	v := op.Name
	if v == "" {
		v = op.FiscalCode
	}
	v += ", " + RoleLabel(op.Role)
	if op.Organisation != "" {
		v += " (" + op.Organisation + ")"
	}
	return v
}

// layout lays out a document of f: the receipt or the form.
func (s *Service) layout(f Filed, doc string) pdf.ApplicationDoc {
	r, d, p := f.Record, f.Record.Draft, f.Record.Person
	out := pdf.ApplicationDoc{Agency: s.opt.Agency, Title: Title, Number: f.Number, SubmittedAt: f.SubmittedAt,
		Annulled: f.State == store.AppAnnulled, AnnulledAt: f.AnnulledAt}
	channel := ChannelLabel(f.Channel, f.Intermediary)
	if r.Paper != nil {
		channel += ", ricevuta il " + clock.Day(r.Paper.Received)
	}
	cure := d.Cure
	if c, ok := refdata.FindCure(d.Cure); ok {
		cure = c.Name
	}
	out.Summary = []pdf.Line{
		{Label: "Ufficio competente", Value: s.officeName(f.Office)},
		{Label: "Richiedente", Value: p.GivenName + " " + p.FamilyName},
		{Label: "Codice fiscale", Value: p.FiscalCode},
		{Label: "Canale di presentazione", Value: channel},
	}
	if r.Operator != nil {
		out.Summary = append(out.Summary, pdf.Line{Label: "Presentata da", Value: operatorLine(r.Operator)})
	}
	if f.Intermediary != "" {
		out.Summary = append(out.Summary, pdf.Line{Label: "Codice dell'intermediario", Value: f.Intermediary})
	}
	out.Summary = append(out.Summary,
		pdf.Line{Label: "Anno delle cure", Value: strconv.Itoa(f.Year)},
		pdf.Line{Label: "Cura richiesta", Value: certificate.PathologyName(d.Pathology) + " – " + cure},
		pdf.Line{Label: "Certificato medico n.", Value: d.Certificate},
	)
	outcome := pdf.Section{Title: "Esito della verifica dei requisiti", Paragraphs: []string{OverallLabel(r.Overall)}}
	for _, sf := range r.Shortfalls {
		label := sf.Title
		if sf.Result == string(rules.Fail) {
			label += " – non soddisfatto"
		} else {
			label += " – da verificare"
		}
		outcome.Lines = append(outcome.Lines, pdf.Line{Label: label, Value: sf.Reason})
	}
	if r.Corrected {
		outcome.Paragraphs = append(outcome.Paragraphs, "Sono stati corretti i dati delle cure concesse negli anni precedenti: l'ufficio verificherà la correzione.")
	}
	if doc == DocReceipt {
		contacts := strings.Join(nonEmpty(d.Phone, d.Mobile, d.Email), ", ")
		next := pdf.Section{Title: "Che cosa succede ora", Paragraphs: []string{
			"La domanda è stata registrata con il numero di protocollo indicato e trasmessa all'ufficio competente, che la istruisce. " +
				"Non è più modificabile.",
			"Riceverà la convocazione per la visita medica presso il centro medico legale della sede provinciale competente, " +
				"ai recapiti indicati nella domanda (" + contacts + "). Alla visita porti un documento di identità e la documentazione sanitaria.",
			"Può seguire lo stato della domanda nei servizi online, alla voce «Le mie domande», con il Suo PIN, " +
				"tramite il patronato o chiamando il contact center (803164 da telefono fisso, 06 164164 da cellulare).",
		}}
		out.Sections = []pdf.Section{outcome, next}
		out.Note = "Conservi questa ricevuta: il numero di protocollo identifica la domanda in ogni comunicazione con l'Istituto."
		return sanitize(out)
	}
	domicile := "Uguale alla residenza"
	if a := d.Domicile; a != nil {
		domicile = a.Street + ", " + a.Postcode + " " + a.Comune + " (" + a.Province + ")"
	}
	previous := []pdf.Line{
		{Label: "Anno della prima concessione (archivi)", Value: yearOrNone(r.RegistryFirstGrant)},
		{Label: "Cure concesse negli anni precedenti (archivi)", Value: strconv.Itoa(r.RegistryGrants)},
	}
	if d.Corrected {
		previous = append(previous,
			pdf.Line{Label: "Anno della prima concessione (corretto dal richiedente)", Value: yearOrNone(d.FirstGrantYear)},
			pdf.Line{Label: "Cure concesse negli anni precedenti (corretto dal richiedente)", Value: strconv.Itoa(d.PreviousGrants)},
			pdf.Line{Label: "Motivo della correzione", Value: d.CorrectionNotes})
	}
	employment := pdf.Section{Title: "7. Situazione lavorativa", Lines: []pdf.Line{
		{Label: "Attività", Value: r.Activity}, {Label: "Qualifica", Value: r.Qualification}}}
	out.Sections = []pdf.Section{
		{Title: "1. Dati anagrafici", Lines: []pdf.Line{
			{Label: "Cognome e nome", Value: p.FamilyName + " " + p.GivenName},
			{Label: "Codice fiscale", Value: p.FiscalCode},
			{Label: "Data e luogo di nascita", Value: clock.Day(p.BirthDate) + ", " + p.BirthPlace},
			{Label: "Sesso", Value: p.Sex},
			{Label: "Residenza", Value: p.Address + ", " + p.Postcode + " " + p.Municipality + " (" + p.Province + ")"},
		}},
		{Title: "2. Domicilio", Lines: []pdf.Line{{Label: "Domicilio", Value: domicile}}},
		{Title: "3. Recapiti e ufficio competente", Lines: []pdf.Line{
			{Label: "Telefono", Value: d.Phone}, {Label: "Cellulare", Value: d.Mobile}, {Label: "Posta elettronica", Value: d.Email},
			{Label: "Ufficio competente", Value: s.officeName(d.Office)},
		}},
		{Title: "4. Richieste precedenti", Lines: previous},
		{Title: "5. Dati della domanda", Lines: []pdf.Line{
			{Label: "Anno di riferimento", Value: strconv.Itoa(d.Year)},
			{Label: "Gruppo di patologie", Value: certificate.PathologyName(d.Pathology)},
			{Label: "Cura", Value: cure},
		}},
		{Title: "6. Dati sanitari", Lines: []pdf.Line{
			{Label: "Numero del certificato medico", Value: d.Certificate},
			{Label: "Azienda sanitaria di riferimento", Value: s.officeName(d.ASL)},
		}},
		employment,
		outcome,
	}
	out.Sections[len(out.Sections)-1].Title = "8. " + outcome.Title
	out.Note = "Modello precompilato con i dati confermati dal richiedente: la domanda registrata non si può modificare."
	return sanitize(out)
}

func yearOrNone(y int) string {
	if y == 0 {
		return "Nessuna"
	}
	return strconv.Itoa(y)
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return []string{"nessun recapito"}
	}
	return out
}

// sanitize keeps control characters out of the layout: registry data
// and typed text are one-line fields; reasons may have lines.
func sanitize(d pdf.ApplicationDoc) pdf.ApplicationDoc {
	for i := range d.Summary {
		d.Summary[i].Value = plain.OneLine(d.Summary[i].Value)
	}
	for i := range d.Sections {
		for j := range d.Sections[i].Lines {
			ln := &d.Sections[i].Lines[j]
			ln.Label, ln.Value = plain.OneLine(ln.Label), plain.Lines(ln.Value)
		}
		for j, p := range d.Sections[i].Paragraphs {
			d.Sections[i].Paragraphs[j] = plain.Lines(p)
		}
	}
	return d
}

// Verification is what the public page /verifica shows for a document of
// an application: the document, the number and date, annulled or not.
type Verification = certificate.Verification

var errBadToken = apperr.New(apperr.NotFound, "Il codice di verifica non corrisponde a nessun documento emesso dall'Istituto.")

// Verify checks a verification token of an application's document (DOC-1)
// without login; anything forged, altered or unknown gets one answer.
func (s *Service) Verify(ctx context.Context, token string) (Verification, error) {
	if s.opt.Verifier == nil {
		return Verification{}, errBadToken
	}
	cl, err := s.opt.Verifier.Verify(strings.TrimSpace(token))
	if err != nil {
		return Verification{}, errBadToken
	}
	var doc string
	for d, k := range tokenKinds {
		if k == cl.Kind {
			doc = d
		}
	}
	if doc == "" {
		return Verification{}, errBadToken
	}
	app, err := s.db.ApplicationByNumber(ctx, cl.Number)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (app.Kind != Kind || app.SubmittedAt.Sub(cl.Issued).Abs() >= time.Second)) {
		return Verification{}, errBadToken
	}
	if err != nil {
		return Verification{}, err
	}
	f, err := s.load(ctx, app)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Number: f.Number, Issued: f.SubmittedAt, Annulled: f.State == store.AppAnnulled, AnnulledAt: f.AnnulledAt}
	v.Document = "Ricevuta di presentazione – " + Title
	if doc == DocForm {
		v.Document = Title + " (modello precompilato)"
	}
	return v, nil
}
