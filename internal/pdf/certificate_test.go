package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// certDocs are the three documents made from one CertificateDoc.
var certDocs = []struct {
	name   string
	render func(io.Writer, CertificateDoc) error
}{
	{"full", Certificate},
	{"attestation", Attestation},
	{"receipt", Receipt},
}

const exampleVerifyURL = "https://sportello.example.it/verifica?t=" +
	"MS4wMTIzNDU2Ny5jZXJ0aWZpY2F0b19pbnYuMjAyNjAwMDAwNDIuMTc2NDE1MDYwMA~AbCdAbCdAbCdAbCdAbCdAbCd"

// exampleInvalidity is a civil-invalidity certificate with accents and
// typographic apostrophes in names, labels and clinical text.
func exampleInvalidity() CertificateDoc {
	return CertificateDoc{
		Agency:    "Istituto previdenziale",
		Title:     "Certificato medico introduttivo per l’invalidità civile",
		Number:    "20260000042",
		SentAt:    time.Date(2026, 11, 26, 10, 15, 0, 0, clock.Rome),
		ExpiresAt: time.Date(2027, 2, 24, 0, 0, 0, 0, clock.Rome),
		Doctor: []Line{
			{"Nome e cognome", "Lucia Ferrà"},
			{"Codice fiscale", "FRRLCU75C41H501Q"},
			{"Rapporto con il SSN", "Medico di medicina generale convenzionato"},
			{"Struttura", "ASL Roma 2"},
			{"Iscrizione all’Ordine", "Ordine dei Medici Chirurghi e degli Odontoiatri della provincia di Roma, n. 54321"},
			{"Studio", "Via Tuscolana 200, 00181 Roma (RM)"},
		},
		Patient: []Line{
			{"Nome e cognome", "Niccolò Dell’Orto"},
			{"Codice fiscale", "DLLNCC80A01H501U"},
			{"Data e luogo di nascita", "01/01/1980, Roma (RM)"},
			{"Sesso", "M"},
			{"Residenza", "Via Appia Nuova 123, 00183 Roma (RM)"},
		},
		Sections: []Section{
			{Title: "Finalità del certificato", Lines: []Line{
				{"Accertamenti richiesti", "Invalidità civile; handicap (L. 104/1992)"},
			}},
			{Title: "Dati clinici", Lines: []Line{
				{"Anamnesi", "Artrite reumatoide diagnosticata nel 2015, in terapia con metotrexato.\r\nRicoveri: 2019, 2023."},
				{"Esame obiettivo", "Tumefazione delle articolazioni metacarpo-falangee bilaterale; deambulazione autonoma con ausilio."},
			}},
			{Title: "Diagnosi", Lines: []Line{
				{"714.0", "Artrite reumatoide"},
				{"715.09", "Artrosi generalizzata di più sedi"},
			}},
			{Title: "Dichiarazione del medico", Paragraphs: []string{
				"Il sottoscritto medico dichiara che i dati riportati corrispondono alla visita effettuata e alla documentazione clinica in suo possesso.",
			}},
		},
		VerifyURL: exampleVerifyURL,
	}
}

// exampleSpa is a spa-treatment certificate: no expiry.
func exampleSpa() CertificateDoc {
	c := exampleInvalidity()
	c.Title = "Certificato medico per cure termali"
	c.Number = "20260000007"
	c.ExpiresAt = time.Time{}
	c.Sections = []Section{
		{Title: "Patologia", Lines: []Line{
			{"Gruppo", "Reumo-artropatica"},
			{"Diagnosi", "Osteoartrosi diffusa (ICD-9-CM 715.09)"},
		}},
		{Title: "Prescrizione", Lines: []Line{
			{"Cura prescritta", "Fanghi con bagno terapeutico, 12 sedute"},
		}, Paragraphs: []string{
			"Non sussistono controindicazioni alle cure termali.",
		}},
	}
	return c
}

// clinical lists the texts of the sections, which only the certificate
// may show.
func clinical(c CertificateDoc) []string {
	var out []string
	for _, s := range c.Sections {
		out = append(out, s.Title)
		for _, ln := range s.Lines {
			out = append(out, ln.Label, collapse(ln.Value))
		}
		out = append(out, s.Paragraphs...)
	}
	return out
}

func renderCert(t *testing.T, render func(io.Writer, CertificateDoc) error, c CertificateDoc) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf, c); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.Bytes()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// pdfText returns the document's text with whitespace collapsed, as lines
// and columns may break anywhere.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	bin := tool(t, "pdftotext")
	out, err := exec.Command(bin, "-enc", "UTF-8", writeTemp(t, b), "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return collapse(string(out))
}

func pdfPages(t *testing.T, b []byte) int {
	t.Helper()
	bin := tool(t, "pdfinfo")
	out, err := exec.Command(bin, writeTemp(t, b)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(line, ":"); ok && k == "Pages" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("pdfinfo Pages: %v", err)
			}
			return n
		}
	}
	t.Fatalf("pdfinfo gave no page count:\n%s", out)
	return 0
}

// decodeQR rasterises the last page of the document, where the QR box
// is, as qr_test.go does, and returns what zbarimg reads on it.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	ppm, zbar := tool(t, "pdftoppm"), tool(t, "zbarimg")
	dir := t.TempDir()
	page := pdfPages(t, b)
	p := strconv.Itoa(page)
	if out, err := exec.Command(ppm, "-r", "150", "-f", p, "-l", p, "-png", "-singlefile",
		writeTemp(t, b), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code on page %d: %v", page, err)
	}
	return strings.TrimSpace(string(out))
}

// assertText checks that text has and has not the given strings. The
// verification address is looked for with spaces removed, as it wraps
// anywhere.
func assertText(t *testing.T, text string, has, hasNot []string) {
	t.Helper()
	for _, want := range has {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), exampleVerifyURL) {
		t.Errorf("text lacks the verification address %q", exampleVerifyURL)
	}
	for _, bad := range hasNot {
		if strings.Contains(text, bad) {
			t.Errorf("text contains %q, which must not be printed", bad)
		}
	}
	if t.Failed() {
		t.Logf("--- text:\n%s", text)
	}
}

// REQ CERT-5, REQ CERT-9, REQ DOC-1: the three documents stay byte for
// byte as reviewed.
func TestCertificateDocsGolden(t *testing.T) {
	for _, doc := range certDocs {
		t.Run(doc.name, func(t *testing.T) {
			got := renderCert(t, doc.render, exampleInvalidity())
			golden := filepath.Join("testdata", "certificate_"+doc.name+".golden.pdf")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d bytes)", golden, len(got))
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run: go test ./internal/pdf -update)", err)
			}
			if !bytes.Equal(got, want) {
				out := filepath.Join(t.ArtifactDir(), "certificate_"+doc.name+".got.pdf")
				_ = os.WriteFile(out, got, 0o644)
				t.Fatalf("%s differs from %s (%d bytes, got %d); got written to %s; "+
					"if the change is intended run: go test ./internal/pdf -update", doc.name, golden, len(want), len(got), out)
			}
		})
	}
}

// The same data gives the same bytes whatever the time zone of its times.
func TestCertificateDocsDeterministic(t *testing.T) {
	utc := exampleInvalidity()
	utc.SentAt, utc.ExpiresAt = utc.SentAt.UTC(), utc.ExpiresAt.UTC()
	for _, doc := range certDocs {
		if !bytes.Equal(renderCert(t, doc.render, exampleInvalidity()), renderCert(t, doc.render, utc)) {
			t.Errorf("%s: same data rendered to different bytes", doc.name)
		}
	}
}

// REQ CERT-5: the certificate prints its number, date and time, both
// parties and every section, in order of the data.
func TestCertificateText(t *testing.T) {
	for name, c := range map[string]CertificateDoc{"invalidity": exampleInvalidity(), "spa": exampleSpa()} {
		t.Run(name, func(t *testing.T) {
			b := renderCert(t, Certificate, c)
			text := pdfText(t, b)
			has := []string{
				c.Agency, c.Title,
				"Certificato n. " + c.Number + " del 26/11/2026 ore 10:15",
				"Medico certificatore", "Paziente",
				"Verifichi l’autenticità del documento inquadrando il codice QR o aprendo l’indirizzo:",
				fmt.Sprintf("Certificato n. %s – Pagina 1 di %d", c.Number, pdfPages(t, b)),
			}
			for _, ln := range append(c.Doctor, c.Patient...) {
				has = append(has, ln.Label, ln.Value)
			}
			has = append(has, clinical(c)...)
			var hasNot []string
			if c.ExpiresAt.IsZero() {
				hasNot = append(hasNot, "Utilizzabile")
			} else {
				has = append(has, "Utilizzabile per la domanda fino al 24/02/2027")
			}
			hasNot = append(hasNot, "ANNULLATO")
			assertText(t, text, has, hasNot)
		})
	}
}

// REQ CERT-5: the attestation states what was acquired and when, names
// doctor and patient, and shows no clinical data.
func TestAttestationText(t *testing.T) {
	for name, c := range map[string]CertificateDoc{"invalidity": exampleInvalidity(), "spa": exampleSpa()} {
		t.Run(name, func(t *testing.T) {
			text := pdfText(t, renderCert(t, Attestation, c))
			has := []string{
				c.Agency,
				"Attestato di trasmissione del certificato medico",
				"Si attesta che il certificato n. " + c.Number + " («" + c.Title + "»)",
				"acquisito dal sistema informativo il 26/11/2026 alle ore 10:15",
				"Attestato di trasmissione del certificato n. " + c.Number + " – Pagina 1 di 1",
			}
			for _, ln := range append(c.Doctor, c.Patient...) {
				has = append(has, ln.Value)
			}
			hasNot := clinical(c)
			if c.ExpiresAt.IsZero() {
				hasNot = append(hasNot, "Utilizzabile")
			} else {
				has = append(has, "24/02/2027")
			}
			assertText(t, text, has, hasNot)
		})
	}
}

// REQ CERT-9: the receipt gives the patient the number, readable and
// plain, with how to use it; no clinical data and nothing of the doctor
// but the name.
func TestReceiptText(t *testing.T) {
	for name, c := range map[string]CertificateDoc{"invalidity": exampleInvalidity(), "spa": exampleSpa()} {
		t.Run(name, func(t *testing.T) {
			text := pdfText(t, renderCert(t, Receipt, c))
			has := []string{
				"Ricevuta per il paziente",
				c.Number[:4] + " " + c.Number[4:],
				c.Number,
				"26/11/2026 alle ore 10:15",
				c.Title,
				"Niccolò Dell’Orto", "DLLNCC80A01H501U", "Lucia Ferrà",
				"collegare il certificato alla domanda",
				"PIN", "patronato", "803164", "06 164164",
				"Ricevuta del certificato n. " + c.Number + " – Pagina 1 di 1",
			}
			hasNot := append(clinical(c),
				"FRRLCU75C41H501Q", // the doctor's codice fiscale
				"Via Appia Nuova",  // the patient's other data
			)
			if c.ExpiresAt.IsZero() {
				hasNot = append(hasNot, "fino al")
			} else {
				has = append(has, "solo fino al 24/02/2027")
			}
			assertText(t, text, has, hasNot)
		})
	}
}

// REQ DOC-1: each document carries a QR code that reads back as its
// verification address.
func TestCertificateDocsQR(t *testing.T) {
	for _, doc := range certDocs {
		t.Run(doc.name, func(t *testing.T) {
			if got := decodeQR(t, renderCert(t, doc.render, exampleInvalidity())); got != exampleVerifyURL {
				t.Fatalf("decoded %q, want %q", got, exampleVerifyURL)
			}
		})
	}
}

// REQ CERT-5: long clinical content flows over pages, the footer counts
// them right and the QR box, on the last page, still reads.
func TestCertificateLong(t *testing.T) {
	c := exampleInvalidity()
	para := strings.Repeat("Il paziente riferisce dolore articolare diffuso, più intenso al mattino, "+
		"con rigidità che dura oltre un’ora. ", 5)
	c.Sections = nil
	for i := range 2 {
		c.Sections = append(c.Sections, Section{
			Title:      fmt.Sprintf("Visita specialistica n. %d", i+1),
			Lines:      []Line{{"Data", fmt.Sprintf("%02d/10/2026", i+1)}, {"Esito", para}},
			Paragraphs: []string{para},
		})
	}
	// One value longer than a page: the row must flow, not vanish.
	c.Sections[1].Lines = append(c.Sections[1].Lines, Line{"Relazione", strings.Repeat(para, 6) + "Fine della relazione."})

	b := renderCert(t, Certificate, c)
	const pages = 3
	if got := pdfPages(t, b); got != pages {
		t.Fatalf("%d pages, want %d (adjust the content of this test)", got, pages)
	}
	text := pdfText(t, b)
	var has []string
	for p := 1; p <= pages; p++ {
		has = append(has, fmt.Sprintf("Certificato n. %s – Pagina %d di %d", c.Number, p, pages))
	}
	for _, s := range c.Sections {
		has = append(has, s.Title)
	}
	has = append(has, "Fine della relazione.", c.Patient[0].Value)
	assertText(t, text, has, nil)
	if got := decodeQR(t, b); got != c.VerifyURL {
		t.Fatalf("decoded %q on the last page, want %q", got, c.VerifyURL)
	}
}

// REQ CERT-5, REQ CERT-9: an annulled certificate says so on every
// document, large, with the date of annulment.
func TestCertificateDocsAnnulled(t *testing.T) {
	c := exampleInvalidity()
	c.Annulled = true
	c.AnnulledAt = time.Date(2026, 12, 5, 16, 30, 0, 0, clock.Rome)
	for _, doc := range certDocs {
		t.Run(doc.name, func(t *testing.T) {
			b := renderCert(t, doc.render, c)
			has := []string{"ANNULLATO", "Certificato annullato il 05/12/2026 alle ore 16:30", c.Number}
			if doc.name == "receipt" {
				has = append(has, "non può più essere usato")
			}
			assertText(t, pdfText(t, b), has, []string{"Utilizzabile", "fino al"})
			if got := decodeQR(t, b); got != c.VerifyURL {
				t.Fatalf("decoded %q, want %q", got, c.VerifyURL)
			}
		})
	}
}

// Italian accents and typographic apostrophes reach the page; letters
// outside Windows-1252 lose only their diacritics.
func TestCertificateDocsAccents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Niccolò Dell’Orto", "Niccolò Dell’Orto"},
		{"Lucìa D’Annunzio Perché", "Lucìa D’Annunzio Perché"},
		{"Zoë Lefèvre-Nuñez", "Zoë Lefèvre-Nuñez"},
		{"ÀNGELO CITTÀ", "ÀNGELO CITTÀ"},
		{"Ștefan Țurcanu", "Stefan Turcanu"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c := exampleSpa()
			c.Patient[0].Value = tc.in
			c.Doctor[0].Value = "Dott. " + tc.in
			c.Sections[0].Paragraphs = []string{"Residente nella città di " + tc.in + "."}
			for _, doc := range certDocs {
				text := pdfText(t, renderCert(t, doc.render, c))
				has := []string{tc.want, "Dott. " + tc.want}
				if doc.name == "full" {
					has = append(has, "Residente nella città di "+tc.want+".")
				}
				for _, want := range has {
					if !strings.Contains(text, want) {
						t.Errorf("%s: text lacks %q\n--- text:\n%s", doc.name, want, text)
					}
				}
			}
		})
	}
}

func TestCertificateDocsInvalid(t *testing.T) {
	for name, change := range map[string]func(*CertificateDoc){
		"empty number":            func(c *CertificateDoc) { c.Number = "" },
		"short number":            func(c *CertificateDoc) { c.Number = "2026000004" },
		"long number":             func(c *CertificateDoc) { c.Number = "202600000420" },
		"number with letters":     func(c *CertificateDoc) { c.Number = "2026000004A" },
		"number spaced":           func(c *CertificateDoc) { c.Number = "2026 000004" },
		"zero sent time":          func(c *CertificateDoc) { c.SentAt = time.Time{} },
		"annulled without date":   func(c *CertificateDoc) { c.Annulled = true },
		"empty agency":            func(c *CertificateDoc) { c.Agency = " " },
		"empty title":             func(c *CertificateDoc) { c.Title = "" },
		"title with newline":      func(c *CertificateDoc) { c.Title = "Certificato\nmedico" },
		"missing URL":             func(c *CertificateDoc) { c.VerifyURL = "" },
		"relative URL":            func(c *CertificateDoc) { c.VerifyURL = "/verifica?t=abc" },
		"URL without host":        func(c *CertificateDoc) { c.VerifyURL = "https:///verifica" },
		"ftp URL":                 func(c *CertificateDoc) { c.VerifyURL = "ftp://sportello.example.it/verifica" },
		"javascript URL":          func(c *CertificateDoc) { c.VerifyURL = "javascript:alert(1)" },
		"URL with space":          func(c *CertificateDoc) { c.VerifyURL = "https://sportello.example.it/verifica?t=a b" },
		"URL with control":        func(c *CertificateDoc) { c.VerifyURL = "https://sportello.example.it/\x00" },
		"URL too long":            func(c *CertificateDoc) { c.VerifyURL = "https://sportello.example.it/?t=" + strings.Repeat("A", 600) },
		"no doctor lines":         func(c *CertificateDoc) { c.Doctor = nil },
		"no patient lines":        func(c *CertificateDoc) { c.Patient = nil },
		"doctor label empty":      func(c *CertificateDoc) { c.Doctor[0].Label = "" },
		"doctor value with tab":   func(c *CertificateDoc) { c.Doctor[1].Value = "FRRLCU75\tC41H501Q" },
		"patient value newline":   func(c *CertificateDoc) { c.Patient[0].Value = "Niccolò\nDell’Orto" },
		"section title empty":     func(c *CertificateDoc) { c.Sections[0].Title = "" },
		"section value with NUL":  func(c *CertificateDoc) { c.Sections[1].Lines[0].Value = "anamnesi\x00" },
		"paragraph with escape":   func(c *CertificateDoc) { c.Sections[3].Paragraphs[0] = "testo \x1b[31m" },
		"section label with bell": func(c *CertificateDoc) { c.Sections[2].Lines[0].Label = "714.0\a" },
	} {
		t.Run(name, func(t *testing.T) {
			for _, doc := range certDocs {
				c := exampleInvalidity()
				change(&c)
				var buf bytes.Buffer
				err := doc.render(&buf, c)
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

// The longest accepted address still makes a readable QR code.
func TestCertificateLongestURL(t *testing.T) {
	c := exampleInvalidity()
	base := "https://sportello.example.it/verifica?t="
	c.VerifyURL = base + strings.Repeat("x", maxVerifyURL-1-len(base))
	if got := decodeQR(t, renderCert(t, Certificate, c)); got != c.VerifyURL {
		t.Fatalf("decoded %q, want %q", got, c.VerifyURL)
	}
}

func TestCertificateWriteError(t *testing.T) {
	for _, doc := range certDocs {
		if err := doc.render(failWriter{}, exampleInvalidity()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: got %v, want the writer's error", doc.name, err)
		}
	}
}
