package storetest_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func submit(db *store.DB, a store.Application) (store.Application, error) {
	var out store.Application
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.SubmitApplication(context.Background(), a, "Domanda di cure balneotermali", `{"anno":2026}`)
		return err
	})
	return out, err
}

// REQ CBT-12 CBT-13 RULE-9 CH-1: an application gets the next number of the
// protocol register; one a year per person; the applicant's list and the
// office's queue (with the flag of CBT-10) find it.
func TestApplications_SubmitAndFind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		const p1, p2 = "RSSMRA56L12H501D", "VRDGNN60B45F205Y"
		a1, err := submit(db, store.Application{Kind: "domanda_cbt", Applicant: p1, Year: 2026, Office: "RM01", Channel: "web", Certificate: "20260000001"})
		if err != nil || a1.Number != "20260000001" || a1.State != store.AppSubmitted || !a1.SubmittedAt.Equal(clk.Now()) {
			t.Fatalf("submit = %+v, %v", a1, err)
		}
		clk.Advance(time.Minute)
		a2, err := submit(db, store.Application{Kind: "domanda_cbt", Applicant: p2, Year: 2026, Office: "RM01", Channel: "intermediary",
			Operator: "intermediary:PAT-RM-001:TSTFNC77A70H501W", Intermediary: "PAT-RM-001", Flagged: true})
		if err != nil || a2.Number != "20260000002" {
			t.Fatalf("second = %+v, %v", a2, err)
		}
		// One a year (RULE-9), whoever sends it.
		_, err = submit(db, store.Application{Kind: "domanda_cbt", Applicant: p1, Year: 2026, Office: "RM01", Channel: "contact_centre"})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second application of the year: %v", err)
		}
		// The refused one took no number.
		if a3, err := submit(db, store.Application{Kind: "domanda_cbt", Applicant: p1, Year: 2027, Office: "RM01", Channel: "web"}); err != nil || a3.Number != "20260000003" {
			t.Errorf("next year's = %+v, %v", a3, err)
		}
		got, err := db.ApplicationByNumber(ctx, a2.Number)
		if err != nil || got.Operator != a2.Operator || got.Intermediary != "PAT-RM-001" || !got.Flagged || got.Channel != "intermediary" {
			t.Errorf("by number = %+v, %v", got, err)
		}
		if r, err := db.FindRegistrationByID(ctx, got.RegistrationID); err != nil || r.Actor != a2.Operator || r.Correspondent != p2 {
			t.Errorf("registration = %+v, %v", r, err)
		}
		mine, total, err := db.FindApplications(ctx, store.ApplicationFilter{Applicant: p1})
		if err != nil || total != 2 || mine[0].Year != 2027 {
			t.Errorf("p1's applications = %+v (%d), %v", mine, total, err)
		}
		flagged := true
		queue, total, err := db.FindApplications(ctx, store.ApplicationFilter{Office: "RM01", Year: 2026, State: store.AppSubmitted, Flagged: &flagged})
		if err != nil || total != 1 || queue[0].Number != a2.Number {
			t.Errorf("flagged queue = %+v (%d), %v", queue, total, err)
		}
		if _, total, _ := db.FindApplications(ctx, store.ApplicationFilter{Office: "MI01"}); total != 0 {
			t.Errorf("another office sees %d", total)
		}
		if _, _, err := db.FindApplications(ctx, store.ApplicationFilter{}); err == nil {
			t.Error("everyone's applications listed")
		}
		if _, err := db.ApplicationByNumber(ctx, "20269999999"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown number: %v", err)
		}
	})
}

// REQ PROT-1 CBT-12 RULE-9: 200 confirmations at once give 200
// applications with consecutive protocol numbers on both engines; the
// same person confirming from several places at once gets one.
func TestApplications_ConcurrentConfirmations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		db := tg.New(t, store.Options{})
		const n, dup = 200, 8
		var mu sync.Mutex
		var numbers []string
		conflicts := 0
		var wg sync.WaitGroup
		for i := range n + dup {
			wg.Go(func() {
				cf := fmt.Sprintf("PERSON%010d", i)
				if i >= n {
					cf = "SAMEPERSON000000" // the same person, many tabs and channels
				}
				a, err := submit(db, store.Application{Kind: "domanda_cbt", Applicant: cf, Year: 2026, Office: "RM01", Channel: "web"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case apperr.Is(err, apperr.Conflict):
					conflicts++
				case err != nil:
					t.Error(err)
				default:
					numbers = append(numbers, a.Number)
				}
			})
		}
		wg.Wait()
		if len(numbers) != n+1 || conflicts != dup-1 {
			t.Fatalf("%d applications, %d conflicts; want %d and %d", len(numbers), conflicts, n+1, dup-1)
		}
		sort.Strings(numbers)
		year := time.Now().In(clock.Rome).Year()
		for i, got := range numbers {
			if want := fmt.Sprintf("%d%07d", year, i+1); got != want {
				t.Fatalf("number %d = %s, want %s (gap or duplicate)", i, got, want)
			}
		}
	})
}
