package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/audit"
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
