package certificate_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/refdata"
)

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("error = %v; want Invalid with fields", err)
	}
	return ae.Fields
}

// REQ CERT-8 RULE-8: a spa certificate names a pathology group of RULE-8,
// diagnoses with valid ICD-9-CM codes, a cure of that group, and the
// declaration of no contraindications; every fault is named at once.
func TestSpaValidate(t *testing.T) {
	c := certificate.Spa{Pathology: refdata.Rheumatic, Cure: "fango-bagno", NoContraindications: true,
		Diagnoses: []certificate.Diagnosis{{Text: " Artrosi polidistrettuale ", Code: "7150"}}}
	if err := c.Validate(); err != nil || c.Diagnoses[0].Code != "715.0" || c.Diagnoses[0].Text != "Artrosi polidistrettuale" {
		t.Fatalf("Validate = %v, %+v", err, c)
	}
	wrongCure := c
	wrongCure.Cure = "aerosol"
	if f := fieldsOf(t, wrongCure.Validate()); !strings.Contains(f["cura"], "gruppo") {
		t.Errorf("a respiratory cure for a rheumatic pathology: %v", f)
	}
	f := fieldsOf(t, (&certificate.Spa{Pathology: "dermatologica", Diagnoses: []certificate.Diagnosis{{Text: "", Code: "40"}}}).Validate())
	for _, k := range []string{"patologia", "diagnosi_1_testo", "diagnosi_1_codice", "cura", "nessuna_controindicazione"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	if f := fieldsOf(t, (&certificate.Spa{}).Validate()); f["diagnosi"] == "" {
		t.Errorf("no diagnosis accepted: %v", f)
	}
}

// REQ CERT-8: a civil-invalidity certificate names what is to be assessed
// and at least one coded diagnosis; history, findings and therapies are
// optional but bounded.
func TestInvalidityValidate(t *testing.T) {
	c := certificate.Invalidity{Purposes: []string{"invalidita", "handicap"}, Oncological: true, NotTransportable: true,
		Diagnoses: []certificate.Diagnosis{{Text: "Esiti di ictus cerebrale", Code: "438.9"}, {Text: "Ipertensione", Code: "401.9"}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := certificate.Invalidity{Purposes: []string{"invalidita", "invalidita"}, Anamnesis: strings.Repeat("à", 4001),
		Diagnoses: []certificate.Diagnosis{{Text: "x", Code: "V7"}}}
	f := fieldsOf(t, bad.Validate())
	for _, k := range []string{"finalita", "anamnesi", "diagnosi_1_codice"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	if f := fieldsOf(t, (&certificate.Invalidity{}).Validate()); f["finalita"] == "" || f["diagnosi"] == "" {
		t.Errorf("empty certificate: %v", f)
	}
}

// REQ CERT-9: a civil-invalidity certificate can be linked until the end
// of the 90th day after sending, Rome time, across the DST change.
func TestExpiry(t *testing.T) {
	sent := time.Date(2026, 1, 10, 23, 30, 0, 0, clock.Rome) // 22:30 UTC
	exp := certificate.ExpiresAt(sent)
	if got := exp.In(clock.Rome).Format("2006-01-02 15:04"); got != "2026-04-10 23:59" {
		t.Errorf("ExpiresAt = %s; want 2026-04-10 23:59 (90 days after 10 January)", got)
	}
	if !certificate.Usable(sent, time.Date(2026, 4, 10, 23, 59, 0, 0, clock.Rome)) {
		t.Error("not usable on its last day")
	}
	if certificate.Usable(sent, time.Date(2026, 4, 11, 0, 0, 0, 0, clock.Rome)) {
		t.Error("usable on the 91st day")
	}
}
