package refdata

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
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

// readRows reads a reference CSV file (comma or semicolon separated, UTF-8
// with or without a BOM): lines starting with # are comments,
// the first other line must be exactly header, and every row must have the
// header's number of fields. Rows with the wrong number of fields are
// returned as RowErrors, so that the caller reports them with the others.
func readRows(r io.Reader, header string) ([]row, []RowError, error) {
	var buf bytes.Buffer
	var lines []int
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // spreadsheets save UTF-8 with a BOM
		}
		if strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		buf.WriteString(text + "\n")
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
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
		line := 0
		if l, _ := rd.FieldPos(0); l-1 < len(lines) && l >= 1 {
			line = lines[l-1]
		}
		if err != nil || len(rec) != want {
			bad = append(bad, RowError{line, fmt.Sprintf("riga non leggibile: servono %d colonne", want)})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row{line, rec})
	}
	return rows, bad, nil
}

// sortRowErrors orders rejected rows by line, so that the shape errors
// found while reading and the content errors found later read in file order.
func sortRowErrors(bad []RowError) []RowError {
	slices.SortStableFunc(bad, func(a, b RowError) int { return a.Line - b.Line })
	return bad
}
