// Package i18n holds the message catalogue: Italian (the default) and
// English, one JSON file per locale, every key in both. Pages and errors
// get their text from here, never from string literals in handlers.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// Lang is a supported locale.
type Lang string

// The supported locales; Italian is the default.
const (
	IT Lang = "it"
	EN Lang = "en"
)

// Langs lists the supported locales, default first.
var Langs = []Lang{IT, EN}

// Parse returns the supported locale named by s, and whether it is one.
func Parse(s string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case IT:
		return IT, true
	case EN:
		return EN, true
	}
	return IT, false
}

//go:embed locales/*.json
var files embed.FS

// Catalogue maps each locale's message keys to texts.
type Catalogue struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogue and checks that every locale has the
// same keys.
func Load() (*Catalogue, error) {
	c := &Catalogue{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		b, err := files.ReadFile("locales/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: locales/%s.json: %w", l, err)
		}
		c.msgs[l] = m
	}
	for _, l := range Langs[1:] {
		if missing := diff(c.msgs[IT], c.msgs[l]); len(missing) > 0 {
			return nil, fmt.Errorf("i18n: %s lacks %v", l, missing)
		}
		if extra := diff(c.msgs[l], c.msgs[IT]); len(extra) > 0 {
			return nil, fmt.Errorf("i18n: %s has keys Italian lacks: %v", l, extra)
		}
	}
	return c, nil
}

func diff(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.msgs[IT][key]
	return ok
}

// Keys returns every key, sorted.
func (c *Catalogue) Keys() []string {
	keys := make([]string, 0, len(c.msgs[IT]))
	for k := range c.msgs[IT] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// T returns the text of key in lang, formatted with args (fmt verbs). An
// unknown key yields the key itself in brackets, so that a gap shows on the
// page and in tests instead of failing the request.
func (c *Catalogue) T(lang Lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[IT]
	}
	s, ok := m[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Date formats a day as dd/mm/yyyy in Europe/Rome, the form Italian
// public services use (and unambiguous for British readers too).
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Rome).Format("02/01/2006")
}

// DateTime formats an instant as dd/mm/yyyy hh:mm in Europe/Rome.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Rome).Format("02/01/2006 15:04")
}

// Match picks the locale for an Accept-Language header (RFC 9110
// §12.5.4): the supported locale with the highest quality, Italian when
// none is acceptable. A range names a locale by its primary subtag ("en-GB"
// asks for English); "*" gives its quality to every locale no other range
// names; a quality of 0, or a malformed one, makes the range unacceptable.
// Between equal qualities the range listed first wins.
func Match(acceptLanguage string) Lang {
	type pref struct {
		q     float64
		pos   int
		named bool
	}
	prefs := map[Lang]pref{}
	wild := pref{q: -1}
	for pos, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		q := weight(params)
		if tag == "*" {
			if !wild.named || q > wild.q {
				wild = pref{q: q, pos: pos, named: true}
			}
			continue
		}
		primary, _, _ := strings.Cut(tag, "-")
		l, ok := Parse(primary)
		if !ok {
			continue
		}
		if p := prefs[l]; !p.named || q > p.q {
			prefs[l] = pref{q: q, pos: pos, named: true}
		}
	}
	best, bestQ, bestPos := IT, 0.0, 0
	for _, l := range Langs {
		p, ok := prefs[l]
		if !ok {
			p = wild
		}
		if !p.named || p.q <= 0 {
			continue
		}
		if p.q > bestQ || p.q == bestQ && p.pos < bestPos {
			best, bestQ, bestPos = l, p.q, p.pos
		}
	}
	return best
}

// weight returns the quality of an Accept-Language element from its
// parameters: 1 without a weight, 0 for a malformed one. The parameter
// name is case-insensitive and the value is a qvalue (RFC 9110 §12.4.2):
// 0 or 1 with at most three decimals, none above 1.
func weight(params string) float64 {
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		whole, frac, _ := strings.Cut(value, ".")
		if (whole != "0" && whole != "1") || len(frac) > 3 ||
			strings.Trim(frac, "0123456789") != "" || (whole == "1" && strings.Trim(frac, "0") != "") {
			return 0
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0
		}
		q = v
	}
	return q
}
