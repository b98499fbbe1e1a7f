package demo_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// Demo data load once into an empty database, through the registering
// primitives, with history and a valid audit chain; a database holding real
// records is left alone.
func TestLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		res, err := demo.Load(ctx, db)
		if err != nil || res.Registrations != 8 {
			t.Fatalf("Load = %+v, %v", res, err)
		}
		if res, err := demo.Load(ctx, db); err != nil || !res.AlreadyLoaded {
			t.Fatalf("second Load = %+v, %v; want AlreadyLoaded", res, err)
		}
		regs, total, err := db.FindRegistrations(ctx, store.RegistrationFilter{Register: protocol.Certificates})
		if err != nil || total != 4 || regs[0].Number.Seq != 1 || regs[3].Number.Seq != 4 {
			t.Fatalf("certificates = %d (%v)", total, err)
		}
		if regs[2].Corrects != regs[1].ID {
			t.Fatalf("the demo correction does not point to the corrected certificate: %+v", regs[2])
		}
		if rep, err := db.VerifyAudit(ctx); err != nil || rep.Entries != 8 {
			t.Fatalf("audit = %+v, %v", rep, err)
		}
		apps, _, _ := db.FindRegistrations(ctx, store.RegistrationFilter{Register: protocol.General})
		annulled := apps[2]
		evs, err := db.CaseHistory(ctx, "registration", strconv.FormatInt(annulled.ID, 10))
		if err != nil || len(evs) != 2 || evs[1].Kind != "annulled" || evs[0].Channel != history.ChannelIntermediary {
			t.Fatalf("history of the annulled application = %+v, %v", evs, err)
		}
		if _, err := db.FindAnnulment(ctx, annulled.ID); err != nil {
			t.Fatal(err)
		}

		other := tg.New(t, store.Options{})
		if err := other.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.NextNumber(ctx, protocol.General)
			if err != nil {
				return err
			}
			_, err = tx.AppendEvent(ctx, history.Event{CaseKind: "x", CaseID: "1", Kind: "real", Actor: "a", Channel: "web"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Load(ctx, other); !errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("Load into a database with records = %v; want ErrNotEmpty", err)
		}
	})
}

// REQ CERT-6: the demo doctor Giorgio Ferrario has a declaration, sent
// certificates (one annulled) and a draft; loading twice adds nothing.
func TestLoadCertificates(t *testing.T) {
	ctx := context.Background()
	db := storetest.Targets(t)[0].New(t, store.Options{})
	if _, err := demo.LoadUsers(ctx, db, identity.Hasher{Pepper: []byte("pepper-pepper-pepper-pepper-0123")}); err != nil {
		t.Fatal(err)
	}
	svc := certificate.NewService(db, nil, certificate.Options{})
	for i, want := range []bool{true, false} {
		loaded, err := demo.LoadCertificates(ctx, db, svc)
		if err != nil || loaded != want {
			t.Fatalf("load %d = %v, %v", i+1, loaded, err)
		}
	}
	a := identity.Actor{UserID: 9, FiscalCode: demo.Users[8].Person.FiscalCode, Role: identity.RoleDoctor}
	rows, total, err := svc.List(ctx, a, store.CertificateFilter{})
	if err != nil || total != 4 || !rows[0].IsDraft() {
		t.Fatalf("Ferrario's list = %+v (%d), %v", rows, total, err)
	}
	if _, n, _ := svc.List(ctx, a, store.CertificateFilter{State: "annulled"}); n != 1 {
		t.Errorf("annulled = %d", n)
	}
	laura := identity.Actor{UserID: 4, FiscalCode: demo.Users[3].Person.FiscalCode, Role: identity.RoleDoctor}
	if _, err := svc.Profile(ctx, laura); !apperr.Is(err, apperr.NotFound) {
		t.Error("Laura Bianchi has a declaration: the first access cannot be tried")
	}
}
