package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

var errAbort = errors.New("abort half-way")

func newReg(reg protocol.Register, subject string) protocol.NewRegistration {
	return protocol.NewRegistration{Register: reg, Kind: "test", Subject: subject, Payload: `{"x":1}`, Actor: "test:1", Channel: history.ChannelSystem}
}

// hammer registers perWorker records from each of the workers, spread over
// the given databases (one per simulated node). Every fourth transaction
// takes a number and then rolls back. It returns the numbers committed.
func hammer(t *testing.T, dbs []*store.DB, workers, perWorker int, reg protocol.Register, batched bool) []int64 {
	t.Helper()
	ctx := context.Background()
	var (
		mu   sync.Mutex
		nums []int64
		wg   sync.WaitGroup
		errs = make(chan error, workers)
	)
	for w := range workers {
		db := dbs[w%len(dbs)]
		wg.Go(func() {
			for i, done := 0, 0; done < perWorker; i++ {
				var got protocol.Registration
				write := db.InTx
				if batched {
					write = db.Submit
				}
				err := write(ctx, func(tx *store.Tx) error {
					r, err := tx.Register(ctx, newReg(reg, fmt.Sprintf("w%d-%d", w, i)))
					if err != nil {
						return err
					}
					if i%4 == 3 {
						return errAbort // the number must be given to the next registration
					}
					got = r
					return nil
				})
				switch {
				case errors.Is(err, errAbort):
				case err != nil:
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				default:
					done++
					mu.Lock()
					nums = append(nums, got.Number.Seq)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return nums
}

// checkGapless verifies that nums are exactly 1..n, that the database holds
// the same registrations and that the counter stands at n.
func checkGapless(t *testing.T, db *store.DB, reg protocol.Register, year int, nums []int64) {
	t.Helper()
	n := len(nums)
	seen := make([]bool, n+1)
	for _, x := range nums {
		if x < 1 || x > int64(n) {
			t.Fatalf("number %d outside 1..%d: a gap somewhere", x, n)
		}
		if seen[x] {
			t.Fatalf("number %d given twice", x)
		}
		seen[x] = true
	}
	last, err := db.LastNumber(context.Background(), reg, year)
	if err != nil || last != int64(n) {
		t.Fatalf("LastNumber = %d, %v; want %d", last, err, n)
	}
	// Every stored row, in number order: numbers 1..n, and dates that
	// never go backwards as numbers go up.
	var prev protocol.Registration
	for offset := 0; offset < n; offset += 1000 {
		regs, total, err := db.FindRegistrations(context.Background(), store.RegistrationFilter{Register: reg, Year: year, Limit: 1000, Offset: offset})
		if err != nil || total != n {
			t.Fatalf("FindRegistrations total = %d, %v; want %d", total, err, n)
		}
		for i, r := range regs {
			if r.Number.Seq != int64(offset+i+1) {
				t.Fatalf("stored registration %d has number %d", offset+i+1, r.Number.Seq)
			}
			if r.RegisteredAt.Before(prev.RegisteredAt) {
				t.Fatalf("%s is dated %s, before %s dated %s", r.Number, r.RegisteredAt, prev.Number, prev.RegisteredAt)
			}
			prev = r
		}
	}
}

func hammerSize() (workers, perWorker int) {
	if testing.Short() {
		return 16, 40 // -race -short in CI: the same shape, fewer rounds
	}
	return 16, 500
}

// REQ PROT-1 CERT-4: concurrent registrations on one node get unique
// numbers without gaps, rolled-back numbers reused.
func TestNextNumber_ConcurrentOneNode(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		db := tg.New(t, store.Options{})
		workers, per := hammerSize()
		nums := hammer(t, []*store.DB{db}, workers, per, protocol.Certificates, false)
		checkGapless(t, db, protocol.Certificates, clock.YearInRome(time.Now()), nums)
	})
}

// REQ PROT-1: the same from two nodes, i.e. two separate connection pools
// on one database.
func TestNextNumber_ConcurrentTwoNodes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		dsn := tg.NewDSN(t)
		a := storetest.Open(t, dsn, store.Options{})
		b := storetest.Open(t, dsn, store.Options{})
		workers, per := hammerSize()
		nums := hammer(t, []*store.DB{a, b}, workers, per, protocol.General, false)
		checkGapless(t, a, protocol.General, clock.YearInRome(time.Now()), nums)
	})
}

// REQ PROT-1: the same through the batching writers of two nodes: numbers
// taken by a submission that fails are given back inside the batch.
func TestSubmit_ConcurrentTwoNodes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		dsn := tg.NewDSN(t)
		var mu sync.Mutex
		batches, biggest := 0, 0
		opts := store.Options{OnBatch: func(n int) {
			mu.Lock()
			batches++
			biggest = max(biggest, n)
			mu.Unlock()
		}}
		a := storetest.Open(t, dsn, opts)
		b := storetest.Open(t, dsn, opts)
		workers, per := hammerSize()
		nums := hammer(t, []*store.DB{a, b}, workers, per, protocol.Certificates, true)
		checkGapless(t, a, protocol.Certificates, clock.YearInRome(time.Now()), nums)
		t.Logf("%d submissions in %d batches, the largest of %d", workers*per*4/3, batches, biggest)
		if biggest < 2 {
			t.Errorf("no batch held more than one submission: group commit did not happen")
		}
	})
}

// REQ PROT-1: a transaction that rolls back after taking a number gives it
// back: the next registration gets it, and the formatted number is AAAAnnnnnnn.
func TestNextNumber_RollbackReuses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.Rome))
		db := tg.New(t, store.Options{Clock: clk})
		err := db.InTx(ctx, func(tx *store.Tx) error {
			n, err := tx.NextNumber(ctx, protocol.General)
			if err != nil {
				return err
			}
			if n.String() != "20260000001" {
				t.Errorf("first number = %s, want 20260000001", n)
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InTx = %v, want errAbort", err)
		}
		var r protocol.Registration
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			r, err = tx.Register(ctx, newReg(protocol.General, "after rollback"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := r.Number.String(); got != "20260000001" {
			t.Fatalf("number after rollback = %s, want 20260000001 (reused)", got)
		}
	})
}

// REQ PROT-1: the year of a number is the year in Europe/Rome; numbering
// restarts at 1 at midnight of 31 December there, registers are independent.
func TestNextNumber_YearChangesAtRomeMidnight(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		// 22:59:59 UTC on 31 December is 23:59:59 in Rome (CET, UTC+1).
		clk := clock.NewManual(time.Date(2026, 12, 31, 22, 59, 59, 999_000_000, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		next := func(reg protocol.Register) string {
			t.Helper()
			var n protocol.Number
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.NextNumber(ctx, reg)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n.String()
		}
		for _, want := range []string{"20260000001", "20260000002"} {
			if got := next(protocol.General); got != want {
				t.Fatalf("before midnight: %s, want %s", got, want)
			}
		}
		if got := next(protocol.Certificates); got != "20260000001" {
			t.Fatalf("other register: %s, want its own 20260000001", got)
		}
		clk.Advance(time.Millisecond) // 00:00:00.000 on 1 January in Rome, still 2026 in UTC
		if got := next(protocol.General); got != "20270000001" {
			t.Fatalf("at Rome midnight: %s, want 20270000001", got)
		}
		if got := next(protocol.General); got != "20270000002" {
			t.Fatalf("after midnight: %s, want 20270000002", got)
		}
	})
}

// REQ PROT-1 CERT-4: at 9,999,999 the register refuses with a clear error
// and nothing is consumed or stored.
func TestNextNumber_Exhausted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
		dsn := tg.NewDSN(t)
		db := storetest.Open(t, dsn, store.Options{Clock: clk})
		storetest.MustExec(t, storetest.Raw(t, dsn),
			"INSERT INTO registers (name, year, last) VALUES ('protocollo', 2026, 9999998)")
		var last protocol.Registration
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			last, err = tx.Register(ctx, newReg(protocol.General, "the last one"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := last.Number.String(); got != "20269999999" {
			t.Fatalf("last number = %s, want 20269999999", got)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Register(ctx, newReg(protocol.General, "one too many"))
			return err
		})
		if !apperr.Is(err, apperr.Exhausted) || !strings.Contains(err.Error(), "9999999") {
			t.Fatalf("register beyond 9,999,999 = %v; want Exhausted naming the limit", err)
		}
		if n, _ := db.LastNumber(ctx, protocol.General, 2026); n != 9999999 {
			t.Fatalf("counter = %d after refusal, want 9999999", n)
		}
		_, total, _ := db.FindRegistrations(ctx, store.RegistrationFilter{Register: protocol.General})
		if total != 1 {
			t.Fatalf("%d registrations stored, want 1", total)
		}
		// Other registers still work.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.NextNumber(ctx, protocol.Certificates)
			return err
		}); err != nil {
			t.Fatalf("other register after exhaustion: %v", err)
		}
	})
}
