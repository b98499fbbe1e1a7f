// Package codicefiscale validates, decodes and computes Italian tax codes
// (codici fiscali) as defined by DM 23/12/1976 and DPR 605/1973: sixteen
// characters — three for the surname, three for the given name, the year,
// the month letter, the day (plus 40 for women), the cadastral code of the
// place of birth (a comune, or "Z…" for a foreign state) and a check
// character. When two people would get the same code, the Agenzia delle
// Entrate replaces digits with letters from the right ("omocodia"); such
// codes are valid and mean the same birth data.
//
// Eleven-digit numeric codes (provisional codes, also used by companies)
// are validated by their Luhn-style check digit.
package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/sportello/sportello/internal/apperr"
)

// Normalize upper-cases a code and removes spaces.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

const (
	months    = "ABCDEHLMPRST"                 // January … December
	omocodici = "LMNPQRSTUV"                   // the letters that replace 0 … 9
	digitPos  = "\x06\x07\x09\x0a\x0c\x0d\x0e" // positions that may be digits or omocodia letters
)

// oddValues are the values of characters in odd positions (1st, 3rd, …).
var oddValues = map[byte]int{
	'0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
	'A': 1, 'B': 0, 'C': 5, 'D': 7, 'E': 9, 'F': 13, 'G': 15, 'H': 17, 'I': 19, 'J': 21, 'K': 2, 'L': 4, 'M': 18,
	'N': 20, 'O': 11, 'P': 3, 'Q': 6, 'R': 8, 'S': 12, 'T': 14, 'U': 16, 'V': 10, 'W': 22, 'X': 25, 'Y': 24, 'Z': 23,
}

func evenValue(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return int(c - 'A')
}

// CheckChar returns the check character of the first 15 characters.
func CheckChar(first15 string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		if i%2 == 0 {
			sum += oddValues[first15[i]]
		} else {
			sum += evenValue(first15[i])
		}
	}
	return byte('A' + sum%26)
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// digitOf reads a digit position: a digit, or its omocodia letter.
func digitOf(c byte) (int, bool) {
	if isDigit(c) {
		return int(c - '0'), true
	}
	if i := strings.IndexByte(omocodici, c); i >= 0 {
		return i, true
	}
	return 0, false
}

// invalid builds the error for a wrong part, with an Italian message that
// says which part and why.
func invalid(msg string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Codice fiscale non valido: " + msg,
		Fields: map[string]string{"codice_fiscale": "Codice fiscale non valido: " + msg}}
}

// Validate checks a code (normalised first) part by part, and returns an
// *apperr.Error saying which part is wrong.
func Validate(code string) error {
	c := Normalize(code)
	switch {
	case c == "":
		return invalid("il codice è vuoto.")
	case len(c) == 11 && strings.Trim(c, "0123456789") == "":
		return validateNumeric(c)
	case len(c) != 16:
		return invalid(fmt.Sprintf("deve avere 16 caratteri, ne ha %d.", len([]rune(c))))
	}
	for i := 0; i < 6; i++ {
		if !isLetter(c[i]) {
			part := "i primi tre caratteri (cognome)"
			if i >= 3 {
				part = "i caratteri dal quarto al sesto (nome)"
			}
			return invalid(part + " devono essere lettere.")
		}
	}
	for i := 0; i < len(digitPos); i++ {
		if _, ok := digitOf(c[digitPos[i]]); !ok {
			part := "l'anno di nascita (settimo e ottavo carattere)"
			switch {
			case digitPos[i] >= 12:
				part = "il codice del luogo di nascita (dal tredicesimo al quindicesimo carattere)"
			case digitPos[i] >= 9:
				part = "il giorno di nascita (decimo e undicesimo carattere)"
			}
			return invalid(part + " contiene caratteri non ammessi.")
		}
	}
	if strings.IndexByte(months, c[8]) < 0 {
		return invalid(fmt.Sprintf("il mese di nascita (nono carattere, %q) deve essere una lettera tra %s.", c[8], months))
	}
	d1, _ := digitOf(c[9])
	d2, _ := digitOf(c[10])
	day := d1*10 + d2
	if day > 40 {
		day -= 40
	}
	if day < 1 || day > 31 {
		return invalid("il giorno di nascita (decimo e undicesimo carattere) deve essere tra 01 e 31, o tra 41 e 71 per le donne.")
	}
	if !isLetter(c[11]) {
		return invalid("il luogo di nascita (dodicesimo carattere) deve iniziare con una lettera.")
	}
	// The day must exist in the month; 29 February in years divisible by
	// four (whatever the century: 2000 was a leap year).
	month := strings.IndexByte(months, c[8]) + 1
	y1, _ := digitOf(c[6])
	y2, _ := digitOf(c[7])
	maxDay := time.Date(2001, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if month == 2 && (y1*10+y2)%4 == 0 {
		maxDay = 29
	}
	if day > maxDay {
		return invalid(fmt.Sprintf("la data di nascita (giorno %02d del mese %c) non esiste.", day, c[8]))
	}
	if want := CheckChar(c[:15]); c[15] != want {
		return invalid(fmt.Sprintf("il carattere di controllo (l'ultimo) dovrebbe essere %c, non %c: controllare di aver copiato bene il codice.", want, c[15]))
	}
	return nil
}

// validateNumeric checks an 11-digit code's check digit.
func validateNumeric(c string) error {
	sum := 0
	for i := 0; i < 10; i++ {
		d := int(c[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(c[10]-'0') != want {
		return invalid(fmt.Sprintf("la cifra di controllo (l'ultima) dovrebbe essere %d.", want))
	}
	return nil
}

// Decoded is what a code says about its holder.
type Decoded struct {
	BirthDate time.Time // midnight UTC of the calendar day
	Female    bool
	Place     string // cadastral code of the comune, or "Z…" for a foreign state
	Foreign   bool   // born abroad
	Omocodic  bool   // digits were replaced by letters
}

// birthDate resolves the two-digit year: the latest year not after ref
// (someone born in '25 is 2025 if that is not in the future, else 1925).
func birthDate(c string, ref time.Time) (time.Time, error) {
	y1, _ := digitOf(c[6])
	y2, _ := digitOf(c[7])
	yy := y1*10 + y2
	month := strings.IndexByte(months, c[8]) + 1
	d1, _ := digitOf(c[9])
	d2, _ := digitOf(c[10])
	day := d1*10 + d2
	if day > 40 {
		day -= 40
	}
	year := ref.Year()/100*100 + yy
	if year > ref.Year() {
		year -= 100
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		// 30 February, 31 April…: try the previous century, where a 29
		// February may exist (00 is a leap year in 2000, not in 1900).
		if t2 := time.Date(year-100, time.Month(month), day, 0, 0, 0, 0, time.UTC); t2.Day() == day {
			return t2, nil
		}
		return time.Time{}, invalid(fmt.Sprintf("la data di nascita (giorno %02d del mese %c) non esiste.", day, c[8]))
	}
	return t, nil
}

// Decode validates a code and reads its birth date (with the century
// resolved against ref: the latest possible year not after ref), sex and
// place of birth.
func Decode(code string, ref time.Time) (Decoded, error) {
	c := Normalize(code)
	if err := Validate(c); err != nil {
		return Decoded{}, err
	}
	if len(c) == 11 {
		return Decoded{}, invalid("un codice numerico di 11 cifre non contiene dati di nascita.")
	}
	born, err := birthDate(c, ref)
	if err != nil {
		return Decoded{}, err
	}
	d := Decoded{BirthDate: born, Place: string(c[11]) + digitsOf(c[12:15])}
	d1, _ := digitOf(c[9])
	d.Female = d1 >= 4
	d.Foreign = c[11] == 'Z'
	for i := 0; i < len(digitPos); i++ {
		d.Omocodic = d.Omocodic || !isDigit(c[digitPos[i]])
	}
	return d, nil
}

func digitsOf(s string) string {
	b := []byte(s)
	for i, c := range b {
		if n, ok := digitOf(c); ok {
			b[i] = byte('0' + n)
		}
	}
	return string(b)
}

// Base returns the code with omocodia letters turned back into digits and
// the check character recomputed: two codes of one person have the same
// base. It returns the code unchanged if it is not a valid 16-character code.
func Base(code string) string {
	c := Normalize(code)
	if len(c) != 16 || Validate(c) != nil {
		return c
	}
	b := []byte(c)
	for i := 0; i < len(digitPos); i++ {
		n, _ := digitOf(b[digitPos[i]])
		b[digitPos[i]] = byte('0' + n)
	}
	b[15] = CheckChar(string(b[:15]))
	return string(b)
}

// Same reports whether two codes belong to the same person (equal, or
// omocodia variants of each other).
func Same(a, b string) bool { return Base(a) == Base(b) }

// Person is what computing a code needs.
type Person struct {
	FamilyName string
	GivenName  string
	BirthDate  time.Time
	Female     bool
	Place      string // cadastral code, e.g. "H501", or "Z…"
}

// letters splits a name into its consonants and vowels, ignoring accents,
// spaces and apostrophes.
func letters(name string) (cons, vows []byte) {
	for _, r := range strings.ToUpper(foldAccents(name)) {
		if r < 'A' || r > 'Z' {
			continue
		}
		if strings.ContainsRune("AEIOU", r) {
			vows = append(vows, byte(r))
		} else {
			cons = append(cons, byte(r))
		}
	}
	return cons, vows
}

func foldAccents(s string) string {
	return strings.NewReplacer("À", "A", "Á", "A", "È", "E", "É", "E", "Ì", "I", "Í", "I", "Ò", "O", "Ó", "O", "Ù", "U", "Ú", "U",
		"à", "a", "á", "a", "è", "e", "é", "e", "ì", "i", "í", "i", "ò", "o", "ó", "o", "ù", "u", "ú", "u").Replace(s)
}

func three(cons, vows []byte) string {
	s := append(append(append([]byte{}, cons...), vows...), 'X', 'X', 'X')
	return string(s[:3])
}

// Compute returns the code of a person (without omocodia: the Agenzia
// delle Entrate assigns those).
func Compute(p Person) (string, error) {
	f := map[string]string{}
	sc, sv := letters(p.FamilyName)
	nc, nv := letters(p.GivenName)
	if len(sc)+len(sv) == 0 {
		f["cognome"] = "Il cognome deve contenere almeno una lettera."
	}
	if len(nc)+len(nv) == 0 {
		f["nome"] = "Il nome deve contenere almeno una lettera."
	}
	place := strings.ToUpper(strings.TrimSpace(p.Place))
	if len(place) != 4 || !isLetter(place[0]) || strings.Trim(place[1:], "0123456789") != "" {
		f["luogo"] = "Il codice del luogo di nascita deve essere una lettera e tre cifre, per esempio H501."
	}
	if p.BirthDate.IsZero() {
		f["nascita"] = "Indicare la data di nascita."
	}
	if len(f) > 0 {
		return "", &apperr.Error{Code: apperr.Invalid, Message: "Impossibile calcolare il codice fiscale.", Fields: f}
	}
	name := three(nc, nv)
	if len(nc) >= 4 {
		name = string([]byte{nc[0], nc[2], nc[3]})
	}
	day := p.BirthDate.Day()
	if p.Female {
		day += 40
	}
	first := fmt.Sprintf("%s%s%02d%c%02d%s", three(sc, sv), name, p.BirthDate.Year()%100, months[p.BirthDate.Month()-1], day, place)
	return first + string(CheckChar(first)), nil
}
