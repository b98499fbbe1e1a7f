package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
)

// Draft is a form saved between steps: JSON data owned by one actor.
type Draft struct {
	Owner     string
	Form      string
	Data      string
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// SaveDraft creates or replaces the owner's draft of a form; it expires
// ttl after this save.
func (db *DB) SaveDraft(ctx context.Context, owner, form, data string, ttl time.Duration) (Draft, error) {
	var d Draft
	err := db.InTx(ctx, func(tx *Tx) (err error) {
		d, err = tx.SaveDraft(ctx, owner, form, data, ttl)
		return err
	})
	return d, err
}

// SaveDraft is DB.SaveDraft inside a transaction, for a save that is
// audited or joins another write.
func (tx *Tx) SaveDraft(ctx context.Context, owner, form, data string, ttl time.Duration) (Draft, error) {
	d := Draft{Owner: owner, Form: form, Data: data, UpdatedAt: tx.now, ExpiresAt: tx.now.Add(ttl)}
	_, err := tx.exec(ctx, `INSERT INTO drafts (owner, form, data, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (owner, form) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
		owner, form, data, d.UpdatedAt, d.ExpiresAt)
	return d, tx.db.storeErr("save draft", err)
}

// FindDraft returns the owner's unexpired draft of a form, NotFound if none.
func (db *DB) FindDraft(ctx context.Context, owner, form string) (Draft, error) {
	d := Draft{Owner: owner, Form: form}
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT data, updated_at, expires_at FROM drafts WHERE owner = ? AND form = ? AND expires_at > ?`),
		owner, form, db.now()).Scan(&d.Data, &d.UpdatedAt, &d.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.New(apperr.NotFound, "Nessuna bozza salvata.")
	}
	if err != nil {
		return d, fmt.Errorf("store: find draft: %w", err)
	}
	d.UpdatedAt, d.ExpiresAt = d.UpdatedAt.UTC(), d.ExpiresAt.UTC()
	return d, nil
}

// TakeDraft reads and deletes the owner's unexpired draft of a form in the
// submitting transaction: of two submissions of one draft (two tabs, two
// nodes) only the first finds it; the second gets NotFound. On PostgreSQL
// the row is locked, so the second waits for the first to finish.
func (tx *Tx) TakeDraft(ctx context.Context, owner, form string) (Draft, error) {
	d := Draft{Owner: owner, Form: form}
	err := tx.queryRow(ctx, `SELECT data, updated_at, expires_at FROM drafts WHERE owner = ? AND form = ? AND expires_at > ?`+tx.db.d.forUpdate(),
		owner, form, tx.now).Scan(&d.Data, &d.UpdatedAt, &d.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.New(apperr.NotFound, "Nessuna bozza salvata.")
	}
	if err != nil {
		return d, tx.db.storeErr("take draft", err)
	}
	d.UpdatedAt, d.ExpiresAt = d.UpdatedAt.UTC(), d.ExpiresAt.UTC()
	return d, tx.DeleteDraft(ctx, owner, form)
}

// DeleteDraft removes a draft inside a transaction, typically the one that
// submits it.
func (tx *Tx) DeleteDraft(ctx context.Context, owner, form string) error {
	_, err := tx.exec(ctx, `DELETE FROM drafts WHERE owner = ? AND form = ?`, owner, form)
	return tx.db.storeErr("delete draft", err)
}
