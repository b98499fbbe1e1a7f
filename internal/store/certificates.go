package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
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
	// Expiry, when set, computes ExpiresAt from the registration time, so
	// that the window starts from the date the register gives.
	Expiry func(sentAt time.Time) time.Time
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
	if c.Expiry != nil {
		c.ExpiresAt = c.Expiry(c.SentAt)
	}
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
	From, To time.Time // sent (drafts: last changed) in [From, To); zero: open
	State    string    // "" (all), "draft", "sent" (valid) or "annulled"
	Limit    int
	Offset   int
}

// CertificateEntry is a row of a doctor's list: a sent certificate, or a
// draft (DraftID set, no number; SentAt is then its last change).
type CertificateEntry struct {
	SentCertificate
	DraftID int64
}

// IsDraft reports whether the entry is a draft.
func (e CertificateEntry) IsDraft() bool { return e.DraftID != 0 }

// FindCertificates returns a page of a doctor's certificates and drafts,
// newest first, and how many match in all.
func (db *DB) FindCertificates(ctx context.Context, f CertificateFilter) ([]CertificateEntry, int, error) {
	if f.Doctor == "" {
		return nil, 0, fmt.Errorf("store: FindCertificates without a doctor")
	}
	type part struct {
		cond string
		args []any
	}
	build := func(at string) part {
		p := part{cond: "doctor_cf = ?", args: []any{f.Doctor}}
		add := func(cond string, v any) { p.cond += " AND " + cond; p.args = append(p.args, v) }
		if f.Kind != "" {
			add("kind = ?", f.Kind)
		}
		if f.Patient != "" {
			add("patient_cf = ?", f.Patient)
		}
		if !f.From.IsZero() {
			add(at+" >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			add(at+" < ?", f.To.UTC())
		}
		return p
	}
	sent, drafts := build("sent_at"), build("updated_at")
	drafts.cond += " AND expires_at > ?"
	drafts.args = append(drafts.args, db.now())
	switch f.State {
	case "sent":
		sent.cond += " AND annulled_at IS NULL"
	case "annulled":
		sent.cond += " AND annulled_at IS NOT NULL"
	}
	// Both sides give certCols' columns, then the draft's ID.
	const sentCols = `registration_id, number, kind, doctor_cf, patient_cf, address_id, sent_at AS at, expires_at, annulled_at, linked_to, 0 AS draft_id FROM certificates`
	const draftCols = `0 AS registration_id, '' AS number, kind, doctor_cf, patient_cf, address_id, updated_at AS at, CASE WHEN 1 = 0 THEN updated_at END AS expires_at, CASE WHEN 1 = 0 THEN updated_at END AS annulled_at, '' AS linked_to, id AS draft_id FROM certificate_drafts`
	var query, count string
	var args []any
	switch f.State {
	case "draft":
		query, count, args = "SELECT "+draftCols+" WHERE "+drafts.cond, "SELECT count(*) FROM certificate_drafts WHERE "+drafts.cond, drafts.args
	case "sent", "annulled":
		query, count, args = "SELECT "+sentCols+" WHERE "+sent.cond, "SELECT count(*) FROM certificates WHERE "+sent.cond, sent.args
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	offset := min(max(0, f.Offset), 10_000_000) // a register holds at most 10 million a year
	listArgs := append(append([]any{}, args...), limit, offset)
	if f.State == "" {
		count = "SELECT (SELECT count(*) FROM certificates WHERE " + sent.cond + ") + (SELECT count(*) FROM certificate_drafts WHERE " + drafts.cond + ")"
		args = append(append([]any{}, sent.args...), drafts.args...)
		// Each side stops at the rows the page can need, read in index
		// order, so the merge sorts at most two pages' worth, not every
		// certificate of the doctor.
		query = "SELECT * FROM (SELECT " + sentCols + " WHERE " + sent.cond + " ORDER BY sent_at DESC, registration_id DESC LIMIT ?) s" +
			" UNION ALL SELECT * FROM (SELECT " + draftCols + " WHERE " + drafts.cond + " ORDER BY updated_at DESC, id DESC LIMIT ?) d"
		listArgs = append(append(append(append([]any{}, sent.args...), offset+limit), drafts.args...), offset+limit, limit, offset)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.d.q(count), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count certificates: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(query+` ORDER BY at DESC, registration_id DESC, draft_id DESC LIMIT ? OFFSET ?`), listArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: certificates: %w", err)
	}
	defer rows.Close()
	var out []CertificateEntry
	for rows.Next() {
		var e CertificateEntry
		var err error
		if e.SentCertificate, err = scanCertificate(withDraftID{rows, &e.DraftID}); err != nil {
			return nil, 0, fmt.Errorf("store: scan certificate: %w", err)
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

const certCols = `registration_id, number, kind, doctor_cf, patient_cf, address_id, sent_at, expires_at, annulled_at, linked_to`

func scanCertificate(s rowScanner) (SentCertificate, error) {
	var c SentCertificate
	var addr sql.NullInt64
	var exp, ann sql.NullTime
	if err := s.Scan(&c.RegistrationID, &c.Number, &c.Kind, &c.Doctor, &c.Patient, &addr, &c.SentAt, &exp, &ann, &c.LinkedTo); err != nil {
		return c, err
	}
	c.AddressID, c.SentAt = addr.Int64, c.SentAt.UTC()
	if exp.Valid {
		c.ExpiresAt = exp.Time.UTC()
	}
	if ann.Valid {
		c.AnnulledAt = ann.Time.UTC()
	}
	return c, nil
}

// withDraftID scans a list row: the certificate's columns, then the
// draft's ID.
type withDraftID struct {
	rowScanner
	id *int64
}

func (w withDraftID) Scan(dest ...any) error { return w.rowScanner.Scan(append(dest, w.id)...) }

var errNoCertificate = apperr.New(apperr.NotFound, "Certificato non trovato.")

// CertificateByNumber returns a sent certificate; NotFound if no
// certificate has that number.
func (db *DB) CertificateByNumber(ctx context.Context, number string) (SentCertificate, error) {
	c, err := scanCertificate(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+certCols+` FROM certificates WHERE number = ?`), number))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoCertificate
	}
	if err != nil {
		return c, fmt.Errorf("store: certificate: %w", err)
	}
	return c, nil
}

// lockCertificate reads a certificate and locks its row until the
// transaction ends.
func (tx *Tx) lockCertificate(ctx context.Context, number string) (SentCertificate, error) {
	c, err := scanCertificate(tx.queryRow(ctx, `SELECT `+certCols+` FROM certificates WHERE number = ?`+tx.db.d.forUpdate(), number))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoCertificate
	}
	return c, tx.db.storeErr("lock certificate", err)
}

// AnnulCertificate annuls a doctor's own sent certificate, with a reason
// (CERT-8): the registration is annulled (DPR 445/2000 art. 54; the record
// itself never changes) and the index marks it. Allowed only while no
// application uses it; NotFound for another doctor's certificate.
func (tx *Tx) AnnulCertificate(ctx context.Context, doctor, number, reason string) (SentCertificate, error) {
	c, err := tx.lockCertificate(ctx, number)
	if err != nil {
		return c, err
	}
	if c.Doctor != doctor {
		return SentCertificate{}, errNoCertificate
	}
	if !c.AnnulledAt.IsZero() {
		return c, apperr.New(apperr.Conflict, "Il certificato è già stato annullato.")
	}
	if c.LinkedTo != "" {
		return c, apperr.New(apperr.Conflict, "Il certificato è già collegato a una domanda e non può essere annullato.")
	}
	a, err := tx.Annul(ctx, protocol.Annulment{RegistrationID: c.RegistrationID, Actor: "doctor:" + doctor, Reason: reason})
	if err != nil {
		return c, err
	}
	c.AnnulledAt = a.AnnulledAt.UTC()
	_, err = tx.exec(ctx, `UPDATE certificates SET annulled_at = ? WHERE registration_id = ?`, c.AnnulledAt, c.RegistrationID)
	return c, tx.db.storeErr("annul certificate", err)
}

// CertificateLink is a request to link a certificate to an application
// (CERT-9): the number the patient brings, whose certificate it must be,
// the kind the application needs, and the application's reference.
type CertificateLink struct {
	Number      string
	Patient     string
	Kind        string
	Application string
	// At is the moment of linking as the application's service sees it
	// (its clock, which a demo installation may set to another day); zero:
	// the transaction's time. The expiry is judged at At.
	At time.Time
}

// LinkCertificate links a certificate to an application in the
// application's transaction (CERT-9, INV-4). The number is refused when it
// does not exist or is not the patient's (one message for both, so numbers
// cannot be probed), is of another kind, annulled, already used by another
// application, or — with an expiry, as civil-invalidity certificates have —
// past it. Linking the same application again is harmless.
func (tx *Tx) LinkCertificate(ctx context.Context, l CertificateLink) (SentCertificate, error) {
	field := func(msg string) error {
		return &apperr.Error{Code: apperr.Invalid, Message: "Il certificato non può essere usato.", Fields: map[string]string{"certificato": msg}}
	}
	if l.Application == "" {
		return SentCertificate{}, fmt.Errorf("store: LinkCertificate without an application")
	}
	c, err := tx.lockCertificate(ctx, l.Number)
	if apperr.Is(err, apperr.NotFound) || (err == nil && c.Patient != l.Patient) {
		return SentCertificate{}, field("Nessun certificato con questo numero per questo codice fiscale: controllare il numero sulla ricevuta del medico.")
	}
	if err != nil {
		return c, err
	}
	switch {
	case c.Kind != l.Kind:
		return c, field("Il certificato è di un altro tipo: per questa domanda serve un altro certificato.")
	case !c.AnnulledAt.IsZero():
		return c, field("Il certificato è stato annullato dal medico: serve un nuovo certificato.")
	case c.LinkedTo == l.Application:
		return c, nil
	case c.LinkedTo != "":
		return c, field("Il certificato è già stato usato per un'altra domanda.")
	case !c.ExpiresAt.IsZero() && linkTime(tx, l).After(c.ExpiresAt):
		return c, field(fmt.Sprintf("Il certificato è scaduto: poteva essere usato entro il %s (90 giorni dal rilascio). Serve un nuovo certificato.",
			c.ExpiresAt.In(clock.Rome).Format("02/01/2006")))
	}
	c.LinkedTo = l.Application
	_, err = tx.exec(ctx, `UPDATE certificates SET linked_to = ? WHERE registration_id = ?`, l.Application, c.RegistrationID)
	return c, tx.db.storeErr("link certificate", err)
}

func linkTime(tx *Tx, l CertificateLink) time.Time {
	if !l.At.IsZero() {
		return l.At
	}
	return tx.now
}

// CertificateDraft is a partially written certificate (CERT-3).
type CertificateDraft struct {
	ID        int64
	Doctor    string
	Kind      string
	Patient   string // may be empty while writing
	AddressID int64
	Data      string // JSON
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// SaveCertificateDraft creates a draft (ID 0) or replaces the content of
// one of the doctor's own drafts; it expires ttl after this save. The
// doctor's expired drafts are deleted on the way.
func (tx *Tx) SaveCertificateDraft(ctx context.Context, d CertificateDraft, ttl time.Duration) (CertificateDraft, error) {
	if _, err := tx.exec(ctx, `DELETE FROM certificate_drafts WHERE doctor_cf = ? AND expires_at <= ?`, d.Doctor, tx.now); err != nil {
		return d, tx.db.storeErr("purge drafts", err)
	}
	d.UpdatedAt, d.ExpiresAt = tx.now, tx.now.Add(ttl)
	if d.ID == 0 {
		d.CreatedAt = tx.now
		err := tx.queryRow(ctx, `INSERT INTO certificate_drafts (doctor_cf, kind, patient_cf, address_id, data, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.Doctor, d.Kind, d.Patient, nullID(d.AddressID), d.Data, d.CreatedAt, d.UpdatedAt, d.ExpiresAt).Scan(&d.ID)
		return d, tx.db.storeErr("create certificate draft", err)
	}
	err := tx.queryRow(ctx, `UPDATE certificate_drafts SET kind = ?, patient_cf = ?, address_id = ?, data = ?, updated_at = ?, expires_at = ?
		WHERE id = ? AND doctor_cf = ? RETURNING created_at`, d.Kind, d.Patient, nullID(d.AddressID), d.Data, d.UpdatedAt, d.ExpiresAt, d.ID, d.Doctor).Scan(&d.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNoDraft
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, tx.db.storeErr("save certificate draft", err)
}

var errNoDraft = apperr.New(apperr.NotFound, "Bozza non trovata: potrebbe essere già stata inviata, eliminata o scaduta.")

const draftCols = `id, doctor_cf, kind, patient_cf, address_id, data, created_at, updated_at, expires_at`

func scanDraft(s rowScanner) (CertificateDraft, error) {
	var d CertificateDraft
	var addr sql.NullInt64
	err := s.Scan(&d.ID, &d.Doctor, &d.Kind, &d.Patient, &addr, &d.Data, &d.CreatedAt, &d.UpdatedAt, &d.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNoDraft
	}
	d.AddressID = addr.Int64
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC(), d.ExpiresAt.UTC()
	return d, err
}

// CertificateDraft returns one of the doctor's unexpired drafts; NotFound
// for another doctor's.
func (db *DB) CertificateDraft(ctx context.Context, doctor string, id int64) (CertificateDraft, error) {
	d, err := scanDraft(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+draftCols+` FROM certificate_drafts
		WHERE id = ? AND doctor_cf = ? AND expires_at > ?`), id, doctor, db.now()))
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return d, fmt.Errorf("store: certificate draft: %w", err)
	}
	return d, err
}

// TakeCertificateDraft reads and deletes one of the doctor's drafts in the
// sending transaction: of two sendings of one draft (two tabs, two nodes)
// only the first finds it.
func (tx *Tx) TakeCertificateDraft(ctx context.Context, doctor string, id int64) (CertificateDraft, error) {
	d, err := scanDraft(tx.queryRow(ctx, `SELECT `+draftCols+` FROM certificate_drafts WHERE id = ? AND doctor_cf = ? AND expires_at > ?`+
		tx.db.d.forUpdate(), id, doctor, tx.now))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return d, err
		}
		return d, tx.db.storeErr("take certificate draft", err)
	}
	return d, tx.DeleteCertificateDraft(ctx, doctor, id)
}

// DeleteCertificateDraft deletes one of the doctor's drafts; NotFound for
// another doctor's.
func (tx *Tx) DeleteCertificateDraft(ctx context.Context, doctor string, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM certificate_drafts WHERE id = ? AND doctor_cf = ?`, id, doctor)
	if err != nil {
		return tx.db.storeErr("delete certificate draft", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNoDraft
	}
	return nil
}
