// Package protocol holds the agency's registers: gap-free yearly numbering
// (PROT-1) and registrations that are never changed or deleted (PROT-2).
//
// A number has the form AAAAnnnnnnn: the four-digit year of registration in
// Europe/Rome and a seven-digit progressive within that year, starting at 1
// on 1 January (DPR 445/2000 art. 57; seed 000 §1 for certificates).
package protocol

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/sportello/sportello/internal/apperr"
)

// MaxSeq is the largest progressive a register can give in one year.
const MaxSeq = 9_999_999

// Number is a registration number: a year and a progressive within it.
type Number struct {
	Year int
	Seq  int64
}

// String formats the number as AAAAnnnnnnn, e.g. 20260000042.
func (n Number) String() string { return fmt.Sprintf("%04d%07d", n.Year, n.Seq) }

// IsZero reports whether n is the zero Number.
func (n Number) IsZero() bool { return n == Number{} }

var numberRE = regexp.MustCompile(`^[0-9]{11}$`)

// ParseNumber parses an AAAAnnnnnnn number typed by a person or sent by a
// client. Spaces around it are ignored. Errors are *apperr.Error with an
// Italian message that says what is wrong.
func ParseNumber(s string) (Number, error) {
	s = trimSpace(s)
	if s == "" {
		return Number{}, apperr.New(apperr.Invalid, "Inserire il numero (11 cifre: anno e progressivo).")
	}
	if !numberRE.MatchString(s) {
		return Number{}, apperr.New(apperr.Invalid, fmt.Sprintf(
			"Il numero deve essere di 11 cifre (4 per l'anno e 7 per il progressivo); ne sono state indicate %d, o contiene caratteri non numerici.", len([]rune(s))))
	}
	year, _ := strconv.Atoi(s[:4])
	seq, _ := strconv.ParseInt(s[4:], 10, 64)
	if year < 2000 {
		return Number{}, apperr.New(apperr.Invalid, fmt.Sprintf("L'anno %04d del numero non è valido.", year))
	}
	if seq == 0 {
		return Number{}, apperr.New(apperr.Invalid, "Il progressivo del numero non può essere zero.")
	}
	return Number{Year: year, Seq: seq}, nil
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}
