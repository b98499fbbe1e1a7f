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
// territory it serves: whole provinces, single comuni, or both.
type Office struct {
	Kind      string // "sede" (provincial office), "regionale", "asl"
	Code      string
	Name      string
	Region    string
	Provinces []string // province codes (sigle) served whole
	Comuni    []string // codici catastali of comuni served outside those provinces
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

// OfficesHeader is the header of the import format.
const OfficesHeader = "tipo,codice,nome,regione,territorio"

// ReadOffices reads the import format (OfficesHeader): territorio lists,
// separated by spaces, province sigle (RM) and codici catastali of single
// comuni (H501); lines starting with # are ignored.
func ReadOffices(r io.Reader) (*Offices, []RowError, error) {
	rows, bad, err := readRows(r, OfficesHeader)
	if err != nil {
		return nil, nil, err
	}
	o := &Offices{}
	seen := map[string]bool{}
	for _, rw := range rows {
		rec, line := rw.rec, rw.line
		of := Office{Kind: rec[0], Code: rec[1], Name: rec[2], Region: rec[3]}
		var wrong string
		for _, t := range strings.Fields(strings.ToUpper(rec[4])) {
			switch {
			case len(t) == 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'A' && t[1] <= 'Z':
				of.Provinces = append(of.Provinces, t)
			case isBelfiore(t):
				of.Comuni = append(of.Comuni, t)
			default:
				wrong = t
			}
		}
		switch {
		case wrong != "":
			bad = append(bad, RowError{line, fmt.Sprintf("territorio: %q non è né la sigla di una provincia (RM) né il codice catastale di un comune (H501)", wrong)})
		case !slices.Contains([]string{"sede", "regionale", "asl"}, of.Kind):
			bad = append(bad, RowError{line, fmt.Sprintf("tipo %q sconosciuto (sede, regionale, asl)", of.Kind)})
		case of.Code == "" || of.Name == "" || of.Region == "":
			bad = append(bad, RowError{line, "codice, nome e regione sono obbligatori"})
		case seen[of.Code]:
			bad = append(bad, RowError{line, fmt.Sprintf("codice %s ripetuto", of.Code)})
		case of.Kind != "regionale" && len(of.Provinces)+len(of.Comuni) == 0:
			bad = append(bad, RowError{line, "indicare il territorio servito: province o comuni"})
		default:
			seen[of.Code] = true
			o.list = append(o.list, of)
		}
	}
	return o, sortRowErrors(bad), nil
}

// ForPlace returns the offices of a kind serving a comune (codice
// catastale, may be empty) of a province, in file order: CBT-4 proposes the
// offices from the domicile or residence, CBT-7 the health authorities.
// Offices that name the comune come first and alone; only when none does
// are those serving the whole province returned. A large city can have
// several (Roma's ASLs split it by district): the user chooses.
func (o *Offices) ForPlace(kind, province, comune string) []Office {
	var byComune, byProvince []Office
	for _, of := range o.list {
		switch {
		case of.Kind != kind:
		case comune != "" && slices.Contains(of.Comuni, strings.ToUpper(comune)):
			byComune = append(byComune, of)
		case slices.Contains(of.Provinces, strings.ToUpper(province)):
			byProvince = append(byProvince, of)
		}
	}
	if len(byComune) > 0 {
		return byComune
	}
	return byProvince
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
