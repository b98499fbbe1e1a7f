package demo_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ RULE-1 RULE-2 RULE-3 RULE-4 RULE-5 RULE-6 RULE-7 RULE-10: the demo people
// cover every case of the entitlement rules, with both outcomes where a
// rule has two, and their registry records are valid imports that load on
// both engines and read back whole.
func TestCases(t *testing.T) {
	outcomes := map[string]map[string]bool{}
	seen := map[string]bool{}
	for _, u := range demo.Users {
		seen[u.Person.FiscalCode] = true
	}
	y := time.Now().Year()
	for _, c := range demo.Cases {
		cf := c.Person.FiscalCode
		if seen[cf] {
			t.Errorf("%s (%s %s) is used twice", cf, c.Person.GivenName, c.Person.FamilyName)
		}
		seen[cf] = true
		d, err := codicefiscale.Decode(cf, time.Now())
		if err != nil || d.BirthDate.Format("2006-01-02") != c.Person.BirthDate || d.Female != (c.Person.Sex == "F") {
			t.Errorf("%s does not match %+v: %+v, %v", cf, c.Person, d, err)
		}
		if c.Expect != "entitled" && c.Expect != "excluded" && c.Expect != "exceptional" {
			t.Errorf("%s: outcome %q", cf, c.Expect)
		}
		for _, r := range strings.Fields(c.Rule) {
			if outcomes[r] == nil {
				outcomes[r] = map[string]bool{}
			}
			outcomes[r][c.Expect] = true
		}
		f := c.Facts(y)
		for i := range f.Contributions {
			if err := f.Contributions[i].Validate(); err != nil {
				t.Errorf("%s contribution %d: %v", cf, i, err)
			}
		}
		for i := range f.Pensions {
			if err := f.Pensions[i].Validate(); err != nil {
				t.Errorf("%s pension %d: %v", cf, i, err)
			}
		}
		for i := range f.Employments {
			if err := f.Employments[i].Validate(); err != nil {
				t.Errorf("%s employment %d: %v", cf, i, err)
			}
		}
		for i := range f.SSNCures {
			if err := f.SSNCures[i].Validate(); err != nil {
				t.Errorf("%s SSN cure %d: %v", cf, i, err)
			}
		}
		for i := range f.PastCycles {
			if err := f.PastCycles[i].Validate(); err != nil {
				t.Errorf("%s past cycle %d: %v", cf, i, err)
			}
		}
	}
	for _, r := range []string{"RULE-1", "RULE-2", "RULE-3", "RULE-5", "RULE-6"} {
		if !outcomes[r]["entitled"] || !outcomes[r]["excluded"] {
			t.Errorf("%s: demo cases cover %v; want both outcomes", r, outcomes[r])
		}
	}
	for _, r := range []string{"RULE-4", "RULE-7"} {
		if !outcomes[r]["excluded"] {
			t.Errorf("%s has no demo case", r)
		}
	}
	if !outcomes["RULE-10"]["exceptional"] {
		t.Error("RULE-10 has no demo case with five previous cycles")
	}
	if len(demo.Cases) < 20 {
		t.Errorf("%d demo people; the issue asks for about twenty", len(demo.Cases))
	}
}

// REQ RULE-4: the demo people and their records load once on both engines
// and the registries give them back.
func TestLoadCases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		if ok, err := demo.LoadCases(ctx, db); err != nil || !ok {
			t.Fatalf("LoadCases = %v, %v", ok, err)
		}
		if ok, err := demo.LoadCases(ctx, db); err != nil || ok {
			t.Fatalf("second LoadCases = %v, %v; want nothing done", ok, err)
		}
		y := time.Now().Year()
		for _, c := range demo.Cases {
			got, err := db.FactsOf(ctx, c.Person.FiscalCode)
			want := c.Facts(y)
			if err != nil || len(got.Contributions) != len(want.Contributions) || len(got.Pensions) != len(want.Pensions) ||
				len(got.Employments) != len(want.Employments) || len(got.SSNCures) != len(want.SSNCures) ||
				len(got.PastCycles) != len(want.PastCycles) {
				t.Errorf("%s: facts = %+v, %v; want %+v", c.Person.FiscalCode, got, err, want)
			}
		}
		var ssn bool
		for _, c := range demo.Cases {
			f, _ := db.FactsOf(ctx, c.Person.FiscalCode)
			for _, s := range f.SSNCures {
				ssn = ssn || s.Year == y
			}
		}
		if !ssn {
			t.Error("no demo person has spa cures from the health service this year")
		}
	})
}

// docs/DEMO.md lists every demo person and the README every demo account
// with its PIN, so that a tester can find them.
func TestCasesDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range demo.Users {
		if !strings.Contains(string(readme), "| "+u.Person.FiscalCode+" | "+u.PIN+" |") {
			t.Errorf("README does not list %s (%s) with its PIN", u.Person.FiscalCode, u.Person.FullName())
		}
	}
	doc, err := os.ReadFile("../../docs/DEMO.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range demo.Cases {
		if !strings.Contains(string(doc), c.Person.FiscalCode) {
			t.Errorf("docs/DEMO.md does not list %s (%s %s)", c.Person.FiscalCode, c.Person.GivenName, c.Person.FamilyName)
		}
	}
}

// REQ RULE-2 RULE-3 RULE-5: each case stays the case it claims for ten
// years from now: the people who are not RULE-5 cases stay under the
// old-age pension age (67), RULE-5 cases are above it with or without the
// 20-year minimum, and the contribution thresholds (156 weeks in the last
// five years with five years of insurance; 1,350 days and 810 in the last
// five years for agricultural workers) hold or fail as the case says. The
// count here is independent of the rules package, which will use these
// people as fixtures.
func TestCases_StayTrue(t *testing.T) {
	now := time.Now().Year()
	for y := now; y <= now+10; y++ {
		for _, c := range demo.Cases {
			born, _ := time.Parse("2006-01-02", c.Person.BirthDate)
			age := y - born.Year()
			f := c.Facts(y)
			var weeks, weeks5, days, days5 float64
			earliest := y
			for _, p := range f.Contributions {
				from, _ := strconv.Atoi(p.From[:4])
				to, _ := strconv.Atoi(p.To[:4])
				n := float64(to - from + 1)
				in5 := float64(max(0, min(to, y-1)-max(from, y-5)+1))
				weeks += float64(p.Weeks)
				weeks5 += float64(p.Weeks) * in5 / n
				days += float64(p.Days)
				days5 += float64(p.Days) * in5 / n
				earliest = min(earliest, from)
			}
			contribOK := (earliest <= y-5 && weeks5 >= 156) || (days >= 1350 && days5 >= 810)
			rules := " " + c.Rule + " "
			name := c.Person.FullName()
			switch {
			case strings.Contains(rules, " RULE-5 "):
				if age < 67 {
					t.Errorf("%d: %s (RULE-5 case) is %d, under the pension age", y, name, age)
				}
				if (c.Expect == "entitled") != (weeks < 20*52) {
					t.Errorf("%d: %s has %.0f weeks; expected %s", y, name, weeks, c.Expect)
				}
			case age >= 67:
				t.Errorf("%d: %s is %d: RULE-5 would decide a %s case", y, name, age, c.Rule)
			}
			switch {
			case (strings.Contains(rules, " RULE-2 ") || strings.Contains(rules, " RULE-3 ")) && c.Expect == "excluded":
				if contribOK {
					t.Errorf("%d: %s meets the contribution requirement, but the case is that it does not", y, name)
				}
			case len(f.Contributions) > 0 && !contribOK:
				t.Errorf("%d: %s (%s) falls short of the contribution requirement (%.0f weeks, %.0f days in the last five years)",
					y, name, c.Rule, weeks5, days5)
			}
		}
	}
}
