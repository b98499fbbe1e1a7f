package api

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/sportello/sportello/internal/i18n"
)

func catalogue(t *testing.T) *i18n.Catalogue {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The API's language is i18n.Match's: the cases the API relies on.
func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   i18n.Lang
	}{
		{"", i18n.IT},
		{"it", i18n.IT},
		{"en", i18n.EN},
		{"EN-us", i18n.EN},
		{"en-US,en;q=0.9,it;q=0.8", i18n.EN},
		{"it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", i18n.IT},
		{"fr-FR,fr;q=0.9,en;q=0.5", i18n.EN},
		{"fr", i18n.IT},
		{"*", i18n.IT},
		{"en;q=0", i18n.IT},
		{"en;q=0.5, it;q=0.5", i18n.EN}, // a tie goes to the language listed first
		{"en;q=abc", i18n.IT},
		{"de, en;q=0.1", i18n.EN},
	} {
		if got := i18n.Match(tc.header); got != tc.want {
			t.Errorf("i18n.Match(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// New loads the embedded catalogue when it is given none.
func TestNewCatalogue(t *testing.T) {
	if a := New(Options{}); a.cat == nil || !a.cat.Has("api.title.422") {
		t.Fatalf("New without a catalogue has none, or one without the API's messages")
	}
}

// Every translation of huma's messages shows as many values as it is
// given, in both languages, and the messages huma produces for our schemas
// are recognised.
func TestTranslate(t *testing.T) {
	cat := catalogue(t)
	for _, m := range humaMessages {
		for _, l := range i18n.Langs {
			if s := cat.T(l, m.msg.key); strings.Count(s, "%") != m.args {
				t.Errorf("%s in %s: %q takes %d arguments, not %d", m.msg.key, l, s, strings.Count(s, "%"), m.args)
			}
		}
	}
	for _, tc := range []struct {
		loc, msg        string
		wantLoc, it, en string
	}{
		{"body", fmt.Sprintf(validation.MsgExpectedRequiredProperty, "subject"), "body.subject", "Campo obbligatorio.", "This field is required."},
		{"body.kind", fmt.Sprintf(validation.MsgExpectedMinLength, 1), "body.kind", "Non può essere vuoto.", "Must not be empty."},
		{"body.subject", fmt.Sprintf(validation.MsgExpectedMaxLength, 500), "body.subject", "Può contenere al massimo 500 caratteri.", "Must be at most 500 characters long."},
		{"query.per_page", fmt.Sprintf(validation.MsgExpectedMaximumNumber, 100), "query.per_page", "Non può superare 100.", "Must be at most 100."},
		{"query.register", fmt.Sprintf(validation.MsgExpectedOneOf, "protocollo, certificati"), "query.register",
			"Valore non ammesso; valori ammessi: protocollo, certificati.", "Value not allowed; allowed values: protocollo, certificati."},
		{"header.Idempotency-Key", "required header parameter is missing", "header.Idempotency-Key", "Parametro obbligatorio.", "This parameter is required."},
		{"body.kind", fmt.Sprintf(validation.MsgExpectedMatchPattern, "^[a-z]+$"), "body.kind", "Formato non valido.", "Invalid format."},
		{"body.x", "something huma says one day", "body.x", "Valore non valido.", "Invalid value."},
	} {
		loc, msg := translate(tc.loc, tc.msg)
		if it, en := msg.in(cat, i18n.IT), msg.in(cat, i18n.EN); loc != tc.wantLoc || it != tc.it || en != tc.en {
			t.Errorf("translate(%q, %q) = %q, %q / %q; want %q, %q / %q", tc.loc, tc.msg, loc, it, en, tc.wantLoc, tc.it, tc.en)
		}
	}
}

func TestTitles(t *testing.T) {
	cat := catalogue(t)
	for status, key := range titles {
		if key != fmt.Sprintf("api.title.%d", status) || !cat.Has(key) {
			t.Errorf("%d: title %q is misnamed or not in the catalogue", status, key)
		}
	}
}

// The package's messages are the catalogue's "api." keys: every key the
// source names exists, and every "api." key of the catalogue is used.
func TestCatalogueKeys(t *testing.T) {
	cat := catalogue(t)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	key := regexp.MustCompile(`"(api\.[a-z0-9_.]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
			if !cat.Has(m[1]) {
				t.Errorf("%s: key %q is not in the catalogue", f, m[1])
			}
		}
	}
	if len(used) < 40 {
		t.Fatalf("found only %d keys: the scan is out of date", len(used))
	}
	for _, k := range cat.Keys() {
		if strings.HasPrefix(k, "api.") && !used[k] {
			t.Errorf("catalogue key %q is not used by the package", k)
		}
	}
}
