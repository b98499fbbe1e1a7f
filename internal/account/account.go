// Package account runs logins, sessions and PINs (ID-1…ID-4) over the
// store, with the rules of package identity: slow PIN hashes, throttling
// per client address, a temporary lock after repeated failures, sessions
// kept hashed in the database with idle and absolute timeouts, and an audit
// entry for every login, failure and lock.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// Options configure the service; zero values take the defaults shown.
type Options struct {
	Hasher      identity.Hasher
	MaxFailures int           // failures in a row before the lock: 5
	LockFor     time.Duration // how long the lock lasts: 15 minutes
	IdleTimeout time.Duration // a session unused this long ends: 30 minutes
	MaxAge      time.Duration // a session ends this long after login: 8 hours
	// PerAddress bounds login attempts from one client address: 10 a
	// minute, in bursts of 10. Kept in each node's memory: with N nodes an
	// address gets at most N times as many; the per-account lock, kept in
	// the database, is exact.
	PerAddress rate.Limit
	Burst      int
}

// Service is the login and session service.
type Service struct {
	db    *store.DB
	clock clock.Clock
	log   *slog.Logger
	opt   Options
	dummy string // a hash to verify against when the account does not exist

	mu       sync.Mutex
	limiters map[string]*limiterEntry
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

// New returns the service.
func New(db *store.DB, clk clock.Clock, log *slog.Logger, opt Options) *Service {
	if opt.MaxFailures <= 0 {
		opt.MaxFailures = 5
	}
	if opt.LockFor <= 0 {
		opt.LockFor = 15 * time.Minute
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 30 * time.Minute
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 8 * time.Hour
	}
	if opt.PerAddress <= 0 {
		opt.PerAddress = rate.Every(6 * time.Second)
	}
	if opt.Burst <= 0 {
		opt.Burst = 10
	}
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, log: log, opt: opt, dummy: opt.Hasher.Hash(identity.NewPIN()),
		limiters: map[string]*limiterEntry{}}
}

// IdleTimeout is how long an unused session lasts.
func (s *Service) IdleTimeout() time.Duration { return s.opt.IdleTimeout }

// ErrBadCredentials is the one answer to a wrong codice fiscale, a wrong
// PIN or an account without PIN: it does not say which (ID-4).
var ErrBadCredentials = &apperr.Error{Code: apperr.Unauthenticated,
	Message: "Codice fiscale o PIN non corretti. Controllare di aver inserito tutti i 16 caratteri del PIN."}

// ErrLocked is the answer while an account is locked.
var ErrLocked = &apperr.Error{Code: apperr.Throttled,
	Message: "Troppi tentativi non riusciti: l'accesso è bloccato per qualche minuto. Se non ricordate il PIN, potete chiederne uno nuovo."}

var errThrottled = &apperr.Error{Code: apperr.Throttled,
	Message: "Troppi tentativi di accesso da questa connessione: riprovare tra qualche minuto."}

func (s *Service) allow(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	e, ok := s.limiters[addr]
	if !ok {
		if len(s.limiters) > 100_000 { // forget idle addresses rather than grow without bound
			for k, v := range s.limiters {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(s.limiters, k)
				}
			}
		}
		e = &limiterEntry{l: rate.NewLimiter(s.opt.PerAddress, s.opt.Burst)}
		s.limiters[addr] = e
	}
	e.seen = now
	return e.l.AllowN(now, 1)
}

// Login checks a codice fiscale and PIN and opens a session. It returns
// the session token (to put in a cookie; only its hash is stored) and the
// user. Every outcome is audited.
func (s *Service) Login(ctx context.Context, fiscalCode, pin, clientAddr, channel string) (string, identity.User, error) {
	cf := identity.NormalizeFiscalCode(fiscalCode)
	if !s.allow(clientAddr) {
		s.audit(ctx, "", cf, "login.throttled", fmt.Sprintf(`{"address":%q}`, clientAddr))
		return "", identity.User{}, errThrottled
	}
	// Count the attempt first, atomically, for any codice fiscale (known or
	// not): a lock behaves the same for accounts that do not exist, and
	// concurrent guesses beyond the limit are refused without being checked.
	var attempt int
	var lockedUntil time.Time
	if err := s.db.InTx(ctx, func(tx *store.Tx) (err error) {
		attempt, lockedUntil, err = tx.CountLoginAttempt(ctx, cf)
		return err
	}); err != nil {
		return "", identity.User{}, err
	}
	if !lockedUntil.IsZero() || attempt > s.opt.MaxFailures {
		s.audit(ctx, "", cf, "login.locked", `{}`)
		return "", identity.User{}, ErrLocked
	}
	u, err := s.db.FindUserByFiscalCode(ctx, cf)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", identity.User{}, err
	}
	// Both hashes are always computed (a dummy stands in for a missing
	// one), so the time taken tells neither whether the account exists nor
	// whether a PIN is pending.
	current, pending := u.PINHash, u.PendingPIN
	if current == "" {
		current = s.dummy
	}
	if pending == "" {
		pending = s.dummy
	}
	okCurrent, err := s.opt.Hasher.Verify(pin, current)
	if err != nil {
		return "", identity.User{}, fmt.Errorf("account: verify PIN of user %d: %w", u.ID, err)
	}
	okPending, err := s.opt.Hasher.Verify(pin, pending)
	if err != nil {
		return "", identity.User{}, fmt.Errorf("account: verify pending PIN of user %d: %w", u.ID, err)
	}
	pendingLive := u.PendingPIN != "" && s.clock.Now().Sub(u.PendingPINAt) < PendingLife
	okCurrent = okCurrent && u.PINHash != ""
	okPending = okPending && pendingLive
	// A PIN requested online becomes the PIN at its first use (ID-1).
	ok, promote := okCurrent || okPending, okPending && !okCurrent
	if !ok {
		locked := attempt >= s.opt.MaxFailures
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			action := "login.failure"
			if locked {
				action = "login.lock"
				if err := tx.LockLogin(ctx, cf, tx.Now().Add(s.opt.LockFor)); err != nil {
					return err
				}
			}
			return tx.Audit(audit.Entry{Actor: "anonymous", Channel: channel, Action: action, Subject: "person:" + cf,
				Detail: fmt.Sprintf(`{"address":%q}`, clientAddr)})
		})
		if err != nil {
			return "", identity.User{}, err
		}
		if locked {
			return "", identity.User{}, ErrLocked
		}
		return "", identity.User{}, ErrBadCredentials
	}
	now := s.clock.Now()
	if len(u.Roles) == 0 {
		return "", identity.User{}, ErrBadCredentials // an account without roles cannot do anything
	}
	role := u.Roles[0]
	if g, ok := u.HasRole(identity.RoleCitizen); ok {
		role = g
	}
	token := rand.Text() + rand.Text()
	sess := identity.Session{TokenHash: HashToken(token), UserID: u.ID, Role: role.Role, Scope: role.Scope,
		Channel: channel, CreatedAt: clock.Stamp(now), LastSeenAt: clock.Stamp(now), ExpiresAt: clock.Stamp(now.Add(s.opt.MaxAge))}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ResetLoginAttempts(ctx, cf); err != nil {
			return err
		}
		if okCurrent && u.PendingPIN != "" {
			// The owner is here with the PIN they have: a pending PIN (which
			// someone else may have requested) and its letter are dropped.
			if err := tx.ClearPendingPIN(ctx, u.ID); err != nil {
				return err
			}
			if err := tx.CancelLetters(ctx, u.FiscalCode, "pin_letter", "system:owner-logged-in"); err != nil {
				return err
			}
		}
		if promote {
			if err := tx.PromotePendingPIN(ctx, u.ID); err != nil {
				return err
			}
			if _, err := tx.RevokeSessions(ctx, u.ID); err != nil { // the old PIN's sessions and tokens end
				return err
			}
			if err := tx.RevokeAPITokens(ctx, u.ID); err != nil {
				return err
			}
			u.MustChangePIN = false
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: actorOf(u, role).ID(), Channel: channel, Action: "login.success",
			Subject: "person:" + cf, Detail: fmt.Sprintf(`{"address":%q,"session":%q}`, clientAddr, sess.TokenHash[:12])})
	})
	if err != nil {
		return "", identity.User{}, err
	}
	return token, u, nil
}

func actorOf(u identity.User, g identity.Grant) identity.Actor {
	return identity.Actor{UserID: u.ID, FiscalCode: u.FiscalCode, Role: g.Role, Scope: g.Scope}
}

// audit appends an entry on its own (outside another transaction); a
// failure is logged, never shown to the user.
func (s *Service) audit(ctx context.Context, actor, cf, action, detail string) {
	if actor == "" {
		actor = "anonymous"
	}
	e := audit.Entry{Actor: actor, Channel: history.ChannelWeb, Action: action, Subject: "person:" + cf, Detail: detail}
	if err := s.db.Audit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", action, "err", err)
	}
}

// HashToken is what the database keeps of a session token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the actor of a session token, or Unauthenticated.
// A session whose role was revoked since login ends.
func (s *Service) Authenticate(ctx context.Context, token string) (identity.Actor, identity.Session, error) {
	if token == "" || len(token) > 200 {
		return identity.Anonymous, identity.Session{}, apperr.New(apperr.Unauthenticated, "Sessione non valida.")
	}
	h := HashToken(token)
	sess, err := s.db.FindSession(ctx, h, s.opt.IdleTimeout)
	if err != nil {
		return identity.Anonymous, sess, apperr.Wrap(apperr.Unauthenticated, "La sessione è scaduta: accedere di nuovo.", err)
	}
	u, err := s.db.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return identity.Anonymous, sess, err
	}
	g, ok := u.HasRole(sess.Role)
	if !ok || g.Scope != sess.Scope {
		return identity.Anonymous, sess, apperr.New(apperr.Unauthenticated, "Il profilo della sessione non è più attivo: accedere di nuovo.")
	}
	a := actorOf(u, g)
	a.ActingFor, a.Channel, a.SessionID, a.MustChangePIN = sess.ActingFor, sess.Channel, h[:12], u.MustChangePIN
	// A mandate revoked or expired while acting ends the acting at once.
	if a.ActingFor != "" && a.Role == identity.RoleIntermediary {
		if ok, err := s.mandated(ctx, a.ActingFor, a.Scope); err != nil {
			return identity.Anonymous, sess, err
		} else if !ok {
			if err := s.StopActingFor(ctx, a, token); err != nil {
				return identity.Anonymous, sess, err
			}
			a.ActingFor, a.Channel = "", history.ChannelWeb
		}
	}
	if p, err := s.db.FindPerson(ctx, u.FiscalCode); err == nil {
		a.Name = p.FullName()
	}
	// Record activity at most once a minute: the idle timeout needs no more.
	if s.clock.Now().Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, h) }); err != nil {
			s.log.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return a, sess, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, a identity.Actor, token string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeSession(ctx, HashToken(token)); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "logout", Subject: "person:" + a.FiscalCode})
	})
}

// LogoutEverywhere ends every session of the actor's user.
func (s *Service) LogoutEverywhere(ctx context.Context, a identity.Actor) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if n, err = tx.RevokeSessions(ctx, a.UserID); err != nil {
			return err
		}
		if err := tx.RevokeAPITokens(ctx, a.UserID); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "logout.everywhere",
			Subject: "person:" + a.FiscalCode, Detail: fmt.Sprintf(`{"sessions":%d}`, n)})
	})
	return n, err
}

// SwitchRole makes another of the user's roles the session's active one.
func (s *Service) SwitchRole(ctx context.Context, a identity.Actor, token string, role identity.Role, scope string) error {
	u, err := s.db.FindUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	g, ok := u.HasRole(role)
	if !ok || g.Scope != scope {
		return apperr.New(apperr.Forbidden, "Profilo non disponibile.")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, HashToken(token), role, scope, "", a.Channel); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "session.role",
			Subject: "person:" + a.FiscalCode, Detail: fmt.Sprintf(`{"role":%q,"scope":%q}`, role, scope)})
	})
}

// ChangePIN replaces the user's PIN after checking the current one; every
// other session ends.
func (s *Service) ChangePIN(ctx context.Context, a identity.Actor, token, current, next string) error {
	fields := map[string]string{}
	next = identity.NormalizePIN(next)
	if !identity.ValidPINShape(next) {
		fields["nuovo"] = "Il nuovo PIN deve avere 16 caratteri tra lettere maiuscole (esclusi O e I) e cifre da 2 a 9."
	}
	u, err := s.db.FindUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if ok, _ := s.opt.Hasher.Verify(current, u.PINHash); !ok {
		fields["attuale"] = "Il PIN attuale non è corretto."
	} else if next == identity.NormalizePIN(current) {
		fields["nuovo"] = "Il nuovo PIN deve essere diverso da quello attuale."
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "Il PIN non è stato cambiato.", Fields: fields}
	}
	hash := s.opt.Hasher.Hash(next)
	keep := HashToken(token)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPIN(ctx, u.ID, hash, u.PINChannel, false); err != nil {
			return err
		}
		if err := tx.RevokeOtherSessions(ctx, u.ID, keep); err != nil {
			return err
		}
		if err := tx.RevokeAPITokens(ctx, u.ID); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "pin.change", Subject: "person:" + u.FiscalCode})
	})
}
