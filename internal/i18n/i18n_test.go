package i18n_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/i18n"
)

// Every message exists in Italian and English (Load refuses otherwise),
// and no English text was left in Italian by mistake or vice versa.
func TestLoad(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) < 50 {
		t.Fatalf("only %d keys", len(c.Keys()))
	}
	same := 0
	for _, k := range c.Keys() {
		it, en := c.T(i18n.IT, k), c.T(i18n.EN, k)
		if it == "" || en == "" {
			t.Errorf("%s is empty in a locale", k)
		}
		if it == en {
			same++
		}
	}
	if same > len(c.Keys())/5 {
		t.Errorf("%d of %d messages are identical in both locales: untranslated?", same, len(c.Keys()))
	}
	if got := c.T(i18n.IT, "no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key renders %q", got)
	}
	if got := c.T(i18n.EN, "example.confirm.date", "01/02/2026"); !strings.Contains(got, "01/02/2026") {
		t.Errorf("arguments not formatted: %q", got)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   i18n.Lang
	}{
		{"", i18n.IT},
		{"it-IT,it;q=0.9,en;q=0.8", i18n.IT},
		{"en-GB,en;q=0.9", i18n.EN},
		{"de-DE,en;q=0.5,it;q=0.4", i18n.EN},
		{"de-DE,fr;q=0.8", i18n.IT},
		{"en;q=0", i18n.IT},
		{"EN-us", i18n.EN},
		{";;;,garbage", i18n.IT},
		// RFC 9110 §12.4.2: the weight's name is case-insensitive, and a
		// weight that is not a qvalue does not make a range preferred.
		{"en;Q=0", i18n.IT},
		{"en;q=abc", i18n.IT},
		{"en;q=2,it;q=0.9", i18n.IT},
		{"en;q=0.5000,it;q=0.4", i18n.IT},
		// §12.5.4: "*" matches every locale no other range names.
		{"*", i18n.IT},
		{"en;q=0.1,*", i18n.IT},
		{"it;q=0.1,*", i18n.EN},
		{"it;q=0,*;q=0.5", i18n.EN},
		{"en;q=0,*", i18n.IT},
		// Equal qualities: the range listed first.
		{"en;q=0.5,it;q=0.5", i18n.EN},
	} {
		if got := i18n.Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

// Dates are dd/mm/yyyy in Europe/Rome: 23:30 UTC on 31 December is
// already 1 January in Italy.
func TestDate(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := i18n.Date(at); got != "01/01/2027" {
		t.Errorf("Date = %q, want 01/01/2027", got)
	}
	if got := i18n.DateTime(at); got != "01/01/2027 00:30" {
		t.Errorf("DateTime = %q", got)
	}
	if i18n.Date(time.Time{}) != "" {
		t.Errorf("zero date not empty")
	}
}
