package inv_test

import (
	"context"
	"crypto/ed25519"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// noticeText returns a letter's PDF text (pdftotext), whitespace collapsed.
func noticeText(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found and CI=true makes it mandatory")
		}
		t.Skip("pdftotext not found: install poppler-utils to run this test")
	}
	p := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// REQ ST-2 DOC-1 AG-1 AG-3: each summons and the lapse are letters queued
// in the outbox, to the domicile given, with the visit's date and place,
// the rules of absence, and a verification code that /verifica accepts;
// none is queued while the agenda has no date.
func TestNotices_SummonsAndLapse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		key, err := doctoken.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, tg, inv.Options{Signer: doctoken.NewSigner(key), Verifier: doctoken.NewVerifier(key.Public().(ed25519.PublicKey)),
			BaseURL: "https://sportello.example.it"})
		letters := func() []store.Letter {
			ls, err := e.db.FindLetters(ctx, 50)
			if err != nil {
				t.Fatal(err)
			}
			return ls
		}
		// No date in the agenda: no letter.
		d := complete(e.cert(t, luigi, certificate.Invalidity{}))
		e.send(t, luigiAct, d)
		if ls := letters(); len(ls) != 0 {
			t.Fatalf("letters without a visit date: %+v", ls)
		}
		first := e.slot(t, aslRM5, 12, "09:30", 5, false)
		e.slot(t, aslRM5, 30, "10:00", 5, false)
		d = complete(e.cert(t, mario, certificate.Invalidity{}))
		d.Domicile = &inv.Address{Street: "Via Tiburtina 1", Postcode: "00185", Comune: "Roma", Province: "RM"}
		sub := e.send(t, citizen, d)
		if sub.Visit == nil || sub.Visit.Slot.ID != first.ID {
			t.Fatalf("visit = %+v", sub.Visit)
		}
		ls := letters()
		if len(ls) != 1 || ls[0].Kind != inv.NoticeSummons || ls[0].Reference != sub.Number || ls[0].Recipient != mario ||
			!strings.Contains(ls[0].Address, "Via Tiburtina 1") {
			t.Fatalf("letters after sending = %+v", ls)
		}
		l, err := e.db.FindLetter(ctx, ls[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		text := noticeText(t, l.Document)
		for _, want := range []string{"Convocazione a visita medica", sub.Number, sub.Domus, "Via Tiburtina 1", "alle ore 09:30",
			"Via Rocca di Papa 9", "una sola volta", "seconda convocazione vale come rinuncia", "/verifica?t="} {
			if !strings.Contains(text, want) {
				t.Errorf("the summons lacks %q:\n%s", want, text)
			}
		}
		// Its code verifies as a notice of this application.
		// (the address is the link of the QR code, in the PDF's annotations)
		m := regexp.MustCompile(`/URI \((https://[^)]+)\)`).FindSubmatch(l.Document)
		if m == nil {
			t.Fatal("no verification link in the summons")
		}
		u, err := url.Parse(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		if v, err := e.svc.Verify(ctx, u.Query().Get("t")); err != nil || v.Number != sub.Number || !strings.HasPrefix(v.Document, "Comunicazione") {
			t.Errorf("verify the summons = %+v, %v", v, err)
		}
		// Absent twice: a second summons, then the lapse.
		e.clk.Set(rome(t, 12, "10:00"))
		if _, err := e.svc.RecordVisit(ctx, aslRM5, sub.Number, false); err != nil {
			t.Fatal(err)
		}
		e.clk.Set(rome(t, 30, "11:00"))
		if _, err := e.svc.RecordVisit(ctx, aslRM5, sub.Number, false); err != nil {
			t.Fatal(err)
		}
		ls = letters()
		if len(ls) != 3 {
			t.Fatalf("%d letters, want 3: %+v", len(ls), ls)
		}
		var kinds []string
		for _, l := range ls {
			kinds = append(kinds, l.Kind)
			full, err := e.db.FindLetter(ctx, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			text := noticeText(t, full.Document)
			switch {
			case l.Kind == inv.NoticeLapse:
				if !strings.Contains(text, "Avviso di decadenza della domanda") || !strings.Contains(text, "nuova domanda") {
					t.Errorf("the lapse notice:\n%s", text)
				}
			case strings.Contains(text, "Nuova convocazione"):
				if !strings.Contains(text, "alle ore 10:00") || !strings.Contains(text, "È la seconda convocazione") {
					t.Errorf("the second summons:\n%s", text)
				}
			}
		}
		if strings.Count(strings.Join(kinds, " "), inv.NoticeSummons) != 2 || !strings.Contains(strings.Join(kinds, " "), inv.NoticeLapse) {
			t.Errorf("letter kinds = %v", kinds)
		}
	})
}
