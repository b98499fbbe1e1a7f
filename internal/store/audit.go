package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sportello/sportello/internal/audit"
)

// Audit adds an entry to the audit chain when the transaction commits
// (AUD-1). Entries are linked in the order they are added.
func (tx *Tx) Audit(e audit.Entry) error {
	if e.Detail == "" {
		e.Detail = "{}"
	}
	if err := e.Validate(); err != nil {
		return err
	}
	tx.audits = append(tx.audits, e)
	return nil
}

// flushAudit appends the buffered entries to the chain. It locks the head
// row, so appenders on every node extend the same chain one at a time.
func (tx *Tx) flushAudit(ctx context.Context) error {
	if len(tx.audits) == 0 {
		return nil
	}
	var head audit.Head
	if err := tx.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.db.d.forUpdate()).Scan(&head.Seq, &head.Hash); err != nil {
		return tx.db.storeErr("audit head", err)
	}
	// Multi-row INSERTs: a batch appends its entries in few round trips,
	// in chunks that stay far below the engines' parameter limits.
	const chunk = 200
	for start := 0; start < len(tx.audits); start += chunk {
		part := tx.audits[start:min(start+chunk, len(tx.audits))]
		var q strings.Builder
		q.WriteString("INSERT INTO audit_log (seq, at, actor, acting_for, channel, action, subject, detail, prev_hash, hash) VALUES ")
		args := make([]any, 0, 10*len(part))
		for i, e := range part {
			e.At = tx.now
			e = tx.db.chain.Link(head, e)
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, e.Seq, e.At, e.Actor, e.ActingFor, e.Channel, e.Action, e.Subject, e.Detail, e.PrevHash, e.Hash)
			head = audit.Head{Seq: e.Seq, Hash: e.Hash}
		}
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return tx.db.storeErr("append audit entries", err)
		}
	}
	if _, err := tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash); err != nil {
		return tx.db.storeErr("move audit head", err)
	}
	tx.audits = tx.audits[:0]
	return nil
}

// Audit appends entries to the chain through the batching writer, for
// actions that change nothing else, such as reading a person's record.
func (db *DB) Audit(ctx context.Context, entries ...audit.Entry) error {
	return db.Submit(ctx, func(tx *Tx) error {
		for _, e := range entries {
			if err := tx.Audit(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// AuditReport is the outcome of a successful verification.
type AuditReport struct {
	Entries int64
	Head    audit.Head
}

// VerifyAudit walks the whole chain in order from one consistent snapshot
// and returns the first break as an *audit.BreakError. It reads in
// constant memory. anchors are heads recorded outside the database, which
// the chain must still contain (they reveal a truncated chain).
func (db *DB) VerifyAudit(ctx context.Context, anchors ...audit.Head) (AuditReport, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return AuditReport{}, fmt.Errorf("store: verify audit: %w", err)
	}
	defer tx.Rollback()
	var head audit.Head
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head.Seq, &head.Hash); err != nil {
		return AuditReport{}, fmt.Errorf("store: audit head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, acting_for, channel, action, subject, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return AuditReport{}, fmt.Errorf("store: read audit log: %w", err)
	}
	defer rows.Close()
	v := audit.NewVerifier(db.chain)
	v.Expect(anchors...)
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.ActingFor, &e.Channel, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return AuditReport{Entries: v.Checked()}, fmt.Errorf("store: scan audit entry after %d: %w", v.Checked(), err)
		}
		if err := v.Check(e); err != nil {
			return AuditReport{Entries: v.Checked()}, err
		}
	}
	if err := rows.Err(); err != nil {
		return AuditReport{Entries: v.Checked()}, fmt.Errorf("store: read audit log: %w", err)
	}
	if err := v.Finish(head); err != nil {
		return AuditReport{Entries: v.Checked()}, err
	}
	return AuditReport{Entries: v.Checked(), Head: head}, nil
}

// AuditHead returns the current end of the chain.
func (db *DB) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := db.read.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	if err != nil {
		return h, fmt.Errorf("store: audit head: %w", err)
	}
	return h, nil
}

// AuditTrail returns the entries about a subject, oldest first (so a
// citizen can see who looked at their file).
func (db *DB) AuditTrail(ctx context.Context, subject string, limit int) ([]audit.Entry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT seq, at, actor, acting_for, channel, action, subject, detail, prev_hash, hash
		FROM audit_log WHERE subject = ? ORDER BY seq LIMIT ?`), subject, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit trail: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.ActingFor, &e.Channel, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: scan audit entry: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
