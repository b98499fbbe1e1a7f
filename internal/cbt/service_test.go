package cbt_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/rules"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func cf(first15 string) string { return first15 + string(codicefiscale.CheckChar(first15)) }

var (
	mario    = cf("RSSMRA72C14H501")
	doc      = identity.Actor{UserID: 2, FiscalCode: cf("BNCLRA70E52H501"), Name: "Laura Bianchi", Role: identity.RoleDoctor, Channel: history.ChannelWeb}
	citizen  = identity.Actor{UserID: 3, FiscalCode: mario, Name: "Mario Rossi", Role: identity.RoleCitizen, Channel: history.ChannelWeb}
	patronat = identity.Actor{UserID: 4, FiscalCode: cf("TSTFNC77A70H501"), Role: identity.RoleIntermediary, Scope: "PAT-RM-001",
		ActingFor: mario, Channel: history.ChannelIntermediary}
)

type env struct {
	db    *store.DB
	clk   *clock.Manual
	svc   *cbt.Service
	certs *certificate.Service
}

func newEnv(t *testing.T, tg storetest.Target) env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db := tg.New(t, store.Options{Clock: clk})
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertPerson(ctx, identity.Person{FiscalCode: mario, GivenName: "Mario", FamilyName: "Rossi", BirthDate: "1972-03-14",
			BirthPlace: "Roma", Sex: "M", Address: "Via Prenestina 210", Postcode: "00176", Municipality: "Roma", Province: "RM"}); err != nil {
			return err
		}
		if err := tx.UpsertContributions(ctx, []registry.Contribution{{FiscalCode: mario, Fund: "employee", Kind: "compulsory",
			From: "1996-01-01", To: "2025-12-31", Weeks: 52 * 30}}); err != nil {
			return err
		}
		return tx.UpsertEmployments(ctx, []registry.Employment{{FiscalCode: mario, EmployerType: "private", Activity: "impiegato",
			Qualification: "impiegato", From: "1996-01-01"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	certs := certificate.NewService(db, clk, certificate.Options{})
	if _, err := certs.SaveProfile(ctx, doc, doctor.Profile{Relationship: doctor.Affiliated, Body: "ASL Roma 2", RegisterProv: "RM", RegisterNo: "1"}); err != nil {
		t.Fatal(err)
	}
	return env{db: db, clk: clk, svc: cbt.NewService(db, clk, cbt.Options{}), certs: certs}
}

func (e env) certificate(t *testing.T, kind string) string {
	t.Helper()
	d := certificate.Draft{Kind: kind, Patient: mario}
	if kind == certificate.KindSpa {
		d.Spa = &certificate.Spa{Pathology: refdata.Rheumatic, Cure: "fango-bagno", NoContraindications: true,
			Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}
	} else {
		d.Invalidity = &certificate.Invalidity{Purposes: []string{"invalidita"}, Diagnoses: []certificate.Diagnosis{{Text: "Diabete", Code: "250.00"}}}
	}
	s, err := e.certs.Send(context.Background(), doc, d)
	if err != nil {
		t.Fatal(err)
	}
	return s.Number
}

func draft(certNumber string) cbt.Draft {
	return cbt.Draft{Email: "mario@esempio.it", Office: "RM01", Pathology: refdata.Rheumatic, Cure: "fango-bagno", Certificate: certNumber, ASL: "ASL-RM5"}
}

// REQ CBT-2 CBT-4 CBT-5 CBT-8 CBT-11 CBT-12 CBT-13 CBT-15 RULE-9 CH-1: the
// applicant's context comes from the registries; a draft is saved and
// resumed by whoever acts for the person; CONFERMA checks every screen and
// the certificate, registers the application with its protocol number,
// links the certificate, hands it to the office and deletes the draft; a
// second one in the year is refused.
func TestService_DraftAndConfirm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		ap, err := e.svc.Context(ctx, citizen, nil)
		if err != nil || ap.Person.FamilyName != "Rossi" || len(ap.Offices) != 2 || ap.Activity != "impiegato" {
			t.Fatalf("context = %+v, %v", ap, err)
		}
		spa := e.certificate(t, certificate.KindSpa)
		inv := e.certificate(t, certificate.KindInvalidity)
		// The citizen starts; the patronato resumes the same draft.
		if err := e.svc.SaveDraft(ctx, citizen, cbt.Draft{Email: "mario@esempio.it", Reached: "contatti"}); err != nil {
			t.Fatal(err)
		}
		d, ok, err := e.svc.LoadDraft(ctx, patronat)
		if err != nil || !ok || d.Email != "mario@esempio.it" || d.Year != 2026 {
			t.Fatalf("resumed = %+v, %v, %v", d, ok, err)
		}
		// Incomplete: the first screen with a fault is named.
		if _, err := e.svc.Confirm(ctx, patronat, d); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incomplete confirmation: %v", err)
		}
		// The wrong certificate kind is refused on its field.
		bad := draft(inv)
		if f := fieldsOf(t, func() error { _, err := e.svc.Confirm(ctx, patronat, bad); return err }()); !strings.Contains(f["certificato"], "altro tipo") {
			t.Errorf("an invalidity certificate for a spa application: %v", f)
		}
		v, err := e.svc.Requirements(ctx, patronat, draft(spa))
		if err != nil || v.Overall != rules.Entitled {
			t.Fatalf("requirements = %s, %v", v.Summary(), err)
		}
		sub, err := e.svc.Confirm(ctx, patronat, draft(spa))
		if err != nil {
			t.Fatal(err)
		}
		if sub.Number != "20260000001" || sub.Channel != history.ChannelIntermediary || sub.Intermediary != "PAT-RM-001" ||
			sub.Operator != patronat.ID() || sub.Flagged || sub.Office != "RM01" {
			t.Errorf("submitted = %+v", sub.Application)
		}
		if c, _ := e.db.CertificateByNumber(ctx, spa); c.LinkedTo != sub.Number {
			t.Errorf("certificate linked to %q", c.LinkedTo)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); ok {
			t.Error("draft kept after CONFERMA")
		}
		queue, total, err := e.db.FindApplications(ctx, store.ApplicationFilter{Office: "RM01", State: store.AppSubmitted})
		if err != nil || total != 1 || queue[0].Number != sub.Number {
			t.Errorf("office queue = %+v, %v", queue, err)
		}
		if events, _ := e.db.CaseHistory(ctx, "application", sub.Number); len(events) != 1 || events[0].ActingFor != "citizen:"+mario {
			t.Errorf("history = %+v", events)
		}
		// One a year, whoever tries (RULE-9).
		spa2 := e.certificate(t, certificate.KindSpa)
		if _, err := e.svc.Confirm(ctx, citizen, draft(spa2)); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second application: %v", err)
		}
	})
}

// REQ CBT-10 CBT-14 CH-1: missing requirements flag the application but do
// not block it; outside the window nothing is saved or sent; an operator
// without an acting-for session cannot apply.
func TestService_FlagsWindowAndPolicy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		spa := e.certificate(t, certificate.KindSpa)
		d := draft(spa)
		d.Corrected, d.FirstGrantYear, d.PreviousGrants, d.CorrectionNotes = true, 2018, 2, "Due cicli non risultano"
		sub, err := e.svc.Confirm(ctx, citizen, d)
		if err != nil || !sub.Flagged {
			t.Fatalf("a corrected application is flagged: %+v, %v", sub.Application, err)
		}
		operator := patronat
		operator.ActingFor = ""
		if err := e.svc.SaveDraft(ctx, operator, cbt.Draft{}); err == nil {
			t.Error("an operator without a mandate session saved a draft")
		}
		e.clk.Set(time.Date(2026, 10, 31, 22, 59, 0, 0, time.UTC)) // 23:59 in Rome
		if ok, _ := e.svc.Open(); !ok {
			t.Error("closed before midnight of 31 October in Rome")
		}
		e.clk.Set(time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)) // midnight in Rome
		if ok, msg := e.svc.Open(); ok || !strings.Contains(msg, "1° gennaio 2027") {
			t.Errorf("open after 31 October: %q", msg)
		}
		if err := e.svc.SaveDraft(ctx, citizen, cbt.Draft{}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("draft saved after the window: %v", err)
		}
		if _, err := e.svc.Confirm(ctx, citizen, draft(spa)); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("confirmed after the window: %v", err)
		}
	})
}
