// Package rules decides who is entitled to spa treatments (RULE-1…RULE-11,
// CBT-14; seed 001). Each rule is a pure function of Facts — built from the
// registries and what the application says — and returns an Outcome: pass,
// fail, unknown (facts missing) or needs approval, with a plain-Italian
// reason, the legal reference the seed gives, and the facts it used. The
// values that change by year live in data/parametri.csv and are chosen by
// the year of the cures. One engine serves the public pre-check, the
// application's requirements screen and the office.
//
// Choices where the seed can be read two ways, with its words:
//   - Pension age (RULE-5): the age is the one "prevista dalle disposizioni in
//     vigore nell'anno di effettuazione delle cure", judged at the application
//     date: "non abbiano compiuto l'età pensionabile secondo la normativa
//     vigente alla data di effettuazione della domanda".
//   - The five years before the application (RULE-2, RULE-3) are the days
//     from the same date five years earlier to the day before the
//     application; a period that straddles the window counts in proportion
//     to its days inside it, rounded down.
//   - Contribution years for the old-age pension count every fund and kind
//     up to the application; daily contributions count 270 to a year (the
//     seed's own 1350 = 5 × 270 and 810 = 3 × 270), summed before they
//     are turned into weeks.
//   - The separate fund is never added to other funds (msg. 41939/1989):
//     its workers count it alone, the others count everything else. The
//     category comes from the current employment and the latest
//     contributions; a person's fund is not decided by list order.
//   - A period cannot hold more weeks than it lasts; periods recorded
//     twice for the same time are the registry's to correct.
//   - A seniority or early pension excludes when it starts on or before the
//     application date; one starting later excludes only if the cures would
//     come after it ("prima dell'effettuazione del turno"), which the office
//     checks: the outcome is unknown.
package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
)

// Result is a rule's outcome.
type Result string

// The outcomes.
const (
	Pass     Result = "pass"
	Fail     Result = "fail"
	Unknown  Result = "unknown"        // facts missing: the office must verify
	Approval Result = "needs_approval" // allowed only with the medical centre's and the chief board's opinion (RULE-10)
)

// Overall results.
const (
	Entitled    = "entitled"
	Excluded    = "excluded"
	Exceptional = "exceptional" // entitled only with the approvals of RULE-10
	Incomplete  = "incomplete"  // no rule fails, some cannot be decided
)

// Worker categories (RULE-1).
const (
	CatEmployee     = "employee"               // employee paying IVS to the agency (its own staff included)
	CatSelfEmployed = "self_employed"          // self-employed paying IVS
	CatSeparate     = "separate"               // para-subordinate worker of the separate fund
	CatAgricultural = "agricultural"           // agricultural worker, day labourers included (RULE-3)
	CatMobility     = "mobility"               // worker in mobility
	CatInvalidity   = "invalidity_provisional" // holder of a non-definitive invalidity allowance
	CatLSU          = "lsu"                    // socially useful worker
	CatNone         = "none"                   // no insured work
)

// Categories lists the categories of RULE-1 (none excluded).
var Categories = []string{CatEmployee, CatSelfEmployed, CatSeparate, CatAgricultural, CatMobility, CatInvalidity, CatLSU}

// ExcludedEmployers are the employer types of RULE-7.
var ExcludedEmployers = []string{"state", "poste", "public_body", "railways_fund", "enpals", "solidarity_fund"}

// Facts are what the rules read. Dates are calendar days (the time of
// day is ignored).
type Facts struct {
	ApplicationDate time.Time
	CureYear        int       // 0: the year of the application
	BirthDate       time.Time // zero: unknown
	// Category and EmployerType: "" derives them from the registries
	// (the employment current at the application date, the fund of the
	// latest contribution).
	Category     string
	EmployerType string
	FamilyMember bool // a family member of an insured person (RULE-7)
	Contribs     []registry.Contribution
	Pensions     []registry.Pension
	Employments  []registry.Employment
	SSNCureYears []int             // years with spa cures paid by the health service or another body (RULE-4)
	Pathology    refdata.Pathology // "" unknown; any other value is another system (RULE-8)
	PastCycles   []int             // years of the cycles the agency granted before
	// HolidayException: the cures are taken outside holiday leave under
	// art. 16 L. 412/1991 (RULE-11).
	HolidayException bool
	// TotalWeeks, when positive, is the weeks of contributions in all as
	// declared (the pre-check asks for years, not periods): RULE-5 reads it
	// instead of counting the periods.
	TotalWeeks int
}

// FromRegistry builds the facts of an application from a person's
// registry records.
func FromRegistry(r registry.Facts, birth, applied time.Time, pathology refdata.Pathology) Facts {
	f := Facts{ApplicationDate: applied, BirthDate: birth, Contribs: r.Contributions, Pensions: r.Pensions,
		Employments: r.Employments, Pathology: pathology}
	for _, c := range r.SSNCures {
		f.SSNCureYears = append(f.SSNCureYears, c.Year)
	}
	for _, c := range r.PastCycles {
		f.PastCycles = append(f.PastCycles, c.Year)
	}
	return f
}

// Outcome is one rule's answer.
type Outcome struct {
	Rule      string // e.g. "RULE-2"
	Title     string // Italian
	Result    Result
	Reason    string // plain Italian
	Reference string // the legal reference the seed gives
	Used      []Fact // the facts the rule read, for the office and the citizen
}

// Fact is a named value a rule used.
type Fact struct{ Name, Value string }

// Verdict is the answer of every rule and the overall result.
type Verdict struct {
	Overall  string
	Year     int
	Outcomes []Outcome
}

// Failed returns the outcomes that failed.
func (v Verdict) Failed() []Outcome {
	var out []Outcome
	for _, o := range v.Outcomes {
		if o.Result == Fail {
			out = append(out, o)
		}
	}
	return out
}

// Evaluate runs every rule on f with the parameters of the year of the
// cures from t (Default when nil).
func Evaluate(f Facts, t *Table) Verdict {
	if t == nil {
		t = Default
	}
	f.ApplicationDate = day(f.ApplicationDate)
	if !f.BirthDate.IsZero() {
		f.BirthDate = day(f.BirthDate)
	}
	if f.CureYear == 0 {
		f.CureYear = f.ApplicationDate.Year()
	}
	v := Verdict{Year: f.CureYear}
	p, ok := t.For(f.CureYear)
	if !ok {
		v.Overall = Incomplete
		v.Outcomes = []Outcome{{Rule: "RULE-5", Title: "Parametri dell'anno", Result: Unknown,
			Reason:    fmt.Sprintf("I parametri dei requisiti per le cure del %d non sono disponibili: non è possibile verificarli.", f.CureYear),
			Reference: "msg. n. 2018/2004"}}
		return v
	}
	c := derive(f)
	v.Outcomes = []Outcome{
		window(f, p), category(f, c), contributions(f, c, p), ssnCures(f), pensionAge(f, p), pensions(f),
		employer(f, c), health(f), oneCycle(f), exceptional(f, p), holidays(f),
	}
	v.Overall = Entitled
	rank := map[Result]int{Pass: 0, Approval: 1, Unknown: 2, Fail: 3}
	worst := Pass
	for _, o := range v.Outcomes {
		if rank[o.Result] > rank[worst] {
			worst = o.Result
		}
	}
	switch worst {
	case Fail:
		v.Overall = Excluded
	case Unknown:
		v.Overall = Incomplete
	case Approval:
		v.Overall = Exceptional
	}
	return v
}

// derived are the facts the rules compute once.
type derived struct {
	category, employer string
	current            *registry.Employment
}

// day is the calendar day of t in Rome, at midnight UTC, so that day
// arithmetic ignores time zones and daylight saving.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(clock.Rome).Date()
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 {
		y, m, d = t.Date() // already a date
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

func derive(f Facts) derived {
	d := derived{category: f.Category, employer: f.EmployerType}
	var current []string
	for _, e := range f.Employments {
		from, ok := parseDay(e.From)
		to, okTo := parseDay(e.To)
		if ok && !from.After(f.ApplicationDate) && (e.To == "" || (okTo && !to.Before(f.ApplicationDate))) {
			current = append(current, e.EmployerType)
		}
	}
	if d.employer == "" {
		// Any current employer of an excluded type decides RULE-7; else
		// the first current one.
		for _, t := range current {
			if slices.Contains(ExcludedEmployers, t) {
				d.employer = t
			}
		}
		if d.employer == "" && len(current) > 0 {
			d.employer = current[0]
		}
	}
	if d.category != "" {
		return d
	}
	switch {
	case slices.Contains(current, "lsu"):
		d.category = CatLSU
	case slices.Contains(current, "mobility"):
		d.category = CatMobility
	}
	if d.category != "" {
		return d
	}
	// The fund of the latest contributions; on the same end date the
	// order below decides, so the records' order does not.
	rank := map[string]int{"employee": 4, "self_employed": 3, "agricultural": 2, "separate": 1}
	var latest time.Time
	fund := ""
	for _, c := range f.Contribs {
		to, ok := parseDay(c.To)
		if !ok || mustDay(c.From).After(f.ApplicationDate) || rank[c.Fund] == 0 {
			continue
		}
		if to.After(latest) || (to.Equal(latest) && rank[c.Fund] > rank[fund]) {
			latest, fund = to, c.Fund
		}
	}
	switch {
	case fund == "agricultural":
		d.category = CatAgricultural
	case len(current) > 0 && !slices.Contains(ExcludedEmployers, current[0]):
		// A current employment makes an employee, whatever a side
		// collaboration paid into the separate fund.
		d.category = CatEmployee
	case fund == "employee":
		d.category = CatEmployee
	case fund == "self_employed":
		d.category = CatSelfEmployed
	case fund == "separate":
		d.category = CatSeparate
	case len(current) > 0:
		d.category = CatEmployee
	}
	if d.category == "" {
		for _, p := range f.Pensions {
			if p.Kind == "invalidity_provisional" && !p.Revoked && !ended(p, f.ApplicationDate) {
				d.category = CatInvalidity
			}
		}
	}
	if d.category == "" {
		d.category = CatNone
	}
	return d
}

// addYM adds years and months; a day the month lacks becomes its last
// (31 January + 1 month is 28 or 29 February; art. 2963 c.c.).
func addYM(t time.Time, y, m int) time.Time {
	first := time.Date(t.Year()+y, t.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), 0, 0, 0, 0, time.UTC)
}

// ended reports whether a pension ended before the application.
func ended(p registry.Pension, applied time.Time) bool {
	to, ok := parseDay(p.To)
	return ok && to.Before(applied)
}

// WeeksOfDays turns daily contributions into weeks: 270 days make a year
// of 52 weeks (RULE-3's 1350 = 5 × 270, 810 = 3 × 270).
func WeeksOfDays(days float64) float64 { return days * 52 / 270 }

func mustDay(s string) time.Time {
	t, _ := parseDay(s)
	return t
}

func it(t time.Time) string { return t.Format("02/01/2006") }

// CBT-14: applications from 1 January to 31 October of the year of the
// cures.
func window(f Facts, p Params) Outcome {
	o := Outcome{Rule: "CBT-14", Title: "Periodo di presentazione", Reference: "msg. n. 101/2010; msg. n. 6462/2012"}
	start := time.Date(f.CureYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(f.CureYear, p.WindowEnd, p.WindowEndDay, 0, 0, 0, 0, time.UTC)
	o.Used = []Fact{{"Data della domanda", it(f.ApplicationDate)}, {"Anno delle cure", fmt.Sprint(f.CureYear)}}
	switch {
	case f.ApplicationDate.Before(start):
		o.Result, o.Reason = Fail, fmt.Sprintf("Le domande per le cure del %d si presentano dal 1° gennaio %d.", f.CureYear, f.CureYear)
	case f.ApplicationDate.After(end):
		o.Result, o.Reason = Fail, fmt.Sprintf("Le domande per le cure del %d si sono chiuse il %s; dal 1° gennaio %d si potranno chiedere le cure del %d.",
			f.CureYear, it(end), f.CureYear+1, f.CureYear+1)
	default:
		o.Result, o.Reason = Pass, fmt.Sprintf("La domanda è nel periodo dal 1° gennaio al %s.", it(end))
	}
	return o
}

// RULE-1: the entitled categories.
func category(f Facts, d derived) Outcome {
	o := Outcome{Rule: "RULE-1", Title: "Categoria di lavoratore", Reference: "art. 28 DPR 818/1957; msg. n. 7478/2007; msg. n. 18060/2006",
		Used: []Fact{{"Categoria", categoryName(d.category)}}}
	if slices.Contains(Categories, d.category) {
		o.Result, o.Reason = Pass, "La categoria ("+categoryName(d.category)+") è tra quelle che hanno diritto alle cure."
		return o
	}
	o.Result, o.Reason = Fail, "Non risulta un'attività assicurata presso l'Istituto che dia diritto alle cure (lavoro dipendente o autonomo, gestione separata, mobilità, assegno di invalidità non definitivo, lavori socialmente utili)."
	return o
}

var categoryNames = map[string]string{
	CatEmployee: "lavoratore dipendente", CatSelfEmployed: "lavoratore autonomo", CatSeparate: "iscritto alla gestione separata",
	CatAgricultural: "operaio agricolo", CatMobility: "lavoratore in mobilità", CatInvalidity: "titolare di assegno di invalidità non definitivo",
	CatLSU: "lavoratore socialmente utile", CatNone: "nessuna attività assicurata",
}

func categoryName(c string) string {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return c
}

// counted reports whether a contribution counts for a category: the
// separate fund's workers count only that fund (msg. 41939/1989).
func counted(c registry.Contribution, cat string) bool {
	if cat == CatSeparate {
		return c.Fund == "separate"
	}
	return c.Fund != "separate" // never added to other funds
}

// inWindow returns the part of a period's amount that falls in
// [from, to], in proportion to its days.
func inWindow(c registry.Contribution, amount int, from, to time.Time) float64 {
	start, ok1 := parseDay(c.From)
	end, ok2 := parseDay(c.To)
	if !ok1 || !ok2 || end.Before(start) {
		return 0
	}
	total := end.Sub(start).Hours()/24 + 1
	if c.Days == 0 && float64(amount) > total/7+1 {
		amount = int(total/7 + 1) // a period cannot hold more weeks than it lasts
	}
	lo, hi := start, end
	if lo.Before(from) {
		lo = from
	}
	if hi.After(to) {
		hi = to
	}
	if hi.Before(lo) {
		return 0
	}
	return float64(amount) * (hi.Sub(lo).Hours()/24 + 1) / total
}

// RULE-2 and RULE-3: insurance seniority and contributions in the five
// years before the application.
func contributions(f Facts, d derived, p Params) Outcome {
	winFrom := f.ApplicationDate.AddDate(-5, 0, 0)
	winTo := f.ApplicationDate.AddDate(0, 0, -1)
	if d.category == CatAgricultural {
		o := Outcome{Rule: "RULE-3", Title: "Contributi dei lavoratori agricoli",
			Reference: "art. 4 L. 222/1984; art. 9 n. 2 RDL n. 636/1939"}
		var total, recent float64
		for _, c := range f.Contribs {
			if c.Fund != "agricultural" {
				continue
			}
			total += inWindow(c, c.Days, time.Time{}, winTo)
			recent += inWindow(c, c.Days, winFrom, winTo)
		}
		t, r := int(total+1e-9), int(recent+1e-9)
		o.Used = []Fact{{"Contributi giornalieri in tutto", fmt.Sprint(t)},
			{fmt.Sprintf("Contributi giornalieri dal %s al %s", it(winFrom), it(winTo)), fmt.Sprint(r)}}
		switch {
		case t < p.AgriTotalDays:
			o.Result, o.Reason = Fail, fmt.Sprintf("Servono almeno %d contributi giornalieri in tutto: ne risultano %d.", p.AgriTotalDays, t)
		case r < p.AgriWindowDays:
			o.Result, o.Reason = Fail, fmt.Sprintf("Servono almeno %d contributi giornalieri nei cinque anni prima della domanda: ne risultano %d.", p.AgriWindowDays, r)
		default:
			o.Result, o.Reason = Pass, fmt.Sprintf("Risultano %d contributi giornalieri, %d nei cinque anni prima della domanda.", t, r)
		}
		return o
	}
	o := Outcome{Rule: "RULE-2", Title: "Anzianità assicurativa e contributi",
		Reference: "art. 4 L. 222/1984; art. 28 DPR 818/1957; msg. n. 41939/1989"}
	var first time.Time
	var weeks, days float64
	for _, c := range f.Contribs {
		if !counted(c, d.category) || (c.Weeks == 0 && c.Days == 0) {
			continue
		}
		if start, ok := parseDay(c.From); ok && !start.After(winTo) && (first.IsZero() || start.Before(first)) {
			first = start
		}
		if c.Weeks > 0 {
			weeks += inWindow(c, c.Weeks, winFrom, winTo)
		} else {
			days += inWindow(c, c.Days, winFrom, winTo)
		}
	}
	wk := int(weeks + WeeksOfDays(days) + 1e-9)
	fund := ""
	if d.category == CatSeparate {
		fund = " (solo gestione separata)"
	}
	o.Used = []Fact{{"Primo contributo" + fund, "—"}, {fmt.Sprintf("Settimane dal %s al %s%s", it(winFrom), it(winTo), fund), fmt.Sprint(wk)}}
	if !first.IsZero() {
		o.Used[0].Value = it(first)
	}
	switch {
	case first.IsZero():
		o.Result, o.Reason = Fail, "Non risultano contributi"+fund+"."
	case addYM(first, p.SeniorityYears, 0).After(f.ApplicationDate):
		o.Result, o.Reason = Fail, fmt.Sprintf("Servono almeno %d anni di assicurazione: il primo contributo%s è del %s; i %d anni si compiono il %s.",
			p.SeniorityYears, fund, it(first), p.SeniorityYears, it(addYM(first, p.SeniorityYears, 0)))
	case wk < p.Weeks:
		o.Result, o.Reason = Fail, fmt.Sprintf("Servono almeno %d settimane di contributi nei cinque anni prima della domanda%s: ne risultano %d.", p.Weeks, fund, wk)
	default:
		o.Result, o.Reason = Pass, fmt.Sprintf("Assicurazione dal %s; %d settimane nei cinque anni prima della domanda (ne servono %d). Valgono anche i contributi figurativi, di disoccupazione compresi, e volontari.",
			it(first), wk, p.Weeks)
	}
	return o
}

// RULE-4: no spa cures from the health service or another body in the
// same year.
func ssnCures(f Facts) Outcome {
	o := Outcome{Rule: "RULE-4", Title: "Cure termali da altri enti", Reference: "requisito amministrativo INPS (nessun atto citato)",
		Used: []Fact{{"Cure dal Servizio sanitario o da altri enti nell'anno", "no"}}}
	if slices.Contains(f.SSNCureYears, f.CureYear) {
		o.Used[0].Value = "sì"
		o.Result, o.Reason = Fail, fmt.Sprintf("Nel %d risultano cure termali a carico della ASL o di un altro ente: le cure dell'Istituto non spettano nello stesso anno.", f.CureYear)
		return o
	}
	o.Result, o.Reason = Pass, fmt.Sprintf("Nel %d non risultano cure termali a carico della ASL o di altri enti.", f.CureYear)
	return o
}

// oldAgeWeeks counts every contribution up to the application for the
// old-age pension: all funds and kinds, six daily contributions a week.
func oldAgeWeeks(f Facts) int {
	var w, days float64
	for _, c := range f.Contribs {
		if c.Weeks > 0 {
			w += inWindow(c, c.Weeks, time.Time{}, f.ApplicationDate)
		} else {
			days += inWindow(c, c.Days, time.Time{}, f.ApplicationDate)
		}
	}
	return int(w + WeeksOfDays(days) + 1e-9)
}

// RULE-5: not after the old-age pension age with its contributions.
func pensionAge(f Facts, p Params) Outcome {
	o := Outcome{Rule: "RULE-5", Title: "Età e contributi per la pensione di vecchiaia",
		Reference: "msg. n. 2018/2004; msg. n. 28003/1988; msg. n. 19526/1994"}
	if f.BirthDate.IsZero() {
		o.Result, o.Reason = Unknown, "Manca la data di nascita."
		return o
	}
	reached := PensionAgeOn(f.BirthDate, p)
	weeks := oldAgeWeeks(f)
	if f.TotalWeeks > 0 {
		weeks = max(weeks, f.TotalWeeks)
	}
	need := p.OldAgeYears * 52
	o.Used = []Fact{{"Data di nascita", it(f.BirthDate)}, {fmt.Sprintf("Età pensionabile nel %d", f.CureYear), p.PensionAge.String() + " (" + p.PensionAgeCited + ")"},
		{"Compimento dell'età pensionabile", it(reached)}, {"Settimane di contributi in tutto", fmt.Sprint(weeks)}}
	switch {
	case f.ApplicationDate.Before(reached):
		o.Result, o.Reason = Pass, fmt.Sprintf("Alla data della domanda l'età pensionabile (%s) non è raggiunta: si compie il %s.", p.PensionAge, it(reached))
	case weeks >= need:
		o.Result, o.Reason = Fail, fmt.Sprintf("L'età pensionabile (%s) è raggiunta e i contributi (%d settimane) bastano per la pensione di vecchiaia (%d anni, %d settimane): le cure non spettano.",
			p.PensionAge, weeks, p.OldAgeYears, need)
	default:
		o.Result, o.Reason = Pass, fmt.Sprintf("L'età pensionabile (%s) è raggiunta, ma i contributi (%d settimane) non bastano per la pensione di vecchiaia (%d settimane): le cure spettano ancora.",
			p.PensionAge, weeks, need)
	}
	return o
}

// PensionAgeOn is the day a person born on birth reaches the pension age
// of p.
func PensionAgeOn(birth time.Time, p Params) time.Time {
	return addYM(birth, p.PensionAge.Years, p.PensionAge.Months)
}

// RULE-6: pensions that exclude.
func pensions(f Facts) Outcome {
	o := Outcome{Rule: "RULE-6", Title: "Pensioni e assegni", Reference: "circ. n. 15/1986; msg. n. 16724/2004"}
	names := map[string]string{"seniority": "una pensione di anzianità", "early": "una pensione anticipata", "old_age": "una pensione di vecchiaia",
		"invalidity_definitive": "un assegno di invalidità definitivo", "inability": "una pensione di inabilità",
		"supplementary": "una pensione di un fondo integrativo", "substitutive": "una pensione di un fondo sostitutivo",
		"invalidity_provisional": "un assegno di invalidità non definitivo"}
	o.Result, o.Reason = Pass, "Non risultano pensioni o assegni che escludono le cure."
	for _, pn := range f.Pensions {
		name := names[pn.Kind]
		if name == "" {
			name = pn.Kind
		}
		from, _ := parseDay(pn.From)
		v := strings.TrimPrefix(strings.TrimPrefix(name, "una "), "un ") + " dal " + it(from)
		switch {
		case pn.Revoked:
			v += " (revoca)"
		case ended(pn, f.ApplicationDate):
			v += " al " + pn.To
		}
		o.Used = append(o.Used, Fact{"Pensione o assegno", v})
		if pn.Revoked || ended(pn, f.ApplicationDate) || pn.Kind == "invalidity_provisional" || o.Result == Fail {
			continue
		}
		switch pn.Kind {
		case "seniority", "early":
			if !from.After(f.ApplicationDate) {
				o.Result, o.Reason = Fail, fmt.Sprintf("Risulta %s dal %s: le cure non spettano.", name, it(from))
			} else {
				o.Result, o.Reason = Unknown, fmt.Sprintf("Risulta %s dal %s: le cure spettano solo se il turno si svolge prima; l'ufficio lo verifica.", name, it(from))
			}
		case "invalidity_definitive", "inability":
			if !from.After(f.ApplicationDate) {
				o.Result, o.Reason = Fail, fmt.Sprintf("Risulta %s dal %s: le cure non spettano; la domanda si può presentare solo dopo un'eventuale revoca.", name, it(from))
			}
		case "old_age", "supplementary", "substitutive":
			if !from.After(f.ApplicationDate) {
				o.Result, o.Reason = Fail, fmt.Sprintf("Risulta %s dal %s: le cure non spettano.", name, it(from))
			}
		}
	}
	return o
}

var employerNames = map[string]string{
	"state": "impresa o amministrazione dello Stato", "poste": "Poste Italiane", "public_body": "ente pubblico o ente locale privatizzato",
	"railways_fund": "Ferrovie dello Stato (fondo gestito dall'Istituto)", "enpals": "spettacolo (assicurazione ENPALS, sale Bingo comprese)",
	"solidarity_fund": "Fondo di solidarietà (prepensionamento)",
	"private":         "datore di lavoro privato", "lsu": "lavori socialmente utili", "mobility": "lista di mobilità",
}

// RULE-7: excluded employers and family members.
func employer(f Facts, d derived) Outcome {
	o := Outcome{Rule: "RULE-7", Title: "Datore di lavoro e familiari", Reference: "L. 133/2008; circ. n. 114/2008; msg. n. 24860/2006; msg. n. 263/2002; circ. n. 76/2002"}
	if d.employer != "" {
		o.Used = append(o.Used, Fact{"Datore di lavoro attuale", d.employer})
		if n, ok := employerNames[d.employer]; ok {
			o.Used[0].Value = n
		}
	}
	o.Used = append(o.Used, Fact{"Familiare di un assicurato", map[bool]string{true: "sì", false: "no"}[f.FamilyMember]})
	switch {
	case f.FamilyMember:
		o.Result, o.Reason = Fail, "Le cure spettano all'assicurato, non ai suoi familiari."
	case d.employer == "solidarity_fund":
		o.Result, o.Reason = Fail, "Le cure non spettano a chi riceve le prestazioni del Fondo di solidarietà, assimilate al prepensionamento."
	case slices.Contains(ExcludedEmployers, d.employer):
		o.Result, o.Reason = Fail, "Le cure non spettano a chi lavora per: "+employerNames[d.employer]+"."
	default:
		o.Result, o.Reason = Pass, "Il datore di lavoro non è tra quelli esclusi."
	}
	return o
}

// RULE-8: the pathology group.
func health(f Facts) Outcome {
	o := Outcome{Rule: "RULE-8", Title: "Patologia", Reference: "circ. n. 230/1992; DM 15/12/1994; circ. n. 15/1986"}
	switch f.Pathology {
	case "":
		o.Result, o.Reason = Unknown, "La patologia risulta dal certificato del medico, che la domanda collega."
	case refdata.Rheumatic, refdata.Respiratory:
		o.Used = []Fact{{"Patologia", string(f.Pathology)}}
		o.Result, o.Reason = Pass, "La patologia è tra quelle per cui le cure sono concesse; la visita medico-legale lo conferma."
	default:
		o.Used = []Fact{{"Patologia", string(f.Pathology)}}
		o.Result, o.Reason = Fail, "Le cure sono concesse solo per malattie reumoartropatiche o broncopneumopatiche croniche: altri apparati sono esclusi."
	}
	return o
}

// RULE-9: one cycle a year.
func oneCycle(f Facts) Outcome {
	o := Outcome{Rule: "RULE-9", Title: "Un ciclo all'anno", Reference: "RDL n. 1827/1935 artt. 45-81 e 83"}
	if slices.Contains(f.PastCycles, f.CureYear) {
		o.Used = []Fact{{"Ciclo già concesso nel", fmt.Sprint(f.CureYear)}}
		o.Result, o.Reason = Fail, fmt.Sprintf("Nel %d è già stato concesso un ciclo di cure: se ne concede uno all'anno.", f.CureYear)
		return o
	}
	o.Result, o.Reason = Pass, fmt.Sprintf("Nel %d non è stato ancora concesso un ciclo.", f.CureYear)
	return o
}

// RULE-10: cycles beyond the fifth need the medical centre's approval and
// the chief medical board's final opinion.
func exceptional(f Facts, p Params) Outcome {
	o := Outcome{Rule: "RULE-10", Title: "Cicli oltre il quinto", Reference: "prassi INPS sull'eccezionalità dei cicli oltre il quinto"}
	n := 0
	for _, y := range f.PastCycles {
		if y < f.CureYear {
			n++
		}
	}
	o.Used = []Fact{{"Cicli già concessi", fmt.Sprint(n)}}
	if n >= p.OrdinaryCycles {
		o.Result, o.Reason = Approval, fmt.Sprintf("Sono già stati concessi %d cicli: un altro è eccezionale e richiede l'approvazione del medico della sede e il parere definitivo del Coordinatore generale medico legale.", n)
		return o
	}
	switch n {
	case 0:
		o.Result, o.Reason = Pass, fmt.Sprintf("Non sono stati concessi cicli finora (%d sono ordinari).", p.OrdinaryCycles)
	case 1:
		o.Result, o.Reason = Pass, fmt.Sprintf("È stato concesso 1 ciclo su %d ordinari.", p.OrdinaryCycles)
	default:
		o.Result, o.Reason = Pass, fmt.Sprintf("Sono stati concessi %d cicli su %d ordinari.", n, p.OrdinaryCycles)
	}
	return o
}

// RULE-11: cures in holiday leave.
func holidays(f Facts) Outcome {
	o := Outcome{Rule: "RULE-11", Title: "Periodo di ferie", Reference: "art. 16 L. 412/1991", Result: Pass}
	if f.HolidayException {
		o.Reason = "Le cure possono essere fatte fuori dal periodo di ferie (art. 16 L. 412/1991)."
	} else {
		o.Reason = "Le cure si fanno nel periodo di ferie: non spetta l'indennità di malattia per quei giorni."
	}
	return o
}

// Summary is a one-line Italian summary of the overall result.
func (v Verdict) Summary() string {
	switch v.Overall {
	case Entitled:
		return "I requisiti risultano soddisfatti."
	case Exceptional:
		return "I requisiti risultano soddisfatti, ma il ciclo è eccezionale: serve l'approvazione medico-legale."
	case Incomplete:
		return "Alcuni requisiti non si possono verificare con i dati disponibili: li verifica l'ufficio."
	}
	var rules []string
	for _, o := range v.Failed() {
		rules = append(rules, o.Title)
	}
	return "Requisiti mancanti: " + strings.Join(rules, "; ") + "."
}
