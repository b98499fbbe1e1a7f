package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/importer"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

const contribHeader = "codice_fiscale,gestione,tipo,dal,al,settimane,giorni\n"

// A file with bad rows imports the good ones and lists each bad one with
// its line number and reason; running it again duplicates nothing.
func TestRun_Contributions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		file := contribHeader +
			"RSSMRA56L12H501D,employee,compulsory,2015-01-01,2019-12-31,260,0\n" + // line 2: good
			"RSSMRA56L12H501X,employee,compulsory,2015-01-01,2019-12-31,260,0\n" + // 3: check character
			"RSSMRA56L12H501D,pirate,compulsory,2015-01-01,2019-12-31,260,0\n" + // 4: fund
			"RSSMRA56L12H501D,employee,figurative_unemployment,20/01/2020,30/06/2020,22,0\n" + // 5: good, Italian dates
			"RSSMRA56L12H501D,employee,voluntary,2021-01-01,2020-01-01,10,0\n" + // 6: end before start
			"VRDGNN60B45F205Y,agricultural,compulsory,2010-01-01,2014-12-31,0,1400\n" + // 7: good, days
			"VRDGNN60B45F205Y,agricultural,compulsory,2015-01-01,2015-12-31,,\n" + // 8: neither weeks nor days
			"\"unterminated,employee\n" // 9: broken CSV
		rep, err := importer.Run(ctx, db, "contributi", strings.NewReader(file), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 || rep.Imported != 3 || len(rep.Rejected) != 5 {
			t.Fatalf("report = %+v; want 8 rows, 3 imported, 5 rejected", rep)
		}
		wantLines := []int{3, 4, 6, 8, 9}
		for i, re := range rep.Rejected {
			if re.Line != wantLines[i] || re.Reason == "" {
				t.Errorf("rejected %d = %+v; want line %d with a reason", i, re, wantLines[i])
			}
		}
		if !strings.Contains(rep.Rejected[0].Reason, "controllo") || !strings.Contains(rep.Rejected[1].Reason, "gestione") {
			t.Errorf("reasons do not say what is wrong: %+v", rep.Rejected[:2])
		}
		if _, err := importer.Run(ctx, db, "contributi", strings.NewReader(file), nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountContributions(ctx); n != 3 {
			t.Fatalf("%d periods after importing twice; want 3", n)
		}
		f, err := db.FactsOf(ctx, "RSSMRA56L12H501D")
		if err != nil || len(f.Contributions) != 2 || f.Contributions[1].From != "2020-01-20" || f.Contributions[1].Kind != "figurative_unemployment" {
			t.Fatalf("facts = %+v, %v", f, err)
		}
	})
}

func TestRun_BadFiles(t *testing.T) {
	db := storetest.Targets(t)[0].New(t, store.Options{})
	ctx := context.Background()
	if _, err := importer.Run(ctx, db, "pensioni-su-marte", strings.NewReader(contribHeader), nil); err == nil || !strings.Contains(err.Error(), "contributi") {
		t.Errorf("unknown kind = %v; want the list of kinds", err)
	}
	if _, err := importer.Run(ctx, db, "contributi", strings.NewReader("codice_fiscale;gestione\nX;Y\n"), nil); err == nil || !strings.Contains(err.Error(), "tipo") {
		t.Errorf("missing columns = %v; want them named", err)
	}
	// Semicolons and a byte-order mark are accepted.
	rep, err := importer.Run(ctx, db, "persone", strings.NewReader("\ufeffcodice_fiscale;nome;cognome;data_nascita;luogo_nascita;sesso;indirizzo;cap;comune;provincia\n"+
		"RSSMRA56L12H501D;Mario;Rossi;12/07/1956;Roma;M;Via Appia Nuova 120;00183;Roma;rm\n"+
		"RSSMRA56L12H501D;Mario;Rossi;1956-07-12;Roma;X;Via Appia Nuova 120;00183;Roma;RM\n"), nil)
	if err != nil || rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 {
		t.Fatalf("persons = %+v, %v", rep, err)
	}
	if p, err := db.FindPerson(ctx, "RSSMRA56L12H501D"); err != nil || p.BirthDate != "1956-07-12" || p.Province != "RM" {
		t.Fatalf("person = %+v, %v", p, err)
	}
}

// syntheticContributions writes n rows for n/5 people.
func syntheticContributions(n int) string {
	var b strings.Builder
	b.WriteString(contribHeader)
	for i := range n {
		person := i / 5
		code, _ := codicefiscale.Compute(codicefiscale.Person{FamilyName: fmt.Sprintf("Rossi%c%c", 'A'+person%26, 'A'+person/26%26),
			GivenName: "Mario", BirthDate: time.Date(1950+person%50, time.Month(1+person/50%12), 1+person/600%28, 0, 0, 0, 0, time.UTC), Place: "H501"})
		year := 1990 + i%5*6
		fmt.Fprintf(&b, "%s,employee,compulsory,%d-01-01,%d-12-31,%d,0\n", code, year, year+4, 200+i%60)
	}
	return b.String()
}

// BenchmarkImportContributions imports a 100,000-row synthetic contribution
// file (docs/BENCHMARKS.md reports the rate).
func BenchmarkImportContributions(b *testing.B) {
	file := syntheticContributions(100_000)
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name(), func(b *testing.B) {
			var rows int
			for b.Loop() {
				b.StopTimer()
				db := tg.New(b, store.Options{})
				b.StartTimer()
				rep, err := importer.Run(context.Background(), db, "contributi", strings.NewReader(file), nil)
				if err != nil || len(rep.Rejected) > 0 {
					b.Fatalf("import: %v, %d rejected (first %+v)", err, len(rep.Rejected), rep.Rejected)
				}
				rows += rep.Imported
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// Pensions, employment and SSN cures import and read back as facts.
func TestRun_OtherRegistries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		for _, tc := range []struct {
			kind, file string
			imported   int
			badLine    int
		}{
			{"pensioni", "codice_fiscale,tipo,decorrenza,cessazione,revocata\nRSSMRA56L12H501D,invalidity_definitive,2020-01-01,,no\nRSSMRA56L12H501D,pension_on_mars,2020-01-01,,no\nRSSMRA56L12H501D,early,2021-01-01,,forse\n", 1, 3},
			{"rapporti", "codice_fiscale,tipo_datore,attivita,qualifica,dal,al\nRSSMRA56L12H501D,poste,Recapito,Operaio,2000-01-01,\nRSSMRA56L12H501D,private,Commercio,Impiegato,2010-01-01,2009-01-01\n", 1, 3},
			{"cure_ssn", "codice_fiscale,anno,struttura\nRSSMRA56L12H501D,2026,Terme di Chianciano\nRSSMRA56L12H501D,duemila,Terme\n", 1, 3},
			{"cicli", "codice_fiscale,anno,patologia\nRSSMRA56L12H501D,2019,reumoartropatica\nRSSMRA56L12H501D,2020,dermatologica\nRSSMRA56L12H501D,2021,Broncopneumopatica\n", 2, 3},
		} {
			rep, err := importer.Run(ctx, db, tc.kind, strings.NewReader(tc.file), nil)
			if err != nil || rep.Imported != tc.imported || len(rep.Rejected) == 0 || rep.Rejected[0].Line != tc.badLine {
				t.Errorf("%s: %+v, %v", tc.kind, rep, err)
			}
		}
		f, err := db.FactsOf(ctx, "RSSMRA56L12H501D")
		if err != nil || len(f.Pensions) != 1 || f.Pensions[0].Kind != "invalidity_definitive" || len(f.Employments) != 1 ||
			f.Employments[0].EmployerType != "poste" || len(f.SSNCures) != 1 || f.SSNCures[0].Year != 2026 ||
			len(f.PastCycles) != 2 || f.PastCycles[1].Pathology != "broncopneumopatica" {
			t.Fatalf("facts = %+v, %v", f, err)
		}
	})
}

// REQ CBT-4: places in a person extract are checked against the comuni
// table and the codice fiscale; what cannot be confirmed is imported with a
// warning naming the line and the fact, never silently and never lost.
func TestRun_PersonPlaces(t *testing.T) {
	places, _, err := comuni.ReadCSV(strings.NewReader("belfiore,istat,nome,provincia,regione,dal,al,stato\n" +
		"H501,058091,Roma,RM,Lazio,1871-01-15,,comune\nF205,015146,Milano,MI,Lombardia,1861-03-17,,comune\n" +
		"L219,001272,Torino,TO,Piemonte,1861-03-17,,comune\n" +
		"A012,,Abetone,PT,Toscana,1936-07-26,2017-01-01,comune\n"))
	if err != nil {
		t.Fatal(err)
	}
	abroad, _ := codicefiscale.Compute(codicefiscale.Person{FamilyName: "Neri", GivenName: "Ada", Female: true,
		BirthDate: time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), Place: "Z999"})
	file := "codice_fiscale,nome,cognome,data_nascita,luogo_nascita,sesso,indirizzo,cap,comune,provincia\n" +
		"RSSMRA56L12H501D,Mario,Rossi,1956-07-12,Roma,M,Via Appia 1,00183,Roma,RM\n" + // line 2: fine
		"VRDGNN60B45F205Y,Giovanna,Verdi,1960-02-06,Milano,F,Via Padova 1,20127,Milano,MI\n" + // 3: date differs from the code
		abroad + ",Ada,Neri,1970-01-02,Estero,F,Via Po 1,00198,Roma,RM\n" + // 4: birthplace unknown to the table
		"BNCLGU48D10L219Y,Luigi,Bianchi,1948-04-10,Torino,M,Corso Francia 8,10143,Milano,RM\n" + // 5: Milano is not in RM
		"MNCGCM50P30A012I,Giacomo,Mancini,1950-09-30,Abetone,M,Via Padova 88,20131,Abetone,PT\n" // 6: lives in a suppressed comune
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		db := tg.New(t, store.Options{})
		rep, err := importer.RunOptions(context.Background(), db, "persone", strings.NewReader(file), importer.Options{Places: places})
		if err != nil || rep.Imported != 5 || len(rep.Rejected) != 0 {
			t.Fatalf("report = %+v, %v; want all 5 imported", rep, err)
		}
		want := []struct {
			line int
			text string
		}{{3, "non corrisponde"}, {4, "Z999"}, {5, `"Milano" non risulta in provincia di RM`}, {6, `"Abetone" (PT) è stato soppresso dal 01/01/2017`}}
		if len(rep.Warnings) != len(want) {
			t.Fatalf("warnings = %+v", rep.Warnings)
		}
		for i, w := range want {
			if rep.Warnings[i].Line != w.line || !strings.Contains(rep.Warnings[i].Reason, w.text) {
				t.Errorf("warning %d = %+v; want line %d with %q", i, rep.Warnings[i], w.line, w.text)
			}
		}
	})
}

// syntheticPersons returns a person extract of n rows, residents of Roma
// born there, with valid codici fiscali.
func syntheticPersons(n int) string {
	var b strings.Builder
	b.WriteString("codice_fiscale,nome,cognome,data_nascita,luogo_nascita,sesso,indirizzo,cap,comune,provincia\n")
	given := []string{"Mario", "Anna", "Luca", "Sara", "Paolo", "Elena", "Marco", "Giulia"}
	family := []string{"Rossi", "Bianchi", "Verdi", "Neri", "Russo", "Greco", "Conti", "Costa", "Galli", "Fontana"}
	for i := range n {
		born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%25000)
		g, f := given[i%len(given)], family[(i/len(given))%len(family)]+strings.Repeat("a", i/(len(given)*len(family))%3)
		cf, err := codicefiscale.Compute(codicefiscale.Person{GivenName: g, FamilyName: f, BirthDate: born, Female: i%2 == 1, Place: "H501"})
		if err != nil {
			panic(err)
		}
		sex := "M"
		if i%2 == 1 {
			sex = "F"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,Roma,%s,Via Appia %d,00183,Roma,RM\n", cf, g, f, born.Format("2006-01-02"), sex, i)
	}
	return b.String()
}

// BenchmarkImportPersons measures a person extract with and without the
// checks against the comuni table (docs/BENCHMARKS.md).
func BenchmarkImportPersons(b *testing.B) {
	file := syntheticPersons(20_000)
	places, err := comuni.Load()
	if err != nil {
		b.Skip("comuni table not generated:", err)
	}
	for _, tg := range storetest.Targets(b) {
		for _, mode := range []struct {
			name   string
			places *comuni.Table
		}{{"unchecked", nil}, {"checked", places}} {
			b.Run(tg.Name()+"/"+mode.name, func(b *testing.B) {
				var rows int
				for b.Loop() {
					b.StopTimer()
					db := tg.New(b, store.Options{})
					b.StartTimer()
					rep, err := importer.RunOptions(context.Background(), db, "persone", strings.NewReader(file), importer.Options{Places: mode.places})
					if err != nil || len(rep.Rejected) > 0 || len(rep.Warnings) > 0 {
						b.Fatalf("import: %v, %d rejected, %d warnings (%+v %+v)", err, len(rep.Rejected), len(rep.Warnings), rep.Rejected, rep.Warnings)
					}
					rows += rep.Imported
				}
				b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// A row repeated in one file (same natural key) imports once, the last
// occurrence winning, on both engines: PostgreSQL refuses a multi-row
// upsert that touches a row twice, which once failed a whole batch.
func TestRun_RepeatedRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		c := contribHeader + "RSSMRA56L12H501D,employee,compulsory,2015-01-01,2019-12-31,260,0\n" +
			"RSSMRA56L12H501D,employee,compulsory,2015-01-01,2019-12-31,250,0\n"
		if rep, err := importer.Run(ctx, db, "contributi", strings.NewReader(c), nil); err != nil || rep.Imported != 2 {
			t.Fatalf("contributions: %+v, %v", rep, err)
		}
		p := "codice_fiscale,nome,cognome,data_nascita,luogo_nascita,sesso,indirizzo,cap,comune,provincia\n" +
			"RSSMRA56L12H501D,Mario,Rossi,1956-07-12,Roma,M,Via Vecchia 1,00183,Roma,RM\n" +
			"RSSMRA56L12H501D,Mario,Rossi,1956-07-12,Roma,M,Via Nuova 2,00183,Roma,RM\n"
		if rep, err := importer.Run(ctx, db, "persone", strings.NewReader(p), nil); err != nil || rep.Imported != 2 {
			t.Fatalf("persons: %+v, %v", rep, err)
		}
		f, err := db.FactsOf(ctx, "RSSMRA56L12H501D")
		if err != nil || len(f.Contributions) != 1 || f.Contributions[0].Weeks != 250 {
			t.Errorf("contributions = %+v, %v; want one period of 250 weeks", f.Contributions, err)
		}
		if person, err := db.FindPerson(ctx, "RSSMRA56L12H501D"); err != nil || person.Address != "Via Nuova 2" {
			t.Errorf("person = %+v, %v; want the last address", person, err)
		}
	})
}
