package storetest_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func send(t *testing.T, db *store.DB, c store.SentCertificate) store.SentCertificate {
	t.Helper()
	var out store.SentCertificate
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.SendCertificate(context.Background(), c, "Certificato medico", `{"diagnosi":[]}`, "web")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// REQ CERT-4 CERT-6: a sent certificate gets the next AAAAnnnnnnn number of
// the certificate register of the year of sending; a doctor's list is
// filtered by kind, patient, dates and state, paginated, newest first, and
// shows only that doctor's certificates.
func TestCertificates_SendAndList(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		const docA, docB, p1, p2 = "BNCLRA70E52H501P", "FRRGRG69S23F205W", "RSSMRA56L12H501D", "VRDGNN60B45F205Y"
		exp := time.Date(2026, 5, 31, 21, 59, 59, 0, time.UTC)
		a1 := send(t, db, store.SentCertificate{Kind: "certificato_cbt", Doctor: docA, Patient: p1})
		clk.Advance(time.Hour)
		a2 := send(t, db, store.SentCertificate{Kind: "certificato_invalidita", Doctor: docA, Patient: p2, ExpiresAt: exp})
		clk.Advance(time.Hour)
		b1 := send(t, db, store.SentCertificate{Kind: "certificato_cbt", Doctor: docB, Patient: p1})
		clk.Advance(time.Hour)
		a3 := send(t, db, store.SentCertificate{Kind: "certificato_cbt", Doctor: docA, Patient: p2})
		if a1.Number != "20260000001" || a2.Number != "20260000002" || b1.Number != "20260000003" || a3.Number != "20260000004" {
			t.Fatalf("numbers = %s %s %s %s", a1.Number, a2.Number, b1.Number, a3.Number)
		}
		list := func(f store.CertificateFilter) ([]string, int) {
			t.Helper()
			cs, total, err := db.FindCertificates(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var ns []string
			for _, c := range cs {
				ns = append(ns, c.Number)
			}
			return ns, total
		}
		if ns, total := list(store.CertificateFilter{Doctor: docA}); total != 3 || fmt.Sprint(ns) != "[20260000004 20260000002 20260000001]" {
			t.Errorf("doctor A = %v (%d)", ns, total)
		}
		if ns, _ := list(store.CertificateFilter{Doctor: docA, Kind: "certificato_cbt"}); fmt.Sprint(ns) != "[20260000004 20260000001]" {
			t.Errorf("by kind = %v", ns)
		}
		if ns, _ := list(store.CertificateFilter{Doctor: docA, Patient: p2}); fmt.Sprint(ns) != "[20260000004 20260000002]" {
			t.Errorf("by patient = %v", ns)
		}
		if ns, _ := list(store.CertificateFilter{Doctor: docA, From: a2.SentAt, To: a3.SentAt}); fmt.Sprint(ns) != "[20260000002]" {
			t.Errorf("by dates = %v", ns)
		}
		if ns, total := list(store.CertificateFilter{Doctor: docA, Limit: 2, Offset: 2}); total != 3 || fmt.Sprint(ns) != "[20260000001]" {
			t.Errorf("second page = %v (%d)", ns, total)
		}
		if ns, _ := list(store.CertificateFilter{Doctor: docA, State: "annulled"}); len(ns) != 0 {
			t.Errorf("annulled = %v", ns)
		}
		cs, _, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, Kind: "certificato_invalidita"})
		if len(cs) != 1 || !cs[0].ExpiresAt.Equal(exp) || !cs[0].AnnulledAt.IsZero() || cs[0].Patient != p2 {
			t.Errorf("invalidity certificate = %+v", cs)
		}
		if _, _, err := db.FindCertificates(ctx, store.CertificateFilter{}); err == nil {
			t.Error("a list without a doctor")
		}
	})
}

// REQ CERT-4 PROT-1: certificates sent at once by many doctors get
// distinct, gapless numbers on both engines.
func TestCertificates_ConcurrentSending(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		db := tg.New(t, store.Options{})
		const workers, each = 8, 10
		var mu sync.Mutex
		var numbers []string
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					var c store.SentCertificate
					err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
						c, err = tx.SendCertificate(context.Background(), store.SentCertificate{Kind: "certificato_cbt",
							Doctor: fmt.Sprintf("DOC%02d", w), Patient: "RSSMRA56L12H501D"}, "Certificato", `{}`, "api")
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					numbers = append(numbers, c.Number)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		sort.Strings(numbers)
		if len(numbers) != workers*each {
			t.Fatalf("%d certificates sent", len(numbers))
		}
		year := numbers[0][:4]
		for i, n := range numbers {
			if want := fmt.Sprintf("%s%07d", year, i+1); n != want {
				t.Fatalf("number %d = %s, want %s: a gap or a duplicate", i, n, want)
			}
		}
	})
}
