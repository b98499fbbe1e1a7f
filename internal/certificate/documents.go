package certificate

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/refdata"
)

// The documents of a sent certificate (CERT-5, CERT-9, DOC-1).
const (
	DocCertificate = "certificato" // the certificate itself
	DocAttestation = "attestato"   // the sending attestation
	DocReceipt     = "ricevuta"    // the patient's receipt with the number
)

// Docs lists the documents in the order pages offer them.
var Docs = []string{DocCertificate, DocAttestation, DocReceipt}

// short names the certificate kinds inside verification tokens.
var short = map[string]string{KindSpa: "cbt", KindInvalidity: "inv"}

func tokenKind(doc, kind string) string { return doc + "-" + short[kind] }

// Document writes one of the documents of a doctor's sent certificate as
// PDF, with a QR code carrying a signed verification token.
func (s *Service) Document(ctx context.Context, a identity.Actor, number, doc string, w io.Writer) error {
	if doc != DocCertificate && doc != DocAttestation && doc != DocReceipt {
		return apperr.New(apperr.NotFound, "Documento non trovato.")
	}
	if s.opt.Signer == nil {
		return errors.New("certificate: no document signing key configured")
	}
	c, err := s.Get(ctx, a, number)
	if err != nil {
		return err
	}
	token, err := s.opt.Signer.Sign(doctoken.Claims{Kind: tokenKind(doc, c.Kind), Number: c.Number, Issued: c.SentAt})
	if err != nil {
		return err
	}
	d := sanitize(pdfDoc(c))
	d.Agency = s.opt.Agency
	d.VerifyURL = strings.TrimRight(s.opt.BaseURL, "/") + "/verifica?t=" + url.QueryEscape(token)
	switch doc {
	case DocAttestation:
		return pdf.Attestation(w, d)
	case DocReceipt:
		return pdf.Receipt(w, d)
	}
	return pdf.Certificate(w, d)
}

// RelationshipLabel names a doctor's relationship with the SSN.
func RelationshipLabel(r string) string {
	switch r {
	case doctor.Employee:
		return "Dipendente del Servizio sanitario nazionale"
	case doctor.Affiliated:
		return "Convenzionato con il Servizio sanitario nazionale"
	}
	return r
}

// PurposeLabels name the assessments of a civil-invalidity certificate.
var PurposeLabels = map[string]string{
	"invalidita": "Invalidità civile",
	"cecita":     "Cecità civile",
	"sordita":    "Sordità civile",
	"handicap":   "Handicap (legge 104/1992)",
	"disabilita": "Disabilità (legge 68/1999, collocamento mirato)",
}

// PathologyName names a pathology group.
func PathologyName(p refdata.Pathology) string {
	for _, g := range refdata.Pathologies {
		if g.Code == p {
			return g.Name
		}
	}
	return string(p)
}

func yesNo(b bool) string {
	if b {
		return "Sì"
	}
	return "No"
}

// pdfDoc lays out a sent certificate for the PDFs.
func pdfDoc(c Sent) pdf.CertificateDoc {
	r := c.Record
	d := pdf.CertificateDoc{Title: Title(c.Kind), Number: c.Number, SentAt: c.SentAt, ExpiresAt: c.ExpiresAt,
		Annulled: !c.AnnulledAt.IsZero(), AnnulledAt: c.AnnulledAt}
	d.Doctor = []pdf.Line{
		{Label: "Nome e cognome", Value: r.Doctor.Name},
		{Label: "Codice fiscale", Value: r.Doctor.FiscalCode},
		{Label: "Rapporto con il SSN", Value: RelationshipLabel(r.Doctor.Relationship)},
		{Label: "Struttura", Value: r.Doctor.Body},
		{Label: "Iscrizione all'Ordine dei medici", Value: "Provincia di " + r.Doctor.RegisterProv + ", n. " + r.Doctor.RegisterNo},
	}
	if p := r.Practice; p != nil {
		v := p.Label + " – " + p.Street + ", " + p.Postcode + " " + p.Comune + " (" + p.Province + ")"
		if p.Phone != "" {
			v += " – tel. " + p.Phone
		}
		d.Doctor = append(d.Doctor, pdf.Line{Label: "Studio", Value: v})
	}
	pt := r.Patient
	d.Patient = []pdf.Line{
		{Label: "Nome e cognome", Value: pt.GivenName + " " + pt.FamilyName},
		{Label: "Codice fiscale", Value: pt.FiscalCode},
		{Label: "Data e luogo di nascita", Value: clock.Day(pt.BirthDate) + ", " + pt.BirthPlace},
		{Label: "Sesso", Value: pt.Sex},
		{Label: "Residenza", Value: strings.TrimSpace(pt.Address + ", " + pt.Postcode + " " + pt.Municipality + " " + provinceOf(pt.Province))},
	}
	diagnoses := func(ds []Diagnosis) pdf.Section {
		s := pdf.Section{Title: "Diagnosi"}
		for _, x := range ds {
			s.Lines = append(s.Lines, pdf.Line{Label: "ICD-9-CM " + x.Code, Value: x.Text})
		}
		return s
	}
	switch {
	case r.Spa != nil:
		cure := r.Spa.Cure
		if c, ok := refdata.FindCure(cure); ok {
			cure = c.Name
		}
		d.Sections = []pdf.Section{
			{Title: "Patologia", Lines: []pdf.Line{{Label: "Gruppo di patologie", Value: PathologyName(r.Spa.Pathology)}}},
			diagnoses(r.Spa.Diagnoses),
			{Title: "Prescrizione", Lines: []pdf.Line{{Label: "Cura termale prescritta", Value: cure}}},
			{Title: "Dichiarazione del medico", Paragraphs: []string{
				"Il medico dichiara che il paziente non presenta controindicazioni alle cure termali prescritte."}},
		}
	case r.Invalidity != nil:
		v := r.Invalidity
		var purposes []string
		for _, p := range v.Purposes {
			purposes = append(purposes, PurposeLabels[p])
		}
		d.Sections = []pdf.Section{
			{Title: "Accertamenti richiesti", Paragraphs: []string{strings.Join(purposes, "; ")}},
			diagnoses(v.Diagnoses),
		}
		for _, t := range []struct{ title, text string }{{"Anamnesi", v.Anamnesis}, {"Esame obiettivo", v.Findings}, {"Terapie in corso", v.Therapies}} {
			if t.text != "" {
				d.Sections = append(d.Sections, pdf.Section{Title: t.title, Paragraphs: []string{t.text}})
			}
		}
		d.Sections = append(d.Sections, pdf.Section{Title: "Indicazioni per la procedura", Lines: []pdf.Line{
			{Label: "Patologia oncologica in atto (visita entro 15 giorni, legge 80/2006)", Value: yesNo(v.Oncological)},
			{Label: "Impossibilità di deambulare senza l'aiuto permanente di un accompagnatore", Value: yesNo(v.CannotWalk)},
			{Label: "Impossibilità di compiere gli atti quotidiani della vita senza assistenza continua", Value: yesNo(v.NeedsCare)},
			{Label: "Intrasportabilità (visita domiciliare)", Value: yesNo(v.NotTransportable)},
			{Label: "Malattia in fase terminale", Value: yesNo(v.Terminal)},
			{Label: "Patologia grave del DM 2 agosto 2007 (esonero dalle revisioni)", Value: yesNo(v.SeriousDM2007)},
		}})
	}
	return d
}

// sanitize keeps what the PDF refuses out of the layout: records sent
// before the forms refused control characters still print.
func sanitize(d pdf.CertificateDoc) pdf.CertificateDoc {
	fix := func(ls []pdf.Line, value func(string) string) {
		for i := range ls {
			ls[i].Label, ls[i].Value = plain.OneLine(ls[i].Label), value(ls[i].Value)
		}
	}
	// The doctor's and the patient's lines are one-line fields; the
	// clinical sections may have lines.
	fix(d.Doctor, plain.OneLine)
	fix(d.Patient, plain.OneLine)
	for i := range d.Sections {
		fix(d.Sections[i].Lines, plain.Lines)
		for j, p := range d.Sections[i].Paragraphs {
			d.Sections[i].Paragraphs[j] = plain.Lines(p)
		}
	}
	return d
}

func provinceOf(p string) string {
	if p == "" {
		return ""
	}
	return "(" + p + ")"
}

// Verification is what the public page /verifica shows for a token: only
// the document, its number and date, and whether it is still valid.
type Verification struct {
	Document   string
	Number     string
	Issued     time.Time
	Annulled   bool
	AnnulledAt time.Time
}

var errBadToken = apperr.New(apperr.NotFound, "Il codice di verifica non corrisponde a nessun documento emesso dall'Istituto.")

// Verify checks a verification token (DOC-1) without login. Any forged,
// altered or unknown token gets the same answer.
func (s *Service) Verify(ctx context.Context, token string) (Verification, error) {
	if s.opt.Verifier == nil {
		return Verification{}, errBadToken
	}
	cl, err := s.opt.Verifier.Verify(strings.TrimSpace(token))
	if err != nil {
		return Verification{}, errBadToken
	}
	doc, kindShort, ok := strings.Cut(cl.Kind, "-")
	if !ok {
		return Verification{}, errBadToken
	}
	c, err := s.db.CertificateByNumber(ctx, cl.Number)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (short[c.Kind] != kindShort || c.SentAt.Sub(cl.Issued).Abs() >= time.Second)) {
		return Verification{}, errBadToken
	}
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Number: c.Number, Issued: c.SentAt, Annulled: !c.AnnulledAt.IsZero(), AnnulledAt: c.AnnulledAt}
	switch doc {
	case DocCertificate:
		v.Document = Title(c.Kind)
	case DocAttestation:
		v.Document = "Attestato di trasmissione – " + Title(c.Kind)
	case DocReceipt:
		v.Document = "Ricevuta per il paziente – " + Title(c.Kind)
	default:
		return Verification{}, errBadToken
	}
	return v, nil
}
