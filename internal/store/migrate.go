package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/apperr"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered, forward-only schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's migrations in order. File names are
// NNNN_name.sql; both engines must have the same numbers.
func migrations(e Engine) ([]migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []migration
	for _, ent := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(ent.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(ent.Name(), ".sql") {
			return nil, fmt.Errorf("store: migration file %q is not NNNN_name.sql", ent.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, ent.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations of %s are not numbered 1..n (found %d at position %d)", e, m.version, i+1)
		}
	}
	return ms, nil
}

// LatestVersion is the schema version this binary expects.
func (db *DB) LatestVersion() int {
	ms, err := migrations(db.d.engine)
	if err != nil {
		panic(err) // embedded files: a broken set fails every test
	}
	return len(ms)
}

// SchemaVersion returns the version of the database's schema, 0 for an
// empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, db.d.q(db.d.tableExists()), "schema_migrations").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.read.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// CheckSchema returns nil when the schema is exactly the one this binary
// expects, and an Unavailable error saying what to do otherwise.
func (db *DB) CheckSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := db.LatestVersion()
	switch {
	case v < latest:
		return apperr.New(apperr.Unavailable, fmt.Sprintf(
			"database schema is at version %d, this binary needs %d: run `sportello migrate` (or serve with --migrate)", v, latest))
	case v > latest:
		return apperr.New(apperr.Unavailable, fmt.Sprintf(
			"database schema is at version %d, newer than this binary's %d: run a newer sportello", v, latest))
	}
	return nil
}

// Migrate applies the pending migrations, each in its own transaction, and
// returns the versions applied. Several nodes may call it at once: on
// PostgreSQL an advisory lock lets one apply each step, on SQLite the write
// lock does.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := migrations(db.d.engine)
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done, err := db.applyMigration(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.version)
		}
	}
	if v, err := db.SchemaVersion(ctx); err != nil {
		return applied, err
	} else if v > len(ms) {
		return applied, db.CheckSchema(ctx)
	}
	return applied, nil
}

func (db *DB) applyMigration(ctx context.Context, m migration) (applied bool, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migration %d: %w", m.version, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if db.d.engine == Postgres {
		// An arbitrary constant identifying Sportello's migrations.
		if _, err = tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7461636172)"); err != nil {
			return false, fmt.Errorf("store: migration lock: %w", err)
		}
	}
	if _, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return false, fmt.Errorf("store: schema_migrations: %w", err)
	}
	var n int
	if err = tx.QueryRowContext(ctx, db.d.q("SELECT count(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return false, fmt.Errorf("store: migration %d: %w", m.version, err)
	}
	if n > 0 {
		return false, tx.Commit()
	}
	if _, err = tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
	}
	if _, err = tx.ExecContext(ctx, db.d.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, db.now().Format("2006-01-02T15:04:05.000000Z")); err != nil {
		return false, fmt.Errorf("store: record migration %d: %w", m.version, err)
	}
	if err = tx.Commit(); err != nil {
		return false, fmt.Errorf("store: commit migration %d: %w", m.version, err)
	}
	return true, nil
}
