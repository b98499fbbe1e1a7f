package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/audit"
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
