package pdf

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"github.com/sportello/sportello/internal/clock"
)

// CertificateDoc is what the certificate documents print (CERT-5, CERT-9,
// DOC-1). The caller fills it; this package knows nothing of certificate
// rules, it only lays the data out. All text is UTF-8.
type CertificateDoc struct {
	Agency     string    // e.g. "Istituto previdenziale"
	Title      string    // e.g. "Certificato medico per cure termali" or "Certificato medico introduttivo per l'invalidità civile"
	Number     string    // 11 digits AAAAnnnnnnn, e.g. "20260000042"
	SentAt     time.Time // acquisition date and time (printed in Europe/Rome: clock.Rome)
	ExpiresAt  time.Time // zero: none; else "Utilizzabile per la domanda fino al dd/mm/yyyy" (civil invalidity, 90 days)
	Annulled   bool      // true: a big visible "ANNULLATO" mark and the line "Certificato annullato il ..." using AnnulledAt
	AnnulledAt time.Time

	Doctor   []Line    // the certifying doctor block: label/value pairs (Nome e cognome, Codice fiscale, Rapporto con il SSN, Struttura, Iscrizione all'Ordine, Studio)
	Patient  []Line    // the patient block: label/value pairs (Nome e cognome, Codice fiscale, Data e luogo di nascita, Sesso, Residenza)
	Sections []Section // the clinical content, in order

	VerifyURL string // printed as a QR code and as text under it: e.g. "https://sportello.example.it/verifica?t=TOKEN"
}

// Line is one labelled value; Value may be long and wraps. In Doctor and
// Patient it is a single line; in a Section it may hold line breaks.
type Line struct{ Label, Value string }

// Section is a titled part of the clinical content: its Lines
// (label/value) and/or free Paragraphs. Section values and paragraphs may
// hold line breaks (a textarea's CR LF is accepted).
type Section struct {
	Title      string
	Lines      []Line
	Paragraphs []string
}

// Labels the receipt looks for in Doctor and Patient to print only the
// name and codice fiscale (compared ignoring case).
const (
	labelName       = "Nome e cognome"
	labelFiscalCode = "Codice fiscale"
)

// maxVerifyURL bounds the verification address: longer ones make a QR code
// too dense to scan reliably at the printed size.
const maxVerifyURL = 600

// Certificate renders the full certificate (CERT-5): letterhead (Agency),
// Title, "Certificato n. NUMBER del dd/mm/yyyy ore hh:mm", the doctor
// block, the patient block and the Sections in order; any closing
// declaration of the doctor is the caller's, in Sections. A box at the end
// holds the QR code of VerifyURL and the address in clear. Every page
// carries "Certificato n. NUMBER – Pagina X di N". The expiry is not
// printed on an annulled certificate, in this or the other documents.
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func Certificate(w io.Writer, c CertificateDoc) error {
	if err := c.validate(); err != nil {
		return err
	}
	l := newCertLayout(c, c.Title, "Certificato n. "+c.Number)
	l.docTitle(c.Title)
	l.plain(fmt.Sprintf("Certificato n. %s del %s ore %s", c.Number, dateIT(c.SentAt), clockIT(c.SentAt)), "B")
	if c.usableUntil() {
		l.plain("Utilizzabile per la domanda fino al "+dateIT(c.ExpiresAt), "")
	}
	l.annulledNotice()
	l.block("Medico certificatore", c.Doctor)
	l.block("Paziente", c.Patient)
	l.sections(c.Sections)
	return l.finish(w)
}

// Attestation renders the sending attestation (CERT-5): it states that
// certificate N, of kind Title, was acquired on the date and at the time
// of SentAt, and prints all Doctor and Patient lines, the expiry if any,
// the annulment if any, and the QR box. It never prints Sections: the
// attestation may be shown to people who must not read the diagnosis.
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func Attestation(w io.Writer, c CertificateDoc) error {
	if err := c.validate(); err != nil {
		return err
	}
	const title = "Attestato di trasmissione del certificato medico"
	l := newCertLayout(c, title, "Attestato di trasmissione del certificato n. "+c.Number)
	l.docTitle(title)
	l.para(fmt.Sprintf("Si attesta che il certificato n. %s («%s») è stato trasmesso per via telematica "+
		"e acquisito dal sistema informativo il %s alle ore %s.", c.Number, c.Title, dateIT(c.SentAt), clockIT(c.SentAt)))
	l.annulledNotice()
	l.block("Certificato", l.summary())
	l.block("Medico certificatore", c.Doctor)
	l.block("Paziente", c.Patient)
	l.note("L’attestato non riporta la diagnosi né gli altri dati clinici del certificato.")
	return l.finish(w)
}

// Receipt renders the receipt the doctor gives the patient (CERT-9): the
// certificate number large, grouped for reading (2026 0000042) and plain,
// the date of issue, the patient's name and codice fiscale, the doctor's
// name, how the number is used to apply, and the QR box. Names and codice
// fiscale are the Doctor and Patient lines labelled "Nome e cognome" and
// "Codice fiscale" (the first line when no label matches). Like the
// attestation it shows no clinical data.
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func Receipt(w io.Writer, c CertificateDoc) error {
	if err := c.validate(); err != nil {
		return err
	}
	const title = "Ricevuta per il paziente"
	l := newCertLayout(c, title, "Ricevuta del certificato n. "+c.Number)
	l.docTitle(title)
	l.annulledNotice()
	l.numberBox()

	rows := []Line{
		{"Tipo di certificato", c.Title},
		{"Rilasciato il", dateIT(c.SentAt) + " alle ore " + clockIT(c.SentAt)},
	}
	rows = append(rows, pick(c.Patient, "Paziente", labelName, labelFiscalCode)...)
	rows = append(rows, pick(c.Doctor, "Medico certificatore", labelName)...)
	l.rows(rows)

	l.heading("A che cosa serve questo numero")
	l.para("Il numero del certificato serve a collegare il certificato alla domanda. " +
		"Lo conservi e lo comunichi quando presenta la domanda, insieme al Suo codice fiscale.")
	switch {
	case c.Annulled:
		l.para("Il certificato è stato annullato: questo numero non può più essere usato per una domanda.")
	case !c.ExpiresAt.IsZero():
		l.para("Il certificato può essere collegato alla domanda solo fino al " + dateIT(c.ExpiresAt) +
			": dopo questa data il numero non sarà più accettato e servirà un nuovo certificato.")
	}
	l.heading("Come presentare la domanda")
	l.para("Può presentare la domanda online con il Suo PIN, nei servizi online dell’Istituto; " +
		"tramite un patronato, che La assiste gratuitamente; oppure chiamando il contact center " +
		"al numero verde 803164 da telefono fisso (gratuito) o allo 06 164164 da cellulare " +
		"(a pagamento, secondo la tariffa del Suo operatore).")
	l.heading("I Suoi dati sanitari")
	l.para("Questa ricevuta non riporta la diagnosi né altri dati clinici: può mostrarla a chi " +
		"La aiuta a presentare la domanda.")
	return l.finish(w)
}

// certLayout lays out the three certificate documents: one flow of
// headings, label/value rows and paragraphs that breaks pages where
// needed, with a QR box at the end.
type certLayout struct {
	d *fpdf.Fpdf
	c CertificateDoc
	// noun names the document in the annulment notice and the number box:
	// "Certificato" unless set.
	noun, numberLabel string
}

// Layout sizes in millimetres: line heights, the label column of the
// rows, the QR code's side.
const (
	certLH     = 5.0
	certLabelW = 52.0
	certValueW = textW - certLabelW
	certQRSize = 34.0

	keepRowLines = 6                    // rows up to this many lines are kept on one page
	pageBottom   = pageH - marginBottom // where fpdf breaks the page
)

// newCertLayout starts a document: metadata, the annulment watermark and
// the footer on every page, the first page with the letterhead.
func newCertLayout(c CertificateDoc, title, footerName string) *certLayout {
	return newLayout(c, title, footerName, "Certificato", "Numero del certificato")
}

// newLayout is newCertLayout for a document named noun ("Certificato",
// "Domanda"), whose number box is labelled numberLabel.
func newLayout(c CertificateDoc, title, footerName, noun, numberLabel string) *certLayout {
	l := &certLayout{c: c, noun: noun, numberLabel: numberLabel}
	d := newDoc(c.SentAt, title, c.Agency)
	l.d = d
	d.SetSubject(c.Title+" n. "+c.Number, true)
	if c.Annulled {
		d.SetModificationDate(c.AnnulledAt.In(clock.Rome))
		d.SetHeaderFuncMode(func() { watermark(d, l.annulledWord()) }, true)
	}
	d.SetFooterFunc(func() {
		d.SetY(-15)
		d.SetFont("Helvetica", "", 8)
		d.SetTextColor(90, 90, 90)
		// Left-aligned, as in the PIN letter: "{nb}" is replaced after
		// layout, so a right-aligned count would be measured wrongly.
		footer := fmt.Sprintf("%s – Pagina %d di {nb}", footerName, d.PageNo())
		d.CellFormat(textW, 5, win1252(footer), "", 0, "L", false, 0, "")
		d.SetTextColor(0, 0, 0)
	})
	d.AddPage()

	d.SetFont("Helvetica", "B", 13)
	d.MultiCell(textW, 6, win1252(c.Agency), "", "L", false)
	d.SetDrawColor(0, 0, 0)
	d.SetLineWidth(0.3)
	d.Line(marginLeft, d.GetY()+1.5, marginLeft+textW, d.GetY()+1.5)
	d.SetLineWidth(0.2)
	d.Ln(6)
	return l
}

// annulledWord is the mark of an annulled document: ANNULLATO, ANNULLATA.
func (l *certLayout) annulledWord() string { return "ANNULLAT" + strings.ToUpper(l.ending()) }

// need starts a new page unless h millimetres still fit on this one.
func (l *certLayout) need(h float64) {
	if l.d.GetY()+h > pageBottom {
		l.d.AddPage()
	}
}

func (l *certLayout) docTitle(s string) {
	l.d.SetFont("Helvetica", "B", 15)
	l.d.MultiCell(textW, 7, win1252(s), "", "L", false)
	l.d.Ln(2)
}

// plain prints one paragraph of 10 pt text in style ("" or "B") with no
// space after it.
func (l *certLayout) plain(s, style string) {
	l.d.SetFont("Helvetica", style, 10)
	l.d.MultiCell(textW, certLH, win1252Text(s), "", "L", false)
}

func (l *certLayout) para(s string) {
	l.plain(s, "")
	l.d.Ln(2)
}

// note prints a short remark in small grey italics.
func (l *certLayout) note(s string) {
	l.d.Ln(1)
	l.d.SetFont("Helvetica", "I", 9)
	l.d.SetTextColor(70, 70, 70)
	l.d.MultiCell(textW, 4.5, win1252(s), "", "L", false)
	l.d.SetTextColor(0, 0, 0)
	l.d.Ln(2)
}

// heading prints a section title on a shaded band, kept on the same page
// as at least two lines of what follows.
func (l *certLayout) heading(s string) {
	l.d.SetFont("Helvetica", "B", 11)
	lines := l.d.SplitLines([]byte(win1252(s)), textW)
	l.need(float64(len(lines))*6 + 3 + 2*certLH)
	l.d.Ln(3)
	l.d.SetFillColor(235, 235, 235)
	l.d.MultiCell(textW, 6, win1252(s), "", "L", true)
	l.d.Ln(1.5)
}

// block prints a heading and its label/value rows.
func (l *certLayout) block(title string, lines []Line) {
	l.heading(title)
	l.rows(lines)
}

// rows prints label/value pairs in two columns. A short row is never
// split across pages; a longer one starts where at least two lines fit
// and flows onto the next pages, rather than leave most of a page blank.
func (l *certLayout) rows(lines []Line) {
	d := l.d
	for _, ln := range lines {
		label, value := win1252Text(ln.Label), win1252Text(ln.Value)
		if strings.TrimSpace(value) == "" {
			value = win1252("—")
		}
		d.SetFont("Helvetica", "", 9)
		nl := len(d.SplitLines([]byte(label), certLabelW))
		d.SetFont("Helvetica", "", 10)
		nv := len(d.SplitLines([]byte(value), certValueW))
		l.need(float64(max(nl, min(nv, keepRowLines), 1)) * certLH)
		page, y := d.PageNo(), d.GetY()

		d.SetFont("Helvetica", "", 9)
		d.SetTextColor(80, 80, 80)
		d.MultiCell(certLabelW, certLH, label, "", "L", false)
		labelEnd := d.GetY()
		d.SetTextColor(0, 0, 0)

		d.SetXY(marginLeft+certLabelW, y)
		d.SetFont("Helvetica", "", 10)
		d.MultiCell(certValueW, certLH, value, "", "L", false)
		if d.PageNo() == page && labelEnd > d.GetY() {
			d.SetY(labelEnd)
		}
		d.Ln(0.8)
	}
}

// summary returns the rows that identify the certificate: kind, number,
// acquisition and expiry.
func (l *certLayout) summary() []Line {
	c := l.c
	rows := []Line{
		{"Tipo di certificato", c.Title},
		{"Numero del certificato", c.Number},
		{"Acquisito il", dateIT(c.SentAt) + " alle ore " + clockIT(c.SentAt)},
	}
	if c.usableUntil() {
		rows = append(rows, Line{"Utilizzabile per la domanda fino al", dateIT(c.ExpiresAt)})
	}
	return rows
}

// annulledNotice prints, for an annulled certificate, a red framed
// "ANNULLATO" with the date of annulment. The watermark repeats it on
// every page.
func (l *certLayout) annulledNotice() {
	if !l.c.Annulled {
		return
	}
	d := l.d
	const h = 24.0
	l.need(h + 4)
	y := d.GetY() + 2
	d.SetDrawColor(190, 0, 0)
	d.SetLineWidth(0.8)
	d.Rect(marginLeft, y, textW, h, "D")
	d.SetLineWidth(0.2)
	d.SetDrawColor(0, 0, 0)

	d.SetTextColor(190, 0, 0)
	d.SetXY(marginLeft, y+2)
	d.SetFont("Helvetica", "B", 26)
	d.CellFormat(textW, 12, l.annulledWord(), "", 1, "C", false, 0, "")
	d.SetFont("Helvetica", "B", 10)
	at := l.c.AnnulledAt
	d.CellFormat(textW, 6, win1252(l.noun+" annullat"+l.ending()+" il "+dateIT(at)+" alle ore "+clockIT(at)), "", 1, "C", false, 0, "")
	d.SetTextColor(0, 0, 0)
	d.SetY(y + h + 3)
}

// ending is the gender ending of the noun's participle: "annullato",
// "annullata".
func (l *certLayout) ending() string {
	if strings.HasSuffix(l.noun, "a") {
		return "a"
	}
	return "o"
}

// numberBox prints the certificate number in a shaded box: large and
// grouped year + progressive for reading aloud, then plain for typing.
func (l *certLayout) numberBox() {
	d := l.d
	const h = 30.0
	l.need(h + 6)
	y := d.GetY() + 2
	d.SetFillColor(235, 235, 235)
	d.SetLineWidth(0.5)
	d.Rect(marginLeft, y, textW, h, "DF")
	d.SetLineWidth(0.2)

	n := l.c.Number
	d.SetXY(marginLeft, y+2.5)
	d.SetFont("Helvetica", "", 9)
	d.CellFormat(textW, 4.5, win1252(l.numberLabel), "", 1, "C", false, 0, "")
	d.SetX(marginLeft)
	d.SetFont("Courier", "B", 24)
	d.CellFormat(textW, 12, n[:4]+" "+n[4:], "", 1, "C", false, 0, "")
	d.SetX(marginLeft)
	d.SetFont("Helvetica", "", 9)
	d.CellFormat(textW, 5, "Da scrivere senza spazi: "+n, "", 1, "C", false, 0, "")
	d.SetY(y + h + 4)
}

// qrBox prints, in a frame, the QR code of VerifyURL, the sentence that
// explains it and, under the code, the address in clear (also a link).
func (l *certLayout) qrBox() error {
	d := l.d
	const (
		pad      = 3.0
		urlLH    = 3.6
		sentence = "Verifichi l’autenticità del documento inquadrando il codice QR o aprendo l’indirizzo:"
	)
	u := l.c.VerifyURL
	textX := marginLeft + pad + certQRSize + 3
	textWidth := marginLeft + textW - pad - textX
	urlWidth := textW - 2*pad

	d.SetFont("Courier", "", 8)
	urlH := float64(len(d.SplitLines([]byte(u), urlWidth))) * urlLH
	h := pad + certQRSize + 1 + urlH + pad
	l.need(h + 6)

	d.Ln(4)
	y := d.GetY()
	d.SetDrawColor(0, 0, 0)
	d.Rect(marginLeft, y, textW, h, "D")
	if err := drawQR(d, u, marginLeft+pad, y+pad, certQRSize); err != nil {
		return err
	}

	d.SetXY(textX, y+pad+4)
	d.SetFont("Helvetica", "B", 10)
	d.MultiCell(textWidth, certLH, win1252("Verifica dell’autenticità"), "", "L", false)
	d.SetX(textX)
	d.SetFont("Helvetica", "", 9.5)
	d.MultiCell(textWidth, 4.6, win1252(sentence), "", "L", false)

	urlY := y + pad + certQRSize + 1
	d.SetXY(marginLeft+pad, urlY)
	d.SetFont("Courier", "", 8)
	d.MultiCell(urlWidth, urlLH, u, "", "L", false)
	d.LinkString(marginLeft+pad, y+pad, certQRSize, certQRSize, u)
	d.LinkString(marginLeft+pad, urlY, urlWidth, urlH, u)
	d.SetY(y + h + 2)
	return nil
}

// finish adds the QR box and writes the document.
func (l *certLayout) finish(w io.Writer) error {
	if err := l.qrBox(); err != nil {
		return err
	}
	return finish(l.d, w)
}

// watermark draws "ANNULLATO" large, light and diagonal across the page,
// under whatever the page prints next. The letters are strokes, not text:
// diagonal text would be mixed into the lines that text extraction and
// screen readers return. The notice box carries the word as text.
func watermark(d *fpdf.Fpdf, word string) {
	const (
		h     = 30.0     // letter height, mm
		w     = 0.6 * h  // letter width
		gap   = 0.28 * h // between letters
		angle = 55.0     // degrees, counter-clockwise
	)
	cx, cy := pageW/2, pageH/2
	total := float64(len(word))*w + float64(len(word)-1)*gap
	x0, y0 := cx-total/2, cy-h/2

	d.SetDrawColor(245, 200, 200)
	d.SetLineWidth(0.13 * h)
	d.SetLineCapStyle("round")
	d.SetLineJoinStyle("round")
	d.TransformBegin()
	d.TransformRotate(angle, cx, cy)
	for i, r := range word {
		x := x0 + float64(i)*(w+gap)
		for _, stroke := range strokeLetters[r] {
			for j, p := range stroke {
				if j == 0 {
					d.MoveTo(x+p[0]*h, y0+p[1]*h)
				} else {
					d.LineTo(x+p[0]*h, y0+p[1]*h)
				}
			}
			d.DrawPath("D")
		}
	}
	d.TransformEnd()
	d.SetLineCapStyle("butt")
	d.SetLineJoinStyle("miter")
	d.SetLineWidth(0.2)
	d.SetDrawColor(0, 0, 0)
}

// strokeLetters are the letters of the watermark as polylines in a box
// 0.6 wide and 1 high, y growing downwards.
var strokeLetters = map[rune][][][2]float64{
	'A': {{{0, 1}, {0.3, 0}, {0.6, 1}}, {{0.1, 0.66}, {0.5, 0.66}}},
	'N': {{{0, 1}, {0, 0}, {0.6, 1}, {0.6, 0}}},
	'U': {{{0, 0}, {0, 0.8}, {0.15, 1}, {0.45, 1}, {0.6, 0.8}, {0.6, 0}}},
	'L': {{{0, 0}, {0, 1}, {0.55, 1}}},
	'T': {{{0, 0}, {0.6, 0}}, {{0.3, 0}, {0.3, 1}}},
	'O': {{{0.15, 0}, {0.45, 0}, {0.6, 0.2}, {0.6, 0.8}, {0.45, 1}, {0.15, 1}, {0, 0.8}, {0, 0.2}, {0.15, 0}}},
}

// pick returns the lines of ls whose label is one of labels, in the order
// of labels, or the first line of ls when none matches; the first line
// returned is relabelled who (e.g. "Paziente").
func pick(ls []Line, who string, labels ...string) []Line {
	var out []Line
	for _, want := range labels {
		for _, ln := range ls {
			if strings.EqualFold(strings.TrimSpace(ln.Label), want) {
				out = append(out, ln)
				break
			}
		}
	}
	if len(out) == 0 && len(ls) > 0 {
		out = append(out, ls[0])
	}
	if len(out) > 0 {
		out[0].Label = who
	}
	return out
}

// usableUntil reports whether the documents print the expiry: one is set
// and the certificate is not annulled, which would make it meaningless.
func (c CertificateDoc) usableUntil() bool {
	return !c.ExpiresAt.IsZero() && !c.Annulled
}

// clockIT formats t as hh:mm in Europe/Rome.
func clockIT(t time.Time) string {
	return t.In(clock.Rome).Format("15:04")
}

// win1252Text is win1252 for text that may span lines: CR LF and lone CR
// become LF, tabs spaces, and trailing line breaks are dropped (fpdf's
// MultiCell would print an empty line for them).
func win1252Text(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	return win1252(strings.TrimRight(s, "\n"))
}

// multiLine reports whether s has no control characters other than line
// breaks and tabs.
func multiLine(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}) < 0
}

func (c CertificateDoc) validate() error {
	var bad []string
	for _, f := range []struct{ name, v string }{{"Agency", c.Agency}, {"Title", c.Title}} {
		if !oneLine(f.v) {
			bad = append(bad, f.name+" is empty or has control characters")
		}
	}
	if !certNumberShape(c.Number) {
		bad = append(bad, "Number must be 11 digits")
	}
	if c.SentAt.IsZero() {
		bad = append(bad, "SentAt is zero")
	}
	if c.Annulled && c.AnnulledAt.IsZero() {
		bad = append(bad, "AnnulledAt is zero for an annulled certificate")
	}
	if !verifyURLShape(c.VerifyURL) {
		bad = append(bad, fmt.Sprintf("VerifyURL must be an absolute http(s) URL of printable ASCII, shorter than %d bytes", maxVerifyURL))
	}
	for _, b := range []struct {
		name  string
		lines []Line
	}{{"Doctor", c.Doctor}, {"Patient", c.Patient}} {
		if len(b.lines) == 0 {
			bad = append(bad, b.name+" has no lines")
		}
		for i, ln := range b.lines {
			if !oneLine(ln.Label) || (ln.Value != "" && !oneLine(ln.Value)) {
				bad = append(bad, fmt.Sprintf("%s line %d: empty label or control characters", b.name, i+1))
			}
		}
	}
	for i, s := range c.Sections {
		if !oneLine(s.Title) {
			bad = append(bad, fmt.Sprintf("section %d: title is empty or has control characters", i+1))
		}
		for j, ln := range s.Lines {
			if !oneLine(ln.Label) || !multiLine(ln.Value) {
				bad = append(bad, fmt.Sprintf("section %d line %d: empty label or control characters", i+1, j+1))
			}
		}
		for j, p := range s.Paragraphs {
			if !multiLine(p) {
				bad = append(bad, fmt.Sprintf("section %d paragraph %d: control characters", i+1, j+1))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: certificate: %s", ErrInvalid, strings.Join(bad, "; "))
	}
	return nil
}

// certNumberShape reports whether s looks like a certificate number,
// AAAAnnnnnnn. Whether such a certificate exists is not this package's
// concern.
func certNumberShape(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// verifyURLShape reports whether s is an absolute http(s) URL of printable
// ASCII without spaces, short enough for the QR code: what is printed in
// clear is then exactly what the code holds, and can be typed.
func verifyURLShape(s string) bool {
	if len(s) >= maxVerifyURL {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
