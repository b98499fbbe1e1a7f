package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func mustRegister(t *testing.T, db *store.DB, n protocol.NewRegistration) protocol.Registration {
	t.Helper()
	var r protocol.Registration
	if err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		r, err = tx.Register(context.Background(), n)
		return err
	}); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

// REQ PROT-2: registered records cannot be changed or deleted, not even by
// SQL outside the application; a correction is a new record pointing to the
// old one, and an annulment marks the record without touching it.
func TestRegistration_Immutable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		db := storetest.Open(t, dsn, store.Options{})
		orig := mustRegister(t, db, protocol.NewRegistration{Register: protocol.Certificates, Kind: "certificato_cbt",
			Subject: "Certificato cure termali", Correspondent: "RSSMRA80A01H501U", Payload: `{"diagnosi":"artrosi"}`,
			Actor: "doctor:1", Channel: history.ChannelWeb})
		if orig.Digest != protocol.Digest(`{"diagnosi":"artrosi"}`) || len(orig.Digest) != 64 {
			t.Fatalf("digest = %q, want the SHA-256 of the payload", orig.Digest)
		}
		got, err := db.FindRegistrationByNumber(ctx, protocol.Certificates, orig.Number)
		if err != nil || got != orig {
			t.Fatalf("FindRegistrationByNumber = %+v, %v; want %+v", got, err, orig)
		}

		t.Run("RawUpdateAndDeleteRefused", func(t *testing.T) {
			raw := storetest.Raw(t, dsn)
			for _, stmt := range []string{
				"UPDATE registrations SET subject = 'changed'",
				"UPDATE registrations SET number = 99",
				"DELETE FROM registrations",
			} {
				if _, err := raw.Exec(stmt); err == nil {
					t.Errorf("%q succeeded on a registered record", stmt)
				}
			}
			if tg.Engine == store.Postgres {
				if _, err := raw.Exec("TRUNCATE registrations CASCADE"); err == nil {
					t.Errorf("TRUNCATE succeeded on registrations")
				}
			}
			after, err := db.FindRegistrationByID(ctx, orig.ID)
			if err != nil || after != orig {
				t.Fatalf("registration changed: %+v, %v; want %+v", after, err, orig)
			}
		})

		t.Run("CorrectionIsNewRecord", func(t *testing.T) {
			fix := mustRegister(t, db, protocol.NewRegistration{Register: protocol.Certificates, Kind: "certificato_cbt",
				Subject: "Certificato cure termali (rettifica)", Correspondent: "RSSMRA80A01H501U",
				Payload: `{"diagnosi":"bronchite cronica"}`, Corrects: orig.ID, Actor: "doctor:1", Channel: history.ChannelWeb})
			if fix.Corrects != orig.ID || fix.Number == orig.Number {
				t.Fatalf("correction = %+v; want a new number pointing to %d", fix, orig.ID)
			}
			still, _ := db.FindRegistrationByID(ctx, orig.ID)
			if still != orig {
				t.Fatalf("original changed by its correction: %+v", still)
			}
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Register(ctx, protocol.NewRegistration{Register: protocol.General, Kind: "x", Subject: "x",
					Corrects: orig.ID, Actor: "a", Channel: "web"})
				return err
			})
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("correction in another register = %v; want Invalid", err)
			}
			err = db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Register(ctx, protocol.NewRegistration{Register: protocol.Certificates, Kind: "x", Subject: "x",
					Corrects: 987654, Actor: "a", Channel: "web"})
				return err
			})
			if !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("correction of a missing record = %v; want NotFound", err)
			}
		})

		t.Run("Annulment", func(t *testing.T) {
			if _, err := db.FindAnnulment(ctx, orig.ID); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("FindAnnulment before = %v; want NotFound", err)
			}
			annul := func(reason string) error {
				return db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.Annul(ctx, protocol.Annulment{RegistrationID: orig.ID, Actor: "office:1", Reason: reason})
					return err
				})
			}
			if err := annul(""); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("annul without reason = %v; want Invalid", err)
			}
			if err := annul("Provvedimento n. 12/2026"); err != nil {
				t.Fatal(err)
			}
			a, err := db.FindAnnulment(ctx, orig.ID)
			if err != nil || a.Reason != "Provvedimento n. 12/2026" || a.Actor != "office:1" {
				t.Fatalf("FindAnnulment = %+v, %v", a, err)
			}
			if err := annul("di nuovo"); !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("second annulment = %v; want Conflict", err)
			}
			if still, _ := db.FindRegistrationByID(ctx, orig.ID); still != orig {
				t.Fatalf("annulled record changed: %+v", still)
			}
			raw := storetest.Raw(t, dsn)
			if _, err := raw.Exec("DELETE FROM registration_annulments"); err == nil {
				t.Fatalf("an annulment was deleted")
			}
		})

		t.Run("InvalidInput", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Register(ctx, protocol.NewRegistration{Register: "Bad Name!"})
				return err
			})
			e, ok := errors.AsType[*apperr.Error](err)
			if !ok || e.Code != apperr.Invalid || e.Fields["register"] == "" || e.Fields["subject"] == "" || e.Fields["kind"] == "" {
				t.Fatalf("invalid registration = %v; want Invalid with register, kind, subject field messages", err)
			}
		})
	})
}

// REQ ST-1: each change of state writes its event in the same transaction:
// a rolled-back change leaves no event; events keep their order, time,
// actor, acting-for and channel, and cannot be altered.
func TestCaseHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		db := storetest.Open(t, dsn, store.Options{})
		ev := func(kind string) history.Event {
			return history.Event{CaseKind: "application", CaseID: "A1", Kind: kind, Actor: "operator:7",
				ActingFor: "citizen:RSSMRA80A01H501U", Channel: history.ChannelContactCentre, Payload: `{"note":"` + kind + `"}`}
		}
		for _, kind := range []string{"draft_saved", "submitted"} {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.AppendEvent(ctx, ev(kind))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.AppendEvent(ctx, ev("granted")); err != nil {
				return err
			}
			return errAbort // the state change fails: its event must vanish with it
		})
		if !errors.Is(err, errAbort) {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: "A2", Kind: "submitted", Actor: "x", Channel: "web"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		evs, err := db.CaseHistory(ctx, "application", "A1")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != "draft_saved" || evs[1].Kind != "submitted" || evs[0].Seq != 1 || evs[1].Seq != 2 {
			t.Fatalf("history = %+v; want draft_saved(1), submitted(2)", evs)
		}
		e := evs[1]
		if e.Actor != "operator:7" || e.ActingFor != "citizen:RSSMRA80A01H501U" || e.Channel != "contact_centre" ||
			e.Payload != `{"note":"submitted"}` || e.At.IsZero() || e.At.Location().String() != "UTC" {
			t.Fatalf("event fields not kept: %+v", e)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application"})
			return err
		})
		if fe, ok := errors.AsType[*apperr.Error](err); !ok || fe.Fields["case_id"] == "" || fe.Fields["kind"] == "" {
			t.Fatalf("incomplete event = %v; want Invalid with field messages", err)
		}
		raw := storetest.Raw(t, dsn)
		for _, stmt := range []string{"UPDATE events SET kind = 'granted'", "DELETE FROM events"} {
			if _, err := raw.Exec(stmt); err == nil {
				t.Errorf("%q succeeded on the case history", stmt)
			}
		}
	})
}
