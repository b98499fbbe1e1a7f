package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
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

func inTx(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) error {
	t.Helper()
	return db.InTx(context.Background(), fn)
}

// REQ CERT-3 CERT-6: drafts have no number, belong to their doctor only,
// are listed with the sent certificates (and alone with the state filter),
// expire, and are taken once when sent.
func TestCertificates_Drafts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		const docA, docB, p1 = "BNCLRA70E52H501P", "FRRGRG69S23F205W", "RSSMRA56L12H501D"
		save := func(d store.CertificateDraft) store.CertificateDraft {
			t.Helper()
			var out store.CertificateDraft
			if err := inTx(t, db, func(tx *store.Tx) (err error) {
				out, err = tx.SaveCertificateDraft(ctx, d, 30*24*time.Hour)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		d1 := save(store.CertificateDraft{Doctor: docA, Kind: "certificato_cbt", Data: `{"v":1}`})
		if d1.ID == 0 || !d1.CreatedAt.Equal(clk.Now()) {
			t.Fatalf("draft = %+v", d1)
		}
		clk.Advance(time.Hour)
		sent := send(t, db, store.SentCertificate{Kind: "certificato_cbt", Doctor: docA, Patient: p1})
		clk.Advance(time.Hour)
		d1.Patient, d1.Data = p1, `{"v":2}`
		d1 = save(d1)
		got, err := db.CertificateDraft(ctx, docA, d1.ID)
		if err != nil || got.Data != `{"v":2}` || got.Patient != p1 || !got.UpdatedAt.Equal(clk.Now()) || got.CreatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("resumed draft = %+v, %v", got, err)
		}
		// Another doctor can neither read nor overwrite it.
		if _, err := db.CertificateDraft(ctx, docB, d1.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other doctor reads the draft: %v", err)
		}
		if err := inTx(t, db, func(tx *store.Tx) error {
			_, err := tx.SaveCertificateDraft(ctx, store.CertificateDraft{ID: d1.ID, Doctor: docB, Kind: "certificato_cbt", Data: "{}"}, time.Hour)
			return err
		}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("other doctor overwrites the draft: %v", err)
		}
		entries, total, err := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA})
		if err != nil || total != 2 || len(entries) != 2 || entries[0].DraftID != d1.ID || entries[0].Number != "" || entries[1].Number != sent.Number {
			t.Fatalf("list = %+v (%d), %v", entries, total, err)
		}
		if entries, total, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, State: "draft"}); total != 1 || !entries[0].IsDraft() {
			t.Errorf("drafts only = %+v", entries)
		}
		if entries, total, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, State: "sent"}); total != 1 || entries[0].IsDraft() {
			t.Errorf("sent only = %+v", entries)
		}
		if _, total, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, Kind: "certificato_invalidita"}); total != 0 {
			t.Errorf("kind filter counts %d", total)
		}
		// Taken once: a second sending of the same draft finds nothing.
		if err := inTx(t, db, func(tx *store.Tx) error { _, err := tx.TakeCertificateDraft(ctx, docA, d1.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if err := inTx(t, db, func(tx *store.Tx) error { _, err := tx.TakeCertificateDraft(ctx, docA, d1.ID); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("draft taken twice: %v", err)
		}
		// Expiry: an old draft disappears from reads and lists.
		d2 := save(store.CertificateDraft{Doctor: docA, Kind: "certificato_invalidita", Data: "{}"})
		clk.Advance(31 * 24 * time.Hour)
		if _, err := db.CertificateDraft(ctx, docA, d2.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("expired draft read: %v", err)
		}
		if _, total, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, State: "draft"}); total != 0 {
			t.Errorf("expired draft listed")
		}
		if err := inTx(t, db, func(tx *store.Tx) error { return tx.DeleteCertificateDraft(ctx, docA, 424242) }); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("delete of a missing draft: %v", err)
		}
	})
}

// REQ CERT-8 CERT-9 INV-4: annulment is the doctor's own and only while no
// application uses the certificate; linking checks patient, kind,
// annulment, other applications and the 90-day window.
func TestCertificates_AnnulAndLink(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := tg.New(t, store.Options{Clock: clk})
		const docA, docB, p1, p2 = "BNCLRA70E52H501P", "FRRGRG69S23F205W", "RSSMRA56L12H501D", "VRDGNN60B45F205Y"
		exp := clk.Now().Add(90 * 24 * time.Hour)
		inv := send(t, db, store.SentCertificate{Kind: "certificato_invalidita", Doctor: docA, Patient: p1, ExpiresAt: exp})
		spa := send(t, db, store.SentCertificate{Kind: "certificato_cbt", Doctor: docA, Patient: p2})
		annul := func(doc, number string) (store.SentCertificate, error) {
			var c store.SentCertificate
			err := inTx(t, db, func(tx *store.Tx) (err error) {
				c, err = tx.AnnulCertificate(ctx, doc, number, "Paziente sbagliato")
				return err
			})
			return c, err
		}
		link := func(l store.CertificateLink) error {
			return inTx(t, db, func(tx *store.Tx) error { _, err := tx.LinkCertificate(ctx, l); return err })
		}
		fieldMsg := func(err error) string {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
				t.Fatalf("want a field error, got %v", err)
			}
			return ae.Fields["certificato"]
		}
		if _, err := annul(docB, spa.Number); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another doctor annuls: %v", err)
		}
		if err := inTx(t, db, func(tx *store.Tx) error { _, err := tx.AnnulCertificate(ctx, docA, spa.Number, ""); return err }); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("annulment without a reason: %v", err)
		}
		c, err := annul(docA, spa.Number)
		if err != nil || !c.AnnulledAt.Equal(clk.Now()) {
			t.Fatalf("annul = %+v, %v", c, err)
		}
		if a, err := db.FindAnnulment(ctx, spa.RegistrationID); err != nil || a.Reason != "Paziente sbagliato" {
			t.Errorf("registration annulment = %+v, %v", a, err)
		}
		if _, err := annul(docA, spa.Number); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second annulment: %v", err)
		}
		if got, _ := db.CertificateByNumber(ctx, spa.Number); got.AnnulledAt.IsZero() {
			t.Error("index not marked annulled")
		}
		if _, total, _ := db.FindCertificates(ctx, store.CertificateFilter{Doctor: docA, State: "annulled"}); total != 1 {
			t.Errorf("annulled filter counts %d", total)
		}
		// Linking.
		if m := fieldMsg(link(store.CertificateLink{Number: spa.Number, Patient: p2, Kind: "certificato_cbt", Application: "A1"})); !strings.Contains(m, "annullato") {
			t.Errorf("annulled certificate linked: %q", m)
		}
		wrongPatient := fieldMsg(link(store.CertificateLink{Number: inv.Number, Patient: p2, Kind: "certificato_invalidita", Application: "A1"}))
		unknown := fieldMsg(link(store.CertificateLink{Number: "20269999999", Patient: p2, Kind: "certificato_invalidita", Application: "A1"}))
		if wrongPatient != unknown {
			t.Errorf("a wrong patient is told apart from an unknown number: %q vs %q", wrongPatient, unknown)
		}
		if m := fieldMsg(link(store.CertificateLink{Number: inv.Number, Patient: p1, Kind: "certificato_cbt", Application: "A1"})); !strings.Contains(m, "altro tipo") {
			t.Errorf("kind mismatch: %q", m)
		}
		if err := link(store.CertificateLink{Number: inv.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A1"}); err != nil {
			t.Fatal(err)
		}
		if err := link(store.CertificateLink{Number: inv.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A1"}); err != nil {
			t.Errorf("linking the same application again: %v", err)
		}
		if m := fieldMsg(link(store.CertificateLink{Number: inv.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A2"})); !strings.Contains(m, "altra domanda") {
			t.Errorf("second application: %q", m)
		}
		if _, err := annul(docA, inv.Number); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a linked certificate annulled: %v", err)
		}
		// The 90-day window: usable at its last instant, refused after.
		late := send(t, db, store.SentCertificate{Kind: "certificato_invalidita", Doctor: docA, Patient: p1, ExpiresAt: clk.Now().Add(time.Hour)})
		clk.Advance(time.Hour)
		if err := link(store.CertificateLink{Number: late.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A3"}); err != nil {
			t.Errorf("at the last instant: %v", err)
		}
		expired := send(t, db, store.SentCertificate{Kind: "certificato_invalidita", Doctor: docA, Patient: p1, ExpiresAt: clk.Now().Add(time.Hour)})
		clk.Advance(time.Hour + time.Second)
		if m := fieldMsg(link(store.CertificateLink{Number: expired.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A4"})); !strings.Contains(m, "scaduto") {
			t.Errorf("expired certificate: %q", m)
		}
		// The service's moment decides, when it gives one (a demo's
		// pretended day): the same window, judged at At.
		judged := send(t, db, store.SentCertificate{Kind: "certificato_invalidita", Doctor: docA, Patient: p1, ExpiresAt: clk.Now().Add(time.Hour)})
		if m := fieldMsg(link(store.CertificateLink{Number: judged.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A5",
			At: clk.Now().Add(time.Hour + time.Second)})); !strings.Contains(m, "scaduto") {
			t.Errorf("expired at the service's moment: %q", m)
		}
		if err := link(store.CertificateLink{Number: judged.Number, Patient: p1, Kind: "certificato_invalidita", Application: "A5",
			At: clk.Now().Add(time.Hour)}); err != nil {
			t.Errorf("at the last instant of the service's moment: %v", err)
		}
	})
}
