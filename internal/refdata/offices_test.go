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
	rm := o.ForPlace("sede", "rm", "H501")
	if len(rm) != 2 || rm[0].Code != "RM01" {
		t.Fatalf("offices for RM = %+v", rm)
	}
	if asl := o.ForPlace("asl", "MI", "F205"); len(asl) != 1 || asl[0].Code != "ATS-MI" {
		t.Fatalf("ASL for MI = %+v", asl)
	}
	// Health authorities by comune: Roma has two to choose from, the rest
	// of the province one.
	if asl := o.ForPlace("asl", "RM", "H501"); len(asl) != 2 || asl[0].Code != "ASL-RM1" || asl[1].Code != "ASL-RM2" {
		t.Errorf("ASLs for Roma = %+v", asl)
	}
	if asl := o.ForPlace("asl", "RM", "L182"); len(asl) != 1 || asl[0].Code != "ASL-RM5" {
		t.Errorf("ASLs for Tivoli = %+v", asl)
	}
	// Every comune of a covered province gets an ASL (Fiumicino).
	if asl := o.ForPlace("asl", "RM", "M297"); len(asl) != 1 || asl[0].Code != "ASL-RM5" {
		t.Errorf("ASLs for Fiumicino = %+v", asl)
	}
	if r, ok := o.Regional("lazio"); !ok || r.Code != "DR-LAZ" {
		t.Fatalf("regional office of Lazio = %+v, %v", r, ok)
	}
	if len(o.ForPlace("sede", "NA", "F839")) != 0 {
		t.Error("an office for a province the partial dataset does not cover")
	}
	bad := refdata.OfficesHeader + "\n# a comment\nsede,X1,Ufficio,Lazio,RM\nmagazzino,X2,?,Lazio,RM\nsede,X1,Doppio,Lazio,RM\nasl,X3,ASL,Lazio,\nasl,X4,ASL,Lazio,Roma\n"
	_, rows, err := refdata.ReadOffices(strings.NewReader(bad))
	if err != nil || len(rows) != 4 || rows[0].Line != 4 || rows[1].Line != 5 || rows[2].Line != 6 || rows[3].Line != 7 ||
		!strings.Contains(rows[3].Reason, `"ROMA"`) {
		t.Fatalf("bad rows = %+v, %v", rows, err)
	}
	if _, _, err := refdata.ReadOffices(strings.NewReader("codice,nome\n")); err == nil {
		t.Error("a wrong header was accepted")
	}
}
