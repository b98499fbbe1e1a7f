package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ ID-4: API tokens belong to a user in one role, carry scopes and an
// expiry, can be revoked, stop when the role is gone, and are not for
// citizens.
func TestAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{})
		docPIN := identity.NewPIN()
		docID := mustUser(t, e.db, "BNCLRA70E52H501P", docPIN, identity.RoleDoctor, "")
		doctor := identity.Actor{UserID: docID, FiscalCode: "BNCLRA70E52H501P", Role: identity.RoleDoctor}
		citizen := identity.Actor{UserID: e.uid, FiscalCode: cf, Role: identity.RoleCitizen}
		if _, err := e.svc.CreateAPIToken(ctx, citizen, "x", []string{"registrations:read"}, time.Hour); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("citizen token = %v; want Forbidden", err)
		}
		if _, err := e.svc.CreateAPIToken(ctx, doctor, "", []string{"nope"}, 2*account.MaxAPITokenLife); len(fieldsOf(err)) != 3 {
			t.Errorf("bad token request = %v; want three field messages", err)
		}
		tok, err := e.svc.CreateAPIToken(ctx, doctor, "Gestionale studio", []string{"registrations:read"}, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a, scopes, err := e.svc.AuthenticateAPIToken(ctx, tok)
		if err != nil || a.UserID != docID || a.Role != identity.RoleDoctor || a.Channel != "api" || len(scopes) != 1 {
			t.Fatalf("AuthenticateAPIToken = %+v, %v, %v", a, scopes, err)
		}
		for _, bad := range []string{"", "spt_nope", tok + "x", tok[4:]} {
			if _, _, err := e.svc.AuthenticateAPIToken(ctx, bad); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("token %q = %v; want Unauthenticated", bad, err)
			}
		}
		e.clk.Advance(25 * time.Hour)
		if _, _, err := e.svc.AuthenticateAPIToken(ctx, tok); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("expired token = %v", err)
		}
		tok2, _ := e.svc.CreateAPIToken(ctx, doctor, "Secondo", []string{"registrations:read", "registrations:write"}, time.Hour)
		ts, _ := e.svc.APITokens(ctx, doctor)
		if len(ts) != 2 || ts[0].Name != "Secondo" {
			t.Fatalf("tokens = %+v", ts)
		}
		if err := e.svc.RevokeAPIToken(ctx, citizen, ts[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("revoking another user's token = %v; want NotFound", err)
		}
		if err := e.svc.RevokeAPIToken(ctx, doctor, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.AuthenticateAPIToken(ctx, tok2); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("revoked token = %v", err)
		}
		// Logging out everywhere (or any PIN change) ends the tokens too:
		// whoever held the old PIN keeps no access.
		tok3, _ := e.svc.CreateAPIToken(ctx, doctor, "Terzo", []string{"registrations:read"}, time.Hour)
		if _, err := e.svc.LogoutEverywhere(ctx, doctor); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.AuthenticateAPIToken(ctx, tok3); !apperr.Is(err, apperr.Unauthenticated) {
			t.Errorf("token after logout everywhere = %v; want Unauthenticated", err)
		}
	})
}
