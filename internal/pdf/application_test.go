package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// appDocs are the two documents made from one ApplicationDoc, with the
// name their page footers give them.
var appDocs = []struct {
	name   string
	footer string
	render func(io.Writer, ApplicationDoc) error
}{
	{"receipt", "Ricevuta della domanda n. ", ApplicationReceipt},
	{"form", "Domanda n. ", ApplicationForm},
}

// exampleApplication is a receipt's data as the cbt package fills it: an
// application sent by a patronato with two shortfalls. SubmittedAt is in
// UTC late in the evening, so that the date and time printed in Rome
// differ from the UTC ones.
func exampleApplication() ApplicationDoc {
	return ApplicationDoc{
		Agency:      "Istituto previdenziale",
		Title:       "Domanda di cure balneotermali",
		Number:      "20260000123",
		SubmittedAt: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), // 02/03/2026 00:30 in Rome
		Summary: []Line{
			{"Ufficio competente", "Direzione provinciale di Roma (RM01)"},
			{"Richiedente", "Niccolò Dell’Orto"},
			{"Codice fiscale", "DLLNCC80A01H501U"},
			{"Canale di presentazione", "Patronato o intermediario, codice PAT-RM-001"},
			{"Presentata da", "Francesca Testa, operatore di patronato o intermediario (PAT-RM-001)"},
			{"Codice dell'intermediario", "PAT-RM-001"},
			{"Anno delle cure", "2026"},
			{"Cura richiesta", "Reumo-artropatica – Fangoterapia con bagno terapeutico"},
			{"Certificato medico n.", "20260000042"},
		},
		Sections: []Section{
			{Title: "Esito della verifica dei requisiti",
				Paragraphs: []string{"Dai dati degli archivi dell'Istituto alcuni requisiti non risultano soddisfatti."},
				Lines: []Line{
					{"Contribuzione – non soddisfatto", "Risultano 104 settimane di contributi negli ultimi 5 anni: ne servono 156."},
					{"Pensione – da verificare", "Non risulta se è titolare di una pensione di anzianità.\nL'ufficio lo verificherà."},
				}},
			{Title: "Che cosa succede ora", Paragraphs: []string{
				"La domanda è stata registrata e trasmessa all'ufficio competente.",
				"Riceverà la convocazione per la visita medica presso il centro medico legale della sede provinciale competente.",
			}},
		},
		Note:      "Conservi questa ricevuta: il numero di protocollo identifica la domanda in ogni comunicazione con l'Istituto.",
		VerifyURL: exampleVerifyURL,
	}
}

func renderApp(t *testing.T, render func(io.Writer, ApplicationDoc) error, a ApplicationDoc) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf, a); err != nil {
		t.Fatalf("render: %v", err)
	}
	if buf.Len() == 0 {
		t.Fatal("render wrote nothing")
	}
	return buf.Bytes()
}

// appContent lists every label, value and paragraph of a's summary and
// sections, as pdftotext returns them (whitespace collapsed).
func appContent(a ApplicationDoc) []string {
	var out []string
	for _, ln := range a.Summary {
		out = append(out, ln.Label, ln.Value)
	}
	for _, s := range a.Sections {
		out = append(out, s.Title)
		for _, ln := range s.Lines {
			out = append(out, ln.Label, collapse(ln.Value))
		}
		for _, p := range s.Paragraphs {
			out = append(out, collapse(p))
		}
	}
	return out
}

// REQ CBT-12, REQ CBT-10, REQ DOC-1, REQ ID-5, REQ CH-1: the receipt prints
// the protocol number grouped for reading and plain for typing, the date
// and time of registration in Rome, the office, the applicant's name and
// codice fiscale, the channel and the intermediary's code, the operator,
// the requirements' outcome with the reason of each shortfall, what
// happens next, and the verification box.
func TestApplicationReceiptText(t *testing.T) {
	a := exampleApplication()
	b := renderApp(t, ApplicationReceipt, a)
	pages := pdfPages(t, b)
	has := []string{
		a.Agency, a.Title,
		"Ricevuta di presentazione della domanda",
		"Numero di protocollo",
		"2026 0000123",                         // grouped
		"Da scrivere senza spazi: 20260000123", // plain
		"Presentata il 02/03/2026 alle ore 00:30",
		"Direzione provinciale di Roma (RM01)",
		"Niccolò Dell’Orto", "DLLNCC80A01H501U",
		"Patronato o intermediario, codice PAT-RM-001",
		"Codice dell'intermediario PAT-RM-001",
		"Presentata da Francesca Testa, operatore di patronato o intermediario (PAT-RM-001)",
		"Contribuzione – non soddisfatto Risultano 104 settimane di contributi negli ultimi 5 anni: ne servono 156.",
		"Pensione – da verificare Non risulta se è titolare di una pensione di anzianità. L'ufficio lo verificherà.",
		"Che cosa succede ora",
		"convocazione per la visita medica",
		a.Note,
		"Verifichi l’autenticità del documento inquadrando il codice QR o aprendo l’indirizzo:",
	}
	has = append(has, appContent(a)...)
	for p := 1; p <= pages; p++ {
		has = append(has, fmt.Sprintf("Ricevuta della domanda n. %s – Pagina %d di %d", a.Number, p, pages))
	}
	// The UTC date and time must not be what is printed.
	assertText(t, pdfText(t, b), has, []string{"01/03/2026", "23:30", "ANNULLAT", "Domanda annullata"})
}

// REQ CBT-12, REQ DOC-1: the pre-filled form prints its number and date
// and every row and paragraph of every section, in the order given.
func TestApplicationFormText(t *testing.T) {
	a := exampleApplication()
	a.Sections = append(a.Sections,
		Section{Title: "2. Domicilio", Lines: []Line{{"Domicilio", "Via dei Mille 5, 00185 Roma (RM)"}}},
		Section{Title: "4. Richieste precedenti", Lines: []Line{
			{"Prima concessione", "2018"},
			{"Motivo della correzione", ""}, // printed as a dash
		}})
	b := renderApp(t, ApplicationForm, a)
	text := pdfText(t, b)
	pages := pdfPages(t, b)
	has := append([]string{
		a.Agency, a.Title,
		"Domanda n. 20260000123 presentata il 02/03/2026 alle ore 00:30",
		"Motivo della correzione —",
		fmt.Sprintf("Domanda n. %s – Pagina %d di %d", a.Number, pages, pages),
	}, appContent(a)...)
	assertText(t, text, has, []string{"Ricevuta di presentazione", "ANNULLAT"})
	// Sections come in the order of the data.
	last := -1
	for _, s := range a.Sections {
		i := strings.Index(text, s.Title)
		if i <= last {
			t.Errorf("section %q at %d, after the previous one at %d", s.Title, i, last)
		}
		last = i
	}
}

// REQ DOC-1: each document carries a QR code that reads back as its
// verification address.
func TestApplicationDocsQR(t *testing.T) {
	for _, doc := range appDocs {
		t.Run(doc.name, func(t *testing.T) {
			if got := decodeQR(t, renderApp(t, doc.render, exampleApplication())); got != exampleVerifyURL {
				t.Fatalf("decoded %q, want %q", got, exampleVerifyURL)
			}
		})
	}
}

// REQ DOC-1: many shortfalls and long reasons flow over pages; every
// footer counts the pages right, nothing is lost and the QR code on the
// last page still reads.
func TestApplicationDocsLong(t *testing.T) {
	a := exampleApplication()
	reason := strings.Repeat("Il requisito non risulta dagli archivi dell’Istituto e sarà verificato dall’ufficio competente. ", 4)
	var lines []Line
	for i := range 30 {
		lines = append(lines, Line{fmt.Sprintf("Requisito n. %d – da verificare", i+1), reason + fmt.Sprintf("Fine del motivo %d.", i+1)})
	}
	a.Sections[0].Lines = lines
	for _, doc := range appDocs {
		t.Run(doc.name, func(t *testing.T) {
			b := renderApp(t, doc.render, a)
			pages := pdfPages(t, b)
			if pages < 3 {
				t.Fatalf("%d pages: the content of this test should fill at least 3", pages)
			}
			text := pdfText(t, b)
			var has []string
			for p := 1; p <= pages; p++ {
				has = append(has, fmt.Sprintf("%s%s – Pagina %d di %d", doc.footer, a.Number, p, pages))
			}
			for i := range lines {
				has = append(has, fmt.Sprintf("Requisito n. %d – da verificare", i+1), fmt.Sprintf("Fine del motivo %d.", i+1))
			}
			assertText(t, text, has, []string{fmt.Sprintf("Pagina %d di", pages+1)})
			if got := decodeQR(t, b); got != a.VerifyURL {
				t.Fatalf("decoded %q on the last page, want %q", got, a.VerifyURL)
			}
		})
	}
}

// REQ DOC-1, REQ PROT-2: an annulled application says so on both
// documents, with the date and time of annulment in Rome, and keeps its
// verification box; the notice's word agrees with "Domanda" (ANNULLATA).
func TestApplicationDocsAnnulled(t *testing.T) {
	a := exampleApplication()
	a.Annulled = true
	a.AnnulledAt = time.Date(2026, 12, 5, 15, 30, 0, 0, time.UTC) // 16:30 in Rome
	for _, doc := range appDocs {
		t.Run(doc.name, func(t *testing.T) {
			b := renderApp(t, doc.render, a)
			assertText(t, pdfText(t, b), []string{"ANNULLATA", "Domanda annullata il 05/12/2026 alle ore 16:30", a.Number},
				[]string{"ANNULLATO", "Domanda annullato", "Certificato annullato"})
			if got := decodeQR(t, b); got != a.VerifyURL {
				t.Fatalf("decoded %q, want %q", got, a.VerifyURL)
			}
		})
	}
}

// Invalid data returns an error wrapping ErrInvalid and writes nothing.
func TestApplicationDocsInvalid(t *testing.T) {
	for name, change := range map[string]func(*ApplicationDoc){
		"empty number":            func(a *ApplicationDoc) { a.Number = "" },
		"short number":            func(a *ApplicationDoc) { a.Number = "2026000012" },
		"number with letters":     func(a *ApplicationDoc) { a.Number = "2026000012X" },
		"number spaced":           func(a *ApplicationDoc) { a.Number = "2026 0000123" },
		"zero submission time":    func(a *ApplicationDoc) { a.SubmittedAt = time.Time{} },
		"annulled without date":   func(a *ApplicationDoc) { a.Annulled = true },
		"empty agency":            func(a *ApplicationDoc) { a.Agency = "" },
		"title with newline":      func(a *ApplicationDoc) { a.Title = "Domanda\ndi cure" },
		"missing URL":             func(a *ApplicationDoc) { a.VerifyURL = "" },
		"javascript URL":          func(a *ApplicationDoc) { a.VerifyURL = "javascript:alert(1)" },
		"summary label empty":     func(a *ApplicationDoc) { a.Summary[0].Label = "" },
		"summary value with NUL":  func(a *ApplicationDoc) { a.Summary[1].Value = "Niccolò\x00" },
		"summary value newline":   func(a *ApplicationDoc) { a.Summary[2].Value = "DLLNCC80A01H501U\nX" },
		"section title with tab":  func(a *ApplicationDoc) { a.Sections[0].Title = "Esito\tdella verifica" },
		"shortfall reason escape": func(a *ApplicationDoc) { a.Sections[0].Lines[0].Value = "motivo \x1b[31m" },
		"shortfall label newline": func(a *ApplicationDoc) { a.Sections[0].Lines[1].Label = "Pensione\nda verificare" },
		"paragraph with bell":     func(a *ApplicationDoc) { a.Sections[1].Paragraphs[0] = "registrata\a" },
		"note with NUL":           func(a *ApplicationDoc) { a.Note = "Conservi\x00 questa ricevuta" },
		"note with escape":        func(a *ApplicationDoc) { a.Note = "\x1b[2J" },
	} {
		t.Run(name, func(t *testing.T) {
			for _, doc := range appDocs {
				a := exampleApplication()
				change(&a)
				var buf bytes.Buffer
				err := doc.render(&buf, a)
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: got %v, want ErrInvalid", doc.name, err)
				}
				if buf.Len() != 0 {
					t.Errorf("%s: %d bytes written on a validation error", doc.name, buf.Len())
				}
			}
		})
	}
}

// Without summary rows the documents still render, naming the
// application by its number.
func TestApplicationDocsNoSummary(t *testing.T) {
	a := exampleApplication()
	a.Summary = nil
	for _, doc := range appDocs {
		text := pdfText(t, renderApp(t, doc.render, a))
		assertText(t, text, []string{a.Number, "02/03/2026", "Che cosa succede ora"}, []string{"DLLNCC80A01H501U"})
	}
}

// REQ DOC-1: the same data gives the same bytes, whatever the time zone
// of its times; different data gives different bytes.
func TestApplicationDocsDeterministic(t *testing.T) {
	a := exampleApplication()
	a.Annulled, a.AnnulledAt = true, time.Date(2026, 12, 5, 15, 30, 0, 0, time.UTC)
	rome := a
	rome.SubmittedAt, rome.AnnulledAt = a.SubmittedAt.In(clock.Rome), a.AnnulledAt.In(clock.Rome)
	for _, doc := range appDocs {
		first := renderApp(t, doc.render, a)
		if !bytes.Equal(first, renderApp(t, doc.render, a)) {
			t.Errorf("%s: the same data rendered to different bytes", doc.name)
		}
		if !bytes.Equal(first, renderApp(t, doc.render, rome)) {
			t.Errorf("%s: the same instants in another time zone rendered to different bytes", doc.name)
		}
		other := a
		other.Number = "20260000124"
		if bytes.Equal(first, renderApp(t, doc.render, other)) {
			t.Errorf("%s: another number rendered to the same bytes", doc.name)
		}
	}
	rec, form := renderApp(t, ApplicationReceipt, a), renderApp(t, ApplicationForm, a)
	if bytes.Equal(rec, form) {
		t.Error("the receipt and the form are the same bytes")
	}
}

func TestApplicationDocsWriteError(t *testing.T) {
	for _, doc := range appDocs {
		if err := doc.render(failWriter{}, exampleApplication()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: got %v, want the writer's error", doc.name, err)
		}
	}
}

// A validation error names the field at fault: a bad note or summary row
// is not blamed on the title or on a doctor and a patient the
// application does not have.
func TestApplicationDocsInvalidNamesField(t *testing.T) {
	for name, tc := range map[string]struct {
		change      func(*ApplicationDoc)
		want, wrong string
	}{
		"note":          {func(a *ApplicationDoc) { a.Note = "nota\x00" }, "Note", "Title"},
		"summary value": {func(a *ApplicationDoc) { a.Summary[1].Value = "Niccolò\x07" }, "summary line 2", "Doctor"},
		"summary label": {func(a *ApplicationDoc) { a.Summary[3].Label = " " }, "summary line 4", "Patient"},
	} {
		t.Run(name, func(t *testing.T) {
			a := exampleApplication()
			tc.change(&a)
			for _, doc := range appDocs {
				err := doc.render(io.Discard, a)
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.wrong) {
					t.Errorf("%s: %v; want ErrInvalid naming %q, not %q", doc.name, err, tc.want, tc.wrong)
				}
			}
		})
	}
}
