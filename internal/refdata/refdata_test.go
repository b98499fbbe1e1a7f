package refdata_test

import (
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/refdata"
)

func rome(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, clock.Rome) }

// REQ RULE-9: shifts run Monday of week 1 to Saturday of week 2 (12
// treatment days), one after the other without gaps, inside the season.
func TestShifts(t *testing.T) {
	// The 2017 season: 27/03 – 02/12 (msg. 1274/2017).
	sh, err := refdata.Shifts(refdata.Season{Start: rome(2017, 3, 27), End: rome(2017, 12, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sh) != 18 {
		t.Fatalf("%d shifts in 2017; want 18", len(sh))
	}
	if got := sh[0].String(); got != "turno 1: 27/03/2017 – 08/04/2017" {
		t.Errorf("first shift = %s", got)
	}
	if got := sh[17].String(); got != "turno 18: 20/11/2017 – 02/12/2017" {
		t.Errorf("last shift = %s", got)
	}
	for i, s := range sh {
		if s.Start.Weekday() != time.Monday || s.End.Weekday() != time.Saturday || len(s.TreatmentDays()) != 12 {
			t.Errorf("shift %d = %s: not Monday to Saturday with 12 treatment days", i+1, s)
		}
		if i > 0 && s.Start.Sub(sh[i-1].End) != 48*time.Hour {
			t.Errorf("gap between shifts %d and %d", i, i+1)
		}
	}
	// 2014: the last shift was 24/11 – 06/12 (avvenire.it, 2014).
	sh, _ = refdata.Shifts(refdata.Season{Start: rome(2014, 3, 31), End: rome(2014, 12, 6)})
	if last := sh[len(sh)-1]; last.Start != rome(2014, 11, 24) || last.End != rome(2014, 12, 6) {
		t.Errorf("last 2014 shift = %s", last)
	}
	// A season starting mid-week begins on the next Monday.
	sh, _ = refdata.Shifts(refdata.Season{Start: rome(2026, 3, 25), End: rome(2026, 5, 1)})
	if sh[0].Start != rome(2026, 3, 30) {
		t.Errorf("first 2026 shift starts %s; want Monday 30/03", sh[0].Start.Format("02/01"))
	}
	if d := refdata.DefaultSeason(2027); d.Start.Weekday() != time.Monday || d.End.Weekday() != time.Saturday {
		t.Errorf("default season %v", d)
	}
	for _, bad := range []refdata.Season{{Start: rome(2026, 5, 1), End: rome(2026, 4, 1)}, {Start: rome(2026, 5, 4), End: rome(2026, 5, 10)}} {
		if _, err := refdata.Shifts(bad); err == nil {
			t.Errorf("season %v accepted", bad)
		}
	}
}

// REQ CBT-6 RULE-8: the cascading menu offers the two pathology groups and
// their cures only.
func TestCures(t *testing.T) {
	if len(refdata.Pathologies) != 2 {
		t.Fatalf("%d pathology groups; want rheumatic and respiratory", len(refdata.Pathologies))
	}
	seen := map[string]bool{}
	for _, p := range refdata.Pathologies {
		cs := refdata.CuresFor(p.Code)
		if len(cs) == 0 {
			t.Errorf("no cures for %s", p.Code)
		}
		for _, c := range cs {
			if seen[c.Code] || c.Name == "" || c.NameEN == "" {
				t.Errorf("cure %+v repeated or unnamed", c)
			}
			seen[c.Code] = true
			if got, ok := refdata.FindCure(c.Code); !ok || got != c {
				t.Errorf("FindCure(%s) = %+v", c.Code, got)
			}
		}
	}
	if _, ok := refdata.FindCure("massaggio"); ok {
		t.Error("an unknown cure was found")
	}
}
