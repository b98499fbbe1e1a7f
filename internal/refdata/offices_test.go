package refdata_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/refdata"
)

// REQ CBT-4 CBTW-7: offices are proposed from the province of the address;
// each region has its regional office; the demo dataset covers the demo.
func TestOffices(t *testing.T) {
	o := refdata.DefaultOffices()
	rm := o.ForProvince("sede", "rm")
	if len(rm) != 2 || rm[0].Code != "RM01" {
		t.Fatalf("offices for RM = %+v", rm)
	}
	if asl := o.ForProvince("asl", "MI"); len(asl) != 1 || asl[0].Code != "ATS-MI" {
		t.Fatalf("ASL for MI = %+v", asl)
	}
	if r, ok := o.Regional("lazio"); !ok || r.Code != "DR-LAZ" {
		t.Fatalf("regional office of Lazio = %+v, %v", r, ok)
	}
	if len(o.ForProvince("sede", "NA")) != 0 {
		t.Error("an office for a province the partial dataset does not cover")
	}
	bad := "tipo,codice,nome,regione,province\n# a comment\nsede,X1,Ufficio,Lazio,RM\nmagazzino,X2,?,Lazio,RM\nsede,X1,Doppio,Lazio,RM\nasl,X3,ASL,Lazio,\n"
	_, rows, err := refdata.ReadOffices(strings.NewReader(bad))
	if err != nil || len(rows) != 3 || rows[0].Line != 4 || rows[1].Line != 5 || rows[2].Line != 6 {
		t.Fatalf("bad rows = %+v, %v", rows, err)
	}
	if _, _, err := refdata.ReadOffices(strings.NewReader("codice,nome\n")); err == nil {
		t.Error("a wrong header was accepted")
	}
}
