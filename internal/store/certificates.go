package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/protocol"
)

// SentCertificate is a row of the certificate index.
type SentCertificate struct {
	RegistrationID int64
	Number         string
	Kind           string
	Doctor         string // codice fiscale
	Patient        string // codice fiscale
	AddressID      int64  // 0: none
	SentAt         time.Time
	ExpiresAt      time.Time // zero: no link window
	AnnulledAt     time.Time // zero: valid
	LinkedTo       string
}

// SendCertificate registers a certificate in the certificate register —
// its number comes from the register of the year of sending, in the same
// transaction — and indexes it. payload is the certificate's content
// (JSON), kept unchanged in the registration; channel is how it arrived
// (web, api).
func (tx *Tx) SendCertificate(ctx context.Context, c SentCertificate, subject, payload, channel string) (SentCertificate, error) {
	r, err := tx.Register(ctx, protocol.NewRegistration{Register: protocol.Certificates, Kind: c.Kind, Subject: subject,
		Correspondent: c.Patient, Payload: payload, Actor: "doctor:" + c.Doctor, Channel: channel})
	if err != nil {
		return c, err
	}
	c.RegistrationID, c.Number, c.SentAt = r.ID, r.Number.String(), r.RegisteredAt.UTC()
	var addr, exp any
	if c.AddressID != 0 {
		addr = c.AddressID
	}
	if !c.ExpiresAt.IsZero() {
		exp = c.ExpiresAt.UTC()
	}
	_, err = tx.exec(ctx, `INSERT INTO certificates (registration_id, number, kind, doctor_cf, patient_cf, address_id, sent_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.RegistrationID, c.Number, c.Kind, c.Doctor, c.Patient, addr, c.SentAt, exp)
	return c, tx.db.storeErr("index certificate", err)
}

// CertificateFilter selects a doctor's certificates (CERT-6).
type CertificateFilter struct {
	Doctor   string // required: a doctor sees only their own
	Kind     string
	Patient  string
	From, To time.Time // sent in [From, To); zero: open
	State    string    // "", "sent" (valid) or "annulled"
	Limit    int
	Offset   int
}

// FindCertificates returns a page of a doctor's certificates, newest first,
// and how many match in all.
func (db *DB) FindCertificates(ctx context.Context, f CertificateFilter) ([]SentCertificate, int, error) {
	if f.Doctor == "" {
		return nil, 0, fmt.Errorf("store: FindCertificates without a doctor")
	}
	where := []string{"doctor_cf = ?"}
	args := []any{f.Doctor}
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Patient != "" {
		add("patient_cf = ?", f.Patient)
	}
	if !f.From.IsZero() {
		add("sent_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("sent_at < ?", f.To.UTC())
	}
	switch f.State {
	case "sent":
		where = append(where, "annulled_at IS NULL")
	case "annulled":
		where = append(where, "annulled_at IS NOT NULL")
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.read.QueryRowContext(ctx, db.d.q("SELECT count(*) FROM certificates WHERE "+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count certificates: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT registration_id, number, kind, doctor_cf, patient_cf, address_id,
		sent_at, expires_at, annulled_at, linked_to FROM certificates WHERE `+cond+` ORDER BY sent_at DESC, registration_id DESC
		LIMIT ? OFFSET ?`), append(args, limit, max(0, f.Offset))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: certificates: %w", err)
	}
	defer rows.Close()
	var out []SentCertificate
	for rows.Next() {
		var c SentCertificate
		var addr sql.NullInt64
		var exp, ann sql.NullTime
		if err := rows.Scan(&c.RegistrationID, &c.Number, &c.Kind, &c.Doctor, &c.Patient, &addr, &c.SentAt, &exp, &ann, &c.LinkedTo); err != nil {
			return nil, 0, fmt.Errorf("store: scan certificate: %w", err)
		}
		c.AddressID, c.SentAt = addr.Int64, c.SentAt.UTC()
		if exp.Valid {
			c.ExpiresAt = exp.Time.UTC()
		}
		if ann.Valid {
			c.AnnulledAt = ann.Time.UTC()
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}
