package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
)

// The public pre-check of the spa-treatment requirements, "Verifica i
// requisiti" (issue 7; RULE-1…RULE-11, CBT-14). Anyone answers a few
// questions, without a name or a codice fiscale; the answers become
// rules.Facts for an application made today and the same engine as the
// application and the office gives every rule's outcome.
//
// Nothing is stored: no draft, no audit entry, no event, and the answers
// never reach a log. The form is a POST, not a bookmarkable GET, because
// the answers say something about health and pensions and a query string
// ends up in browser history, proxies and access logs. The usual form
// token guards it against cross-site posting; as the page creates
// nothing, an authentic token that has expired is still accepted (what
// the expiry protects is a double create, and there is none).

const precheckForm = "verifica-requisiti"

// The choices of the page beyond the rules' own codes.
const (
	precheckNoEmployer  = "none"   // no employer: self-employed, in mobility, no work
	precheckOtherIll    = "altra"  // another system: excluded (RULE-8)
	precheckUnknownIll  = "non_so" // not known yet: the certificate will say
	precheckYes         = "si"
	precheckNo          = "no"
	precheckMaxWeeks    = 261   // weeks in five years, at most (1,827 days)
	precheckMaxDays     = 1827  // days in five years, at most
	precheckMaxAgriDays = 30000 // daily contributions of a working life, generously
	precheckMaxYears    = 80
	precheckMaxCycles   = 60
)

var (
	precheckCategories  = append(slices.Clone(rules.Categories), rules.CatNone)
	precheckEmployers   = append([]string{"private", precheckNoEmployer}, rules.ExcludedEmployers...)
	precheckPathologies = []string{string(refdata.Rheumatic), string(refdata.Respiratory), precheckOtherIll, precheckUnknownIll}
)

// precheckAnswers are the answers as typed, to show them again.
type precheckAnswers struct {
	Born, Category, Employer, Family        string
	FirstYear, Weeks, AgriTotal, AgriRecent string
	Years                                   string
	Pensions                                map[string]bool   // kind -> ticked
	PensionFrom                             map[string]string // kind -> mm/aaaa
	SSN, Pathology, Cycles, CycleThisYear   string
}

func precheckAnswersFrom(f url.Values) precheckAnswers {
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	a := precheckAnswers{Born: get("nascita"), Category: get("categoria"), Employer: get("datore"), Family: get("familiare"),
		FirstYear: get("primo_anno"), Weeks: get("settimane"), AgriTotal: get("giornate_totali"), AgriRecent: get("giornate_recenti"),
		Years: get("anni_contributi"), SSN: get("cure_ssn"), Pathology: get("patologia"), Cycles: get("cicli"),
		CycleThisYear: get("ciclo_anno"), Pensions: map[string]bool{}, PensionFrom: map[string]string{}}
	for _, k := range registry.PensionKinds {
		a.Pensions[k] = f.Get("pensione_"+k) != ""
		a.PensionFrom[k] = get("decorrenza_" + k)
	}
	return a
}

// precheck is the answers, checked.
type precheck struct {
	Birth         time.Time
	Category      string
	Employer      string // "" for none
	Family        bool
	FirstYear     int // 0: no contributions (except for agricultural workers, who give days)
	Weeks         int // in the five years before today
	AgriTotal     int
	AgriRecent    int
	Years         int // of contributions in all, every fund; -1 if not given
	Pensions      []registry.Pension
	SSN           bool
	Pathology     refdata.Pathology
	Cycles        int // granted in past years
	CycleThisYear bool
}

// whole parses a non-negative whole number; "" is not one.
func whole(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

var monthYear = regexp.MustCompile(`^(0?[1-9]|1[0-2])/([0-9]{4})$`)

// pensionStart reads a pension's start, "mm/aaaa" (or "aaaa", January):
// pensions start on the first day of a month.
func pensionStart(s string) (time.Time, bool) {
	if m := monthYear.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), y >= 1900
	}
	if y, ok := whole(s); ok && len(s) == 4 && y >= 1900 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// today is the calendar day of now in Rome, at midnight UTC, as the rules
// take dates.
func today(now time.Time) time.Time {
	y, m, d := now.In(clock.Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// check validates the answers for an application on day (a calendar
// day), returning one message key per wrong field, in page order.
func (a precheckAnswers) check(day time.Time) (precheck, []FieldError) {
	p := precheck{Years: -1}
	var errs []FieldError
	if a.Born == "" {
		errs = append(errs, FieldError{"nascita", "precheck.err.born.missing"})
	} else if b, err := time.Parse("02/01/2006", a.Born); err != nil {
		errs = append(errs, FieldError{"nascita", "precheck.err.born.format"})
	} else if b.After(day) || b.Year() < 1900 {
		errs = append(errs, FieldError{"nascita", "precheck.err.born.range"})
	} else {
		p.Birth = b
	}
	if p.Category = a.Category; !slices.Contains(precheckCategories, a.Category) {
		errs = append(errs, FieldError{"categoria", "precheck.err.category"})
	}
	if !slices.Contains(precheckEmployers, a.Employer) {
		errs = append(errs, FieldError{"datore", "precheck.err.employer"})
	} else if a.Employer != precheckNoEmployer {
		p.Employer = a.Employer
	}
	switch a.Family {
	case precheckYes, precheckNo:
		p.Family = a.Family == precheckYes
	default:
		errs = append(errs, FieldError{"familiare", "precheck.err.family"})
	}

	// Contributions: weeks and the first year, or, for agricultural
	// workers, daily contributions.
	years, yearsOK := 0, true
	if a.Years != "" {
		years, yearsOK = whole(a.Years)
	}
	if p.Category == rules.CatAgricultural {
		recent, recentOK := whole(a.AgriRecent)
		total, totalOK := whole(a.AgriTotal)
		switch {
		case a.AgriTotal == "":
			errs = append(errs, FieldError{"giornate_totali", "precheck.err.agri.total.missing"})
		case !totalOK:
			errs = append(errs, FieldError{"giornate_totali", "precheck.err.agri.total.format"})
		case total > precheckMaxAgriDays:
			errs = append(errs, FieldError{"giornate_totali", "precheck.err.agri.total.range"})
		case recentOK && total < recent:
			errs = append(errs, FieldError{"giornate_totali", "precheck.err.agri.total.less"})
		}
		switch {
		case a.AgriRecent == "":
			errs = append(errs, FieldError{"giornate_recenti", "precheck.err.agri.recent.missing"})
		case !recentOK:
			errs = append(errs, FieldError{"giornate_recenti", "precheck.err.agri.recent.format"})
		case recent > precheckMaxDays:
			errs = append(errs, FieldError{"giornate_recenti", "precheck.err.agri.recent.range"})
		}
		p.AgriTotal, p.AgriRecent = total, recent
	} else {
		first, firstOK := 0, true
		if a.FirstYear != "" {
			first, firstOK = whole(a.FirstYear)
			firstOK = firstOK && len(a.FirstYear) == 4
		}
		weeks, weeksOK := 0, true
		if a.Weeks != "" {
			weeks, weeksOK = whole(a.Weeks)
		}
		// The separate fund's workers give its first contribution; their
		// years in all may come from other funds.
		needFirst := (a.Weeks != "" && weeks > 0) || (p.Category != rules.CatSeparate && a.Years != "" && years > 0)
		switch {
		case !firstOK:
			errs = append(errs, FieldError{"primo_anno", "precheck.err.first.format"})
		case a.FirstYear != "" && (first < 1900 || first > day.Year()):
			errs = append(errs, FieldError{"primo_anno", "precheck.err.first.range"})
		case a.FirstYear == "" && needFirst && weeksOK && yearsOK:
			errs = append(errs, FieldError{"primo_anno", "precheck.err.first.missing"})
		}
		switch {
		case a.Weeks == "" && a.FirstYear != "":
			errs = append(errs, FieldError{"settimane", "precheck.err.weeks.missing"})
		case !weeksOK:
			errs = append(errs, FieldError{"settimane", "precheck.err.weeks.format"})
		case weeks > precheckMaxWeeks || (weeks > 0 && firstOK && first == day.Year() && day.YearDay() == 1):
			// A first contribution this year leaves no week before 1 January.
			errs = append(errs, FieldError{"settimane", "precheck.err.weeks.range"})
		}
		p.FirstYear, p.Weeks = first, weeks
	}
	switch {
	case !yearsOK:
		errs = append(errs, FieldError{"anni_contributi", "precheck.err.years.format"})
	case years > precheckMaxYears:
		errs = append(errs, FieldError{"anni_contributi", "precheck.err.years.range"})
	case a.Years == "" && !p.Birth.IsZero() && pensionAgeReached(p.Birth, day):
		// RULE-5 needs the contributions of those above the pension age.
		errs = append(errs, FieldError{"anni_contributi", "precheck.err.years.missing"})
	case a.Years != "":
		p.Years = years
	}

	for _, k := range registry.PensionKinds {
		from, typed := a.PensionFrom[k], a.PensionFrom[k] != ""
		start, ok := pensionStart(from)
		switch {
		case !a.Pensions[k] && typed:
			errs = append(errs, FieldError{"pensione_" + k, "precheck.err.pension.unticked"})
		case !a.Pensions[k]:
		case !typed:
			errs = append(errs, FieldError{"decorrenza_" + k, "precheck.err.pension.from.missing"})
		case !ok:
			errs = append(errs, FieldError{"decorrenza_" + k, "precheck.err.pension.from.format"})
		default:
			p.Pensions = append(p.Pensions, registry.Pension{Kind: k, From: start.Format("2006-01-02")})
		}
	}

	switch a.SSN {
	case precheckYes, precheckNo:
		p.SSN = a.SSN == precheckYes
	default:
		errs = append(errs, FieldError{"cure_ssn", "precheck.err.ssn"})
	}
	switch a.Pathology {
	case string(refdata.Rheumatic), string(refdata.Respiratory), precheckOtherIll:
		p.Pathology = refdata.Pathology(a.Pathology)
	case precheckUnknownIll:
	default:
		errs = append(errs, FieldError{"patologia", "precheck.err.pathology"})
	}
	if a.Cycles != "" {
		n, ok := whole(a.Cycles)
		switch {
		case !ok:
			errs = append(errs, FieldError{"cicli", "precheck.err.cycles.format"})
		case n > precheckMaxCycles:
			errs = append(errs, FieldError{"cicli", "precheck.err.cycles.range"})
		default:
			p.Cycles = n
		}
	}
	switch a.CycleThisYear {
	case precheckYes, precheckNo:
		p.CycleThisYear = a.CycleThisYear == precheckYes
	default:
		errs = append(errs, FieldError{"ciclo_anno", "precheck.err.cycle.thisyear"})
	}
	return p, errs
}

// pensionAgeReached reports whether someone born on birth has the old-age
// pension age in force in day's year on day (RULE-5); false when that
// year's parameters are unknown, as the rules then decide nothing.
func pensionAgeReached(birth, day time.Time) bool {
	p, ok := rules.Default.For(day.Year())
	return ok && !day.Before(rules.PensionAgeOn(birth, p))
}

// fundOf is the fund of a category's contributions.
func fundOf(category string) string {
	switch category {
	case rules.CatSelfEmployed, rules.CatSeparate, rules.CatAgricultural:
		return category
	}
	return "employee"
}

// facts maps the answers onto the facts of an application made on day
// (a calendar day) for the cures of that year. The contribution record is
// synthetic but gives the rules exactly the numbers typed:
//   - the five years before the application, [day-5y, day-1], as RULE-2
//     and RULE-3 count them, are one period carrying the weeks (or daily
//     contributions) declared for them, starting at 1 January of the year
//     of the first contribution if that is later;
//   - the time before, from 1 January of the year of the first
//     contribution (RULE-2 reads the insurance seniority there), carries
//     the rest of the years in all (52 weeks a year), or, for
//     agricultural workers, the rest of their daily contributions;
//   - the years in all are given to the old-age count as they are
//     declared (Facts.TotalWeeks, RULE-5).
func (p precheck) facts(day time.Time) rules.Facts {
	f := rules.Facts{ApplicationDate: day, CureYear: day.Year(), BirthDate: p.Birth, Category: p.Category,
		EmployerType: p.Employer, FamilyMember: p.Family, Pensions: p.Pensions, Pathology: p.Pathology}
	winFrom, winTo := day.AddDate(-5, 0, 0), day.AddDate(0, 0, -1)
	iso := func(t time.Time) string { return t.Format("2006-01-02") }
	fund := fundOf(p.Category)
	period := func(from, to time.Time, weeks, days int) {
		f.Contribs = append(f.Contribs, registry.Contribution{Fund: fund, Kind: "compulsory", From: iso(from), To: iso(to), Weeks: weeks, Days: days})
	}
	total := max(p.Years, 0) * 52
	implied := 0 // weeks the periods give the old-age count
	if p.Category == rules.CatAgricultural {
		// Before the five years: any start does, RULE-3 counts all up to them.
		if older := p.AgriTotal - p.AgriRecent; older > 0 {
			period(winFrom.AddDate(-1, 0, 0), winFrom.AddDate(0, 0, -1), 0, older)
		}
		period(winFrom, winTo, 0, p.AgriRecent)
		implied += int(rules.WeeksOfDays(float64(max(p.AgriTotal, p.AgriRecent))) + 1e-9)
	} else if p.FirstYear > 0 {
		first := time.Date(p.FirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
		older := max(total-p.Weeks, 0)
		if first.Before(winFrom) {
			period(first, winFrom.AddDate(0, 0, -1), older, 0)
			implied += older
		}
		from := first
		if from.Before(winFrom) {
			from = winFrom
		}
		if !from.After(winTo) {
			period(from, winTo, p.Weeks, 0)
			implied += p.Weeks
		}
	}
	// The years in all are what the old-age count reads (RULE-5); the
	// periods above cannot hold more than they last.
	f.TotalWeeks = max(total, implied)
	if p.SSN {
		f.SSNCureYears = []int{day.Year()}
	}
	for i := 1; i <= p.Cycles; i++ {
		f.PastCycles = append(f.PastCycles, day.Year()-i)
	}
	if p.CycleThisYear {
		f.PastCycles = append(f.PastCycles, day.Year())
	}
	return f
}

// precheckView is the page's data.
type precheckView struct {
	form
	A           precheckAnswers
	Categories  []string
	Employers   []string
	Pensions    []string
	Pathologies []string
	Year        int
	From, To    string // the five years before today, dd/mm/yyyy
	Result      *precheckResult
}

// precheckResult is the verdict as the page shows it.
type precheckResult struct{ rules.Verdict }

// Alert is the class of the overall result's box.
func (r precheckResult) Alert() string {
	switch r.Overall {
	case rules.Entitled:
		return "alert-success"
	case rules.Excluded:
		return "alert-danger"
	}
	return "alert-warning"
}

func (s *Server) renderPrecheck(w http.ResponseWriter, r *http.Request, status int, a precheckAnswers, errs []FieldError, res *precheckResult) {
	v := s.view(r, "precheck.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("nav.cbt"), URL: "/informazioni/cure-termali"}}
	day := today(s.clock.Now())
	pv := &precheckView{A: a, Categories: precheckCategories, Employers: precheckEmployers, Pensions: registry.PensionKinds,
		Pathologies: precheckPathologies, Year: day.Year(), Result: res,
		From: i18n.Date(day.AddDate(-5, 0, 0)), To: i18n.Date(day.AddDate(0, 0, -1))}
	for i := range errs {
		errs[i].Message = v.T(errs[i].Message) // catalogue keys to text
	}
	pv.form = s.form(w, r, v, precheckForm, errs)
	v.Data = pv
	s.render(w, r, status, "precheck", v)
}

func (s *Server) precheckPage(w http.ResponseWriter, r *http.Request) {
	s.renderPrecheck(w, r, http.StatusOK, precheckAnswersFrom(nil), nil, nil)
}

func (s *Server) precheckPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderPrecheck(w, r, http.StatusBadRequest, precheckAnswersFrom(nil), []FieldError{{"nascita", "form.err.unreadable"}}, nil)
		return
	}
	a := precheckAnswersFrom(r.PostForm)
	if _, err := s.tokens.check(r.PostForm.Get(tokenField), precheckForm, s.tokens.binding(w, r), s.clock.Now()); err != nil && !errors.Is(err, errTokenExpired) {
		s.renderPrecheck(w, r, http.StatusForbidden, a, []FieldError{{"nascita", "form.err.token"}}, nil)
		return
	}
	day := today(s.clock.Now())
	p, errs := a.check(day)
	if len(errs) > 0 {
		s.renderPrecheck(w, r, http.StatusUnprocessableEntity, a, errs, nil)
		return
	}
	v := rules.Evaluate(p.facts(day), nil)
	s.renderPrecheck(w, r, http.StatusOK, a, nil, &precheckResult{v})
}
