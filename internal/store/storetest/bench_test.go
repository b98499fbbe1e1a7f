package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// certificatePayload is a realistic ~1.5 KB certificate document.
func certificatePayload(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"tipo":"certificato_cbt","codice_fiscale":"RSSMRA56L12H501D","medico":"doctor:%d",`, i%97)
	b.WriteString(`"patologia":"reumoartropatica","diagnosi":"Artrosi polidistrettuale con interessamento del rachide cervicale e lombare, gonartrosi bilaterale",`)
	b.WriteString(`"anamnesi":"`)
	for b.Len() < 1400 {
		b.WriteString("Paziente con dolore articolare cronico, rigidità mattutina, limitazione funzionale moderata. ")
	}
	fmt.Fprintf(&b, `","terapia":"fanghi e bagni termali","ciclo":12,"seq":%d}`, i)
	return b.String()
}

// registerOne is the registering transaction of the benchmarks.
func registerOne(ctx context.Context, tx *store.Tx, payload string) error {
	r, err := tx.Register(ctx, protocol.NewRegistration{Register: protocol.Certificates, Kind: "certificato_cbt",
		Subject: "Certificato medico per cure balneotermali", Correspondent: "RSSMRA56L12H501D",
		Payload: payload, Actor: "doctor:1", Channel: history.ChannelWeb})
	if err != nil {
		return err
	}
	if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "certificate", CaseID: r.Number.String(), Kind: "sent",
		Actor: "doctor:1", Channel: history.ChannelWeb}); err != nil {
		return err
	}
	return tx.Audit(audit.Entry{Actor: "doctor:1", Channel: history.ChannelWeb, Action: "certificate.send",
		Subject: "person:RSSMRA56L12H501D", Detail: fmt.Sprintf(`{"number":%q}`, r.Number.String())})
}

// BenchmarkRegisteringConcurrent measures 16 concurrent submitters (a
// click-day burst on one node) through InTx (one transaction each) and
// through Submit (the batching writer).
func BenchmarkRegisteringConcurrent(b *testing.B) {
	payload := certificatePayload(1)
	for _, tg := range storetest.Targets(b) {
		for _, mode := range []string{"intx", "submit"} {
			b.Run(tg.Name()+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				db := tg.New(b, store.Options{AuditChain: audit.Chain{Key: []byte("bench-key-bench-key")}})
				write := db.InTx
				if mode == "submit" {
					write = db.Submit
				}
				b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 submitters
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := write(ctx, func(tx *store.Tx) error { return registerOne(ctx, tx, payload) }); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkRegisteringTx measures the registering transaction — take a
// number, insert a ~1.5 KB record, its event and its audit entry, commit
// durably — against the raw ceiling: the same record inserted alone in its
// own durable transaction. Results and ratios: docs/BENCHMARKS.md.
func BenchmarkRegisteringTx(b *testing.B) {
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name()+"/full", func(b *testing.B) {
			ctx := context.Background()
			db := tg.New(b, store.Options{AuditChain: audit.Chain{Key: []byte("bench-key-bench-key")}})
			payloads := make([]string, 256)
			for i := range payloads {
				payloads[i] = certificatePayload(i)
			}
			b.SetBytes(int64(len(payloads[0])))
			i := 0
			for b.Loop() {
				p := payloads[i%len(payloads)]
				i++
				err := db.InTx(ctx, func(tx *store.Tx) error { return registerOne(ctx, tx, p) })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if rep, err := db.VerifyAudit(ctx); err != nil || rep.Entries != int64(i) {
				b.Fatalf("after %d registrations: audit %+v, %v", i, rep, err)
			}
		})
		b.Run(tg.Name()+"/raw", func(b *testing.B) {
			dsn := tg.NewDSN(b)
			storetest.Open(b, dsn, store.Options{}) // schema
			raw := storetest.Raw(b, dsn)
			raw.SetMaxOpenConns(1)
			insert := `INSERT INTO registrations
				(register, year, number, registered_at, kind, subject, correspondent, payload, digest, corrects_id, actor, channel)
				VALUES (?, ?, ?, CURRENT_TIMESTAMP, ?, ?, ?, ?, ?, NULL, ?, ?)`
			if tg.Engine == store.Postgres {
				insert = strings.NewReplacer("?, ?, ?, CURRENT", "$1, $2, $3, CURRENT", "?, ?, ?, ?, ?, NULL, ?, ?",
					"$4, $5, $6, $7, $8, NULL, $9, $10").Replace(insert)
			}
			payloads := make([]string, 256)
			for i := range payloads {
				payloads[i] = certificatePayload(i)
			}
			b.SetBytes(int64(len(payloads[0])))
			i := 0
			for b.Loop() {
				p := payloads[i%len(payloads)]
				i++
				tx, err := raw.Begin()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(insert, "raw", 2026, i, "certificato_cbt", "Certificato medico per cure balneotermali",
					"RSSMRA56L12H501D", p, protocol.Digest(p), "doctor:1", "web"); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCertificateList measures a doctor's "Visualizza certificati"
// (CERT-6) with 100,000 certificates in the register: 20 doctors, one of
// whom sent 20,000 of them to 2,000 patients over a year, plus 50 drafts.
// The pages are the first, one filtered by patient, one by a month, and a
// deep page (the 500th).
func BenchmarkCertificateList(b *testing.B) {
	const total, doctors, heavy = 100_000, 20, "BNCLRA70E52H501P"
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name(), func(b *testing.B) {
			ctx := context.Background()
			start := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
			clk := clock.NewManual(start)
			db := tg.New(b, store.Options{Clock: clk})
			const batch = 2000
			for n := 0; n < total; n += batch {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					for i := n; i < n+batch; i++ {
						doc := fmt.Sprintf("DOC%013d", i%doctors)
						if i%5 == 0 {
							doc = heavy
						}
						c := store.SentCertificate{Kind: "certificato_cbt", Doctor: doc, Patient: fmt.Sprintf("PAT%013d", i%2000)}
						if i%2 == 0 {
							c.Kind, c.ExpiresAt = "certificato_invalidita", clk.Now().Add(90*24*time.Hour)
						}
						if _, err := tx.SendCertificate(ctx, c, "Certificato medico", `{}`, "web"); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				clk.Advance(365 * 24 * time.Hour / (total / batch))
			}
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				for range 50 {
					if _, err := tx.SaveCertificateDraft(ctx, store.CertificateDraft{Doctor: heavy, Kind: "certificato_cbt", Data: "{}"}, 30*24*time.Hour); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			filters := map[string]store.CertificateFilter{
				"first-page": {Doctor: heavy},
				"patient":    {Doctor: heavy, Patient: "PAT0000000000010"},
				"month":      {Doctor: heavy, State: "sent", From: start.AddDate(0, 6, 0), To: start.AddDate(0, 7, 0)},
				"page-500":   {Doctor: heavy, Offset: 499 * 20},
			}
			for _, name := range []string{"first-page", "patient", "month", "page-500"} {
				f := filters[name]
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						rows, n, err := db.FindCertificates(ctx, f)
						if err != nil || len(rows) == 0 || n == 0 {
							b.Fatalf("%d rows of %d, %v", len(rows), n, err)
						}
					}
				})
			}
		})
	}
}
