package refdata

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Facility is a spa facility (stabilimento termale) under agreement, with
// the pathology groups it treats, its place and how many people it takes
// in each two-week shift (RULE-9), and its partner hotels.
type Facility struct {
	Code        string
	Name        string
	Comune      string // codice catastale (Belfiore) of the place
	Province    string
	Region      string
	Pathologies []Pathology
	Capacity    int // people per shift
	Hotels      []string
}

// Treats reports whether the facility treats a pathology group.
func (f Facility) Treats(p Pathology) bool { return slices.Contains(f.Pathologies, p) }

// Facilities is a table of spa facilities.
type Facilities struct {
	list []Facility
}

//go:embed data/stabilimenti.csv
var facilitiesCSV []byte

// FacilitiesHeader is the header of the import format.
const FacilitiesHeader = "codice,nome,comune,provincia,regione,patologie,capacita_turno,alberghi"

// DefaultFacilities returns the embedded table: a PARTIAL dataset with
// invented capacities and hotels, clearly labelled as such in the file;
// see docs/DATA.md.
func DefaultFacilities() *Facilities {
	f, bad, err := ReadFacilities(bytes.NewReader(facilitiesCSV))
	if err != nil || len(bad) > 0 {
		panic(fmt.Sprintf("refdata: embedded facilities: %v %v", err, bad)) // tested
	}
	return f
}

// ReadFacilities reads the import format (FacilitiesHeader): patologie
// separated by spaces, alberghi separated by "|", lines starting with #
// ignored. The place code is checked for shape here; whether it is a
// known comune is checked by the caller, which holds the comuni table.
func ReadFacilities(r io.Reader) (*Facilities, []RowError, error) {
	rows, bad, err := readRows(r, FacilitiesHeader)
	if err != nil {
		return nil, nil, err
	}
	out := &Facilities{}
	seen := map[string]bool{}
	for _, rw := range rows {
		f, reason := parseFacility(rw.rec)
		switch {
		case reason != "":
			bad = append(bad, RowError{rw.line, reason})
		case seen[f.Code]:
			bad = append(bad, RowError{rw.line, fmt.Sprintf("codice %s ripetuto", f.Code)})
		default:
			seen[f.Code] = true
			out.list = append(out.list, f)
		}
	}
	return out, sortRowErrors(bad), nil
}

func parseFacility(rec []string) (Facility, string) {
	f := Facility{Code: rec[0], Name: rec[1], Comune: strings.ToUpper(rec[2]), Province: strings.ToUpper(rec[3]), Region: rec[4]}
	if f.Code == "" || f.Name == "" || f.Region == "" {
		return f, "codice, nome e regione sono obbligatori"
	}
	if !isBelfiore(f.Comune) {
		return f, fmt.Sprintf("comune %q: serve il codice catastale, una lettera e tre cifre (es. L182)", rec[2])
	}
	if len(f.Province) != 2 {
		return f, fmt.Sprintf("provincia %q: serve la sigla di due lettere", rec[3])
	}
	for _, p := range strings.Fields(strings.ToLower(rec[5])) {
		switch Pathology(p) {
		case Rheumatic, Respiratory:
			if !f.Treats(Pathology(p)) {
				f.Pathologies = append(f.Pathologies, Pathology(p))
			}
		default:
			return f, fmt.Sprintf("patologia %q sconosciuta (reumoartropatica, broncopneumopatica)", p)
		}
	}
	if len(f.Pathologies) == 0 {
		return f, "indicare almeno un gruppo di patologie trattate"
	}
	n, err := strconv.Atoi(rec[6])
	if err != nil || n < 1 {
		return f, fmt.Sprintf("capacita_turno %q: serve un numero intero maggiore di zero", rec[6])
	}
	f.Capacity = n
	for _, h := range strings.Split(rec[7], "|") {
		if h = strings.TrimSpace(h); h != "" {
			f.Hotels = append(f.Hotels, h)
		}
	}
	return f, ""
}

// isBelfiore reports whether s has the shape of a codice catastale: a
// letter and three digits.
func isBelfiore(s string) bool {
	if len(s) != 4 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// For returns the facilities treating a pathology group, optionally only
// those of a region (empty region: all), in alphabetical order of name: the
// list that comes with a grant letter (CBTW-3).
func (t *Facilities) For(p Pathology, region string) []Facility {
	var out []Facility
	for _, f := range t.list {
		if f.Treats(p) && (region == "" || strings.EqualFold(f.Region, region)) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Facility) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// ByCode returns a facility by code.
func (t *Facilities) ByCode(code string) (Facility, bool) {
	for _, f := range t.list {
		if f.Code == code {
			return f, true
		}
	}
	return Facility{}, false
}

// All returns every facility.
func (t *Facilities) All() []Facility { return slices.Clone(t.list) }
