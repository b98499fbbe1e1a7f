package rules

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Params are the values of the rules in force in one year of the cures.
// They live in data/parametri.csv, one row per year, with the source of
// the pension age: a new year is a new row, not new code.
type Params struct {
	Year            int
	PensionAge      Age // old-age pension age in force that year (RULE-5)
	OldAgeYears     int // years of contributions for the old-age pension (RULE-5)
	SeniorityYears  int // insurance seniority (RULE-2): 5
	Weeks           int // weekly contributions in the five years before the application (RULE-2): 156
	AgriTotalDays   int // agricultural workers' daily contributions in all (RULE-3): 1350
	AgriWindowDays  int // … and in the five years before the application (RULE-3): 810
	WindowEnd       time.Month
	WindowEndDay    int // last day of the application window (CBT-14): 31 October
	OrdinaryCycles  int // cycles granted before they become exceptional (RULE-10): 5
	PensionAgeCited string
}

// Age is a number of years and months.
type Age struct{ Years, Months int }

func (a Age) String() string {
	if a.Months == 0 {
		return fmt.Sprintf("%d anni", a.Years)
	}
	if a.Months == 1 {
		return fmt.Sprintf("%d anni e 1 mese", a.Years)
	}
	return fmt.Sprintf("%d anni e %d mesi", a.Years, a.Months)
}

//go:embed data/parametri.csv
var paramsCSV string

// Table is the parameters of every year known.
type Table struct{ years map[int]Params }

// Default is the table embedded in the program.
var Default = mustTable(paramsCSV)

func mustTable(s string) *Table {
	t, err := ParseTable(s)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return t
}

// ParseTable reads a parameters file.
func ParseTable(s string) (*Table, error) {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") && strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	r := csv.NewReader(strings.NewReader(strings.Join(lines, "\n")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("rules: parameters: %w", err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("rules: parameters: no year")
	}
	t := &Table{years: map[int]Params{}}
	for i, rec := range recs[1:] {
		if len(rec) != 11 {
			return nil, fmt.Errorf("rules: parameters row %d: %d fields, want 11", i+2, len(rec))
		}
		n := make([]int, 10)
		for j := range 8 {
			v, err := strconv.Atoi(strings.TrimSpace(rec[j]))
			if err != nil || v < 0 {
				return nil, fmt.Errorf("rules: parameters row %d field %d: %q is not a number", i+2, j+1, rec[j])
			}
			n[j] = v
		}
		end, err := time.Parse("01-02", strings.TrimSpace(rec[8]))
		if err != nil {
			return nil, fmt.Errorf("rules: parameters row %d: fine_domande %q, want MM-DD", i+2, rec[8])
		}
		cycles, err := strconv.Atoi(strings.TrimSpace(rec[9]))
		if err != nil {
			return nil, fmt.Errorf("rules: parameters row %d: cicli_ordinari %q", i+2, rec[9])
		}
		p := Params{Year: n[0], PensionAge: Age{n[1], n[2]}, OldAgeYears: n[3], SeniorityYears: n[4], Weeks: n[5],
			AgriTotalDays: n[6], AgriWindowDays: n[7], WindowEnd: end.Month(), WindowEndDay: end.Day(), OrdinaryCycles: cycles,
			PensionAgeCited: strings.TrimSpace(rec[10])}
		if p.PensionAge.Months > 11 || p.Year < 2000 {
			return nil, fmt.Errorf("rules: parameters row %d: implausible values", i+2)
		}
		if _, dup := t.years[p.Year]; dup {
			return nil, fmt.Errorf("rules: parameters: year %d twice", p.Year)
		}
		t.years[p.Year] = p
	}
	return t, nil
}

// For returns the parameters of a year of the cures, and whether they are
// known.
func (t *Table) For(year int) (Params, bool) {
	p, ok := t.years[year]
	return p, ok
}
