package store

import (
	"context"
	"database/sql"
	"errors"
	"unicode/utf8"

	"github.com/sportello/sportello/internal/apperr"
)

// Outcome is the result of an idempotent create.
type Outcome struct {
	Response string // what the first execution returned
	Replayed bool   // true when this call returned a stored response
}

// Once runs create at most once per (actor, key) (PROT-3), through the
// batching writer (see Submit). The key row, the
// created records and the response are committed in one transaction, so a
// retry after a timeout, a double click or a concurrent duplicate on any
// node gets the first response instead of creating a second record. If the
// first attempt failed, nothing was stored and a retry runs create again.
//
// requestHash identifies the request's content: reusing a key for a
// different request is a Conflict, not a replay.
func (db *DB) Once(ctx context.Context, actor, key, requestHash string, create func(*Tx) (string, error)) (Outcome, error) {
	if err := validateKey(actor, key); err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err := db.Submit(ctx, func(tx *Tx) error {
		out = Outcome{}
		// On PostgreSQL a concurrent duplicate waits here until the first
		// transaction ends, then finds its row (or inserts, if it rolled back).
		res, err := tx.exec(ctx, `INSERT INTO idempotency_keys (actor, key, request_hash, response, created_at)
			VALUES (?, ?, ?, '', ?) ON CONFLICT (actor, key) DO NOTHING`, actor, key, requestHash, tx.now)
		if err != nil {
			return db.storeErr("idempotency key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return db.storeErr("idempotency key", err)
		} else if n == 0 {
			var storedHash string
			err := tx.queryRow(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE actor = ? AND key = ?`,
				actor, key).Scan(&storedHash, &out.Response)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.Conflict, "Richiesta in elaborazione: riprovare tra poco.")
			}
			if err != nil {
				return db.storeErr("idempotency lookup", err)
			}
			if storedHash != requestHash {
				return &apperr.Error{Code: apperr.Conflict,
					Message: "Questa chiave di idempotenza è già stata usata per una richiesta diversa.",
					Fields:  map[string]string{"Idempotency-Key": "Chiave già usata per un'altra richiesta: generarne una nuova."}}
			}
			out.Replayed = true
			return nil
		}
		resp, err := create(tx)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE idempotency_keys SET response = ? WHERE actor = ? AND key = ?`, resp, actor, key); err != nil {
			return db.storeErr("idempotency response", err)
		}
		out.Response = resp
		return nil
	})
	return out, err
}

func validateKey(actor, key string) error {
	fields := map[string]string{}
	if actor == "" {
		fields["actor"] = "Utente non identificato."
	}
	switch {
	case key == "":
		fields["Idempotency-Key"] = "Manca la chiave di idempotenza."
	case len(key) > 200 || !utf8.ValidString(key):
		fields["Idempotency-Key"] = "La chiave di idempotenza deve essere un testo di al massimo 200 caratteri."
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "Richiesta non valida.", Fields: fields}
	}
	return nil
}
