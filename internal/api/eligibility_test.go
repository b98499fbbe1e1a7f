package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// The eligibility check touches no database: one engine is enough.
func eligibilityEnv(t *testing.T) *env {
	return newEnv(t, storetest.Target{Engine: store.SQLite})
}

func postEligibility(e *env, body string) response {
	e.t.Helper()
	return e.do(request{method: http.MethodPost, path: "/api/v1/cbt/eligibility", body: body})
}

// demoFacts is a demo person's registry as the body of the check, for an
// application on day.
func demoFacts(c demo.Case, y int, day time.Time) api.EligibilityFacts {
	f := c.Facts(y)
	b := api.EligibilityFacts{ApplicationDate: day.Format(time.DateOnly), BirthDate: c.Person.BirthDate,
		FamilyMember: strings.Contains(c.What, "family member"), Pathology: string(refdata.Rheumatic)}
	for _, ct := range f.Contributions {
		b.Contributions = append(b.Contributions, api.EligibilityContribution{Fund: ct.Fund, Kind: ct.Kind, From: ct.From, To: ct.To, Weeks: ct.Weeks, Days: ct.Days})
	}
	for _, p := range f.Pensions {
		b.Pensions = append(b.Pensions, api.EligibilityPension{Kind: p.Kind, From: p.From, To: p.To, Revoked: p.Revoked})
	}
	for _, e := range f.Employments {
		b.Employments = append(b.Employments, api.EligibilityEmployment{EmployerType: e.EmployerType, From: e.From, To: e.To})
	}
	for _, s := range f.SSNCures {
		b.SSNCureYears = append(b.SSNCureYears, s.Year)
	}
	for _, pc := range f.PastCycles {
		b.PastCycles = append(b.PastCycles, pc.Year)
	}
	return b
}

// REQ RULE-1 RULE-2 RULE-3 RULE-4 RULE-5 RULE-6 RULE-7 RULE-8 RULE-9
// RULE-10 RULE-11 CBT-8 CBT-14: for every demo person, the API given their
// registry records as JSON answers exactly what the engine gives on the
// registry itself, as the application's requirements screen (CBT-8) and
// the office use it: the same overall result, and for every rule the same
// result, reason, reference and facts. The pre-check page's side of the
// agreement is in internal/web (TestPrecheck_DemoCases). Applications on
// 1 March, inside the window.
func TestEligibility_DemoCases(t *testing.T) {
	e := eligibilityEnv(t)
	for _, y := range []int{2026, 2027, 2028} {
		day := time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, c := range demo.Cases {
			birth, _ := time.Parse(time.DateOnly, c.Person.BirthDate)
			facts := rules.FromRegistry(c.Facts(y), birth, day, refdata.Rheumatic)
			facts.FamilyMember = strings.Contains(c.What, "family member")
			want := rules.Evaluate(facts, nil)

			body, _ := json.Marshal(demoFacts(c, y, day))
			r := postEligibility(e, string(body))
			if r.status != http.StatusOK {
				t.Fatalf("%d %s: %d %s", y, c.Person.FullName(), r.status, r.body)
			}
			var got api.Eligibility
			decode(t, r, &got)
			if got.Overall != want.Overall || got.Overall != c.Expect || got.Year != y || got.Summary != want.Summary() {
				t.Errorf("%d %s (%s): %s %d %q; want %s (demo: %s) %d %q", y, c.Person.FullName(), c.What,
					got.Overall, got.Year, got.Summary, want.Overall, c.Expect, y, want.Summary())
			}
			if len(got.Outcomes) != len(want.Outcomes) {
				t.Fatalf("%d %s: %d outcomes, want %d", y, c.Person.FullName(), len(got.Outcomes), len(want.Outcomes))
			}
			for i, o := range want.Outcomes {
				g := got.Outcomes[i]
				var used []rules.Fact
				for _, u := range g.Used {
					used = append(used, rules.Fact{Name: u.Name, Value: u.Value})
				}
				if g.Rule != o.Rule || g.Result != string(o.Result) || g.Title != o.Title || g.Reason != o.Reason ||
					g.Reference != o.Reference || !slices.Equal(used, o.Used) {
					t.Errorf("%d %s: API %+v\n    engine %+v", y, c.Person.FullName(), g, o)
				}
			}
		}
	}
}

// The check is public, stores and records nothing, and is never cached.
func TestEligibility_Public(t *testing.T) {
	e := eligibilityEnv(t)
	ctx := context.Background()
	head, err := e.db.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"application_date":"2026-03-10","birth_date":"1972-03-14","pathology":"broncopneumopatica",
		"contributions":[{"fund":"employee","kind":"compulsory","from":"1996-01-01","to":"2025-12-31","weeks":1560}],
		"employments":[{"employer_type":"private","from":"1996-01-01"}]}`
	for _, token := range []string{"", tokenOffice, "not-a-token"} {
		r := e.do(request{method: http.MethodPost, path: "/api/v1/cbt/eligibility", body: body, token: token})
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store, private" {
			t.Fatalf("token %q: %d %q %s", token, r.status, r.header.Get("Cache-Control"), r.body)
		}
		var v api.Eligibility
		decode(t, r, &v)
		if v.Overall != rules.Entitled || v.Year != 2026 || len(v.Outcomes) != 11 || v.Outcomes[0].Rule != "CBT-14" {
			t.Errorf("token %q: %+v", token, v)
		}
	}
	if empty, err := e.db.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("the database is not empty after the checks: %v %v", empty, err)
	}
	if after, err := e.db.AuditHead(ctx); err != nil || after != head {
		t.Errorf("the audit trail moved: %+v -> %+v (%v)", head, after, err)
	}
}

// Outcomes that are not a plain pass or fail: a year without parameters,
// facts missing, an exceptional cycle, a pension after the application.
func TestEligibility_Outcomes(t *testing.T) {
	e := eligibilityEnv(t)
	worker := `"contributions":[{"fund":"employee","kind":"compulsory","from":"1996-01-01","to":"2025-12-31","weeks":1560}]`
	for _, c := range []struct {
		name, body string
		overall    string
		rule       string
		result     string
	}{
		{"unknown year", `{"application_date":"2040-03-01",` + worker + `}`, rules.Incomplete, "RULE-5", "unknown"},
		{"no birth date, no pathology", `{"application_date":"2026-03-01",` + worker + `}`, rules.Incomplete, "RULE-5", "unknown"},
		{"a sixth cycle", `{"application_date":"2026-03-01","birth_date":"1972-03-14","pathology":"reumoartropatica","past_cycles":[2021,2022,2023,2024,2025],` + worker + `}`, rules.Exceptional, "RULE-10", "needs_approval"},
		{"seniority pension from April", `{"application_date":"2026-03-01","birth_date":"1972-03-14","pathology":"reumoartropatica","pensions":[{"kind":"seniority","from":"2026-04-01"}],` + worker + `}`, rules.Incomplete, "RULE-6", "unknown"},
		{"another system", `{"application_date":"2026-03-01","birth_date":"1972-03-14","pathology":"altra",` + worker + `}`, rules.Excluded, "RULE-8", "fail"},
		{"1 November", `{"application_date":"2026-11-01","birth_date":"1972-03-14","pathology":"reumoartropatica",` + worker + `}`, rules.Excluded, "CBT-14", "fail"},
		{"1 November, cures of the next year", `{"application_date":"2026-11-01","cure_year":2027,"birth_date":"1972-03-14","pathology":"reumoartropatica",` + worker + `}`, rules.Excluded, "CBT-14", "fail"},
		{"explicit category and employer", `{"application_date":"2026-03-01","birth_date":"1972-03-14","pathology":"reumoartropatica","category":"employee","employer_type":"enpals",` + worker + `}`, rules.Excluded, "RULE-7", "fail"},
		{"holiday exception", `{"application_date":"2026-03-01","birth_date":"1972-03-14","pathology":"reumoartropatica","holiday_exception":true,` + worker + `}`, rules.Entitled, "RULE-11", "pass"},
	} {
		r := postEligibility(e, c.body)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.name, r.status, r.body)
		}
		var v api.Eligibility
		decode(t, r, &v)
		found := false
		for _, o := range v.Outcomes {
			if o.Rule == c.rule {
				found = true
				if o.Result != c.result {
					t.Errorf("%s: %s %s, want %s (%s)", c.name, o.Rule, o.Result, c.result, o.Reason)
				}
			}
		}
		if v.Overall != c.overall || !found {
			t.Errorf("%s: overall %s, %s found %v; want %s", c.name, v.Overall, c.rule, found, c.overall)
		}
	}
}

// Wrong facts are refused with a problem naming each member.
func TestEligibility_Invalid(t *testing.T) {
	e := eligibilityEnv(t)
	period := func(from, to string) string {
		return fmt.Sprintf(`{"fund":"employee","kind":"compulsory","from":%q,"to":%q,"weeks":52}`, from, to)
	}
	many := make([]string, 501)
	for i := range many {
		many[i] = period("2020-01-01", "2020-12-31")
	}
	for _, c := range []struct {
		name, body string
		status     int
		errors     map[string]string // location -> part of the message
	}{
		{"no application date", `{}`, http.StatusUnprocessableEntity, map[string]string{"body.application_date": "obbligatorio"}},
		{"30 February", `{"application_date":"2026-02-30"}`, http.StatusUnprocessableEntity, map[string]string{"body.application_date": "AAAA-MM-GG"}},
		{"Italian date", `{"application_date":"01/03/2026"}`, http.StatusUnprocessableEntity, map[string]string{"body.application_date": "AAAA-MM-GG"}},
		{"unknown category", `{"application_date":"2026-03-01","category":"pilot"}`, http.StatusUnprocessableEntity, map[string]string{"body.category": "valori ammessi"}},
		{"unknown employer", `{"application_date":"2026-03-01","employer_type":"bank"}`, http.StatusUnprocessableEntity, map[string]string{"body.employer_type": "valori ammessi"}},
		{"unknown pathology", `{"application_date":"2026-03-01","pathology":"cardiaca"}`, http.StatusUnprocessableEntity, map[string]string{"body.pathology": "valori ammessi"}},
		{"unknown fund", `{"application_date":"2026-03-01","contributions":[{"fund":"bank","kind":"compulsory","from":"2020-01-01","to":"2020-12-31"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions[0].fund": "valori ammessi"}},
		{"period without an end", `{"application_date":"2026-03-01","contributions":[{"fund":"employee","kind":"compulsory","from":"2020-01-01"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions[0].to": "obbligatorio"}},
		{"period backwards", `{"application_date":"2026-03-01","contributions":[` + period("2020-01-01", "2020-12-31") + `,` + period("2021-01-01", "2020-12-31") + `]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions[1].to": "precedere"}},
		{"pension ended before it started", `{"application_date":"2026-03-01","pensions":[{"kind":"old_age","from":"2020-01-01","to":"2019-12-31"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.pensions[0].to": "precedere"}},
		{"unknown pension", `{"application_date":"2026-03-01","pensions":[{"kind":"baby","from":"2020-01-01"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.pensions[0].kind": "valori ammessi"}},
		{"negative weeks", `{"application_date":"2026-03-01","contributions":[{"fund":"employee","kind":"compulsory","from":"2020-01-01","to":"2020-12-31","weeks":-1}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions[0].weeks": "almeno 0"}},
		{"a cycle in 1800", `{"application_date":"2026-03-01","past_cycles":[2020,1800]}`, http.StatusUnprocessableEntity, map[string]string{"body.past_cycles[1]": "almeno 1900"}},
		{"year 1999", `{"application_date":"2026-03-01","cure_year":1999}`, http.StatusUnprocessableEntity, map[string]string{"body.cure_year": "almeno 2000"}},
		{"501 periods", `{"application_date":"2026-03-01","contributions":[` + strings.Join(many, ",") + `]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions": "al massimo 500"}},
		{"unknown member", `{"application_date":"2026-03-01","codice_fiscale":"RSSMRA56L12H501D"}`, http.StatusUnprocessableEntity, map[string]string{"body.codice_fiscale": "non previsto"}},
		{"a period without weeks or days", `{"application_date":"2026-03-01","contributions":[{"fund":"employee","kind":"compulsory","from":"2000-01-01","to":"2000-01-31"}]}`,
			http.StatusUnprocessableEntity, map[string]string{"body.contributions[0].weeks": "settimane o i giorni"}},
		{"born after the application", `{"application_date":"2026-03-01","birth_date":"2026-03-02"}`,
			http.StatusUnprocessableEntity, map[string]string{"body.birth_date": "successiva"}},
		{"cures years ahead", `{"application_date":"2026-03-01","cure_year":2030}`,
			http.StatusUnprocessableEntity, map[string]string{"body.cure_year": "successivo"}},
		{"not JSON", `{"application_date":`, http.StatusBadRequest, nil},
		{"too large", `{"application_date":"2026-03-01","category":"` + strings.Repeat("x", 300<<10) + `"}`, http.StatusRequestEntityTooLarge, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := checkProblem(t, postEligibility(e, c.body), c.status)
			if len(c.errors) > 0 && len(p.Errors) != len(c.errors) {
				t.Errorf("errors %+v, want %v", p.Errors, c.errors)
			}
			for loc, part := range c.errors {
				if m, ok := p.location(loc); !ok || !strings.Contains(m, part) {
					t.Errorf("%s: %q (found %v), want a message with %q; errors %+v", loc, m, ok, part, p.Errors)
				}
			}
		})
	}
}

// The document lists exactly the codes the engine and the registries
// know: the enums are literals in struct tags, so a new code must be
// added there too.
func TestEligibility_DocumentEnums(t *testing.T) {
	e := eligibilityEnv(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(e.do(request{path: "/api/openapi.json"}).body, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas
	for _, c := range []struct {
		schema, prop string
		want         []string
	}{
		{"EligibilityFacts", "category", append(slices.Clone(rules.Categories), rules.CatNone)},
		{"EligibilityFacts", "employer_type", registry.EmployerTypes},
		{"EligibilityFacts", "pathology", []string{string(refdata.Rheumatic), string(refdata.Respiratory), "altra"}},
		{"EligibilityContribution", "fund", registry.Funds},
		{"EligibilityContribution", "kind", registry.ContributionKinds},
		{"EligibilityPension", "kind", registry.PensionKinds},
		{"EligibilityEmployment", "employer_type", registry.EmployerTypes},
		{"Eligibility", "overall", []string{rules.Entitled, rules.Excluded, rules.Exceptional, rules.Incomplete}},
		{"EligibilityOutcome", "result", []string{string(rules.Pass), string(rules.Fail), string(rules.Unknown), string(rules.Approval)}},
	} {
		got := s[c.schema].Properties[c.prop].Enum
		if !slices.Equal(got, c.want) {
			t.Errorf("%s.%s: enum %v, want %v", c.schema, c.prop, got, c.want)
		}
	}
}
