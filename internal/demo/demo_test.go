package demo_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/history"
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
