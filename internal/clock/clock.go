// Package clock injects time. Nothing in Sportello reads time.Now directly:
// services receive a Clock, tests move it. Business dates (years of
// registers, deadlines, windows) are computed in Europe/Rome; instants are
// stored in UTC.
package clock

import (
	"sync"
	"time"
	_ "time/tzdata" // Europe/Rome must resolve on machines without zoneinfo.
)

// Rome is the agency's business time zone.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("clock: " + err.Error()) // embedded tzdata makes this unreachable
	}
	return loc
}

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// Manual is a clock for tests: it stands still until set or advanced.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a manual clock set to t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

// YearInRome returns the calendar year of t in Europe/Rome: the year a
// register number belongs to.
func YearInRome(t time.Time) int { return t.In(Rome).Year() }

// Stamp normalises an instant for storage: UTC at microsecond precision,
// which both engines keep exactly, so values round-trip and compare equal.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Day writes a calendar date of the registries and records (YYYY-MM-DD)
// as Italians read it, dd/mm/yyyy; anything else is returned unchanged.
func Day(iso string) string {
	if t, err := time.Parse("2006-01-02", iso); err == nil {
		return t.Format("02/01/2006")
	}
	return iso
}
