// Package inv is the civil-invalidity application (INV-1…INV-8, seed 002):
// the application's content, validated part by part in Italian, kept as a
// draft between sessions, and sent — only when complete (INV-3) — into a
// registered application with its protocol and Domus numbers and a visit
// date from the health authority's agenda (AG-1…AG-3).
//
// The parts follow seed 002's list: personal data and residence (from the
// registry, read-only) with the guardian when there is one; a temporary
// domicile and an e-mail address; the request — first recognition,
// worsening, revision or disability (L. 68/1999) — and the assessments
// asked (several in one application); the introductory certificate by its
// number (first recognition, worsening) or the data of the previous
// report (revision, disability: INV-5); the office and the health
// authority; the declaration of who qualifies (INV-7).
package inv

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/store"
)

// Kind is the register kind of a civil-invalidity application.
const Kind = store.KindInvalidity

// The requests (seed 002: "primo riconoscimento/aggravamento"; revision
// and disability without a certificate: INV-5).
const (
	First      = "primo"        // first recognition
	Worsening  = "aggravamento" // the condition got worse since the last report
	Revision   = "revisione"    // a revision the previous report set
	Disability = "disabilita"   // L. 68/1999 on the civil-invalidity report
)

// Requests lists the requests in the order the form offers them.
var Requests = []string{First, Worsening, Revision, Disability}

// Assessments are the assessments one application may ask for, several at
// once: the codes of the certificate's purposes.
var Assessments = certificate.Purposes

// AssessmentLabels name them.
var AssessmentLabels = certificate.PurposeLabels

// Parts are the steps of the form, in order, by their path segment.
var Parts = []string{"anagrafica", "recapiti", "richiesta", "documentazione", "uffici", "riepilogo"}

// Relations of a guardian to the applicant.
var Relations = []string{"genitore", "tutore", "curatore", "amministratore"}

// RelationLabels name them.
var RelationLabels = map[string]string{
	"genitore":       "Genitore (esercente la responsabilità genitoriale)",
	"tutore":         "Tutore",
	"curatore":       "Curatore",
	"amministratore": "Amministratore di sostegno",
}

// Guardian is who acts legally for a minor or a person under guardianship
// (INV-2).
type Guardian struct {
	FiscalCode string `json:"codice_fiscale"`
	GivenName  string `json:"nome"`
	FamilyName string `json:"cognome"`
	Relation   string `json:"qualita"`
}

// Address is a temporary domicile (INV-2): the spa-treatment
// application's domicile, with the same checks.
type Address = cbt.Address

// Report is the previous assessment report a revision or a disability
// request rests on (INV-5).
type Report struct {
	Date    string `json:"data"`     // YYYY-MM-DD
	Number  string `json:"numero"`   // the report's identifier
	Body    string `json:"organo"`   // the commission or ASL that wrote it
	Percent int    `json:"percento"` // civil-invalidity percentage (disability: at least 46)
}

// Draft is what the applicant (or whoever acts for them) has filled in.
type Draft struct {
	// Part 1: the guardian, when there is one (always for a minor).
	HasGuardian bool      `json:"con_tutore,omitempty"`
	Guardian    *Guardian `json:"tutore,omitempty"`
	// Part 2: a temporary domicile, an e-mail address and a phone.
	Domicile *Address `json:"domicilio,omitempty"`
	Email    string   `json:"email,omitempty"`
	Phone    string   `json:"telefono,omitempty"`
	// Part 3: the request and the assessments asked.
	Request     string   `json:"richiesta,omitempty"`
	Assessments []string `json:"accertamenti,omitempty"`
	// Part 4: the certificate's number, or the previous report.
	Certificate string  `json:"certificato,omitempty"`
	Report      *Report `json:"verbale,omitempty"`
	// Part 5: the competent office and the health authority of the visit.
	Office string `json:"ufficio,omitempty"`
	ASL    string `json:"asl,omitempty"`
	// Part 6: the declaration that the condition is not from war, work or
	// service (those follow other laws: INV-7).
	Declared bool `json:"dichiarazione,omitempty"`
	// Reached is the furthest part reached, where a resumed draft opens.
	Reached string `json:"schermata,omitempty"`
}

var (
	officeRE = regexp.MustCompile(`^[A-Z0-9-]{2,20}$`)
	reportRE = regexp.MustCompile(`^[A-Za-z0-9/ ._-]{1,40}$`)
)

// NeedsCertificate reports whether the request needs the introductory
// certificate (first recognition, worsening) rather than a previous report
// (INV-5).
func NeedsCertificate(request string) bool { return request == First || request == Worsening }

// Normalize tidies every field, whatever the part.
func (d *Draft) Normalize() {
	if g := d.Guardian; g != nil {
		g.FiscalCode, g.GivenName, g.FamilyName, g.Relation = codicefiscale.Normalize(g.FiscalCode), plain.Field(g.GivenName), plain.Field(g.FamilyName), plain.Field(g.Relation)
		if *g == (Guardian{}) {
			d.Guardian = nil
		}
	}
	if !d.HasGuardian {
		d.Guardian = nil
	}
	d.Domicile = d.Domicile.Normalized()
	d.Email, d.Phone = strings.ToLower(plain.Field(d.Email)), plain.Field(d.Phone)
	d.Request = plain.Field(d.Request)
	var as []string
	for _, a := range d.Assessments {
		if a = plain.Field(a); a != "" && !slices.Contains(as, a) {
			as = append(as, a)
		}
	}
	slices.SortFunc(as, func(a, b string) int { return slices.Index(Assessments, a) - slices.Index(Assessments, b) })
	d.Assessments = as
	d.Certificate = strings.ReplaceAll(plain.Field(d.Certificate), " ", "")
	if r := d.Report; r != nil {
		r.Date, r.Number, r.Body = plain.Field(r.Date), plain.Field(r.Number), plain.Field(r.Body)
		if *r == (Report{}) {
			d.Report = nil
		}
	}
	if NeedsCertificate(d.Request) {
		d.Report = nil
	} else if d.Request != "" {
		d.Certificate = ""
	}
	d.Office, d.ASL = strings.ToUpper(plain.Field(d.Office)), strings.ToUpper(plain.Field(d.ASL))
}

// Facts are what the checks need besides the draft: the applicant's
// codice fiscale and age, today, and the offices and health authorities
// proposed for the address.
type Facts struct {
	Applicant string
	Age       int // in whole years, today; -1 when the registry has no birth date
	Today     time.Time
	Offices   []string
	ASLs      []string
}

// Minor reports whether the applicant is under 18; an unknown age (-1)
// is not a minor's.
func (f Facts) Minor() bool { return f.Age >= 0 && f.Age < 18 }

// Check validates one part; every wrong field is named, in Italian.
func (d *Draft) Check(part string, f Facts) error {
	d.Normalize()
	e := map[string]string{}
	switch part {
	case "anagrafica":
		if f.Minor() && !d.HasGuardian {
			e["con_tutore"] = "Per un minore vanno indicati i dati del genitore o del tutore."
		}
		if d.HasGuardian {
			g := d.Guardian
			if g == nil {
				g = &Guardian{}
			}
			if err := codicefiscale.Validate(g.FiscalCode); err != nil {
				e["tutore_cf"] = strings.Replace(message(err), "Codice fiscale non valido", "Il codice fiscale del tutore non è valido", 1)
			} else if codicefiscale.Same(g.FiscalCode, f.Applicant) {
				// Same: an omocodia variant is the applicant's own code.
				e["tutore_cf"] = "Il tutore è una persona diversa dal richiedente."
			}
			if g.GivenName == "" || len(g.GivenName) > 80 {
				e["tutore_nome"] = "Indicare il nome del tutore."
			}
			if g.FamilyName == "" || len(g.FamilyName) > 80 {
				e["tutore_cognome"] = "Indicare il cognome del tutore."
			}
			if !slices.Contains(Relations, g.Relation) {
				e["tutore_qualita"] = "Indicare se è genitore, tutore, curatore o amministratore di sostegno."
			}
		}
	case "recapiti":
		d.Domicile.Check(e)
		cbt.CheckEmail(e, "email", d.Email)
		cbt.CheckPhone(e, "telefono", "Il telefono", d.Phone)
		if d.Email == "" && d.Phone == "" {
			e["email"] = "Indicare almeno un recapito, posta elettronica o telefono, per le comunicazioni sulla domanda."
		}
	case "richiesta":
		if !slices.Contains(Requests, d.Request) {
			e["richiesta"] = "Scegliere il tipo di domanda."
			break
		}
		if len(d.Assessments) == 0 {
			e["accertamenti"] = "Scegliere almeno un accertamento."
		}
		for _, a := range d.Assessments {
			if !slices.Contains(Assessments, a) {
				e["accertamenti"] = "Scegliere gli accertamenti dall'elenco."
			}
		}
		switch {
		case e["accertamenti"] != "":
		case d.Request == Disability && !slices.Equal(d.Assessments, []string{"disabilita"}):
			e["accertamenti"] = "La domanda di disabilità sul verbale di invalidità civile (legge 68/1999) chiede solo l'accertamento della disabilità."
		case slices.Contains(d.Assessments, "disabilita") && f.Age >= 0 && (f.Age < 15 || f.Age >= 67):
			// INV-7: the targeted placement of L. 68/1999 is for people of
			// working age.
			e["accertamenti"] = "La disabilità ai fini del collocamento mirato (legge 68/1999) si accerta per le persone in età da lavoro, dai 15 ai 66 anni."
		}
	case "documentazione":
		switch {
		case d.Request == "":
			e["richiesta"] = "Scegliere prima il tipo di domanda."
		case NeedsCertificate(d.Request):
			if !certificate.ValidNumber(d.Certificate) {
				e["certificato"] = "Il numero del certificato è di 11 cifre: si trova sulla ricevuta che il medico ha consegnato."
			}
		default:
			r := d.Report
			if r == nil {
				r = &Report{}
			}
			// The date is a day in Rome, as today is (a UTC midnight would
			// be "tomorrow" in the first hour of the day in Rome).
			day, err := time.ParseInLocation("2006-01-02", r.Date, clock.Rome)
			switch {
			case err != nil:
				e["verbale_data"] = "Indicare la data del verbale nel formato gg/mm/aaaa."
			case day.After(f.Today):
				e["verbale_data"] = "La data del verbale non può essere nel futuro."
			case day.Year() < 1971:
				e["verbale_data"] = "La data del verbale non può essere precedente al 1971 (legge 118/1971)."
			}
			if !reportRE.MatchString(r.Number) {
				e["verbale_numero"] = "Indicare il numero o l'identificativo del verbale, come scritto sul verbale (lettere, cifre, / e -)."
			}
			if r.Body == "" || len(r.Body) > 120 {
				e["verbale_organo"] = "Indicare la commissione o l'azienda sanitaria che ha redatto il verbale."
			}
			if d.Request == Disability {
				switch {
				case r.Percent < 1 || r.Percent > 100:
					e["verbale_percento"] = "Indicare la percentuale di invalidità civile riconosciuta nel verbale, da 1 a 100."
				case r.Percent < 46:
					e["verbale_percento"] = fmt.Sprintf("Per la disabilità (legge 68/1999) serve un'invalidità civile di almeno il 46%%: il verbale indica il %d%%.", r.Percent)
				}
			}
		}
	case "uffici":
		if !officeRE.MatchString(d.Office) || !slices.Contains(f.Offices, d.Office) {
			e["ufficio"] = "Scegliere l'ufficio competente tra quelli proposti."
		}
		if !officeRE.MatchString(d.ASL) || !slices.Contains(f.ASLs, d.ASL) {
			e["asl"] = "Scegliere l'azienda sanitaria della visita tra quelle proposte."
		}
	case "riepilogo":
		if !d.Declared {
			e["dichiarazione"] = "Per inviare la domanda occorre confermare la dichiarazione."
		}
	default:
		return apperr.New(apperr.NotFound, "Schermata non trovata.")
	}
	if len(e) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.", Fields: e}
}

// CheckAll validates every part, as sending does (INV-3), and returns all
// the faults at once with the part of each field.
func (d *Draft) CheckAll(f Facts) (map[string]string, error) {
	all, where := map[string]string{}, map[string]string{}
	for _, p := range Parts {
		if err := d.Check(p, f); err != nil {
			ae, ok := err.(*apperr.Error)
			if !ok {
				return nil, err
			}
			for k, v := range ae.Fields {
				if _, taken := all[k]; !taken {
					all[k], where[k] = v, p
				}
			}
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return where, &apperr.Error{Code: apperr.Invalid, Message: "La domanda non è completa: correggere i dati indicati.", Fields: all}
}

func message(err error) string {
	if ae, ok := err.(*apperr.Error); ok {
		return ae.Message
	}
	return err.Error()
}
