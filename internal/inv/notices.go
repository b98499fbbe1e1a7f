package inv

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/store"
)

// Notices (ST-2, DOC-1): every summons to a visit and the lapse of an
// application are letters, rendered in the transaction that causes them
// and queued in the outbox for printing and posting to the domicile given
// (or the residence); the history records that they were sent. E-mail
// copies come with the jobs that deliver the outbox. An installation
// without a document key (tests of other parts) queues none.

// Notice kinds, as the outbox names them.
const (
	NoticeSummons = "inv_convocazione" // a summons to a visit (first or second)
	NoticeLapse   = "inv_decadenza"    // the application lapsed after two absences
)

const noticeTokenKind = "inv_avviso"

// notice renders and queues a letter about app.
func (s *Service) notice(ctx context.Context, tx *store.Tx, app store.Application, rec Record, kind string, v *store.Visit, summons int) error {
	if s.opt.Signer == nil {
		return nil
	}
	token, err := s.opt.Signer.Sign(doctoken.Claims{Kind: noticeTokenKind, Number: app.Number, Issued: app.SubmittedAt})
	if err != nil {
		return err
	}
	p, d := rec.Person, rec.Draft
	address := p.Address + ", " + p.Postcode + " " + p.Municipality + " (" + p.Province + ")"
	if a := d.Domicile; a != nil {
		address = a.Street + ", " + a.Postcode + " " + a.Comune + " (" + a.Province + ")"
	}
	addressee := p.GivenName + " " + p.FamilyName
	if g := d.Guardian; g != nil {
		addressee += ", presso " + g.GivenName + " " + g.FamilyName
	}
	doc := pdf.ApplicationDoc{Agency: s.opt.Agency, Title: Title, Number: app.Number, SubmittedAt: app.SubmittedAt,
		VerifyURL: strings.TrimRight(s.opt.BaseURL, "/") + "/verifica?t=" + url.QueryEscape(token),
		Summary: []pdf.Line{
			{Label: "Destinatario", Value: addressee},
			{Label: "Indirizzo", Value: address},
			{Label: "Codice fiscale", Value: p.FiscalCode},
			{Label: "Numero Domus", Value: app.Domus},
		}}
	title := "Convocazione a visita medica"
	switch kind {
	case NoticeSummons:
		if summons == 2 {
			title = "Nuova convocazione a visita medica"
		}
		doc.Summary = append(doc.Summary, pdf.Line{Label: "Data, ora e luogo", Value: VisitLine(*v)})
		body := []string{"La commissione medica dell'azienda sanitaria La convoca a visita per l'accertamento sanitario richiesto con la domanda indicata."}
		if v.Slot.Home {
			body = []string{"La commissione medica dell'azienda sanitaria La visiterà a domicilio, all'indirizzo indicato, per l'accertamento sanitario richiesto."}
		}
		body = append(body, "Porti un documento di identità, la tessera sanitaria e la documentazione sanitaria in Suo possesso.")
		if summons == 1 {
			body = append(body, "Se ha un impedimento può cambiare la data una sola volta, nei servizi online alla voce «Le mie domande» o tramite il patronato, fino a "+
				strconv.Itoa(s.opt.Agenda.ChangeUntilDays)+" giorni prima della visita.")
			body = append(body, "Se è assente sarà convocato una seconda volta; l'assenza anche alla seconda convocazione vale come rinuncia alla domanda.")
		} else {
			body = append(body, "È la seconda convocazione, dopo l'assenza alla prima: se è assente anche a questa visita la domanda sarà considerata rinunciata e perderà efficacia.")
		}
		doc.Sections = []pdf.Section{{Title: "Convocazione", Paragraphs: body}}
	case NoticeLapse:
		title = "Avviso di decadenza della domanda"
		doc.Sections = []pdf.Section{{Title: "Avviso", Paragraphs: []string{
			"Lei è risultato assente anche alla seconda convocazione a visita medica. Come prevede la procedura, l'assenza alla seconda convocazione vale come rinuncia: la domanda indicata non ha più efficacia.",
			"Per chiedere di nuovo l'accertamento occorre una nuova domanda, con un nuovo certificato medico introduttivo.",
		}}}
	}
	for i := range doc.Summary {
		doc.Summary[i].Value = plain.OneLine(doc.Summary[i].Value)
	}
	var buf bytes.Buffer
	if err := pdf.ApplicationNotice(&buf, title, doc); err != nil {
		return err
	}
	_, err = tx.QueueLetter(ctx, store.Letter{Kind: kind, Recipient: p.FiscalCode, Address: plain.OneLine(addressee + ", " + address),
		Reference: app.Number, Document: buf.Bytes()})
	return err
}
