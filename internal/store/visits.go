package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
)

// The health authorities' visit agenda (AG-1…AG-3): slots of a medical
// commission, and the bookings of applications in them. A slot is never
// booked beyond its capacity: each booking increments its count with a
// conditional UPDATE, and a CHECK refuses anything above the capacity, on
// both engines and from any number of nodes.

// Slot is a time at which a commission visits up to Capacity people at a
// place, or at home (Home) for people who cannot be moved.
type Slot struct {
	ID         int64
	ASL        string
	StartsAt   time.Time
	Place      string
	Commission string
	Capacity   int
	Booked     int
	Home       bool
	CreatedBy  string
	CreatedAt  time.Time
}

// Visit states.
const (
	VisitBooked    = "booked"    // waiting for the visit
	VisitMoved     = "moved"     // the date was changed (AG-2): another booking replaced it
	VisitPresent   = "present"   // the person came
	VisitAbsent    = "absent"    // the person did not come (AG-3)
	VisitCancelled = "cancelled" // the application ended before the visit
)

// Visit is one booking of an application in a slot, for a summons.
type Visit struct {
	ID          int64
	Application string
	Summons     int // 1 at submission, 2 after an absence
	State       string
	BookedAt    time.Time
	BookedBy    string
	RecordedBy  string
	RecordedAt  time.Time
	Slot        Slot
}

// AddSlot adds a slot to an ASL's agenda.
func (tx *Tx) AddSlot(ctx context.Context, s Slot) (Slot, error) {
	s.CreatedAt, s.Booked = tx.now, 0
	s.StartsAt = s.StartsAt.UTC().Truncate(time.Microsecond)
	err := tx.queryRow(ctx, `INSERT INTO visit_slots (asl, starts_at, place, commission, capacity, booked, home, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id`, s.ASL, s.StartsAt, s.Place, s.Commission, s.Capacity, s.Home, s.CreatedBy, s.CreatedAt).Scan(&s.ID)
	if tx.db.d.classify(err) == errCheck {
		return s, apperr.New(apperr.Invalid, "La capacità di una seduta va da 1 a 500 persone.")
	}
	return s, tx.db.storeErr("add slot", err)
}

const slotCols = `id, asl, starts_at, place, commission, capacity, booked, home, created_by, created_at`

func scanSlot(s rowScanner) (Slot, error) {
	var sl Slot
	err := s.Scan(&sl.ID, &sl.ASL, &sl.StartsAt, &sl.Place, &sl.Commission, &sl.Capacity, &sl.Booked, &sl.Home, &sl.CreatedBy, &sl.CreatedAt)
	sl.StartsAt, sl.CreatedAt = sl.StartsAt.UTC(), sl.CreatedAt.UTC()
	return sl, err
}

// SlotFilter selects an ASL's slots from a time (inclusive) to another
// (exclusive; zero: no end).
type SlotFilter struct {
	ASL      string
	From, To time.Time
	Home     *bool
	Free     bool // only slots with room
	Limit    int
	Offset   int
}

// Slots returns a page of an ASL's slots in time order, and how many match.
func (db *DB) Slots(ctx context.Context, f SlotFilter) ([]Slot, int, error) {
	if f.ASL == "" {
		return nil, 0, fmt.Errorf("store: Slots without an ASL")
	}
	cond, args := "asl = ? AND starts_at >= ?", []any{f.ASL, f.From.UTC()}
	if !f.To.IsZero() {
		cond += " AND starts_at < ?"
		args = append(args, f.To.UTC())
	}
	if f.Home != nil {
		cond += " AND home = ?"
		args = append(args, *f.Home)
	}
	if f.Free {
		cond += " AND booked < capacity"
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.d.q("SELECT count(*) FROM visit_slots WHERE "+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count slots: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT `+slotCols+` FROM visit_slots WHERE `+cond+` ORDER BY starts_at, id LIMIT ? OFFSET ?`),
		append(args, limit, min(max(0, f.Offset), 1_000_000))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: slots: %w", err)
	}
	defer rows.Close()
	var out []Slot
	for rows.Next() {
		s, err := scanSlot(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: scan slot: %w", err)
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// SlotByID returns a slot; NotFound if there is none.
func (db *DB) SlotByID(ctx context.Context, id int64) (Slot, error) {
	s, err := scanSlot(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+slotCols+` FROM visit_slots WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errNoSlot
	}
	if err != nil {
		return s, fmt.Errorf("store: slot: %w", err)
	}
	return s, nil
}

var errNoSlot = apperr.New(apperr.NotFound, "Seduta non trovata.")

// ErrNoFreeSlot is returned when the agenda has no room where asked.
var ErrNoFreeSlot = apperr.New(apperr.NotFound, "Nell'agenda dell'azienda sanitaria non ci sono date libere nel periodo richiesto.")

// Booking asks for the earliest slot with room of an ASL, at a place or at
// home, from a time (inclusive) to another (exclusive; zero: no end).
type Booking struct {
	Application string
	Summons     int
	ASL         string
	Home        bool
	From, To    time.Time
	Actor       string
}

// BookEarliest books the application into the earliest slot with room
// that fits b; ErrNoFreeSlot if there is none. Two bookings racing for the
// last place of a slot get one place each or move on to the next slot.
func (tx *Tx) BookEarliest(ctx context.Context, b Booking) (Visit, error) {
	for range 20 {
		q := `SELECT id FROM visit_slots WHERE asl = ? AND home = ? AND starts_at >= ? AND booked < capacity`
		args := []any{b.ASL, b.Home, b.From.UTC()}
		if !b.To.IsZero() {
			q += ` AND starts_at < ?`
			args = append(args, b.To.UTC())
		}
		rows, err := tx.tx.QueryContext(tx.ctx(ctx), tx.db.d.q(q+` ORDER BY starts_at, id LIMIT 8`), args...)
		if err != nil {
			return Visit{}, tx.db.storeErr("free slots", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return Visit{}, tx.db.storeErr("free slots", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Visit{}, tx.db.storeErr("free slots", err)
		}
		if len(ids) == 0 {
			return Visit{}, ErrNoFreeSlot
		}
		for _, id := range ids {
			v, err := tx.book(ctx, b.Application, b.Summons, id, b.Actor)
			if err == nil || !errors.Is(err, errSlotFull) {
				return v, err
			}
		}
		// Every candidate filled up meanwhile: look again.
	}
	return Visit{}, ErrNoFreeSlot
}

var errSlotFull = apperr.New(apperr.Conflict, "La data scelta non è più disponibile: sceglierne un'altra.")

// book takes a place in the slot and records the booking.
func (tx *Tx) book(ctx context.Context, application string, summons int, slotID int64, actor string) (Visit, error) {
	res, err := tx.exec(ctx, `UPDATE visit_slots SET booked = booked + 1 WHERE id = ? AND booked < capacity`, slotID)
	if err != nil {
		if tx.db.d.classify(err) == errCheck {
			return Visit{}, errSlotFull
		}
		return Visit{}, tx.db.storeErr("book slot", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Visit{}, tx.db.storeErr("book slot", err)
	} else if n == 0 {
		return Visit{}, errSlotFull
	}
	v := Visit{Application: application, Summons: summons, State: VisitBooked, BookedAt: tx.now, BookedBy: actor}
	err = tx.queryRow(ctx, `INSERT INTO visits (application, slot_id, summons, state, booked_at, booked_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		application, slotID, summons, VisitBooked, v.BookedAt, actor).Scan(&v.ID)
	if tx.db.d.classify(err) == errUnique {
		return Visit{}, apperr.New(apperr.Conflict, "La domanda ha già una visita prenotata.")
	}
	if err != nil {
		return Visit{}, tx.db.storeErr("book visit", err)
	}
	if v.Slot, err = scanSlot(tx.queryRow(ctx, `SELECT `+slotCols+` FROM visit_slots WHERE id = ?`, slotID)); err != nil {
		return Visit{}, tx.db.storeErr("booked slot", err)
	}
	return v, nil
}

// Book books the application into a chosen slot (ASL staff, or a
// rescheduling); a Conflict if it is full.
func (tx *Tx) Book(ctx context.Context, application string, summons int, slotID int64, actor string) (Visit, error) {
	return tx.book(ctx, application, summons, slotID, actor)
}

// waiting returns the application's booking that waits for its visit,
// locked for the transaction; NotFound if there is none.
func (tx *Tx) waiting(ctx context.Context, application string) (Visit, error) {
	v, err := scanVisit(tx.queryRow(ctx, `SELECT `+visitCols+` FROM visits v JOIN visit_slots s ON s.id = v.slot_id
		WHERE v.application = ? AND v.state = ?`+tx.db.d.forUpdateOf("v"), application, VisitBooked))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.New(apperr.NotFound, "La domanda non ha una visita prenotata.")
	}
	if err != nil {
		return v, tx.db.storeErr("waiting visit", err)
	}
	return v, nil
}

// CloseVisit ends the application's waiting booking with state (moved,
// present, absent, cancelled) and, unless the person came or was absent,
// gives its place back to the slot. It returns the booking as it was.
func (tx *Tx) CloseVisit(ctx context.Context, application, state, actor string) (Visit, error) {
	switch state {
	case VisitMoved, VisitPresent, VisitAbsent, VisitCancelled:
	default:
		return Visit{}, fmt.Errorf("store: CloseVisit with state %q", state)
	}
	v, err := tx.waiting(ctx, application)
	if err != nil {
		return v, err
	}
	if _, err := tx.exec(ctx, `UPDATE visits SET state = ?, recorded_by = ?, recorded_at = ? WHERE id = ?`, state, actor, tx.now, v.ID); err != nil {
		return v, tx.db.storeErr("close visit", err)
	}
	if state == VisitMoved || state == VisitCancelled {
		if _, err := tx.exec(ctx, `UPDATE visit_slots SET booked = booked - 1 WHERE id = ?`, v.Slot.ID); err != nil {
			return v, tx.db.storeErr("free slot", err)
		}
	}
	return v, nil
}

const visitCols = `v.id, v.application, v.summons, v.state, v.booked_at, v.booked_by, v.recorded_by, v.recorded_at,
	s.id, s.asl, s.starts_at, s.place, s.commission, s.capacity, s.booked, s.home, s.created_by, s.created_at`

func scanVisit(r rowScanner) (Visit, error) {
	var v Visit
	var rec sql.NullTime
	s := &v.Slot
	err := r.Scan(&v.ID, &v.Application, &v.Summons, &v.State, &v.BookedAt, &v.BookedBy, &v.RecordedBy, &rec,
		&s.ID, &s.ASL, &s.StartsAt, &s.Place, &s.Commission, &s.Capacity, &s.Booked, &s.Home, &s.CreatedBy, &s.CreatedAt)
	v.BookedAt, s.StartsAt, s.CreatedAt = v.BookedAt.UTC(), s.StartsAt.UTC(), s.CreatedAt.UTC()
	if rec.Valid {
		v.RecordedAt = rec.Time.UTC()
	}
	return v, err
}

// Visits returns an application's bookings, oldest first.
func (db *DB) Visits(ctx context.Context, application string) ([]Visit, error) {
	return db.visits(ctx, `v.application = ? ORDER BY v.id`, application)
}

// SlotVisits returns the bookings of a slot, for the commission's list.
func (db *DB) SlotVisits(ctx context.Context, slotID int64) ([]Visit, error) {
	return db.visits(ctx, `v.slot_id = ? AND v.state <> ? ORDER BY v.id`, slotID, VisitMoved)
}

func (db *DB) visits(ctx context.Context, where string, args ...any) ([]Visit, error) {
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT `+visitCols+` FROM visits v JOIN visit_slots s ON s.id = v.slot_id WHERE `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: visits: %w", err)
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		v, err := scanVisit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan visit: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SetApplicationState moves an application to a state (AG-3: visited,
// renounced) inside a transaction.
func (tx *Tx) SetApplicationState(ctx context.Context, number, state string) error {
	res, err := tx.exec(ctx, `UPDATE applications SET state = ? WHERE number = ?`, state, number)
	if err != nil {
		return tx.db.storeErr("application state", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return tx.db.storeErr("application state", err)
	} else if n != 1 {
		return apperr.New(apperr.NotFound, "Domanda non trovata.")
	}
	return nil
}
