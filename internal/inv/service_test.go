package inv_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// The people: Mario (53, Roma), Luigi (46, Roma), Giulia (10, Roma) and
// Anna, who turns 67 on the first day of the tests.
var (
	mario  = applicantCF
	luigi  = cf("VRDLGU80A01H501")
	giulia = cf("BNCGLI15H50H501")
	anna   = cf("RSSNNA59C42H501")

	doc      = identity.Actor{UserID: 2, FiscalCode: cf("BNCLRA70E52H501"), Name: "Laura Bianchi", Role: identity.RoleDoctor, Channel: history.ChannelWeb}
	citizen  = identity.Actor{UserID: 3, FiscalCode: mario, Name: "Mario Rossi", Role: identity.RoleCitizen, Channel: history.ChannelWeb}
	luigiAct = identity.Actor{UserID: 4, FiscalCode: luigi, Name: "Luigi Verdi", Role: identity.RoleCitizen, Channel: history.ChannelWeb}
	patronat = identity.Actor{UserID: 5, FiscalCode: cf("TSTFNC77A70H501"), Name: "Francesca Testa", Role: identity.RoleIntermediary,
		Scope: "PAT-RM-001", ActingFor: mario, Channel: history.ChannelIntermediary}
	contactOp = identity.Actor{UserID: 6, FiscalCode: cf("CNTPLA75B12H501"), Name: "Paola Conti", Role: identity.RoleContactCentre,
		ActingFor: mario, Channel: history.ChannelContactCentre}
	staffRM01 = identity.Actor{UserID: 7, FiscalCode: cf("GRNGLI80A41H501"), Name: "Giulia Grandi", Role: identity.RoleOffice, Scope: "RM01",
		Channel: history.ChannelOffice}
	staffRM02 = identity.Actor{UserID: 8, FiscalCode: cf("NREPLA70C10H501"), Name: "Paolo Neri", Role: identity.RoleOffice, Scope: "RM02",
		Channel: history.ChannelOffice}
	aslRM5 = identity.Actor{UserID: 9, FiscalCode: cf("MRTSRA70E55H501"), Name: "Sara Moretti", Role: identity.RoleASL, Scope: "ASL-RM5",
		Channel: history.ChannelOffice}
	aslRM1 = identity.Actor{UserID: 10, FiscalCode: cf("BRNLCA66D20H501"), Name: "Luca Bruno", Role: identity.RoleASL, Scope: "ASL-RM1",
		Channel: history.ChannelOffice}
)

// start is the first moment of the tests: Monday 2 March 2026, 10:00 in
// Rome.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	db    *store.DB
	clk   *clock.Manual
	svc   *inv.Service
	certs *certificate.Service
}

func newEnv(t *testing.T, tg storetest.Target) env {
	return newEnvWith(t, tg, inv.Options{})
}

func newEnvWith(t *testing.T, tg storetest.Target, opt inv.Options) env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(start)
	db := tg.New(t, store.Options{Clock: clk})
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range []identity.Person{
			{FiscalCode: mario, GivenName: "Mario", FamilyName: "Rossi", BirthDate: "1972-03-14", BirthPlace: "Roma", Sex: "M"},
			{FiscalCode: luigi, GivenName: "Luigi", FamilyName: "Verdi", BirthDate: "1980-01-01", BirthPlace: "Roma", Sex: "M"},
			{FiscalCode: giulia, GivenName: "Giulia", FamilyName: "Bianchi", BirthDate: "2015-06-10", BirthPlace: "Roma", Sex: "F"},
			{FiscalCode: anna, GivenName: "Anna", FamilyName: "Rossi", BirthDate: "1959-03-02", BirthPlace: "Roma", Sex: "F"},
		} {
			p.Address, p.Postcode, p.Municipality, p.Province = "Via Prenestina 210", "00176", "Roma", "RM"
			if err := tx.UpsertPerson(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	certs := certificate.NewService(db, clk, certificate.Options{})
	if _, err := certs.SaveProfile(ctx, doc, doctor.Profile{Relationship: doctor.Affiliated, Body: "ASL Roma 2", RegisterProv: "RM", RegisterNo: "1"}); err != nil {
		t.Fatal(err)
	}
	return env{db: db, clk: clk, svc: inv.NewService(db, clk, opt), certs: certs}
}

// cert sends a civil-invalidity certificate for patient; without
// purposes it certifies the invalidity only.
func (e env) cert(t *testing.T, patient string, c certificate.Invalidity) string {
	t.Helper()
	if c.Purposes == nil {
		c.Purposes = []string{"invalidita"}
	}
	c.Diagnoses = []certificate.Diagnosis{{Text: "Diabete mellito", Code: "250.00"}}
	s, err := e.certs.Send(context.Background(), doc, certificate.Draft{Kind: certificate.KindInvalidity, Patient: patient, Invalidity: &c})
	if err != nil {
		t.Fatal(err)
	}
	return s.Number
}

// complete is a complete first-recognition application on a certificate.
func complete(certNumber string) inv.Draft {
	return inv.Draft{Email: "mario@esempio.it", Request: inv.First, Assessments: []string{"invalidita"}, Certificate: certNumber,
		Office: "RM01", ASL: "ASL-RM5", Declared: true}
}

// forPerson is a citizen actor for cf.
func forPerson(id int64, cf string) identity.Actor {
	return identity.Actor{UserID: id, FiscalCode: cf, Role: identity.RoleCitizen, Channel: history.ChannelWeb}
}

func (e env) send(t *testing.T, a identity.Actor, d inv.Draft) inv.Submitted {
	t.Helper()
	sub, err := e.svc.Send(context.Background(), a, d)
	if err != nil {
		t.Fatalf("send for %s: %v", a.ID(), err)
	}
	return sub
}

// day is the date n days after the start, in Rome, as the agenda's form
// takes it.
func day(n int) string { return start.In(clock.Rome).AddDate(0, 0, n).Format("2006-01-02") }

// slot adds a slot to the agenda of the staff's ASL, n days after the
// start at hh:mm in Rome.
func (e env) slot(t *testing.T, staff identity.Actor, n int, hhmm string, capacity int, home bool) store.Slot {
	t.Helper()
	s, err := e.svc.AddSlot(context.Background(), staff, inv.NewSlot{Day: day(n), Time: hhmm, Place: "Via Rocca di Papa 9, Roma",
		Commission: "Commissione 1", Capacity: capacity, Home: home})
	if err != nil {
		t.Fatalf("slot on day %d: %v", n, err)
	}
	return s
}

// kinds returns the kinds of an application's events, in order.
func (e env) kinds(t *testing.T, number string) []string {
	t.Helper()
	evs, err := e.db.CaseHistory(context.Background(), "application", number)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

// trail returns the audit entries about a person with one of the
// actions, as the "who looked at my data" page reads them.
func (e env) trail(t *testing.T, who string, actions ...string) []audit.Entry {
	t.Helper()
	all, err := e.db.AuditTrail(context.Background(), "person:"+who, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, en := range all {
		if slices.Contains(actions, en.Action) {
			out = append(out, en)
		}
	}
	return out
}

func (e env) applications(t *testing.T, who string) []store.Application {
	t.Helper()
	apps, total, err := e.db.FindApplications(context.Background(), store.ApplicationFilter{Applicant: who})
	if err != nil || total != len(apps) {
		t.Fatalf("applications of %s: %d of %d, %v", who, len(apps), total, err)
	}
	return apps
}

func (e env) lastNumber(t *testing.T, reg protocol.Register) int64 {
	t.Helper()
	n, err := e.db.LastNumber(context.Background(), reg, 2026)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	protocolRE = regexp.MustCompile(`^2026[0-9]{7}$`)
	domusRE    = regexp.MustCompile(`^D2026[0-9]{7}$`)
)

// REQ INV-1 INV-2 INV-3 INV-4 INV-6 AG-1 ST-1 CERT-9: the applicant's data
// come from the registry with the offices and ASLs of the address; a draft
// is saved and resumed; an incomplete one is refused with every fault at
// once and nothing is stored; the complete one, asking several
// assessments, is registered with its protocol and Domus numbers, links the
// certificate, books the first visit and deletes the draft; a second one
// while it is in progress is a conflict.
func TestSend_Complete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		ap, err := e.svc.Context(ctx, citizen, nil)
		if err != nil || ap.Person.FamilyName != "Rossi" || ap.Age != 53 || len(ap.Offices) != 2 || len(ap.ASLs) != 1 || ap.ASLs[0].Code != "ASL-RM5" {
			t.Fatalf("context = %+v, %v", ap, err)
		}
		if f := e.svc.FactsFor(ap); f.Applicant != mario || f.Age != 53 || !slices.Equal(f.Offices, []string{"RM01", "RM02"}) {
			t.Errorf("facts = %+v", f)
		}
		n := e.cert(t, mario, certificate.Invalidity{Purposes: []string{"invalidita", "handicap", "cecita"}})
		visit := e.slot(t, aslRM5, 12, "09:00", 3, false)

		d := complete(n)
		d.Declared, d.Email, d.Reached = false, "", "recapiti"
		if err := e.svc.SaveDraft(ctx, citizen, d); err != nil {
			t.Fatal(err)
		}
		got, ok, err := e.svc.LoadDraft(ctx, citizen)
		if err != nil || !ok || got.Certificate != n || got.Reached != "recapiti" {
			t.Fatalf("resumed = %+v, %v, %v", got, ok, err)
		}
		// REQ INV-3: incomplete — every fault named, nothing stored.
		_, err = e.svc.Send(ctx, citizen, got)
		if f := fieldsOf(t, err); len(f) != 2 || f["email"] == "" || f["dichiarazione"] == "" {
			t.Errorf("incomplete application: %v", f)
		}
		if apps := e.applications(t, mario); len(apps) != 0 {
			t.Errorf("an incomplete application was stored: %+v", apps)
		}
		if c, _ := e.db.CertificateByNumber(ctx, n); c.LinkedTo != "" {
			t.Errorf("certificate linked to %q by a refused application", c.LinkedTo)
		}
		if e.lastNumber(t, protocol.General) != 0 || e.lastNumber(t, protocol.Domus) != 0 {
			t.Error("a refused application took a number")
		}
		if s, _ := e.db.SlotByID(ctx, visit.ID); s.Booked != 0 {
			t.Errorf("a refused application booked a place: %+v", s)
		}
		if en := e.trail(t, mario, "application.submit"); len(en) != 0 {
			t.Errorf("a refused application was audited as sent: %+v", en)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); !ok {
			t.Error("the draft was deleted by a refused sending")
		}

		// REQ INV-2 INV-6: complete, with two assessments.
		got.Email, got.Declared, got.Assessments = "mario@esempio.it", true, []string{"handicap", "invalidita"}
		sub := e.send(t, citizen, got)
		if !protocolRE.MatchString(sub.Number) || sub.Domus != "D20260000001" || !domusRE.MatchString(sub.Domus) ||
			e.lastNumber(t, protocol.Domus) != 1 {
			t.Errorf("numbers: protocol %q, Domus %q", sub.Number, sub.Domus)
		}
		if sub.Kind != store.KindInvalidity || sub.Applicant != mario || sub.Office != "RM01" || sub.Channel != history.ChannelWeb ||
			sub.Operator != "" || sub.Intermediary != "" || sub.Certificate != n || sub.State != store.AppSubmitted || sub.Flagged || sub.Year != 2026 {
			t.Errorf("application = %+v", sub.Application)
		}
		// REQ AG-1: the first visit on the receipt.
		if sub.Visit == nil || sub.Visit.Slot.ID != visit.ID || sub.Visit.Summons != 1 || sub.Visit.State != store.VisitBooked {
			t.Errorf("visit = %+v", sub.Visit)
		}
		if c, _ := e.db.CertificateByNumber(ctx, n); c.LinkedTo != sub.Number {
			t.Errorf("certificate linked to %q, want %s", c.LinkedTo, sub.Number)
		}
		if _, ok, _ := e.svc.LoadDraft(ctx, citizen); ok {
			t.Error("draft kept after sending")
		}
		if k := e.kinds(t, sub.Number); !slices.Equal(k, []string{"submitted", "visit_booked"}) {
			t.Errorf("history = %v", k)
		}
		// REQ ST-1 INV-8: the applicant reads it back with what was sent
		// and what the certificate certified.
		f, err := e.svc.Application(ctx, citizen, sub.Number)
		if err != nil {
			t.Fatal(err)
		}
		if f.Domus != sub.Domus || !slices.Equal(f.Record.Draft.Assessments, []string{"invalidita", "handicap"}) ||
			!slices.Equal(f.Record.Certified, []string{"invalidita", "handicap", "cecita"}) || f.Record.Person.FiscalCode != mario ||
			f.Record.Age != 53 || f.Record.Channel != history.ChannelWeb || f.Record.Operator != nil || f.Record.Draft.Reached != "" ||
			len(f.Visits) != 1 || len(f.History) != 2 {
			t.Errorf("filed = %+v", f)
		}
		// REQ INV-6: one application in progress per person.
		other := e.cert(t, mario, certificate.Invalidity{})
		if _, err := e.svc.Send(ctx, citizen, complete(other)); !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), sub.Number) {
			t.Errorf("second application: %v", err)
		}
		if apps := e.applications(t, mario); len(apps) != 1 {
			t.Errorf("applications = %+v", apps)
		}
		if c, _ := e.db.CertificateByNumber(ctx, other); c.LinkedTo != "" {
			t.Errorf("the refused application linked its certificate to %q", c.LinkedTo)
		}
	})
}

// REQ INV-4 CERT-9: the certificate must be the applicant's, of civil
// invalidity, not annulled and not used, and must certify every
// assessment asked; each refusal is on its field, and nothing is stored.
func TestSend_CertificateRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		luigis := e.cert(t, luigi, certificate.Invalidity{})
		spa, err := e.certs.Send(ctx, doc, certificate.Draft{Kind: certificate.KindSpa, Patient: mario, Spa: &certificate.Spa{
			Pathology: "reumoartropatica", Cure: "fango-bagno", NoContraindications: true,
			Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}})
		if err != nil {
			t.Fatal(err)
		}
		annulled := e.cert(t, mario, certificate.Invalidity{})
		if _, err := e.certs.Annul(ctx, doc, annulled, "Paziente sbagliato"); err != nil {
			t.Fatal(err)
		}
		onlyInvalidity := e.cert(t, mario, certificate.Invalidity{Purposes: []string{"invalidita", "sordita"}})
		for _, tc := range []struct {
			name, number string
			assessments  []string
			field, want  string
		}{
			{"another person's", luigis, nil, "certificato", "Nessun certificato con questo numero per questo codice fiscale"},
			{"never sent", "20269999999", nil, "certificato", "Nessun certificato con questo numero"},
			{"a spa-treatment certificate", spa.Number, nil, "certificato", "di un altro tipo"},
			{"annulled", annulled, nil, "certificato", "annullato dal medico"},
			{"an assessment not certified", onlyInvalidity, []string{"invalidita", "cecita", "handicap"}, "accertamenti",
				"non riguarda: cecità civile, handicap (legge 104/1992)"},
		} {
			d := complete(tc.number)
			if tc.assessments != nil {
				d.Assessments = tc.assessments
			}
			_, err := e.svc.Send(ctx, citizen, d)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || !strings.Contains(ae.Fields[tc.field], tc.want) {
				t.Errorf("%s: %v, fields %v; want %s: %q", tc.name, err, fieldsOrNil(ae), tc.field, tc.want)
			}
		}
		if apps := e.applications(t, mario); len(apps) != 0 || e.lastNumber(t, protocol.General) != 0 || e.lastNumber(t, protocol.Domus) != 0 {
			t.Errorf("refusals stored %+v", apps)
		}
		// The assessments it does certify are accepted.
		d := complete(onlyInvalidity)
		d.Assessments = []string{"sordita", "invalidita"}
		sub := e.send(t, citizen, d)
		if sub.Number != fmt.Sprintf("2026%07d", e.lastNumber(t, protocol.General)) {
			t.Errorf("number %s is not the register's last", sub.Number)
		}
	})
}

func fieldsOrNil(ae *apperr.Error) map[string]string {
	if ae == nil {
		return nil
	}
	return ae.Fields
}

// REQ INV-4 CERT-9: the certificate links up to the 90th day after its
// issue and not from the 91st: then the number is refused, saying it
// expired and a new certificate is needed.
func TestSend_CertificateNinetyDays(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		marios, luigis := e.cert(t, mario, certificate.Invalidity{}), e.cert(t, luigi, certificate.Invalidity{})
		e.clk.Advance(90 * 24 * time.Hour) // 31 May: the 90th day
		sub := e.send(t, citizen, complete(marios))
		if c, _ := e.db.CertificateByNumber(ctx, marios); c.LinkedTo != sub.Number {
			t.Errorf("on the 90th day the certificate links to %q", c.LinkedTo)
		}
		e.clk.Advance(24 * time.Hour) // 1 June: the 91st day
		d := complete(luigis)
		d.Email = "luigi@esempio.it"
		_, err := e.svc.Send(ctx, luigiAct, d)
		f := fieldsOf(t, err)
		if msg := f["certificato"]; !strings.Contains(msg, "scaduto") || !strings.Contains(msg, "31/05/2026") || !strings.Contains(msg, "nuovo certificato") {
			t.Errorf("on the 91st day: %v", f)
		}
		if apps := e.applications(t, luigi); len(apps) != 0 {
			t.Errorf("an application on an expired certificate was stored: %+v", apps)
		}
		if c, _ := e.db.CertificateByNumber(ctx, luigis); c.LinkedTo != "" {
			t.Errorf("the expired certificate was linked to %q", c.LinkedTo)
		}
		// The number refused, a new certificate is accepted.
		d.Certificate = e.cert(t, luigi, certificate.Invalidity{})
		e.send(t, luigiAct, d)
	})
}

// REQ INV-5 INV-7: a revision needs no certificate but the previous
// report; a disability (L. 68/1999) application needs the civil-invalidity
// report with at least 46% and a person of working age.
func TestSend_RevisionAndDisability(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		rev := inv.Draft{Email: "luigi@esempio.it", Request: inv.Revision, Assessments: []string{"invalidita", "handicap"}, Office: "RM02", ASL: "ASL-RM5",
			Declared: true, Report: &inv.Report{Date: day(1), Number: "RM5/2024/77", Body: "Commissione medica ASL Roma 5"}}
		_, err := e.svc.Send(ctx, luigiAct, rev)
		if f := fieldsOf(t, err); len(f) != 1 || !strings.Contains(f["verbale_data"], "futuro") {
			t.Errorf("a report dated tomorrow: %v", f)
		}
		rev.Report.Date = "2024-05-10"
		rev.Certificate = "20260000001" // typed before choosing the request: dropped
		sub := e.send(t, luigiAct, rev)
		if sub.Certificate != "" {
			t.Errorf("revision with certificate %q", sub.Certificate)
		}
		f, err := e.svc.Application(ctx, luigiAct, sub.Number)
		if err != nil || f.Record.Draft.Report == nil || f.Record.Draft.Report.Number != "RM5/2024/77" || f.Record.Certified != nil {
			t.Errorf("revision record = %+v, %v", f.Record, err)
		}
		// Disability: 45% refused, 46% accepted.
		dis := inv.Draft{Email: "mario@esempio.it", Request: inv.Disability, Assessments: []string{"disabilita"}, Office: "RM01", ASL: "ASL-RM5",
			Declared: true, Report: &inv.Report{Date: "2019-11-20", Number: "RM5/2019/1", Body: "Commissione medica ASL Roma 5", Percent: 45}}
		_, err = e.svc.Send(ctx, citizen, dis)
		if f := fieldsOf(t, err); len(f) != 1 || !strings.Contains(f["verbale_percento"], "46%") {
			t.Errorf("disability at 45%%: %v", f)
		}
		if apps := e.applications(t, mario); len(apps) != 0 {
			t.Errorf("stored at 45%%: %+v", apps)
		}
		dis.Report.Percent = 46
		if sub := e.send(t, citizen, dis); sub.Certificate != "" || !domusRE.MatchString(sub.Domus) {
			t.Errorf("disability application = %+v", sub.Application)
		}
		// Anna turns 67 today: no longer of working age for L. 68/1999.
		dis.Email = "anna@esempio.it"
		_, err = e.svc.Send(ctx, forPerson(20, anna), dis)
		if f := fieldsOf(t, err); !strings.Contains(f["accertamenti"], "dai 15 ai 66 anni") {
			t.Errorf("disability at 67: %v", f)
		}
	})
}

// REQ INV-2: a minor's application needs a guardian, a person other than
// the minor; the guardian is kept in the record.
func TestSend_MinorNeedsGuardian(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		a := forPerson(21, giulia)
		d := complete(e.cert(t, giulia, certificate.Invalidity{}))
		_, err := e.svc.Send(ctx, a, d)
		if f := fieldsOf(t, err); len(f) != 1 || !strings.Contains(f["con_tutore"], "minore") {
			t.Errorf("a minor without guardian: %v", f)
		}
		d.HasGuardian, d.Guardian = true, &inv.Guardian{FiscalCode: giulia, GivenName: "Marco", FamilyName: "Bianchi", Relation: "genitore"}
		_, err = e.svc.Send(ctx, a, d)
		if f := fieldsOf(t, err); len(f) != 1 || !strings.Contains(f["tutore_cf"], "diversa") {
			t.Errorf("the minor as her own guardian: %v", f)
		}
		d.Guardian.FiscalCode = cf("BNCMRC80A01H501")
		sub := e.send(t, a, d)
		f, err := e.svc.Application(ctx, a, sub.Number)
		if err != nil || f.Record.Age != 10 || f.Record.Draft.Guardian == nil || f.Record.Draft.Guardian.FiscalCode != d.Guardian.FiscalCode {
			t.Errorf("record = %+v, %v", f.Record, err)
		}
	})
}

// REQ INV-6 CH-1 ID-5 AUD-1: a patronato operator acting for the citizen
// resumes the citizen's draft and sends it: the channel, the operator and
// the intermediary's code are recorded on the application, in the record,
// in the history and in the audit trail; a contact-centre operator is
// recorded without an intermediary; an operator without an acting-for
// session cannot send.
func TestSend_Intermediary(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		if err := e.svc.SaveDraft(ctx, citizen, complete(e.cert(t, mario, certificate.Invalidity{}))); err != nil {
			t.Fatal(err)
		}
		d, ok, err := e.svc.LoadDraft(ctx, patronat)
		if err != nil || !ok {
			t.Fatalf("the patronato does not find the citizen's draft: %v, %v", ok, err)
		}
		alone := patronat
		alone.ActingFor = ""
		if _, err := e.svc.Send(ctx, alone, d); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("an operator without a session for the citizen: %v", err)
		}
		sub := e.send(t, patronat, d)
		if sub.Applicant != mario || sub.Channel != history.ChannelIntermediary || sub.Operator != patronat.ID() || sub.Intermediary != "PAT-RM-001" {
			t.Errorf("application = %+v", sub.Application)
		}
		f, err := e.svc.Application(ctx, citizen, sub.Number)
		if err != nil {
			t.Fatal(err)
		}
		if op := f.Record.Operator; op == nil || op.Organisation != "PAT-RM-001" || op.FiscalCode != patronat.FiscalCode ||
			op.Role != string(identity.RoleIntermediary) || f.Record.Channel != history.ChannelIntermediary {
			t.Errorf("record operator = %+v, channel %q", op, f.Record.Channel)
		}
		if len(f.History) == 0 || f.History[0].Kind != "submitted" || f.History[0].Actor != patronat.ID() || f.History[0].ActingFor != "citizen:"+mario ||
			f.History[0].Channel != history.ChannelIntermediary {
			t.Errorf("history = %+v", f.History)
		}
		if en := e.trail(t, mario, "application.submit"); len(en) != 1 || en[0].Actor != patronat.ID() || en[0].ActingFor != "citizen:"+mario ||
			!strings.Contains(en[0].Detail, sub.Domus) {
			t.Errorf("audit = %+v", en)
		}
		// A contact-centre operator acting for Luigi, who called.
		op := contactOp
		op.ActingFor = luigi
		d2 := complete(e.cert(t, luigi, certificate.Invalidity{}))
		sub2 := e.send(t, op, d2)
		if sub2.Channel != history.ChannelContactCentre || sub2.Operator != op.ID() || sub2.Intermediary != "" || sub2.Applicant != luigi {
			t.Errorf("contact-centre application = %+v", sub2.Application)
		}
	})
}

// REQ AG-1: the first visit is the earliest free slot of the chosen ASL at
// least NoticeDays ahead; cancer in progress takes the earliest within
// FastTrackDays, even sooner, or else the earliest after; a person who
// cannot be moved is visited at home; with no free slot the application
// waits for the ASL's summons.
func TestSend_FirstVisit(t *testing.T) {
	// A slot of the agenda: n days after the start, at hh:mm in Rome.
	type at struct {
		asl  identity.Actor
		days int
		hhmm string
		home bool
	}
	// Today's slot is this afternoon: it is not "at least tomorrow".
	ambulatory := []at{{aslRM5, 0, "16:00", false}, {aslRM5, 3, "09:00", false}, {aslRM1, 4, "09:00", false}, {aslRM5, 9, "23:30", false},
		{aslRM5, 10, "00:00", false}, {aslRM5, 30, "09:00", false}}
	home := []at{{aslRM5, 5, "09:00", true}, {aslRM5, 20, "09:00", true}}
	for _, tc := range []struct {
		name   string
		agenda []at
		opt    inv.Agenda
		cert   certificate.Invalidity
		want   int // index in agenda; -1: none
	}{
		{name: "notice: from midnight of the 10th day", agenda: ambulatory, want: 4},
		{name: "notice configured", agenda: ambulatory, opt: inv.Agenda{NoticeDays: 5}, want: 3},
		{name: "cancer: within 15 days, before the notice", agenda: ambulatory, cert: certificate.Invalidity{Oncological: true}, want: 1},
		{name: "cancer: nothing within 15 days", agenda: []at{{aslRM5, 40, "09:00", false}, {aslRM5, 16, "00:00", false}},
			cert: certificate.Invalidity{Oncological: true}, want: 1},
		{name: "cancer: the 15th day", agenda: []at{{aslRM5, 14, "09:00", true}, {aslRM5, 15, "23:30", false}},
			cert: certificate.Invalidity{Oncological: true}, want: 1},
		{name: "not transportable: at home", agenda: append(slices.Clone(home), ambulatory...), cert: certificate.Invalidity{NotTransportable: true}, want: 1},
		{name: "not transportable, cancer: at home soon", agenda: append(slices.Clone(home), ambulatory...),
			cert: certificate.Invalidity{NotTransportable: true, Oncological: true}, want: 0},
		{name: "only home visits", agenda: []at{{aslRM5, 12, "09:00", true}}, want: -1},
		{name: "only another ASL", agenda: []at{{aslRM1, 12, "09:00", false}}, want: -1},
		{name: "empty agenda", want: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, tg storetest.Target) {
				ctx := context.Background()
				e := newEnvWith(t, tg, inv.Options{Agenda: tc.opt})
				var slots []store.Slot
				for _, s := range tc.agenda {
					slots = append(slots, e.slot(t, s.asl, s.days, s.hhmm, 5, s.home))
				}
				sub := e.send(t, citizen, complete(e.cert(t, mario, tc.cert)))
				if tc.want < 0 {
					if sub.Visit != nil {
						t.Errorf("visit = %+v, want none", sub.Visit)
					}
					if k := e.kinds(t, sub.Number); !slices.Equal(k, []string{"submitted", "visit_pending"}) {
						t.Errorf("history = %v", k)
					}
					if vs, _ := e.db.Visits(ctx, sub.Number); len(vs) != 0 {
						t.Errorf("visits = %+v", vs)
					}
					return
				}
				want := slots[tc.want]
				if sub.Visit == nil || sub.Visit.Slot.ID != want.ID {
					t.Fatalf("visit = %+v, want the slot of day %d (%+v)", sub.Visit, tc.agenda[tc.want].days, want)
				}
				if sub.Visit.Slot.Home != tc.agenda[tc.want].home || sub.Visit.Slot.ASL != "ASL-RM5" {
					t.Errorf("slot = %+v", sub.Visit.Slot)
				}
				if s, _ := e.db.SlotByID(ctx, want.ID); s.Booked != 1 {
					t.Errorf("booked = %d", s.Booked)
				}
				if k := e.kinds(t, sub.Number); !slices.Equal(k, []string{"submitted", "visit_booked"}) {
					t.Errorf("history = %v", k)
				}
				evs, _ := e.db.CaseHistory(ctx, "application", sub.Number)
				var p map[string]string
				if err := json.Unmarshal([]byte(evs[1].Payload), &p); err != nil || p["seduta"] != fmt.Sprint(want.ID) || p["convocazione"] != "1" ||
					p["data"] != want.StartsAt.Format(time.RFC3339) {
					t.Errorf("visit_booked payload = %s, %v", evs[1].Payload, err)
				}
				f, err := e.svc.Application(ctx, citizen, sub.Number)
				if err != nil || f.Record.FastTrack != tc.cert.Oncological || f.Record.HomeVisit != tc.cert.NotTransportable || f.Flagged != tc.cert.Oncological {
					t.Errorf("record: fast track %v, home %v, flagged %v, %v", f.Record.FastTrack, f.Record.HomeVisit, f.Flagged, err)
				}
			})
		})
	}
}

// REQ PROT-3 INV-6: sending inside DB.Once twice with the same key (a
// double click, a retry) registers one application and books one visit;
// the second call replays the first number and writes nothing.
func TestSend_OnceSameKey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		sl := e.slot(t, aslRM5, 12, "09:00", 5, false)
		d := complete(e.cert(t, mario, certificate.Invalidity{}))
		once := func(key string) (store.Outcome, error) {
			return e.db.Once(ctx, citizen.ID(), key, "invio:"+d.Certificate, func(tx *store.Tx) (string, error) {
				sub, err := e.svc.WithTx(tx).Send(ctx, citizen, d)
				if err != nil {
					return "", err
				}
				return sub.Number, nil
			})
		}
		// A failed attempt inside Once leaves nothing behind.
		lost := errors.New("response lost")
		if _, err := e.db.Once(ctx, citizen.ID(), "k1", "invio:"+d.Certificate, func(tx *store.Tx) (string, error) {
			if _, err := e.svc.WithTx(tx).Send(ctx, citizen, d); err != nil {
				return "", err
			}
			return "", lost
		}); !errors.Is(err, lost) {
			t.Fatalf("failed attempt: %v", err)
		}
		if apps := e.applications(t, mario); len(apps) != 0 {
			t.Fatalf("the failed attempt registered %+v", apps)
		}
		if s, _ := e.db.SlotByID(ctx, sl.ID); s.Booked != 0 {
			t.Errorf("the failed attempt kept a place: %d", s.Booked)
		}
		first, err := once("k1")
		if err != nil || first.Replayed || !protocolRE.MatchString(first.Response) {
			t.Fatalf("first = %+v, %v", first, err)
		}
		trail, _ := e.db.AuditTrail(ctx, "person:"+mario, 0)
		second, err := once("k1")
		if err != nil || !second.Replayed || second.Response != first.Response {
			t.Fatalf("second = %+v, %v; first %+v", second, err, first)
		}
		if apps := e.applications(t, mario); len(apps) != 1 || apps[0].Number != first.Response {
			t.Errorf("applications = %+v", apps)
		}
		if e.lastNumber(t, protocol.Domus) != 1 || fmt.Sprintf("2026%07d", e.lastNumber(t, protocol.General)) != first.Response {
			t.Error("the replay took a number")
		}
		if s, _ := e.db.SlotByID(ctx, sl.ID); s.Booked != 1 {
			t.Errorf("places booked = %d, want 1", s.Booked)
		}
		if k := e.kinds(t, first.Response); !slices.Equal(k, []string{"submitted", "visit_booked"}) {
			t.Errorf("history = %v", k)
		}
		if again, _ := e.db.AuditTrail(ctx, "person:"+mario, 0); len(again) != len(trail) {
			t.Errorf("the replay audited %d more entries", len(again)-len(trail))
		}
		// Another key is another attempt: one application in progress.
		if _, err := once("k2"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("another key: %v", err)
		}
	})
}

// REQ AUD-1 AUD-2 ST-1 INV-8: the application is read by the applicant,
// whoever acts for them and the staff of its office, each read audited
// under the person with who, for whom and through which channel; another
// citizen, another office, the ASL's staff (who see their agenda) and a
// doctor get "not found", unaudited. Draft saves and the sending are
// audited too, never with the draft's content.
func TestApplication_AccessAndAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		d := complete(e.cert(t, mario, certificate.Invalidity{}))
		d.Email, d.Reached = "segreto@esempio.it", "uffici"
		if err := e.svc.SaveDraft(ctx, patronat, d); err != nil {
			t.Fatal(err)
		}
		saves := e.trail(t, mario, "application.draft.save")
		if len(saves) != 1 || saves[0].Actor != patronat.ID() || saves[0].ActingFor != "citizen:"+mario || saves[0].Channel != history.ChannelIntermediary ||
			!strings.Contains(saves[0].Detail, `"schermata":"uffici"`) || strings.Contains(saves[0].Detail, "segreto") {
			t.Errorf("draft save audit = %+v", saves)
		}
		// A refused save leaves no entry.
		if err := e.svc.SaveDraft(ctx, doc, d); err == nil {
			t.Error("a doctor saved a citizen's draft")
		}
		sub := e.send(t, citizen, d)
		if en := e.trail(t, mario, "application.submit"); len(en) != 1 || en[0].Actor != citizen.ID() || en[0].ActingFor != "" ||
			!strings.Contains(en[0].Detail, sub.Number) || strings.Contains(en[0].Detail, "segreto") {
			t.Errorf("submit audit = %+v", en)
		}
		for _, a := range []identity.Actor{citizen, patronat, staffRM01} {
			if f, err := e.svc.Application(ctx, a, " "+sub.Number+" "); err != nil || f.Number != sub.Number {
				t.Errorf("%s reads: %v", a.ID(), err)
			}
		}
		op := patronat
		op.ActingFor = luigi
		for _, a := range []identity.Actor{luigiAct, staffRM02, aslRM5, doc, op, identity.Anonymous} {
			if _, err := e.svc.Application(ctx, a, sub.Number); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s reads: %v", a.ID(), err)
			}
		}
		if _, err := e.svc.Application(ctx, citizen, "20269999999"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown number: %v", err)
		}
		reads := e.trail(t, mario, "application.read")
		if len(reads) != 3 {
			t.Fatalf("%d reads audited, want 3: %+v", len(reads), reads)
		}
		for i, a := range []identity.Actor{citizen, patronat, staffRM01} {
			en := reads[i]
			if en.Actor != a.ID() || en.ActingFor != a.ActingForID() || en.Channel != a.Channel || !strings.Contains(en.Detail, sub.Number) {
				t.Errorf("read %d = %+v", i, en)
			}
		}
	})
}
