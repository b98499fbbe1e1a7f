package refdata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// RowError is a rejected row of an import.
type RowError struct {
	Line   int
	Reason string
}

// row is a data row of a reference file with its line number in the file.
type row struct {
	line int
	rec  []string
}

// maxFileSize bounds a reference file: the largest (comuni) is under 1 MB.
const maxFileSize = 64 << 20

// readRows reads a reference CSV file (comma or semicolon separated, UTF-8
// with or without a BOM): lines starting with # outside a quoted field are
// comments, the first other line must be exactly header, and every row
// must have the header's number of fields. Unreadable rows are returned as
// RowErrors, so that the caller reports them with the others.
func readRows(r io.Reader, header string) ([]row, []RowError, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("lettura del file: %w", err)
	}
	switch {
	case len(data) > maxFileSize:
		return nil, nil, fmt.Errorf("file troppo grande (oltre %d MB)", maxFileSize>>20)
	case !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0:
		return nil, nil, errors.New("il file non è testo UTF-8: salvarlo come «CSV UTF-8»")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets save UTF-8 with a BOM
	var buf bytes.Buffer
	var lines []int // lines[i] is the file line of buf's line i+1
	inQuote := false
	for n, text := range strings.Split(string(data), "\n") {
		if !inQuote && strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		if strings.Count(text, `"`)%2 == 1 {
			inQuote = !inQuote
		}
		buf.WriteString(text + "\n")
		lines = append(lines, n+1)
	}
	fileLine := func(l int) int {
		if l >= 1 && l <= len(lines) {
			return lines[l-1]
		}
		return 0
	}
	rd := csv.NewReader(&buf)
	rd.FieldsPerRecord = -1
	// Spreadsheets set to Italian save CSV with semicolons.
	if first, _, _ := strings.Cut(buf.String(), "\n"); strings.Count(first, ";") > strings.Count(first, ",") {
		rd.Comma = ';'
	}
	h, err := rd.Read()
	if err != nil || strings.Join(h, ",") != header {
		return nil, nil, fmt.Errorf("intestazione attesa: %s", header)
	}
	want := strings.Count(header, ",") + 1
	var rows []row
	var bad []RowError
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			reason := "riga non leggibile"
			if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
				reason = "virgolette non chiuse o fuori posto: racchiudere tra virgolette l'intero campo"
			}
			bad = append(bad, RowError{fileLine(pe.StartLine), reason})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("lettura del file: %w", err)
		}
		l, _ := rd.FieldPos(0)
		if len(rec) != want {
			bad = append(bad, RowError{fileLine(l), fmt.Sprintf("la riga ha %d colonne, ne servono %d", len(rec), want)})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row{fileLine(l), rec})
	}
	return rows, bad, nil
}

// sortRowErrors orders rejected rows by line, so that the shape errors
// found while reading and the content errors found later read in file order.
func sortRowErrors(bad []RowError) []RowError {
	slices.SortStableFunc(bad, func(a, b RowError) int { return a.Line - b.Line })
	return bad
}
