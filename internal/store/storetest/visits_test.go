package storetest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func addSlot(t *testing.T, db *store.DB, s store.Slot) store.Slot {
	t.Helper()
	var out store.Slot
	if err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.AddSlot(context.Background(), s)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func submitInv(t *testing.T, db *store.DB, cf string) store.Application {
	t.Helper()
	a, err := submit(db, store.Application{Kind: store.KindInvalidity, Applicant: cf, Year: 2026, Office: "RM01", Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func bookEarliest(db *store.DB, b store.Booking) (store.Visit, error) {
	var v store.Visit
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		v, err = tx.BookEarliest(context.Background(), b)
		return err
	})
	return v, err
}

// REQ INV-6 INV-2: a civil-invalidity application gets a Domus number from
// its own register beside its protocol number; one application in
// progress per person, whatever the year, while the spa-treatment rule
// stays one a year; a lapsed application lets a new one in.
func TestApplications_InvalidityDomusAndOneInProgress(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{Clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))})
		const p = "RSSMRA56L12H501D"
		cbt, err := submit(db, store.Application{Kind: "domanda_cbt", Applicant: p, Year: 2026, Office: "RM01", Channel: "web"})
		if err != nil || cbt.Domus != "" {
			t.Fatalf("spa-treatment application = %+v, %v", cbt, err)
		}
		inv := submitInv(t, db, p)
		if inv.Number != "20260000002" || inv.Domus != "D20260000001" {
			t.Fatalf("invalidity application = %s, Domus %q", inv.Number, inv.Domus)
		}
		if got, err := db.ApplicationByNumber(ctx, inv.Number); err != nil || got.Domus != inv.Domus {
			t.Errorf("read back = %+v, %v", got, err)
		}
		_, err = submit(db, store.Application{Kind: store.KindInvalidity, Applicant: p, Year: 2027, Office: "RM01", Channel: "web"})
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("a second invalidity application in progress: %v", err)
		}
		// The refusal took neither number.
		other := submitInv(t, db, "VRDGNN60B45F205Y")
		if other.Number != "20260000003" || other.Domus != "D20260000002" {
			t.Errorf("next = %s %s", other.Number, other.Domus)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetApplicationState(ctx, inv.Number, store.AppRenounced) }); err != nil {
			t.Fatal(err)
		}
		if again := submitInv(t, db, p); again.Domus != "D20260000003" {
			t.Errorf("after the first lapsed: %+v", again)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetApplicationState(ctx, "20269999999", store.AppVisited) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("state of an unknown application: %v", err)
		}
	})
}

// REQ AG-1 AG-2 AG-3: slots are listed in time order by ASL, place or
// home, with room or not; a booking takes the earliest slot with room in
// the window asked, never a full one; closing a booking as moved or
// cancelled gives its place back, as present or absent keeps it; an
// application has one booking waiting at a time.
func TestVisits_AgendaAndBookings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{Clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))})
		day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, clock.Rome) }
		mk := func(asl string, at time.Time, capacity int, home bool) store.Slot {
			return addSlot(t, db, store.Slot{ASL: asl, StartsAt: at, Place: "Via Ariosto 3", Commission: "Commissione 1",
				Capacity: capacity, Home: home, CreatedBy: "asl:ASL-RM1:PLLLCU78B27H501O"})
		}
		late := mk("ASL-RM1", day(20, 9), 2, false)
		early := mk("ASL-RM1", day(10, 9), 1, false)
		home := mk("ASL-RM1", day(5, 9), 1, true)
		mk("ASL-RM2", day(4, 9), 5, false)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddSlot(ctx, store.Slot{ASL: "ASL-RM1", StartsAt: day(9, 9), Place: "x", Commission: "y", Capacity: 0, CreatedBy: "z"})
			return err
		}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a slot without places: %v", err)
		}
		all, total, err := db.Slots(ctx, store.SlotFilter{ASL: "ASL-RM1", From: day(1, 0)})
		if err != nil || total != 3 || all[0].ID != home.ID || all[1].ID != early.ID || all[2].ID != late.ID || !all[1].StartsAt.Equal(day(10, 9)) {
			t.Fatalf("slots = %+v (%d), %v", all, total, err)
		}
		a1, a2, a3, a4 := submitInv(t, db, "PERSON0000000001"), submitInv(t, db, "PERSON0000000002"), submitInv(t, db, "PERSON0000000003"), submitInv(t, db, "PERSON0000000004")
		b := func(app string) store.Booking {
			return store.Booking{Application: app, Summons: 1, ASL: "ASL-RM1", From: day(1, 0), Actor: "system"}
		}
		v1, err := bookEarliest(db, b(a1.Number))
		if err != nil || v1.Slot.ID != early.ID || v1.State != store.VisitBooked || v1.Slot.Booked != 1 {
			t.Fatalf("first booking = %+v, %v", v1, err)
		}
		// The early slot is full: the next goes to the late one.
		if v2, err := bookEarliest(db, b(a2.Number)); err != nil || v2.Slot.ID != late.ID {
			t.Fatalf("second booking = %+v, %v", v2, err)
		}
		// A window that ends before the late slot finds nothing.
		bw := b(a3.Number)
		bw.To = day(15, 0)
		if _, err := bookEarliest(db, bw); err != store.ErrNoFreeSlot {
			t.Errorf("booking in a full window: %v", err)
		}
		// Home visits come from home slots only.
		bh := b(a3.Number)
		bh.Home = true
		if v, err := bookEarliest(db, bh); err != nil || v.Slot.ID != home.ID || !v.Slot.Home {
			t.Errorf("home visit = %+v, %v", v, err)
		}
		// One booking waiting per application.
		if _, err := bookEarliest(db, b(a3.Number)); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second waiting booking: %v", err)
		}
		// Moving gives the place back; the slot can be booked again.
		var moved store.Visit
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			moved, err = tx.CloseVisit(ctx, a1.Number, store.VisitMoved, "citizen:PERSON0000000001")
			return err
		}); err != nil || moved.Slot.ID != early.ID {
			t.Fatalf("move = %+v, %v", moved, err)
		}
		if s, _ := db.SlotByID(ctx, early.ID); s.Booked != 0 {
			t.Errorf("after the move the early slot has %d booked", s.Booked)
		}
		var rebooked store.Visit
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			rebooked, err = tx.Book(ctx, a4.Number, 1, early.ID, "asl:ASL-RM1:x")
			return err
		}); err != nil || rebooked.Slot.ID != early.ID {
			t.Fatalf("book a chosen slot = %+v, %v", rebooked, err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Book(ctx, a1.Number, 1, early.ID, "citizen:x")
			return err
		}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a full chosen slot: %v", err)
		}
		// Present keeps the place; the visit is no longer waiting.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CloseVisit(ctx, a4.Number, store.VisitPresent, "asl:ASL-RM1:x")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.SlotByID(ctx, early.ID); s.Booked != 1 {
			t.Errorf("after a visit the early slot has %d booked", s.Booked)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CloseVisit(ctx, a4.Number, store.VisitAbsent, "asl:ASL-RM1:x")
			return err
		}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("closing a visit already closed: %v", err)
		}
		vs, err := db.Visits(ctx, a1.Number)
		if err != nil || len(vs) != 1 || vs[0].State != store.VisitMoved || vs[0].RecordedBy != "citizen:PERSON0000000001" || vs[0].RecordedAt.IsZero() {
			t.Errorf("a1's visits = %+v, %v", vs, err)
		}
		if sv, err := db.SlotVisits(ctx, early.ID); err != nil || len(sv) != 1 || sv[0].Application != a4.Number {
			t.Errorf("the early slot's list = %+v, %v", sv, err)
		}
	})
}

// REQ AG-1: slots are never double-booked under concurrency: 60
// applications booking at once into 4 slots of 5 places get 20 places,
// each slot exactly full, and 40 are told there is no date; from two
// store handles on the same database (two nodes).
func TestVisits_NeverDoubleBooked(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		node1, node2 := storetest.Open(t, dsn, store.Options{}), storetest.Open(t, dsn, store.Options{})
		start := time.Now().Add(48 * time.Hour)
		var slots []store.Slot
		for i := range 4 {
			slots = append(slots, addSlot(t, node1, store.Slot{ASL: "ASL-RM1", StartsAt: start.Add(time.Duration(i) * time.Hour),
				Place: "Via Ariosto 3", Commission: "C1", Capacity: 5, CreatedBy: "asl"}))
		}
		const n = 60
		apps := make([]store.Application, n)
		for i := range n {
			apps[i] = submitInv(t, node1, fmt.Sprintf("PERSON%010d", i))
		}
		var mu sync.Mutex
		booked, none := map[int64]int{}, 0
		var wg sync.WaitGroup
		for i := range n {
			db := node1
			if i%2 == 1 {
				db = node2
			}
			wg.Go(func() {
				v, err := bookEarliest(db, store.Booking{Application: apps[i].Number, Summons: 1, ASL: "ASL-RM1", From: start.Add(-time.Hour), Actor: "system"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == store.ErrNoFreeSlot:
					none++
				case err != nil:
					t.Error(err)
				default:
					booked[v.Slot.ID]++
				}
			})
		}
		wg.Wait()
		if none != n-20 {
			t.Errorf("%d told there is no date; want %d", none, n-20)
		}
		for _, s := range slots {
			got, err := node2.SlotByID(ctx, s.ID)
			vs, _ := node2.SlotVisits(ctx, s.ID)
			if err != nil || got.Booked != 5 || booked[s.ID] != 5 || len(vs) != 5 {
				t.Errorf("slot %d: counter %d, bookings %d, rows %d; want 5 each (%v)", s.ID, got.Booked, booked[s.ID], len(vs), err)
			}
		}
	})
}
