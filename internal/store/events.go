package store

import (
	"context"
	"fmt"

	"github.com/sportello/sportello/internal/history"
)

// AppendEvent adds an event to a case's history in the transaction that
// changes the case (ST-1), and returns it with its ID, position and time.
// Events are never changed or deleted.
func (tx *Tx) AppendEvent(ctx context.Context, e history.Event) (history.Event, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	if e.Payload == "" {
		e.Payload = "{}"
	}
	e.At = tx.now
	// Concurrent changes of one case take turns (PostgreSQL; SQLite has a
	// single writer), so that each computes its position after the other.
	if lock := tx.db.d.caseLock(); lock != "" {
		if _, err := tx.exec(ctx, lock, e.CaseKind+":"+e.CaseID); err != nil {
			return e, tx.db.storeErr("lock case", err)
		}
	}
	// The position is computed in the same statement; the unique key
	// (case_kind, case_id, seq) still refuses a duplicate.
	err := tx.queryRow(ctx, `INSERT INTO events (case_kind, case_id, seq, at, kind, actor, acting_for, channel, payload)
		SELECT ?, ?, COALESCE(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?
		FROM events WHERE case_kind = ? AND case_id = ?
		RETURNING id, seq`,
		e.CaseKind, e.CaseID, e.At, e.Kind, e.Actor, e.ActingFor, e.Channel, e.Payload,
		e.CaseKind, e.CaseID).Scan(&e.ID, &e.Seq)
	if err != nil {
		return e, tx.db.storeErr("append event", err)
	}
	return e, nil
}

// CaseHistory returns the events of a case, oldest first.
func (db *DB) CaseHistory(ctx context.Context, caseKind, caseID string) ([]history.Event, error) {
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT id, case_kind, case_id, seq, at, kind, actor, acting_for, channel, payload
		FROM events WHERE case_kind = ? AND case_id = ? ORDER BY seq`), caseKind, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case history: %w", err)
	}
	defer rows.Close()
	var out []history.Event
	for rows.Next() {
		var e history.Event
		if err := rows.Scan(&e.ID, &e.CaseKind, &e.CaseID, &e.Seq, &e.At, &e.Kind, &e.Actor, &e.ActingFor, &e.Channel, &e.Payload); err != nil {
			return nil, fmt.Errorf("store: scan event: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
