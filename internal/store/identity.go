package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
)

// UpsertPerson stores a registry record (demo data, registry imports).
func (tx *Tx) UpsertPerson(ctx context.Context, p identity.Person) error {
	_, err := tx.exec(ctx, `INSERT INTO people (fiscal_code, given_name, family_name, birth_date, birth_place, sex,
		address, postcode, municipality, province, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (fiscal_code) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
		birth_date = excluded.birth_date, birth_place = excluded.birth_place, sex = excluded.sex, address = excluded.address,
		postcode = excluded.postcode, municipality = excluded.municipality, province = excluded.province,
		updated_at = excluded.updated_at`,
		p.FiscalCode, p.GivenName, p.FamilyName, p.BirthDate, p.BirthPlace, p.Sex, p.Address, p.Postcode,
		p.Municipality, p.Province, tx.now)
	return tx.db.storeErr("upsert person", err)
}

// UpsertPeople stores registry records in multi-row statements (registry
// imports); a codice fiscale repeated in ps counts once, the last winning.
func (tx *Tx) UpsertPeople(ctx context.Context, ps []identity.Person) error {
	ps = lastByKey(ps, func(p identity.Person) string { return p.FiscalCode })
	const chunk = 200
	for start := 0; start < len(ps); start += chunk {
		part := ps[start:min(start+chunk, len(ps))]
		var q strings.Builder
		q.WriteString(`INSERT INTO people (fiscal_code, given_name, family_name, birth_date, birth_place, sex,
			address, postcode, municipality, province, updated_at) VALUES `)
		args := make([]any, 0, 11*len(part))
		for i, p := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, p.FiscalCode, p.GivenName, p.FamilyName, p.BirthDate, p.BirthPlace, p.Sex, p.Address,
				p.Postcode, p.Municipality, p.Province, tx.now)
		}
		q.WriteString(` ON CONFLICT (fiscal_code) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			birth_date = excluded.birth_date, birth_place = excluded.birth_place, sex = excluded.sex, address = excluded.address,
			postcode = excluded.postcode, municipality = excluded.municipality, province = excluded.province,
			updated_at = excluded.updated_at`)
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return tx.db.storeErr("upsert people", err)
		}
	}
	return nil
}

// FindPerson returns a registry record, NotFound if the registry does not
// know the codice fiscale.
func (db *DB) FindPerson(ctx context.Context, fiscalCode string) (identity.Person, error) {
	var p identity.Person
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT fiscal_code, given_name, family_name, birth_date, birth_place, sex,
		address, postcode, municipality, province FROM people WHERE fiscal_code = ?`), fiscalCode).Scan(
		&p.FiscalCode, &p.GivenName, &p.FamilyName, &p.BirthDate, &p.BirthPlace, &p.Sex, &p.Address, &p.Postcode,
		&p.Municipality, &p.Province)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "Persona non presente in anagrafe.")
	}
	if err != nil {
		return p, fmt.Errorf("store: find person: %w", err)
	}
	return p, nil
}

// EnsureUser returns the account of a person, creating it (without PIN or
// roles) if needed.
func (tx *Tx) EnsureUser(ctx context.Context, fiscalCode string) (int64, error) {
	if _, err := tx.exec(ctx, `INSERT INTO users (fiscal_code, pin_hash, pin_channel, must_change_pin, failed_logins, created_at)
		VALUES (?, '', '', 0, 0, ?) ON CONFLICT (fiscal_code) DO NOTHING`, fiscalCode, tx.now); err != nil {
		return 0, tx.db.storeErr("ensure user", err)
	}
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM users WHERE fiscal_code = ?`, fiscalCode).Scan(&id)
	return id, tx.db.storeErr("ensure user", err)
}

// SetPIN replaces a user's PIN hash and unlocks the account.
func (tx *Tx) SetPIN(ctx context.Context, userID int64, hash, channel string, mustChange bool) error {
	_, err := tx.exec(ctx, `UPDATE users SET pin_hash = ?, pending_pin_hash = '', pending_pin_at = NULL, pin_issued_at = ?, pin_channel = ?,
		must_change_pin = ?, failed_logins = 0, locked_until = NULL WHERE id = ?`, hash, tx.now, channel, boolInt(mustChange), userID)
	return tx.db.storeErr("set PIN", err)
}

// GrantRole gives a user a role (idempotent: granting again changes nothing).
func (tx *Tx) GrantRole(ctx context.Context, userID int64, role identity.Role, scope, by string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO user_roles (user_id, role, scope, granted_at, granted_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, role, scope) DO NOTHING`, userID, string(role), scope, tx.now, by)
	if err != nil {
		return false, tx.db.storeErr("grant role", err)
	}
	n, err := res.RowsAffected()
	return n > 0, tx.db.storeErr("grant role", err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FindUserByFiscalCode returns an account with its live roles.
func (db *DB) FindUserByFiscalCode(ctx context.Context, fiscalCode string) (identity.User, error) {
	return db.findUser(ctx, "fiscal_code = ?", fiscalCode)
}

// FindUserByID returns an account with its live roles.
func (db *DB) FindUserByID(ctx context.Context, id int64) (identity.User, error) {
	return db.findUser(ctx, "id = ?", id)
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (identity.User, error) {
	var u identity.User
	var issued, locked, pendingAt sql.NullTime
	var must int
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT id, fiscal_code, pin_hash, pending_pin_hash, pending_pin_at, pin_issued_at, pin_channel,
		must_change_pin, failed_logins, locked_until FROM users WHERE `+where), arg).Scan(&u.ID, &u.FiscalCode, &u.PINHash,
		&u.PendingPIN, &pendingAt, &issued, &u.PINChannel, &must, &u.FailedLogins, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.New(apperr.NotFound, "Utente non trovato.")
	}
	if err != nil {
		return u, fmt.Errorf("store: find user: %w", err)
	}
	u.MustChangePIN = must != 0
	if pendingAt.Valid {
		u.PendingPINAt = pendingAt.Time.UTC()
	}
	if issued.Valid {
		u.PINIssuedAt = issued.Time.UTC()
	}
	if locked.Valid {
		u.LockedUntil = locked.Time.UTC()
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT role, scope, granted_at, granted_by FROM user_roles
		WHERE user_id = ? AND revoked_at IS NULL ORDER BY granted_at, role`), u.ID)
	if err != nil {
		return u, fmt.Errorf("store: user roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g identity.Grant
		var role string
		if err := rows.Scan(&role, &g.Scope, &g.GrantedAt, &g.GrantedBy); err != nil {
			return u, fmt.Errorf("store: scan role: %w", err)
		}
		g.Role, g.GrantedAt = identity.Role(role), g.GrantedAt.UTC()
		u.Roles = append(u.Roles, g)
	}
	return u, rows.Err()
}

// CreateSession stores a new session.
func (tx *Tx) CreateSession(ctx context.Context, s identity.Session) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, role, scope, acting_for, channel, created_at,
		last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.TokenHash, s.UserID, string(s.Role), s.Scope,
		s.ActingFor, s.Channel, s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	return tx.db.storeErr("create session", err)
}

// FindSession returns a live session by token hash: not revoked, not past
// its absolute end, and seen within idle. NotFound otherwise.
func (db *DB) FindSession(ctx context.Context, tokenHash string, idle time.Duration) (identity.Session, error) {
	var s identity.Session
	var role string
	now := db.now()
	err := db.read.QueryRowContext(ctx, db.d.q(`SELECT token_hash, user_id, role, scope, acting_for, channel, created_at,
		last_seen_at, expires_at FROM sessions WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ?`),
		tokenHash, now, now.Add(-idle)).Scan(&s.TokenHash, &s.UserID, &role, &s.Scope, &s.ActingFor, &s.Channel,
		&s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, apperr.New(apperr.NotFound, "Sessione scaduta o inesistente.")
	}
	if err != nil {
		return s, fmt.Errorf("store: find session: %w", err)
	}
	s.Role = identity.Role(role)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// TouchSession records activity on a session (idle timeout).
func (tx *Tx) TouchSession(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, tx.now, tokenHash)
	return tx.db.storeErr("touch session", err)
}

// UpdateSession changes a session's active role or whom it acts for.
func (tx *Tx) UpdateSession(ctx context.Context, tokenHash string, role identity.Role, scope, actingFor, channel string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET role = ?, scope = ?, acting_for = ?, channel = ? WHERE token_hash = ? AND revoked_at IS NULL`,
		string(role), scope, actingFor, channel, tokenHash)
	return tx.db.storeErr("update session", err)
}

// RevokeSession ends one session; RevokeSessions ends all of a user's.
func (tx *Tx) RevokeSession(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, tx.now, tokenHash)
	return tx.db.storeErr("revoke session", err)
}

// RevokeSessions ends every session of a user ("log out everywhere", PIN
// change or revocation) and returns how many were open.
func (tx *Tx) RevokeSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.now, userID)
	if err != nil {
		return 0, tx.db.storeErr("revoke sessions", err)
	}
	return res.RowsAffected()
}

// RevokeOtherSessions ends every session of a user but one (after a PIN
// change, the session that made it stays).
func (tx *Tx) RevokeOtherSessions(ctx context.Context, userID int64, keepHash string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL`,
		tx.now, userID, keepHash)
	return tx.db.storeErr("revoke other sessions", err)
}

// PINIssuance records how a PIN was issued (or revoked) and what the
// office checked.
type PINIssuance struct {
	UserID    int64
	IssuedBy  string
	Channel   string // counter, online, revoked
	DocType   string
	DocNumber string
	DocIssuer string
	DocExpiry string
	Minor     bool
}

// RecordPINIssuance appends an issuance record.
func (tx *Tx) RecordPINIssuance(ctx context.Context, p PINIssuance) error {
	_, err := tx.exec(ctx, `INSERT INTO pin_issuances (user_id, issued_at, issued_by, channel, doc_type, doc_number, doc_issuer,
		doc_expiry, minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.UserID, tx.now, p.IssuedBy, p.Channel, p.DocType, p.DocNumber,
		p.DocIssuer, p.DocExpiry, boolInt(p.Minor))
	return tx.db.storeErr("record PIN issuance", err)
}

// DoctorEnabling is the record of a doctor's signed request (ID-3).
type DoctorEnabling struct {
	UserID      int64
	RequestDate string
	RequestRef  string
	Employment  string // ssn_employee or affiliated
	EnabledBy   string
}

// RecordDoctorEnabling appends an enabling record.
func (tx *Tx) RecordDoctorEnabling(ctx context.Context, d DoctorEnabling) error {
	_, err := tx.exec(ctx, `INSERT INTO doctor_enablings (user_id, request_date, request_ref, employment, enabled_at, enabled_by)
		VALUES (?, ?, ?, ?, ?, ?)`, d.UserID, d.RequestDate, d.RequestRef, d.Employment, tx.now, d.EnabledBy)
	return tx.db.storeErr("record enabling", err)
}

// CreateMandate records a mandate and returns its ID.
func (tx *Tx) CreateMandate(ctx context.Context, m identity.Mandate) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO mandates (citizen_cf, org_code, scope, start_date, end_date, document, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.Citizen, m.Org, m.Scope, m.StartDate, m.EndDate, m.Document, tx.now, m.CreatedBy).Scan(&id)
	return id, tx.db.storeErr("create mandate", err)
}

// RevokeMandate ends a mandate of a citizen; NotFound if there is no such
// live mandate.
func (tx *Tx) RevokeMandate(ctx context.Context, id int64, citizen, by string) error {
	res, err := tx.exec(ctx, `UPDATE mandates SET revoked_at = ?, revoked_by = ? WHERE id = ? AND citizen_cf = ? AND revoked_at IS NULL`,
		tx.now, by, id, citizen)
	if err != nil {
		return tx.db.storeErr("revoke mandate", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Delega non trovata.")
	}
	return nil
}

// FindMandates returns a citizen's mandates (all of them, newest first),
// or, with org set, those with one organisation.
func (db *DB) FindMandates(ctx context.Context, citizen, org string) ([]identity.Mandate, error) {
	q := `SELECT id, citizen_cf, org_code, scope, start_date, end_date, document, created_at, created_by, revoked_at
		FROM mandates WHERE citizen_cf = ?`
	args := []any{citizen}
	if org != "" {
		q += " AND org_code = ?"
		args = append(args, org)
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(q+" ORDER BY id DESC"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: mandates: %w", err)
	}
	defer rows.Close()
	var out []identity.Mandate
	for rows.Next() {
		var m identity.Mandate
		var revoked sql.NullTime
		if err := rows.Scan(&m.ID, &m.Citizen, &m.Org, &m.Scope, &m.StartDate, &m.EndDate, &m.Document, &m.CreatedAt, &m.CreatedBy, &revoked); err != nil {
			return nil, fmt.Errorf("store: scan mandate: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		if revoked.Valid {
			m.RevokedAt = revoked.Time.UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateAPIToken stores a token (its hash) and returns its ID.
func (tx *Tx) CreateAPIToken(ctx context.Context, hash string, t identity.APIToken) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO api_tokens (token_hash, user_id, role, scope, name, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, hash, t.UserID, string(t.Role), t.Scope, t.Name,
		strings.Join(t.Scopes, " "), tx.now, t.ExpiresAt).Scan(&id)
	return id, tx.db.storeErr("create API token", err)
}

// RevokeAPIToken ends a token of a user; NotFound if there is none live.
func (tx *Tx) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, tx.now, id, userID)
	if err != nil {
		return tx.db.storeErr("revoke API token", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Token non trovato.")
	}
	return nil
}

const apiTokenCols = `id, user_id, role, scope, name, scopes, created_at, expires_at, revoked_at, last_used_at`

func scanAPIToken(s rowScanner) (identity.APIToken, error) {
	var t identity.APIToken
	var role, scopes string
	var revoked, used sql.NullTime
	err := s.Scan(&t.ID, &t.UserID, &role, &t.Scope, &t.Name, &scopes, &t.CreatedAt, &t.ExpiresAt, &revoked, &used)
	t.Role, t.Scopes = identity.Role(role), strings.Fields(scopes)
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if revoked.Valid {
		t.RevokedAt = revoked.Time.UTC()
	}
	if used.Valid {
		t.LastUsed = used.Time.UTC()
	}
	return t, err
}

// FindAPIToken returns a live token by hash (not revoked, not expired).
func (db *DB) FindAPIToken(ctx context.Context, hash string) (identity.APIToken, error) {
	t, err := scanAPIToken(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+apiTokenCols+` FROM api_tokens
		WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`), hash, db.now()))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.New(apperr.Unauthenticated, "Token non valido.")
	}
	if err != nil {
		return t, fmt.Errorf("store: find API token: %w", err)
	}
	return t, nil
}

// FindAPITokens returns a user's tokens, newest first.
func (db *DB) FindAPITokens(ctx context.Context, userID int64) ([]identity.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT `+apiTokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY id DESC`), userID)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens: %w", err)
	}
	defer rows.Close()
	var out []identity.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan API token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchAPIToken records a token's use.
func (tx *Tx) TouchAPIToken(ctx context.Context, id int64) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, tx.now, id)
	return tx.db.storeErr("touch API token", err)
}

// RevokeAPITokens ends every API token of a user (PIN revoked, reissued
// or changed, logout everywhere): whoever held the old PIN keeps no access.
func (tx *Tx) RevokeAPITokens(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.now, userID)
	return tx.db.storeErr("revoke API tokens", err)
}

// CountLoginAttempt records an attempt to log in as fiscalCode before its
// PIN is checked, in one statement: it returns the attempts counted in the
// current window (this one included) and the end of a lock in force (zero
// if none). An expired lock starts a new window.
func (tx *Tx) CountLoginAttempt(ctx context.Context, fiscalCode string) (int, time.Time, error) {
	var n int
	var locked sql.NullTime
	err := tx.queryRow(ctx, `INSERT INTO login_attempts (fiscal_code, failures, locked_until, updated_at) VALUES (?, 1, NULL, ?)
		ON CONFLICT (fiscal_code) DO UPDATE SET
			failures = CASE
				WHEN login_attempts.locked_until IS NOT NULL AND login_attempts.locked_until > ? THEN login_attempts.failures
				WHEN login_attempts.locked_until IS NOT NULL THEN 1
				ELSE login_attempts.failures + 1 END,
			locked_until = CASE
				WHEN login_attempts.locked_until IS NOT NULL AND login_attempts.locked_until <= ? THEN NULL
				ELSE login_attempts.locked_until END,
			updated_at = ?
		RETURNING failures, locked_until`, fiscalCode, tx.now, tx.now, tx.now, tx.now).Scan(&n, &locked)
	if err != nil {
		return 0, time.Time{}, tx.db.storeErr("count login attempt", err)
	}
	if locked.Valid && locked.Time.After(tx.now) {
		return n, locked.Time.UTC(), nil
	}
	return n, time.Time{}, nil
}

// LockLogin locks logins as fiscalCode until the given time.
func (tx *Tx) LockLogin(ctx context.Context, fiscalCode string, until time.Time) error {
	_, err := tx.exec(ctx, `UPDATE login_attempts SET locked_until = ? WHERE fiscal_code = ?`, until, fiscalCode)
	return tx.db.storeErr("lock login", err)
}

// ResetLoginAttempts clears the count after a success (or a new PIN).
func (tx *Tx) ResetLoginAttempts(ctx context.Context, fiscalCode string) error {
	_, err := tx.exec(ctx, `DELETE FROM login_attempts WHERE fiscal_code = ?`, fiscalCode)
	return tx.db.storeErr("reset login attempts", err)
}
