package refdata

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// Seasons holds the season dates the agency set for some years; other
// years get DefaultSeason.
type Seasons struct {
	byYear map[int]Season
}

// SeasonsHeader is the header of the import format.
const SeasonsHeader = "anno,inizio,fine"

// Season returns the season of a year: the configured one, else the
// default.
func (s *Seasons) Season(year int) Season {
	if s != nil {
		if v, ok := s.byYear[year]; ok {
			return v
		}
	}
	return DefaultSeason(year)
}

// Years returns how many years are configured.
func (s *Seasons) Years() int { return len(s.byYear) }

// ReadSeasons reads the import format (SeasonsHeader): one row per year,
// dates as AAAA-MM-GG or GG/MM/AAAA within that year, lines starting with #
// ignored. A season must hold at least one two-week shift.
func ReadSeasons(r io.Reader) (*Seasons, []RowError, error) {
	rows, bad, err := readRows(r, SeasonsHeader)
	if err != nil {
		return nil, nil, err
	}
	out := &Seasons{byYear: map[int]Season{}}
	for _, rw := range rows {
		year, err := strconv.Atoi(rw.rec[0])
		if err != nil || year < 1990 || year > 2100 {
			bad = append(bad, RowError{rw.line, fmt.Sprintf("anno %q non valido", rw.rec[0])})
			continue
		}
		start, err1 := parseDay(rw.rec[1])
		end, err2 := parseDay(rw.rec[2])
		switch {
		case err1 != nil:
			bad = append(bad, RowError{rw.line, "inizio: " + err1.Error()})
		case err2 != nil:
			bad = append(bad, RowError{rw.line, "fine: " + err2.Error()})
		case start.Year() != year || end.Year() != year:
			bad = append(bad, RowError{rw.line, fmt.Sprintf("le date devono cadere nell'anno %d", year)})
		case out.byYear[year] != (Season{}):
			bad = append(bad, RowError{rw.line, fmt.Sprintf("anno %d ripetuto", year)})
		default:
			s := Season{Start: start, End: end}
			if _, err := Shifts(s); err != nil {
				bad = append(bad, RowError{rw.line, err.Error()})
				continue
			}
			out.byYear[year] = s
		}
	}
	return out, sortRowErrors(bad), nil
}

func parseDay(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, clock.Rome); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("data %q non valida (usare AAAA-MM-GG o GG/MM/AAAA)", s)
}
