package refdata

// Pathology is a group of diseases spa treatments are granted for
// (RULE-8; seed 001): rheumatic diseases (osteoarthritis and other
// degenerative forms, extra-articular rheumatism) and respiratory diseases
// (chronic bronchitis, simple or obstructive). Other systems are excluded.
type Pathology string

// The pathology groups.
const (
	Rheumatic   Pathology = "reumoartropatica"
	Respiratory Pathology = "broncopneumopatica"
)

// Cure is an entry of the cascading menu (CBT-6): a cure type under its
// pathology group.
type Cure struct {
	Code      string
	Pathology Pathology
	Name      string // Italian, as the menu shows it
	NameEN    string
}

// Pathologies lists the groups in menu order, with their names.
var Pathologies = []struct {
	Code   Pathology
	Name   string
	NameEN string
	Note   string // what the cycle is (RULE-9)
}{
	{Rheumatic, "Malattie reumoartropatiche", "Rheumatic diseases",
		"12 cure fondamentali in 12 giorni"},
	{Respiratory, "Malattie broncopneumopatiche", "Respiratory diseases",
		"12 cure fondamentali e/o accessorie in 12 giorni"},
}

// Cures is the catalogue: fundamental cures of each group (mud and bath
// therapy for rheumatic diseases, inhalation therapy for respiratory ones:
// research/domain.md §1.4, from INPS's published practice). It is
// reference data: offices can extend it when the catalogue is imported.
var Cures = []Cure{
	{"fango-bagno", Rheumatic, "Fangoterapia con bagno terapeutico", "Mud therapy with therapeutic bath"},
	{"balneo", Rheumatic, "Balneoterapia (bagni terapeutici)", "Balneotherapy (therapeutic baths)"},
	{"inalazioni", Respiratory, "Cure inalatorie: inalazioni", "Inhalation therapy: inhalations"},
	{"aerosol", Respiratory, "Cure inalatorie: aerosol", "Inhalation therapy: aerosol"},
	{"nebulizzazioni", Respiratory, "Cure inalatorie: nebulizzazioni", "Inhalation therapy: nebulisations"},
}

// CuresFor returns the cures of a pathology group, in menu order.
func CuresFor(p Pathology) []Cure {
	var out []Cure
	for _, c := range Cures {
		if c.Pathology == p {
			out = append(out, c)
		}
	}
	return out
}

// FindCure returns a cure by code.
func FindCure(code string) (Cure, bool) {
	for _, c := range Cures {
		if c.Code == code {
			return c, true
		}
	}
	return Cure{}, false
}
