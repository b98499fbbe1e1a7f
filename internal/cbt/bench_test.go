package cbt_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// BenchmarkClickDay measures CONFERMA as a click-day brings it: 16
// applicants at once, each confirming through the whole service — the
// applicant's registry context, every screen's checks, the entitlement
// rules on the registries (Prepare, outside the write), then the protocol
// number, the certificate link, the event, the audit entry and the
// idempotency record (Register, in DB.Once) — as the pages run it. Compare with the bare registering transaction
// of internal/store/storetest (BenchmarkRegisteringConcurrent/submit): the
// ratio is what the application's work costs on top of registering.
func BenchmarkClickDay(b *testing.B) {
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name(), func(b *testing.B) {
			ctx := context.Background()
			clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			db := tg.New(b, store.Options{Clock: clk})
			certs := certificate.NewService(db, clk, certificate.Options{})
			if _, err := certs.SaveProfile(ctx, doc, doctor.Profile{Relationship: doctor.Affiliated, Body: "ASL Roma 2", RegisterProv: "RM", RegisterNo: "1"}); err != nil {
				b.Fatal(err)
			}
			svc := cbt.NewService(db, clk, cbt.Options{})
			// One applicant per confirmation, each with a registry record and
			// a sent spa-treatment certificate.
			type applicant struct {
				actor identity.Actor
				draft cbt.Draft
			}
			people := make([]applicant, b.N)
			for i := range b.N {
				cfi := benchCF(i)
				err := db.InTx(ctx, func(tx *store.Tx) error {
					if err := tx.UpsertPerson(ctx, identity.Person{FiscalCode: cfi, GivenName: "Maria", FamilyName: "Rossi", BirthDate: "1970-02-01",
						BirthPlace: "Roma", Sex: "F", Address: "Via Prenestina 210", Postcode: "00176", Municipality: "Roma", Province: "RM"}); err != nil {
						return err
					}
					return tx.UpsertContributions(ctx, []registry.Contribution{{FiscalCode: cfi, Fund: "employee", Kind: "compulsory",
						From: "1996-01-01", To: "2025-12-31", Weeks: 52 * 30}})
				})
				if err != nil {
					b.Fatal(err)
				}
				c, err := certs.Send(ctx, doc, certificate.Draft{Kind: certificate.KindSpa, Patient: cfi, Spa: &certificate.Spa{Pathology: refdata.Rheumatic,
					Cure: "fango-bagno", NoContraindications: true, Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}})
				if err != nil {
					b.Fatal(err)
				}
				people[i] = applicant{actor: identity.Actor{UserID: int64(100 + i), FiscalCode: cfi, Role: identity.RoleCitizen, Channel: history.ChannelWeb},
					draft: draft(c.Number)}
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			for range 16 {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						p := people[i]
						prep, err := svc.Prepare(ctx, p.actor, p.draft)
						if err != nil {
							b.Error(err)
							return
						}
						if _, err := db.Once(ctx, p.actor.ID(), fmt.Sprintf("bench-%d", i), "conferma", func(tx *store.Tx) (string, error) {
							sub, err := svc.WithTx(tx).Register(ctx, prep)
							return sub.Number, err
						}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if n, err := db.LastNumber(ctx, "protocollo", 2026); err != nil || n != int64(b.N) {
				b.Fatalf("%d applications registered, want %d (%v)", n, b.N, err)
			}
		})
	}
}

// benchCF is the i-th of many valid codici fiscali.
func benchCF(i int) string {
	s := fmt.Sprintf("RSSMRA%02dA%02dH%03d", 50+(i/28000)%50, 41+i%28, (i/28)%1000)
	return s + string(codicefiscale.CheckChar(s))
}
