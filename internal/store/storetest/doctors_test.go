package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ CERT-1 CERT-7: the first-access declaration is missing until made,
// keeps its first date when changed; practice addresses are added,
// changed and removed by their doctor only.
func TestDoctorProfile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		const cf, other = "BNCLRA70E52H501P", "FRRGRG69S23F205W"
		if _, err := db.DoctorProfile(ctx, cf); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("profile before first access = %v; want NotFound", err)
		}
		first := clk.Now()
		p := doctor.Profile{FiscalCode: cf, Relationship: doctor.Affiliated, Body: "ASL Roma 1", RegisterProv: "RM", RegisterNo: "12345"}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SaveDoctorProfile(ctx, p) }); err != nil {
			t.Fatal(err)
		}
		clk.Advance(24 * time.Hour)
		p.Relationship, p.Body = doctor.Employee, "Policlinico Umberto I"
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SaveDoctorProfile(ctx, p) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.DoctorProfile(ctx, cf)
		if err != nil || got.Relationship != doctor.Employee || got.Body != "Policlinico Umberto I" ||
			!got.DeclaredAt.Equal(first) || !got.UpdatedAt.Equal(clk.Now()) {
			t.Fatalf("profile = %+v, %v", got, err)
		}

		var id1, id2 int64
		err = db.InTx(ctx, func(tx *store.Tx) (err error) {
			a := doctor.Address{FiscalCode: cf, Label: "Studio Nomentana", Street: "Via Nomentana 300", Postcode: "00162", Comune: "Roma", Province: "RM"}
			if id1, err = tx.AddDoctorAddress(ctx, a); err != nil {
				return err
			}
			a.Label, a.Street = "Studio Appia", "Via Appia Nuova 10"
			id2, err = tx.AddDoctorAddress(ctx, a)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		change := doctor.Address{ID: id1, FiscalCode: cf, Label: "Studio Nomentana", Street: "Via Nomentana 302", Postcode: "00162", Comune: "Roma", Province: "RM", Phone: "06 1234567"}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateDoctorAddress(ctx, change) }); err != nil {
			t.Fatal(err)
		}
		theirs := change
		theirs.FiscalCode = other
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateDoctorAddress(ctx, theirs) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another doctor changed the address: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RemoveDoctorAddress(ctx, other, id2) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another doctor removed the address: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RemoveDoctorAddress(ctx, cf, id2) }); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.RemoveDoctorAddress(ctx, cf, id2) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("removed twice: %v", err)
		}
		as, err := db.DoctorAddresses(ctx, cf)
		if err != nil || len(as) != 1 || as[0].ID != id1 || as[0].Street != "Via Nomentana 302" || as[0].Phone != "06 1234567" {
			t.Fatalf("addresses = %+v, %v", as, err)
		}
		if as, _ := db.DoctorAddresses(ctx, other); len(as) != 0 {
			t.Errorf("another doctor sees %d addresses", len(as))
		}
	})
}
