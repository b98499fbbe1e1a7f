package refdata_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/refdata"
)

// Malformed reference files are reported row by row, in Italian, and
// never crash the import.
func TestReadFiles_Malformed(t *testing.T) {
	h := refdata.FacilitiesHeader + "\n"
	_, bad, err := refdata.ReadFacilities(strings.NewReader(h + "\"T1,Terme Uno,L182,RM,Lazio,reumoartropatica,25,\n"))
	if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Reason, "virgolette") {
		t.Errorf("unclosed quote = %+v, %v", bad, err)
	}
	_, bad, err = refdata.ReadSeasons(strings.NewReader(refdata.SeasonsHeader + "\n2027,2027-04-05\n2028\"\n"))
	if err != nil || len(bad) != 2 || bad[0].Line != 2 || !strings.Contains(bad[0].Reason, "ne servono 3") || bad[1].Line != 3 {
		t.Errorf("short row and bare quote = %+v, %v", bad, err)
	}
	// A quoted field spanning lines keeps a line starting with # and the
	// line numbers after it stay right.
	f, bad, err := refdata.ReadFacilities(strings.NewReader(h + "T1,\"Terme\n# Uno\",L182,RM,Lazio,reumoartropatica,25,\nT2,Terme Due,L182,RM,Lazio,x,25,\n"))
	if err != nil || len(f.All()) != 1 || f.All()[0].Name != "Terme\n# Uno" || len(bad) != 1 || bad[0].Line != 4 {
		t.Errorf("multi-line field = %+v, %+v, %v", f.All(), bad, err)
	}
	if _, _, err := refdata.ReadOffices(strings.NewReader(refdata.OfficesHeader + "\nsede,NA01,Napoli \xe0,Campania,NA\n")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("Latin-1 file: %v; want a UTF-8 error", err)
	}
	if _, _, err := refdata.ReadOffices(strings.NewReader(refdata.OfficesHeader + "\nsede,NA01,Napoli\x00,Campania,NA\n")); err == nil {
		t.Error("a NUL byte was accepted")
	}
	if _, _, err := refdata.ReadOffices(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "intestazione") {
		t.Errorf("empty file: %v", err)
	}
}

// FuzzReadFiles: whatever the bytes, the readers return rows, rejected
// rows or an error, never a panic; every rejected row has a reason.
func FuzzReadFiles(f *testing.F) {
	f.Add(refdata.FacilitiesHeader + "\n\"T1,x\n")
	f.Add(refdata.SeasonsHeader + "\n2028\"\n\"\n")
	f.Add(refdata.OfficesHeader + "\r\nsede;X;Y;Z;RM\r\n# c\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, header := range []string{refdata.FacilitiesHeader, refdata.SeasonsHeader, refdata.OfficesHeader} {
			in := header + "\n" + s
			_, bad1, _ := refdata.ReadFacilities(strings.NewReader(in))
			_, bad2, _ := refdata.ReadSeasons(strings.NewReader(in))
			_, bad3, _ := refdata.ReadOffices(strings.NewReader(in))
			for _, b := range append(append(bad1, bad2...), bad3...) {
				if b.Reason == "" {
					t.Fatalf("a rejected row without a reason: %+v", b)
				}
			}
		}
	})
}
