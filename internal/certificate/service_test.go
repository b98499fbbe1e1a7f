package certificate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func cf(first15 string) string { return first15 + string(codicefiscale.CheckChar(first15)) }

var (
	docA    = identity.Actor{UserID: 1, FiscalCode: cf("BNCLRA70E52H501"), Name: "Laura Bianchi", Role: identity.RoleDoctor, Channel: history.ChannelWeb}
	docB    = identity.Actor{UserID: 2, FiscalCode: cf("FRRGRG69S23F205"), Name: "Giorgio Ferri", Role: identity.RoleDoctor, Channel: history.ChannelAPI}
	patient = cf("RSSMRA56L12H501")
	citizen = identity.Actor{UserID: 3, FiscalCode: patient, Name: "Mario Rossi", Role: identity.RoleCitizen, Channel: history.ChannelWeb}
)

type fixture struct {
	db  *store.DB
	svc *certificate.Service
	clk *clock.Manual
}

func newFixture(t *testing.T, tg storetest.Target) fixture {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC))
	db := tg.New(t, store.Options{Clock: clk})
	key, err := doctoken.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer := doctoken.NewSigner(key)
	svc := certificate.NewService(db, clk, certificate.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public()),
		BaseURL: "https://sportello.example.it"})
	err = db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.UpsertPerson(context.Background(), identity.Person{FiscalCode: patient, GivenName: "Mario", FamilyName: "Rossi",
			BirthDate: "1956-07-12", BirthPlace: "Roma", Sex: "M", Address: "Via Appia Nuova 12", Postcode: "00183", Municipality: "Roma", Province: "RM"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, svc: svc, clk: clk}
}

func declare(t *testing.T, svc *certificate.Service, a identity.Actor) {
	t.Helper()
	if _, err := svc.SaveProfile(context.Background(), a, doctor.Profile{Relationship: doctor.Affiliated, Body: "ASL Roma 1",
		RegisterProv: "RM", RegisterNo: "12345"}); err != nil {
		t.Fatal(err)
	}
}

func spaDraft() certificate.Draft {
	return certificate.Draft{Kind: certificate.KindSpa, Patient: patient, Spa: &certificate.Spa{Pathology: refdata.Rheumatic,
		Cure: "fango-bagno", NoContraindications: true, Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}}
}

// REQ CERT-1: nothing can be started before the first-access declaration;
// the declaration is validated field by field; only doctors use the
// service.
func TestService_FirstAccessGate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		f := newFixture(t, tg)
		if _, err := f.svc.SaveDraft(ctx, docA, spaDraft()); !certificate.IsNoDeclaration(err) {
			t.Fatalf("draft before the declaration: %v", err)
		}
		if _, err := f.svc.Send(ctx, docA, spaDraft()); !certificate.IsNoDeclaration(err) {
			t.Fatalf("sending before the declaration: %v", err)
		}
		if _, err := f.svc.Profile(ctx, docA); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("profile before the declaration: %v", err)
		}
		fl := fieldsOf(t, func() error {
			_, err := f.svc.SaveProfile(ctx, docA, doctor.Profile{Relationship: "privato"})
			return err
		}())
		for _, k := range []string{"rapporto", "ente", "ordine_provincia", "ordine_numero"} {
			if fl[k] == "" {
				t.Errorf("no message for %s", k)
			}
		}
		if _, err := f.svc.SaveProfile(ctx, citizen, doctor.Profile{Relationship: doctor.Employee, Body: "x", RegisterProv: "RM", RegisterNo: "1"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a citizen declares as a doctor: %v", err)
		}
		if _, err := f.svc.SaveDraft(ctx, citizen, spaDraft()); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a citizen writes a certificate: %v", err)
		}
		declare(t, f.svc, docA)
		if _, err := f.svc.SaveDraft(ctx, docA, spaDraft()); err != nil {
			t.Errorf("draft after the declaration: %v", err)
		}
	})
}

// REQ CERT-3 CERT-4 CERT-8 CERT-9: a draft is saved incomplete and resumed;
// sending validates every field (patient checked against the registry)
// and keeps the draft on refusal; a good sending numbers the certificate,
// copies the patient's registry data, removes the draft and records the
// history; the record never changes afterwards, even when the doctor's
// data change.
func TestService_DraftSendAndRecord(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		f := newFixture(t, tg)
		declare(t, f.svc, docA)
		declare(t, f.svc, docB)
		addr, err := f.svc.SaveAddress(ctx, docA, doctor.Address{Label: "Studio Prati", Street: "Via Cola di Rienzo 10", Postcode: "00192", Comune: "Roma", Province: "rm"})
		if err != nil {
			t.Fatal(err)
		}
		// An incomplete draft is saved and resumed.
		d, err := f.svc.SaveDraft(ctx, docA, certificate.Draft{Kind: certificate.KindInvalidity, Patient: " rssmra56l12h501" + patient[15:] + " ",
			AddressID: addr.ID, Invalidity: &certificate.Invalidity{Anamnesis: "Ictus nel 2025"}})
		if err != nil || d.ID == 0 || d.Patient != patient {
			t.Fatalf("SaveDraft = %+v, %v", d, err)
		}
		if _, err := f.svc.FindDraft(ctx, docB, d.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another doctor reads the draft: %v", err)
		}
		d, err = f.svc.FindDraft(ctx, docA, d.ID)
		if err != nil || d.Invalidity == nil || d.Invalidity.Anamnesis != "Ictus nel 2025" || d.AddressID != addr.ID {
			t.Fatalf("resumed = %+v, %v", d, err)
		}
		// Sending it incomplete names every missing field and keeps it.
		fl := fieldsOf(t, func() error { _, err := f.svc.Send(ctx, docA, d); return err }())
		if fl["finalita"] == "" || fl["diagnosi"] == "" || len(fl) != 2 {
			t.Errorf("fields = %v", fl)
		}
		if _, err := f.svc.FindDraft(ctx, docA, d.ID); err != nil {
			t.Errorf("draft lost after a refused sending: %v", err)
		}
		// Patient checks: format, registry, the doctor themselves.
		for _, tc := range []struct{ cf, want string }{
			{"", "Indicare"}, {"RSSMRA56L12H501X", "controllo"}, {cf("VRDGNN60B45F205"), "anagrafe"}, {docA.FiscalCode, "sé stesso"},
		} {
			bad := spaDraft()
			bad.Patient = tc.cf
			fl := fieldsOf(t, func() error { _, err := f.svc.Send(ctx, docA, bad); return err }())
			if !strings.Contains(fl["codice_fiscale_paziente"], tc.want) {
				t.Errorf("patient %q: %q, want %q", tc.cf, fl["codice_fiscale_paziente"], tc.want)
			}
		}
		bad := spaDraft()
		bad.AddressID = 999
		if fl := fieldsOf(t, func() error { _, err := f.svc.Send(ctx, docA, bad); return err }()); fl["studio"] == "" {
			t.Errorf("someone else's address accepted: %v", fl)
		}
		// Complete it and send.
		d.Invalidity.Purposes = []string{"invalidita", "handicap"}
		d.Invalidity.Diagnoses = []certificate.Diagnosis{{Text: "Esiti di ictus", Code: "4389"}}
		d.Invalidity.CannotWalk = true
		sent, err := f.svc.Send(ctx, docA, d)
		if err != nil {
			t.Fatal(err)
		}
		if sent.Number != "20260000001" || sent.Record.Patient.FamilyName != "Rossi" || sent.Record.Patient.BirthDate != "1956-07-12" ||
			sent.Record.Practice == nil || sent.Record.Practice.Province != "RM" || sent.Record.Invalidity.Diagnoses[0].Code != "438.9" {
			t.Errorf("sent = %+v", sent)
		}
		if want := certificate.ExpiresAt(sent.SentAt); !sent.ExpiresAt.Equal(want) {
			t.Errorf("expires %v, want %v", sent.ExpiresAt, want)
		}
		if _, err := f.svc.FindDraft(ctx, docA, d.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("draft still there after sending: %v", err)
		}
		if _, err := f.svc.Send(ctx, docA, d); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the same draft sent twice: %v", err)
		}
		// A spa certificate has no link window.
		spa, err := f.svc.Send(ctx, docA, spaDraft())
		if err != nil || spa.Number != "20260000002" || !spa.ExpiresAt.IsZero() {
			t.Fatalf("spa = %+v, %v", spa, err)
		}
		// The record is immutable: changing the address later does not
		// change what was sent.
		addr.Street = "Piazza Cavour 1"
		if _, err := f.svc.SaveAddress(ctx, docA, addr); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Get(ctx, docA, sent.Number)
		if err != nil || got.Record.Practice.Street != "Via Cola di Rienzo 10" || got.Record.Doctor.RegisterNo != "12345" {
			t.Errorf("record after the change = %+v, %v", got.Record, err)
		}
		if _, err := f.svc.Get(ctx, docB, sent.Number); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another doctor reads it: %v", err)
		}
		events, err := f.svc.History(ctx, docA, sent.Number)
		if err != nil || len(events) != 1 || events[0].Kind != "sent" {
			t.Errorf("history = %+v, %v", events, err)
		}
		// Lists: own certificates only.
		if _, total, _ := f.svc.List(ctx, docB, store.CertificateFilter{Doctor: docA.FiscalCode}); total != 0 {
			t.Errorf("doctor B sees %d of doctor A's certificates", total)
		}
		if es, total, _ := f.svc.List(ctx, docA, store.CertificateFilter{Patient: strings.ToLower(patient)}); total != 2 || es[0].Number != spa.Number {
			t.Errorf("doctor A's list = %+v", es)
		}
	})
}

// REQ CERT-8 CERT-9 DOC-1: annulment needs a reason and keeps the record;
// a verification token tells valid from annulled and shows no personal
// data; forged tokens get one answer; linking within 90 days.
func TestService_AnnulVerifyLink(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		f := newFixture(t, tg)
		declare(t, f.svc, docA)
		spa, err := f.svc.Send(ctx, docA, spaDraft())
		if err != nil {
			t.Fatal(err)
		}
		if fl := fieldsOf(t, func() error { _, err := f.svc.Annul(ctx, docA, spa.Number, "  "); return err }()); fl["motivo"] == "" {
			t.Errorf("annulment without a reason: %v", fl)
		}
		if _, err := f.svc.Annul(ctx, docB, spa.Number, "Errore di persona"); err == nil {
			t.Error("another doctor annuls")
		}
		an, err := f.svc.Annul(ctx, docA, spa.Number, "Errore di persona")
		if err != nil || an.AnnulReason != "Errore di persona" || an.Record.Spa == nil {
			t.Fatalf("annul = %+v, %v", an, err)
		}
		events, _ := f.svc.History(ctx, docA, spa.Number)
		if len(events) != 2 || events[1].Kind != "annulled" {
			t.Errorf("history = %+v", events)
		}

		key, _ := doctoken.GenerateKey()
		signer := doctoken.NewSigner(key)
		other := doctoken.NewSigner(func() []byte { k, _ := doctoken.GenerateKey(); return k }())
		svc := certificate.NewService(f.db, f.clk, certificate.Options{Signer: signer, Verifier: doctoken.NewVerifier(signer.Public())})
		tok, _ := signer.Sign(doctoken.Claims{Kind: "ricevuta-cbt", Number: spa.Number, Issued: spa.SentAt})
		v, err := svc.Verify(ctx, tok)
		if err != nil || !v.Annulled || v.Number != spa.Number || !strings.HasPrefix(v.Document, "Ricevuta") {
			t.Errorf("verify = %+v, %v", v, err)
		}
		forged, _ := other.Sign(doctoken.Claims{Kind: "ricevuta-cbt", Number: spa.Number, Issued: spa.SentAt})
		wrongKind, _ := signer.Sign(doctoken.Claims{Kind: "ricevuta-inv", Number: spa.Number, Issued: spa.SentAt})
		unknown, _ := signer.Sign(doctoken.Claims{Kind: "ricevuta-cbt", Number: "20269999999", Issued: spa.SentAt})
		wrongDate, _ := signer.Sign(doctoken.Claims{Kind: "ricevuta-cbt", Number: spa.Number, Issued: spa.SentAt.Add(time.Hour)})
		for name, tok := range map[string]string{"forged": forged, "kind": wrongKind, "unknown": unknown, "date": wrongDate, "garbage": "abc"} {
			if _, err := svc.Verify(ctx, tok); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s token: %v", name, err)
			}
		}

		inv := certificate.Draft{Kind: certificate.KindInvalidity, Patient: patient, Invalidity: &certificate.Invalidity{
			Purposes: []string{"invalidita"}, Diagnoses: []certificate.Diagnosis{{Text: "Diabete", Code: "250.00"}}}}
		sent, err := f.svc.Send(ctx, docA, inv)
		if err != nil {
			t.Fatal(err)
		}
		link := func(app string) error {
			return f.db.InTx(ctx, func(tx *store.Tx) error {
				_, err := certificate.Link(ctx, tx, store.CertificateLink{Number: " " + sent.Number, Patient: strings.ToLower(patient),
					Kind: certificate.KindInvalidity, Application: app}, "citizen:"+patient, history.ChannelWeb)
				return err
			})
		}
		f.clk.Set(certificate.ExpiresAt(sent.SentAt).Add(time.Second))
		if fl := fieldsOf(t, link("INV-1")); !strings.Contains(fl["certificato"], "scaduto") {
			t.Errorf("expired link: %v", fl)
		}
		f.clk.Set(certificate.ExpiresAt(sent.SentAt))
		if err := link("INV-1"); err != nil {
			t.Errorf("link on the 90th day: %v", err)
		}
		if _, err := f.svc.Annul(ctx, docA, sent.Number, "Errore di persona"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a linked certificate annulled: %v", err)
		}
		if events, _ := f.svc.History(ctx, docA, sent.Number); len(events) != 2 || events[1].Kind != "linked" {
			t.Errorf("history = %+v", events)
		}
	})
}
