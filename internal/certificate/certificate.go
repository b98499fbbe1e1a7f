// Package certificate is the content of the medical certificates a
// certifying doctor sends (CERT-8): the certificate for spa treatments and
// the introductory certificate for civil invalidity. It validates a
// certificate before sending (CERT-4), field by field in Italian, and
// computes the 90-day validity of civil-invalidity certificates (CERT-9).
// The fields follow the public descriptions of the INPS forms collected in
// docs/research-certificates.md; the guesses made there are marked below.
package certificate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/icd9"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/refdata"
)

// Kinds of certificate, as the protocol register's kinds name them.
const (
	KindSpa        = "certificato_cbt"
	KindInvalidity = "certificato_invalidita"
)

// Purposes of a civil-invalidity certificate: the assessments requested.
var Purposes = []string{"invalidita", "cecita", "sordita", "handicap", "disabilita"}

// Diagnosis is a diagnosis with its ICD-9-CM code.
type Diagnosis struct {
	Text string `json:"testo"`
	Code string `json:"codice"`
}

// Spa is the certificate for spa treatments.
type Spa struct {
	Pathology refdata.Pathology `json:"patologia"`
	Diagnoses []Diagnosis       `json:"diagnosi"`
	Cure      string            `json:"cura"` // a cure of the catalogue, of the same pathology group
	// NoContraindications is the doctor's declaration that no
	// contraindication to spa treatment exists (RULE-8) [guess: a form box].
	NoContraindications bool `json:"nessuna_controindicazione"`
}

// Invalidity is the introductory certificate for civil invalidity.
type Invalidity struct {
	Purposes  []string    `json:"finalita"` // at least one of Purposes
	Diagnoses []Diagnosis `json:"diagnosi"`
	Anamnesis string      `json:"anamnesi,omitempty"`    // optional
	Findings  string      `json:"obiettivita,omitempty"` // optional
	Therapies string      `json:"terapie,omitempty"`     // optional [guess]
	// The flags that change the procedure.
	Oncological      bool `json:"oncologico"`            // cancer in progress: visit within 15 days (L. 80/2006)
	CannotWalk       bool `json:"non_deambulante"`       // unable to walk without the permanent help of a companion
	NeedsCare        bool `json:"assistenza_continua"`   // unable to perform the daily acts of life
	NotTransportable bool `json:"non_trasportabile"`     // cannot be moved: the visit is at home
	Terminal         bool `json:"malattia_terminale"`    // terminal illness [guess: see the research file]
	SeriousDM2007    bool `json:"patologia_dm_2_8_2007"` // a serious condition of the DM 2/8/2007 annex
}

const (
	maxText      = 4000 // characters of a free-text field
	maxDiagnoses = 10
)

// Validate checks a spa certificate; every wrong field is named.
func (c *Spa) Validate() error {
	f := map[string]string{}
	if c.Pathology != refdata.Rheumatic && c.Pathology != refdata.Respiratory {
		f["patologia"] = "Scegliere il gruppo di patologie: reumoartropatiche o broncopneumopatiche."
	}
	validateDiagnoses(c.Diagnoses, f)
	if cure, ok := refdata.FindCure(c.Cure); !ok {
		f["cura"] = "Scegliere la cura prescritta dall'elenco."
	} else if c.Pathology != "" && cure.Pathology != c.Pathology {
		f["cura"] = "La cura scelta non è tra quelle del gruppo di patologie indicato."
	}
	if !c.NoContraindications {
		f["nessuna_controindicazione"] = "Per prescrivere le cure termali occorre dichiarare che non ci sono controindicazioni."
	}
	return fields("Il certificato non è completo.", f)
}

// Validate checks a civil-invalidity certificate; every wrong field is
// named. The companion flags are optional: without either the commission
// cannot grant the attendance allowance, which the page tells the doctor.
func (c *Invalidity) Validate() error {
	f := map[string]string{}
	if len(c.Purposes) == 0 {
		f["finalita"] = "Indicare almeno un accertamento richiesto."
	}
	seen := map[string]bool{}
	for _, p := range c.Purposes {
		if !slices.Contains(Purposes, p) || seen[p] {
			f["finalita"] = "Accertamento non valido o ripetuto."
		}
		seen[p] = true
	}
	validateDiagnoses(c.Diagnoses, f)
	for name, v := range map[string]*string{"anamnesi": &c.Anamnesis, "obiettivita": &c.Findings, "terapie": &c.Therapies} {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > maxText {
			f[name] = fmt.Sprintf("Il testo può avere al massimo %d caratteri.", maxText)
		} else if msg := unprintable(*v); msg != "" {
			f[name] = msg
		}
	}
	return fields("Il certificato non è completo.", f)
}

// ExpiresAt returns the last instant a civil-invalidity certificate sent at
// sentAt can be linked to an application: the end of the 90th day after the
// day of sending, in Rome (CERT-9; msg. INPS 28110 of 9/11/2010, seed 002).
func ExpiresAt(sentAt time.Time) time.Time {
	d := sentAt.In(clock.Rome)
	return time.Date(d.Year(), d.Month(), d.Day()+91, 0, 0, 0, 0, clock.Rome).Add(-time.Nanosecond)
}

// Usable reports whether a civil-invalidity certificate sent at sentAt can
// be linked to an application at now (CERT-9).
func Usable(sentAt, now time.Time) bool { return !now.After(ExpiresAt(sentAt)) }

func validateDiagnoses(ds []Diagnosis, f map[string]string) {
	switch {
	case len(ds) == 0:
		f["diagnosi"] = "Indicare almeno una diagnosi con il suo codice ICD-9-CM."
		return
	case len(ds) > maxDiagnoses:
		f["diagnosi"] = fmt.Sprintf("Al massimo %d diagnosi.", maxDiagnoses)
		return
	}
	for i := range ds {
		d := &ds[i]
		d.Text = strings.TrimSpace(d.Text)
		key := fmt.Sprintf("diagnosi_%d", i+1)
		if d.Text == "" || utf8.RuneCountInString(d.Text) > 500 {
			f[key+"_testo"] = fmt.Sprintf("Diagnosi %d: scrivere la diagnosi (al massimo 500 caratteri).", i+1)
		} else if msg := unprintable(d.Text); msg != "" {
			f[key+"_testo"] = fmt.Sprintf("Diagnosi %d: %s", i+1, msg)
		}
		code, err := icd9.Normalize(d.Code)
		if err != nil {
			msg := err.Error()
			var ae *apperr.Error
			if errors.As(err, &ae) {
				msg = ae.Message
			}
			f[key+"_codice"] = fmt.Sprintf("Diagnosi %d: %s", i+1, msg)
			continue
		}
		d.Code = code
	}
}

// unprintable explains why text cannot go on a document, or is "": a sent
// certificate never changes, so what its PDF cannot print is refused
// before sending.
func unprintable(text string) string {
	r, bad := pdf.Unprintable(text)
	switch {
	case !bad:
		return ""
	case unicode.IsControl(r):
		return "Il testo contiene un carattere di controllo che non si può stampare: riscriverlo."
	}
	return fmt.Sprintf("Il carattere «%c» non si può stampare sul certificato: sostituirlo o toglierlo.", r)
}

func fields(msg string, f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Message: msg, Fields: f}
}
