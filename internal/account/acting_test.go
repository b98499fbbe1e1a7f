package account_test

import (
	"context"
	"testing"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ ID-5 CH-1 AUD-2: an intermediary acts only for a citizen with a live
// mandate to its organisation; the citizen sees and revokes the mandate, and
// a revoked mandate ends the acting at once; a contact-centre operator must
// say how the caller was identified; every step is audited with both names.
func TestActingFor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{})
		opPIN, ccPIN := identity.NewPIN(), identity.NewPIN()
		mustUser(t, e.db, "MRNGPP65M10L219B", opPIN, identity.RoleIntermediary, "PAT-TO-001")
		mustUser(t, e.db, "CNTNNA80A41F205I", ccPIN, identity.RoleContactCentre, "")
		login := func(cf, pin string) (string, identity.Actor) {
			t.Helper()
			tok, _, err := e.svc.Login(ctx, cf, pin, "a", "web")
			if err != nil {
				t.Fatal(err)
			}
			a, _, err := e.svc.Authenticate(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			return tok, a
		}
		opTok, op := login("MRNGPP65M10L219B", opPIN)
		if err := e.svc.StartActingFor(ctx, op, opTok, cf, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("acting without a mandate = %v; want Forbidden", err)
		}
		bad := account.NewMandate{Citizen: cf, Scope: "x", StartDate: "01/13/2026", EndDate: "", Document: ""}
		if _, err := e.svc.RecordMandate(ctx, op, bad); len(fieldsOf(err)) < 3 {
			t.Fatalf("bad mandate = %v; want field messages", err)
		}
		id, err := e.svc.RecordMandate(ctx, op, account.NewMandate{Citizen: cf, Scope: "all", StartDate: "01/03/2026", EndDate: "31/12/2027", Document: "Mandato n. 44/2026"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.StartActingFor(ctx, op, opTok, cf, ""); err != nil {
			t.Fatalf("acting with a mandate: %v", err)
		}
		_, op, _ = func() (string, identity.Actor, error) {
			a, _, err := e.svc.Authenticate(ctx, opTok)
			return opTok, a, err
		}()
		if op.ActingFor != cf || op.Channel != "intermediary" {
			t.Fatalf("acting actor = %+v", op)
		}
		if err := identity.Can(op, identity.Read, identity.Resource{Kind: identity.KindPerson, Subject: cf}); err != nil {
			t.Fatalf("while acting, reading the citizen: %v", err)
		}
		// The citizen sees the mandate and revokes it: the acting ends.
		_, citizen := login(cf, e.pin)
		ms, err := e.svc.Mandates(ctx, citizen)
		if err != nil || len(ms) != 1 || ms[0].Org != "PAT-TO-001" {
			t.Fatalf("citizen's mandates = %+v, %v", ms, err)
		}
		if err := e.svc.RevokeMandate(ctx, citizen, cf, id); err != nil {
			t.Fatal(err)
		}
		if a, _, err := e.svc.Authenticate(ctx, opTok); err != nil || a.ActingFor != "" {
			t.Fatalf("after revocation the operator still acts: %+v, %v", a, err)
		}
		// Contact centre: identification required.
		ccTok, cc := login("CNTNNA80A41F205I", ccPIN)
		if err := e.svc.StartActingFor(ctx, cc, ccTok, cf, " "); fieldsOf(err)["identificazione"] == "" {
			t.Fatalf("contact centre without identification = %v", err)
		}
		if err := e.svc.StartActingFor(ctx, cc, ccTok, cf, "Domande sui dati anagrafici e sull'ultima domanda"); err != nil {
			t.Fatal(err)
		}
		trail, _ := e.db.AuditTrail(ctx, "person:"+cf, 1000)
		starts := 0
		for _, en := range trail {
			if en.Action == "act_for.start" {
				starts++
				if en.ActingFor != "citizen:"+cf || en.Actor == "" {
					t.Errorf("act_for.start entry %+v lacks the operator or the citizen", en)
				}
			}
		}
		if starts != 2 {
			t.Errorf("%d act_for.start entries, want 2", starts)
		}
	})
}
