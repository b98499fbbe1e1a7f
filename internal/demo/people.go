package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/store"
)

// Case is a demo person with registry records that make one case of the
// spa-treatment entitlement rules (RULE-1…RULE-7, RULE-10). Expect is the outcome the
// rules must give for an application in the year of loading; the
// entitlement checks use these people as fixtures.
type Case struct {
	Person identity.Person
	What   string // the case, in English, as docs/DEMO.md lists it
	Rule   string // the requirement the case exercises
	Expect string // "entitled", "excluded", or "exceptional" (RULE-10: only on the medical centre's and the chief board's opinion)
	facts  func(y int) registry.Facts
}

// Registry periods are relative to y, the year the demo is loaded, so that
// "the five years before the application" always holds what the case needs.
func weeks(fund, kind string, from, to int) registry.Contribution {
	return registry.Contribution{Fund: fund, Kind: kind, From: fmt.Sprintf("%d-01-01", from),
		To: fmt.Sprintf("%d-12-31", to), Weeks: 52 * (to - from + 1)}
}

func days(from, to, perYear int) registry.Contribution {
	return registry.Contribution{Fund: "agricultural", Kind: "compulsory", From: fmt.Sprintf("%d-01-01", from),
		To: fmt.Sprintf("%d-12-31", to), Days: perYear * (to - from + 1)}
}

func job(employer, activity, qualification string, from int, to string) registry.Employment {
	return registry.Employment{EmployerType: employer, Activity: activity, Qualification: qualification,
		From: fmt.Sprintf("%d-01-01", from), To: to}
}

func pension(kind string, from int, revoked bool) registry.Pension {
	return registry.Pension{Kind: kind, From: fmt.Sprintf("%d-01-01", from), Revoked: revoked}
}

// employee is a private employee since start, still working.
func employee(start int) func(y int) registry.Facts {
	return func(y int) registry.Facts {
		return registry.Facts{
			Contributions: []registry.Contribution{weeks("employee", "compulsory", start, y-1)},
			Employments:   []registry.Employment{job("private", "impiegato", "impiegato", start, "")},
		}
	}
}

// excludedEmployer is an employee of an employer type RULE-7 excludes.
func excludedEmployer(employer, activity string) func(y int) registry.Facts {
	return func(y int) registry.Facts {
		return registry.Facts{
			Contributions: []registry.Contribution{weeks("employee", "compulsory", y-25, y-1)},
			Employments:   []registry.Employment{job(employer, activity, "impiegato", y-25, "")},
		}
	}
}

func p(given, family, born, place, placeName, sex, addr, cap, city, prov string) identity.Person {
	return identity.Person{GivenName: given, FamilyName: family, BirthDate: born, BirthPlace: placeName,
		Sex: sex, Address: addr, Postcode: cap, Municipality: city, Province: prov, FiscalCode: mustCF(given, family, born, place, sex)}
}

func mustCF(given, family, born, place, sex string) string {
	d, err := time.Parse("2006-01-02", born)
	if err != nil {
		panic(err) // tested: every demo person loads
	}
	cf, err := codicefiscale.Compute(codicefiscale.Person{GivenName: given, FamilyName: family, BirthDate: d, Female: sex == "F", Place: place})
	if err != nil {
		panic(err)
	}
	return cf
}

// Cases are the demo people of the entitlement rules: residents of Roma and
// Milano, the two fully populated demo offices. Invented people; codici
// fiscali computed from their data.
var Cases = []Case{
	{p("Franco", "Esposito", "1972-03-14", "H501", "Roma", "M", "Via Prenestina 210", "00176", "Roma", "RM"),
		"private employee since 1996", "RULE-1 RULE-2", "entitled", employee(1996)},
	{p("Rita", "Lombardi", "1973-09-22", "F205", "Milano", "F", "Viale Monza 77", "20127", "Milano", "MI"),
		"self-employed (shopkeeper)", "RULE-1 RULE-2", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("self_employed", "compulsory", 1995, y-1)}}
		}},
	{p("Marco", "Galli", "1979-11-02", "H501", "Roma", "M", "Via Ostiense 95", "00154", "Roma", "RM"),
		"separate fund only (freelance collaborator): only that fund counts", "RULE-1 RULE-2", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{
				weeks("separate", "compulsory", y-8, y-1),
				// A short spell as an employee long ago, not counted.
				{Fund: "employee", Kind: "compulsory", From: "2004-03-01", To: "2004-08-31", Weeks: 26},
			}}
		}},
	{p("Antonio", "Russo", "1974-05-30", "F205", "Milano", "M", "Via Ripamonti 300", "20141", "Milano", "MI"),
		"agricultural day labourer: 2,035 days, 850 in the last five years", "RULE-3", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{days(y-20, y-6, 79), days(y-5, y-1, 170)}}
		}},
	{p("Carmela", "Greco", "1972-01-18", "H501", "Roma", "F", "Via Casilina 540", "00177", "Roma", "RM"),
		"agricultural day labourer short of 810 days in the last five years", "RULE-3", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{days(y-20, y-6, 100), days(y-5, y-1, 120)}}
		}},
	{p("Salvatore", "Marino", "1971-07-07", "H501", "Roma", "M", "Via Tiburtina 700", "00159", "Roma", "RM"),
		"socially useful worker (LSU)", "RULE-1", "entitled", func(y int) registry.Facts {
			return registry.Facts{
				Contributions: []registry.Contribution{weeks("employee", "compulsory", 1992, y-6), weeks("employee", "figurative", y-5, y-1)},
				Employments:   []registry.Employment{job("lsu", "lavori socialmente utili", "operatore", y-5, "")},
			}
		}},
	{p("Giorgio", "Fontana", "1971-12-12", "F205", "Milano", "M", "Via Novara 15", "20147", "Milano", "MI"),
		"worker in mobility, figurative unemployment contributions", "RULE-1 RULE-2", "entitled", func(y int) registry.Facts {
			return registry.Facts{
				Contributions: []registry.Contribution{weeks("employee", "compulsory", 1991, y-3), weeks("employee", "figurative_unemployment", y-2, y-1)},
				Employments:   []registry.Employment{job("private", "operaio metalmeccanico", "operaio", 1991, fmt.Sprintf("%d-12-31", y-3)), job("mobility", "lista di mobilità", "operaio", y-2, "")},
			}
		}},
	{p("Elena", "Costa", "1985-04-09", "H501", "Roma", "F", "Via Aurelia 410", "00165", "Roma", "RM"),
		"employee short of 156 weeks in the last five years (about 100)", "RULE-2", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{
				weeks("employee", "compulsory", 2008, y-6),
				{Fund: "employee", Kind: "compulsory", From: fmt.Sprintf("%d-01-01", y-2), To: fmt.Sprintf("%d-12-31", y-1), Weeks: 100},
			}}
		}},
	{p("Bruno", "Rinaldi", "1956-02-20", "F205", "Milano", "M", "Corso Lodi 40", "20135", "Milano", "MI"),
		"above the old-age pension age with the contribution minimum (41 years)", "RULE-5", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", y-41, y-1)},
				Employments: []registry.Employment{job("private", "impiegato", "quadro", y-41, "")}}
		}},
	{p("Lucia", "Caruso", "1954-06-03", "H501", "Roma", "F", "Via Gregorio VII 60", "00165", "Roma", "RM"),
		"above the old-age pension age without the contribution minimum (12 years), still working", "RULE-5", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("self_employed", "compulsory", y-12, y-1)}}
		}},
	{p("Roberto", "Ferrara", "1970-10-25", "F205", "Milano", "M", "Via Washington 12", "20146", "Milano", "MI"),
		"seniority pensioner", "RULE-6", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1989, y-3)},
				Pensions: []registry.Pension{pension("seniority", y-2, false)}}
		}},
	{p("Teresa", "Gallo", "1972-08-14", "H501", "Roma", "F", "Via Cavour 33", "00184", "Roma", "RM"),
		"holder of a definitive invalidity allowance", "RULE-6", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1992, y-1)},
				Pensions: []registry.Pension{pension("invalidity_definitive", y-4, false)}}
		}},
	{p("Vincenzo", "Leone", "1971-03-03", "F205", "Milano", "M", "Via Padova 210", "20132", "Milano", "MI"),
		"holder of a non-definitive invalidity allowance", "RULE-1", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1991, y-1)},
				Pensions: []registry.Pension{pension("invalidity_provisional", y-2, false)}}
		}},
	{p("Angela", "Longo", "1974-12-01", "H501", "Roma", "F", "Via Nazionale 80", "00184", "Roma", "RM"),
		"inability pension, revoked", "RULE-6", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1994, y-1)},
				Pensions: []registry.Pension{pension("inability", y-10, true)}}
		}},
	{p("Stefano", "Gentile", "1971-09-09", "F205", "Milano", "M", "Via Lorenteggio 150", "20146", "Milano", "MI"),
		"pension from a supplementary fund", "RULE-6", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1991, y-1)},
				Pensions: []registry.Pension{pension("supplementary", y-1, false)}}
		}},
	{p("Paola", "Martini", "1975-02-11", "H501", "Roma", "F", "Viale Trastevere 100", "00153", "Roma", "RM"),
		"employee of a State administration", "RULE-7", "excluded", excludedEmployer("state", "ministero")},
	{p("Claudio", "Bruno", "1974-04-04", "F205", "Milano", "M", "Via Farini 20", "20159", "Milano", "MI"),
		"employee of Poste Italiane", "RULE-7", "excluded", excludedEmployer("poste", "portalettere")},
	{p("Daniela", "Moretti", "1976-06-21", "H501", "Roma", "F", "Via Tuscolana 880", "00174", "Roma", "RM"),
		"entertainment worker insured with ENPALS (bingo hall)", "RULE-7", "excluded", excludedEmployer("enpals", "sala bingo")},
	{p("Massimo", "Barbieri", "1973-01-29", "F205", "Milano", "M", "Via Vittor Pisani 5", "20124", "Milano", "MI"),
		"railway staff (FS fund)", "RULE-7", "excluded", excludedEmployer("railways_fund", "macchinista")},
	{p("Giulia", "Esposito", "1974-10-10", "H501", "Roma", "F", "Via Prenestina 210", "00176", "Roma", "RM"),
		"family member of an insured person (Franco Esposito's wife), no contributions of her own", "RULE-7", "excluded",
		func(int) registry.Facts { return registry.Facts{} }},
	{p("Sergio", "Villa", "1970-05-15", "F205", "Milano", "M", "Via Mecenate 76", "20138", "Milano", "MI"),
		"Solidarity Fund beneficiary (early retirement from a bank)", "RULE-7", "excluded", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("employee", "compulsory", 1990, y-2)},
				Employments: []registry.Employment{job("solidarity_fund", "fondo di solidarietà del credito", "impiegato", y-2, "")}}
		}},
	{p("Anna", "De Luca", "1971-07-27", "H501", "Roma", "F", "Via Flaminia 300", "00196", "Roma", "RM"),
		"spa cures paid by the health service this year", "RULE-4", "excluded", func(y int) registry.Facts {
			f := employee(1990)(y)
			f.SSNCures = []registry.SSNCure{{Year: y, Facility: "Terme di Tivoli (dimostrativo)"}}
			return f
		}},
	{p("Giacomo", "Mancini", "1950-09-30", "A012", "Abetone", "M", "Via Padova 88", "20131", "Milano", "MI"),
		"born in a suppressed comune (Abetone, merged in 2017); self-employed with 10 years, above pension age", "RULE-5", "entitled", func(y int) registry.Facts {
			return registry.Facts{Contributions: []registry.Contribution{weeks("self_employed", "compulsory", y-10, y-1)}}
		}},
	{p("Juan", "Rodriguez", "1975-02-17", "Z600", "Argentina", "M", "Via dei Volsci 10", "00185", "Roma", "RM"),
		"born abroad (Argentina); private employee", "RULE-1 RULE-2", "entitled", employee(2003)},
	{p("Ornella", "Bellini", "1971-04-16", "H501", "Roma", "F", "Via Appia Pignatelli 30", "00178", "Roma", "RM"),
		"private employee who had five spa cycles in the last five years: a sixth is exceptional", "RULE-10", "exceptional", func(y int) registry.Facts {
			f := employee(1990)(y)
			for year := y - 5; year < y; year++ {
				f.PastCycles = append(f.PastCycles, registry.PastCycle{Year: year, Pathology: "reumoartropatica"})
			}
			return f
		}},
	{p("Sofia", "Ricci", "2015-03-08", "H501", "Roma", "F", "Via Appia Nuova 500", "00179", "Roma", "RM"),
		"a minor (civil invalidity for minors; no contributions)", "RULE-1", "excluded", func(int) registry.Facts { return registry.Facts{} }},
}

const casesMetaKey = "demo_registry_loaded_at"

// LoadCases puts the demo people of the entitlement rules and their
// registry records into the database once.
func LoadCases(ctx context.Context, db *store.DB) (bool, error) {
	if at, err := db.Meta(ctx, casesMetaKey); err != nil || at != "" {
		return false, err
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		y := tx.Now().Year()
		for _, c := range Cases {
			if err := tx.UpsertPerson(ctx, c.Person); err != nil {
				return err
			}
			f := c.Facts(y)
			if err := tx.UpsertContributions(ctx, f.Contributions); err != nil {
				return err
			}
			if err := tx.UpsertPensions(ctx, f.Pensions); err != nil {
				return err
			}
			if err := tx.UpsertEmployments(ctx, f.Employments); err != nil {
				return err
			}
			if err := tx.UpsertSSNCures(ctx, f.SSNCures); err != nil {
				return err
			}
			if err := tx.UpsertPastCycles(ctx, f.PastCycles); err != nil {
				return err
			}
		}
		if err := tx.Audit(audit.Entry{Actor: "system:demo", Channel: history.ChannelSystem, Action: "registry.import",
			Subject: "demo", Detail: fmt.Sprintf(`{"people":%d}`, len(Cases))}); err != nil {
			return err
		}
		return tx.SetMeta(ctx, casesMetaKey, tx.Now().Format("2006-01-02T15:04:05Z"))
	})
	return err == nil, err
}

// Facts returns the case's registry records for the year y, each carrying
// the person's codice fiscale and validated as an import would be.
func (c Case) Facts(y int) registry.Facts {
	f := c.facts(y)
	cf := c.Person.FiscalCode
	for i := range f.Contributions {
		f.Contributions[i].FiscalCode = cf
	}
	for i := range f.Pensions {
		f.Pensions[i].FiscalCode = cf
	}
	for i := range f.Employments {
		f.Employments[i].FiscalCode = cf
	}
	for i := range f.SSNCures {
		f.SSNCures[i].FiscalCode = cf
	}
	for i := range f.PastCycles {
		f.PastCycles[i].FiscalCode = cf
	}
	return f
}
