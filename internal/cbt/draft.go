// Package cbt is the citizen's spa-treatment application (CBT-1…CBT-15):
// the eight screens' content, validated screen by screen in Italian, kept
// as a draft between sessions and confirmed into a registered application.
// The screens follow seed 000 §2: 1 personal data (read-only, from the
// registry), 2 domicile, 3 contacts and office, 4 previous grants, 5
// application data, 6 health data, 7 requirements, 8 summary.
package cbt

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/refdata"
)

// Kind is the register kind of a spa-treatment application.
const Kind = "domanda_cbt"

// Screens are the steps, in order, by their path segment.
var Screens = []string{"anagrafica", "domicilio", "contatti", "precedenti", "domanda", "sanitari", "requisiti", "riepilogo"}

// Address is a domicile different from the residence (CBT-3; the
// civil-invalidity application's temporary domicile, INV-2, too).
type Address struct {
	Street   string `json:"indirizzo"`
	Postcode string `json:"cap"`
	Comune   string `json:"comune"`
	Province string `json:"provincia"`
}

// Normalized returns the address tidied, or nil when it is empty.
func (a *Address) Normalized() *Address {
	if a == nil {
		return nil
	}
	n := Address{Street: plain.Field(a.Street), Postcode: plain.Field(a.Postcode), Comune: plain.Field(a.Comune),
		Province: strings.ToUpper(plain.Field(a.Province))}
	if n == (Address{}) {
		return nil
	}
	return &n
}

// Check adds to f, by field, what is wrong with a domicile given; a nil
// one (the residence) is right.
func (a *Address) Check(f map[string]string) {
	if a == nil {
		return
	}
	if a.Street == "" || len(a.Street) > maxLength {
		f["indirizzo"] = "Indicare via e numero civico del domicilio (al massimo 120 caratteri)."
	}
	if !capRE.MatchString(a.Postcode) {
		f["cap"] = "Il CAP è di 5 cifre."
	}
	if a.Comune == "" || len(a.Comune) > 80 {
		f["comune"] = "Indicare il comune del domicilio."
	}
	if !siglaRE.MatchString(a.Province) {
		f["provincia"] = "Indicare la sigla della provincia, per esempio RM."
	}
}

// CheckPhone adds to f the fault of a phone number typed in field, named
// what ("Il telefono"); an empty one is not checked.
func CheckPhone(f map[string]string, field, what, v string) {
	if v != "" && !phoneRE.MatchString(v) {
		f[field] = what + " può contenere solo cifre, spazi e un + iniziale."
	}
}

// CheckEmail adds to f the fault of an e-mail address typed in field; an
// empty one is not checked.
func CheckEmail(f map[string]string, field, v string) {
	if v == "" {
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || len(v) > 254 {
		f[field] = "Scrivere l'indirizzo di posta elettronica per intero, per esempio nome@esempio.it."
	}
}

// Draft is what the citizen (or whoever acts for them) has filled in.
type Draft struct {
	Year int `json:"anno"` // the current year, preset and locked (CBT-6)
	// Screen 2: a domicile, only if different from the residence.
	Domicile *Address `json:"domicilio,omitempty"`
	// Screen 3: at least one contact; the office among those proposed.
	Phone  string `json:"telefono,omitempty"`
	Mobile string `json:"cellulare,omitempty"`
	Email  string `json:"email,omitempty"`
	Office string `json:"ufficio,omitempty"`
	// Screen 4: previous grants as the registry shows them, and the
	// citizen's correction, flagged for the office (CBT-5).
	Corrected       bool   `json:"precedenti_corretti,omitempty"`
	FirstGrantYear  int    `json:"primo_anno,omitempty"`
	PreviousGrants  int    `json:"concessioni_precedenti,omitempty"`
	CorrectionNotes string `json:"nota_correzione,omitempty"`
	// Screen 5: the cure, from the cascading menu (pathology, then cure).
	Pathology refdata.Pathology `json:"patologia,omitempty"`
	Cure      string            `json:"cura,omitempty"`
	// Screen 6: the certificate's number and the ASL of reference.
	Certificate string `json:"certificato,omitempty"`
	ASL         string `json:"asl,omitempty"`
	// Reached is the last screen reached, so a resumed draft opens there.
	Reached string `json:"schermata,omitempty"`
}

var (
	capRE     = regexp.MustCompile(`^[0-9]{5}$`)
	siglaRE   = regexp.MustCompile(`^[A-Z]{2}$`)
	phoneRE   = regexp.MustCompile(`^\+?[0-9][0-9 ]{5,19}$`)
	officeRE  = regexp.MustCompile(`^[A-Z0-9-]{2,20}$`)
	maxLength = 120
)

// Normalize tidies every field, whatever the screen.
func (d *Draft) Normalize() {
	d.Domicile = d.Domicile.Normalized()
	d.Phone, d.Mobile, d.Email, d.Office = plain.Field(d.Phone), plain.Field(d.Mobile), strings.ToLower(plain.Field(d.Email)), strings.ToUpper(plain.Field(d.Office))
	d.CorrectionNotes, d.Cure = plain.Field(d.CorrectionNotes), plain.Field(d.Cure)
	d.Certificate, d.ASL = strings.ReplaceAll(plain.Field(d.Certificate), " ", ""), strings.ToUpper(plain.Field(d.ASL))
}

// Check validates one screen of the draft; every wrong field is named.
// proposed are the offices the address gives (CBT-4); thisYear is the
// year of the application.
func (d *Draft) Check(screen string, proposed []string, thisYear int) error {
	d.Normalize()
	f := map[string]string{}
	switch screen {
	case "domicilio":
		d.Domicile.Check(f)
	case "contatti":
		if d.Phone == "" && d.Mobile == "" && d.Email == "" {
			f["telefono"] = "Indicare almeno un recapito: telefono, cellulare o posta elettronica."
		}
		CheckPhone(f, "telefono", "Il telefono", d.Phone)
		CheckPhone(f, "cellulare", "Il cellulare", d.Mobile)
		CheckEmail(f, "email", d.Email)
		if !officeRE.MatchString(d.Office) || !slices.Contains(proposed, d.Office) {
			f["ufficio"] = "Scegliere l'ufficio competente tra quelli proposti."
		}
	case "precedenti":
		if d.Corrected {
			if d.FirstGrantYear != 0 && (d.FirstGrantYear < 1950 || d.FirstGrantYear > thisYear) {
				f["primo_anno"] = fmt.Sprintf("L'anno della prima concessione è tra il 1950 e il %d.", thisYear)
			}
			if d.PreviousGrants < 0 || d.PreviousGrants > 80 {
				f["concessioni_precedenti"] = "Indicare il numero di cicli concessi negli anni precedenti."
			}
			if d.PreviousGrants > 0 && d.FirstGrantYear == 0 {
				f["primo_anno"] = "Indicare l'anno della prima concessione."
			}
			if d.CorrectionNotes == "" || len(d.CorrectionNotes) > 500 {
				f["nota_correzione"] = "Spiegare in breve la correzione (al massimo 500 caratteri): l'ufficio la verificherà."
			}
		}
	case "domanda":
		if d.Year != thisYear {
			f["anno"] = fmt.Sprintf("L'anno di riferimento è il %d e non si può cambiare.", thisYear)
		}
		cure, ok := refdata.FindCure(d.Cure)
		switch {
		case d.Pathology != refdata.Rheumatic && d.Pathology != refdata.Respiratory:
			f["patologia"] = "Scegliere il gruppo di patologie."
		case !ok:
			f["cura"] = "Scegliere la cura dall'elenco."
		case cure.Pathology != d.Pathology:
			f["cura"] = "La cura scelta non è tra quelle del gruppo di patologie indicato."
		}
	case "sanitari":
		if !certificate.ValidNumber(d.Certificate) {
			f["certificato"] = "Il numero del certificato è di 11 cifre: si trova sulla ricevuta che il medico ha consegnato."
		}
		if d.ASL == "" || !officeRE.MatchString(d.ASL) {
			f["asl"] = "Scegliere l'azienda sanitaria (ASL) di riferimento."
		}
	case "anagrafica", "requisiti", "riepilogo":
		// Nothing to type: registry data, the rules' outcome, the summary.
	default:
		return apperr.New(apperr.NotFound, "Schermata non trovata.")
	}
	if len(f) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.", Fields: f}
}

// CheckAll validates every screen, as CONFERMA does (CBT-12), and names
// the screen of the first fault.
func (d *Draft) CheckAll(proposed []string, thisYear int) (string, error) {
	for _, s := range Screens {
		if err := d.Check(s, proposed, thisYear); err != nil {
			return s, err
		}
	}
	return "", nil
}
