package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func createOnce(ctx context.Context, db *store.DB, actor, key, hash string) (store.Outcome, error) {
	return db.Once(ctx, actor, key, hash, func(tx *store.Tx) (string, error) {
		r, err := tx.Register(ctx, newReg(protocol.General, "domanda "+key))
		if err != nil {
			return "", err
		}
		return r.Number.String(), nil
	})
}

// REQ PROT-3: concurrent duplicates of one create (double click, retry
// after a timeout, on any node) produce one record and the same answer.
func TestOnce_ConcurrentDuplicates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		nodes := []*store.DB{storetest.Open(t, dsn, store.Options{}), storetest.Open(t, dsn, store.Options{})}
		const n = 16
		outs := make([]store.Outcome, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { outs[i], errs[i] = createOnce(ctx, nodes[i%2], "citizen:A", "form-123", "h1") })
		}
		wg.Wait()
		firsts := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if outs[i].Response != outs[0].Response || outs[i].Response == "" {
				t.Fatalf("call %d answered %q, call 0 %q: want the same number", i, outs[i].Response, outs[0].Response)
			}
			if !outs[i].Replayed {
				firsts++
			}
		}
		if firsts != 1 {
			t.Fatalf("%d calls created a record, want exactly 1", firsts)
		}
		if _, total, _ := nodes[0].FindRegistrations(ctx, store.RegistrationFilter{}); total != 1 {
			t.Fatalf("%d registrations stored, want 1", total)
		}
	})
}

// REQ PROT-3: keys are per actor; a key reused for a different request is a
// conflict; a failed create stores nothing and can be retried.
func TestOnce_Semantics(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.New(t, store.Options{})
		a, err := createOnce(ctx, db, "citizen:A", "k1", "h1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := createOnce(ctx, db, "citizen:B", "k1", "h1")
		if err != nil || b.Replayed || b.Response == a.Response {
			t.Fatalf("same key, other actor = %+v, %v; want a new record", b, err)
		}
		_, err = createOnce(ctx, db, "citizen:A", "k1", "h2")
		if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Code != apperr.Conflict || e.Fields["Idempotency-Key"] == "" {
			t.Fatalf("key reused for another request = %v; want Conflict on Idempotency-Key", err)
		}
		_, err = db.Once(ctx, "citizen:A", "k2", "h", func(tx *store.Tx) (string, error) {
			if _, err := tx.Register(ctx, newReg(protocol.General, "fails")); err != nil {
				return "", err
			}
			return "", apperr.New(apperr.Invalid, "dati mancanti")
		})
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("failing create = %v; want its error", err)
		}
		c, err := createOnce(ctx, db, "citizen:A", "k2", "h")
		if err != nil || c.Replayed {
			t.Fatalf("retry after a failure = %+v, %v; want a fresh create", c, err)
		}
		if _, total, _ := db.FindRegistrations(ctx, store.RegistrationFilter{}); total != 3 {
			t.Fatalf("%d registrations, want 3", total)
		}
		for _, key := range []string{"", string(make([]byte, 201))} {
			_, err := createOnce(ctx, db, "citizen:A", key, "h")
			if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Code != apperr.Invalid || e.Fields["Idempotency-Key"] == "" {
				t.Errorf("key of %d bytes = %v; want Invalid on Idempotency-Key", len(key), err)
			}
		}
	})
}
