package icd9_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/icd9"
)

// REQ CERT-8: diagnosis codes are checked and normalised; a wrong one is
// refused with a message that shows the right shape.
func TestNormalize(t *testing.T) {
	good := map[string]string{
		"401": "401", "401.9": "401.9", "4019": "401.9", "250.01": "250.01", "25001": "250.01",
		" 715.90 ": "715.90", "v72.81": "V72.81", "V7281": "V72.81", "V45": "V45",
		"E849.0": "E849.0", "e8490": "E849.0", "E849": "E849", "001.1": "001.1",
	}
	for in, want := range good {
		if got, err := icd9.Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"": "indicare", "40": "tre cifre", "401.": "tre cifre", "401.123": "tre cifre", "4O1": "tre cifre",
		"V7": "lettera V", "V72.811": "lettera V", "E849.01": "lettera E", "E84": "lettera E",
		"X12": "tre cifre", "000": "non esiste", "V00": "non esiste", "401,9": "tre cifre",
	}
	for in, want := range bad {
		_, err := icd9.Normalize(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Normalize(%q) = %v; want an error mentioning %q", in, err, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"401.9", "V72.81", "E849.0", ".", "V", "E.", "9999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := icd9.Normalize(s)
		if err != nil {
			return
		}
		// A normalised code is stable and normalises to itself.
		again, err := icd9.Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", s, got, got, again, err)
		}
	})
}
