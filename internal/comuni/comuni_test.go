package comuni

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// embedded returns the generated table, skipping the test when `make
// assets` has not run, except under CI=true where the table is mandatory.
func embedded(t *testing.T) *Table {
	t.Helper()
	tab, err := Load()
	if errors.Is(err, ErrNotBuilt) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func date(s string) time.Time {
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestLoad_ByCode(t *testing.T) {
	tab := embedded(t)
	today := time.Now()
	for _, tc := range []struct {
		name     string
		code     string
		on       time.Time
		ok       bool
		want     string // name
		province string
		region   string
		istat    string
		foreign  bool
	}{
		{"Roma today", "H501", today, true, "Roma", "RM", "Lazio", "058091", false},
		{"Milano today", "F205", today, true, "Milano", "MI", "Lombardia", "015146", false},
		{"Torino today", "L219", today, true, "Torino", "TO", "Piemonte", "001272", false},
		{"lower-case code", "h501", today, true, "Roma", "RM", "Lazio", "058091", false},
		{"Albania", "Z100", today, true, "Albania", "", "", "", true},
		{"Francia", "Z110", today, true, "Francia", "", "", "", true},
		{"Camairago before its suppression", "B456", date("2017-06-01"), true, "Camairago", "LO", "Lombardia", "", false},
		{"Camairago the day before", "B456", date("2017-12-31"), true, "Camairago", "LO", "Lombardia", "", false},
		{"Camairago on the day of the merger", "B456", date("2018-01-01"), false, "", "", "", "", false},
		{"Camairago after", "B456", date("2019-01-01"), false, "", "", "", "", false},
		{"Uggiate-Trevano in 2023", "L487", date("2023-12-31"), true, "Uggiate-Trevano", "CO", "Lombardia", "", false},
		{"Uggiate-Trevano in 2024", "L487", date("2024-01-01"), false, "", "", "", "", false},
		{"Uggiate con Ronago from 2024", "M435", date("2024-01-01"), true, "Uggiate con Ronago", "CO", "Lombardia", "013256", false},
		{"Uggiate con Ronago before 2024", "M435", date("2023-12-31"), false, "", "", "", "", false},
		{"unknown code", "Z999", today, false, "", "", "", "", false},
		{"malformed code", "ROMA", today, false, "", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := tab.ByCode(tc.code, tc.on)
			if ok != tc.ok {
				t.Fatalf("ByCode(%q, %s) ok = %v, want %v (%+v)", tc.code, tc.on.Format(dateLayout), ok, tc.ok, p)
			}
			if !ok {
				return
			}
			if p.Name != tc.want || p.Province != tc.province || p.Region != tc.region || p.ISTAT != tc.istat || p.Foreign != tc.foreign {
				t.Errorf("ByCode(%q) = %+v, want %s %s %s ISTAT %q foreign %v", tc.code, p, tc.want, tc.province, tc.region, tc.istat, tc.foreign)
			}
		})
	}
}

func TestLoad_SuppressedDates(t *testing.T) {
	tab := embedded(t)
	for code, to := range map[string]string{"B456": "2018-01-01", "L487": "2024-01-01", "Z105": "1993-01-01"} {
		p, ok := tab.ByCodeAny(code)
		if !ok || !p.To.Equal(date(to)) || !p.Suppressed() {
			t.Errorf("ByCodeAny(%s) = %+v, %v; want to %s", code, p, ok, to)
		}
	}
	if p, ok := tab.ByCodeAny("M435"); !ok || !p.From.Equal(date("2024-01-01")) || !p.To.IsZero() {
		t.Errorf("ByCodeAny(M435) = %+v, %v; want from 2024-01-01, open", p, ok)
	}
}

func TestLoad_NoDuplicatePeriods(t *testing.T) {
	tab := embedded(t)
	seen := map[string]bool{}
	ps := tab.Places()
	for i, p := range ps {
		k := p.Belfiore + " " + p.From.Format(dateLayout)
		if seen[k] {
			t.Errorf("duplicate (belfiore, dal) %s", k)
		}
		seen[k] = true
		if i > 0 && comparePlaces(ps[i-1], p) > 0 {
			t.Errorf("rows not sorted: %s before %s", ps[i-1].Belfiore, p.Belfiore)
		}
	}
}

// The counts of docs/research-comuni.md: 7,896 current comuni, 1,945
// suppressed, 222 states (216 existing).
func TestLoad_Counts(t *testing.T) {
	tab := embedded(t)
	var current, suppressed, states int
	for _, p := range tab.Places() {
		switch {
		case p.Foreign:
			states++
		case p.Suppressed():
			suppressed++
		default:
			current++
			if p.ISTAT == "" || p.Region == "" {
				t.Errorf("current comune without ISTAT code or region: %+v", p)
			}
		}
	}
	for _, c := range []struct {
		what     string
		got      int
		min, max int
	}{
		{"rows", tab.Len(), 9900, 10300},
		{"current comuni", current, 7700, 8100},
		{"suppressed comuni", suppressed, 1850, 2150},
		{"foreign states", states, 200, 260},
	} {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%d %s, want %d–%d", c.got, c.what, c.min, c.max)
		}
	}
	t.Logf("%d rows: %d current comuni, %d suppressed, %d states", tab.Len(), current, suppressed, states)
}

func TestLoad_Search(t *testing.T) {
	tab := embedded(t)
	got := tab.Search("roma", time.Now(), 5)
	if len(got) == 0 || got[0].Belfiore != "H501" {
		t.Fatalf("Search(roma) = %v, want Roma first", got)
	}
	if len(got) != 5 {
		t.Errorf("Search(roma, limit 5) returned %d places", len(got))
	}
	for _, p := range got {
		if !strings.HasPrefix(strings.ToLower(p.Name), "roma") {
			t.Errorf("Search(roma) returned %s", p.Name)
		}
	}
	if got := tab.Search("FORLI", time.Now(), 1); len(got) != 1 || got[0].Name != "Forlì" {
		t.Errorf("Search(FORLI) = %v, want Forlì", got)
	}
	// Suppressed comuni are found only on dates when they existed.
	if got := tab.Search("camairago", time.Now(), 5); len(got) != 0 {
		t.Errorf("Search(camairago, today) = %v, want nothing", got)
	}
	if got := tab.Search("camairago", date("2000-01-01"), 5); len(got) != 1 || got[0].Belfiore != "B456" {
		t.Errorf("Search(camairago, 2000) = %v, want B456", got)
	}
}

// Names are spelled in UTF-8: no mojibake such as "RoverÃ¨" is left.
func TestLoad_Spelling(t *testing.T) {
	tab := embedded(t)
	for _, p := range tab.Places() {
		if strings.ContainsAny(p.Name, "ÃÂĂ\u00a0") {
			t.Errorf("%s: garbled name %q", p.Belfiore, p.Name)
		}
	}
	if got := tab.Search("rovere della", time.Time{}, 1); len(got) == 1 && got[0].Name != "Roverè della Luna" {
		t.Errorf("Roverè della Luna spelled %q", got[0].Name)
	}
	if p, ok := tab.ByCodeAny("F436"); ok && p.Name != "Monte di Mezzodì" {
		t.Errorf("F436 spelled %q, want Monte di Mezzodì", p.Name)
	}
}

// Named finds a comune by exact name in its province, whatever the
// accents and case, and tells same-name comuni apart.
func TestNamed(t *testing.T) {
	tab := embedded(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if p, ok := tab.Named("forli", "FC", now); !ok || p.Belfiore != "D704" {
		t.Errorf(`Named("forli", "FC") = %+v, %v; want Forlì D704`, p, ok)
	}
	if _, ok := tab.Named("Roma", "MI", now); ok {
		t.Error("Roma found in the province of Milano")
	}
	if _, ok := tab.Named("Abetone", "PT", now); ok {
		t.Error("Abetone (suppressed in 2017) found as existing in 2026")
	}
	if p, ok := tab.Named("Abetone", "PT", time.Time{}); !ok || p.Belfiore != "A012" {
		t.Errorf("Abetone on any day = %+v, %v", p, ok)
	}
	if _, ok := tab.Named("Forlimpopol", "", time.Time{}); ok {
		t.Error("a prefix matched: Named must be exact")
	}
}
