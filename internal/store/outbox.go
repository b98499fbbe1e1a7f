package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
)

// Letter is an entry of the outbox: a document to print and post.
type Letter struct {
	ID        int64
	Kind      string
	Recipient string
	Address   string
	Reference string
	Document  []byte // nil once printed
	CreatedAt time.Time
	Status    string // queued, printed
	PrintedAt time.Time
	PrintedBy string
}

// QueueLetter adds a letter to the outbox in the transaction that causes
// it, and returns its ID.
func (tx *Tx) QueueLetter(ctx context.Context, l Letter) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO outbox (kind, recipient, address, reference, document, created_at, status)
		VALUES (?, ?, ?, ?, ?, ?, 'queued') RETURNING id`, l.Kind, l.Recipient, l.Address, l.Reference, l.Document, tx.now).Scan(&id)
	return id, tx.db.storeErr("queue letter", err)
}

// MarkLetterPrinted records that a letter was printed and deletes its
// document (it may carry a secret).
func (tx *Tx) MarkLetterPrinted(ctx context.Context, id int64, by string) error {
	res, err := tx.exec(ctx, `UPDATE outbox SET status = 'printed', printed_at = ?, printed_by = ?, document = NULL
		WHERE id = ? AND status = 'queued'`, tx.now, by, id)
	if err != nil {
		return tx.db.storeErr("mark letter printed", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Lettera non trovata o già stampata.")
	}
	return nil
}

const letterCols = `id, kind, recipient, address, reference, created_at, status, printed_at, printed_by`

func scanLetter(s rowScanner, withDoc bool, doc *[]byte) (Letter, error) {
	var l Letter
	var printed sql.NullTime
	dest := []any{&l.ID, &l.Kind, &l.Recipient, &l.Address, &l.Reference, &l.CreatedAt, &l.Status, &printed, &l.PrintedBy}
	if withDoc {
		dest = append(dest, doc)
	}
	err := s.Scan(dest...)
	l.CreatedAt = l.CreatedAt.UTC()
	if printed.Valid {
		l.PrintedAt = printed.Time.UTC()
	}
	return l, err
}

// FindLetters returns the outbox, newest first, without documents.
func (db *DB) FindLetters(ctx context.Context, limit int) ([]Letter, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT `+letterCols+` FROM outbox ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	defer rows.Close()
	var out []Letter
	for rows.Next() {
		l, err := scanLetter(rows, false, nil)
		if err != nil {
			return nil, fmt.Errorf("store: scan letter: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// FindLetter returns one letter with its document.
func (db *DB) FindLetter(ctx context.Context, id int64) (Letter, error) {
	var doc []byte
	l, err := scanLetter(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+letterCols+`, document FROM outbox WHERE id = ?`), id), true, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.New(apperr.NotFound, "Lettera non trovata.")
	}
	if err != nil {
		return l, fmt.Errorf("store: find letter: %w", err)
	}
	l.Document = doc
	return l, nil
}

// SetPendingPIN stores a PIN requested online, to become the PIN at its
// first use.
func (tx *Tx) SetPendingPIN(ctx context.Context, userID int64, hash string) error {
	_, err := tx.exec(ctx, `UPDATE users SET pending_pin_hash = ?, pending_pin_at = ? WHERE id = ?`, hash, tx.now, userID)
	return tx.db.storeErr("set pending PIN", err)
}

// ClearPendingPIN forgets a pending PIN (its owner logged in with the
// current one, or it expired).
func (tx *Tx) ClearPendingPIN(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, `UPDATE users SET pending_pin_hash = '', pending_pin_at = NULL WHERE id = ?`, userID)
	return tx.db.storeErr("clear pending PIN", err)
}

// CancelLetters cancels the queued letters of a kind to a recipient and
// deletes their documents.
func (tx *Tx) CancelLetters(ctx context.Context, recipient, kind, by string) error {
	_, err := tx.exec(ctx, `UPDATE outbox SET status = 'cancelled', document = NULL, printed_at = ?, printed_by = ?
		WHERE recipient = ? AND kind = ? AND status = 'queued'`, tx.now, by, recipient, kind)
	return tx.db.storeErr("cancel letters", err)
}

// PromotePendingPIN makes the pending PIN the PIN.
func (tx *Tx) PromotePendingPIN(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, `UPDATE users SET pin_hash = pending_pin_hash, pending_pin_hash = '', pending_pin_at = NULL,
		pin_issued_at = ?, pin_channel = 'online', must_change_pin = 0 WHERE id = ? AND pending_pin_hash <> ''`, tx.now, userID)
	return tx.db.storeErr("promote pending PIN", err)
}
