package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/protocol"
)

// NextNumber takes the next number of reg for the transaction's year in
// Europe/Rome (PROT-1). The counter row stays locked until the transaction
// ends: if it rolls back, the number is given to the next registration, so
// numbers have no gaps; concurrent transactions on any node wait their turn.
// At 9,999,999 it returns an Exhausted error and the transaction must end.
func (tx *Tx) NextNumber(ctx context.Context, reg protocol.Register) (protocol.Number, error) {
	if err := reg.Validate(); err != nil {
		return protocol.Number{}, err
	}
	year := clock.YearInRome(tx.now)
	var last int64
	err := tx.queryRow(ctx, `INSERT INTO registers (name, year, last) VALUES (?, ?, 1)
		ON CONFLICT (name, year) DO UPDATE SET last = registers.last + 1
		RETURNING last`, string(reg), year).Scan(&last)
	if err != nil {
		if tx.db.d.classify(err) == errCheck {
			return protocol.Number{}, apperr.Wrap(apperr.Exhausted, fmt.Sprintf(
				"Il registro %q dell'anno %d ha raggiunto il numero massimo (%d): non è possibile assegnare altri numeri quest'anno.",
				reg, year, protocol.MaxSeq), err)
		}
		return protocol.Number{}, tx.db.storeErr("next number", err)
	}
	// The counter row is now ours until the transaction ends: read the clock
	// again so that a registration that waited for the lock is not dated
	// before the one that held it (dates follow numbers). If the wait
	// crossed midnight the number belongs to the old year, and so does the
	// earlier reading.
	if after := tx.db.now(); clock.YearInRome(after) == year && after.After(tx.now) {
		tx.now = after
	}
	if tx.allocs == nil {
		tx.allocs = map[protocol.Register]int{}
	}
	tx.allocs[reg]++
	return protocol.Number{Year: year, Seq: last}, nil
}

// Register takes the next number of n.Register and records the registration
// (DPR 445/2000 art. 53): number, date and digest are set by the system, in
// one operation. A correction names the registration it corrects, which must
// exist in the same register.
func (tx *Tx) Register(ctx context.Context, n protocol.NewRegistration) (protocol.Registration, error) {
	if err := n.Validate(); err != nil {
		return protocol.Registration{}, err
	}
	if n.Corrects != 0 {
		old, err := tx.db.findRegistration(tx.ctx(ctx), tx.tx, n.Corrects)
		if err != nil {
			return protocol.Registration{}, err
		}
		if old.Register != n.Register {
			return protocol.Registration{}, &apperr.Error{Code: apperr.Invalid, Message: "La correzione deve appartenere allo stesso registro del documento corretto.",
				Fields: map[string]string{"corrects": "Registro diverso."}}
		}
	}
	num, err := tx.NextNumber(ctx, n.Register)
	if err != nil {
		return protocol.Registration{}, err
	}
	r := protocol.Registration{
		Register: n.Register, Number: num, RegisteredAt: tx.now,
		Kind: n.Kind, Subject: n.Subject, Correspondent: n.Correspondent,
		Payload: n.Payload, Digest: protocol.Digest(n.Payload), Corrects: n.Corrects,
		Actor: n.Actor, Channel: n.Channel,
	}
	err = tx.queryRow(ctx, `INSERT INTO registrations
		(register, year, number, registered_at, kind, subject, correspondent, payload, digest, corrects_id, actor, channel)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(r.Register), num.Year, num.Seq, r.RegisteredAt, r.Kind, r.Subject, r.Correspondent,
		r.Payload, r.Digest, nullID(r.Corrects), r.Actor, r.Channel).Scan(&r.ID)
	if err != nil {
		return protocol.Registration{}, tx.db.storeErr("insert registration", err)
	}
	return r, nil
}

// Annul marks a registration as annulled (DPR 445/2000 art. 54). The
// registration itself is untouched and stays readable.
func (tx *Tx) Annul(ctx context.Context, a protocol.Annulment) (protocol.Annulment, error) {
	fields := map[string]string{}
	if a.Reason == "" {
		fields["reason"] = "Indicare il provvedimento che autorizza l'annullamento."
	}
	if a.Actor == "" {
		fields["actor"] = "Indicare chi annulla."
	}
	if len(fields) > 0 {
		return a, &apperr.Error{Code: apperr.Invalid, Message: "L'annullamento contiene errori.", Fields: fields}
	}
	if _, err := tx.db.findRegistration(tx.ctx(ctx), tx.tx, a.RegistrationID); err != nil {
		return a, err
	}
	a.AnnulledAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO registration_annulments (registration_id, annulled_at, actor, reason) VALUES (?, ?, ?, ?)`,
		a.RegistrationID, a.AnnulledAt, a.Actor, a.Reason)
	if tx.db.d.classify(err) == errUnique {
		return a, apperr.Wrap(apperr.Conflict, "La registrazione è già stata annullata.", err)
	}
	return a, tx.db.storeErr("annul", err)
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const registrationCols = `id, register, year, number, registered_at, kind, subject, correspondent, payload, digest, corrects_id, actor, channel`

type rowScanner interface{ Scan(dest ...any) error }

func scanRegistration(s rowScanner) (protocol.Registration, error) {
	var r protocol.Registration
	var reg string
	var corrects sql.NullInt64
	err := s.Scan(&r.ID, &reg, &r.Number.Year, &r.Number.Seq, &r.RegisteredAt, &r.Kind, &r.Subject,
		&r.Correspondent, &r.Payload, &r.Digest, &corrects, &r.Actor, &r.Channel)
	r.Register = protocol.Register(reg)
	r.Corrects = corrects.Int64
	r.RegisteredAt = r.RegisteredAt.UTC()
	return r, err
}

func (db *DB) findRegistration(ctx context.Context, q querier, id int64) (protocol.Registration, error) {
	r, err := scanRegistration(q.QueryRowContext(ctx, db.d.q(`SELECT `+registrationCols+` FROM registrations WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "Registrazione non trovata.")
	}
	if err != nil {
		return r, fmt.Errorf("store: find registration: %w", err)
	}
	return r, nil
}

// FindRegistrationByID returns a registration.
func (db *DB) FindRegistrationByID(ctx context.Context, id int64) (protocol.Registration, error) {
	return db.findRegistration(ctx, db.read, id)
}

// FindRegistrationByNumber returns the registration with a number in reg.
func (db *DB) FindRegistrationByNumber(ctx context.Context, reg protocol.Register, n protocol.Number) (protocol.Registration, error) {
	r, err := scanRegistration(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+registrationCols+
		` FROM registrations WHERE register = ? AND year = ? AND number = ?`), string(reg), n.Year, n.Seq))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, fmt.Sprintf("Nessuna registrazione con numero %s.", n))
	}
	if err != nil {
		return r, fmt.Errorf("store: find registration: %w", err)
	}
	return r, nil
}

// FindAnnulment returns the annulment of a registration, NotFound if it is
// not annulled.
func (db *DB) FindAnnulment(ctx context.Context, registrationID int64) (protocol.Annulment, error) {
	a := protocol.Annulment{RegistrationID: registrationID}
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT annulled_at, actor, reason FROM registration_annulments WHERE registration_id = ?`),
		registrationID).Scan(&a.AnnulledAt, &a.Actor, &a.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "La registrazione non è annullata.")
	}
	a.AnnulledAt = a.AnnulledAt.UTC()
	if err != nil {
		return a, fmt.Errorf("store: find annulment: %w", err)
	}
	return a, nil
}

// RegistrationFilter selects registrations; zero fields do not filter.
type RegistrationFilter struct {
	Register protocol.Register
	Year     int
	Kind     string
	Actor    string
	Limit    int // default 50, at most 1000
	Offset   int
}

// FindRegistrations returns registrations in number order and the total
// matching the filter (for pagination).
func (db *DB) FindRegistrations(ctx context.Context, f RegistrationFilter) ([]protocol.Registration, int, error) {
	where, args := "WHERE 1 = 1", []any{}
	if f.Register != "" {
		where += " AND register = ?"
		args = append(args, string(f.Register))
	}
	if f.Year != 0 {
		where += " AND year = ?"
		args = append(args, f.Year)
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.Actor != "" {
		where += " AND actor = ?"
		args = append(args, f.Actor)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.d.q("SELECT count(*) FROM registrations "+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count registrations: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	rows, err := db.read.QueryContext(ctx, db.d.q("SELECT "+registrationCols+" FROM registrations "+where+
		" ORDER BY register, year, number LIMIT ? OFFSET ?"), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: find registrations: %w", err)
	}
	defer rows.Close()
	var out []protocol.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: scan registration: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// LastNumber returns the last number given by reg in year, 0 if none.
func (db *DB) LastNumber(ctx context.Context, reg protocol.Register, year int) (int64, error) {
	var last int64
	err := db.read.QueryRowContext(ctx, db.d.q("SELECT last FROM registers WHERE name = ? AND year = ?"), string(reg), year).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: last number: %w", err)
	}
	return last, nil
}
