// Package icd9 checks the shape of ICD-9-CM diagnosis codes, which
// certificates carry next to each diagnosis (CERT-8). No list of the codes
// (the Italian 2007 edition has over 12,000) reaches the project through
// its allowed channels (docs/research-certificates.md), so only the syntax
// is checked; a list can be added as reference data later.
//
// Diagnosis codes have three forms: three digits with up to two decimals
// (401, 401.9, 250.01); V and two digits with up to two decimals
// (supplementary factors: V72.81); E and three digits with one decimal
// (external causes: E849.0). Codes typed without the dot are accepted and
// normalised (4019 → 401.9).
package icd9

import (
	"strings"

	"github.com/sportello/sportello/internal/apperr"
)

// Normalize returns the code in its canonical form (upper case, with the
// dot) and nil, or an apperr.Invalid error saying in Italian what is wrong.
func Normalize(code string) (string, error) {
	c := strings.ToUpper(strings.Join(strings.Fields(code), ""))
	if c == "" {
		return "", invalid("indicare il codice ICD-9-CM della diagnosi.")
	}
	prefix, intLen, maxDec := "", 3, 2
	switch c[0] {
	case 'V':
		prefix, intLen = "V", 2
	case 'E':
		prefix, maxDec = "E", 1
	}
	body := c[len(prefix):]
	whole, dec, dotted := strings.Cut(body, ".")
	if !dotted && len(body) > intLen {
		whole, dec = body[:intLen], body[intLen:]
	}
	switch {
	case !digits(whole) || len(whole) != intLen:
		return "", invalid(shape(prefix))
	case dotted && dec == "", !digits(dec) && dec != "", len(dec) > maxDec:
		return "", invalid(shape(prefix))
	case prefix == "" && whole == "000", prefix == "V" && whole == "00":
		return "", invalid("il codice " + c + " non esiste nella classificazione ICD-9-CM.")
	}
	if dec == "" {
		return prefix + whole, nil
	}
	return prefix + whole + "." + dec, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func shape(prefix string) string {
	switch prefix {
	case "V":
		return "un codice V è la lettera V, due cifre e fino a due decimali, per esempio V72.81."
	case "E":
		return "un codice E è la lettera E, tre cifre e al più un decimale, per esempio E849.0."
	}
	return "il codice ICD-9-CM è di tre cifre con fino a due decimali (per esempio 401.9 o 250.01), oppure inizia con V o E."
}

func invalid(msg string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Codice di diagnosi non valido: " + msg}
}
