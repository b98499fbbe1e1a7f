package pdf

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// exampleLetter is fixed data with accents in the recipient's name and
// address, so the golden file and the text checks cover the translation.
func exampleLetter() PINLetterData {
	return PINLetterData{
		Agency:        "Istituto Nazionale della Previdenza Sociale",
		Office:        "Direzione provinciale di Roma",
		City:          "Roma",
		BaseURL:       "https://sportello.example.it/",
		RecipientName: "Niccolò Dell’Orto",
		Address:       "Via Appia Nuova 123",
		Postcode:      "00183",
		Municipality:  "Roma",
		Province:      "RM",
		FiscalCode:    "DLLNCC80A01H501U",
		SecondHalf:    "K7QM4ZPA",
		RequestedAt:   time.Date(2026, 11, 20, 18, 42, 0, 0, clock.Rome),
		IssuedAt:      time.Date(2026, 11, 26, 9, 0, 0, 0, clock.Rome),
		LetterID:      "PIN-2026-000123",
	}
}

func render(t *testing.T, l PINLetterData) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := PINLetter(&buf, l); err != nil {
		t.Fatalf("PINLetter: %v", err)
	}
	return buf.Bytes()
}

func TestPINLetterGolden(t *testing.T) {
	got := render(t, exampleLetter())
	golden := filepath.Join("testdata", "pin_letter.golden.pdf")
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
		out := filepath.Join(t.ArtifactDir(), "pin_letter.got.pdf")
		_ = os.WriteFile(out, got, 0o644)
		t.Fatalf("PIN letter differs from %s (%d bytes, got %d); got written to %s; "+
			"if the change is intended run: go test ./internal/pdf -update", golden, len(want), len(got), out)
	}
}

// The same data gives the same bytes, whatever the time zone of the
// times and however many documents are rendered at once.
func TestPINLetterDeterministic(t *testing.T) {
	want := render(t, exampleLetter())
	utc := exampleLetter()
	utc.IssuedAt = utc.IssuedAt.UTC()
	utc.RequestedAt = utc.RequestedAt.UTC()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := PINLetter(&buf, utc); err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Error("same data rendered to different bytes")
			}
		})
	}
	wg.Wait()
}

// tool returns the path of a poppler tool, skipping the test when it is
// missing, or failing under CI=true, where the tools are mandatory.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found and CI=true makes it mandatory (apt-get install -y poppler-utils)", name)
		}
		t.Skipf("%s not found: install poppler-utils to run this test", name)
	}
	return p
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPINLetterText(t *testing.T) {
	bin := tool(t, "pdftotext")
	l := exampleLetter()
	file := writeTemp(t, render(t, l))
	out, err := exec.Command(bin, "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	// Lines may wrap anywhere; compare with whitespace collapsed.
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		l.RecipientName, // ò and ’
		l.FiscalCode,
		"K7QM 4ZPA", // the second half, grouped 4+4
		"803164",
		"06 164164",
		"https://sportello.example.it/accedi",
		"Roma, 26/11/2026",
		"20/11/2026",
		"Via Appia Nuova 123",
		"00183 Roma RM",
		"Il PIN è solo Suo",
		"sarà bloccato",
		"Può scriverlo",
		"né per telefono",
		"lunedì",
		"funzionerà",
		"l’Istituto",
		"«per un controllo»",
		"Lettera PIN-2026-000123 – Pagina 1 di 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q\n--- text:\n%s", want, out)
		}
	}
}

func TestPINLetterInfo(t *testing.T) {
	bin := tool(t, "pdfinfo")
	file := writeTemp(t, render(t, exampleLetter()))
	out, err := exec.Command(bin, file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	info := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(line, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	for k, want := range map[string]string{
		"Pages":     "1",
		"Page size": "595.28 x 841.89 pts (A4)",
		"Title":     "Seconda parte del PIN",
	} {
		if info[k] != want {
			t.Errorf("pdfinfo %s: got %q, want %q\n%s", k, info[k], want, out)
		}
	}
}

func TestPINLetterInvalid(t *testing.T) {
	for name, change := range map[string]func(*PINLetterData){
		"empty second half":   func(l *PINLetterData) { l.SecondHalf = "" },
		"second half short":   func(l *PINLetterData) { l.SecondHalf = "K7QM4ZP" },
		"second half long":    func(l *PINLetterData) { l.SecondHalf = "K7QM4ZPAB" },
		"second half spaced":  func(l *PINLetterData) { l.SecondHalf = "K7QM 4ZP" },
		"second half lower":   func(l *PINLetterData) { l.SecondHalf = "k7qm4zpa" },
		"missing name":        func(l *PINLetterData) { l.RecipientName = "" },
		"blank name":          func(l *PINLetterData) { l.RecipientName = "   " },
		"name with newline":   func(l *PINLetterData) { l.RecipientName = "Mario\nRossi" },
		"missing address":     func(l *PINLetterData) { l.Address = "" },
		"missing fiscal code": func(l *PINLetterData) { l.FiscalCode = "" },
		"relative base URL":   func(l *PINLetterData) { l.BaseURL = "/accedi" },
		"zero issue date":     func(l *PINLetterData) { l.IssuedAt = time.Time{} },
		"zero request date":   func(l *PINLetterData) { l.RequestedAt = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			l := exampleLetter()
			change(&l)
			var buf bytes.Buffer
			err := PINLetter(&buf, l)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("%d bytes written on a validation error", buf.Len())
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestPINLetterWriteError(t *testing.T) {
	if err := PINLetter(failWriter{}, exampleLetter()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

func TestWin1252(t *testing.T) {
	for in, want := range map[string]string{
		"àèéìòù ÀÈÉÌÒÙ":  "\xe0\xe8\xe9\xec\xf2\xf9 \xc0\xc8\xc9\xcc\xd2\xd9",
		"l’«x»–€":        "l\x92\xabx\xbb\x96\x80",
		"Ștefan Țurcanu": "Stefan Turcanu", // Romanian comma-below letters
		"Łukasz Wałęsa":  "Lukasz Walesa",
		"Đorđe Dvořák":   "Dorde Dvor\xe1k",
		"王":              "?",
	} {
		if got := win1252(in); got != want {
			t.Errorf("win1252(%q) = %q, want %q", in, got, want)
		}
	}
}

// REQ DOC-1: clinical signs outside the code page are written out, not
// printed as "?"; what cannot be printed is reported, so forms refuse it
// before a document that never changes is issued.
func TestUnprintable(t *testing.T) {
	if got := win1252("glicemia ≥ 126, PA ≤ 140"); got != "glicemia >= 126, PA <= 140" {
		t.Errorf("win1252 = %q", got)
	}
	for _, ok := range []string{"Niccolò Dell’Orto", "città – 3 × 2 ≥ 5 µg", "riga\nriga\ttab"} {
		if r, bad := Unprintable(ok); bad {
			t.Errorf("%q: %q reported unprintable", ok, r)
		}
	}
	for in, want := range map[string]rune{"a\vb": '\v', "nul\x00": 0, "emoji 😀": '😀', "漢字": '漢', "c1\u0085": '\u0085'} {
		if r, bad := Unprintable(in); !bad || r != want {
			t.Errorf("%q: Unprintable = %q, %v; want %q", in, r, bad, want)
		}
	}
}
