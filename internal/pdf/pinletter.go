package pdf

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// PINLetterData is what the PIN letter (ID-1) shows. All text fields are
// UTF-8; single-line fields must not contain control characters.
type PINLetterData struct {
	Agency string // sender, e.g. "Istituto Nazionale della Previdenza Sociale"
	Office string // sending office, e.g. "Direzione provinciale di Roma"
	City   string // the office's city, for the date line: "Roma, 26/11/2026"

	// BaseURL is the public address of the service, e.g.
	// "https://sportello.example.it"; the letter points to BaseURL/accedi.
	BaseURL string

	RecipientName string // "Mario Rossi"
	Address       string // street and number: "Via Appia Nuova 123"
	Postcode      string // "00183" (optional for addresses abroad)
	Municipality  string // "Roma"
	Province      string // "RM" (optional)
	FiscalCode    string // the recipient's codice fiscale

	// SecondHalf is the last 8 characters of the 16-character PIN; the
	// first 8 were shown on screen at the request.
	SecondHalf string

	RequestedAt time.Time // the online request
	IssuedAt    time.Time // the letter's date; also the PDF's creation date
	LetterID    string    // e.g. "PIN-2026-000123", printed in the footer
}

// PINHalfLength is the number of PIN characters the letter carries.
const PINHalfLength = 8

// PINLetter renders the letter that sends the second half of a citizen's
// PIN by ordinary mail (ID-1): A4, the address placed for a left window
// envelope (DIN 5008 type B: 45–90 mm from the top), the second half in
// a box, grouped 4+4.
//
// The output contains a secret: callers should print or send it, not
// log it or keep it longer than delivery requires.
//
// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func PINLetter(w io.Writer, l PINLetterData) error {
	if err := l.validate(); err != nil {
		return err
	}
	d := newDoc(l.IssuedAt, "Seconda parte del PIN", l.Agency)
	t := win1252

	d.SetFooterFunc(func() {
		d.SetY(-15)
		d.SetFont("Helvetica", "", 8)
		d.SetTextColor(90, 90, 90)
		// One left-aligned line: "{nb}" is replaced after layout, so a
		// right-aligned page count would be measured on the placeholder.
		footer := fmt.Sprintf("Lettera %s – Pagina %d di {nb}", l.LetterID, d.PageNo())
		d.CellFormat(textW, 5, t(footer), "", 0, "L", false, 0, "")
		d.SetTextColor(0, 0, 0)
	})
	d.AddPage()
	foldMarks(d)

	// Letterhead.
	d.SetFont("Helvetica", "B", 13)
	d.MultiCell(textW, 6, t(l.Agency), "", "L", false)
	d.SetFont("Helvetica", "", 10)
	d.MultiCell(textW, 5, t(l.Office), "", "L", false)

	// Window: a return line, then the recipient (85 mm wide, from 45 mm).
	const windowW = 80.0 // DIN 5008 B field: 85 mm from x=20; text starts 5 mm in
	d.SetXY(marginLeft, 46)
	d.SetFont("Helvetica", "", 7)
	d.MultiCell(windowW, 3.2, t("Mittente: "+l.Agency+", "+l.Office), "", "L", false)
	d.SetXY(marginLeft, 56)
	d.SetFont("Helvetica", "", 11)
	for _, line := range []string{l.RecipientName, l.Address, join(l.Postcode, l.Municipality, l.Province)} {
		d.MultiCell(windowW, 5.5, t(line), "", "L", false)
	}

	// Below the window: reference, codice fiscale, place and date.
	d.SetXY(marginLeft, 96)
	d.SetFont("Helvetica", "", 10)
	d.CellFormat(textW/2, 5, t("Rif.: "+l.LetterID), "", 0, "L", false, 0, "")
	d.CellFormat(textW/2, 5, t(l.City+", "+dateIT(l.IssuedAt)), "", 1, "R", false, 0, "")
	d.CellFormat(textW, 5, t("Codice fiscale: "+l.FiscalCode), "", 1, "L", false, 0, "")
	d.Ln(4)
	d.SetFont("Helvetica", "B", 10.5)
	d.MultiCell(textW, 5.5, t("Oggetto: seconda parte del Suo PIN per i servizi online"), "", "L", false)
	d.Ln(3)

	const lh = 4.8 // body line height for 10 pt
	para := func(s string) {
		d.SetFont("Helvetica", "", 10)
		d.MultiCell(textW, lh, t(s), "", "L", false)
		d.Ln(2)
	}
	heading := func(s string) {
		d.Ln(1)
		d.SetFont("Helvetica", "B", 10.5)
		d.MultiCell(textW, 5.5, t(s), "", "L", false)
	}
	login := strings.TrimRight(l.BaseURL, "/") + "/accedi"

	para("Gentile " + l.RecipientName + ",")
	para("con questa lettera Le inviamo la seconda parte del PIN che ha chiesto online il " +
		dateIT(l.RequestedAt) + ".")

	secretBox(d, l.SecondHalf)

	para("Quando ha fatto la richiesta, sullo schermo Le sono stati mostrati i primi 8 caratteri " +
		"del PIN; questi sono gli ultimi 8. Il PIN funziona solo completo: i primi 8 caratteri " +
		"seguiti da questi 8, in tutto 16 caratteri. Può scriverlo in maiuscolo o in minuscolo, " +
		"con o senza spazi.")

	heading("Come accedere ai servizi online")
	para("Apra la pagina " + login + " e scriva il Suo codice fiscale e il PIN completo di " +
		"16 caratteri. Dopo troppi tentativi sbagliati l’accesso sarà bloccato per alcuni minuti.")

	heading("Il PIN è solo Suo")
	para("Chi conosce il PIN può agire a Suo nome. Non lo dia a nessuno, neppure a familiari o a " +
		"chi dice di lavorare per l’Istituto. L’Istituto non Le chiederà mai il PIN, né per telefono " +
		"né per e-mail né per SMS: non creda a chi glielo chiede «per un controllo». Conservi questa " +
		"lettera in un luogo sicuro.")

	heading("Se non ha chiesto Lei il PIN")
	para("Qualcuno potrebbe aver usato i Suoi dati. Chiami subito il contact center al numero " +
		"verde 803164 da telefono fisso (gratuito) oppure allo 06 164164 da cellulare (a pagamento, " +
		"secondo la tariffa del Suo operatore), dal lunedì al venerdì dalle 8 alle 20 e il sabato " +
		"dalle 8 alle 14, e chieda di revocare il PIN: da quel momento non funzionerà più.")

	d.Ln(2)
	para("Cordiali saluti.")
	d.SetFont("Helvetica", "", 10)
	d.MultiCell(textW, lh, t(l.Office), "", "L", false)

	return finish(d, w)
}

// secretBox draws the second half in a framed, shaded box, in a monospace
// font, grouped 4+4.
func secretBox(d *fpdf.Fpdf, half string) {
	const h = 22.0
	if d.GetY()+h > pageH-marginBottom {
		d.AddPage()
	}
	y := d.GetY() + 1
	d.SetDrawColor(0, 0, 0)
	d.SetFillColor(235, 235, 235)
	d.SetLineWidth(0.5)
	d.Rect(marginLeft, y, textW, h, "DF")
	d.SetLineWidth(0.2)

	d.SetXY(marginLeft, y+2.5)
	d.SetFont("Helvetica", "", 9)
	d.CellFormat(textW, 4.5, win1252("Seconda parte del PIN (ultimi 8 caratteri)"), "", 1, "C", false, 0, "")
	d.SetX(marginLeft)
	d.SetFont("Courier", "B", 22)
	d.CellFormat(textW, 11, half[:4]+" "+half[4:], "", 1, "C", false, 0, "")
	d.SetY(y + h + 4)
}

// foldMarks draws short marks on the left edge where an A4 sheet is folded
// for a DIN 5008 type B window envelope (105 and 210 mm).
func foldMarks(d *fpdf.Fpdf) {
	d.SetDrawColor(120, 120, 120)
	d.SetLineWidth(0.2)
	for _, y := range []float64{105, 210} {
		d.Line(4, y, 9, y)
	}
	d.SetDrawColor(0, 0, 0)
}

// join joins the non-empty parts with single spaces.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func (l PINLetterData) validate() error {
	var bad []string
	required := []struct{ name, v string }{
		{"Agency", l.Agency}, {"Office", l.Office}, {"City", l.City},
		{"RecipientName", l.RecipientName}, {"Address", l.Address},
		{"Municipality", l.Municipality}, {"FiscalCode", l.FiscalCode},
		{"LetterID", l.LetterID},
	}
	for _, f := range required {
		if !oneLine(f.v) {
			bad = append(bad, f.name+" is empty or has control characters")
		}
	}
	for _, f := range []struct{ name, v string }{{"Postcode", l.Postcode}, {"Province", l.Province}} {
		if f.v != "" && !oneLine(f.v) {
			bad = append(bad, f.name+" has control characters")
		}
	}
	if !pinHalfShape(l.SecondHalf) {
		bad = append(bad, fmt.Sprintf("SecondHalf must be %d upper-case letters or digits", PINHalfLength))
	}
	if u, err := url.Parse(l.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad = append(bad, "BaseURL must be an absolute http(s) URL")
	}
	if l.RequestedAt.IsZero() {
		bad = append(bad, "RequestedAt is zero")
	}
	if l.IssuedAt.IsZero() {
		bad = append(bad, "IssuedAt is zero")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: PIN letter: %s", ErrInvalid, strings.Join(bad, "; "))
	}
	return nil
}

// pinHalfShape reports whether s has the shape of half a PIN. The exact
// alphabet is the identity package's concern; here it must only print
// unambiguously in the monospace box.
func pinHalfShape(s string) bool {
	if len(s) != PINHalfLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
