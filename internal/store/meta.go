package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Meta returns a setting of the database itself (e.g. whether demo data
// were loaded), "" if absent.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.d.q("SELECT value FROM meta WHERE key = ?"), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta sets a database setting.
func (tx *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	return tx.db.storeErr("set meta", err)
}

// IsEmpty reports whether the database holds no records at all.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM registrations LIMIT 1) r) +
		(SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1) e) +
		(SELECT count(*) FROM (SELECT 1 FROM audit_log LIMIT 1) a)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: is empty: %w", err)
	}
	return n == 0, nil
}

// EnsureMeta sets key to value unless it is already set, and returns the
// stored value: several nodes starting together agree on one value.
func (db *DB) EnsureMeta(ctx context.Context, key, value string) (string, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
		return tx.db.storeErr("ensure meta", err)
	})
	if err != nil {
		return "", err
	}
	return db.Meta(ctx, key)
}
