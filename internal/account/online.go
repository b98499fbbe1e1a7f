package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/store"
)

// OnlineRequest is the PIN request a citizen makes on the web (ID-1): the
// personal data must match the registry.
type OnlineRequest struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	BirthDate  string // dd/mm/yyyy
	BirthPlace string
}

// LetterSender describes the sender printed on letters.
type LetterSender struct {
	Agency  string
	Office  string
	City    string
	BaseURL string
}

// A person may have one online request at a time: a new one is refused
// for PendingWait after the last, and an unused pending PIN expires after
// PendingLife. This keeps an attacker who knows someone's personal data
// from invalidating the letter on its way, or from flooding their
// letterbox.
const (
	PendingWait = 30 * 24 * time.Hour
	PendingLife = 60 * 24 * time.Hour
)

// ErrRequestPending answers a new request while a letter is on its way.
var ErrRequestPending = &apperr.Error{Code: apperr.Conflict,
	Message: "Una richiesta di PIN è già in corso: la lettera con la seconda parte è in arrivo. Se non arriva entro 30 giorni dalla richiesta, rivolgetevi a uno sportello o al contact center."}

// ErrNoMatch is the one answer to data that do not match the registry: it
// never says which field differs, nor whether the codice fiscale exists.
var ErrNoMatch = &apperr.Error{Code: apperr.Invalid,
	Message: "I dati inseriti non corrispondono a quelli dell'anagrafe dell'Istituto. Controllateli, oppure chiedete il PIN a uno sportello con un documento d'identità."}

// fold compares names as people type them: case, accents, spaces and
// apostrophes do not matter ("D'Amico" = "damico", "Nicolò" = "NICOLO").
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, s)
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, out)
}

// RequestPINOnline checks the data against the registry and, when they
// match, creates a PIN: the first 8 characters are returned to show once,
// the last 8 go into a letter queued in the outbox for printing and
// posting to the registry address. The new PIN starts working at its
// first use; a previous PIN works until then (so nobody can lock a citizen
// out by requesting a PIN with their data).
func (s *Service) RequestPINOnline(ctx context.Context, req OnlineRequest, clientAddr string, from LetterSender) (string, error) {
	cf := identity.NormalizeFiscalCode(req.FiscalCode)
	f := map[string]string{}
	if msg := cfProblem(cf); msg != "" {
		f["cf"] = msg
	}
	if strings.TrimSpace(req.GivenName) == "" {
		f["nome"] = "Inserire il nome."
	}
	if strings.TrimSpace(req.FamilyName) == "" {
		f["cognome"] = "Inserire il cognome."
	}
	born, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(req.BirthDate), clock.Rome)
	if err != nil {
		f["nascita"] = "Inserire la data di nascita nel formato giorno/mese/anno, per esempio 31/03/1950."
	}
	if strings.TrimSpace(req.BirthPlace) == "" {
		f["luogo"] = "Inserire il comune (o lo Stato estero) di nascita."
	}
	if len(f) > 0 {
		return "", &apperr.Error{Code: apperr.Invalid, Message: "Controllare i dati inseriti.", Fields: f}
	}
	if !s.allow(clientAddr) {
		s.audit(ctx, "", cf, "pin.request.throttled", fmt.Sprintf(`{"address":%q}`, clientAddr))
		return "", errThrottled
	}
	p, err := s.db.FindPerson(ctx, cf)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", err
	}
	if err != nil || fold(p.GivenName) != fold(req.GivenName) || fold(p.FamilyName) != fold(req.FamilyName) ||
		p.BirthDate != born.Format("2006-01-02") || fold(p.BirthPlace) != fold(req.BirthPlace) {
		s.audit(ctx, "", cf, "pin.request.mismatch", fmt.Sprintf(`{"address":%q}`, clientAddr))
		return "", ErrNoMatch
	}
	now := s.clock.Now()
	if u, err := s.db.FindUserByFiscalCode(ctx, cf); err == nil && u.PendingPIN != "" && now.Sub(u.PendingPINAt) < PendingWait {
		s.audit(ctx, "", cf, "pin.request.pending", fmt.Sprintf(`{"address":%q}`, clientAddr))
		return "", ErrRequestPending
	}
	pin := identity.NewPIN()
	hash := s.opt.Hasher.Hash(pin)
	ref := fmt.Sprintf("PIN-%d-%s", now.In(clock.Rome).Year(), rand.Text()[:8])
	var letter bytes.Buffer
	if err := pdf.PINLetter(&letter, pdf.PINLetterData{Agency: from.Agency, Office: from.Office, City: from.City, BaseURL: from.BaseURL,
		RecipientName: p.FullName(), Address: p.Address, Postcode: p.Postcode, Municipality: p.Municipality, Province: p.Province,
		FiscalCode: cf, SecondHalf: pin[8:], RequestedAt: now, IssuedAt: now, LetterID: ref}); err != nil {
		return "", fmt.Errorf("account: PIN letter: %w", err)
	}
	address := fmt.Sprintf("%s, %s %s (%s)", p.Address, p.Postcode, p.Municipality, p.Province)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		uid, err := tx.EnsureUser(ctx, cf)
		if err != nil {
			return err
		}
		// An older, unused request is superseded: its letter, if still
		// queued, is not sent.
		if err := tx.CancelLetters(ctx, cf, "pin_letter", "system:superseded"); err != nil {
			return err
		}
		if err := tx.SetPendingPIN(ctx, uid, hash); err != nil {
			return err
		}
		if _, err := tx.GrantRole(ctx, uid, identity.RoleCitizen, "", "online"); err != nil {
			return err
		}
		if _, err := tx.QueueLetter(ctx, store.Letter{Kind: "pin_letter", Recipient: cf, Address: address, Reference: ref,
			Document: letter.Bytes()}); err != nil {
			return err
		}
		if err := tx.RecordPINIssuance(ctx, store.PINIssuance{UserID: uid, IssuedBy: "citizen:" + cf, Channel: "online"}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: "anonymous", Channel: history.ChannelWeb, Action: "pin.request", Subject: "person:" + cf,
			Detail: fmt.Sprintf(`{"letter":%q,"address":%q}`, ref, clientAddr)})
	})
	if err != nil {
		return "", err
	}
	return pin[:8], nil
}

// Letters returns the outbox for office staff and administrators.
func (s *Service) Letters(ctx context.Context, a identity.Actor) ([]store.Letter, error) {
	if err := identity.Can(a, identity.List, identity.Resource{Kind: identity.KindLetter}); err != nil {
		return nil, err
	}
	ls, err := s.db.FindLetters(ctx, 200)
	if err != nil {
		return nil, err
	}
	// The list shows names' codici fiscali and addresses: each person in it
	// gets an audit entry (AUD-1).
	var entries []audit.Entry
	seen := map[string]bool{}
	for _, l := range ls {
		if !seen[l.Recipient] {
			seen[l.Recipient] = true
			entries = append(entries, audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "letter.list",
				Subject: "person:" + l.Recipient, Detail: fmt.Sprintf(`{"letter":%q}`, l.Reference)})
		}
	}
	if len(entries) > 0 {
		if err := s.db.Audit(ctx, entries...); err != nil {
			return nil, err
		}
	}
	return ls, nil
}

// Letter returns one letter with its document; the read is audited, as
// the document carries personal data (and a secret).
func (s *Service) Letter(ctx context.Context, a identity.Actor, id int64) (store.Letter, error) {
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindLetter}); err != nil {
		return store.Letter{}, err
	}
	l, err := s.db.FindLetter(ctx, id)
	if err != nil {
		return l, err
	}
	err = s.db.Audit(ctx, audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "letter.read", Subject: "person:" + l.Recipient,
		Detail: fmt.Sprintf(`{"letter":%q}`, l.Reference)})
	return l, err
}

// MarkPrinted records that a letter was printed; its document is deleted.
func (s *Service) MarkPrinted(ctx context.Context, a identity.Actor, id int64) error {
	if err := identity.Can(a, identity.Update, identity.Resource{Kind: identity.KindLetter}); err != nil {
		return err
	}
	l, err := s.db.FindLetter(ctx, id)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.MarkLetterPrinted(ctx, id, a.ID()); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "letter.printed",
			Subject: "person:" + l.Recipient, Detail: fmt.Sprintf(`{"letter":%q}`, l.Reference)})
	})
}
