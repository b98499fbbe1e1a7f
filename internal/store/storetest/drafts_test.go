package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ CBT-11 CERT-3: a draft is kept per owner and form, replaced on each
// save, invisible to other owners, gone after expiry or submission.
func TestDrafts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		if _, err := db.SaveDraft(ctx, "citizen:A", "cbt", `{"step":1}`, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveDraft(ctx, "citizen:A", "cbt", `{"step":2}`, time.Hour); err != nil {
			t.Fatal(err)
		}
		d, err := db.FindDraft(ctx, "citizen:A", "cbt")
		if err != nil || d.Data != `{"step":2}` || !d.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("FindDraft = %+v, %v", d, err)
		}
		if _, err := db.FindDraft(ctx, "citizen:B", "cbt"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another owner's draft = %v; want NotFound", err)
		}
		clk.Advance(time.Hour + time.Second)
		if _, err := db.FindDraft(ctx, "citizen:A", "cbt"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("expired draft = %v; want NotFound", err)
		}
		db.SaveDraft(ctx, "citizen:A", "cbt", `{"step":3}`, time.Hour)
		var taken store.Draft
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { taken, err = tx.TakeDraft(ctx, "citizen:A", "cbt"); return err }); err != nil || taken.Data != `{"step":3}` {
			t.Fatalf("TakeDraft = %+v, %v", taken, err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.TakeDraft(ctx, "citizen:A", "cbt"); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("second TakeDraft = %v; want NotFound (submitted once)", err)
		}
		if _, err := db.FindDraft(ctx, "citizen:A", "cbt"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("submitted draft = %v; want NotFound", err)
		}
	})
}
