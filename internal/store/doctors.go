package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/doctor"
)

// SaveDoctorProfile records a doctor's first-access declaration or changes
// it (CERT-7); the date of the first declaration is kept.
func (tx *Tx) SaveDoctorProfile(ctx context.Context, p doctor.Profile) error {
	_, err := tx.exec(ctx, `INSERT INTO doctor_profiles (fiscal_code, relationship, body, register_prov, register_no, declared_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fiscal_code) DO UPDATE SET relationship = excluded.relationship,
		body = excluded.body, register_prov = excluded.register_prov, register_no = excluded.register_no, updated_at = excluded.updated_at`,
		p.FiscalCode, p.Relationship, p.Body, p.RegisterProv, p.RegisterNo, tx.now, tx.now)
	return tx.db.storeErr("save doctor profile", err)
}

// DoctorProfile returns a doctor's declaration; NotFound before the first
// access is completed.
func (db *DB) DoctorProfile(ctx context.Context, fiscalCode string) (doctor.Profile, error) {
	var p doctor.Profile
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT fiscal_code, relationship, body, register_prov, register_no, declared_at, updated_at
		FROM doctor_profiles WHERE fiscal_code = ?`), fiscalCode).Scan(&p.FiscalCode, &p.Relationship, &p.Body,
		&p.RegisterProv, &p.RegisterNo, &p.DeclaredAt, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "Dichiarazione del medico non ancora resa.")
	}
	if err != nil {
		return p, fmt.Errorf("store: doctor profile: %w", err)
	}
	p.DeclaredAt, p.UpdatedAt = p.DeclaredAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// AddDoctorAddress records a practice address and returns its ID.
func (tx *Tx) AddDoctorAddress(ctx context.Context, a doctor.Address) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO doctor_addresses (fiscal_code, label, street, postcode, comune, province, phone, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.FiscalCode, a.Label, a.Street, a.Postcode, a.Comune, a.Province, a.Phone, tx.now).Scan(&id)
	return id, tx.db.storeErr("add doctor address", err)
}

// UpdateDoctorAddress changes one of the doctor's own addresses; NotFound
// for an address that is someone else's or removed.
func (tx *Tx) UpdateDoctorAddress(ctx context.Context, a doctor.Address) error {
	res, err := tx.exec(ctx, `UPDATE doctor_addresses SET label = ?, street = ?, postcode = ?, comune = ?, province = ?, phone = ?
		WHERE id = ? AND fiscal_code = ? AND removed_at IS NULL`, a.Label, a.Street, a.Postcode, a.Comune, a.Province, a.Phone, a.ID, a.FiscalCode)
	if err != nil {
		return tx.db.storeErr("update doctor address", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Indirizzo non trovato.")
	}
	return nil
}

// RemoveDoctorAddress removes one of the doctor's own addresses. The row
// stays (certificates already sent name it), marked as removed.
func (tx *Tx) RemoveDoctorAddress(ctx context.Context, fiscalCode string, id int64) error {
	res, err := tx.exec(ctx, `UPDATE doctor_addresses SET removed_at = ? WHERE id = ? AND fiscal_code = ? AND removed_at IS NULL`,
		tx.now, id, fiscalCode)
	if err != nil {
		return tx.db.storeErr("remove doctor address", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Indirizzo non trovato.")
	}
	return nil
}

// DoctorAddresses returns a doctor's current practice addresses, oldest
// first.
func (db *DB) DoctorAddresses(ctx context.Context, fiscalCode string) ([]doctor.Address, error) {
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT id, fiscal_code, label, street, postcode, comune, province, phone
		FROM doctor_addresses WHERE fiscal_code = ? AND removed_at IS NULL ORDER BY id`), fiscalCode)
	if err != nil {
		return nil, fmt.Errorf("store: doctor addresses: %w", err)
	}
	defer rows.Close()
	var out []doctor.Address
	for rows.Next() {
		var a doctor.Address
		if err := rows.Scan(&a.ID, &a.FiscalCode, &a.Label, &a.Street, &a.Postcode, &a.Comune, &a.Province, &a.Phone); err != nil {
			return nil, fmt.Errorf("store: scan doctor address: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
