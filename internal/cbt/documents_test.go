package cbt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

const publicURL = "https://sportello.example.it"

var (
	luigi        = cf("VRDLGU80A01F205")
	otherCitizen = identity.Actor{UserID: 5, FiscalCode: luigi, Name: "Luigi Verdi", Role: identity.RoleCitizen, Channel: history.ChannelWeb}
	contactOp    = identity.Actor{UserID: 6, FiscalCode: cf("CNTPLA75B12H501"), Name: "Paola Conti", Role: identity.RoleContactCentre,
		ActingFor: mario, Channel: history.ChannelContactCentre}
	staffRM01 = identity.Actor{UserID: 7, FiscalCode: cf("GRNGLI80A41H501"), Name: "Giulia Grandi", Role: identity.RoleOffice, Scope: "RM01",
		Channel: history.ChannelOffice}
	staffRM02 = identity.Actor{UserID: 8, FiscalCode: cf("NREPLA70C10H501"), Name: "Paolo Neri", Role: identity.RoleOffice, Scope: "RM02",
		Channel: history.ChannelOffice}
	staffMI01 = identity.Actor{UserID: 9, FiscalCode: cf("BRNLCA66D20F205"), Name: "Luca Bruno", Role: identity.RoleOffice, Scope: "MI01",
		Channel: history.ChannelOffice}
	medRM01 = identity.Actor{UserID: 10, FiscalCode: cf("MRTSRA70E55H501"), Name: "Sara Moretti", Role: identity.RoleMedicalCentre, Scope: "RM01",
		Channel: history.ChannelOffice}
)

// docEnv is env with a service that prints documents: a signing key, the
// public address and, for paper applications, the end of the transition
// period.
type docEnv struct {
	env
	signer *doctoken.Signer
}

func newDocEnv(t *testing.T, tg storetest.Target, paperUntil time.Time) docEnv {
	t.Helper()
	e := newEnv(t, tg)
	key, err := doctoken.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := doctoken.NewSigner(key)
	// The trailing slash must not double in the printed address.
	e.svc = cbt.NewService(e.db, e.clk, cbt.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public()),
		BaseURL: publicURL + "/", Agency: "Istituto previdenziale", PaperUntil: paperUntil})
	return docEnv{env: e, signer: signer}
}

// addLuigi registers Luigi Verdi, who lives in Roma like Mario, and
// returns the number of a spa certificate sent for him.
func addLuigi(t *testing.T, e env) string {
	t.Helper()
	ctx := context.Background()
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.UpsertPerson(ctx, identity.Person{FiscalCode: luigi, GivenName: "Luigi", FamilyName: "Verdi", BirthDate: "1980-01-01",
			BirthPlace: "Milano", Sex: "M", Address: "Via Casilina 100", Postcode: "00176", Municipality: "Roma", Province: "RM"})
	})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := e.certs.Send(ctx, doc, certificate.Draft{Kind: certificate.KindSpa, Patient: luigi, Spa: &certificate.Spa{
		Pathology: refdata.Rheumatic, Cure: "fango-bagno", NoContraindications: true,
		Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return sent.Number
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// upsert adds registry records.
func (e docEnv) upsert(t *testing.T, fn func(context.Context, *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.InTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// withHistory gives Mario two cycles granted in past years and a spa cure
// paid by the health service this year, which fails RULE-4.
func (e docEnv) withHistory(t *testing.T) {
	e.upsert(t, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.UpsertPastCycles(ctx, []registry.PastCycle{{FiscalCode: mario, Year: 2019, Pathology: "reumoartropatica"},
			{FiscalCode: mario, Year: 2021, Pathology: "reumoartropatica"}}); err != nil {
			return err
		}
		return tx.UpsertSSNCures(ctx, []registry.SSNCure{{FiscalCode: mario, Year: 2026, Facility: "Terme di Tivoli"}})
	})
}

// fullDraft fills every screen: a domicile, three contacts and a
// correction of the previous grants.
func fullDraft(certNumber string) cbt.Draft {
	d := draft(certNumber)
	d.Domicile = &cbt.Address{Street: "Via dei Mille 5", Postcode: "00185", Comune: "Roma", Province: "RM"}
	d.Phone, d.Mobile = "06 1234567", "333 1234567"
	d.Corrected, d.FirstGrantYear, d.PreviousGrants, d.CorrectionNotes = true, 2018, 3, "Un ciclo del 2018 non risulta"
	return d
}

// document renders one of the application's documents for a.
func (e docEnv) document(t *testing.T, a identity.Actor, number, doc string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := e.svc.Document(context.Background(), a, number, doc, &buf); err != nil {
		t.Fatalf("%s of %s for %s: %v", doc, number, a.ID(), err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("%s of %s is not a PDF", doc, number)
	}
	return buf.Bytes()
}

// tool returns the path of a poppler or zbar tool, skipping the test when
// it is missing, or failing under CI=true, as the pdf package does.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found and CI=true makes it mandatory", name)
		}
		t.Skipf("%s not found: install poppler-utils and zbar-tools to run this test", name)
	}
	return p
}

func writePDF(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText returns the text in the order it was drawn (a label before its
// value even when both wrap), whitespace collapsed.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	out, err := exec.Command(tool(t, "pdftotext"), "-raw", "-enc", "UTF-8", writePDF(t, b), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// assertFooters checks that each page of b carries "NAME – Pagina X di N"
// with N the document's page count, X counting from 1.
func assertFooters(t *testing.T, b []byte, text, name string) {
	t.Helper()
	out, err := exec.Command(tool(t, "pdfinfo"), writePDF(t, b)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	pages := 0
	for line := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(line, ":"); ok && k == "Pages" {
			pages = atoi(t, strings.TrimSpace(v))
		}
	}
	re := regexp.MustCompile(regexp.QuoteMeta(name) + ` – Pagina (\d+) di (\d+)`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		got = append(got, m[1]+"/"+m[2])
	}
	var want []string
	for p := 1; p <= pages; p++ {
		want = append(want, fmt.Sprintf("%d/%d", p, pages))
	}
	if pages == 0 || !slices.Equal(got, want) {
		t.Errorf("footers %q of %q, want %q", got, name, want)
	}
}

// qrCodes returns what zbarimg reads on every page of the document.
func qrCodes(t *testing.T, b []byte) []string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(tool(t, "pdftoppm"), "-r", "150", "-png", writePDF(t, b), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	// zbarimg exits with 4 when a page has no code: only the last one has.
	out, err := exec.Command(tool(t, "zbarimg"), append([]string{"--quiet", "--raw"}, pages...)...).Output()
	if codes := strings.Fields(string(out)); len(codes) > 0 {
		return codes
	}
	t.Fatalf("zbarimg found no code on %d pages: %v", len(pages), err)
	return nil
}

// printedToken reads the document's only QR code, checks that it is the
// verification address, and returns the token in it.
func printedToken(t *testing.T, b []byte) string {
	t.Helper()
	codes := qrCodes(t, b)
	if len(codes) != 1 {
		t.Fatalf("%d QR codes, want 1: %q", len(codes), codes)
	}
	u, err := url.Parse(codes[0])
	if err != nil || u.Scheme+"://"+u.Host+u.Path != publicURL+"/verifica" || u.Query().Get("t") == "" || len(u.Query()) != 1 {
		t.Fatalf("QR code %q is not %s/verifica?t=TOKEN", codes[0], publicURL)
	}
	return u.Query().Get("t")
}

func assertHas(t *testing.T, what, text string, has, hasNot []string) {
	t.Helper()
	for _, want := range has {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
	for _, bad := range hasNot {
		if strings.Contains(text, bad) {
			t.Errorf("%s has %q", what, bad)
		}
	}
	if t.Failed() {
		t.Logf("--- %s:\n%s", what, text)
	}
}

// shortfallLines are the rows the documents print for the verdict's
// failed and unverifiable requirements, and how many fail.
func shortfallLines(v rules.Verdict) (lines []string, failed int) {
	for _, o := range v.Outcomes {
		switch o.Result {
		case rules.Fail:
			failed++
			lines = append(lines, o.Title+" – non soddisfatto "+strings.Join(strings.Fields(o.Reason), " "))
		case rules.Unknown, rules.Approval:
			lines = append(lines, o.Title+" – da verificare "+strings.Join(strings.Fields(o.Reason), " "))
		}
	}
	return lines, failed
}

func romeDateTime(t time.Time) string {
	r := t.In(clock.Rome)
	return r.Format("02/01/2006") + " alle ore " + r.Format("15:04")
}

// REQ CBT-12, REQ CBT-10, REQ CH-1, REQ ID-5, REQ DOC-1: the receipt of an
// application sent by a patronato shows the protocol number grouped and
// plain, date and time in Rome, the office, the applicant, the channel
// with the intermediary's code, the operator, the requirements' outcome
// with each shortfall's reason, the correction flagged, and what happens
// next: the summons to a medical visit at the contacts given. Its QR code
// is the verification address of a token Verify accepts.
func TestDocuments_Receipt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, time.Time{})
		e.withHistory(t)
		spa := e.certificate(t, certificate.KindSpa)
		sub, err := e.svc.Confirm(ctx, patronat, fullDraft(spa))
		if err != nil {
			t.Fatal(err)
		}
		shortfalls, failed := shortfallLines(sub.Verdict)
		if failed == 0 || !sub.Flagged {
			t.Fatalf("the fixture should fail a requirement (a cure paid by the health service this year): %s", sub.Verdict.Summary())
		}
		b := e.document(t, patronat, sub.Number, cbt.DocReceipt)
		text := pdfText(t, b)
		has := append([]string{
			"Istituto previdenziale", "Ricevuta di presentazione della domanda", cbt.Title,
			"Numero di protocollo", sub.Number[:4] + " " + sub.Number[4:], "Da scrivere senza spazi: " + sub.Number,
			"Presentata il " + romeDateTime(sub.SubmittedAt), "Presentata il 02/03/2026 alle ore 10:00",
			"Ufficio competente Direzione provinciale di Roma (RM01)",
			"Richiedente Mario Rossi", "Codice fiscale " + mario,
			"Canale di presentazione " + cbt.ChannelLabel(history.ChannelIntermediary, "PAT-RM-001"),
			"Patronato o intermediario, codice PAT-RM-001",
			"Presentata da " + patronat.FiscalCode + ", operatore di patronato o intermediario (PAT-RM-001)",
			"Codice dell'intermediario PAT-RM-001",
			"Anno delle cure 2026",
			"Cura richiesta " + certificate.PathologyName(refdata.Rheumatic) + " – Fangoterapia con bagno terapeutico",
			"Certificato medico n. " + spa,
			"Esito della verifica dei requisiti", cbt.OverallLabel(sub.Verdict.Overall),
			"Sono stati corretti i dati delle cure concesse negli anni precedenti",
			"Che cosa succede ora", "convocazione per la visita medica",
			"(06 1234567, 333 1234567, mario@esempio.it)",
		}, shortfalls...)
		assertHas(t, "receipt", text, has, []string{"ANNULLAT", "annullata il", "Dati anagrafici"})
		assertFooters(t, b, text, "Ricevuta della domanda n. "+sub.Number)

		token := printedToken(t, b)
		v, err := e.svc.Verify(ctx, token)
		if err != nil || v.Number != sub.Number || !v.Issued.Equal(sub.SubmittedAt) || v.Annulled ||
			v.Document != "Ricevuta di presentazione – "+cbt.Title {
			t.Errorf("verify the printed receipt = %+v, %v", v, err)
		}
	})
}

// REQ CBT-12, REQ CBT-2 CBT-3 CBT-4 CBT-5 CBT-6 CBT-7 CBT-8 CBT-9, REQ DOC-1:
// the pre-filled form has every screen's data as confirmed: registry
// data, domicile, contacts and office, previous grants from the registry
// with the correction, year, pathology and cure, certificate number and
// ASL, activity and qualification, and the outcome.
func TestDocuments_Form(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, time.Time{})
		e.withHistory(t)
		e.upsert(t, func(ctx context.Context, tx *store.Tx) error {
			return tx.UpsertEmployments(ctx, []registry.Employment{{FiscalCode: mario, EmployerType: "private",
				Activity: "commercio al dettaglio", Qualification: "impiegato di concetto", From: "1996-01-01"}}) // replaces the fixture's
		})
		spa := e.certificate(t, certificate.KindSpa)
		sub, err := e.svc.Confirm(ctx, patronat, fullDraft(spa))
		if err != nil {
			t.Fatal(err)
		}
		shortfalls, _ := shortfallLines(sub.Verdict)
		b := e.document(t, citizen, sub.Number, cbt.DocForm)
		text := pdfText(t, b)
		has := append([]string{
			cbt.Title, "Domanda n. " + sub.Number + " presentata il " + romeDateTime(sub.SubmittedAt),
			// Screen 1: registry data.
			"1. Dati anagrafici", "Cognome e nome Rossi Mario", "Codice fiscale " + mario,
			"Data e luogo di nascita 14/03/1972, Roma", "Sesso M", "Residenza Via Prenestina 210, 00176 Roma (RM)",
			// Screen 2.
			"2. Domicilio", "Domicilio Via dei Mille 5, 00185 Roma (RM)",
			// Screen 3.
			"3. Recapiti e ufficio competente", "Telefono 06 1234567", "Cellulare 333 1234567", "Posta elettronica mario@esempio.it",
			"Ufficio competente Direzione provinciale di Roma (RM01)",
			// Screen 4: the registry's figures and the correction.
			"4. Richieste precedenti",
			"Anno della prima concessione (archivi) 2019", "Cure concesse negli anni precedenti (archivi) 2",
			"Anno della prima concessione (corretto dal richiedente) 2018",
			"Cure concesse negli anni precedenti (corretto dal richiedente) 3",
			"Motivo della correzione Un ciclo del 2018 non risulta",
			// Screens 5 and 6.
			"5. Dati della domanda", "Anno di riferimento 2026",
			"Gruppo di patologie " + certificate.PathologyName(refdata.Rheumatic), "Cura Fangoterapia con bagno terapeutico",
			"6. Dati sanitari", "Numero del certificato medico " + spa, "Azienda sanitaria di riferimento ASL Roma 5 (ASL-RM5)",
			// Screen 7: the current employment.
			"7. Situazione lavorativa", "Attività commercio al dettaglio", "Qualifica impiegato di concetto",
			// Screen 8: the outcome.
			"8. Esito della verifica dei requisiti", cbt.OverallLabel(sub.Verdict.Overall),
			"Presentata da " + patronat.FiscalCode,
		}, shortfalls...)
		assertHas(t, "form", text, has, []string{"ANNULLAT", "Ricevuta di presentazione"})
		assertFooters(t, b, text, "Domanda n. "+sub.Number)

		v, err := e.svc.Verify(ctx, printedToken(t, b))
		if err != nil || v.Number != sub.Number || v.Document != cbt.Title+" (modello precompilato)" || v.Annulled {
			t.Errorf("verify the printed form = %+v, %v", v, err)
		}
	})
}

// REQ CH-1, REQ CBT-4, REQ CBT-5: the citizen's own application on the web,
// with the residence as domicile and no correction, prints no operator,
// no intermediary and no correction; its documents are stable.
func TestDocuments_WebApplication(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, time.Time{})
		sub, err := e.svc.Confirm(ctx, citizen, draft(e.certificate(t, certificate.KindSpa)))
		if err != nil {
			t.Fatal(err)
		}
		receipt := e.document(t, citizen, sub.Number, cbt.DocReceipt)
		assertHas(t, "receipt", pdfText(t, receipt),
			[]string{"Canale di presentazione Servizi online (il richiedente con il proprio PIN)", cbt.OverallLabel(rules.Entitled),
				"(mario@esempio.it)"},
			[]string{"Presentata da", "Codice dell'intermediario", "non soddisfatto", "da verificare", "Sono stati corretti"})
		form := e.document(t, citizen, sub.Number, cbt.DocForm)
		assertHas(t, "form", pdfText(t, form),
			[]string{"Domicilio Uguale alla residenza", "Anno della prima concessione (archivi) Nessuna",
				"Cure concesse negli anni precedenti (archivi) 0", "Telefono —"},
			[]string{"corretto dal richiedente", "Motivo della correzione"})
		// The same document twice is the same bytes (the token is
		// deterministic: same key, number and date).
		if again := e.document(t, citizen, sub.Number, cbt.DocReceipt); !bytes.Equal(again, receipt) {
			t.Error("the receipt printed twice differs")
		}
	})
}

// auditReads returns the "application.read" entries about Mario.
func auditReads(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	trail, err := db.AuditTrail(context.Background(), "person:"+mario, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, en := range trail {
		if en.Action == "application.read" {
			out = append(out, en)
		}
	}
	return out
}

// REQ AUD-2, REQ AUD-1, REQ ID-5: the applicant, whoever acts for them and
// the staff of the application's office read the application and both
// documents, each read audited under the person with who, on whose
// behalf, through which channel and what; another citizen, another
// office's staff, a doctor, an operator acting for someone else get "not
// found", exactly as for a number that does not exist, and leave no read
// in the trail.
func TestDocuments_Access(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, time.Time{})
		sub, err := e.svc.Confirm(ctx, citizen, draft(e.certificate(t, certificate.KindSpa)))
		if err != nil {
			t.Fatal(err)
		}
		notFound := func() error { _, err := e.svc.Application(ctx, citizen, "20269999999"); return err }()
		if !apperr.Is(notFound, apperr.NotFound) {
			t.Fatalf("an unknown number: %v", notFound)
		}

		readers := []identity.Actor{citizen, patronat, contactOp, staffRM01, medRM01}
		for _, a := range readers {
			before := len(auditReads(t, e.db))
			f, err := e.svc.Application(ctx, a, sub.Number)
			if err != nil || f.Number != sub.Number || f.Record.Person.FiscalCode != mario || f.Record.Draft.Certificate != sub.Certificate {
				t.Errorf("%s reads the application: %+v, %v", a.ID(), f.Application, err)
			}
			for _, doc := range cbt.Docs {
				e.document(t, a, " "+sub.Number+" ", doc) // the number is trimmed
			}
			reads := auditReads(t, e.db)
			if len(reads) != before+3 {
				t.Fatalf("%s: %d reads audited, want 3", a.ID(), len(reads)-before)
			}
			for i, en := range reads[before:] {
				if en.Actor != a.ID() || en.ActingFor != a.ActingForID() || en.Channel != a.Channel ||
					!strings.Contains(en.Detail, `"domanda":"`+sub.Number+`"`) {
					t.Errorf("%s: audit entry %d = %+v", a.ID(), i, en)
				}
				if i > 0 && !strings.Contains(en.Detail, `"documento":"`+cbt.Docs[i-1]+`"`) {
					t.Errorf("%s: audit entry %d does not name the document %s: %s", a.ID(), i, cbt.Docs[i-1], en.Detail)
				}
			}
		}

		strangerFor := patronat
		strangerFor.ActingFor = luigi
		officeFor := staffRM01
		officeFor.ActingFor = luigi
		strangers := []identity.Actor{otherCitizen, staffRM02, staffMI01, doc, strangerFor, officeFor, identity.Anonymous}
		before := len(auditReads(t, e.db))
		for _, a := range strangers {
			if _, err := e.svc.Application(ctx, a, sub.Number); !apperr.Is(err, apperr.NotFound) || err.Error() != notFound.Error() {
				t.Errorf("%s reads the application: %v", a.ID(), err)
			}
			for _, doc := range cbt.Docs {
				var buf bytes.Buffer
				err := e.svc.Document(ctx, a, sub.Number, doc, &buf)
				if !apperr.Is(err, apperr.NotFound) || err.Error() != notFound.Error() || buf.Len() != 0 {
					t.Errorf("%s gets the %s: %v, %d bytes", a.ID(), doc, err, buf.Len())
				}
			}
		}
		if n := len(auditReads(t, e.db)) - before; n != 0 {
			t.Errorf("%d reads audited for refused readers", n)
		}

		// Wrong numbers and documents: not found, nothing written.
		for _, tc := range []struct{ number, doc string }{
			{"20269999999", cbt.DocReceipt}, {"2026000000X", cbt.DocForm}, {"", cbt.DocReceipt},
			{sub.Number, "certificato"}, {sub.Number, ""},
		} {
			var buf bytes.Buffer
			if err := e.svc.Document(ctx, citizen, tc.number, tc.doc, &buf); !apperr.Is(err, apperr.NotFound) || buf.Len() != 0 {
				t.Errorf("document %q of %q: %v, %d bytes", tc.doc, tc.number, err, buf.Len())
			}
		}
	})
}

// Without a signing key no document is printed, and nothing is audited.
func TestDocuments_NoSigner(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg) // Options{}: no Signer
		sub, err := e.svc.Confirm(ctx, citizen, draft(e.certificate(t, certificate.KindSpa)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := e.svc.Document(ctx, citizen, sub.Number, cbt.DocReceipt, &buf); err == nil || buf.Len() != 0 {
			t.Errorf("printed without a key: %v, %d bytes", err, buf.Len())
		}
		if reads := auditReads(t, e.db); len(reads) != 0 {
			t.Errorf("audited a document that was not printed: %+v", reads)
		}
		if _, err := e.svc.Verify(ctx, "anything"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("verify without a verifier: %v", err)
		}
	})
}

// annul marks an application annulled as the office's future annulment
// will: the registration's annulment and the index's state (the store has
// no application annulment yet, so the index is set with SQL).
func annul(t *testing.T, db *store.DB, app store.Application, by string) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Annul(ctx, protocol.Annulment{RegistrationID: app.RegistrationID, Actor: by, Reason: "Provvedimento n. 12 del direttore"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pools := db.Pools()
	pool := pools["main"]
	if pool == nil {
		pool = pools["write"]
	}
	if !certificate.ValidNumber(app.Number) {
		t.Fatalf("bad number %q", app.Number)
	}
	if _, err := pool.ExecContext(ctx, "UPDATE applications SET state = 'annulled' WHERE number = '"+app.Number+"'"); err != nil {
		t.Fatal(err)
	}
}

// REQ DOC-1: Verify accepts the tokens printed on the documents and tells
// whether the application is valid or annulled; a certificate's token, an
// altered or forged token, a token for another number or with a shifted
// date all get the same "not found".
func TestDocuments_Verify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, time.Time{})
		e.clk.Set(time.Date(2026, 3, 2, 9, 0, 0, 250_000_000, time.UTC)) // a fraction of a second, as in real life
		e.certificate(t, certificate.KindInvalidity)                     // the certificates' numbers run ahead of the protocol's
		sub, err := e.svc.Confirm(ctx, citizen, draft(e.certificate(t, certificate.KindSpa)))
		if err != nil {
			t.Fatal(err)
		}
		if sub.Certificate == sub.Number {
			t.Fatalf("the fixture needs a certificate number (%s) that is not the application's", sub.Certificate)
		}
		receipt := printedToken(t, e.document(t, citizen, sub.Number, cbt.DocReceipt))
		form := printedToken(t, e.document(t, citizen, sub.Number, cbt.DocForm))
		if receipt == form {
			t.Error("the receipt and the form carry the same token")
		}
		for tok, want := range map[string]string{receipt: "Ricevuta di presentazione – " + cbt.Title, form: cbt.Title + " (modello precompilato)"} {
			v, err := e.svc.Verify(ctx, " "+tok+"\n")
			if err != nil || v.Document != want || v.Number != sub.Number || !v.Issued.Equal(sub.SubmittedAt) || v.Annulled || !v.AnnulledAt.IsZero() {
				t.Errorf("verify %s = %+v, %v", want, v, err)
			}
		}

		// Another application, a day later, of another person.
		e.clk.Advance(24 * time.Hour)
		other, err := e.svc.Confirm(ctx, otherCitizen, draft(addLuigi(t, e.env)))
		if err != nil {
			t.Fatal(err)
		}

		sign := func(s *doctoken.Signer, kind, number string, issued time.Time) string {
			tok, err := s.Sign(doctoken.Claims{Kind: kind, Number: number, Issued: issued})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		otherKey, _ := doctoken.GenerateKey()
		forger := doctoken.NewSigner(otherKey)
		altered := []byte(receipt)
		altered[3] ^= 1 // a character of the payload
		at := sub.SubmittedAt
		bad := map[string]string{
			"empty":                    "",
			"garbage":                  "not-a-token",
			"altered":                  string(altered),
			"truncated":                receipt[:len(receipt)-2],
			"forged":                   sign(forger, "cbt_ricevuta", sub.Number, at),
			"certificate kind":         sign(e.signer, "ricevuta-cbt", sub.Number, at),
			"certificate's own token":  sign(e.signer, "certificato-cbt", sub.Certificate, at),
			"unknown kind":             sign(e.signer, "cbt_lettera", sub.Number, at),
			"unknown number":           sign(e.signer, "cbt_ricevuta", "20269999999", at),
			"certificate number":       sign(e.signer, "cbt_ricevuta", sub.Certificate, at),
			"other application's date": sign(e.signer, "cbt_ricevuta", other.Number, at),
			"date an hour later":       sign(e.signer, "cbt_ricevuta", sub.Number, at.Add(time.Hour)),
			"date a day earlier":       sign(e.signer, "cbt_domanda", sub.Number, at.AddDate(0, 0, -1)),
			"date two seconds earlier": sign(e.signer, "cbt_ricevuta", sub.Number, at.Add(-2*time.Second)),
			"date two seconds later":   sign(e.signer, "cbt_domanda", sub.Number, at.Add(2*time.Second)),
		}
		var first error
		for name, tok := range bad {
			_, err := e.svc.Verify(ctx, tok)
			if !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s: %v, want not found", name, err)
				continue
			}
			if first == nil {
				first = err
			} else if err.Error() != first.Error() {
				t.Errorf("%s: %q differs from %q", name, err, first)
			}
		}
		// The other application's own token is genuine.
		if v, err := e.svc.Verify(ctx, sign(e.signer, "cbt_ricevuta", other.Number, other.SubmittedAt)); err != nil || v.Number != other.Number {
			t.Errorf("the other application's token: %+v, %v", v, err)
		}

		// Annulled: the same printed tokens now say so, with the date; the
		// documents print it.
		e.clk.Set(time.Date(2026, 3, 4, 15, 45, 0, 0, time.UTC))
		annul(t, e.db, sub.Application, staffRM01.ID())
		for _, tok := range []string{receipt, form} {
			v, err := e.svc.Verify(ctx, tok)
			if err != nil || !v.Annulled || !v.AnnulledAt.Equal(e.clk.Now()) || v.Number != sub.Number {
				t.Errorf("verify an annulled application = %+v, %v", v, err)
			}
		}
		for _, d := range cbt.Docs {
			b := e.document(t, citizen, sub.Number, d)
			assertHas(t, d, pdfText(t, b), []string{"Domanda annullata il 04/03/2026 alle ore 16:45"}, nil)
			if tok := printedToken(t, b); tok != map[string]string{cbt.DocReceipt: receipt, cbt.DocForm: form}[d] {
				t.Errorf("the annulled %s carries another token", d)
			}
		}
	})
}

// REQ AUD-1, REQ CBT-11: each draft save is audited under the person, with
// who saved it for whom and the screen reached, never the content; a
// refused save leaves no entry.
func TestSaveDraft_Audited(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		saves := func() []audit.Entry {
			trail, err := e.db.AuditTrail(ctx, "person:"+mario, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []audit.Entry
			for _, en := range trail {
				if en.Action == "application.draft.save" {
					out = append(out, en)
				}
			}
			return out
		}
		if err := e.svc.SaveDraft(ctx, citizen, cbt.Draft{Email: "segreto@esempio.it", Reached: "contatti"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SaveDraft(ctx, patronat, cbt.Draft{Email: "segreto@esempio.it", Phone: "06 7654321", Reached: "sanitari"}); err != nil {
			t.Fatal(err)
		}
		got := saves()
		if len(got) != 2 {
			t.Fatalf("%d draft saves audited, want 2: %+v", len(got), got)
		}
		for i, tc := range []struct {
			a      identity.Actor
			screen string
		}{{citizen, "contatti"}, {patronat, "sanitari"}} {
			en := got[i]
			if en.Actor != tc.a.ID() || en.ActingFor != tc.a.ActingForID() || en.Channel != tc.a.Channel || en.Subject != "person:"+mario ||
				!strings.Contains(en.Detail, `"schermata":"`+tc.screen+`"`) || !strings.Contains(en.Detail, `"bozza":"cbt:2026"`) {
				t.Errorf("entry %d = %+v", i, en)
			}
			if strings.Contains(en.Detail, "segreto") || strings.Contains(en.Detail, "7654321") {
				t.Errorf("entry %d holds the draft's content: %s", i, en.Detail)
			}
		}
		// Refused: another person's draft, a closed window.
		if err := e.svc.SaveDraft(ctx, otherCitizen, cbt.Draft{Reached: "contatti"}); err != nil {
			t.Fatal(err) // Luigi's own draft: audited under Luigi, not Mario
		}
		operator := patronat
		operator.ActingFor = ""
		if err := e.svc.SaveDraft(ctx, operator, cbt.Draft{}); err == nil {
			t.Error("an operator without a mandate session saved a draft")
		}
		e.clk.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		if err := e.svc.SaveDraft(ctx, citizen, cbt.Draft{}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("saved after the window: %v", err)
		}
		if n := len(saves()); n != 2 {
			t.Errorf("%d draft saves audited under Mario, want still 2", n)
		}
		if trail, _ := e.db.AuditTrail(ctx, "person:"+luigi, 0); len(trail) != 1 || trail[0].Action != "application.draft.save" {
			t.Errorf("Luigi's trail = %+v", trail)
		}
	})
}

// REQ CBT-11, REQ AUD-1: a draft saved through WithTx joins the caller's
// transaction: rolled back, neither the draft nor its audit entry stays;
// committed, both do.
func TestSaveDraft_WithTx(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		// A join gone wrong would wait for the write connection forever.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		rollback := fmt.Errorf("the caller gives up")
		err := e.db.InTx(ctx, func(tx *store.Tx) error {
			if err := e.svc.WithTx(tx).SaveDraft(ctx, citizen, cbt.Draft{Email: "mario@esempio.it", Reached: "contatti"}); err != nil {
				return err
			}
			return rollback
		})
		if err != rollback {
			t.Fatalf("InTx = %v", err)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); ok {
			t.Error("the draft survived the caller's rollback")
		}
		if trail, _ := e.db.AuditTrail(ctx, "person:"+mario, 0); len(trail) != 0 {
			t.Errorf("audit survived the caller's rollback: %+v", trail)
		}
		err = e.db.InTx(ctx, func(tx *store.Tx) error {
			return e.svc.WithTx(tx).SaveDraft(ctx, citizen, cbt.Draft{Email: "mario@esempio.it", Reached: "contatti"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, ok, _ := e.svc.LoadDraft(ctx, citizen); !ok || d.Email != "mario@esempio.it" {
			t.Errorf("committed draft = %+v, %v", d, ok)
		}
		if trail, _ := e.db.AuditTrail(ctx, "person:"+mario, 0); len(trail) != 1 || trail[0].Action != "application.draft.save" {
			t.Errorf("committed audit = %+v", trail)
		}
	})
}

// confirmOnce is how pages and API run CONFERMA: inside DB.Once, through
// WithTx, the protocol number as the stored response.
func confirmOnce(ctx context.Context, e env, a identity.Actor, key string, d cbt.Draft) (store.Outcome, error) {
	return e.db.Once(ctx, a.ID(), key, "conferma:"+d.Certificate, func(tx *store.Tx) (string, error) {
		sub, err := e.svc.WithTx(tx).Confirm(ctx, a, d)
		if err != nil {
			return "", err
		}
		return sub.Number, nil
	})
}

// applicationsOf returns Mario's applications.
func applicationsOf(t *testing.T, db *store.DB, who string) []store.Application {
	t.Helper()
	apps, total, err := db.FindApplications(context.Background(), store.ApplicationFilter{Applicant: who})
	if err != nil || total != len(apps) {
		t.Fatalf("applications of %s: %d of %d, %v", who, len(apps), total, err)
	}
	return apps
}

// REQ PROT-3, REQ CBT-12, REQ PROT-1: CONFERMA repeated with the same key
// (double click, retry) registers one application, and the repeat replays
// the first number; nothing else is written the second time.
func TestConfirm_OnceSameKey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		// A join gone wrong would wait for the write connection forever.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		d := draft(e.certificate(t, certificate.KindSpa))
		if err := e.svc.SaveDraft(ctx, citizen, d); err != nil {
			t.Fatal(err)
		}
		// An attempt that fails after CONFERMA (the response cannot be
		// stored) leaves nothing: CONFERMA joined its transaction.
		lost := errors.New("response lost")
		_, err := e.db.Once(ctx, citizen.ID(), "nonce-1", "conferma:"+d.Certificate, func(tx *store.Tx) (string, error) {
			if _, err := e.svc.WithTx(tx).Confirm(ctx, citizen, d); err != nil {
				return "", err
			}
			return "", lost
		})
		if !errors.Is(err, lost) {
			t.Fatalf("failed attempt = %v", err)
		}
		if apps := applicationsOf(t, e.db, mario); len(apps) != 0 {
			t.Fatalf("the failed attempt registered %+v", apps)
		}
		if c, _ := e.db.CertificateByNumber(ctx, d.Certificate); c.LinkedTo != "" {
			t.Errorf("the failed attempt linked the certificate to %q", c.LinkedTo)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); !ok {
			t.Error("the failed attempt deleted the draft")
		}
		// The retry with the same key runs CONFERMA again.
		first, err := confirmOnce(ctx, e, citizen, "nonce-1", d)
		if err != nil || first.Replayed || first.Response != "20260000001" {
			t.Fatalf("first = %+v, %v; want the first number of the year, the failed attempt's", first, err)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); ok {
			t.Error("draft kept after CONFERMA")
		}
		trail, _ := e.db.AuditTrail(ctx, "person:"+mario, 0)
		e.clk.Advance(3 * time.Second)
		second, err := confirmOnce(ctx, e, citizen, "nonce-1", d)
		if err != nil || !second.Replayed || second.Response != first.Response {
			t.Fatalf("second = %+v, %v; first %+v", second, err, first)
		}
		apps := applicationsOf(t, e.db, mario)
		if len(apps) != 1 || apps[0].Number != first.Response {
			t.Errorf("applications = %+v", apps)
		}
		if last, err := e.db.LastNumber(ctx, protocol.General, 2026); err != nil || fmt.Sprintf("2026%07d", last) != first.Response {
			t.Errorf("last protocol number %d, %v; want %s", last, err, first.Response)
		}
		if again, _ := e.db.AuditTrail(ctx, "person:"+mario, 0); len(again) != len(trail) {
			t.Errorf("the replay audited %d more entries", len(again)-len(trail))
		}
		if events, _ := e.db.CaseHistory(ctx, "application", first.Response); len(events) != 1 {
			t.Errorf("history = %+v", events)
		}
		// A new key is a new attempt: one application a year.
		if _, err := confirmOnce(ctx, e, citizen, "nonce-2", d); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("another key: %v", err)
		}
	})
}

// REQ PROT-3, REQ PROT-1, REQ RULE-9: concurrent CONFERMA with different
// keys for the same person, by the citizen and the patronato at once,
// registers one application; the others are conflicts, and the failed
// attempts leave no gap in the protocol numbers.
func TestConfirm_OnceConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		// A join gone wrong would wait for the write connection forever.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		d := draft(e.certificate(t, certificate.KindSpa))
		const n = 8
		var wg sync.WaitGroup
		outs := make([]store.Outcome, n)
		errs := make([]error, n)
		for i := range n {
			a := citizen
			if i%2 == 1 {
				a = patronat
			}
			wg.Go(func() { outs[i], errs[i] = confirmOnce(ctx, e, a, fmt.Sprintf("key-%d", i), d) })
		}
		wg.Wait()
		var won []string
		for i := range n {
			switch {
			case errs[i] == nil && !outs[i].Replayed:
				won = append(won, outs[i].Response)
			case apperr.Is(errs[i], apperr.Conflict):
			default:
				t.Errorf("attempt %d: %+v, %v", i, outs[i], errs[i])
			}
		}
		if len(won) != 1 {
			t.Fatalf("%d attempts registered an application: %v", len(won), won)
		}
		apps := applicationsOf(t, e.db, mario)
		if len(apps) != 1 || apps[0].Number != won[0] {
			t.Errorf("applications = %+v, winner %s", apps, won[0])
		}
		if last, err := e.db.LastNumber(ctx, protocol.General, 2026); err != nil || fmt.Sprintf("2026%07d", last) != won[0] {
			t.Errorf("last protocol number %d, %v; want %s (no gaps)", last, err, won[0])
		}
		if c, _ := e.db.CertificateByNumber(ctx, d.Certificate); c.LinkedTo != won[0] {
			t.Errorf("certificate linked to %q", c.LinkedTo)
		}
		// The next application takes the next number.
		next, err := confirmOnce(ctx, e, otherCitizen, "key-luigi", draft(addLuigi(t, e)))
		if want := fmt.Sprintf("2026%07d", atoi(t, won[0][4:])+1); err != nil || next.Replayed || next.Response != want {
			t.Errorf("next application = %+v, %v; want %s", next, err, want)
		}
	})
}
