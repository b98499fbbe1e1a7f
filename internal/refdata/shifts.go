// Package refdata holds reference data the rules and forms need: the spa
// treatment seasons and shift calendar (RULE-9), the cure catalogue behind
// the cascading menu (CBT-6), the offices and health authorities with their
// territories (CBT-4, CBT-7) and the spa facilities (CBTW-3). Tables ship
// embedded (partial, labelled datasets where no complete public list
// reaches the project) and are replaced by `sportello import`. Comuni live
// in package comuni.
package refdata

import (
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
)

// Shift is a two-week treatment period: Monday of the first week to
// Saturday of the second, 12 treatment days (RULE-9; seed 001: "dal lunedì
// della prima settimana al sabato della seconda").
type Shift struct {
	Number int       // 1, 2, … within the season
	Start  time.Time // a Monday, in Europe/Rome
	End    time.Time // the Saturday 12 days later
}

// TreatmentDays returns the 12 days of treatment (Sundays excluded).
func (s Shift) TreatmentDays() []time.Time {
	var out []time.Time
	for d := s.Start; !d.After(s.End); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

func (s Shift) String() string {
	return fmt.Sprintf("turno %d: %s – %s", s.Number, s.Start.Format("02/01/2006"), s.End.Format("02/01/2006"))
}

// Season is the span of a year in which shifts run.
type Season struct {
	Start time.Time // the first shift starts on this day or the next Monday
	End   time.Time // the last shift ends on this day or before
}

// DefaultSeason is modelled on the 2017 season (27 March – 2 December,
// msg. INPS 1274/2017): from the first Monday on or after 25 March to the
// first Saturday on or after 1 December. Offices configure the real dates.
func DefaultSeason(year int) Season {
	start := time.Date(year, 3, 25, 0, 0, 0, 0, clock.Rome)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	end := time.Date(year, 12, 1, 0, 0, 0, 0, clock.Rome)
	for end.Weekday() != time.Saturday {
		end = end.AddDate(0, 0, 1)
	}
	return Season{Start: start, End: end}
}

// Shifts returns the season's shifts: consecutive, with no gap (a shift
// ends on Saturday, the next starts on Monday), the first on the first
// Monday on or after the season start, the last ending on or before the
// season end.
func Shifts(s Season) ([]Shift, error) {
	start := time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day(), 0, 0, 0, 0, clock.Rome)
	end := time.Date(s.End.Year(), s.End.Month(), s.End.Day(), 0, 0, 0, 0, clock.Rome)
	if !end.After(start) {
		return nil, apperr.New(apperr.Invalid, "La stagione termale deve finire dopo il suo inizio.")
	}
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	var out []Shift
	for n := 1; ; n++ {
		sh := Shift{Number: n, Start: start, End: start.AddDate(0, 0, 12)}
		if sh.End.After(end) {
			break
		}
		out = append(out, sh)
		start = start.AddDate(0, 0, 14)
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.Invalid, "La stagione termale è troppo breve per un turno di due settimane.")
	}
	return out, nil
}
