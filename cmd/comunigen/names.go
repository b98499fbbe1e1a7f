package main

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fixMojibake repairs a name whose UTF-8 bytes were read as Latin-1
// ("RoverÃ¨ della Luna" → "Roverè della Luna"): it re-encodes the name as
// Latin-1 and keeps the result only when that is valid UTF-8, so a
// genuine "Fær Øer" is left alone. Two defects of the source are undone
// first: the 0xA0 of "à" lost as trailing blank space ("ContÃ" → "Contà")
// and 0xC3 read as Latin-2 "Ă" ("CaritĂ" → "Carità").
func fixMojibake(s string) string {
	if !strings.ContainsAny(s, "ÃÂĂ") {
		return s
	}
	s = strings.ReplaceAll(s, "Ă", "Ã")
	for _, try := range []string{s, s + "\u00a0"} {
		if out, ok := latin1AsUTF8(try); ok {
			return out
		}
	}
	return s
}

func latin1AsUTF8(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), utf8.Valid(b)
}

// particles are the words Italian place names write in lower case after
// the first word ("Villa di Tirano", "Ca' de' Stefani"), as in ISTAT's
// list; elisions are handled by elisions.
var particles = map[string]bool{
	"di": true, "del": true, "della": true, "dello": true, "dei": true, "degli": true, "delle": true, "de'": true,
	"da": true, "dal": true, "dalla": true, "dallo": true, "in": true, "al": true, "alla": true, "allo": true,
	"ai": true, "agli": true, "alle": true, "sul": true, "sulla": true, "sullo": true, "sui": true, "nel": true,
	"nella": true, "nello": true, "nei": true, "ne'": true, "con": true, "e": true, "ed": true, "a": true,
	"il": true, "presso": true,
}

var elisions = []string{"dell'", "sull'", "nell'", "dall'", "all'", "d'"}

// fixCase undoes the mechanical title case of ANPR names of suppressed
// comuni: "Uggiate-trevano" → "Uggiate-Trevano", "Bagnasco D'asti" →
// "Bagnasco d'Asti", "Borgo Sant'agata" → "Borgo Sant'Agata", "Villa Di
// Tirano" → "Villa di Tirano".
func fixCase(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		// Capitalise after a hyphen or an apostrophe inside the word.
		rs := []rune(w)
		for j := 1; j < len(rs); j++ {
			if rs[j-1] == '-' || rs[j-1] == '\'' {
				rs[j] = unicode.ToUpper(rs[j])
			}
		}
		w = string(rs)
		if i > 0 {
			lw := strings.ToLower(w)
			if particles[lw] {
				w = lw
			} else {
				for _, e := range elisions {
					if len(lw) > len(e) && strings.HasPrefix(lw, e) {
						w = e + w[len(e):]
						break
					}
				}
			}
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

// matchKey reduces a name to lower-case ASCII letters, to match names
// across sources ("Vighizzolo d'Este" = "VIGHIZZOLO D'ESTE").
func matchKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		r = unicode.ToLower(r)
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
