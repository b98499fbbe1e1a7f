package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
)

// The spa-treatment entitlement check (issue 7; RULE-1…RULE-11, CBT-14):
// the facts in, every rule's outcome out, from the same engine as the
// public pre-check, the application and the office.
//
// It is public, like the pre-check page: it reads and stores nothing (no
// database, no audit entry, no idempotency record) and is a pure
// computation over a bounded input, linear in the length of its lists,
// which maxItems and the body limit cap; so it costs no more than the
// status operation and needs no token. It is a POST, not a GET, because the
// facts are personal (health, pensions) and do not belong in a URL, and it
// needs no Idempotency-Key because it creates nothing.

const eligibilityPath = "/api/v1/cbt/eligibility"

// EligibilityFacts is what the rules read. Codes are those of the
// registries' extracts (README, "sportello import").
type EligibilityFacts struct {
	ApplicationDate  string                    `json:"application_date" format:"date" example:"2026-03-01" doc:"The application's date, YYYY-MM-DD: the five years before it count (RULE-2, RULE-3) and it must fall in the window 1 January - 31 October of the year of the cures (CBT-14)."`
	CureYear         int                       `json:"cure_year,omitempty" minimum:"2000" maximum:"2100" doc:"The year of the cures, which chooses the parameters in force (pension age, thresholds); the application's year if absent. A year without parameters gives the overall result incomplete."`
	BirthDate        string                    `json:"birth_date,omitempty" format:"date" example:"1972-03-14" doc:"YYYY-MM-DD. Without it the old-age pension check (RULE-5) is unknown."`
	Category         string                    `json:"category,omitempty" enum:"employee,self_employed,separate,agricultural,mobility,invalidity_provisional,lsu,none" doc:"The worker category (RULE-1). If absent it is derived: lsu or mobility from the employment current at the application date, else the fund of the latest contribution, else invalidity_provisional from an allowance held, else none."`
	EmployerType     string                    `json:"employer_type,omitempty" enum:"private,state,poste,public_body,railways_fund,enpals,solidarity_fund,lsu,mobility" doc:"The current employer's type (RULE-7: state, poste, public_body, railways_fund, enpals and solidarity_fund exclude). If absent, that of the employment current at the application date."`
	FamilyMember     bool                      `json:"family_member,omitempty" doc:"The applicant asks as a family member of an insured person, which excludes (RULE-7)."`
	Contributions    []EligibilityContribution `json:"contributions,omitempty" maxItems:"500" doc:"The contribution record (RULE-2, RULE-3, RULE-5)."`
	Pensions         []EligibilityPension      `json:"pensions,omitempty" maxItems:"50" doc:"Pensions and allowances held or held before (RULE-6)."`
	Employments      []EligibilityEmployment   `json:"employments,omitempty" maxItems:"200" doc:"Periods of employment, to derive the category and the employer type."`
	SSNCureYears     []int                     `json:"ssn_cure_years,omitempty" maxItems:"100" minimum:"1900" maximum:"2100" doc:"Years with spa cures paid by the health service or another body (RULE-4)."`
	Pathology        string                    `json:"pathology,omitempty" enum:"reumoartropatica,broncopneumopatica,altra" doc:"The pathology group of the doctor's certificate (RULE-8): reumoartropatica or broncopneumopatica; altra (another system) excludes; absent is unknown."`
	PastCycles       []int                     `json:"past_cycles,omitempty" maxItems:"100" minimum:"1900" maximum:"2100" doc:"The years of the cycles the agency granted before, one entry per cycle (RULE-9: one a year; RULE-10: after five, approval)."`
	HolidayException bool                      `json:"holiday_exception,omitempty" doc:"The cures are taken outside holiday leave under art. 16 L. 412/1991 (RULE-11)."`
}

// EligibilityContribution is a period of the contribution record.
type EligibilityContribution struct {
	Fund  string `json:"fund" enum:"employee,self_employed,separate,agricultural" doc:"The fund: only separate counts for para-subordinate workers (RULE-2); agricultural daily contributions (RULE-3)."`
	Kind  string `json:"kind" enum:"compulsory,figurative,figurative_unemployment,voluntary" doc:"Every kind counts."`
	From  string `json:"from" format:"date" example:"1996-01-01" doc:"First day, YYYY-MM-DD."`
	To    string `json:"to" format:"date" example:"2025-12-31" doc:"Last day, YYYY-MM-DD; a period straddling the five years counts in proportion to its days in them."`
	Weeks int    `json:"weeks,omitempty" minimum:"0" maximum:"5300" doc:"Weekly contributions in the period."`
	Days  int    `json:"days,omitempty" minimum:"0" maximum:"36600" doc:"Daily contributions in the period (six make a week where weeks are counted)."`
}

// EligibilityPension is a pension or allowance.
type EligibilityPension struct {
	Kind    string `json:"kind" enum:"seniority,early,old_age,invalidity_definitive,invalidity_provisional,inability,supplementary,substitutive"`
	From    string `json:"from" format:"date" example:"2024-01-01" doc:"Start, YYYY-MM-DD: a seniority or early pension starting after the application date leaves the outcome unknown (the office checks that the cures come first)."`
	To      string `json:"to,omitempty" format:"date" doc:"End, YYYY-MM-DD, if it ended."`
	Revoked bool   `json:"revoked,omitempty" doc:"A revoked pension does not exclude."`
}

// EligibilityEmployment is a period of work with an employer of a type.
type EligibilityEmployment struct {
	EmployerType string `json:"employer_type" enum:"private,state,poste,public_body,railways_fund,enpals,solidarity_fund,lsu,mobility"`
	From         string `json:"from" format:"date" doc:"YYYY-MM-DD."`
	To           string `json:"to,omitempty" format:"date" doc:"YYYY-MM-DD; absent while it lasts."`
}

// Eligibility is the engine's verdict.
type Eligibility struct {
	Overall  string               `json:"overall" enum:"entitled,excluded,exceptional,incomplete" doc:"entitled; excluded (some rule fails); exceptional (entitled only with the approvals of RULE-10); incomplete (no rule fails, some cannot be decided)."`
	Year     int                  `json:"year" doc:"The year of the cures whose parameters were applied."`
	Summary  string               `json:"summary" doc:"The overall result in one Italian sentence."`
	Outcomes []EligibilityOutcome `json:"outcomes" nullable:"false" doc:"Every rule's outcome, in a fixed order."`
}

// EligibilityOutcome is one rule's answer.
type EligibilityOutcome struct {
	Rule      string     `json:"rule" example:"RULE-2" doc:"The requirement, as DOMAIN.md names it."`
	Title     string     `json:"title" doc:"The requirement's name, in Italian."`
	Result    string     `json:"result" enum:"pass,fail,unknown,needs_approval" doc:"unknown: facts are missing and the office must verify; needs_approval: allowed only with the medical centre's approval and the chief medical board's opinion (RULE-10)."`
	Reason    string     `json:"reason" doc:"Why, in plain Italian."`
	Reference string     `json:"reference" example:"art. 4 L. 222/1984" doc:"The legal reference."`
	Used      []UsedFact `json:"used" nullable:"false" doc:"The facts the rule read, as shown to people (Italian names, dates dd/mm/yyyy)."`
}

// UsedFact is a named value a rule read.
type UsedFact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type eligibilityInput struct {
	Body EligibilityFacts
}

type eligibilityOutput struct {
	Body Eligibility
}

func (a *API) registerEligibility() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "check-cbt-eligibility",
		Method:      http.MethodPost,
		Path:        eligibilityPath,
		Summary:     "Check the spa-treatment requirements",
		Description: "Runs the spa-treatment entitlement rules (RULE-1…RULE-11, CBT-14) on the facts given and returns every rule's outcome with its reason, legal reference and the facts it used, and the overall result: the engine of the public pre-check, the application and the office. Public: it stores and records nothing, and needs no Idempotency-Key. Dates are checked, codes must be those listed, and lists are capped (500 contributions, 50 pensions, 200 employments, 100 years).",
		Tags:        []string{"cbt"},
		// 500 periods of about 150 bytes, with room for spacing.
		MaxBodyBytes: 256 << 10,
		Errors:       []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, a.checkEligibility)
}

// checkEligibility evaluates the rules on the facts of the body.
func (a *API) checkEligibility(ctx context.Context, in *eligibilityInput) (*eligibilityOutput, error) {
	f, errs := in.Body.facts()
	if len(errs) > 0 {
		return nil, &problem{status: http.StatusUnprocessableEntity, detail: msgInvalid, errors: errs}
	}
	return &eligibilityOutput{Body: eligibilityOut(rules.Evaluate(f, nil))}, nil
}

// isoDay parses a YYYY-MM-DD date the schema has checked.
func isoDay(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// facts turns the body into the rules' facts, refusing periods that end
// before they start (the schema has checked formats, codes and lengths).
func (b EligibilityFacts) facts() (rules.Facts, []fieldError) {
	var errs []fieldError
	order := func(member string, i int, from, to string) {
		if to != "" && isoDay(to).Before(isoDay(from)) {
			errs = append(errs, fieldError{location: fmt.Sprintf("body.%s[%d].to", member, i), message: msg("api.err.date_range")})
		}
	}
	f := rules.Facts{ApplicationDate: isoDay(b.ApplicationDate), CureYear: b.CureYear, Category: b.Category,
		EmployerType: b.EmployerType, FamilyMember: b.FamilyMember, SSNCureYears: b.SSNCureYears,
		Pathology: refdata.Pathology(b.Pathology), PastCycles: b.PastCycles, HolidayException: b.HolidayException}
	if b.BirthDate != "" {
		f.BirthDate = isoDay(b.BirthDate)
		if f.BirthDate.After(f.ApplicationDate) {
			errs = append(errs, fieldError{location: "body.birth_date", message: msg("api.err.birth_after")})
		}
	}
	if b.CureYear != 0 && (b.CureYear < f.ApplicationDate.Year() || b.CureYear > f.ApplicationDate.Year()+1) {
		errs = append(errs, fieldError{location: "body.cure_year", message: msg("api.err.cure_year")})
	}
	for i, c := range b.Contributions {
		order("contributions", i, c.From, c.To)
		if c.Weeks == 0 && c.Days == 0 {
			errs = append(errs, fieldError{location: fmt.Sprintf("body.contributions[%d].weeks", i), message: msg("api.err.period_empty")})
		}
		f.Contribs = append(f.Contribs, registry.Contribution{Fund: c.Fund, Kind: c.Kind, From: c.From, To: c.To, Weeks: c.Weeks, Days: c.Days})
	}
	for i, p := range b.Pensions {
		order("pensions", i, p.From, p.To)
		f.Pensions = append(f.Pensions, registry.Pension{Kind: p.Kind, From: p.From, To: p.To, Revoked: p.Revoked})
	}
	for i, e := range b.Employments {
		order("employments", i, e.From, e.To)
		f.Employments = append(f.Employments, registry.Employment{EmployerType: e.EmployerType, From: e.From, To: e.To})
	}
	return f, errs
}

func eligibilityOut(v rules.Verdict) Eligibility {
	out := Eligibility{Overall: v.Overall, Year: v.Year, Summary: v.Summary(), Outcomes: make([]EligibilityOutcome, 0, len(v.Outcomes))}
	for _, o := range v.Outcomes {
		eo := EligibilityOutcome{Rule: o.Rule, Title: o.Title, Result: string(o.Result), Reason: o.Reason, Reference: o.Reference,
			Used: make([]UsedFact, 0, len(o.Used))}
		for _, u := range o.Used {
			eo.Used = append(eo.Used, UsedFact{Name: u.Name, Value: u.Value})
		}
		out.Outcomes = append(out.Outcomes, eo)
	}
	return out
}
