package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/protocol"
)

// Application is a row of the applications index (CBT-12, CBT-13).
type Application struct {
	RegistrationID int64
	Number         string // protocol number
	Kind           string // e.g. domanda_cbt
	Applicant      string // codice fiscale
	Year           int    // year of the cures
	Office         string
	Channel        string
	Operator       string // who acted for the applicant, "" for the applicant themselves
	Intermediary   string // the intermediary's organisation code
	Certificate    string // the linked certificate's number
	Flagged        bool   // requirements missing or to verify (CBT-10)
	Domus          string // the Domus number of a civil-invalidity case (INV-6), else ""
	State          string
	SubmittedAt    time.Time
}

// Application states.
const (
	AppSubmitted = "submitted" // registered, in the office's queue "Domande da istruire"
	AppAnnulled  = "annulled"
	AppVisited   = "visited"   // civil invalidity: the medical visit took place (AG-3)
	AppRenounced = "renounced" // civil invalidity: absent at two summons, the application lapsed (AG-3)
)

// KindInvalidity is the register kind of a civil-invalidity application:
// one may be in progress at a time per person, whatever the year.
const KindInvalidity = "domanda_inv"

// SubmitApplication registers an application in the protocol register —
// its number from the register of the year of submission, in the same
// transaction — and indexes it for the applicant's list and the office's
// queue. payload is the application's content (JSON), kept unchanged.
// A second application of the same kind, person and year is a Conflict
// (RULE-9), whoever sends it.
func (tx *Tx) SubmitApplication(ctx context.Context, a Application, subject, payload string) (Application, error) {
	var exists string
	var err error
	if a.Kind == KindInvalidity {
		err = tx.queryRow(ctx, `SELECT number FROM applications WHERE kind = ? AND applicant_cf = ? AND state IN (?, ?)`,
			a.Kind, a.Applicant, AppSubmitted, AppVisited).Scan(&exists)
	} else {
		err = tx.queryRow(ctx, `SELECT number FROM applications WHERE kind = ? AND applicant_cf = ? AND year = ? AND state <> ?`,
			a.Kind, a.Applicant, a.Year, AppAnnulled).Scan(&exists)
	}
	switch {
	case err == nil:
		return a, a.oneAtATime(exists)
	case !errors.Is(err, sql.ErrNoRows):
		return a, tx.db.storeErr("find application", err)
	}
	actor := a.Operator
	if actor == "" {
		actor = "citizen:" + a.Applicant
	}
	r, err := tx.Register(ctx, protocol.NewRegistration{Register: protocol.General, Kind: a.Kind, Subject: subject,
		Correspondent: a.Applicant, Payload: payload, Actor: actor, Channel: a.Channel})
	if err != nil {
		return a, err
	}
	a.RegistrationID, a.Number, a.SubmittedAt, a.State = r.ID, r.Number.String(), r.RegisteredAt.UTC(), AppSubmitted
	if a.Kind == KindInvalidity {
		// The Domus number: a second identifier of the case, from its own
		// register (INV-6), "D" and AAAAnnnnnnn.
		n, err := tx.NextNumber(ctx, protocol.Domus)
		if err != nil {
			return a, err
		}
		a.Domus = "D" + n.String()
	}
	_, err = tx.exec(ctx, `INSERT INTO applications (registration_id, number, kind, applicant_cf, year, office, channel, operator,
		intermediary, certificate, flagged, state, submitted_at, domus) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.RegistrationID, a.Number, a.Kind, a.Applicant, a.Year, a.Office, a.Channel, a.Operator, a.Intermediary, a.Certificate,
		a.Flagged, a.State, a.SubmittedAt, a.Domus)
	if tx.db.d.classify(err) == errUnique {
		// A concurrent submission won the race after the check above.
		return a, a.oneAtATime("")
	}
	return a, tx.db.storeErr("index application", err)
}

// oneAtATime is the refusal of a second application: a spa-treatment one
// in the same year (RULE-9), a civil-invalidity one while another is in
// progress.
func (a Application) oneAtATime(number string) error {
	if a.Kind != KindInvalidity {
		return oneAYear(a.Year, number)
	}
	msg := "È già in corso una domanda di invalidità civile: se ne potrà presentare un'altra quando sarà definita."
	if number != "" {
		msg = fmt.Sprintf("È già in corso la domanda di invalidità civile n. %s: se ne potrà presentare un'altra quando sarà definita.", number)
	}
	return apperr.New(apperr.Conflict, msg)
}

func oneAYear(year int, number string) error {
	msg := fmt.Sprintf("Per il %d è già stata presentata una domanda di cure termali: se ne può presentare una all'anno.", year)
	if number != "" {
		msg = fmt.Sprintf("Per il %d è già stata presentata la domanda n. %s: se ne può presentare una all'anno.", year, number)
	}
	return apperr.New(apperr.Conflict, msg)
}

const appCols = `registration_id, number, kind, applicant_cf, year, office, channel, operator, intermediary, certificate, flagged, state, submitted_at, domus`

func scanApplication(s rowScanner) (Application, error) {
	var a Application
	err := s.Scan(&a.RegistrationID, &a.Number, &a.Kind, &a.Applicant, &a.Year, &a.Office, &a.Channel, &a.Operator,
		&a.Intermediary, &a.Certificate, &a.Flagged, &a.State, &a.SubmittedAt, &a.Domus)
	a.SubmittedAt = a.SubmittedAt.UTC()
	return a, err
}

// ApplicationByNumber returns an application; NotFound if none has that
// number.
func (db *DB) ApplicationByNumber(ctx context.Context, number string) (Application, error) {
	a, err := scanApplication(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+appCols+` FROM applications WHERE number = ?`), number))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "Domanda non trovata.")
	}
	if err != nil {
		return a, fmt.Errorf("store: application: %w", err)
	}
	return a, nil
}

// InvalidityInProgress returns the person's civil-invalidity application
// in progress (submitted or visited), if any: at most one (the unique
// index of migration 0017, and SubmitApplication's check).
func (db *DB) InvalidityInProgress(ctx context.Context, cf string) (Application, bool, error) {
	a, err := scanApplication(db.read.QueryRowContext(ctx, db.d.q(`SELECT `+appCols+` FROM applications
		WHERE kind = ? AND applicant_cf = ? AND state IN (?, ?)`), KindInvalidity, cf, AppSubmitted, AppVisited))
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, false, nil
	}
	if err != nil {
		return Application{}, false, fmt.Errorf("store: application in progress: %w", err)
	}
	return a, true, nil
}

// ApplicationFilter selects applications: a person's ("Le mie domande")
// or an office's queue ("Domande da istruire").
type ApplicationFilter struct {
	Applicant string
	Office    string
	Kind      string
	Year      int
	State     string
	Flagged   *bool
	Limit     int
	Offset    int
}

// FindApplications returns a page of applications, newest first, and how
// many match. An applicant or an office is required: nobody lists
// everyone's applications.
func (db *DB) FindApplications(ctx context.Context, f ApplicationFilter) ([]Application, int, error) {
	if f.Applicant == "" && f.Office == "" {
		return nil, 0, fmt.Errorf("store: FindApplications without an applicant or an office")
	}
	cond, args := "1 = 1", []any{}
	add := func(c string, v any) { cond += " AND " + c; args = append(args, v) }
	if f.Applicant != "" {
		add("applicant_cf = ?", f.Applicant)
	}
	if f.Office != "" {
		add("office = ?", f.Office)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Year != 0 {
		add("year = ?", f.Year)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.Flagged != nil {
		add("flagged = ?", *f.Flagged)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.d.q("SELECT count(*) FROM applications WHERE "+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count applications: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := db.read.QueryContext(ctx, db.d.q(`SELECT `+appCols+` FROM applications WHERE `+cond+
		` ORDER BY submitted_at DESC, registration_id DESC LIMIT ? OFFSET ?`), append(args, limit, min(max(0, f.Offset), 10_000_000))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: applications: %w", err)
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: scan application: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}
