package main

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/rules"
)

// REQ RULE-1 RULE-2 RULE-3 RULE-4 RULE-5 RULE-6 RULE-7 RULE-10 CBT-8: the
// office's view of a person's requirements, read from the registries the
// demo loaded, gives for every demo person the same overall result and
// the same result for every rule as the engine on those records — the
// engine the public pre-check and the eligibility API use (their own
// tests compare them with it too).
func TestOfficeRules_AgreesWithEngine(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	s := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795") // office staff, RM01
	y := time.Now().Year()
	applied := time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC)
	overallRE := regexp.MustCompile(`id="esito" data-overall="([a-z_]+)"`)
	ruleRE := regexp.MustCompile(`data-rule="([A-Z0-9-]+)" data-result="([a-z_]+)"`)
	for _, c := range demo.Cases {
		code, page := s.get(fmt.Sprintf("/ufficio/requisiti?cf=%s&data=01/03/%d&patologia=reumoartropatica", c.Person.FiscalCode, y))
		if code != 200 {
			t.Fatalf("%s: %d", c.Person.FullName(), code)
		}
		birth, _ := time.Parse("2006-01-02", c.Person.BirthDate)
		want := rules.Evaluate(rules.FromRegistry(c.Facts(y), birth, applied, refdata.Rheumatic), nil)
		m := overallRE.FindStringSubmatch(page)
		if m == nil || m[1] != want.Overall {
			t.Errorf("%s: office overall %v, engine %s", c.Person.FullName(), m, want.Overall)
			continue
		}
		got := map[string]string{}
		for _, r := range ruleRE.FindAllStringSubmatch(page, -1) {
			got[r[1]] = r[2]
		}
		for _, o := range want.Outcomes {
			if got[o.Rule] != string(o.Result) {
				t.Errorf("%s %s: office %q, engine %q", c.Person.FullName(), o.Rule, got[o.Rule], o.Result)
			}
		}
	}
	// Bad input is explained, never a 500.
	for _, q := range []string{"cf=XXX", "cf=RSSMRA56L12H501D&data=31/02/2026", "cf=RSSMRA56L12H501X", "cf=%00", "data=abc"} {
		if code, _ := s.get("/ufficio/requisiti?" + q); code >= 500 || code == 200 && q != "data=abc" {
			t.Errorf("GET /ufficio/requisiti?%s = %d", q, code)
		}
	}
	// A citizen cannot use it.
	citizen := loginHTTP(t, base, "RSSMRA56L12H501D", "HWGQ496RAFHUG6A9")
	if code, _ := citizen.get("/ufficio/requisiti?cf=VRDGNN60B45F205Y"); code != 404 {
		t.Errorf("a citizen opens the office view: %d", code)
	}
}
