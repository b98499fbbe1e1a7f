package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ PROT-1 AUD-3: in one batch, a failing submission rolls back alone:
// its number and audit entries vanish, the others commit with consecutive
// numbers and one valid chain.
func TestSubmit_FailureIsolatedInBatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{AuditChain: testChain})
		// Hold the writer with a slow first submission so the rest queue
		// up and run as one batch.
		release := make(chan struct{})
		started := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			db.Submit(ctx, func(tx *store.Tx) error {
				close(started)
				<-release
				_, err := tx.Register(ctx, newReg(protocol.General, "first"))
				return err
			})
		})
		<-started
		errs := make([]error, 10)
		nums := make([]protocol.Number, 10)
		for i := range 10 {
			wg.Go(func() {
				errs[i] = db.Submit(ctx, func(tx *store.Tx) error {
					r, err := tx.Register(ctx, newReg(protocol.General, "queued"))
					if err != nil {
						return err
					}
					if err := tx.Audit(entry(i)); err != nil {
						return err
					}
					if i%3 == 0 {
						return errAbort
					}
					nums[i] = r.Number
					return nil
				})
			})
		}
		for db.QueueLen() < 10 { // wait until all ten are queued behind the first
			time.Sleep(time.Millisecond)
		}
		close(release)
		wg.Wait()
		var got []int64
		for i, err := range errs {
			if i%3 == 0 {
				if !errors.Is(err, errAbort) {
					t.Fatalf("submission %d = %v; want errAbort", i, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("submission %d = %v", i, err)
			}
			got = append(got, nums[i].Seq)
		}
		all := append(got, 1) // the first one's number
		checkGapless(t, db, protocol.General, nums[1].Year, all)
		rep, err := db.VerifyAudit(ctx)
		if err != nil || rep.Entries != int64(len(got)) {
			t.Fatalf("audit = %+v, %v; want %d entries (failed submissions leave none)", rep, err, len(got))
		}
	})
}

func TestSubmit_PanicCancelClose(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Fatalf("recovered %v; want the submitted function's panic re-raised", p)
				}
			}()
			db.Submit(ctx, func(tx *store.Tx) error { panic("boom") })
		}()
		// The writer survived the panic.
		if err := db.Submit(ctx, func(tx *store.Tx) error { return tx.Audit(audit.Entry{Actor: "a", Action: "b"}) }); err != nil {
			t.Fatalf("submit after a panic: %v", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		if err := db.Submit(cancelled, func(tx *store.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
			t.Fatalf("cancelled submit = %v (ran %v); want context.Canceled without running", err, ran)
		}
		db.Close()
		if err := db.Submit(ctx, func(tx *store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("submit after Close = %v; want ErrClosed", err)
		}
	})
}

// REQ PROT-1 ST-1: a submitter that goes away while its statement waits
// (here for a counter locked by another node) does not break the others in
// its batch. PostgreSQL only: there a cancelled query kills the shared
// connection; SQLite statements of a batch never wait on other writers.
func TestSubmit_CancelledCallerInBatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		if tg.Engine != store.Postgres {
			t.Skip("needs a row lock held by another node")
		}
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		db := storetest.Open(t, dsn, store.Options{})
		mustRegister(t, db, newReg(protocol.General, "first"))
		// Another node holds the counter row.
		raw := storetest.Raw(t, dsn)
		other, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Exec("UPDATE registers SET last = last WHERE name = 'protocollo'"); err != nil {
			t.Fatal(err)
		}
		release, started := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			db.Submit(ctx, func(tx *store.Tx) error {
				close(started)
				<-release
				return nil
			})
		})
		<-started
		cctx, cancel := context.WithCancel(ctx)
		wg.Go(func() {
			db.Submit(cctx, func(tx *store.Tx) error {
				time.AfterFunc(100*time.Millisecond, cancel) // the client leaves while the statement waits
				_, err := tx.Register(cctx, newReg(protocol.General, "abandoned"))
				return err
			})
		})
		for db.QueueLen() < 1 { // the abandoned one runs first in the next batch
			time.Sleep(time.Millisecond)
		}
		errs := make([]error, 6)
		for i := range 6 {
			wg.Go(func() {
				errs[i] = db.Submit(ctx, func(tx *store.Tx) error {
					_, err := tx.Register(ctx, newReg(protocol.General, "bystander"))
					return err
				})
			})
		}
		for db.QueueLen() < 7 {
			time.Sleep(time.Millisecond)
		}
		close(release)
		time.Sleep(300 * time.Millisecond) // the abandoned statement is waiting, its caller gone
		other.Rollback()
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("bystander %d failed because another caller went away: %v", i, err)
			}
		}
		regs, total, _ := db.FindRegistrations(ctx, store.RegistrationFilter{Register: protocol.General})
		if total < 7 {
			t.Fatalf("%d registrations, want the first and the 6 bystanders at least", total)
		}
		var nums []int64
		for _, r := range regs {
			nums = append(nums, r.Number.Seq)
		}
		checkGapless(t, db, protocol.General, regs[0].Number.Year, nums)
	})
}

// REQ ST-1: concurrent changes to one case each get their own position in
// its history (PostgreSQL serialises them per case).
func TestAppendEvent_ConcurrentSameCase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		nodes := []*store.DB{storetest.Open(t, dsn, store.Options{}), storetest.Open(t, dsn, store.Options{})}
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range 16 {
			wg.Go(func() {
				errs[i] = nodes[i%2].InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: "A1", Kind: "note", Actor: "office:1", Channel: "office"})
					return err
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
		evs, err := nodes[0].CaseHistory(ctx, "application", "A1")
		if err != nil || len(evs) != 16 || evs[15].Seq != 16 {
			t.Fatalf("history = %d events (%v); want 16 numbered 1..16", len(evs), err)
		}
	})
}
