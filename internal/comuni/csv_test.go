package comuni

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const sample = `belfiore,istat,nome,provincia,regione,dal,al,stato
H501,058091,Roma,RM,Lazio,1884-09-11,,comune
B456,,Camairago,LO,Lombardia,1861-03-17,2018-01-01,comune
L487,,Uggiate-Trevano,CO,Lombardia,1938-01-18,2024-01-01,comune
M435,013256,Uggiate con Ronago,CO,Lombardia,2024-01-01,,comune
A123,,Paese Spostato,NA,Campania,,1950-01-01,comune
A123,,Paese Spostato,SA,Campania,1950-01-01,,comune
Z110,,Francia,,,,,estero
Z105,,Cecoslovacchia,,,,1993-01-01,estero
F205,015146,Milano,MI,Lombardia,1873-06-23,,comune
H607,022160,Roverè della Luna,TN,Trentino-Alto Adige,,,comune
A001,028001,Abano Terme,PD,Veneto,,,comune
H502,,Romagnese Vecchia,PV,Lombardia,,,comune
G999,,San Romano,XX,,,,comune
`

func mustRead(t *testing.T, s string) *Table {
	t.Helper()
	tab, bad, err := ReadCSV(strings.NewReader(s))
	if err != nil || len(bad) > 0 {
		t.Fatalf("ReadCSV: %v %v", bad, err)
	}
	return tab
}

func TestReadCSV_OK(t *testing.T) {
	tab := mustRead(t, sample)
	if tab.Len() != 13 {
		t.Fatalf("Len = %d, want 13", tab.Len())
	}
	// A code with two periods: the one of the day, or the latest.
	for _, tc := range []struct {
		on   string
		want string
	}{{"1940-05-01", "NA"}, {"1949-12-31", "NA"}, {"1950-01-01", "SA"}, {"2020-01-01", "SA"}} {
		if p, ok := tab.ByCode("A123", date(tc.on)); !ok || p.Province != tc.want {
			t.Errorf("ByCode(A123, %s) = %+v, %v; want %s", tc.on, p, ok, tc.want)
		}
	}
	if p, _ := tab.ByCodeAny("A123"); p.Province != "SA" {
		t.Errorf("ByCodeAny(A123) = %+v, want the latest period", p)
	}
	if p, ok := tab.ByCode("Z110", date("1900-01-01")); !ok || !p.Foreign || !p.From.IsZero() {
		t.Errorf("ByCode(Z110) = %+v, %v", p, ok)
	}
	// Local times count by their calendar date.
	rome := time.FixedZone("CET", 3600)
	if _, ok := tab.ByCode("B456", time.Date(2018, 1, 1, 0, 30, 0, 0, rome)); ok {
		t.Error("B456 valid at 00:30 CET on 2018-01-01 (23:30 UTC the day before)")
	}
}

func TestReadCSV_RoundTrip(t *testing.T) {
	tab := mustRead(t, sample)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tab.Places()); err != nil {
		t.Fatal(err)
	}
	again := mustRead(t, buf.String())
	var buf2 bytes.Buffer
	if err := WriteCSV(&buf2, again.Places()); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Errorf("WriteCSV is not stable:\n%s\n---\n%s", buf.String(), buf2.String())
	}
	if !strings.HasPrefix(buf.String(), "belfiore,istat,nome,provincia,regione,dal,al,stato\nA001,") {
		t.Errorf("WriteCSV output starts %q", buf.String()[:80])
	}
}

func TestReadCSV_Semicolons(t *testing.T) {
	tab := mustRead(t, "\ufeffStato;Belfiore;ISTAT;Nome;Provincia;Regione;Dal;Al\nestero;Z110;;Francia;;;;\ncomune;h501;058091;Roma;rm;Lazio;11/09/1884;\n")
	if p, ok := tab.ByCode("H501", date("2000-01-01")); !ok || p.Province != "RM" || !p.From.Equal(date("1884-09-11")) {
		t.Errorf("ByCode(H501) = %+v, %v", p, ok)
	}
}

func TestReadCSV_BadRows(t *testing.T) {
	in := `belfiore,istat,nome,provincia,regione,dal,al,stato
H501,058091,Roma,RM,Lazio,1884-09-11,,comune
H50,,Troppo Corto,RM,Lazio,,,comune
Z110,,Francia,,,,,comune
H501,,Roma bis,RM,Lazio,1990-01-01,,comune
F205,15146,Milano,MI,Lombardia,,,comune
F205,015146,,MI,Lombardia,,,comune
L219,001272,Torino,TO,Piemonte,31/02/1889,,comune
B456,,Camairago,LO,Lombardia,2018-01-01,2017-01-01,comune
Z100,,Albania,AL,,,,estero
A001,028001,Abano Terme,PDX,Veneto,,,comune
A002,,"Multi
Line",CO,Lombardia,,,comune
A003,,Campi,TO
A004,,Abbadia,,,,,paese
L487,,Uggiate-Trevano,CO,Lombardia,1938-01-18,2024-01-01,comune
`
	tab, bad, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line   int
		reason string
	}{
		{3, `codice catastale "H50" non valido`},
		{4, "è di uno stato estero"},
		{5, "si sovrappone a quello della riga 2"},
		{6, `codice ISTAT "15146" non valido`},
		{7, "nome mancante"},
		{8, `data di inizio (dal) "31/02/1889" non valida`},
		{9, "deve essere successiva"},
		{10, "per uno stato estero va lasciata vuota"},
		{11, `sigla di provincia "PDX" non valida`},
		{14, "4 campi invece di 8"},
		{15, `stato "paese" non valido`},
	}
	if len(bad) != len(want) {
		t.Errorf("got %d bad rows, want %d: %v", len(bad), len(want), bad)
	}
	for i := range min(len(bad), len(want)) {
		if bad[i].Line != want[i].line || !strings.Contains(bad[i].Reason, want[i].reason) {
			t.Errorf("bad[%d] = riga %d: %s; want riga %d: …%s…", i, bad[i].Line, bad[i].Reason, want[i].line, want[i].reason)
		}
	}
	// Good rows survive, including the one spanning lines 12–13.
	if tab.Len() != 3 {
		t.Errorf("Len = %d, want 3 (H501, A002, L487)", tab.Len())
	}
	if p, ok := tab.ByCodeAny("A002"); !ok || p.Name != "Multi\nLine" {
		t.Errorf("A002 = %+v, %v", p, ok)
	}
}

func TestReadCSV_Unusable(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "intestazione"},
		{"missing columns", "belfiore,nome\nH501,Roma\n", "mancano le colonne istat, provincia, regione, dal, al, stato"},
		{"header only", "belfiore,istat,nome,provincia,regione,dal,al,stato\n", "nessuna riga valida"},
		{"only bad rows", "belfiore,istat,nome,provincia,regione,dal,al,stato\nXXXX,,Roma,RM,,,,comune\n", "nessuna riga valida"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, _, err := ReadCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || tab != nil {
				t.Errorf("ReadCSV = %v, %v; want error …%s…", tab, err, tc.want)
			}
		})
	}
}

func TestReadCSV_Latin1(t *testing.T) {
	in := "belfiore,istat,nome,provincia,regione,dal,al,stato\nH607,022160,Rover\xe8 della Luna,TN,,,,comune\nH501,058091,Roma,RM,Lazio,,,comune\n"
	_, bad, err := ReadCSV(strings.NewReader(in))
	if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Reason, "UTF-8") {
		t.Errorf("ReadCSV(Latin-1) = %v, %v", bad, err)
	}
}

func TestTable_Search(t *testing.T) {
	tab := mustRead(t, sample)
	today := date("2025-06-01")
	for _, tc := range []struct {
		q     string
		on    time.Time
		limit int
		want  []string
	}{
		{"roma", today, 5, []string{"H501", "H502", "G999"}}, // exact, prefix, word
		{"ROMA", today, 1, []string{"H501"}},
		{"rovere", today, 5, []string{"H607"}},
		{"Rovère", today, 5, []string{"H607"}},
		{"uggiate", today, 5, []string{"M435"}},
		{"uggiate", time.Time{}, 5, []string{"M435", "L487"}}, // existing first
		{"uggiate", date("2000-01-01"), 5, []string{"L487"}},
		{"trevano", time.Time{}, 5, []string{"L487"}},
		{"", today, 5, nil},
		{"roma", today, 0, nil},
		{"xyz", today, 5, nil},
	} {
		var got []string
		for _, p := range tab.Search(tc.q, tc.on, tc.limit) {
			got = append(got, p.Belfiore)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("Search(%q, %s, %d) = %v, want %v", tc.q, tc.on.Format(dateLayout), tc.limit, got, tc.want)
		}
	}
}

func TestTable_Nil(t *testing.T) {
	var tab *Table
	if tab.Len() != 0 || tab.Search("roma", time.Now(), 5) != nil || tab.Places() != nil {
		t.Error("a nil table is not empty")
	}
	if _, ok := tab.ByCode("H501", time.Now()); ok {
		t.Error("a nil table found H501")
	}
	if _, ok := tab.ByCodeAny("H501"); ok {
		t.Error("a nil table found H501")
	}
}

func TestLoad_NotBuilt(t *testing.T) {
	tab, err := Load()
	if errors.Is(err, ErrNotBuilt) && (tab == nil || tab.Len() != 0) {
		t.Errorf("Load without data = %v, %v; want an empty table", tab, err)
	}
	if err != nil && !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Load: %v", err)
	}
}
