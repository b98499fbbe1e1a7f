package cbt_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/refdata"
)

var proposed = []string{"RM01", "RM02"}

func complete() cbt.Draft {
	return cbt.Draft{Year: 2026, Email: "mario.rossi@esempio.it", Office: "rm01", Pathology: refdata.Rheumatic, Cure: "fango-bagno",
		Certificate: "2026 0000042", ASL: "asl-rm1"}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("want field errors, got %v", err)
	}
	return ae.Fields
}

// REQ CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-12: each screen names its wrong
// fields in Italian; a complete draft passes every screen.
func TestDraftScreens(t *testing.T) {
	d := complete()
	if screen, err := d.CheckAll(proposed, 2026); err != nil {
		t.Fatalf("complete draft refused at %s: %v", screen, err)
	}
	if d.Office != "RM01" || d.Certificate != "20260000042" || d.ASL != "ASL-RM1" {
		t.Errorf("not normalised: %+v", d)
	}
	for _, tc := range []struct {
		name, screen, field string
		mod                 func(*cbt.Draft)
	}{
		{"no contact", "contatti", "telefono", func(d *cbt.Draft) { d.Email = "" }},
		{"a mobile is enough", "contatti", "", func(d *cbt.Draft) { d.Email, d.Mobile = "", "+39 333 1234567" }},
		{"bad e-mail", "contatti", "email", func(d *cbt.Draft) { d.Email = "mario@" }},
		{"e-mail with a name", "contatti", "email", func(d *cbt.Draft) { d.Email = "Mario <mario@esempio.it>" }},
		{"bad phone", "contatti", "telefono", func(d *cbt.Draft) { d.Phone = "06-1234" }},
		{"office not proposed", "contatti", "ufficio", func(d *cbt.Draft) { d.Office = "MI01" }},
		{"domicile incomplete", "domicilio", "cap", func(d *cbt.Draft) { d.Domicile = &cbt.Address{Street: "Via Roma 1", Comune: "Roma", Province: "RM"} }},
		{"empty domicile is none", "domicilio", "", func(d *cbt.Draft) { d.Domicile = &cbt.Address{Street: "  "} }},
		{"correction without a note", "precedenti", "nota_correzione", func(d *cbt.Draft) { d.Corrected, d.FirstGrantYear, d.PreviousGrants = true, 2015, 3 }},
		{"grants without a first year", "precedenti", "primo_anno", func(d *cbt.Draft) {
			d.Corrected, d.PreviousGrants, d.CorrectionNotes = true, 2, "due cicli nel 2019 e 2021"
		}},
		{"first grant in the future", "precedenti", "primo_anno", func(d *cbt.Draft) { d.Corrected, d.FirstGrantYear, d.CorrectionNotes = true, 2030, "x" }},
		{"year is locked", "domanda", "anno", func(d *cbt.Draft) { d.Year = 2027 }},
		{"no pathology", "domanda", "patologia", func(d *cbt.Draft) { d.Pathology = "" }},
		{"cure of the other group", "domanda", "cura", func(d *cbt.Draft) { d.Cure = "aerosol" }},
		{"certificate number too short", "sanitari", "certificato", func(d *cbt.Draft) { d.Certificate = "2026123" }},
		{"no ASL", "sanitari", "asl", func(d *cbt.Draft) { d.ASL = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := complete()
			tc.mod(&d)
			err := d.Check(tc.screen, proposed, 2026)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if msg := fieldsOf(t, err)[tc.field]; msg == "" || !strings.HasSuffix(msg, ".") {
				t.Errorf("no message for %s: %v", tc.field, err)
			}
			if screen, _ := d.CheckAll(proposed, 2026); screen != tc.screen {
				t.Errorf("CheckAll stops at %q, want %q", screen, tc.screen)
			}
		})
	}
	if err := (&cbt.Draft{}).Check("altro", proposed, 2026); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown screen: %v", err)
	}
	d = complete()
	d.Phone = "06\x00 1234567"
	d.Normalize()
	if strings.ContainsRune(d.Phone, 0) {
		t.Error("control character kept")
	}
}
