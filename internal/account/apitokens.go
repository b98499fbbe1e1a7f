package account

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// API tokens (ID-4) let the software of doctors, intermediaries and
// offices call the JSON API as their user, in one role, with the scopes
// chosen and until an expiry; the user can revoke them. A token is shown
// once; the database keeps its hash.

// APIScopes are the scopes a token may grant.
var APIScopes = []string{"registrations:read", "registrations:write", "certificates:read", "certificates:write",
	"applications:read", "applications:write"}

// MaxAPITokenLife bounds a token's life.
const MaxAPITokenLife = 365 * 24 * time.Hour

// CreateAPIToken makes a token for the actor's user in the actor's
// current role. Citizens use the web, not tokens.
func (s *Service) CreateAPIToken(ctx context.Context, a identity.Actor, name string, scopes []string, life time.Duration) (string, error) {
	if a.IsAnonymous() || a.Role == identity.RoleCitizen || a.ActingFor != "" {
		return "", apperr.New(apperr.Forbidden, "I token per le applicazioni sono disponibili per medici, patronati e uffici.")
	}
	f := map[string]string{}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 {
		f["nome"] = "Dare al token un nome di al massimo 80 caratteri, per riconoscerlo."
	}
	if len(scopes) == 0 {
		f["ambiti"] = "Scegliere almeno un ambito."
	}
	for _, sc := range scopes {
		if !slices.Contains(APIScopes, sc) {
			f["ambiti"] = "Ambito sconosciuto."
		}
	}
	if life <= 0 || life > MaxAPITokenLife {
		f["durata"] = "La durata deve essere tra 1 giorno e 1 anno."
	}
	if len(f) > 0 {
		return "", &apperr.Error{Code: apperr.Invalid, Message: "Il token non è stato creato.", Fields: f}
	}
	token := "spt_" + rand.Text() + rand.Text()
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateAPIToken(ctx, HashToken(token), identity.APIToken{UserID: a.UserID, Role: a.Role, Scope: a.Scope,
			Name: name, Scopes: scopes, ExpiresAt: now.Add(life).UTC()})
		if err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "api_token.create", Subject: "person:" + a.FiscalCode,
			Detail: fmt.Sprintf(`{"token":%d,"scopes":%q}`, id, strings.Join(scopes, " "))})
	})
	return token, err
}

// APITokens lists the actor's user's tokens.
func (s *Service) APITokens(ctx context.Context, a identity.Actor) ([]identity.APIToken, error) {
	if a.IsAnonymous() {
		return nil, apperr.New(apperr.Forbidden, "Accedere per continuare.")
	}
	return s.db.FindAPITokens(ctx, a.UserID)
}

// RevokeAPIToken ends one of the actor's user's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, a identity.Actor, id int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeAPIToken(ctx, a.UserID, id); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "api_token.revoke", Subject: "person:" + a.FiscalCode,
			Detail: fmt.Sprintf(`{"token":%d}`, id)})
	})
}

// AuthenticateAPIToken returns the actor and scopes of a token, or
// Unauthenticated. A token whose role was revoked stops working.
func (s *Service) AuthenticateAPIToken(ctx context.Context, token string) (identity.Actor, []string, error) {
	if !strings.HasPrefix(token, "spt_") || len(token) > 200 {
		return identity.Anonymous, nil, apperr.New(apperr.Unauthenticated, "Token non valido.")
	}
	t, err := s.db.FindAPIToken(ctx, HashToken(token))
	if err != nil {
		return identity.Anonymous, nil, err
	}
	u, err := s.db.FindUserByID(ctx, t.UserID)
	if err != nil {
		return identity.Anonymous, nil, err
	}
	g, ok := u.HasRole(t.Role)
	if !ok || g.Scope != t.Scope {
		return identity.Anonymous, nil, apperr.New(apperr.Unauthenticated, "Il profilo del token non è più attivo.")
	}
	if s.clock.Now().Sub(t.LastUsed) > time.Minute {
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { return tx.TouchAPIToken(ctx, t.ID) }); err != nil {
			s.log.WarnContext(ctx, "touch API token", "err", err)
		}
	}
	a := actorOf(u, g)
	a.Channel = history.ChannelAPI
	return a, t.Scopes, nil
}
