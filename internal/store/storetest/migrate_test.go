package storetest_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		dsn := tg.NewDSN(t)
		db, err := store.Open(ctx, store.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()

		t.Run("EmptyIsBehind", func(t *testing.T) {
			v, err := db.SchemaVersion(ctx)
			if err != nil || v != 0 {
				t.Fatalf("SchemaVersion = %d, %v; want 0, nil", v, err)
			}
			err = db.CheckSchema(ctx)
			if !apperr.Is(err, apperr.Unavailable) || !strings.Contains(err.Error(), "sportello migrate") {
				t.Fatalf("CheckSchema on empty db = %v; want Unavailable naming `sportello migrate`", err)
			}
		})
		t.Run("ConcurrentNodes", func(t *testing.T) {
			// Several nodes starting together must apply each step once.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			applied := make([][]int, 4)
			for i := range 4 {
				wg.Go(func() {
					other, err := store.Open(ctx, store.Options{DSN: dsn})
					if err != nil {
						errs[i] = err
						return
					}
					defer other.Close()
					applied[i], errs[i] = other.Migrate(ctx)
				})
			}
			wg.Wait()
			total := 0
			for i := range 4 {
				if errs[i] != nil {
					t.Fatalf("node %d: %v", i, errs[i])
				}
				total += len(applied[i])
			}
			if total != db.LatestVersion() {
				t.Fatalf("migrations applied %d times in all, want %d (each once)", total, db.LatestVersion())
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrate: %v", err)
			}
		})
		t.Run("Rerun", func(t *testing.T) {
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
			}
		})
		t.Run("AheadIsRefused", func(t *testing.T) {
			raw := storetest.Raw(t, dsn)
			storetest.MustExec(t, raw, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')")
			err := db.CheckSchema(ctx)
			if !apperr.Is(err, apperr.Unavailable) || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("CheckSchema with future schema = %v; want Unavailable saying newer", err)
			}
		})
	})
}
