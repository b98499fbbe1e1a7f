package refdata_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/refdata"
)

// REQ RULE-9: the agency sets the season of a year (here 2017's, msg. INPS
// 1274/2017: 27/03–02/12); other years keep the default; bad rows are
// named by line and reason.
func TestSeasons(t *testing.T) {
	in := refdata.SeasonsHeader + "\n# stagioni\n2017,27/03/2017,2017-12-02\n2018,2018-05-01,2017-12-01\n2019,2019-06-03,2019-06-10\n2019abc,2019-01-01,2019-02-01\n2017,2017-04-03,2017-11-30\n"
	s, bad, err := refdata.ReadSeasons(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if s.Years() != 1 {
		t.Errorf("years = %d, want 1", s.Years())
	}
	sh, err := refdata.Shifts(s.Season(2017))
	if err != nil || sh[0].Start.Format("2006-01-02") != "2017-03-27" || sh[len(sh)-1].End.Format("2006-01-02") != "2017-12-02" {
		t.Errorf("2017 shifts = %v … %v, %v", sh[0], sh[len(sh)-1], err)
	}
	if s.Season(2026) != refdata.DefaultSeason(2026) {
		t.Error("an unconfigured year does not get the default season")
	}
	want := []struct {
		line int
		text string
	}{{4, "anno 2018"}, {5, "troppo breve"}, {6, "anno"}, {7, "ripetuto"}}
	if len(bad) != len(want) {
		t.Fatalf("bad rows = %+v", bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || !strings.Contains(bad[i].Reason, w.text) {
			t.Errorf("bad[%d] = %+v, want line %d mentioning %q", i, bad[i], w.line, w.text)
		}
	}
}

// Files saved by spreadsheets (BOM, CRLF, semicolons) read like any other.
func TestSeasons_SpreadsheetFile(t *testing.T) {
	s, bad, err := refdata.ReadSeasons(strings.NewReader("\ufeffanno;inizio;fine\r\n2027;05/04/2027;27/11/2027\r\n"))
	if err != nil || len(bad) != 0 || s.Years() != 1 {
		t.Fatalf("BOM+CRLF file = %d years, %+v, %v", s.Years(), bad, err)
	}
}
