// Package pdf renders Sportello's documents (DOC-1) as PDF. Each document
// is a function that behaves like an encoder: domain values in, bytes to an
// io.Writer out. The output depends only on its inputs — dates in the
// metadata come from the data, never from the clock, and there are no
// random identifiers — so golden tests can compare bytes.
//
// Fonts are the PDF core fonts (Helvetica, Courier): nothing is read from
// disk and nothing is embedded. Text is converted to Windows-1252, which
// covers Italian (à è é ì ò ù, ’, « »); letters outside it lose their
// diacritics (Ș → S, Ł → L) rather than turning into dots.
//
// Data is validated and the whole document is rendered into memory before
// anything is written, so a caller never receives half a PDF.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/sportello/sportello/internal/clock"
)

// ErrInvalid is wrapped by every validation error: the data cannot make a
// correct document. Nothing has been written when it is returned.
var ErrInvalid = errors.New("pdf: invalid document data")

// Page geometry shared by letters, in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginLeft   = 25.0
	marginRight  = 20.0
	marginTop    = 20.0
	marginBottom = 22.0 // room for the footer below the text
	textW        = pageW - marginLeft - marginRight
)

// producer names the software in the document information; it carries no
// version, so upgrades do not change golden files needlessly.
const producer = "Sportello"

// newDoc returns an A4 document in millimetres with deterministic
// metadata: creation and modification dates are at, in Europe/Rome (the
// PDF date written by fpdf carries no offset, and readers take it as local
// time), catalogs are sorted, and page streams are not compressed: a
// letter stays a few kilobytes, golden files diff as text, and the bytes
// do not depend on the toolchain's compress/flate.
func newDoc(at time.Time, title, author string) *fpdf.Fpdf {
	d := fpdf.New("P", "mm", "A4", "")
	at = at.In(clock.Rome)
	d.SetCreationDate(at)
	d.SetModificationDate(at)
	d.SetCatalogSort(true)
	d.SetCompression(false)
	d.SetProducer(producer, true)
	d.SetCreator(producer, true)
	d.SetTitle(title, true)
	d.SetAuthor(author, true)
	d.SetLang("it-IT")
	d.SetMargins(marginLeft, marginTop, marginRight)
	d.SetAutoPageBreak(true, marginBottom)
	d.AliasNbPages("{nb}")
	return d
}

// finish writes the rendered document to w, or reports fpdf's error
// without writing anything.
func finish(d *fpdf.Fpdf, w io.Writer) error {
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		return fmt.Errorf("pdf: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("pdf: write: %w", err)
	}
	return nil
}

// win1252 converts UTF-8 text to the Windows-1252 bytes the core fonts
// expect. A rune outside the code page is decomposed and its combining
// marks dropped (Ș → S, ő → o); the few letters without a decomposition
// have a fixed fallback; anything else becomes '?'.
func win1252(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if c, ok := charmap.Windows1252.EncodeRune(r); ok {
			b.WriteByte(c)
			continue
		}
		b.WriteString(fold(r))
	}
	return b.String()
}

// noDecomposition lists letters used in European names that have no
// canonical decomposition to a Windows-1252 base letter.
var noDecomposition = map[rune]string{
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h",
	'ı': "i", 'Ŀ': "L", 'ŀ': "l", 'Ŧ': "T", 'ŧ': "t", 'ĸ': "k",
	'\u00a0': " ", '\u2009': " ", '\u202f': " ", // no-break and thin spaces
	'‐': "-", '‑': "-", '−': "-",
	// Signs of clinical text the code page lacks: written out so that the
	// printed meaning stays the typed one ("≥ 7" must not print as "? 7").
	'≥': ">=", '≤': "<=", '≠': "!=", '≈': "~", '→': "->", '←': "<-", '↑': "aumento ", '↓': "riduzione ",
	'∞': "infinito", '√': "radice di ", 'Δ': "delta ", 'α': "alfa", 'β': "beta", 'γ': "gamma", 'δ': "delta", 'κ': "kappa",
	'λ': "lambda", 'μ': "µ", 'π': "pi", 'σ': "sigma", 'ω': "omega", '″': "\"", '′': "'",
}

// Unprintable returns the first character of s that the documents cannot
// print (it would come out as "?"), and false when every one can. Forms
// refuse such text before it is sent, because a sent document never
// changes.
func Unprintable(s string) (rune, bool) {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return r, true
		}
		if _, ok := charmap.Windows1252.EncodeRune(r); ok {
			continue
		}
		if fold(r) == "?" {
			return r, true
		}
	}
	return 0, false
}

func fold(r rune) string {
	if s, ok := noDecomposition[r]; ok {
		return s
	}
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if c, ok := charmap.Windows1252.EncodeRune(d); ok {
			b.WriteByte(c)
		} else {
			return "?"
		}
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}

// dateIT formats t as an Italian date, dd/mm/yyyy, in Europe/Rome.
func dateIT(t time.Time) string {
	return t.In(clock.Rome).Format("02/01/2006")
}

// oneLine reports whether s is non-empty after trimming and has no control
// characters (a newline in a name would break the layout).
func oneLine(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}
