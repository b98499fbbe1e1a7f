package codicefiscale_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	cf "github.com/sportello/sportello/internal/codicefiscale"
)

var ref = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// omocode replaces the last n digit positions with their letters and
// recomputes the check character, as the Agenzia delle Entrate does.
func omocode(code string, n int) string {
	b := []byte(code)
	pos := []int{14, 13, 12, 10, 9, 7, 6}
	for _, p := range pos[:n] {
		b[p] = "LMNPQRSTUV"[b[p]-'0']
	}
	b[15] = cf.CheckChar(string(b[:15]))
	return string(b)
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		code, part string // part: "" when valid, else a word the message must contain
	}{
		{"RSSMRA56L12H501D", ""},
		{" rssmra56l12h501d ", ""},
		{"VRDGNN60B45F205Y", ""}, // a woman: day + 40
		{"BNCLGU48D10L219Y", ""},
		{omocode("RSSMRA56L12H501D", 1), ""},
		{omocode("RSSMRA56L12H501D", 7), ""},
		{"RSSMRA00B29H501Y", ""}, // 29 February 2000
		{"12345678903", ""},      // a valid 11-digit code
		{"", "vuoto"},
		{"RSSMRA56L12H501", "16 caratteri"},
		{"R1SMRA56L12H501D", "cognome"},
		{"RSSM1A56L12H501D", "nome"},
		{"RSSMRAA6L12H501D", "anno"},
		{"RSSMRA56Z12H501D", "mese"},
		{"RSSMRA56L32H501D", "giorno"},
		{"RSSMRA56L00H501D", "giorno"},
		{"RSSMRA56B30H501D", "non esiste"},
		{"RSSMRA57B29H501D", "non esiste"},
		{"RSSMRA56L121501D", "luogo"},
		{"RSSMRA56L12HA01D", "luogo"},
		{"RSSMRA56L12H501X", "controllo"},
		{"12345678900", "controllo"},
	} {
		err := cf.Validate(tc.code)
		if tc.part == "" {
			if err != nil {
				t.Errorf("Validate(%q) = %v; want valid", tc.code, err)
			}
			continue
		}
		e, ok := err.(*apperr.Error)
		if !ok || e.Code != apperr.Invalid || !strings.Contains(e.Message, tc.part) || e.Fields["codice_fiscale"] == "" {
			t.Errorf("Validate(%q) = %v; want Invalid mentioning %q", tc.code, err, tc.part)
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		code   string
		born   time.Time
		female bool
		place  string
		omo    bool
	}{
		{"RSSMRA56L12H501D", day(1956, 7, 12), false, "H501", false},
		{"VRDGNN60B45F205Y", day(1960, 2, 5), true, "F205", false},
		{omocode("RSSMRA56L12H501D", 7), day(1956, 7, 12), false, "H501", true},
		{"RSSMRA00B29H501Y", day(2000, 2, 29), false, "H501", false},
	} {
		d, err := cf.Decode(tc.code, ref)
		if err != nil || !d.BirthDate.Equal(tc.born) || d.Female != tc.female || d.Place != tc.place || d.Omocodic != tc.omo {
			t.Errorf("Decode(%q) = %+v, %v; want %s female=%v %s omocodic=%v", tc.code, d, err, tc.born.Format("2006-01-02"), tc.female, tc.place, tc.omo)
		}
	}
	// The century: '25 is 2025 in 2026, 1925 in 2024.
	code, _ := cf.Compute(cf.Person{FamilyName: "Rossi", GivenName: "Luca", BirthDate: day(2025, 1, 1), Place: "H501"})
	if d, _ := cf.Decode(code, ref); d.BirthDate.Year() != 2025 {
		t.Errorf("born '25, decoded in 2026: %d", d.BirthDate.Year())
	}
	if d, _ := cf.Decode(code, day(2024, 6, 1)); d.BirthDate.Year() != 1925 {
		t.Errorf("born '25, decoded in 2024: %d", d.BirthDate.Year())
	}
	// Abroad.
	abroad, _ := cf.Compute(cf.Person{FamilyName: "Dupont", GivenName: "Marie", BirthDate: day(1980, 3, 1), Female: true, Place: "Z110"})
	if d, err := cf.Decode(abroad, ref); err != nil || !d.Foreign || d.Place != "Z110" {
		t.Errorf("foreign-born = %+v, %v", d, err)
	}
	if _, err := cf.Decode("12345678903", ref); err == nil {
		t.Error("an 11-digit code decoded birth data")
	}
}

func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		p    cf.Person
		want string
	}{
		{cf.Person{FamilyName: "Rossi", GivenName: "Mario", BirthDate: day(1956, 7, 12), Place: "H501"}, "RSSMRA56L12H501D"},
		{cf.Person{FamilyName: "Verdi", GivenName: "Giovanna", BirthDate: day(1960, 2, 5), Female: true, Place: "F205"}, "VRDGNN60B45F205Y"},
		{cf.Person{FamilyName: "Bianchi", GivenName: "Luigi", BirthDate: day(1948, 4, 10), Place: "L219"}, "BNCLGU48D10L219Y"},
		{cf.Person{FamilyName: "Ferri", GivenName: "Paolo", BirthDate: day(1975, 3, 10), Place: "H501"}, "FRRPLA75C10H501C"},
	} {
		got, err := cf.Compute(tc.p)
		if err != nil || got != tc.want {
			t.Errorf("Compute(%+v) = %q, %v; want %q", tc.p, got, err, tc.want)
		}
	}
	// Name with four or more consonants: 1st, 3rd and 4th.
	if got, _ := cf.Compute(cf.Person{FamilyName: "Re", GivenName: "Gianfranco", BirthDate: day(1990, 1, 1), Place: "H501"}); got[:6] != "REXGFR" {
		t.Errorf("short surname and long name = %q; want REXGFR…", got)
	}
	// Accents and apostrophes do not count.
	if got, _ := cf.Compute(cf.Person{FamilyName: "D'Amico", GivenName: "Nicolò", BirthDate: day(1990, 1, 1), Place: "H501"}); got[:6] != "DMCNCL" {
		t.Errorf("D'Amico Nicolò = %q; want DMCNCL…", got)
	}
	_, err := cf.Compute(cf.Person{Place: "ROMA"})
	if e, ok := err.(*apperr.Error); !ok || len(e.Fields) != 4 {
		t.Errorf("empty person = %v; want four field messages", err)
	}
}

// REQ ID-1: registry matching treats omocodia variants as one person.
func TestSame(t *testing.T) {
	a := "RSSMRA56L12H501D"
	for n := 1; n <= 7; n++ {
		if !cf.Same(a, omocode(a, n)) {
			t.Errorf("omocodia variant %d not recognised", n)
		}
	}
	if cf.Same(a, "VRDGNN60B45F205Y") {
		t.Error("two people are the same")
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{"RSSMRA56L12H501D", "", "12345678903", "RSSMRA56L12H5O1D", "ÀÀÀ", "rssmra56l12h501d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := cf.Validate(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Validate(%q): %v is not Invalid", s, err)
			}
			return
		}
		c := cf.Normalize(s)
		if len(c) == 16 {
			d, err := cf.Decode(c, ref)
			if err != nil {
				t.Fatalf("valid %q does not decode: %v", c, err)
			}
			if base := cf.Base(c); cf.Validate(base) != nil || !cf.Same(base, c) {
				t.Fatalf("base of %q = %q, not valid or not the same person", c, base)
			}
			_ = d
		}
	})
}

func FuzzCompute(f *testing.F) {
	f.Add("Rossi", "Mario", int64(-423792000), false, uint16(501))
	f.Fuzz(func(t *testing.T, family, given string, unix int64, female bool, place uint16) {
		born := time.Unix(unix%4_000_000_000, 0).UTC().Truncate(24 * time.Hour)
		if born.Year() < 1900 || born.After(ref) {
			return
		}
		p := cf.Person{FamilyName: family, GivenName: given, BirthDate: born, Female: female, Place: fmt.Sprintf("H%03d", place%1000)}
		code, err := cf.Compute(p)
		if err != nil {
			return // names without letters
		}
		d, err := cf.Decode(code, ref)
		if err != nil || !d.BirthDate.Equal(born) || d.Female != female || d.Place != p.Place {
			t.Fatalf("Compute(%+v) = %q decodes to %+v, %v", p, code, d, err)
		}
	})
}
