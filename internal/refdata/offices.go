package refdata

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Office is an office of the agency or a health authority, with the
// provinces it serves.
type Office struct {
	Kind      string // "sede" (provincial office), "regionale", "asl"
	Code      string
	Name      string
	Region    string
	Provinces []string // province codes served; empty for regional offices
}

// Offices is a table of offices and health authorities.
type Offices struct {
	list []Office
}

//go:embed data/uffici.csv
var officesCSV []byte

// DefaultOffices returns the embedded table: a PARTIAL dataset covering the
// demo (Roma, Milano, Torino), clearly labelled as such in the file; see
// docs/DATA.md.
func DefaultOffices() *Offices {
	o, bad, err := ReadOffices(bytes.NewReader(officesCSV))
	if err != nil || len(bad) > 0 {
		panic(fmt.Sprintf("refdata: embedded offices: %v %v", err, bad)) // tested
	}
	return o
}

// ReadOffices reads the import format: CSV with the header
// tipo,codice,nome,regione,province (province codes separated by spaces),
// lines starting with # ignored.
func ReadOffices(r io.Reader) (*Offices, []RowError, error) {
	rows, bad, err := readRows(r, "tipo,codice,nome,regione,province")
	if err != nil {
		return nil, nil, err
	}
	o := &Offices{}
	seen := map[string]bool{}
	for _, rw := range rows {
		rec, line := rw.rec, rw.line
		of := Office{Kind: rec[0], Code: rec[1], Name: rec[2], Region: rec[3], Provinces: strings.Fields(strings.ToUpper(rec[4]))}
		switch {
		case !slices.Contains([]string{"sede", "regionale", "asl"}, of.Kind):
			bad = append(bad, RowError{line, fmt.Sprintf("tipo %q sconosciuto (sede, regionale, asl)", of.Kind)})
		case of.Code == "" || of.Name == "" || of.Region == "":
			bad = append(bad, RowError{line, "codice, nome e regione sono obbligatori"})
		case seen[of.Code]:
			bad = append(bad, RowError{line, fmt.Sprintf("codice %s ripetuto", of.Code)})
		case of.Kind != "regionale" && len(of.Provinces) == 0:
			bad = append(bad, RowError{line, "indicare le province servite"})
		default:
			seen[of.Code] = true
			o.list = append(o.list, of)
		}
	}
	return o, sortRowErrors(bad), nil
}

// ForProvince returns the offices of a kind serving a province, in file
// order: CBT-4 proposes them, from the domicile or residence.
func (o *Offices) ForProvince(kind, province string) []Office {
	var out []Office
	for _, of := range o.list {
		if of.Kind == kind && slices.Contains(of.Provinces, strings.ToUpper(province)) {
			out = append(out, of)
		}
	}
	return out
}

// Regional returns the regional office of a region (reviews, CBTW-7).
func (o *Offices) Regional(region string) (Office, bool) {
	for _, of := range o.list {
		if of.Kind == "regionale" && strings.EqualFold(of.Region, region) {
			return of, true
		}
	}
	return Office{}, false
}

// ByCode returns an office by code.
func (o *Offices) ByCode(code string) (Office, bool) {
	for _, of := range o.list {
		if of.Code == code {
			return of, true
		}
	}
	return Office{}, false
}

// All returns every office.
func (o *Offices) All() []Office { return slices.Clone(o.list) }
