package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
)

var applied = date("2026-03-02")

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func iso(t time.Time) string { return t.Format("2006-01-02") }

// period is a contribution of a fund and kind over [from, to].
func period(fund, kind string, from, to time.Time, weeks, days int) registry.Contribution {
	return registry.Contribution{Fund: fund, Kind: kind, From: iso(from), To: iso(to), Weeks: weeks, Days: days}
}

// recent is a period covering exactly the five years before the
// application (the window of RULE-2 and RULE-3).
func recent(fund, kind string, weeks, days int) registry.Contribution {
	return period(fund, kind, applied.AddDate(-5, 0, 0), applied.AddDate(0, 0, -1), weeks, days)
}

// older is a period before the window, from 1 January 2000.
func older(fund string, weeks, days int) registry.Contribution {
	return period(fund, "compulsory", date("2000-01-01"), applied.AddDate(-5, 0, -1), weeks, days)
}

// base is an entitled private employee: born 1980, insured since 2000,
// 260 weeks in the window, a rheumatic pathology.
func base() rules.Facts {
	return rules.Facts{ApplicationDate: applied, BirthDate: date("1980-05-10"), Pathology: refdata.Rheumatic,
		Contribs:    []registry.Contribution{older("employee", 800, 0), recent("employee", "compulsory", 260, 0)},
		Employments: []registry.Employment{{EmployerType: "private", From: "2000-01-01"}}}
}

func with(mod func(*rules.Facts)) rules.Facts {
	f := base()
	mod(&f)
	return f
}

// old is a person whose 67th birthday falls on birthday67, with weeks of
// contributions in all.
func old(birthday67 time.Time, weeks int) rules.Facts {
	return with(func(f *rules.Facts) {
		f.BirthDate = birthday67.AddDate(-67, 0, 0)
		f.Contribs = []registry.Contribution{older("employee", weeks-260, 0), recent("employee", "compulsory", 260, 0)}
	})
}

type tc struct {
	name    string
	facts   rules.Facts
	rule    string
	want    rules.Result
	overall string // "" not checked
	reason  string // a piece the reason must contain; "" not checked
}

func cases() []tc {
	agri := func(total, window int) rules.Facts {
		return with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{older("agricultural", 0, total-window), recent("agricultural", "compulsory", 0, window)}
			f.Employments = nil
		})
	}
	weeks := func(n int, kind string) rules.Facts {
		return with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{older("employee", 500, 0), recent("employee", kind, n, 0)}
		})
	}
	firstOn := func(first time.Time) rules.Facts {
		return with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{period("employee", "compulsory", first, applied.AddDate(0, 0, -1), 260, 0)}
		})
	}
	pension := func(kind, from string, revoked bool) rules.Facts {
		return with(func(f *rules.Facts) {
			f.Pensions = []registry.Pension{{Kind: kind, From: from, Revoked: revoked}}
		})
	}
	employer := func(t string) rules.Facts {
		return with(func(f *rules.Facts) { f.Employments = []registry.Employment{{EmployerType: t, From: "2010-01-01"}} })
	}
	cycles := func(years ...int) rules.Facts { return with(func(f *rules.Facts) { f.PastCycles = years }) }
	day := 24 * time.Hour
	return []tc{
		{"base employee is entitled", base(), "RULE-2", rules.Pass, rules.Entitled, "260 settimane"},

		// CBT-14: 1 January – 31 October of the year of the cures.
		{"window opens 1 January", with(func(f *rules.Facts) { f.ApplicationDate = date("2026-01-01") }), "CBT-14", rules.Pass, "", ""},
		{"window last day 31 October", with(func(f *rules.Facts) { f.ApplicationDate = date("2026-10-31") }), "CBT-14", rules.Pass, "", ""},
		{"window closed 1 November", with(func(f *rules.Facts) { f.ApplicationDate = date("2026-11-01") }), "CBT-14", rules.Fail, rules.Excluded, "1° gennaio 2027"},
		{"window not open on 31 December for next year's cures", with(func(f *rules.Facts) { f.ApplicationDate, f.CureYear = date("2025-12-31"), 2026 }), "CBT-14", rules.Fail, "", "dal 1° gennaio 2026"},

		// RULE-1: categories.
		{"self-employed is a category", with(func(f *rules.Facts) {
			f.Contribs[1].Fund, f.Contribs[0].Fund, f.Employments = "self_employed", "self_employed", nil
		}), "RULE-1", rules.Pass, rules.Entitled, "autonomo"},
		{"separate fund is a category", with(func(f *rules.Facts) {
			f.Contribs[1].Fund, f.Contribs[0].Fund, f.Employments = "separate", "separate", nil
		}), "RULE-1", rules.Pass, rules.Entitled, "gestione separata"},
		{"a current employee with a side collaboration stays an employee", with(func(f *rules.Facts) {
			f.Contribs = append(f.Contribs, period("separate", "compulsory", date("2025-06-01"), date("2026-01-31"), 30, 0))
		}), "RULE-1", rules.Pass, rules.Entitled, "dipendente"},
		{"the same end date: the fund does not depend on the records' order", with(func(f *rules.Facts) {
			f.Employments = nil
			f.Contribs = []registry.Contribution{older("employee", 800, 0), recent("separate", "compulsory", 20, 0), recent("employee", "compulsory", 200, 0)}
		}), "RULE-2", rules.Pass, rules.Entitled, ""},
		{"separate-fund weeks are not added to an employee's", with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{older("employee", 800, 0), recent("employee", "compulsory", 100, 0), recent("separate", "compulsory", 56, 0)}
		}), "RULE-2", rules.Fail, rules.Excluded, "ne risultano 100"},
		{"agricultural worker is a category", agri(2000, 900), "RULE-1", rules.Pass, rules.Entitled, "agricolo"},
		{"worker in mobility from the current employment", with(func(f *rules.Facts) {
			f.Employments = []registry.Employment{{EmployerType: "private", From: "2000-01-01", To: "2024-12-31"}, {EmployerType: "mobility", From: "2025-01-01"}}
		}), "RULE-1", rules.Pass, rules.Entitled, "mobilità"},
		{"socially useful worker", with(func(f *rules.Facts) { f.Employments = []registry.Employment{{EmployerType: "lsu", From: "2024-01-01"}} }), "RULE-1", rules.Pass, "", "socialmente utile"},
		{"non-definitive invalidity allowance without contributions", with(func(f *rules.Facts) {
			f.Contribs, f.Employments = nil, nil
			f.Pensions = []registry.Pension{{Kind: "invalidity_provisional", From: "2024-01-01"}}
		}), "RULE-1", rules.Pass, "", "non definitivo"},
		{"no insured work (a minor)", with(func(f *rules.Facts) { f.Contribs, f.Employments = nil, nil }), "RULE-1", rules.Fail, rules.Excluded, ""},
		{"a category outside the list", with(func(f *rules.Facts) { f.Category = "student" }), "RULE-1", rules.Fail, rules.Excluded, ""},

		// RULE-2: five years of insurance, 156 weeks in the five years before.
		{"156 weeks in the window", weeks(156, "compulsory"), "RULE-2", rules.Pass, rules.Entitled, "156 settimane"},
		{"155 weeks in the window", weeks(155, "compulsory"), "RULE-2", rules.Fail, rules.Excluded, "ne risultano 155"},
		{"figurative contributions count", weeks(156, "figurative"), "RULE-2", rules.Pass, "", ""},
		{"figurative unemployment contributions count", weeks(156, "figurative_unemployment"), "RULE-2", rules.Pass, "", ""},
		{"voluntary contributions count", weeks(156, "voluntary"), "RULE-2", rules.Pass, "", ""},
		{"insured exactly five years", firstOn(applied.AddDate(-5, 0, 0)), "RULE-2", rules.Pass, "", ""},
		{"insured five years less a day", firstOn(applied.AddDate(-5, 0, 1)), "RULE-2", rules.Fail, rules.Excluded, "5 anni di assicurazione"},
		{"separate fund counts alone: employee weeks ignored", with(func(f *rules.Facts) {
			f.Category = rules.CatSeparate
			f.Contribs = []registry.Contribution{older("separate", 100, 0), recent("employee", "compulsory", 200, 0), recent("separate", "compulsory", 100, 0)}
		}), "RULE-2", rules.Fail, rules.Excluded, "solo gestione separata"},
		{"separate fund with 156 weeks of its own", with(func(f *rules.Facts) {
			f.Category = rules.CatSeparate
			f.Contribs = []registry.Contribution{older("separate", 100, 0), recent("separate", "compulsory", 156, 0)}
		}), "RULE-2", rules.Pass, "", ""},
		{"a period straddling the window counts in proportion", with(func(f *rules.Facts) {
			// 312 weeks over ten years, half of them inside the window: 156.
			f.Contribs = []registry.Contribution{period("employee", "compulsory", applied.AddDate(-10, 0, 0), applied.AddDate(0, 0, -1), 312, 0)}
		}), "RULE-2", rules.Pass, "", ""},
		{"contributions after the application do not count", with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{older("employee", 500, 0), recent("employee", "compulsory", 100, 0),
				period("employee", "compulsory", applied, applied.AddDate(1, 0, 0), 52, 0)}
		}), "RULE-2", rules.Fail, "", "ne risultano 100"},

		// RULE-3: agricultural workers, 1350 and 810 daily contributions.
		{"1350 and 810 days", agri(1350, 810), "RULE-3", rules.Pass, rules.Entitled, ""},
		{"1349 days in all", agri(1349, 810), "RULE-3", rules.Fail, rules.Excluded, "1350"},
		{"809 days in the window", agri(1400, 809), "RULE-3", rules.Fail, rules.Excluded, "810"},
		{"810 days in the window exactly", agri(2000, 810), "RULE-3", rules.Pass, "", ""},
		{"other funds' days do not count for agricultural workers", with(func(f *rules.Facts) {
			f.Category = rules.CatAgricultural
			f.Contribs = []registry.Contribution{older("agricultural", 0, 600), recent("employee", "compulsory", 0, 900), recent("agricultural", "compulsory", 0, 700)}
		}), "RULE-3", rules.Fail, "", ""},

		// RULE-4: no spa cures from the health service in the same year.
		{"health-service cures this year", with(func(f *rules.Facts) { f.SSNCureYears = []int{2026} }), "RULE-4", rules.Fail, rules.Excluded, "ASL"},
		{"health-service cures last year", with(func(f *rules.Facts) { f.SSNCureYears = []int{2025} }), "RULE-4", rules.Pass, rules.Entitled, ""},
		{"health-service cures in the cure year applied for the year before", with(func(f *rules.Facts) {
			f.ApplicationDate, f.CureYear, f.SSNCureYears = date("2026-03-02"), 2026, []int{2026, 2027}
		}), "RULE-4", rules.Fail, "", ""},

		// RULE-5: old-age pension age (67 up to 2026) with 20 years.
		{"the day before the 67th birthday", old(applied.Add(day), 1100), "RULE-5", rules.Pass, rules.Entitled, "non è raggiunta"},
		{"on the 67th birthday", old(applied, 1100), "RULE-5", rules.Fail, rules.Excluded, "bastano"},
		{"the day after the 67th birthday", old(applied.Add(-day), 1100), "RULE-5", rules.Fail, rules.Excluded, ""},
		{"above the age, 1039 weeks: still entitled", old(date("2020-01-01"), 1039), "RULE-5", rules.Pass, rules.Entitled, "non bastano"},
		{"above the age, 1040 weeks: excluded", old(date("2020-01-01"), 1040), "RULE-5", rules.Fail, rules.Excluded, ""},
		{"2027: 67 is not enough, 67 and 1 month is", with(func(f *rules.Facts) {
			f.ApplicationDate = date("2027-03-01")
			f.BirthDate = date("2027-02-01").AddDate(-67, 0, 0) // 67 on 1 Feb 2027, 67y1m on 1 Mar 2027
			f.Contribs = []registry.Contribution{period("employee", "compulsory", date("1980-01-01"), date("2027-02-28"), 2400, 0)}
		}), "RULE-5", rules.Fail, "", "67 anni e 1 mese"},
		{"2027: a day short of 67 and 1 month", with(func(f *rules.Facts) {
			f.ApplicationDate = date("2027-03-01")
			f.BirthDate = date("2027-02-02").AddDate(-67, 0, 0)
			f.Contribs = []registry.Contribution{period("employee", "compulsory", date("1980-01-01"), date("2027-02-28"), 2400, 0)}
		}), "RULE-5", rules.Pass, "", "67 anni e 1 mese"},
		{"2028: 67 and 3 months", with(func(f *rules.Facts) {
			f.ApplicationDate = date("2028-03-01")
			f.BirthDate = date("2028-03-01").AddDate(-67, -3, 0)
			f.Contribs = []registry.Contribution{period("employee", "compulsory", date("1980-01-01"), date("2028-02-28"), 2400, 0)}
		}), "RULE-5", rules.Fail, "", "67 anni e 3 mesi"},
		{"270 daily contributions make a year: 5,400 are 20 years", with(func(f *rules.Facts) {
			f.BirthDate = date("1950-01-01")
			f.Contribs = []registry.Contribution{older("agricultural", 0, 5400-900), recent("agricultural", "compulsory", 0, 900)}
		}), "RULE-5", rules.Fail, "", "1040 settimane"},
		{"5,399 daily contributions are short of 20 years", with(func(f *rules.Facts) {
			f.BirthDate = date("1950-01-01")
			f.Contribs = []registry.Contribution{older("agricultural", 0, 5399-900), recent("agricultural", "compulsory", 0, 900)}
		}), "RULE-5", rules.Pass, "", "non bastano"},
		{"daily contributions are summed before they become weeks", with(func(f *rules.Facts) {
			f.Employments = nil
			f.Contribs = []registry.Contribution{older("employee", 500, 0)}
			for i := range 7 { // 7 × 124 = 868 days = 167 weeks; period by period it would be 7 × 23 = 161
				from := applied.AddDate(0, 0, -(i+1)*200)
				f.Contribs = append(f.Contribs, period("employee", "compulsory", from, from.AddDate(0, 0, 150), 0, 124))
			}
		}), "RULE-2", rules.Pass, "", "167 settimane"},
		{"a period cannot hold more weeks than it lasts", with(func(f *rules.Facts) {
			f.Contribs = []registry.Contribution{older("employee", 500, 0), period("employee", "compulsory", date("2025-01-01"), date("2025-12-31"), 156, 0)}
		}), "RULE-2", rules.Fail, "", "ne risultano 53"},
		{"pension age at the end of a month: born 31 January, 67 and 1 month on 28 February", with(func(f *rules.Facts) {
			f.ApplicationDate, f.BirthDate = date("2027-03-01"), date("1960-01-31")
			f.Contribs = []registry.Contribution{period("employee", "compulsory", date("1980-01-01"), date("2027-02-28"), 2400, 0)}
		}), "RULE-5", rules.Fail, "", "28/02/2027"},
		{"five years of insurance on 29 February", with(func(f *rules.Facts) {
			f.ApplicationDate = date("2028-02-29")
			f.Contribs = []registry.Contribution{period("employee", "compulsory", date("2023-03-01"), date("2028-02-28"), 260, 0)}
		}), "RULE-2", rules.Fail, "", "01/03/2028"},
		{"an excluded employer among two current ones decides", with(func(f *rules.Facts) {
			f.Employments = []registry.Employment{{EmployerType: "private", From: "2015-01-01"}, {EmployerType: "state", From: "2010-01-01"}}
		}), "RULE-7", rules.Fail, rules.Excluded, "Stato"},
		{"birth date unknown", with(func(f *rules.Facts) { f.BirthDate = time.Time{} }), "RULE-5", rules.Unknown, rules.Incomplete, ""},
		{"a year without parameters", with(func(f *rules.Facts) { f.ApplicationDate = date("2035-03-01") }), "RULE-5", rules.Unknown, rules.Incomplete, "2035"},

		// RULE-6: pensions.
		{"seniority pension", pension("seniority", "2024-06-01", false), "RULE-6", rules.Fail, rules.Excluded, "anzianità"},
		{"early pension", pension("early", "2025-01-01", false), "RULE-6", rules.Fail, rules.Excluded, "anticipata"},
		{"seniority pension starting after the application", pension("seniority", "2026-09-01", false), "RULE-6", rules.Unknown, rules.Incomplete, "prima"},
		{"definitive invalidity allowance", pension("invalidity_definitive", "2020-01-01", false), "RULE-6", rules.Fail, rules.Excluded, "revoca"},
		{"a pension that ended before the application", with(func(f *rules.Facts) {
			f.Pensions = []registry.Pension{{Kind: "supplementary", From: "2015-01-01", To: "2020-12-31"}}
		}), "RULE-6", rules.Pass, rules.Entitled, ""},
		{"definitive invalidity allowance revoked", pension("invalidity_definitive", "2020-01-01", true), "RULE-6", rules.Pass, rules.Entitled, ""},
		{"inability pension", pension("inability", "2019-01-01", false), "RULE-6", rules.Fail, rules.Excluded, ""},
		{"inability pension revoked", pension("inability", "2019-01-01", true), "RULE-6", rules.Pass, rules.Entitled, ""},
		{"non-definitive invalidity allowance", pension("invalidity_provisional", "2023-01-01", false), "RULE-6", rules.Pass, rules.Entitled, ""},
		{"supplementary fund pension", pension("supplementary", "2022-01-01", false), "RULE-6", rules.Fail, rules.Excluded, "integrativo"},
		{"substitutive fund pension", pension("substitutive", "2022-01-01", false), "RULE-6", rules.Fail, rules.Excluded, "sostitutivo"},
		{"old-age pension", pension("old_age", "2022-01-01", false), "RULE-6", rules.Fail, rules.Excluded, "vecchiaia"},

		// RULE-7: excluded employers, family members.
		{"State administration", employer("state"), "RULE-7", rules.Fail, rules.Excluded, "Stato"},
		{"Poste Italiane", employer("poste"), "RULE-7", rules.Fail, rules.Excluded, "Poste"},
		{"public body", employer("public_body"), "RULE-7", rules.Fail, rules.Excluded, "ente pubblico"},
		{"railways fund", employer("railways_fund"), "RULE-7", rules.Fail, rules.Excluded, "Ferrovie"},
		{"ENPALS (bingo hall)", employer("enpals"), "RULE-7", rules.Fail, rules.Excluded, "Bingo"},
		{"Solidarity Fund", employer("solidarity_fund"), "RULE-7", rules.Fail, rules.Excluded, "solidarietà"},
		{"private employer", employer("private"), "RULE-7", rules.Pass, rules.Entitled, ""},
		{"a past State job does not exclude", with(func(f *rules.Facts) {
			f.Employments = []registry.Employment{{EmployerType: "state", From: "2000-01-01", To: "2015-12-31"}, {EmployerType: "private", From: "2016-01-01"}}
		}), "RULE-7", rules.Pass, rules.Entitled, ""},
		{"family member of an insured person", with(func(f *rules.Facts) { f.FamilyMember = true }), "RULE-7", rules.Fail, rules.Excluded, "familiari"},

		// RULE-8: pathology.
		{"rheumatic pathology", base(), "RULE-8", rules.Pass, "", ""},
		{"respiratory pathology", with(func(f *rules.Facts) { f.Pathology = refdata.Respiratory }), "RULE-8", rules.Pass, rules.Entitled, ""},
		{"another system", with(func(f *rules.Facts) { f.Pathology = "dermatologica" }), "RULE-8", rules.Fail, rules.Excluded, "altri apparati"},
		{"pathology not known yet", with(func(f *rules.Facts) { f.Pathology = "" }), "RULE-8", rules.Unknown, rules.Incomplete, "certificato"},

		// RULE-9 and RULE-10: one cycle a year; beyond the fifth, exceptional.
		{"a cycle already this year", cycles(2026), "RULE-9", rules.Fail, rules.Excluded, ""},
		{"a cycle last year", cycles(2025), "RULE-9", rules.Pass, rules.Entitled, ""},
		{"the fifth cycle is ordinary", cycles(2021, 2022, 2023, 2025), "RULE-10", rules.Pass, rules.Entitled, "4 cicli su 5"},
		{"one past cycle is written in the singular", cycles(2020), "RULE-10", rules.Pass, rules.Entitled, "1 ciclo su 5"},
		{"the sixth cycle needs approval", cycles(2020, 2021, 2022, 2023, 2025), "RULE-10", rules.Approval, rules.Exceptional, "Coordinatore generale medico legale"},
		{"this year's cycle is not a past one", cycles(2021, 2022, 2023, 2025, 2026), "RULE-10", rules.Pass, rules.Excluded, ""},

		// RULE-11 and the overall result.
		{"cures outside holiday leave under art. 16 L. 412/1991", with(func(f *rules.Facts) { f.HolidayException = true }), "RULE-11", rules.Pass, rules.Entitled, "art. 16"},
		{"a failure outranks an approval and an unknown", with(func(f *rules.Facts) {
			f.PastCycles, f.Pathology, f.FamilyMember = []int{2019, 2020, 2021, 2022, 2023}, "", true
		}), "RULE-7", rules.Fail, rules.Excluded, ""},
		{"an unknown outranks an approval", with(func(f *rules.Facts) { f.PastCycles, f.Pathology = []int{2019, 2020, 2021, 2022, 2023}, "" }), "RULE-10", rules.Approval, rules.Incomplete, ""},
	}
}

// REQ RULE-1 RULE-2 RULE-3 RULE-4 RULE-5 RULE-6 RULE-7 RULE-8 RULE-9
// RULE-10 RULE-11 CBT-14: each rule at its boundaries, with the reason
// and the overall result.
func TestRules(t *testing.T) {
	all := cases()
	if len(all) < 60 {
		t.Fatalf("%d cases; the issue asks for at least 60", len(all))
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.name] {
			t.Fatalf("case %q twice", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			v := rules.Evaluate(c.facts, nil)
			var got *rules.Outcome
			for i := range v.Outcomes {
				if v.Outcomes[i].Rule == c.rule {
					got = &v.Outcomes[i]
				}
			}
			if got == nil {
				t.Fatalf("no outcome for %s: %+v", c.rule, v)
			}
			if got.Result != c.want {
				t.Errorf("%s = %s (%s), want %s", c.rule, got.Result, got.Reason, c.want)
			}
			if c.overall != "" && v.Overall != c.overall {
				t.Errorf("overall = %s, want %s; %s", v.Overall, c.overall, v.Summary())
			}
			if c.reason != "" && !strings.Contains(got.Reason+" "+factsText(got.Used), c.reason) {
				t.Errorf("reason %q (facts %s) lacks %q", got.Reason, factsText(got.Used), c.reason)
			}
			if got.Reason == "" || got.Reference == "" || got.Title == "" {
				t.Errorf("outcome without reason, reference or title: %+v", got)
			}
		})
	}
}

func factsText(fs []rules.Fact) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Name + "=" + f.Value + "; ")
	}
	return b.String()
}

// REQ RULE-5: the parameters come from data, by year of the cures; a bad
// file is refused.
func TestParams(t *testing.T) {
	for y, want := range map[int]string{2019: "67 anni", 2026: "67 anni", 2027: "67 anni e 1 mese", 2028: "67 anni e 3 mesi"} {
		p, ok := rules.Default.For(y)
		if !ok || p.PensionAge.String() != want || p.OldAgeYears != 20 || p.Weeks != 156 || p.WindowEnd != time.October || p.WindowEndDay != 31 {
			t.Errorf("%d: %+v, %v", y, p, ok)
		}
	}
	if _, ok := rules.Default.For(2035); ok {
		t.Error("parameters for 2035 invented")
	}
	for name, bad := range map[string]string{
		"empty":     "",
		"short row": "h\n2026;67",
		"letters":   "h\n2026;x;0;20;5;156;1350;810;10-31;5;src",
		"months":    "h\n2026;67;12;20;5;156;1350;810;10-31;5;src",
		"end date":  "h\n2026;67;0;20;5;156;1350;810;31-10;5;src",
		"twice":     "h\n2026;67;0;20;5;156;1350;810;10-31;5;a\n2026;67;0;20;5;156;1350;810;10-31;5;b",
	} {
		if _, err := rules.ParseTable(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
