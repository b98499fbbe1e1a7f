package inv_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/inv"
)

func cf(first15 string) string { return first15 + string(codicefiscale.CheckChar(first15)) }

// fieldsOf returns the field errors of an Invalid error, failing the test
// for anything else.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("want field errors, got %v", err)
	}
	return ae.Fields
}

var (
	applicantCF = cf("RSSMRA72C14H501")
	guardianCF  = cf("RSSNNA45A41H501")
	today       = time.Date(2026, 3, 2, 10, 0, 0, 0, clock.Rome)
)

// adult are the facts of a 53-year-old in Roma.
func adult() inv.Facts {
	return inv.Facts{Applicant: applicantCF, Age: 53, Today: today, Offices: []string{"RM01", "RM02"}, ASLs: []string{"ASL-RM5"}}
}

// whole is a complete first-recognition draft, typed carelessly: spaces,
// lower case, a repeated and unordered assessment.
func whole() inv.Draft {
	return inv.Draft{Email: " Mario.Rossi@Esempio.it ", Request: inv.First, Assessments: []string{"handicap", " invalidita", "handicap"},
		Certificate: "2026 0000042", Office: "rm01", ASL: " asl-rm5", Declared: true}
}

// REQ INV-2 INV-3: a complete draft passes every part and comes out tidy;
// several assessments in one application are kept in the form's order.
func TestDraft_CompleteAndNormalized(t *testing.T) {
	d := whole()
	where, err := d.CheckAll(adult())
	if err != nil {
		t.Fatalf("complete draft refused: %v (%v)", err, where)
	}
	if d.Email != "mario.rossi@esempio.it" || d.Certificate != "20260000042" || d.Office != "RM01" || d.ASL != "ASL-RM5" {
		t.Errorf("not normalised: %+v", d)
	}
	if strings.Join(d.Assessments, ",") != "invalidita,handicap" {
		t.Errorf("assessments = %v, want invalidita,handicap", d.Assessments)
	}
	// REQ INV-2: every assessment of the list, all in one application.
	d.Assessments = []string{"sordita", "handicap", "cecita", "invalidita", "disabilita"}
	if _, err := d.CheckAll(adult()); err != nil {
		t.Fatalf("five assessments refused: %v", err)
	}
	if strings.Join(d.Assessments, ",") != "invalidita,cecita,sordita,handicap,disabilita" {
		t.Errorf("assessments = %v", d.Assessments)
	}
	// Only a phone is enough as a contact.
	d.Email, d.Phone = "", "+39 333 1234567"
	if _, err := d.CheckAll(adult()); err != nil {
		t.Errorf("a phone only: %v", err)
	}
	// A guardian for an adult under guardianship is accepted too.
	d.HasGuardian, d.Guardian = true, &inv.Guardian{FiscalCode: strings.ToLower(guardianCF), GivenName: "Anna", FamilyName: "Rossi", Relation: "amministratore"}
	if _, err := d.CheckAll(adult()); err != nil || d.Guardian.FiscalCode != guardianCF {
		t.Errorf("guardian of an adult: %v, %+v", err, d.Guardian)
	}
}

// REQ INV-2 INV-3 INV-5 INV-7: each part names every wrong field in
// Italian, and only its own fields.
func TestDraft_CheckPartByPart(t *testing.T) {
	minor := func(f *inv.Facts) { f.Age = 10 }
	guardian := func(d *inv.Draft) {
		d.HasGuardian, d.Guardian = true, &inv.Guardian{FiscalCode: guardianCF, GivenName: "Anna", FamilyName: "Rossi", Relation: "genitore"}
	}
	revision := func(d *inv.Draft) {
		d.Request, d.Certificate, d.Report = inv.Revision, "", &inv.Report{Date: "2023-05-10", Number: "RM5/2023/118", Body: "Commissione ASL Roma 5"}
	}
	disability := func(d *inv.Draft) {
		revision(d)
		d.Request, d.Assessments, d.Report.Percent = inv.Disability, []string{"disabilita"}, 67
	}
	for _, tc := range []struct {
		name  string
		part  string
		draft func(*inv.Draft)
		facts func(*inv.Facts)
		want  map[string]string // field → a piece of its message; nil: no fault
	}{
		// Part 1: the guardian (INV-2).
		{name: "adult without guardian", part: "anagrafica"},
		{name: "minor without guardian", part: "anagrafica", facts: minor,
			want: map[string]string{"con_tutore": "Per un minore vanno indicati i dati del genitore o del tutore"}},
		{name: "minor with guardian", part: "anagrafica", facts: minor, draft: guardian},
		{name: "guardian left empty", part: "anagrafica", facts: minor, draft: func(d *inv.Draft) { d.HasGuardian = true },
			want: map[string]string{"tutore_cf": "Il codice fiscale del tutore non è valido", "tutore_nome": "nome del tutore",
				"tutore_cognome": "cognome del tutore", "tutore_qualita": "genitore, tutore, curatore o amministratore"}},
		{name: "guardian's code mistyped", part: "anagrafica", facts: minor, draft: func(d *inv.Draft) {
			guardian(d)
			d.Guardian.FiscalCode = guardianCF[:15] + "Z"
		}, want: map[string]string{"tutore_cf": "Il codice fiscale del tutore non è valido: il carattere di controllo"}},
		{name: "guardian is the applicant", part: "anagrafica", facts: minor, draft: func(d *inv.Draft) {
			guardian(d)
			d.Guardian.FiscalCode = " " + strings.ToLower(applicantCF)
		}, want: map[string]string{"tutore_cf": "persona diversa dal richiedente"}},
		{name: "guardian is the applicant under an omocodia variant", part: "anagrafica", facts: minor, draft: func(d *inv.Draft) {
			guardian(d)
			// The last digit of the birthplace code (1) written as its
			// omocodia letter (M): the same person's other code.
			v := applicantCF[:14] + "M"
			d.Guardian.FiscalCode = v + string(codicefiscale.CheckChar(v))
		}, want: map[string]string{"tutore_cf": "persona diversa dal richiedente"}},
		{name: "guardian's relation unknown", part: "anagrafica", facts: minor, draft: func(d *inv.Draft) {
			guardian(d)
			d.Guardian.Relation = "zio"
		}, want: map[string]string{"tutore_qualita": "amministratore di sostegno"}},
		{name: "names too long", part: "anagrafica", draft: func(d *inv.Draft) {
			guardian(d)
			d.Guardian.GivenName, d.Guardian.FamilyName = strings.Repeat("a", 81), strings.Repeat("b", 81)
		}, want: map[string]string{"tutore_nome": "nome", "tutore_cognome": "cognome"}},
		// Part 2: domicile and contacts (INV-2).
		{name: "no contact at all", part: "recapiti", draft: func(d *inv.Draft) { d.Email = "" },
			want: map[string]string{"email": "almeno un recapito, posta elettronica o telefono"}},
		{name: "e-mail incomplete", part: "recapiti", draft: func(d *inv.Draft) { d.Email = "mario@" },
			want: map[string]string{"email": "per intero"}},
		{name: "e-mail with a display name", part: "recapiti", draft: func(d *inv.Draft) { d.Email = "Mario <mario@esempio.it>" },
			want: map[string]string{"email": "per intero"}},
		{name: "phone with letters", part: "recapiti", draft: func(d *inv.Draft) { d.Phone = "06 ABC" },
			want: map[string]string{"telefono": "solo cifre"}},
		{name: "domicile all wrong", part: "recapiti", draft: func(d *inv.Draft) {
			d.Domicile = &inv.Address{Street: strings.Repeat("x", 121), Postcode: "0018", Province: "Roma"}
		}, want: map[string]string{"indirizzo": "via e numero civico", "cap": "5 cifre", "comune": "comune del domicilio", "provincia": "sigla"}},
		{name: "domicile right", part: "recapiti", draft: func(d *inv.Draft) {
			d.Domicile = &inv.Address{Street: "Via dei Mille 5", Postcode: "00185", Comune: "Roma", Province: "rm"}
		}},
		// Part 3: the request and the assessments (INV-2, INV-5, INV-7).
		{name: "no request", part: "richiesta", draft: func(d *inv.Draft) { d.Request = "" },
			want: map[string]string{"richiesta": "tipo di domanda"}},
		{name: "no assessment", part: "richiesta", draft: func(d *inv.Draft) { d.Assessments = nil },
			want: map[string]string{"accertamenti": "almeno un accertamento"}},
		{name: "unknown assessment", part: "richiesta", draft: func(d *inv.Draft) { d.Assessments = []string{"invalidita", "pensione"} },
			want: map[string]string{"accertamenti": "dall'elenco"}},
		{name: "disability with another assessment", part: "richiesta", draft: func(d *inv.Draft) {
			disability(d)
			d.Assessments = []string{"invalidita", "disabilita"}
		}, want: map[string]string{"accertamenti": "solo l'accertamento della disabilità"}},
		{name: "disability at 14", part: "richiesta", draft: disability, facts: func(f *inv.Facts) { f.Age = 14 },
			want: map[string]string{"accertamenti": "dai 15 ai 66 anni"}},
		{name: "disability at 15", part: "richiesta", draft: disability, facts: func(f *inv.Facts) { f.Age = 15 }},
		{name: "disability at 66", part: "richiesta", draft: disability, facts: func(f *inv.Facts) { f.Age = 66 }},
		{name: "disability at 67", part: "richiesta", draft: disability, facts: func(f *inv.Facts) { f.Age = 67 },
			want: map[string]string{"accertamenti": "dai 15 ai 66 anni"}},
		{name: "disability asked in a first recognition at 70", part: "richiesta", facts: func(f *inv.Facts) { f.Age = 70 },
			draft: func(d *inv.Draft) { d.Assessments = []string{"invalidita", "disabilita"} },
			want:  map[string]string{"accertamenti": "dai 15 ai 66 anni"}},
		// Part 4: the certificate or the previous report (INV-4, INV-5).
		{name: "certificate number short", part: "documentazione", draft: func(d *inv.Draft) { d.Certificate = "2026000004" },
			want: map[string]string{"certificato": "11 cifre"}},
		{name: "certificate number missing", part: "documentazione", draft: func(d *inv.Draft) { d.Certificate = "" },
			want: map[string]string{"certificato": "ricevuta che il medico ha consegnato"}},
		{name: "worsening needs the certificate too", part: "documentazione", draft: func(d *inv.Draft) {
			d.Request, d.Certificate = inv.Worsening, ""
		}, want: map[string]string{"certificato": "11 cifre"}},
		{name: "document before the request", part: "documentazione", draft: func(d *inv.Draft) { d.Request = "" },
			want: map[string]string{"richiesta": "prima il tipo di domanda"}},
		{name: "revision without report", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report = nil },
			want: map[string]string{"verbale_data": "gg/mm/aaaa", "verbale_numero": "numero o l'identificativo", "verbale_organo": "commissione"}},
		{name: "revision with a report", part: "documentazione", draft: revision},
		{name: "revision: report dated tomorrow", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Date = "2026-03-03" },
			want: map[string]string{"verbale_data": "nel futuro"}},
		{name: "revision: report dated today", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Date = "2026-03-02" }},
		{name: "revision: report of 1970", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Date = "1970-12-31" },
			want: map[string]string{"verbale_data": "1971"}},
		{name: "revision: report date in another format", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Date = "10/05/2023" },
			want: map[string]string{"verbale_data": "gg/mm/aaaa"}},
		{name: "revision: report number with odd characters", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Number = "RM5;DROP" },
			want: map[string]string{"verbale_numero": "numero o l'identificativo"}},
		{name: "revision needs no percentage", part: "documentazione", draft: func(d *inv.Draft) { revision(d); d.Report.Percent = 0 }},
		{name: "disability: 45%", part: "documentazione", draft: func(d *inv.Draft) { disability(d); d.Report.Percent = 45 },
			want: map[string]string{"verbale_percento": "almeno il 46%: il verbale indica il 45%"}},
		{name: "disability: 46%", part: "documentazione", draft: func(d *inv.Draft) { disability(d); d.Report.Percent = 46 }},
		{name: "disability: no percentage", part: "documentazione", draft: func(d *inv.Draft) { disability(d); d.Report.Percent = 0 },
			want: map[string]string{"verbale_percento": "da 1 a 100"}},
		{name: "disability: 101%", part: "documentazione", draft: func(d *inv.Draft) { disability(d); d.Report.Percent = 101 },
			want: map[string]string{"verbale_percento": "da 1 a 100"}},
		// Part 5: the office and the ASL among those proposed.
		{name: "office and ASL not proposed", part: "uffici", draft: func(d *inv.Draft) { d.Office, d.ASL = "MI01", "ATS-MI" },
			want: map[string]string{"ufficio": "tra quelli proposti", "asl": "tra quelle proposte"}},
		{name: "office and ASL missing", part: "uffici", draft: func(d *inv.Draft) { d.Office, d.ASL = "", "" },
			want: map[string]string{"ufficio": "ufficio competente", "asl": "azienda sanitaria"}},
		// Part 6: the declaration (INV-7).
		{name: "not declared", part: "riepilogo", draft: func(d *inv.Draft) { d.Declared = false },
			want: map[string]string{"dichiarazione": "confermare la dichiarazione"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, f := whole(), adult()
			if tc.draft != nil {
				tc.draft(&d)
			}
			if tc.facts != nil {
				tc.facts(&f)
			}
			err := d.Check(tc.part, f)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			got := fieldsOf(t, err)
			if len(got) != len(tc.want) {
				t.Errorf("fields = %v, want exactly %v", got, tc.want)
			}
			for k, v := range tc.want {
				if !strings.Contains(got[k], v) {
					t.Errorf("%s = %q, want it to say %q", k, got[k], v)
				}
			}
		})
	}
}

// REQ INV-5: the report's date is compared with today's date in Rome: just
// after midnight in Rome (still yesterday in UTC) today's report is not "in
// the future", and tomorrow's still is.
func TestDraft_ReportDateInRome(t *testing.T) {
	d := whole()
	d.Request, d.Report = inv.Revision, &inv.Report{Number: "RM5/118", Body: "Commissione ASL Roma 5"}
	f := adult()
	f.Today = time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC) // 3 March, 00:30 in Rome
	d.Report.Date = "2026-03-03"
	if err := d.Check("documentazione", f); err != nil {
		t.Errorf("a report of today, in Rome: %v", err)
	}
	d.Report.Date = "2026-03-04"
	if got := fieldsOf(t, d.Check("documentazione", f)); !strings.Contains(got["verbale_data"], "futuro") {
		t.Errorf("a report of tomorrow: %v", got)
	}
}

// REQ INV-3: CheckAll returns every fault of every part at once, each with
// the part it belongs to, so the summary can send the applicant to it.
func TestDraft_CheckAllNamesTheParts(t *testing.T) {
	f := adult()
	f.Age = 12
	var d inv.Draft
	where, err := d.CheckAll(f)
	fields := fieldsOf(t, err)
	want := map[string]string{"con_tutore": "anagrafica", "email": "recapiti", "richiesta": "richiesta", "ufficio": "uffici", "asl": "uffici",
		"dichiarazione": "riepilogo"}
	if len(where) != len(want) || len(fields) != len(want) {
		t.Errorf("faults = %v in %v, want the fields of %v", fields, where, want)
	}
	for k, p := range want {
		if where[k] != p || fields[k] == "" {
			t.Errorf("%s: part %q message %q, want part %q", k, where[k], fields[k], p)
		}
	}
	// The request's field is reported once, by its own part.
	if !strings.Contains(fields["richiesta"], "Scegliere il tipo di domanda") {
		t.Errorf("richiesta = %q", fields["richiesta"])
	}
	// With the request chosen, the document's faults appear with theirs.
	d.Request = inv.First
	where, err = d.CheckAll(f)
	if fields := fieldsOf(t, err); where["certificato"] != "documentazione" || where["accertamenti"] != "richiesta" || fields["richiesta"] != "" {
		t.Errorf("faults = %v in %v", fields, where)
	}
	// An unknown part is not a form step.
	if err := d.Check("pagamento", f); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown part: %v", err)
	}
}

// REQ INV-2 INV-5: what does not belong to the draft's request or choices
// is dropped: the guardian without the box ticked, the report of a
// request that needs a certificate and the other way round, empty blocks.
func TestDraft_Normalize(t *testing.T) {
	d := whole()
	d.Guardian = &inv.Guardian{FiscalCode: guardianCF, GivenName: "Anna"}
	d.Report = &inv.Report{Date: "2023-01-01", Number: "1", Body: "ASL"}
	d.Domicile = &inv.Address{Street: "  "}
	d.Normalize()
	if d.Guardian != nil || d.Report != nil || d.Domicile != nil || d.Certificate != "20260000042" {
		t.Errorf("first recognition: %+v", d)
	}
	d.HasGuardian, d.Guardian = true, &inv.Guardian{FiscalCode: " ", GivenName: " "}
	d.Request, d.Report = inv.Revision, &inv.Report{Date: " 2023-01-01 ", Number: " 1 ", Body: " ASL "}
	d.Normalize()
	if d.Guardian != nil || d.Certificate != "" || d.Report == nil || *d.Report != (inv.Report{Date: "2023-01-01", Number: "1", Body: "ASL"}) {
		t.Errorf("revision: %+v, report %+v", d, d.Report)
	}
	d.Report = &inv.Report{Date: " "}
	d.Normalize()
	if d.Report != nil {
		t.Errorf("an empty report kept: %+v", d.Report)
	}
	if !inv.NeedsCertificate(inv.First) || !inv.NeedsCertificate(inv.Worsening) || inv.NeedsCertificate(inv.Revision) || inv.NeedsCertificate(inv.Disability) {
		t.Error("NeedsCertificate: first recognition and worsening only (INV-5)")
	}
}

// REQ INV-7: the age in whole years decides the guardian and the age band
// of the disability assessment.
func TestAgeAt(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, clock.Rome)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		birth, on string
		want      int
	}{
		{"1972-03-14", "2026-03-02 10:00", 53},
		{"1972-03-14", "2026-03-13 23:59", 53},
		{"1972-03-14", "2026-03-14 00:00", 54},
		{"2008-03-02", "2026-03-02 00:00", 18}, // the 18th birthday: no longer a minor
		{"2008-03-03", "2026-03-02 23:59", 17},
		{"1959-03-02", "2026-03-02 10:00", 67},
		{"2000-02-29", "2026-02-27 12:00", 25},
		{"2000-02-29", "2026-02-28 12:00", 26}, // not a leap year: the birthday is 28 February
		{"2000-02-29", "2028-02-28 12:00", 27}, // a leap year: it is 29 February
		{"2000-02-29", "2028-02-29 12:00", 28},
		{"2026-03-02", "2026-03-02 10:00", 0},
		{"", "2026-03-02 10:00", 0},
		{"14/03/1972", "2026-03-02 10:00", 0},
	} {
		if got := inv.AgeAt(tc.birth, day(tc.on)); got != tc.want {
			t.Errorf("AgeAt(%q, %s) = %d, want %d", tc.birth, tc.on, got, tc.want)
		}
	}
}

// REQ INV-7: a person whose birth date the registry lacks (age -1) is not
// taken for a minor, and the age band of the disability is not applied.
func TestDraft_UnknownAge(t *testing.T) {
	f := inv.Facts{Applicant: "RSSMRA56L12H501D", Age: -1}
	if f.Minor() {
		t.Fatal("an unknown age is a minor's")
	}
	d := inv.Draft{Request: inv.Disability, Assessments: []string{"disabilita"}}
	if err := d.Check("richiesta", f); err != nil {
		t.Errorf("disability with an unknown age: %v", err)
	}
	d = inv.Draft{}
	if err := d.Check("anagrafica", f); err != nil {
		t.Errorf("no guardian with an unknown age: %v", err)
	}
}
