package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ ID-5 CH-1 AUD-2 AUD-1: through the API an intermediary operator acts
// for a citizen, request by request, only with a mandate of the citizen to
// the operator's organisation that is live today and covers the service;
// without one — none, another organisation's, another service's, revoked,
// expired, not started, or nobody with that codice fiscale — the answer is
// the same NotFound, and the refusal is audited under the codice fiscale.
func TestActingForAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{}) // cf: Mario Rossi, a citizen
		const (
			opCF    = "MRNGPP65M10L219B"
			otherCF = "VRDGNN60B45F205Y"
			nobody  = "BNCLGU48D10L219Y"
		)
		mustUser(t, e.db, opCF, identity.NewPIN(), identity.RoleIntermediary, "PAT-TO-001")
		mustUser(t, e.db, otherCF, identity.NewPIN(), identity.RoleCitizen, "")
		op := identity.Actor{UserID: 2, FiscalCode: opCF, Name: "Giuseppe Marino", Role: identity.RoleIntermediary, Scope: "PAT-TO-001",
			Channel: history.ChannelAPI}
		other := op
		other.Scope = "PAT-RM-001"

		mandate := func(org identity.Actor, citizen, scope, start, end string) int64 {
			t.Helper()
			id, err := e.svc.RecordMandate(ctx, org, account.NewMandate{Citizen: citizen, Scope: scope, StartDate: start, EndDate: end, Document: "n. 1"})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		// Only intermediary operators, acting for nobody yet.
		for _, a := range []identity.Actor{identity.Anonymous,
			{UserID: 9, FiscalCode: cf, Role: identity.RoleCitizen},
			{UserID: 9, FiscalCode: opCF, Role: identity.RoleContactCentre},
			{UserID: 9, FiscalCode: opCF, Role: identity.RoleOffice, Scope: "RM01"},
			{UserID: 2, FiscalCode: opCF, Role: identity.RoleIntermediary}, // no organisation
			{UserID: 2, FiscalCode: opCF, Role: identity.RoleIntermediary, Scope: "PAT-TO-001", ActingFor: otherCF},
		} {
			if _, err := e.svc.ActingFor(ctx, a, cf, "cbt"); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%+v: %v; want Forbidden", a, err)
			}
		}
		if _, err := e.svc.ActingFor(ctx, op, "RSSMRA56L12H501", "cbt"); fieldsOf(err)["codice_fiscale"] == "" {
			t.Errorf("malformed codice fiscale: %v", err)
		}
		if _, err := e.svc.ActingFor(ctx, op, cf, "pensioni"); err == nil || apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown service: %v", err)
		}

		refused := func(what, citizen, service string, a identity.Actor) {
			t.Helper()
			if _, err := e.svc.ActingFor(ctx, a, citizen, service); !errors.Is(err, account.ErrNoMandate) {
				t.Errorf("%s: %v; want ErrNoMandate", what, err)
			}
		}
		refused("no mandate", cf, "cbt", op)
		refused("nobody", nobody, "cbt", op)
		mandate(other, cf, "all", "01/03/2026", "31/12/2026")
		refused("a mandate to another organisation", cf, "cbt", op)
		mandate(op, cf, "inv", "01/03/2026", "31/12/2026")
		refused("a mandate for another service", cf, "cbt", op)
		mandate(op, otherCF, "cbt", "01/04/2026", "31/12/2026")
		refused("a mandate not started", otherCF, "cbt", op)

		id := mandate(op, cf, "cbt", "01/03/2026", "31/03/2026")
		got, err := e.svc.ActingFor(ctx, op, " rssmra56l12h501d ", "cbt")
		if err != nil || got.ActingFor != cf || got.Channel != history.ChannelIntermediary || got.Scope != "PAT-TO-001" ||
			got.FiscalCode != opCF || got.ActingForID() != "citizen:"+cf {
			t.Fatalf("with a mandate: %+v, %v", got, err)
		}
		if err := identity.Can(got, identity.Create, identity.Resource{Kind: identity.KindApplication, Subject: cf}); err != nil {
			t.Errorf("acting, an application: %v", err)
		}
		if err := identity.Can(got, identity.Read, identity.Resource{Kind: identity.KindApplication, Subject: otherCF}); err == nil {
			t.Error("acting for one citizen, another's application is readable")
		}
		// The "inv" mandate covers civil invalidity.
		if _, err := e.svc.ActingFor(ctx, op, cf, "inv"); err != nil {
			t.Errorf("civil invalidity under the inv mandate: %v", err)
		}
		// Expired: the day after its end, in Rome.
		e.clk.Set(time.Date(2026, 4, 1, 0, 0, 0, 0, clock.Rome))
		refused("an expired mandate", cf, "cbt", op)
		e.clk.Set(time.Date(2026, 3, 31, 23, 59, 0, 0, clock.Rome))
		if _, err := e.svc.ActingFor(ctx, op, cf, "cbt"); err != nil {
			t.Errorf("on its last day: %v", err)
		}
		// Revoked by the citizen: refused at once.
		citizen := identity.Actor{UserID: e.uid, FiscalCode: cf, Role: identity.RoleCitizen, Channel: history.ChannelWeb}
		if err := e.svc.RevokeMandate(ctx, citizen, cf, id); err != nil {
			t.Fatal(err)
		}
		refused("a revoked mandate", cf, "cbt", op)
		// A mandate for every service covers spa treatments.
		mandate(op, otherCF, "all", "01/03/2026", "31/12/2026")
		if _, err := e.svc.ActingFor(ctx, op, otherCF, "cbt"); err != nil {
			t.Errorf("under an 'all' mandate: %v", err)
		}

		// The refusals are in the citizens' access logs, naming the operator.
		for subject, want := range map[string]int{cf: 5, nobody: 1, otherCF: 1} {
			trail, err := e.db.AuditTrail(ctx, "person:"+subject, 1000)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range trail {
				if en.Action == "act_for.denied" {
					n++
					if en.Actor != op.ID() || en.ActingFor != "citizen:"+subject || en.Channel != history.ChannelIntermediary {
						t.Errorf("refusal entry %+v", en)
					}
				}
			}
			if n != want {
				t.Errorf("%s: %d refusals audited, want %d", subject, n, want)
			}
		}
	})
}
