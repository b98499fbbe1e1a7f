package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/protocol"
)

// Tx is a write transaction. Its methods are the registering primitives;
// everything done through one Tx commits or rolls back together.
type Tx struct {
	tx     *sql.Tx
	db     *DB
	now    time.Time // read once: every row of the transaction has the same time
	allocs map[protocol.Register]int
	audits []audit.Entry
	// shielded: the transaction is shared by a batch, so one caller's
	// cancelled context must not interrupt statements on the shared
	// connection (that would abort everyone's work).
	shielded bool
}

// Now returns the transaction's time (UTC, microseconds).
func (tx *Tx) Now() time.Time { return tx.now }

// maxAttempts bounds retries of transactions PostgreSQL aborted for a
// deadlock or a serialization failure.
const maxAttempts = 4

// InTx runs fn in a write transaction and commits it if fn returns nil.
// fn may run more than once (PostgreSQL deadlocks are retried), so it must
// not have effects outside the transaction beyond setting its results.
//
// Audit entries added with Tx.Audit are appended to the chain just before
// the commit, so the chain head is locked last and for the shortest time.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.inTxOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || db.d.classify(err) != errRetry {
			return err
		}
		db.log.WarnContext(ctx, "transaction retried", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(*Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db, now: db.now()}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.flushAudit(ctx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if db.onAlloc != nil {
		for reg, n := range tx.allocs {
			db.onAlloc(reg, n)
		}
	}
	return nil
}

func (tx *Tx) ctx(ctx context.Context) context.Context {
	if tx.shielded {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx(ctx), tx.db.d.q(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx(ctx), tx.db.d.q(query), args...)
}

// ErrImmutable is returned when something tries to change a registered
// record, an event or an audit entry (PROT-2).
var ErrImmutable = apperr.New(apperr.Conflict, "I documenti registrati non possono essere modificati né cancellati.")

// storeErr turns driver errors that users can cause into application
// errors, and wraps the others with a prefix.
func (db *DB) storeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*apperr.Error](err); ok {
		return err
	}
	switch db.d.classify(err) {
	case errImmutable:
		return apperr.Wrap(apperr.Conflict, ErrImmutable.Message, err)
	case errRetry:
		return err // InTx retries it; keep the driver error visible
	case errBusy:
		return apperr.Wrap(apperr.Unavailable, "Il servizio è momentaneamente sovraccarico: riprovare tra qualche minuto.", err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
