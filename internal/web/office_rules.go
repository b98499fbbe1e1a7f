package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/rules"
)

// officeRulesView is the office's view of a person's spa-treatment
// requirements: the same engine as the public pre-check and the
// application's requirements screen, fed by the registries.
type officeRulesView struct {
	FiscalCode string
	Applied    string // dd/mm/yyyy; default today
	Pathology  string
	Errors     map[string]string
	Person     identity.Person
	Result     *precheckResult
}

// officeRules shows, for a codice fiscale, every rule's outcome from the
// registries (RULE-1…RULE-11, CBT-14). Reading a person's records is
// audited under the person (AUD-1).
func (s *Server) officeRules(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireStaff(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	ov := &officeRulesView{FiscalCode: codicefiscale.Normalize(q.Get("cf")), Applied: strings.TrimSpace(q.Get("data")),
		Pathology: q.Get("patologia"), Errors: map[string]string{}}
	v := s.view(r, "office.rules.title", ov)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}}
	status := http.StatusOK
	applied := today(s.clock.Now())
	if ov.Applied != "" {
		if t, ok := parseDay(ov.Applied); ok {
			applied = t
		} else {
			ov.Errors["data"] = v.T("office.rules.err.date")
		}
	}
	if ov.Pathology != string(refdata.Rheumatic) && ov.Pathology != string(refdata.Respiratory) {
		ov.Pathology = ""
	}
	if ov.FiscalCode != "" {
		switch err := codicefiscale.Validate(ov.FiscalCode); {
		case err != nil:
			ov.Errors["cf"] = v.T("office.rules.err.cf")
		default:
			if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindPerson, Subject: ov.FiscalCode}); err != nil {
				s.notFound(w, r)
				return
			}
			p, err := s.db.FindPerson(r.Context(), ov.FiscalCode)
			if apperr.Is(err, apperr.NotFound) {
				ov.Errors["cf"] = v.T("office.rules.err.unknown")
				break
			}
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			facts, err := s.db.FactsOf(r.Context(), ov.FiscalCode)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if err := s.db.Audit(r.Context(), audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "person.read",
				Subject: "person:" + ov.FiscalCode, Detail: `{"page":"requisiti cure termali"}`}); err != nil {
				s.serverError(w, r, err)
				return
			}
			birth, _ := time.Parse("2006-01-02", p.BirthDate)
			if len(ov.Errors) == 0 {
				res := precheckResult{rules.Evaluate(rules.FromRegistry(facts, birth, applied, refdata.Pathology(ov.Pathology)), nil)}
				ov.Person, ov.Result = p, &res
			}
		}
	}
	for _, k := range []string{"cf", "data"} {
		if m, ok := ov.Errors[k]; ok {
			v.Errors = append(v.Errors, FieldError{k, m})
			status = http.StatusUnprocessableEntity
		}
	}
	if ov.Applied == "" {
		ov.Applied = applied.Format("02/01/2006")
	}
	s.render(w, r, status, "office-rules", v)
}
