// Package registry describes the agency's registries the entitlement rules
// read (RULE-1…RULE-7): contribution records, pensions and allowances,
// employment, and spa cures paid by the health service. No live connector
// exists; the store implements them from CSV extracts (`sportello import`),
// and a real connector can replace it without touching the rules.
package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/codicefiscale"
)

// Funds, contribution kinds, pension kinds and employer types, as codes in
// the extracts.
var (
	Funds             = []string{"employee", "self_employed", "separate", "agricultural"}
	ContributionKinds = []string{"compulsory", "figurative", "figurative_unemployment", "voluntary"}
	PensionKinds      = []string{"seniority", "early", "old_age", "invalidity_definitive", "invalidity_provisional",
		"inability", "supplementary", "substitutive"}
	EmployerTypes = []string{"private", "state", "poste", "public_body", "railways_fund", "enpals", "solidarity_fund", "lsu", "mobility"}
)

// Contribution is a period of a person's contribution record.
type Contribution struct {
	FiscalCode string
	Fund       string
	Kind       string
	From, To   string // YYYY-MM-DD
	Weeks      int
	Days       int
}

// Pension is a pension or allowance a person holds or held.
type Pension struct {
	FiscalCode string
	Kind       string
	From, To   string
	Revoked    bool
}

// Employment is a period of work with an employer of a type.
type Employment struct {
	FiscalCode    string
	EmployerType  string
	Activity      string
	Qualification string
	From, To      string
}

// SSNCure is a spa cure paid by the health service or another body in a
// year (RULE-4).
type SSNCure struct {
	FiscalCode string
	Year       int
	Facility   string
}

// PastCycle is a spa-treatment cycle the agency granted in a past year
// (RULE-10 counts them).
type PastCycle struct {
	FiscalCode string
	Year       int
	Pathology  string // reumoartropatica or broncopneumopatica
}

// Facts are what the registries know about a person.
type Facts struct {
	Contributions []Contribution
	Pensions      []Pension
	Employments   []Employment
	SSNCures      []SSNCure
	PastCycles    []PastCycle
}

// Reader gives a person's facts.
type Reader interface {
	FactsOf(ctx context.Context, fiscalCode string) (Facts, error)
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// date parses YYYY-MM-DD or dd/mm/yyyy and returns YYYY-MM-DD.
func date(s string, optional bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && optional {
		return "", nil
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("data %q non valida (usare AAAA-MM-GG o GG/MM/AAAA)", s)
}

// Validate checks a contribution period and normalises its dates.
func (c *Contribution) Validate() error {
	var err error
	if c.FiscalCode, err = checkCF(c.FiscalCode); err != nil {
		return err
	}
	if !oneOf(c.Fund, Funds) {
		return fmt.Errorf("gestione %q sconosciuta (ammesse: %s)", c.Fund, strings.Join(Funds, ", "))
	}
	if !oneOf(c.Kind, ContributionKinds) {
		return fmt.Errorf("tipo di contribuzione %q sconosciuto (ammessi: %s)", c.Kind, strings.Join(ContributionKinds, ", "))
	}
	if c.From, err = date(c.From, false); err != nil {
		return fmt.Errorf("inizio: %w", err)
	}
	if c.To, err = date(c.To, false); err != nil {
		return fmt.Errorf("fine: %w", err)
	}
	if c.To < c.From {
		return fmt.Errorf("la fine (%s) precede l'inizio (%s)", c.To, c.From)
	}
	if c.Weeks < 0 || c.Days < 0 || c.Weeks > 53*100 || c.Days > 366*100 {
		return fmt.Errorf("settimane o giorni fuori misura")
	}
	if c.Weeks == 0 && c.Days == 0 {
		return fmt.Errorf("indicare le settimane o i giorni di contribuzione")
	}
	return nil
}

func checkCF(code string) (string, error) {
	if err := codicefiscale.Validate(code); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return "", errors.New(strings.TrimSuffix(ae.Message, "."))
		}
		return "", err
	}
	return codicefiscale.Normalize(code), nil
}

// Validate checks a pension record and normalises it.
func (p *Pension) Validate() error {
	var err error
	if p.FiscalCode, err = checkCF(p.FiscalCode); err != nil {
		return err
	}
	if !oneOf(p.Kind, PensionKinds) {
		return fmt.Errorf("tipo di pensione %q sconosciuto (ammessi: %s)", p.Kind, strings.Join(PensionKinds, ", "))
	}
	if p.From, err = date(p.From, false); err != nil {
		return fmt.Errorf("decorrenza: %w", err)
	}
	if p.To, err = date(p.To, true); err != nil {
		return fmt.Errorf("cessazione: %w", err)
	}
	if p.To != "" && p.To < p.From {
		return fmt.Errorf("la cessazione (%s) precede la decorrenza (%s)", p.To, p.From)
	}
	return nil
}

// Validate checks an employment record and normalises it.
func (e *Employment) Validate() error {
	var err error
	if e.FiscalCode, err = checkCF(e.FiscalCode); err != nil {
		return err
	}
	if !oneOf(e.EmployerType, EmployerTypes) {
		return fmt.Errorf("tipo di datore %q sconosciuto (ammessi: %s)", e.EmployerType, strings.Join(EmployerTypes, ", "))
	}
	if e.From, err = date(e.From, false); err != nil {
		return fmt.Errorf("inizio: %w", err)
	}
	if e.To, err = date(e.To, true); err != nil {
		return fmt.Errorf("fine: %w", err)
	}
	if e.To != "" && e.To < e.From {
		return fmt.Errorf("la fine (%s) precede l'inizio (%s)", e.To, e.From)
	}
	return nil
}

// Validate checks a past cycle.
func (c *PastCycle) Validate() error {
	var err error
	if c.FiscalCode, err = checkCF(c.FiscalCode); err != nil {
		return err
	}
	if c.Year < 1990 || c.Year > 2100 {
		return fmt.Errorf("anno %d non valido", c.Year)
	}
	c.Pathology = strings.ToLower(strings.TrimSpace(c.Pathology))
	if c.Pathology != "reumoartropatica" && c.Pathology != "broncopneumopatica" {
		return fmt.Errorf("patologia %q sconosciuta (reumoartropatica, broncopneumopatica)", c.Pathology)
	}
	return nil
}

// Validate checks a record of a spa cure paid by the health service.
func (s *SSNCure) Validate() error {
	var err error
	if s.FiscalCode, err = checkCF(s.FiscalCode); err != nil {
		return err
	}
	if s.Year < 1990 || s.Year > 2100 {
		return fmt.Errorf("anno %d non valido", s.Year)
	}
	if strings.TrimSpace(s.Facility) == "" {
		return errors.New("indicare la struttura termale")
	}
	return nil
}
