package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/sportello/sportello/internal/registry"
)

// UpsertContributions stores contribution periods; a period already known
// (same person, fund, kind and start) is replaced, so imports can run again.
func (tx *Tx) UpsertContributions(ctx context.Context, cs []registry.Contribution) error {
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
	return f, nil
}

// CountContributions returns how many periods the registry holds.
func (db *DB) CountContributions(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM contributions").Scan(&n)
	return n, err
}
