package comuni

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// data holds comuni.csv when `make assets` has generated it, and always a
// README.md, so that the directory exists on a fresh clone.
//
//go:embed data
var data embed.FS

// dataFile is the generated table inside data.
const dataFile = "data/comuni.csv"

// ErrNotBuilt is returned by Load, with an empty table, when the embedded
// CSV was not generated: the program works, but knows no place.
var ErrNotBuilt = errors.New("comuni: internal/comuni/data/comuni.csv was not generated (run `make assets`): no comune or foreign state is known")

// Place is one validity period of a comune or foreign state.
type Place struct {
	Belfiore string // cadastral code, e.g. H501; Z… for foreign states
	ISTAT    string // ISTAT code of a current comune, e.g. 058091; often empty
	Name     string // Italian name, e.g. "Roma", "Francia"
	Province string // sigla, e.g. RM; historical for suppressed comuni; empty for states
	Region   string // e.g. "Lazio"; empty for states and ceded territories
	From     time.Time
	To       time.Time // first day no longer valid; zero while the place exists
	Foreign  bool
}

// ValidOn reports whether the place existed on day on (its calendar date,
// in on's location).
func (p Place) ValidOn(on time.Time) bool {
	d := day(on)
	return (p.From.IsZero() || !d.Before(p.From)) && (p.To.IsZero() || d.Before(p.To))
}

// Suppressed reports whether the place has ceased: a suppressed or merged
// comune, or a state that no longer exists.
func (p Place) Suppressed() bool { return !p.To.IsZero() }

// Table is an immutable set of places, sorted by Belfiore code and start.
type Table struct {
	places []Place
	folded []string         // fold(Name), parallel to places
	byName map[string][]int // fold(Name) → indexes into places
}

// newTable sorts places and builds the search keys.
func newTable(places []Place) *Table {
	slices.SortStableFunc(places, comparePlaces)
	t := &Table{places: places, folded: make([]string, len(places))}
	t.byName = make(map[string][]int, len(places))
	for i, p := range places {
		t.folded[i] = fold(p.Name)
		t.byName[t.folded[i]] = append(t.byName[t.folded[i]], i)
	}
	return t
}

// Named returns the place with exactly this name (compared without case,
// accents or apostrophe style) in a province (sigla; empty: any), valid on
// day on (zero: any day). Several comuni share a name across provinces
// (Samone, Castro, …): give the province to tell them apart. Unlike
// Search it is a map lookup, for checking many records.
func (t *Table) Named(name, province string, on time.Time) (Place, bool) {
	if t == nil {
		return Place{}, false
	}
	for _, i := range t.byName[fold(name)] {
		p := t.places[i]
		if (province == "" || strings.EqualFold(p.Province, province)) && (on.IsZero() || p.ValidOn(on)) {
			return p, true
		}
	}
	return Place{}, false
}

func comparePlaces(a, b Place) int {
	if c := strings.Compare(a.Belfiore, b.Belfiore); c != 0 {
		return c
	}
	return a.From.Compare(b.From)
}

var loadEmbedded = sync.OnceValues(func() (*Table, error) {
	b, err := data.ReadFile(dataFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &Table{}, ErrNotBuilt
	}
	if err != nil {
		return &Table{}, fmt.Errorf("comuni: %w", err)
	}
	t, bad, err := ReadCSV(bytes.NewReader(b))
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("riga %d: %s", bad[0].Line, bad[0].Reason)
	}
	if err != nil {
		return &Table{}, fmt.Errorf("comuni: embedded %s is damaged (run `make assets` again): %w", dataFile, err)
	}
	return t, nil
})

// Load returns the embedded table. When the assets were not built it
// returns an empty table and ErrNotBuilt, which the caller can log and
// carry on.
func Load() (*Table, error) {
	return loadEmbedded()
}

// Len returns the number of rows (validity periods) in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.places)
}

// Places returns a copy of every row, sorted by Belfiore code and start.
func (t *Table) Places() []Place {
	if t == nil {
		return nil
	}
	return slices.Clone(t.places)
}

// periods returns the rows of code, oldest first.
func (t *Table) periods(code string) []Place {
	if t == nil {
		return nil
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	i, _ := slices.BinarySearchFunc(t.places, code, func(p Place, c string) int { return strings.Compare(p.Belfiore, c) })
	j := i
	for j < len(t.places) && t.places[j].Belfiore == code {
		j++
	}
	return t.places[i:j]
}

// ByCode returns the place that code designated on day on. A code can have
// several periods (a comune moved to another province, a code reused).
func (t *Table) ByCode(code string, on time.Time) (Place, bool) {
	for _, p := range t.periods(code) {
		if p.ValidOn(on) {
			return p, true
		}
	}
	return Place{}, false
}

// ByCodeAny returns the most recent period of code, whatever its dates.
func (t *Table) ByCodeAny(code string) (Place, bool) {
	ps := t.periods(code)
	if len(ps) == 0 {
		return Place{}, false
	}
	return ps[len(ps)-1], true
}

// Search returns at most limit places valid on day on (any period when on
// is zero) whose name starts with namePrefix, ignoring case, accents and
// apostrophe style; then places with a later word starting with it
// ("giovanni" finds "San Giovanni Rotondo"). Exact matches come first,
// then the rest by name; places still existing before ceased ones.
//
//	t.Search("forli", time.Now(), 10) // Forlì, Forlimpopoli, …
func (t *Table) Search(namePrefix string, on time.Time, limit int) []Place {
	q := fold(namePrefix)
	if t == nil || q == "" || limit <= 0 {
		return nil
	}
	type hit struct {
		i    int
		rank int // 0 exact, 1 name prefix, 2 word prefix
	}
	var hits []hit
	for i, f := range t.folded {
		rank := -1
		switch {
		case f == q:
			rank = 0
		case strings.HasPrefix(f, q):
			rank = 1
		case wordPrefix(f, q):
			rank = 2
		default:
			continue
		}
		if !on.IsZero() && !t.places[i].ValidOn(on) {
			continue
		}
		hits = append(hits, hit{i, rank})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		pa, pb := t.places[a.i], t.places[b.i]
		return cmp.Or(
			cmp.Compare(a.rank, b.rank),
			compareBool(pa.Suppressed(), pb.Suppressed()),
			strings.Compare(t.folded[a.i], t.folded[b.i]),
			comparePlaces(pa, pb),
		)
	})
	out := make([]Place, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, t.places[h.i])
	}
	return out
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// wordPrefix reports whether a word of s after the first starts with q.
func wordPrefix(s, q string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" -'/", s[i]) >= 0 && strings.HasPrefix(s[i+1:], q) {
			return true
		}
	}
	return false
}

// fold lowers s and strips its accents, for matching: "Forlì" and "FORLI"
// both give "forli"; typographic apostrophes become plain ones.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '’' || r == '`' || r == '´':
			b.WriteByte('\'')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// day returns the calendar date of t (in t's location) as midnight UTC, the
// form of every date in a Place.
func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
