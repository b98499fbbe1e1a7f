package account_test

import (
	"context"
	"testing"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store/storetest"
)

var office = identity.Actor{UserID: 99, FiscalCode: "FRRPLA75C10H501C", Role: identity.RoleOffice, Scope: "RM01"}

func fieldsOf(err error) map[string]string {
	if e, ok := err.(*apperr.Error); ok {
		return e.Fields
	}
	return nil
}

// REQ ID-2 ID-4: office staff issue a whole PIN at the counter after
// checking an identity document (a minor's codice fiscale or health card is
// enough); it must be changed at the first login; the previous PIN and the
// person's sessions stop working; the document is recorded and audited.
func TestIssuePINAtCounter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{})
		oldToken, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web")
		if err != nil {
			t.Fatal(err)
		}
		good := account.CounterPIN{FiscalCode: cf, DocType: "carta_identita", DocNumber: "CA12345AB", DocIssuer: "Comune di Roma", DocExpiry: "01/01/2030"}
		for _, tc := range []struct {
			name   string
			mutate func(*account.CounterPIN)
			field  string
		}{
			{"expired document", func(c *account.CounterPIN) { c.DocExpiry = "01/01/2020" }, "scadenza"},
			{"bad expiry", func(c *account.CounterPIN) { c.DocExpiry = "2030-01-01" }, "scadenza"},
			{"no document", func(c *account.CounterPIN) { c.DocType = "" }, "documento"},
			{"health card for an adult", func(c *account.CounterPIN) { c.DocType = "tessera_sanitaria" }, "documento"},
			{"no number", func(c *account.CounterPIN) { c.DocNumber = " " }, "numero"},
			{"bad codice fiscale", func(c *account.CounterPIN) { c.FiscalCode = "ABC" }, "cf"},
		} {
			req := good
			tc.mutate(&req)
			if _, _, err := e.svc.IssuePINAtCounter(ctx, office, req); fieldsOf(err)[tc.field] == "" {
				t.Errorf("%s: %v; want a message on %s", tc.name, err, tc.field)
			}
		}
		citizen := identity.Actor{UserID: e.uid, FiscalCode: cf, Role: identity.RoleCitizen}
		if _, _, err := e.svc.IssuePINAtCounter(ctx, citizen, good); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a citizen issuing a PIN = %v; want Forbidden", err)
		}
		pin, person, err := e.svc.IssuePINAtCounter(ctx, office, good)
		if err != nil || !identity.ValidPINShape(pin) || person.FamilyName != "Rossi" {
			t.Fatalf("IssuePINAtCounter = %q, %+v, %v", pin, person, err)
		}
		if _, _, err := e.svc.Authenticate(ctx, oldToken); err == nil {
			t.Error("a session opened with the old PIN survived the new one")
		}
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web"); err != account.ErrBadCredentials {
			t.Errorf("old PIN after reissue = %v", err)
		}
		if _, u, err := e.svc.Login(ctx, cf, pin, "a", "web"); err != nil || !u.MustChangePIN {
			t.Errorf("login with the counter PIN = %+v, %v; want it to work and ask for a change", u, err)
		}
		// A minor: the health card is enough; a person unknown to the registry
		// is recorded from the data checked at the counter.
		kid := account.CounterPIN{FiscalCode: "RSSLCU15A41H501A", Minor: true, DocType: "tessera_sanitaria"}
		if _, _, err := e.svc.IssuePINAtCounter(ctx, office, kid); !apperr.Is(err, apperr.NotFound) || fieldsOf(err)["cf"] == "" {
			t.Fatalf("unknown person without data = %v; want NotFound on cf", err)
		}
		kid.NewPerson = &identity.Person{GivenName: "Lucia", FamilyName: "Rossi", BirthDate: "2015-01-01", BirthPlace: "Roma", Sex: "F",
			Address: "Via Appia Nuova 120", Postcode: "00183", Municipality: "Roma", Province: "RM"}
		if _, p, err := e.svc.IssuePINAtCounter(ctx, office, kid); err != nil || p.FiscalCode != "RSSLCU15A41H501A" {
			t.Fatalf("minor with health card = %+v, %v", p, err)
		}
		if p, err := e.db.FindPerson(ctx, "RSSLCU15A41H501A"); err != nil || p.GivenName != "Lucia" {
			t.Fatalf("registry record of the minor = %+v, %v", p, err)
		}
		// Revocation: the PIN stops working at once.
		if err := e.svc.RevokePIN(ctx, office, cf); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Login(ctx, cf, pin, "a", "web"); err != account.ErrBadCredentials {
			t.Errorf("login after revocation = %v", err)
		}
		trail := auditActions(t, e.db)
		if n := count(trail, "pin.issue"); n != 1 || count(trail, "pin.revoke") != 1 {
			t.Errorf("audit trail %v; want one pin.issue and one pin.revoke", trail)
		}
	})
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// REQ ID-3: the office registers a doctor's signed request and enables the
// doctor; enabling an enabled doctor changes nothing.
func TestEnableDoctor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{})
		req := account.DoctorRequest{FiscalCode: cf, RequestDate: "02/03/2026", RequestRef: "RM01/2026/123", Employment: "affiliated"}
		bad := req
		bad.RequestDate, bad.Employment, bad.RequestRef = "31/12/2099", "", ""
		f := fieldsOf(func() error { _, err := e.svc.EnableDoctor(ctx, office, bad); return err }())
		if f["data"] == "" || f["rapporto"] == "" || f["riferimento"] == "" {
			t.Fatalf("bad request fields = %v", f)
		}
		if changed, err := e.svc.EnableDoctor(ctx, office, req); err != nil || !changed {
			t.Fatalf("first enabling = %v, %v", changed, err)
		}
		if changed, err := e.svc.EnableDoctor(ctx, office, req); err != nil || changed {
			t.Fatalf("second enabling = %v, %v; want no change", changed, err)
		}
		u, _ := e.db.FindUserByFiscalCode(ctx, cf)
		if _, ok := u.HasRole(identity.RoleDoctor); !ok {
			t.Fatalf("roles = %+v; want doctor", u.Roles)
		}
		if n := count(auditActions(t, e.db), "doctor.enable"); n != 1 {
			t.Errorf("%d doctor.enable audit entries; want 1", n)
		}
		if _, err := e.svc.EnableDoctor(ctx, office, account.DoctorRequest{FiscalCode: "NRECRL70A01H501B", RequestDate: "02/03/2026", RequestRef: "r", Employment: "affiliated"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown doctor = %v; want NotFound", err)
		}
	})
}
