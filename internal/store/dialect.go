package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// dialect isolates everything that differs between the engines. The SQL
// in this package is written once, with ? placeholders; the dialect
// rewrites it for PostgreSQL and classifies driver errors.
type dialect struct {
	engine Engine
}

// q returns query with placeholders in the engine's syntax. Placeholders
// are the ? characters outside quoted strings.
func (d dialect) q(query string) string {
	if d.engine != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// forUpdate is the row-locking suffix for a SELECT that reads a row the
// transaction will update. SQLite needs none: write transactions start with
// BEGIN IMMEDIATE and hold the database's single write lock.
func (d dialect) forUpdate() string {
	if d.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateOf is forUpdate for a query that joins tables: only the rows
// of the table aliased alias are locked.
func (d dialect) forUpdateOf(alias string) string {
	if d.engine == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// caseLock is a statement with one placeholder (a case key) that makes
// concurrent writers of one case wait for each other until their
// transactions end; "" when the engine serialises writers anyway.
func (d dialect) caseLock() string {
	if d.engine == Postgres {
		return "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))"
	}
	return ""
}

// tableExists is a query with one placeholder, the table name, returning
// one row with a count greater than zero when the table exists.
func (d dialect) tableExists() string {
	if d.engine == Postgres {
		return "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
	}
	return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
}

// errKind classifies driver errors the store turns into application errors
// or retries.
type errKind int

const (
	errOther     errKind = iota
	errUnique            // unique or primary-key violation
	errCheck             // CHECK constraint violation
	errImmutable         // an append-only guard (trigger) refused the change
	errRetry             // deadlock or serialization failure: the transaction may be retried
	errBusy              // a lock or statement timeout: the database is overloaded
)

func (d dialect) classify(err error) errKind {
	if err == nil {
		return errOther
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case "23505":
			return errUnique
		case "23514":
			return errCheck
		case "40001", "40P01":
			return errRetry
		case "55P03", "57014":
			return errBusy
		case "P0001":
			if strings.Contains(pgErr.Message, "append-only") {
				return errImmutable
			}
		}
		return errOther
	}
	if sqErr, ok := errors.AsType[*sqlite.Error](err); ok {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return errCheck
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			if strings.Contains(sqErr.Error(), "append-only") {
				return errImmutable
			}
		}
	}
	return errOther
}
