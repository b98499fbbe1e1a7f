package pdf

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// ApplicationDoc is what the documents of a registered application print
// (CBT-12, DOC-1): the receipt and the pre-filled application form. The
// caller fills it; this package lays the data out and knows nothing of the
// rules of an application. All text is UTF-8.
type ApplicationDoc struct {
	Agency      string    // e.g. "Istituto previdenziale"
	Title       string    // e.g. "Domanda di cure balneotermali"
	Number      string    // the protocol number, AAAAnnnnnnn
	SubmittedAt time.Time // registration date and time (printed in Europe/Rome)
	Annulled    bool
	AnnulledAt  time.Time

	Summary  []Line    // the identifying rows under the number (office, applicant, channel…)
	Sections []Section // the content, in order
	Note     string    // a closing remark in small print, optional

	VerifyURL string // printed as a QR code and as text under it
}

// ApplicationReceipt renders the receipt of CONFERMA (CBT-12): the
// letterhead, "Ricevuta di presentazione", the protocol number large and
// grouped for reading, the registration date and time, the Summary rows,
// the Sections (requirements' outcome, what happens next) and the QR box.
// Every page carries "Ricevuta della domanda n. NUMBER – Pagina X di N".
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func ApplicationReceipt(w io.Writer, a ApplicationDoc) error {
	c, err := a.layoutDoc()
	if err != nil {
		return err
	}
	const title = "Ricevuta di presentazione della domanda"
	l := newLayout(c, title, "Ricevuta della domanda n. "+a.Number, "Domanda", "Numero di protocollo")
	l.docTitle(title)
	l.plain(a.Title, "B")
	l.annulledNotice()
	l.numberBox()
	l.rows(append([]Line{{"Presentata il", dateIT(a.SubmittedAt) + " alle ore " + clockIT(a.SubmittedAt)}}, a.Summary...))
	l.sections(a.Sections)
	if a.Note != "" {
		l.note(a.Note)
	}
	return l.finish(w)
}

// ApplicationForm renders the pre-filled application (CBT-12): the form
// as the applicant confirmed it, screen by screen, under the letterhead,
// Title and "Domanda n. NUMBER presentata il dd/mm/yyyy alle ore hh:mm".
// Every page carries "Domanda n. NUMBER – Pagina X di N".
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func ApplicationForm(w io.Writer, a ApplicationDoc) error {
	c, err := a.layoutDoc()
	if err != nil {
		return err
	}
	l := newLayout(c, a.Title, "Domanda n. "+a.Number, "Domanda", "Numero di protocollo")
	l.docTitle(a.Title)
	l.plain(fmt.Sprintf("Domanda n. %s presentata il %s alle ore %s", a.Number, dateIT(a.SubmittedAt), clockIT(a.SubmittedAt)), "B")
	l.annulledNotice()
	if len(a.Summary) > 0 {
		l.d.Ln(2)
		l.rows(a.Summary)
	}
	l.sections(a.Sections)
	if a.Note != "" {
		l.note(a.Note)
	}
	return l.finish(w)
}

// sections prints each section's heading, rows and paragraphs.
func (l *certLayout) sections(ss []Section) {
	for _, s := range ss {
		l.heading(s.Title)
		l.rows(s.Lines)
		for _, p := range s.Paragraphs {
			l.para(p)
		}
	}
}

// layoutDoc validates a and returns it as the layout's document; the
// checks are the certificate's for the shared fields, and the summary's
// and the note's own, so that an error names the field at fault.
func (a ApplicationDoc) layoutDoc() (CertificateDoc, error) {
	// The layout prints no doctor or patient block: a placeholder passes
	// the certificate's check, the summary is checked below.
	none := []Line{{Label: "Domanda"}}
	c := CertificateDoc{Agency: a.Agency, Title: a.Title, Number: a.Number, SentAt: a.SubmittedAt, Annulled: a.Annulled,
		AnnulledAt: a.AnnulledAt, Doctor: none, Patient: none, Sections: a.Sections, VerifyURL: a.VerifyURL}
	errs := []error{c.validate()}
	for i, ln := range a.Summary {
		if !oneLine(ln.Label) || (ln.Value != "" && !oneLine(ln.Value)) {
			errs = append(errs, fmt.Errorf("%w: application: summary line %d: empty label or control characters", ErrInvalid, i+1))
		}
	}
	if !multiLine(a.Note) {
		errs = append(errs, fmt.Errorf("%w: application: Note has control characters", ErrInvalid))
	}
	return c, errors.Join(errs...)
}

// ApplicationNotice renders a letter about an application (DOC-1, ST-2):
// a visit summons, a new summons after an absence, the notice that the
// application lapsed. Title names it (e.g. "Convocazione a visita
// medica"); Summary holds the addressee and the application's numbers;
// Sections the body. The footer reads "Title – Domanda n. NUMBER – Pagina
// X di N".
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func ApplicationNotice(w io.Writer, title string, a ApplicationDoc) error {
	c, err := a.layoutDoc()
	if err != nil {
		return err
	}
	if !oneLine(title) {
		return fmt.Errorf("%w: notice: the title is empty or has control characters", ErrInvalid)
	}
	l := newLayout(c, title, title+" – Domanda n. "+a.Number, "Domanda", "Numero di protocollo")
	l.docTitle(title)
	l.plain(fmt.Sprintf("%s – domanda n. %s presentata il %s", a.Title, a.Number, dateIT(a.SubmittedAt)), "B")
	l.d.Ln(2)
	l.rows(a.Summary)
	l.sections(a.Sections)
	if a.Note != "" {
		l.note(a.Note)
	}
	return l.finish(w)
}
