package rules_test

import (
	"testing"
	"time"

	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/rules"
)

// REQ RULE-1 RULE-2 RULE-3 RULE-4 RULE-5 RULE-6 RULE-7 RULE-10: every demo
// person's registry records give the outcome docs/DEMO.md promises, for an
// application on 1 March of the loading year, in every year the
// parameters cover (the demo's periods move with the year).
func TestDemoCases(t *testing.T) {
	for _, y := range []int{2026, 2027, 2028} {
		applied := time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, c := range demo.Cases {
			birth, _ := time.Parse("2006-01-02", c.Person.BirthDate)
			f := rules.FromRegistry(c.Facts(y), birth, applied, refdata.Rheumatic)
			f.FamilyMember = c.Person.FiscalCode == "SPSGLI74R50H501I" // the registries cannot tell; the application says it
			v := rules.Evaluate(f, nil)
			if v.Overall != c.Expect {
				t.Errorf("%d %s (%s): %s, want %s", y, c.Person.FullName(), c.What, v.Overall, c.Expect)
				for _, o := range v.Outcomes {
					if o.Result != rules.Pass {
						t.Logf("    %s %s: %s", o.Rule, o.Result, o.Reason)
					}
				}
			}
		}
	}
}
