// Package plain tidies text typed by users before it is stored or
// printed: invalid UTF-8 is dropped and control characters, which neither
// PostgreSQL (NUL) nor the PDFs accept, become spaces.
package plain

import (
	"strings"
	"unicode"
)

// OneLine is s on one line: invalid UTF-8 removed, control characters
// (line breaks and tabs too) turned into spaces.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// Field is OneLine trimmed: a form's one-line field.
func Field(s string) string { return strings.TrimSpace(OneLine(s)) }

// Lines is OneLine for a text with lines: line breaks and tabs stay,
// carriage returns go.
func Lines(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}
