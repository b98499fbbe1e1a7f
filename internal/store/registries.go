package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/sportello/sportello/internal/registry"
)

// UpsertContributions stores contribution periods; a period already known
// (same person, fund, kind and start) is replaced, so imports can run again.
// A period repeated in cs counts once, the last occurrence winning.
func (tx *Tx) UpsertContributions(ctx context.Context, cs []registry.Contribution) error {
	cs = lastByKey(cs, func(c registry.Contribution) [4]string { return [4]string{c.FiscalCode, c.Fund, c.Kind, c.From} })
	const chunk = 200
	for start := 0; start < len(cs); start += chunk {
		part := cs[start:min(start+chunk, len(cs))]
		var q strings.Builder
		q.WriteString("INSERT INTO contributions (fiscal_code, fund, kind, from_date, to_date, weeks, days) VALUES ")
		args := make([]any, 0, 7*len(part))
		for i, c := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, c.FiscalCode, c.Fund, c.Kind, c.From, c.To, c.Weeks, c.Days)
		}
		q.WriteString(` ON CONFLICT (fiscal_code, fund, kind, from_date) DO UPDATE SET to_date = excluded.to_date,
			weeks = excluded.weeks, days = excluded.days`)
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return tx.db.storeErr("upsert contributions", err)
		}
	}
	return nil
}

// FactsOf reads what the registries know about a person (registry.Reader).
func (db *DB) FactsOf(ctx context.Context, fiscalCode string) (registry.Facts, error) {
	var f registry.Facts
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT fiscal_code, fund, kind, from_date, to_date, weeks, days
		FROM contributions WHERE fiscal_code = ? ORDER BY from_date, fund, kind`), fiscalCode)
	if err != nil {
		return f, fmt.Errorf("store: contributions: %w", err)
	}
	for rows.Next() {
		var c registry.Contribution
		if err := rows.Scan(&c.FiscalCode, &c.Fund, &c.Kind, &c.From, &c.To, &c.Weeks, &c.Days); err != nil {
			rows.Close()
			return f, fmt.Errorf("store: scan contribution: %w", err)
		}
		f.Contributions = append(f.Contributions, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	if err := db.scanAll(ctx, `SELECT fiscal_code, kind, from_date, to_date, revoked FROM pensions WHERE fiscal_code = ? ORDER BY from_date`,
		fiscalCode, func(r rowScanner) error {
			var p registry.Pension
			var revoked int
			err := r.Scan(&p.FiscalCode, &p.Kind, &p.From, &p.To, &revoked)
			p.Revoked = revoked != 0
			f.Pensions = append(f.Pensions, p)
			return err
		}); err != nil {
		return f, err
	}
	if err := db.scanAll(ctx, `SELECT fiscal_code, employer_type, activity, qualification, from_date, to_date FROM employments
		WHERE fiscal_code = ? ORDER BY from_date`, fiscalCode, func(r rowScanner) error {
		var e registry.Employment
		err := r.Scan(&e.FiscalCode, &e.EmployerType, &e.Activity, &e.Qualification, &e.From, &e.To)
		f.Employments = append(f.Employments, e)
		return err
	}); err != nil {
		return f, err
	}
	if err := db.scanAll(ctx, `SELECT fiscal_code, year, facility FROM ssn_cures WHERE fiscal_code = ? ORDER BY year`, fiscalCode,
		func(r rowScanner) error {
			var c registry.SSNCure
			err := r.Scan(&c.FiscalCode, &c.Year, &c.Facility)
			f.SSNCures = append(f.SSNCures, c)
			return err
		}); err != nil {
		return f, err
	}
	err = db.scanAll(ctx, `SELECT fiscal_code, year, pathology FROM past_cycles WHERE fiscal_code = ? ORDER BY year`, fiscalCode,
		func(r rowScanner) error {
			var c registry.PastCycle
			err := r.Scan(&c.FiscalCode, &c.Year, &c.Pathology)
			f.PastCycles = append(f.PastCycles, c)
			return err
		})
	return f, err
}

// scanAll runs a query with one argument and scans every row with scan.
func (db *DB) scanAll(ctx context.Context, query string, arg any, scan func(rowScanner) error) error {
	rows, err := db.read.QueryContext(ctx, db.d.q(query), arg)
	if err != nil {
		return fmt.Errorf("store: registry query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("store: registry scan: %w", err)
		}
	}
	return rows.Err()
}

// CountContributions returns how many periods the registry holds.
func (db *DB) CountContributions(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM contributions").Scan(&n)
	return n, err
}

// UpsertPensions, UpsertEmployments and UpsertSSNCures store registry
// records, replacing those with the same natural key.
func (tx *Tx) UpsertPensions(ctx context.Context, ps []registry.Pension) error {
	for _, p := range ps {
		if _, err := tx.exec(ctx, `INSERT INTO pensions (fiscal_code, kind, from_date, to_date, revoked) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (fiscal_code, kind, from_date) DO UPDATE SET to_date = excluded.to_date, revoked = excluded.revoked`,
			p.FiscalCode, p.Kind, p.From, p.To, boolInt(p.Revoked)); err != nil {
			return tx.db.storeErr("upsert pension", err)
		}
	}
	return nil
}

func (tx *Tx) UpsertEmployments(ctx context.Context, es []registry.Employment) error {
	for _, e := range es {
		if _, err := tx.exec(ctx, `INSERT INTO employments (fiscal_code, employer_type, activity, qualification, from_date, to_date)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fiscal_code, employer_type, from_date) DO UPDATE SET activity = excluded.activity,
			qualification = excluded.qualification, to_date = excluded.to_date`,
			e.FiscalCode, e.EmployerType, e.Activity, e.Qualification, e.From, e.To); err != nil {
			return tx.db.storeErr("upsert employment", err)
		}
	}
	return nil
}

func (tx *Tx) UpsertSSNCures(ctx context.Context, cs []registry.SSNCure) error {
	for _, c := range cs {
		if _, err := tx.exec(ctx, `INSERT INTO ssn_cures (fiscal_code, year, facility) VALUES (?, ?, ?)
			ON CONFLICT (fiscal_code, year, facility) DO NOTHING`, c.FiscalCode, c.Year, c.Facility); err != nil {
			return tx.db.storeErr("upsert SSN cure", err)
		}
	}
	return nil
}

// UpsertPastCycles stores cycles granted in past years, replacing the
// pathology of a year already known.
func (tx *Tx) UpsertPastCycles(ctx context.Context, cs []registry.PastCycle) error {
	for _, c := range cs {
		if _, err := tx.exec(ctx, `INSERT INTO past_cycles (fiscal_code, year, pathology) VALUES (?, ?, ?)
			ON CONFLICT (fiscal_code, year) DO UPDATE SET pathology = excluded.pathology`, c.FiscalCode, c.Year, c.Pathology); err != nil {
			return tx.db.storeErr("upsert past cycle", err)
		}
	}
	return nil
}

// lastByKey drops all but the last occurrence of each key, keeping order:
// one multi-row INSERT … ON CONFLICT DO UPDATE may not touch a row twice
// on PostgreSQL, and a file that repeats a row must import as one.
func lastByKey[T any, K comparable](rows []T, key func(T) K) []T {
	last := make(map[K]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([]T, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out
}
