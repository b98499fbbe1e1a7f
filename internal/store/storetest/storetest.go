// Package storetest runs the store's conformance suite on every engine and
// gives other packages' tests real databases: a SQLite file in a temporary
// folder always, and a fresh PostgreSQL schema whenever the environment
// variable SPORTELLO_TEST_POSTGRES holds a DSN. With CI=true a missing DSN
// fails the test instead of skipping PostgreSQL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "SPORTELLO_TEST_POSTGRES"

// Target is one engine the tests run on.
type Target struct {
	Engine store.Engine
	base   string // PostgreSQL base DSN
}

// Name is the subtest name of the target.
func (tg Target) Name() string { return string(tg.Engine) }

// Targets returns the engines to test: SQLite always, PostgreSQL when
// configured. Under CI=true, PostgreSQL is mandatory.
func Targets(tb testing.TB) []Target {
	tb.Helper()
	ts := []Target{{Engine: store.SQLite}}
	if dsn := os.Getenv(EnvPostgres); dsn != "" {
		ts = append(ts, Target{Engine: store.Postgres, base: dsn})
	} else if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not set: PostgreSQL tests are mandatory in CI", EnvPostgres)
	}
	return ts
}

// Run runs f as a subtest on every target.
func Run(t *testing.T, f func(t *testing.T, tg Target)) {
	t.Helper()
	for _, tg := range Targets(t) {
		t.Run(tg.Name(), func(t *testing.T) { f(t, tg) })
	}
}

// NewDSN returns the DSN of a new, empty database on the target: a file in
// a temporary folder, or a PostgreSQL schema dropped when the test ends.
func (tg Target) NewDSN(tb testing.TB) string {
	tb.Helper()
	if tg.Engine == store.SQLite {
		return filepath.Join(tb.TempDir(), "sportello.db")
	}
	schema := "t_" + strings.ToLower(rand.Text()[:16])
	admin, err := sql.Open("pgx", tg.base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema (is PostgreSQL running at %s?): %v", tg.base, err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", tg.base)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(tg.base, "?") {
		sep = "&"
	}
	return tg.base + sep + "search_path=" + schema
}

// Open opens dsn with opts, migrates it and closes it when the test ends.
func Open(tb testing.TB, dsn string, opts store.Options) *store.DB {
	tb.Helper()
	opts.DSN = dsn
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}

// New returns a migrated database on a fresh DSN of the target.
func (tg Target) New(tb testing.TB, opts store.Options) *store.DB {
	tb.Helper()
	return Open(tb, tg.NewDSN(tb), opts)
}

// Raw opens an independent connection to dsn, bypassing the store: for
// tests that tamper with the database as an intruder with SQL access would.
func Raw(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	// The same durability settings as the store, so that raw timings compare.
	driver, name := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	if store.EngineOf(dsn) == store.Postgres {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		tb.Fatalf("raw open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustExec runs statements on a raw connection, failing the test on error.
func MustExec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("exec %q: %v", s, err)
		}
	}
}
