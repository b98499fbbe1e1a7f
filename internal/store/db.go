// Package store persists Sportello's records in SQLite (embedded, the
// default) or PostgreSQL (production, any number of nodes), through one
// database/sql code path. What differs between the engines lives in
// dialect.go and in the per-engine migration folders.
//
// Exported methods of DB open their own transaction; work that must be
// atomic runs in DB.InTx, whose *Tx offers the registering primitives:
// gap-free numbers (PROT-1), immutable registrations (PROT-2), case events
// (ST-1), audit entries (AUD-1, AUD-3) and idempotent creates (PROT-3).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/protocol"
)

// Options configure a DB.
type Options struct {
	// DSN is a SQLite file path (or file: URI) or a postgres:// URL.
	DSN string
	// Clock gives the time of each transaction; clock.System if nil.
	Clock clock.Clock
	// AuditChain computes audit hashes; its key should come from a secret.
	AuditChain audit.Chain
	// Logger receives retries and slow paths; discarded if nil.
	Logger *slog.Logger
	// MaxConns bounds the PostgreSQL pool and the SQLite read pool; 0 picks
	// a default.
	MaxConns int
	// OnAllocate, if set, is called after each commit with the numbers the
	// transaction took from each register (for metrics).
	OnAllocate func(register protocol.Register, n int)
	// MaxBatch bounds how many submissions the batching writer commits
	// together (see Submit); 0 means 64.
	MaxBatch int
	// OnBatch, if set, is called with the size of each batch (for metrics).
	OnBatch func(size int)
}

// DB is a handle on the database. It is safe for concurrent use.
type DB struct {
	d       dialect
	write   *sql.DB // SQLite: one connection, BEGIN IMMEDIATE
	read    *sql.DB // SQLite: a query-only pool; PostgreSQL: the same pool as write
	clock   clock.Clock
	chain   audit.Chain
	log     *slog.Logger
	onAlloc func(protocol.Register, int)
	batch   *batcher
}

// EngineOf tells which engine a DSN selects.
func EngineOf(dsn string) Engine {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Open connects to the database named by opts.DSN and checks that it
// answers. It does not migrate: call Migrate, or CheckSchema to refuse an
// outdated schema.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.DSN == "" {
		return nil, errors.New("store: empty DSN")
	}
	db := &DB{
		d:       dialect{engine: EngineOf(opts.DSN)},
		clock:   opts.Clock,
		chain:   opts.AuditChain,
		log:     opts.Logger,
		onAlloc: opts.OnAllocate,
	}
	if db.clock == nil {
		db.clock = clock.System{}
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	maxConns := opts.MaxConns
	if maxConns <= 0 {
		maxConns = max(4, runtime.GOMAXPROCS(0)*2)
	}
	var err error
	switch db.d.engine {
	case Postgres:
		db.write, err = sql.Open("pgx", withPostgresTimeouts(opts.DSN))
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.write.SetMaxOpenConns(maxConns)
		db.write.SetMaxIdleConns(maxConns)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	default:
		writeDSN, readDSN, err := sqliteDSNs(opts.DSN)
		if err != nil {
			return nil, err
		}
		if db.write, err = sql.Open("sqlite", writeDSN); err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// SQLite has one writer at a time: one connection makes writers
		// queue in Go instead of spinning on SQLITE_BUSY.
		db.write.SetMaxOpenConns(1)
		db.write.SetConnMaxLifetime(0)
		db.write.SetConnMaxIdleTime(0)
		if db.read, err = sql.Open("sqlite", readDSN); err != nil {
			db.write.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		db.read.SetMaxOpenConns(maxConns)
		db.read.SetMaxIdleConns(maxConns)
	}
	// The write pool connects first so that it creates the file and sets WAL
	// before any reader opens it.
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.batch = newBatcher(db, opts.MaxBatch, opts.OnBatch)
	return db, nil
}

// withPostgresTimeouts bounds lock waits and statements unless the DSN
// sets them: a request stuck behind a lock fails after a while instead of
// hanging forever (the counter and audit head are held only for
// milliseconds in normal operation).
func withPostgresTimeouts(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // pgx will report the error
	}
	q := u.Query()
	if q.Get("lock_timeout") == "" {
		q.Set("lock_timeout", "10000")
	}
	if q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", "60000")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sqliteDSNs builds the DSNs of the write and read pools from a path or a
// file: URI. The pragmas make SQLite durable (WAL with synchronous=FULL:
// a registered record survives power loss), enforce foreign keys and wait
// for locks instead of failing.
func sqliteDSNs(dsn string) (write, read string, err error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", "", errors.New("store: SQLite needs a file (an in-memory database cannot be shared by the read and write pools)")
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return "", "", fmt.Errorf("store: bad SQLite DSN options: %w", err)
	}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		vals.Add("_pragma", p)
	}
	vals.Set("_time_format", "sqlite")
	w := url.Values{}
	for k, v := range vals {
		w[k] = append([]string(nil), v...)
	}
	w.Set("_txlock", "immediate")
	vals.Add("_pragma", "query_only(1)")
	return "file:" + path + "?" + w.Encode(), "file:" + path + "?" + vals.Encode(), nil
}

// Engine tells which engine the DB runs on.
func (db *DB) Engine() Engine { return db.d.engine }

// Pools returns the underlying connection pools by name, for metrics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// Ping checks that the database answers. On SQLite it uses the read
// pool: the single write connection may be busy with a batch, which says
// nothing about the database being reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close runs what is still queued for the batching writer, then closes the
// pools; call it after the last request has finished.
func (db *DB) Close() error {
	if db.batch != nil {
		db.batch.close()
	}
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// now returns the store's clock reading at the precision stored.
func (db *DB) now() time.Time { return clock.Stamp(db.clock.Now()) }
