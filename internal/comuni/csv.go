package comuni

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Columns is the header of a comuni CSV file, in the order WriteCSV
// writes it; ReadCSV accepts the columns in any order.
var Columns = []string{"belfiore", "istat", "nome", "provincia", "regione", "dal", "al", "stato"}

// The values of the stato column.
const (
	KindComune  = "comune"
	KindForeign = "estero"
)

const dateLayout = "2006-01-02"

// RowError is a rejected row of a CSV file: its line number (of the row's
// first line, the header being line 1) and the reason, in Italian.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("riga %d: %s", e.Line, e.Reason) }

// ReadCSV reads a table of places (`sportello import comuni FILE`): UTF-8,
// comma- or semicolon-separated, a header row with Columns in any order;
// dates as AAAA-MM-GG or GG/MM/AAAA, al empty while the place exists. Bad
// rows are left out and listed with their line number and reason, as are
// rows whose period overlaps an earlier row of the same code. The error is
// for a file that cannot be used at all: not CSV, missing columns, or no
// good row.
func ReadCSV(r io.Reader) (*Table, []RowError, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, fmt.Errorf("lettura del file: %w", err)
	}
	rd := csv.NewReader(br)
	first, _, _ := strings.Cut(string(head), "\n")
	if strings.Count(first, ";") > strings.Count(first, ",") {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	header, err := rd.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("il file non ha una riga di intestazione CSV: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("mancano le colonne %s (servono %s)", strings.Join(missing, ", "), strings.Join(Columns, ","))
	}

	var (
		places []Place
		lines  []int
		bad    []RowError
		byCode = map[string][]int{} // indexes into places
	)
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			bad = append(bad, RowError{pe.StartLine, "riga CSV non leggibile: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, bad, fmt.Errorf("lettura del file: %w", err)
		}
		line, _ := rd.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{line, fmt.Sprintf("%d campi invece di %d", len(rec), len(header))})
			continue
		}
		field := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		p, err := parseRow(field)
		if err != nil {
			bad = append(bad, RowError{line, err.Error()})
			continue
		}
		if j, ok := overlap(places, byCode[p.Belfiore], p); ok {
			bad = append(bad, RowError{line, fmt.Sprintf("il periodo di %s si sovrappone a quello della riga %d", p.Belfiore, lines[j])})
			continue
		}
		byCode[p.Belfiore] = append(byCode[p.Belfiore], len(places))
		places = append(places, p)
		lines = append(lines, line)
	}
	if len(places) == 0 {
		return nil, bad, errors.New("il file non contiene nessuna riga valida")
	}
	return newTable(places), bad, nil
}

// overlap returns the index of a period among idx that overlaps p's.
func overlap(places []Place, idx []int, p Place) (int, bool) {
	for _, j := range idx {
		q := places[j]
		if (p.From.IsZero() || q.To.IsZero() || p.From.Before(q.To)) &&
			(q.From.IsZero() || p.To.IsZero() || q.From.Before(p.To)) {
			return j, true
		}
	}
	return 0, false
}

// parseRow checks one row; the error is the Italian reason.
func parseRow(field func(string) string) (Place, error) {
	for _, c := range Columns {
		if !utf8.ValidString(field(c)) {
			return Place{}, fmt.Errorf("la colonna %s non è testo UTF-8 (salvare il file in UTF-8)", c)
		}
	}
	p := Place{
		Belfiore: strings.ToUpper(field("belfiore")),
		ISTAT:    field("istat"),
		Name:     field("nome"),
		Province: strings.ToUpper(field("provincia")),
		Region:   field("regione"),
	}
	if !isBelfiore(p.Belfiore) {
		return p, fmt.Errorf("codice catastale %q non valido: servono una lettera e tre cifre (es. H501)", field("belfiore"))
	}
	switch kind := strings.ToLower(field("stato")); kind {
	case KindComune:
		if p.Belfiore[0] == 'Z' {
			return p, fmt.Errorf("il codice %s è di uno stato estero, ma lo stato è %q", p.Belfiore, kind)
		}
	case KindForeign:
		if p.Belfiore[0] != 'Z' {
			return p, fmt.Errorf("il codice %s è di un comune italiano (gli stati esteri hanno codici Z…), ma lo stato è %q", p.Belfiore, kind)
		}
		p.Foreign = true
	default:
		return p, fmt.Errorf("stato %q non valido: usare %s o %s", field("stato"), KindComune, KindForeign)
	}
	if p.Name == "" {
		return p, errors.New("nome mancante")
	}
	if p.Foreign {
		if p.ISTAT != "" && !digits(p.ISTAT, 3) {
			return p, fmt.Errorf("codice ISTAT %q non valido per uno stato estero: servono tre cifre", p.ISTAT)
		}
		if p.Province != "" {
			return p, fmt.Errorf("provincia %q: per uno stato estero va lasciata vuota", p.Province)
		}
	} else {
		if p.ISTAT != "" && !digits(p.ISTAT, 6) {
			return p, fmt.Errorf("codice ISTAT %q non valido: servono sei cifre", p.ISTAT)
		}
		if p.Province != "" && !isSigla(p.Province) {
			return p, fmt.Errorf("sigla di provincia %q non valida: servono due lettere", p.Province)
		}
	}
	var err error
	if p.From, err = parseDate(field("dal")); err != nil {
		return p, fmt.Errorf("data di inizio (dal) %w", err)
	}
	if p.To, err = parseDate(field("al")); err != nil {
		return p, fmt.Errorf("data di fine (al) %w", err)
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		return p, fmt.Errorf("la data di fine (al) %s deve essere successiva a quella di inizio (dal) %s",
			p.To.Format(dateLayout), p.From.Format(dateLayout))
	}
	return p, nil
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{dateLayout, "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q non valida (AAAA-MM-GG o GG/MM/AAAA)", s)
}

func isBelfiore(s string) bool {
	return len(s) == 4 && s[0] >= 'A' && s[0] <= 'Z' && digits(s[1:], 3)
}

func isSigla(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// WriteCSV writes places in the canonical form ReadCSV reads and Load
// embeds: the Columns header, UTF-8, comma-separated, dates as AAAA-MM-GG.
// Rows are written in the given order: pass Table.Places for a sorted file.
func WriteCSV(w io.Writer, places []Place) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, p := range places {
		kind := KindComune
		if p.Foreign {
			kind = KindForeign
		}
		if err := cw.Write([]string{p.Belfiore, p.ISTAT, p.Name, p.Province, p.Region,
			formatDate(p.From), formatDate(p.To), kind}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}
