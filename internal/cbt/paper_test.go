package cbt_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// paperUntil ends the transition period on 28 February 2026, before
// "today" of env (2 March 2026); as --paper-until parses it, midnight UTC.
var paperUntil = time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)

// REQ CH-2, REQ CBT-12, REQ CBT-13, REQ AUD-1: office staff of a competent
// office register a paper application that arrived during the transition
// period, even after the period ended: it gets a protocol number, the
// channel "paper", the member of staff as operator, the paper's date in
// the record and in the history; the certificate is linked; the
// application goes to the staff's office whatever the draft said, and its
// receipt says it was a paper application.
func TestRegisterPaper(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, paperUntil)
		if until, ok := e.svc.PaperUntil(); !ok || !until.Equal(paperUntil) {
			t.Fatalf("PaperUntil = %v, %v", until, ok)
		}
		ap, err := e.svc.PaperContext(ctx, staffRM01, mario, nil)
		if err != nil || ap.Person.FiscalCode != mario || len(ap.Offices) == 0 {
			t.Fatalf("paper context = %+v, %v", ap, err)
		}
		spa := e.certificate(t, certificate.KindSpa)
		d := draft(spa)
		d.Office = "RM02"                                                         // the staff's office decides
		sub, err := e.svc.RegisterPaper(ctx, staffRM01, mario, " 2026-02-28 ", d) // the last day of the period, registered later
		if err != nil {
			t.Fatal(err)
		}
		if !certificate.ValidNumber(sub.Number) || sub.Channel != history.ChannelPaper || sub.Operator != staffRM01.ID() ||
			sub.Office != "RM01" || sub.Intermediary != "" || sub.Applicant != mario || sub.Year != 2026 || sub.Flagged {
			t.Errorf("registered = %+v", sub.Application)
		}
		f, err := e.svc.Application(ctx, staffRM01, sub.Number)
		if err != nil {
			t.Fatal(err)
		}
		r := f.Record
		if r.Paper == nil || *r.Paper != (cbt.Paper{Received: "2026-02-28", Office: "RM01"}) || r.Channel != history.ChannelPaper {
			t.Errorf("record paper = %+v, channel %q", r.Paper, r.Channel)
		}
		if r.Operator == nil || *r.Operator != (cbt.Operator{Role: string(identity.RoleOffice), Name: staffRM01.Name,
			FiscalCode: staffRM01.FiscalCode, Organisation: "RM01"}) {
			t.Errorf("record operator = %+v", r.Operator)
		}
		if r.Draft.Office != "RM01" || r.Draft.Certificate != spa || r.Person.FiscalCode != mario {
			t.Errorf("record draft = %+v", r.Draft)
		}
		if c, _ := e.db.CertificateByNumber(ctx, spa); c.LinkedTo != sub.Number {
			t.Errorf("certificate linked to %q", c.LinkedTo)
		}
		events, err := e.db.CaseHistory(ctx, "application", sub.Number)
		if err != nil || len(events) != 1 {
			t.Fatalf("history = %+v, %v", events, err)
		}
		ev := events[0]
		var payload map[string]string
		if ev.Kind != "submitted" || ev.Actor != staffRM01.ID() || ev.ActingFor != "citizen:"+mario || ev.Channel != history.ChannelPaper ||
			json.Unmarshal([]byte(ev.Payload), &payload) != nil || payload["ricevuta_il"] != "2026-02-28" {
			t.Errorf("history event = %+v", ev)
		}
		trail, _ := e.db.AuditTrail(ctx, "person:"+mario, 0)
		var submits int
		for _, en := range trail {
			if en.Action == "application.submit" {
				submits++
				if en.Actor != staffRM01.ID() || en.ActingFor != "citizen:"+mario || en.Channel != history.ChannelPaper ||
					!strings.Contains(en.Detail, sub.Number) {
					t.Errorf("audit = %+v", en)
				}
			}
		}
		if submits != 1 {
			t.Errorf("%d submissions audited", submits)
		}
		// In the office's queue, like any other application.
		queue, total, err := e.db.FindApplications(ctx, store.ApplicationFilter{Office: "RM01", State: store.AppSubmitted})
		if err != nil || total != 1 || queue[0].Number != sub.Number {
			t.Errorf("office queue = %+v, %v", queue, err)
		}
		// The applicant sees it too; the receipt says how it came.
		if _, err := e.svc.Application(ctx, citizen, sub.Number); err != nil {
			t.Errorf("the applicant reads the paper application: %v", err)
		}
		b := e.document(t, citizen, sub.Number, cbt.DocReceipt)
		assertHas(t, "receipt", pdfText(t, b), []string{
			"Canale di presentazione Domanda cartacea registrata dall'ufficio (periodo transitorio), ricevuta il 28/02/2026",
			"Presentata da Giulia Grandi, personale dell'ufficio (RM01)",
		}, []string{"Codice dell'intermediario"})
		// One a year (RULE-9), on paper too.
		if _, err := e.svc.RegisterPaper(ctx, staffRM02, mario, "2026-02-10", draft(e.certificate(t, certificate.KindSpa))); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a second paper application: %v", err)
		}
	})
}

// REQ CH-2, REQ CBT-10: a paper application is checked and flagged like
// CONFERMA: missing requirements flag it without blocking it, with the
// same outcome the screens show.
func TestRegisterPaper_Flagged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, paperUntil)
		e.upsert(t, func(ctx context.Context, tx *store.Tx) error {
			return tx.UpsertSSNCures(ctx, []registry.SSNCure{{FiscalCode: mario, Year: 2026, Facility: "Terme di Tivoli"}})
		})
		d := draft(e.certificate(t, certificate.KindSpa))
		want, err := e.svc.Requirements(ctx, citizen, d)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := e.svc.RegisterPaper(ctx, staffRM01, mario, "2026-02-15", d)
		if err != nil {
			t.Fatal(err)
		}
		_, failed := shortfallLines(want)
		if failed == 0 || !sub.Flagged || sub.Verdict.Overall != want.Overall || sub.Verdict.Summary() != want.Summary() {
			t.Errorf("flagged %v, verdict %s; the screens show %s", sub.Flagged, sub.Verdict.Summary(), want.Summary())
		}
		f, err := e.svc.Application(ctx, staffRM01, sub.Number)
		if err != nil || len(f.Record.Failed) != failed || len(f.Record.Shortfalls) == 0 || f.Record.Shortfalls[0].Reason == "" {
			t.Errorf("record = %+v, %v", f.Record, err)
		}

		// Incomplete screens are refused as on CONFERMA.
		e2 := newDocEnv(t, tg, paperUntil)
		bad := draft(e2.certificate(t, certificate.KindSpa))
		bad.Email, bad.Phone, bad.Mobile = "", "", ""
		if _, err := e2.svc.RegisterPaper(ctx, staffRM01, mario, "2026-02-15", bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("no contact: %v", err)
		}
		bad = draft(bad.Certificate)
		bad.Certificate = "20269999999"
		if f := fieldsOf(t, func() error { _, err := e2.svc.RegisterPaper(ctx, staffRM01, mario, "2026-02-15", bad); return err }()); f["certificato"] == "" {
			t.Errorf("an unknown certificate: %v", f)
		}
		if apps := applicationsOf(t, e2.db, mario); len(apps) != 0 {
			t.Errorf("registered: %+v", apps)
		}
	})
}

// REQ CH-2: the day the paper arrived must be a real date, not in the
// future, not after the period, in this year; the staff's office must be
// competent for the applicant's address. Each fault names its field and
// nothing is registered.
func TestRegisterPaper_Refused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, paperUntil)
		d := draft(e.certificate(t, certificate.KindSpa))
		for _, tc := range []struct {
			name, received string
			staff          identity.Actor
			fields         []string
		}{
			{"after the period", "2026-03-01", staffRM01, []string{"ricevuta_il"}},
			{"today, after the period", "2026-03-02", staffRM01, []string{"ricevuta_il"}},
			{"in the future", "2026-03-03", staffRM01, []string{"ricevuta_il"}},
			{"far in the future", "2027-02-01", staffRM01, []string{"ricevuta_il"}},
			{"last year", "2025-12-31", staffRM01, []string{"ricevuta_il"}},
			{"Italian format", "15/02/2026", staffRM01, []string{"ricevuta_il"}},
			{"no such day", "2026-02-30", staffRM01, []string{"ricevuta_il"}},
			{"empty", "", staffRM01, []string{"ricevuta_il"}},
			{"with a time", "2026-02-15T10:00:00Z", staffRM01, []string{"ricevuta_il"}},
			{"office not competent", "2026-02-15", staffMI01, []string{"ufficio"}},
			{"both", "2026-03-01", staffMI01, []string{"ricevuta_il", "ufficio"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := fieldsOf(t, func() error { _, err := e.svc.RegisterPaper(ctx, tc.staff, mario, tc.received, d); return err }())
				if len(f) != len(tc.fields) {
					t.Errorf("fields = %v, want %v", f, tc.fields)
				}
				for _, k := range tc.fields {
					if f[k] == "" {
						t.Errorf("no message for %q: %v", k, f)
					}
				}
				if tc.name == "after the period" && !strings.Contains(f["ricevuta_il"], "28/02/2026") {
					t.Errorf("the message does not give the period's end: %q", f["ricevuta_il"])
				}
				if tc.fields[0] == "ufficio" && !strings.Contains(f["ufficio"], "Direzione provinciale di Roma") {
					t.Errorf("the message does not name the competent office: %q", f["ufficio"])
				}
			})
		}
		if apps := applicationsOf(t, e.db, mario); len(apps) != 0 {
			t.Errorf("registered: %+v", apps)
		}
		// The refusals took no number: the next one is the first.
		sub, err := e.svc.RegisterPaper(ctx, staffRM02, mario, "2026-01-02", d)
		if err != nil || sub.Number != "20260000001" || sub.Office != "RM02" {
			t.Errorf("after the refusals: %+v, %v", sub.Application, err)
		}
	})
}

// REQ CH-2, REQ CH-1, REQ AUD-2: only office staff, in their own name,
// register paper applications; nobody does without a transition period;
// nobody does outside the application window (CBT-14).
func TestRegisterPaper_Who(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, paperUntil)
		d := draft(e.certificate(t, certificate.KindSpa))
		staffFor := staffRM01
		staffFor.ActingFor = mario
		for _, a := range []identity.Actor{citizen, patronat, contactOp, staffFor, doc, medRM01, otherCitizen, identity.Anonymous} {
			if _, err := e.svc.RegisterPaper(ctx, a, mario, "2026-02-15", d); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s registers a paper application: %v", a.ID(), err)
			}
			// The paper context is for office staff only: anyone else,
			// the applicant included, is refused and sees nothing.
			if ap, err := e.svc.PaperContext(ctx, a, mario, nil); ap.Person.FiscalCode != "" || len(ap.Offices) != 0 || !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s reads the paper context: %+v, %v", a.ID(), ap, err)
			}
		}
		if apps := applicationsOf(t, e.db, mario); len(apps) != 0 {
			t.Fatalf("registered: %+v", apps)
		}

		// No transition period configured.
		none := newDocEnv(t, tg, time.Time{})
		if _, ok := none.svc.PaperUntil(); ok {
			t.Error("a period without an end date")
		}
		if _, err := none.svc.RegisterPaper(ctx, staffRM01, mario, "2026-02-15", draft(none.certificate(t, certificate.KindSpa))); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("without a period: %v", err)
		}
		if apps := applicationsOf(t, none.db, mario); len(apps) != 0 {
			t.Errorf("registered without a period: %+v", apps)
		}

		// Outside the window: after 31 October, even within the period.
		late := newDocEnv(t, tg, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
		lateCert := late.certificate(t, certificate.KindSpa)
		late.clk.Set(time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)) // midnight in Rome
		if _, err := late.svc.RegisterPaper(ctx, staffRM01, mario, "2026-10-20", draft(lateCert)); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("after the window: %v", err)
		}
		// In January the window is open again, for papers from 1 January.
		late.clk.Set(time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
		late.svc = cbt.NewService(late.db, late.clk, cbt.Options{PaperUntil: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)})
		if f := fieldsOf(t, func() error {
			_, err := late.svc.RegisterPaper(ctx, staffRM01, mario, "2026-12-30", draft(lateCert))
			return err
		}()); f["ricevuta_il"] == "" || !strings.Contains(f["ricevuta_il"], "1° gennaio 2027") {
			t.Errorf("a paper of last December: %v", f)
		}
		if apps := applicationsOf(t, late.db, mario); len(apps) != 0 {
			t.Errorf("registered outside the window: %+v", apps)
		}
	})
}

// REQ CH-2, REQ RULE-9: a paper application for a person who already
// applied online this year is a conflict, and the reverse too.
func TestRegisterPaper_OneAYear(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newDocEnv(t, tg, paperUntil)
		online, err := e.svc.Confirm(ctx, citizen, draft(e.certificate(t, certificate.KindSpa)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.RegisterPaper(ctx, staffRM01, mario, "2026-02-15", draft(e.certificate(t, certificate.KindSpa)))
		if !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), online.Number) {
			t.Errorf("paper after online: %v", err)
		}

		luigiCert := addLuigi(t, e.env)
		if _, err := e.svc.RegisterPaper(ctx, staffRM02, luigi, "2026-02-15", draft(luigiCert)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Confirm(ctx, otherCitizen, draft(addLuigi(t, e.env))); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("online after paper: %v", err)
		}
		if apps := applicationsOf(t, e.db, luigi); len(apps) != 1 || apps[0].Channel != history.ChannelPaper {
			t.Errorf("Luigi's applications = %+v", apps)
		}
	})
}
