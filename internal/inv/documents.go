package inv

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/store"
)

// Title is the name of the application on its documents.
const Title = "Domanda di accertamento sanitario – invalidità civile, cecità, sordità, handicap e disabilità"

// DocReceipt is the receipt of a sent application (INV-6).
const DocReceipt = "ricevuta"

const tokenKind = "inv_ricevuta"

// RequestLabels name the requests.
var RequestLabels = map[string]string{
	First:      "Primo riconoscimento",
	Worsening:  "Aggravamento",
	Revision:   "Revisione",
	Disability: "Disabilità (legge 68/1999) sul verbale di invalidità civile",
}

// AssessmentList names the assessments asked, in order.
func AssessmentList(as []string) string {
	var out []string
	for _, a := range as {
		out = append(out, AssessmentLabels[a])
	}
	return strings.Join(out, "; ")
}

// CurrentVisit returns the booking an application waits for, if any.
func (f Filed) CurrentVisit() *store.Visit {
	for i := range f.Visits {
		if f.Visits[i].State == store.VisitBooked {
			return &f.Visits[i]
		}
	}
	return nil
}

// Receipt writes the receipt (INV-6) as PDF: the office, the applicant,
// the submission date, the assessments asked, the intermediary, the
// protocol and Domus numbers, and the visit's date and place when the
// agenda gave one; a QR code checks it at /verifica.
func (s *Service) Receipt(ctx context.Context, a identity.Actor, number string, w io.Writer) error {
	if s.opt.Signer == nil {
		return errors.New("inv: no document signing key configured")
	}
	f, err := s.read(ctx, a, number)
	if err != nil {
		return err
	}
	token, err := s.opt.Signer.Sign(doctoken.Claims{Kind: tokenKind, Number: f.Number, Issued: f.SubmittedAt})
	if err != nil {
		return err
	}
	d := s.receiptDoc(f)
	d.VerifyURL = strings.TrimRight(s.opt.BaseURL, "/") + "/verifica?t=" + url.QueryEscape(token)
	if err := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.read",
		Subject: "person:" + f.Applicant, Detail: mustJSON(map[string]string{"domanda": f.Number, "documento": DocReceipt})}); err != nil {
		return err
	}
	return pdf.ApplicationReceipt(w, d)
}

func (s *Service) officeName(code string) string {
	if o, ok := s.opt.Offices.ByCode(code); ok {
		return o.Name + " (" + o.Code + ")"
	}
	return code
}

// VisitLine says when and where a visit is, in Rome time.
func VisitLine(v store.Visit) string {
	t := v.Slot.StartsAt.In(clock.Rome)
	return t.Format("02/01/2006") + " alle ore " + t.Format("15:04") + ", " + v.Slot.Place + " (" + v.Slot.Commission + ")"
}

func (s *Service) receiptDoc(f Filed) pdf.ApplicationDoc {
	r, d, p := f.Record, f.Record.Draft, f.Record.Person
	out := pdf.ApplicationDoc{Agency: s.opt.Agency, Title: Title, Number: f.Number, SubmittedAt: f.SubmittedAt,
		Annulled: f.State == store.AppAnnulled, AnnulledAt: f.SubmittedAt}
	out.Summary = []pdf.Line{
		{Label: "Numero Domus", Value: f.Domus},
		{Label: "Ufficio", Value: s.officeName(f.Office)},
		{Label: "Richiedente", Value: p.GivenName + " " + p.FamilyName},
		{Label: "Codice fiscale", Value: p.FiscalCode},
		{Label: "Data di nascita", Value: clock.Day(p.BirthDate) + ", " + p.BirthPlace},
		{Label: "Residenza", Value: p.Address + ", " + p.Postcode + " " + p.Municipality + " (" + p.Province + ")"},
		{Label: "Tipo di domanda", Value: RequestLabels[d.Request]},
		{Label: "Accertamenti richiesti", Value: AssessmentList(d.Assessments)},
		{Label: "Canale di presentazione", Value: cbt.ChannelLabel(f.Channel, f.Intermediary)},
	}
	if f.Intermediary != "" {
		out.Summary = append(out.Summary, pdf.Line{Label: "Patronato o associazione (identificativo)", Value: f.Intermediary})
	}
	if g := d.Guardian; g != nil {
		out.Summary = append(out.Summary, pdf.Line{Label: "Tutore", Value: g.GivenName + " " + g.FamilyName + " (" + g.FiscalCode + "), " + strings.ToLower(RelationLabels[g.Relation])})
	}
	if NeedsCertificate(d.Request) {
		out.Summary = append(out.Summary, pdf.Line{Label: "Certificato medico n.", Value: d.Certificate})
	} else if rp := d.Report; rp != nil {
		out.Summary = append(out.Summary, pdf.Line{Label: "Verbale precedente", Value: rp.Number + " del " + clock.Day(rp.Date) + ", " + rp.Body})
	}
	visit := pdf.Section{Title: "Visita medica"}
	switch v := f.CurrentVisit(); {
	case v != nil && v.Slot.Home:
		visit.Lines = []pdf.Line{{Label: "Data della visita domiciliare", Value: VisitLine(*v)}}
		visit.Paragraphs = []string{"La commissione medica La visiterà a domicilio, all'indirizzo di residenza o al domicilio indicato."}
	case v != nil:
		visit.Lines = []pdf.Line{{Label: "Data e luogo della visita", Value: VisitLine(*v)}}
		visit.Paragraphs = []string{"Porti alla visita un documento di identità e la documentazione sanitaria. " +
			"Se ha un impedimento può cambiare la data una sola volta, nei servizi online o tramite il patronato, fino a " +
			strconv.Itoa(s.opt.Agenda.ChangeUntilDays) + " giorni prima della visita. Se è assente sarà convocato di nuovo; " +
			"l'assenza anche alla seconda convocazione vale come rinuncia alla domanda."}
	default:
		visit.Paragraphs = []string{"L'agenda dell'azienda sanitaria non ha ancora una data disponibile: riceverà la convocazione " +
			"alla visita ai recapiti indicati nella domanda."}
	}
	if r.FastTrack {
		visit.Paragraphs = append(visit.Paragraphs, "Patologia oncologica in atto: la visita è fissata entro 15 giorni (legge 80/2006).")
	}
	out.Sections = []pdf.Section{visit, {Title: "Che cosa succede ora", Paragraphs: []string{
		"La domanda è stata registrata con il numero di protocollo e il numero Domus indicati; non è più modificabile.",
		"Dopo la visita la commissione redige il verbale; lo stato della domanda, in ogni fase sanitaria e amministrativa, si segue " +
			"nei servizi online alla voce «Le mie domande», tramite il patronato o chiamando il contact center (803164 da telefono fisso, 06 164164 da cellulare).",
	}}}
	out.Note = "Conservi questa ricevuta: il numero di protocollo e il numero Domus identificano la domanda."
	for i := range out.Summary {
		out.Summary[i].Value = plain.OneLine(out.Summary[i].Value)
	}
	for i := range out.Sections {
		for j := range out.Sections[i].Lines {
			out.Sections[i].Lines[j].Value = plain.OneLine(out.Sections[i].Lines[j].Value)
		}
	}
	return out
}

// read is Application without the audit entry (the caller audits).
func (s *Service) read(ctx context.Context, a identity.Actor, number string) (Filed, error) {
	app, err := s.db.ApplicationByNumber(ctx, strings.TrimSpace(number))
	if err != nil || app.Kind != Kind ||
		identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindApplication, Subject: app.Applicant, Office: app.Office}) != nil {
		return Filed{}, apperr.New(apperr.NotFound, "Domanda non trovata.")
	}
	f := Filed{Application: app}
	if f.Record, err = s.record(ctx, app); err != nil {
		return f, err
	}
	if f.Visits, err = s.db.Visits(ctx, app.Number); err != nil {
		return f, err
	}
	return f, nil
}

// Verification is what /verifica shows.
type Verification = cbt.Verification

var errBadToken = apperr.New(apperr.NotFound, "Il codice di verifica non corrisponde a nessun documento emesso dall'Istituto.")

// Verify checks the token of a receipt (DOC-1) without login.
func (s *Service) Verify(ctx context.Context, token string) (Verification, error) {
	if s.opt.Verifier == nil {
		return Verification{}, errBadToken
	}
	cl, err := s.opt.Verifier.Verify(strings.TrimSpace(token))
	if err != nil || (cl.Kind != tokenKind && cl.Kind != noticeTokenKind) {
		return Verification{}, errBadToken
	}
	app, err := s.db.ApplicationByNumber(ctx, cl.Number)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (app.Kind != Kind || app.SubmittedAt.Sub(cl.Issued).Abs() >= time.Second)) {
		return Verification{}, errBadToken
	}
	if err != nil {
		return Verification{}, err
	}
	doc := "Ricevuta – " + Title
	if cl.Kind == noticeTokenKind {
		doc = "Comunicazione sulla " + strings.ToLower(Title[:1]) + Title[1:]
	}
	return Verification{Document: doc, Number: app.Number, Issued: app.SubmittedAt, Annulled: app.State == store.AppAnnulled}, nil
}
