package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2/validation"
)

func TestLangOf(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   lang
	}{
		{"", italian},
		{"it", italian},
		{"en", english},
		{"EN-us", english},
		{"en-US,en;q=0.9,it;q=0.8", english},
		{"it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", italian},
		{"fr-FR,fr;q=0.9,en;q=0.5", english},
		{"fr", italian},
		{"*", italian},
		{"en;q=0", italian},
		{"en;q=0.5, it;q=0.5", italian}, // a tie keeps the default
		{"en;q=abc", italian},
		{"de, en;q=0.1", english},
	} {
		if got := langOf(tc.header); got != tc.want {
			t.Errorf("langOf(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// Every translation of huma's messages shows the same values in both
// languages, and the messages huma produces for our schemas are recognised.
func TestTranslate(t *testing.T) {
	for _, m := range humaMessages {
		if strings.Count(m.msg.it, "%") != strings.Count(m.msg.en, "%") {
			t.Errorf("%q and %q take different arguments", m.msg.it, m.msg.en)
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
		if loc != tc.wantLoc || msg.in(italian) != tc.it || msg.in(english) != tc.en {
			t.Errorf("translate(%q, %q) = %q, %+v; want %q, %q / %q", tc.loc, tc.msg, loc, msg, tc.wantLoc, tc.it, tc.en)
		}
	}
}

func TestTitles(t *testing.T) {
	for status, title := range titles {
		if title.it == "" || title.en == "" {
			t.Errorf("%d: title %+v lacks a language", status, title)
		}
	}
}
