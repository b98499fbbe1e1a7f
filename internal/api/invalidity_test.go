package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// More applicants for civil invalidity, each with a mandate to PAT-RM-001
// for civil invalidity only: a man of 60 with a previous report, and a
// girl of 10.
var (
	piero = cf("MRTPRI66A01H501") // Roma, 60
	sara  = cf("BNCSRA15H50H501") // Roma, 10: a minor
)

// invEnv is the API with the applicants of the spa-treatment tests (anna's
// mandate covers spa treatments only, paola's every service, luca's civil
// invalidity), two more, a civil-invalidity certificate for luca (invalidity
// and handicap) and three sessions in the agenda of ASL Roma 5.
type invEnv struct {
	*cbtEnv
	certLuca string
	slots    []store.Slot // 23, 25 and 30 March 2026 at 09:00
}

func newInvEnv(t *testing.T, tg storetest.Target) *invEnv {
	t.Helper()
	ctx := context.Background()
	e := &invEnv{cbtEnv: newCBTEnv(t, tg)}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range []identity.Person{
			{FiscalCode: piero, GivenName: "Piero", FamilyName: "Martini", BirthDate: "1966-01-01", BirthPlace: "Roma", Sex: "M"},
			{FiscalCode: sara, GivenName: "Sara", FamilyName: "Bianchi", BirthDate: "2015-06-10", BirthPlace: "Roma", Sex: "F"},
		} {
			p.Address, p.Postcode, p.Municipality, p.Province = "Via Prenestina 210", "00176", "Roma", "RM"
			if err := tx.UpsertPerson(ctx, p); err != nil {
				return err
			}
		}
		for _, d := range []int{23, 25, 30} {
			s, err := tx.AddSlot(ctx, store.Slot{ASL: "ASL-RM5", StartsAt: time.Date(2026, 3, d, 9, 0, 0, 0, clock.Rome),
				Place: "Via Rocca di Papa 9, Roma", Commission: "Commissione medica 1", Capacity: 5, CreatedBy: "asl:test"})
			if err != nil {
				return err
			}
			e.slots = append(e.slots, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{piero, sara} {
		if _, err := e.accounts.RecordMandate(ctx, opRM, account.NewMandate{Citizen: who, Scope: "inv", StartDate: "01/01/2026",
			EndDate: "31/12/2027", Document: "Mandato n. 9/2026"}); err != nil {
			t.Fatal(err)
		}
	}
	e.certLuca = e.invCertificate(luca, "invalidita", "handicap")
	return e
}

// invCertificate has the doctor send a civil-invalidity certificate for
// patient with the purposes given and returns its number.
func (e *invEnv) invCertificate(patient string, purposes ...string) string {
	e.t.Helper()
	s, err := e.certs.Send(context.Background(), laura, certificate.Draft{Kind: certificate.KindInvalidity, Patient: patient,
		Invalidity: &certificate.Invalidity{Purposes: purposes, Diagnoses: []certificate.Diagnosis{{Text: "Ictus", Code: "434.91"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Number
}

func invURL(cf string) string { return "/api/v1/inv/applicants/" + cf }

// invContent is a complete first-recognition application on a
// certificate, for a person living in Roma.
func invContent(cert string) string {
	return `{"email":"luca.neri@esempio.it","richiesta":"primo","accertamenti":["invalidita","handicap"],"certificato":"` + cert +
		`","ufficio":"RM01","asl":"ASL-RM5","dichiarazione":true}`
}

func invLocations(ps []api.InvProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Part+":"+p.Location)
	}
	return out
}

// REQ INV-1 INV-2 INV-3 INV-4 INV-6 INV-8 AG-1 AG-2 CH-1 ID-5 PROT-3 DOC-1
// AUD-1: a patronato's software reads the applicant's context, saves an
// incomplete draft (every fault listed part by part), completes it and
// sends it with an Idempotency-Key: the application gets its protocol and
// Domus numbers, the channel intermediary, the operator and the
// intermediary's code, and the earliest visit of the ASL's agenda, all on
// the receipt; a retry replays the first answer; another is refused while
// this one is in progress; the list and the application show its state,
// visits and dated history; the date is changed once, and a second change
// is refused; every read and write is audited under the applicant.
func TestInvalidityAPI_Flow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newInvEnv(t, tg)
		base := invURL(luca)

		// The context (INV-2, INV-7).
		r := e.do(request{path: base, token: tokenOpRM})
		if r.status != http.StatusOK {
			t.Fatalf("context: %d %s", r.status, r.body)
		}
		var ap api.InvApplicant
		decode(t, r, &ap)
		if ap.Person.FiscalCode != luca || ap.Person.FamilyName != "Neri" || ap.Age == nil || *ap.Age != 51 || ap.Minor ||
			ap.ProposedFor != "residenza" || len(ap.Offices) != 2 || ap.Offices[0].Code != "RM01" || len(ap.ASLs) != 1 ||
			ap.ASLs[0].Code != "ASL-RM5" || ap.HasDraft || ap.InProgress != nil {
			t.Errorf("context %+v", ap)
		}

		// No draft yet.
		if p := checkProblem(t, e.do(request{path: base + "/draft", token: tokenOpRM}), http.StatusNotFound); !strings.Contains(p.Detail, "PUT /api/v1/inv/applicants/") {
			t.Errorf("no draft: %q", p.Detail)
		}

		// INV-3: an incomplete draft is saved, with every fault by part.
		r = e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM,
			body: `{"email":"luca.neri@esempio.it","richiesta":"primo","accertamenti":["handicap","invalidita"],"verbale":{"numero":"x"}}`})
		if r.status != http.StatusCreated {
			t.Fatalf("first draft: %d %s", r.status, r.body)
		}
		var dr api.InvDraft
		decode(t, r, &dr)
		want := []string{"documentazione:body.certificato", "uffici:body.ufficio", "uffici:body.asl", "riepilogo:body.dichiarazione"}
		if dr.Complete || !slices.Equal(invLocations(dr.Problems), want) ||
			dr.Problems[0].Message != "Il numero del certificato è di 11 cifre: si trova sulla ricevuta che il medico ha consegnato." ||
			!slices.Equal(dr.Content.Assessments, []string{"invalidita", "handicap"}) || dr.Content.Report != nil {
			t.Errorf("incomplete draft %+v; want problems %v, the assessments in order, no report for a first recognition", dr, want)
		}
		// The same draft on the web, resumed at the first part to fix.
		citizen := identity.Actor{UserID: 41, FiscalCode: luca, Role: identity.RoleCitizen, Channel: history.ChannelWeb}
		if d, ok, err := e.invs.LoadDraft(ctx, citizen); err != nil || !ok || d.Email != "luca.neri@esempio.it" || d.Reached != "documentazione" {
			t.Errorf("the citizen's draft = %+v, %v, %v", d, ok, err)
		}
		var again api.InvDraft
		decode(t, e.do(request{path: base + "/draft", token: tokenOpRM}), &again)
		if len(again.Problems) != len(want) || again.Content.Email != "luca.neri@esempio.it" {
			t.Errorf("resumed draft %+v", again)
		}

		// Complete: 200, nothing left.
		r = e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM, body: invContent(e.certLuca)})
		decode(t, r, &dr)
		if r.status != http.StatusOK || !dr.Complete || len(dr.Problems) != 0 {
			t.Fatalf("complete draft: %d %+v", r.status, dr)
		}

		// INVIA.
		first := e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "invia-luca-1"})
		if first.status != http.StatusCreated {
			t.Fatalf("INVIA: %d %s", first.status, first.body)
		}
		var sub api.InvSubmission
		decode(t, first, &sub)
		number := sub.Number
		appURL := base + "/applications/" + number
		visitAt := time.Date(2026, 3, 23, 9, 0, 0, 0, clock.Rome)
		if number != "20260000001" || sub.Domus != "D20260000001" || sub.State != "submitted" || !sub.SubmittedAt.Equal(now) ||
			sub.Applicant != luca || sub.Office.Code != "RM01" || sub.Office.Name != "Direzione provinciale di Roma" ||
			sub.Channel != history.ChannelIntermediary || sub.Intermediary != "PAT-RM-001" || sub.Operator == nil ||
			sub.Operator.Name != "Francesca Testa" || sub.Operator.Organisation != "PAT-RM-001" || sub.Request != "primo" ||
			!slices.Equal(sub.Assessments, []string{"invalidita", "handicap"}) || sub.Certificate != e.certLuca || sub.FastTrack ||
			sub.Documents.Receipt != appURL+"/documents/ricevuta" || sub.URL != appURL {
			t.Errorf("submission %+v", sub)
		}
		// AG-1: the earliest date at least 10 days ahead.
		if v := sub.Visit; v == nil || !v.StartsAt.Equal(visitAt) || v.Place != "Via Rocca di Papa 9, Roma" || v.Commission != "Commissione medica 1" ||
			v.Home || v.ASL.Code != "ASL-RM5" || v.ASL.Name != "ASL Roma 5" || v.Summons != 1 || v.State != "booked" {
			t.Errorf("visit %+v", sub.Visit)
		}
		if first.header.Get("Location") != appURL || first.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("headers %v", first.header)
		}

		// PROT-3: the retry replays the first answer.
		retry := e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "invia-luca-1"})
		if retry.status != http.StatusCreated || retry.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(retry.body, first.body) {
			t.Errorf("retry: %d %v %s", retry.status, retry.header, retry.body)
		}
		p := checkProblem(t, e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "invia-luca-1",
			body: invContent(e.certLuca)}), http.StatusConflict)
		wantErrors(t, p, "header.Idempotency-Key")
		// One application in progress at a time, whatever the key or body.
		for _, body := range []string{"", invContent(e.invCertificate(luca, "invalidita"))} {
			p = checkProblem(t, e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "invia-luca-2", body: body}),
				http.StatusConflict)
			if !strings.Contains(p.Detail, "È già in corso la domanda di invalidità civile n. "+number) {
				t.Errorf("a second application: %q", p.Detail)
			}
		}
		// The draft is gone, and none can be prepared meanwhile.
		checkProblem(t, e.do(request{path: base + "/draft", token: tokenOpRM}), http.StatusNotFound)
		if p := checkProblem(t, e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM, body: `{}`}), http.StatusConflict); !strings.Contains(p.Detail, number) {
			t.Errorf("draft while in progress: %q", p.Detail)
		}
		decode(t, e.do(request{path: base, token: tokenOpRM}), &ap)
		if ap.InProgress == nil || ap.InProgress.Number != number || ap.InProgress.Domus != "D20260000001" || ap.HasDraft {
			t.Errorf("in progress in the context: %+v", ap.InProgress)
		}

		// INV-6, DOC-1: the receipt.
		r = e.do(request{path: appURL + "/documents/ricevuta", token: tokenOpRM})
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) ||
			r.header.Get("Content-Disposition") != `inline; filename="ricevuta-`+number+`.pdf"` {
			t.Fatalf("receipt: %d %v", r.status, r.header)
		}
		if text := pdfText(t, r.body); text != "" {
			for _, w := range []string{number, "D20260000001", "PAT-RM-001", "23/03/2026", "Neri", "Handicap"} {
				if !strings.Contains(text, w) {
					t.Errorf("the receipt does not show %q:\n%s", w, text)
				}
			}
		}

		// INV-8: the list and the application.
		r = e.do(request{path: base + "/applications", token: tokenOpRM})
		var list struct {
			Items      []api.InvApplicationEntry `json:"items"`
			Page       int                       `json:"page"`
			PerPage    int                       `json:"per_page"`
			Total      int                       `json:"total"`
			TotalPages int                       `json:"total_pages"`
		}
		decode(t, r, &list)
		if r.status != http.StatusOK || list.Total != 1 || len(list.Items) != 1 || list.Items[0].Number != number ||
			list.Items[0].Domus != "D20260000001" || list.Items[0].State != "submitted" || list.Items[0].URL != appURL || r.header.Get("Link") == "" {
			t.Errorf("list: %d %+v", r.status, list)
		}
		var app api.InvApplication
		decode(t, e.do(request{path: appURL, token: tokenOpRM}), &app)
		if app.Number != number || app.Content.Email != "luca.neri@esempio.it" || !app.Content.Declared || app.Person.FiscalCode != luca ||
			!slices.Equal(app.Certified, []string{"invalidita", "handicap"}) || len(app.Visits) != 1 || app.Visit == nil ||
			len(app.History) != 2 || app.History[0].Kind != "submitted" || app.History[0].Channel != "intermediary" ||
			app.History[1].Kind != "visit_booked" || app.History[1].Details["luogo"] != "Via Rocca di Papa 9, Roma" ||
			app.History[1].Details["data"] != "2026-03-23T09:00:00+01:00" {
			t.Errorf("application %+v", app)
		}
		checkProblem(t, e.do(request{path: base + "/applications/20260000099", token: tokenOpRM}), http.StatusNotFound)

		// AG-2: the dates it can move to: the other two of the agenda.
		var opts api.InvVisitOptions
		decode(t, e.do(request{path: appURL + "/visit/options", token: tokenOpRM}), &opts)
		if !opts.Allowed || opts.Reason != "" || opts.Visit == nil || !opts.Visit.StartsAt.Equal(visitAt) || len(opts.Slots) != 2 ||
			opts.Slots[0].ID != e.slots[1].ID || opts.Slots[1].ID != e.slots[2].ID || !opts.Until.Equal(time.Date(2026, 3, 21, 0, 0, 0, 0, clock.Rome)) {
			t.Errorf("options %+v", opts)
		}
		move := func(key string, slot int64) response {
			return e.do(request{method: "POST", path: appURL + "/visit", token: tokenOpRM, key: key, body: fmt.Sprintf(`{"slot":%d}`, slot)})
		}
		// A date not offered.
		p = checkProblem(t, move("sposta-1", e.slots[0].ID), http.StatusUnprocessableEntity)
		if m, _ := p.location("body.slot"); m != "Scegliere una delle date proposte." {
			t.Errorf("a date not offered: %+v", p.Errors)
		}
		moved := move("sposta-1", e.slots[2].ID)
		var nv api.InvVisit
		decode(t, moved, &nv)
		if moved.status != http.StatusOK || !nv.StartsAt.Equal(time.Date(2026, 3, 30, 9, 0, 0, 0, clock.Rome)) || nv.State != "booked" {
			t.Fatalf("move: %d %s", moved.status, moved.body)
		}
		if again := move("sposta-1", e.slots[2].ID); again.status != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" ||
			!bytes.Equal(again.body, moved.body) {
			t.Errorf("the move's retry: %d %v %s", again.status, again.header, again.body)
		}
		// Once only.
		p = checkProblem(t, move("sposta-2", e.slots[1].ID), http.StatusConflict)
		if !strings.Contains(p.Detail, "già stata cambiata una volta") {
			t.Errorf("second move: %q", p.Detail)
		}
		decode(t, e.do(request{path: appURL + "/visit/options", token: tokenOpRM}), &opts)
		if opts.Allowed || !strings.Contains(opts.Reason, "già stata cambiata") || len(opts.Slots) != 0 {
			t.Errorf("options after the move %+v", opts)
		}
		decode(t, e.do(request{path: appURL, token: tokenOpRM}), &app)
		if len(app.Visits) != 2 || app.Visits[0].State != "moved" || app.Visits[1].State != "booked" || app.Visit == nil ||
			!app.Visit.StartsAt.Equal(nv.StartsAt) || app.History[len(app.History)-1].Kind != "visit_moved" ||
			app.History[len(app.History)-1].Channel != "intermediary" || app.History[len(app.History)-1].Details["a"] != "2026-03-30T09:00:00+02:00" {
			t.Errorf("after the move: %+v", app)
		}
		if text := pdfText(t, e.do(request{path: appURL + "/documents/ricevuta", token: tokenOpRM}).body); text != "" && !strings.Contains(text, "30/03/2026") {
			t.Errorf("the receipt does not show the new date:\n%s", text)
		}

		// CH-1, ID-5: what was registered.
		row, err := e.db.ApplicationByNumber(ctx, number)
		if err != nil || row.Kind != inv.Kind || row.Channel != history.ChannelIntermediary || row.Operator != opRM.ID() || row.Intermediary != "PAT-RM-001" {
			t.Errorf("registered %+v, %v", row, err)
		}
		if c, err := e.db.CertificateByNumber(ctx, e.certLuca); err != nil || c.LinkedTo != number {
			t.Errorf("certificate linked to %q, %v", c.LinkedTo, err)
		}
		// AUD-1: every read and write, under the applicant, naming the
		// operator, the citizen and the channel.
		trail, err := e.db.AuditTrail(ctx, "person:"+luca, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, en := range trail {
			if en.Actor == opRM.ID() && en.Action != "mandate.create" {
				seen[en.Action] = true
				if en.ActingFor != "citizen:"+luca || en.Channel != history.ChannelIntermediary {
					t.Errorf("audit entry %+v", en)
				}
			}
		}
		for _, a := range []string{"person.read", "application.draft.save", "application.submit", "application.read", "application.list",
			"application.visit.move"} {
			if !seen[a] {
				t.Errorf("no audit entry %q by the operator (%v)", a, seen)
			}
		}
	})
}

// REQ INV-5 INV-7: a revision and a disability request need no
// certificate but the previous report, and disability needs at least 46%
// on it; a request on a report drops any certificate number sent with it.
func TestInvalidityAPI_WithoutCertificate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newInvEnv(t, tg)
		send := func(cf, key, body string) response {
			return e.do(request{method: "POST", path: invURL(cf) + "/applications", token: tokenOpRM, key: key, body: body})
		}
		// Revision (piero): the report, no certificate.
		revision := `{"telefono":"06 1234567","richiesta":"revisione","accertamenti":["invalidita"],"certificato":"20260000001",` +
			`"verbale":{"data":"2024-05-20","numero":"VRB/2024/1234","organo":"Commissione medica ASL Roma 2"},"ufficio":"RM01","asl":"ASL-RM5","dichiarazione":true}`
		r := send(piero, "revisione", revision)
		if r.status != http.StatusCreated {
			t.Fatalf("revision: %d %s", r.status, r.body)
		}
		var sub api.InvSubmission
		decode(t, r, &sub)
		if sub.Request != "revisione" || sub.Certificate != "" || sub.Domus == "" || sub.Visit == nil {
			t.Errorf("revision %+v", sub)
		}
		var app api.InvApplication
		decode(t, e.do(request{path: sub.URL, token: tokenOpRM}), &app)
		if app.Content.Certificate != "" || app.Content.Report == nil || app.Content.Report.Number != "VRB/2024/1234" || len(app.Certified) != 0 {
			t.Errorf("revision as sent: %+v", app.Content)
		}
		// A report without its data.
		p := checkProblem(t, send(paola, "disabilita", `{"email":"p@esempio.it","richiesta":"revisione","accertamenti":["invalidita"],`+
			`"ufficio":"RM01","asl":"ASL-RM5","dichiarazione":true}`), http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.verbale.data", "body.verbale.numero", "body.verbale.organo")

		// Disability (paola, whose mandate covers every service): 46%.
		disability := func(percent int) string {
			return fmt.Sprintf(`{"email":"paola.greco@esempio.it","richiesta":"disabilita","accertamenti":["disabilita"],`+
				`"verbale":{"data":"2025-01-15","numero":"VRB/2025/7","organo":"Commissione medica ASL Roma 1","percento":%d},`+
				`"ufficio":"RM01","asl":"ASL-RM5","dichiarazione":true}`, percent)
		}
		p = checkProblem(t, send(paola, "disabilita", disability(45)), http.StatusUnprocessableEntity)
		if m, _ := p.location("body.verbale.percento"); len(p.Errors) != 1 || !strings.Contains(m, "almeno il 46%") || !strings.Contains(m, "45%") {
			t.Errorf("45%%: %+v", p.Errors)
		}
		// The same in a draft, which is saved anyway.
		r = e.do(request{method: "PUT", path: invURL(paola) + "/draft", token: tokenOpRM, body: disability(45)})
		var dr api.InvDraft
		decode(t, r, &dr)
		if r.status != http.StatusCreated || dr.Complete || !slices.Equal(invLocations(dr.Problems), []string{"documentazione:body.verbale.percento"}) {
			t.Errorf("45%% in a draft: %d %+v", r.status, dr)
		}
		// Disability asks disabilita alone.
		p = checkProblem(t, send(paola, "disabilita", strings.Replace(disability(46), `["disabilita"]`, `["disabilita","handicap"]`, 1)),
			http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.accertamenti")
		// 46% is enough; the key refused before still works.
		r = send(paola, "disabilita", disability(46))
		decode(t, r, &sub)
		if r.status != http.StatusCreated || sub.Request != "disabilita" || !slices.Equal(sub.Assessments, []string{"disabilita"}) || sub.Certificate != "" {
			t.Errorf("46%%: %d %+v", r.status, sub)
		}
		// INV-7: a girl of ten is a minor: her guardian applies, and
		// disability is for working ages.
		var ap api.InvApplicant
		decode(t, e.do(request{path: invURL(sara), token: tokenOpRM}), &ap)
		if !ap.Minor || ap.Age == nil || *ap.Age != 10 {
			t.Errorf("sara's context %+v", ap)
		}
		p = checkProblem(t, send(sara, "sara", strings.Replace(disability(80), "paola.greco", "sara", 1)), http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.con_tutore", "body.accertamenti")
		if m, _ := p.location("body.accertamenti"); !strings.Contains(m, "dai 15 ai 66 anni") {
			t.Errorf("disability for a minor: %q", m)
		}
	})
}

// REQ AG-1 INV-6 INV-8: when the ASL's agenda has no free date the
// application is sent all the same, its visit is null, its history says it
// waits for a date and the receipt that the summons will follow.
func TestInvalidityAPI_NoFreeDate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newInvEnv(t, tg)
		body := `{"email":"gianna.verdi@esempio.it","richiesta":"primo","accertamenti":["invalidita"],"certificato":"` +
			e.invCertificate(gianna, "invalidita") + `","ufficio":"MI01","asl":"ATS-MI","dichiarazione":true}`
		r := e.do(request{method: "POST", path: invURL(gianna) + "/applications", token: tokenOpTO, key: "gianna", body: body})
		if r.status != http.StatusCreated || !bytes.Contains(r.body, []byte(`"visit":null`)) {
			t.Fatalf("sending without a free date: %d %s", r.status, r.body)
		}
		var sub api.InvSubmission
		decode(t, r, &sub)
		if sub.Intermediary != "PAT-TO-001" || sub.Office.Code != "MI01" {
			t.Errorf("submission %+v", sub)
		}
		var app api.InvApplication
		decode(t, e.do(request{path: sub.URL, token: tokenOpTO}), &app)
		if app.Visit != nil || len(app.Visits) != 0 || len(app.History) != 2 || app.History[1].Kind != "visit_pending" {
			t.Errorf("application %+v", app)
		}
		var opts api.InvVisitOptions
		decode(t, e.do(request{path: sub.URL + "/visit/options", token: tokenOpTO}), &opts)
		if opts.Allowed || opts.Visit != nil || opts.Reason != "La domanda non ha una visita prenotata." {
			t.Errorf("options %+v", opts)
		}
		if text := pdfText(t, e.do(request{path: sub.Documents.Receipt, token: tokenOpTO}).body); text != "" &&
			!strings.Contains(text, "non ha ancora una data") {
			t.Errorf("the receipt does not say the summons will follow:\n%s", text)
		}
	})
}

// REQ INV-3 INV-4 CERT-9 PROT-3: a refused sending names every wrong
// member at once, in Italian, where the body holds it, nested members
// included; a certificate that does not exist, is another person's or does
// not cover the assessments asked is refused on its member; nothing is
// registered, so the key can be used again; with neither a draft nor a
// body there is nothing to send.
func TestInvalidityAPI_Refusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newInvEnv(t, tg)
		post := func(key, body string) response {
			return e.do(request{method: "POST", path: invURL(luca) + "/applications", token: tokenOpRM, key: key, body: body})
		}
		p := checkProblem(t, post("k1", ""), http.StatusConflict)
		if !strings.Contains(p.Detail, "Non c'è una bozza da inviare") {
			t.Errorf("nothing to send: %q", p.Detail)
		}
		p = checkProblem(t, post("k1", `{}`), http.StatusUnprocessableEntity)
		if got := locations(p); !slices.Equal(got, []string{"body.email", "body.richiesta", "body.ufficio", "body.asl", "body.dichiarazione"}) {
			t.Errorf("an empty application: %v", got)
		}
		if !strings.HasPrefix(p.Detail, "La domanda non può essere inviata") {
			t.Errorf("detail %q", p.Detail)
		}
		p = checkProblem(t, post("k1", `{"con_tutore":true,"tutore":{"codice_fiscale":"`+luca+`"},"domicilio":{"cap":"1"},"telefono":"abc",`+
			`"richiesta":"primo","accertamenti":["invalidita"],"certificato":"12","ufficio":"MI01","asl":"ATS-MI","dichiarazione":true}`),
			http.StatusUnprocessableEntity)
		want := []string{"body.tutore.codice_fiscale", "body.tutore.nome", "body.tutore.cognome", "body.tutore.qualita",
			"body.domicilio.indirizzo", "body.domicilio.cap", "body.domicilio.comune", "body.domicilio.provincia", "body.telefono",
			"body.certificato", "body.ufficio", "body.asl"}
		if got := locations(p); !slices.Equal(got, want) {
			t.Errorf("locations %v, want %v", got, want)
		}
		if m, _ := p.location("body.tutore.codice_fiscale"); m != "Il tutore è una persona diversa dal richiedente." {
			t.Errorf("the guardian is the applicant: %q", m)
		}
		// Right parts; the certificate is wrong.
		for _, tc := range []struct {
			name, cert, want string
		}{
			{"nobody sent it", "20269999999", "body.certificato"},
			{"another person's", e.invCertificate(paola, "invalidita"), "body.certificato"},
			{"a spa-treatment certificate", e.certAnna, "body.certificato"},
		} {
			p := checkProblem(t, post("k1", invContent(tc.cert)), http.StatusUnprocessableEntity)
			if got := locations(p); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s: %+v", tc.name, p.Errors)
			}
		}
		// A certificate that does not cover an assessment asked.
		p = checkProblem(t, post("k1", strings.Replace(invContent(e.certLuca), `"handicap"`, `"cecita"`, 1)), http.StatusUnprocessableEntity)
		if m, _ := p.location("body.accertamenti"); len(p.Errors) != 1 || !strings.Contains(m, "non riguarda: cecità civile") {
			t.Errorf("assessments not certified: %+v", p.Errors)
		}
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: luca}); total != 0 {
			t.Fatalf("refusals registered %d applications", total)
		}
		if r := post("k1", invContent(e.certLuca)); r.status != http.StatusCreated {
			t.Fatalf("after the corrections: %d %s", r.status, r.body)
		}
		// CERT-9: a certificate over 90 days old cannot be linked.
		old := e.invCertificate(paola, "invalidita")
		e.clock.Set(now.AddDate(0, 0, 92))
		body := strings.Replace(invContent(old), "luca.neri", "paola.greco", 1)
		body = strings.Replace(body, `["invalidita","handicap"]`, `["invalidita"]`, 1)
		p = checkProblem(t, e.do(request{method: "POST", path: invURL(paola) + "/applications", token: tokenOpRM, key: "k2", body: body}),
			http.StatusUnprocessableEntity)
		if m, _ := p.location("body.certificato"); len(p.Errors) != 1 || !strings.Contains(m, "90 giorni") {
			t.Errorf("an old certificate: %+v", p.Errors)
		}
	})
}

// REQ INV-3 PROT-3 PROT-1: six sendings of one application at once with
// different keys give one application and five refusals; with the same
// key, one application and the same answer six times.
func TestInvalidityAPI_ConcurrentSendings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newInvEnv(t, tg)
		race := func(cf, body string, key func(i int) string) []response {
			out := make([]response, 6)
			var wg sync.WaitGroup
			for i := range out {
				wg.Go(func() {
					out[i] = e.do(request{method: "POST", path: invURL(cf) + "/applications", token: tokenOpRM, key: key(i), body: body})
				})
			}
			wg.Wait()
			return out
		}
		created := 0
		for _, r := range race(luca, invContent(e.certLuca), func(i int) string { return fmt.Sprintf("luca-%d", i) }) {
			switch r.status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent sending: %d %s", r.status, r.body)
			}
		}
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: luca}); created != 1 || total != 1 {
			t.Errorf("%d sendings succeeded, %d applications registered; want 1 and 1", created, total)
		}
		body := `{"telefono":"06 1234567","richiesta":"revisione","accertamenti":["invalidita"],` +
			`"verbale":{"data":"2024-05-20","numero":"VRB/2024/1234","organo":"Commissione medica ASL Roma 2"},"ufficio":"RM01","asl":"ASL-RM5","dichiarazione":true}`
		numbers, replays := map[string]bool{}, 0
		for _, r := range race(piero, body, func(int) string { return "piero-once" }) {
			if r.status != http.StatusCreated {
				t.Fatalf("same key: %d %s", r.status, r.body)
			}
			var s api.InvSubmission
			decode(t, r, &s)
			numbers[s.Number+" "+s.Domus] = true
			if r.header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: piero}); len(numbers) != 1 || replays != 5 || total != 1 {
			t.Errorf("same key: numbers %v, %d replays, %d applications", numbers, replays, total)
		}
	})
}

// REQ AUD-2 ID-5 CH-1 AUD-1: civil invalidity needs a mandate that covers
// it (inv or all): a mandate for spa treatments only, no mandate, a mandate
// to another organisation or nobody at all get the same 404 on every
// operation, with nothing of the person, and the refusal is audited under
// the codice fiscale; through a mandate, another person's application is
// not found.
func TestInvalidityAPI_Mandates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newInvEnv(t, tg)
		r := e.do(request{method: "POST", path: invURL(luca) + "/applications", token: tokenOpRM, key: "luca", body: invContent(e.certLuca)})
		if r.status != http.StatusCreated {
			t.Fatalf("luca's application: %d %s", r.status, r.body)
		}
		const number = "20260000001"
		operations := func(cf string) []request {
			base := invURL(cf)
			app := base + "/applications/" + number
			return []request{{path: base}, {path: base + "/draft"}, {method: "PUT", path: base + "/draft", body: `{"email":"x@esempio.it"}`},
				{method: "POST", path: base + "/applications", key: "k-" + cf, body: invContent(e.certLuca)},
				{path: base + "/applications"}, {path: app}, {path: app + "/documents/ricevuta"}, {path: app + "/visit/options"},
				{method: "POST", path: app + "/visit", key: "v-" + cf, body: fmt.Sprintf(`{"slot":%d}`, e.slots[2].ID)}}
		}
		denied := func(who, token, cf string) {
			t.Helper()
			for _, rq := range operations(cf) {
				rq.token = token
				r := e.do(rq)
				p := checkProblem(t, r, http.StatusNotFound)
				if !strings.HasPrefix(p.Detail, "Nessun assistito con questo codice fiscale") {
					t.Errorf("%s, %s %s: detail %q", who, rq.method, rq.path, p.Detail)
				}
				for _, mark := range []string{"Rossi", "Verdi", "Bianconi", "Neri", "Via ", number} {
					if bytes.Contains(r.body, []byte(mark)) {
						t.Errorf("%s, %s %s: the answer shows %q: %s", who, rq.method, rq.path, mark, r.body)
					}
				}
			}
		}
		denied("a mandate for spa treatments only", tokenOpRM, anna)
		denied("no mandate", tokenOpRM, mario.FiscalCode)
		denied("nobody", tokenOpRM, ghost)
		denied("a mandate to another organisation", tokenOpRM, gianna)
		denied("another organisation's operator", tokenOpTO, luca)
		// The spa treatments still work for anna.
		if r := e.do(request{path: applicantURL(anna), token: tokenOpRM}); r.status != http.StatusOK {
			t.Errorf("anna's spa-treatment context: %d %s", r.status, r.body)
		}
		// Nothing was stored for anna, and the refusals are in her access log.
		if _, err := e.db.FindDraft(ctx, "person:"+anna, "inv"); err == nil {
			t.Error("a draft was saved without a mandate for civil invalidity")
		}
		trail, err := e.db.AuditTrail(ctx, "person:"+anna, 1000)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, en := range trail {
			if en.Action == "act_for.denied" && en.Actor == opRM.ID() && strings.Contains(en.Detail, `"service":"inv"`) {
				refused++
			}
		}
		if refused != len(operations(anna)) {
			t.Errorf("%d refusals audited, want %d", refused, len(operations(anna)))
		}
		// Through paola's mandate (every service), luca's application is
		// not found.
		for _, path := range []string{"", "/documents/ricevuta", "/visit/options"} {
			checkProblem(t, e.do(request{path: invURL(paola) + "/applications/" + number + path, token: tokenOpRM}), http.StatusNotFound)
		}
		checkProblem(t, e.do(request{method: "POST", path: invURL(paola) + "/applications/" + number + "/visit", token: tokenOpRM, key: "x",
			body: fmt.Sprintf(`{"slot":%d}`, e.slots[2].ID)}), http.StatusNotFound)
		// A spa-treatment application is not a civil-invalidity one.
		if r := e.do(request{method: "POST", path: applicantURL(paola) + "/applications", token: tokenOpRM, key: "cbt", body: fullContent(e.certPaola)}); r.status != http.StatusCreated {
			t.Fatalf("paola's spa treatments: %d %s", r.status, r.body)
		}
		checkProblem(t, e.do(request{path: invURL(paola) + "/applications/20260000002", token: tokenOpRM}), http.StatusNotFound)
		r = e.do(request{path: invURL(paola) + "/applications", token: tokenOpRM})
		if r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"total":0`)) {
			t.Errorf("paola's civil-invalidity list: %d %s", r.status, r.body)
		}
	})
}

// REQ AUD-2 CH-3 ID-4: only an intermediary operator's personal token,
// with the scope of the operation (applications:read, applications:write),
// may call these operations.
func TestInvalidityAPI_RolesAndScopes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newInvEnv(t, tg)
		base := invURL(luca)
		for _, tc := range []struct {
			who, token string
			rq         request
			status     int
			detail     string
		}{
			{"no token", "", request{path: base}, http.StatusUnauthorized, "Autenticarsi"},
			{"a citizen", tokenCitizen, request{path: base}, http.StatusForbidden, `"citizen"`},
			{"a doctor", tokenLaura, request{path: base + "/applications"}, http.StatusForbidden, `"doctor"`},
			{"an office's software", tokenOffice, request{path: base}, http.StatusForbidden, `"office"`},
			{"a patronato's software without an operator", tokenSoftwareIntermediary, request{path: base}, http.StatusForbidden,
				"token personale di un operatore di patronato"},
			{"certificate scopes", tokenOpRMCerts, request{path: base}, http.StatusForbidden, "applications:read"},
			{"read only, writing", tokenOpRMRead, request{method: "PUT", path: base + "/draft", body: `{}`}, http.StatusForbidden, "applications:write"},
			{"read only, sending", tokenOpRMRead, request{method: "POST", path: base + "/applications", key: "k"}, http.StatusForbidden, "applications:write"},
			{"read only, moving", tokenOpRMRead, request{method: "POST", path: base + "/applications/20260000001/visit", key: "k", body: `{"slot":1}`},
				http.StatusForbidden, "applications:write"},
		} {
			tc.rq.token = tc.token
			p := checkProblem(t, e.do(tc.rq), tc.status)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("%s: detail %q, want it to contain %q", tc.who, p.Detail, tc.detail)
			}
		}
		if r := e.do(request{path: base, token: tokenOpRMRead}); r.status != http.StatusOK {
			t.Errorf("read only, reading: %d %s", r.status, r.body)
		}
		if _, total, _ := e.db.FindApplications(context.Background(), store.ApplicationFilter{Applicant: luca}); total != 0 {
			t.Errorf("%d applications registered", total)
		}
	})
}

// REQ INV-3 AUD-2: bad input is a 4xx naming where it is, in Italian, never
// a 500: a malformed codice fiscale, unknown members and parameters, values
// outside the lists, a malformed date, a percentage over 100, a body that
// is not JSON or too large, a missing Idempotency-Key, a bad number,
// document or slot.
func TestInvalidityAPI_BadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newInvEnv(t, tg)
		base := invURL(luca)
		app := base + "/applications/20260000001"
		for _, tc := range []struct {
			name   string
			rq     request
			status int
			loc    string
			msg    string
		}{
			{"short codice fiscale", request{path: invURL("NRELCU75C10H501")}, 422, "path.codice_fiscale", "Codice fiscale non valido: deve avere 16 caratteri"},
			{"letters where digits go", request{path: invURL("NRELCUXXC10H501A") + "/applications"}, 422, "path.codice_fiscale", "Codice fiscale non valido"},
			{"unknown member", request{method: "PUT", path: base + "/draft", body: `{"email":"a@esempio.it","pippo":1}`}, 422, "body.pippo", "Campo non previsto."},
			{"unknown nested member", request{method: "PUT", path: base + "/draft", body: `{"verbale":{"pagina":3}}`}, 422, "body.verbale.pagina", "Campo non previsto."},
			{"unknown request", request{method: "PUT", path: base + "/draft", body: `{"richiesta":"altro"}`}, 422, "body.richiesta", "Valore non ammesso"},
			{"unknown assessment", request{method: "PUT", path: base + "/draft", body: `{"accertamenti":["invalidita","vista"]}`}, 422, "body.accertamenti[1]", "Valore non ammesso"},
			{"too many assessments", request{method: "PUT", path: base + "/draft", body: `{"accertamenti":["invalidita","cecita","sordita","handicap","disabilita","invalidita"]}`}, 422, "body.accertamenti", ""},
			{"unknown relation", request{method: "PUT", path: base + "/draft", body: `{"con_tutore":true,"tutore":{"qualita":"zio"}}`}, 422, "body.tutore.qualita", "Valore non ammesso"},
			{"a date in the web's format", request{method: "PUT", path: base + "/draft", body: `{"verbale":{"data":"20/05/2024"}}`}, 422, "body.verbale.data", "AAAA-MM-GG"},
			{"over 100%", request{method: "PUT", path: base + "/draft", body: `{"verbale":{"percento":150}}`}, 422, "body.verbale.percento", "Non può superare 100."},
			{"a number for a text", request{method: "PUT", path: base + "/draft", body: `{"telefono":3331234567}`}, 422, "body.telefono", "Deve essere un testo."},
			{"not JSON", request{method: "PUT", path: base + "/draft", body: `{"email":`}, 400, "", ""},
			{"too large", request{method: "PUT", path: base + "/draft", body: `{"email":"` + strings.Repeat("x", 20<<10) + `"}`}, 413, "", ""},
			{"no Idempotency-Key", request{method: "POST", path: base + "/applications"}, 422, "header.Idempotency-Key", "Parametro obbligatorio."},
			{"bad number", request{path: base + "/applications/123"}, 422, "path.number", "Formato non valido."},
			{"unknown document", request{path: app + "/documents/domanda"}, 422, "path.doc", "Valore non ammesso"},
			{"page too large", request{path: base + "/applications?per_page=1000"}, 422, "query.per_page", "Non può superare 100."},
			{"unknown parameter", request{path: base + "/applications?stato=submitted"}, 422, "query.stato", "Parametro non previsto."},
			{"a slot that is not a number", request{method: "POST", path: app + "/visit", key: "k", body: `{"slot":"domani"}`}, 422, "body.slot", "Deve essere un numero intero."},
			{"slot 0", request{method: "POST", path: app + "/visit", key: "k", body: `{"slot":0}`}, 422, "body.slot", "Deve essere almeno 1."},
			{"no slot", request{method: "POST", path: app + "/visit", key: "k", body: `{}`}, 422, "body.slot", "Campo obbligatorio."},
			{"no body", request{method: "POST", path: app + "/visit", key: "k"}, 400, "", ""},
			{"a move without Idempotency-Key", request{method: "POST", path: app + "/visit", body: `{"slot":1}`}, 422, "header.Idempotency-Key", "Parametro obbligatorio."},
			{"a move of no application", request{method: "POST", path: app + "/visit", key: "k", body: `{"slot":1}`}, 404, "", ""},
		} {
			tc.rq.token = tokenOpRM
			p := checkProblem(t, e.do(tc.rq), tc.status)
			if tc.loc == "" {
				continue
			}
			m, ok := p.location(tc.loc)
			if !ok || !strings.Contains(m, tc.msg) {
				t.Errorf("%s: errors %+v; want %s with %q", tc.name, p.Errors, tc.loc, tc.msg)
			}
		}
		// Nothing of the refused drafts was saved.
		if r := e.do(request{path: base + "/draft", token: tokenOpRM}); r.status != http.StatusNotFound {
			t.Errorf("a refused draft was saved: %d %s", r.status, r.body)
		}
		if strings.Contains(e.logs.String(), "internal error") {
			t.Errorf("bad input logged an internal error:\n%s", e.logs.String())
		}
	})
}

// The wire types of civil invalidity keep the member names of the form:
// what the service's draft calls them.
func TestInvalidityAPI_ContentNames(t *testing.T) {
	var draftJSON, contentJSON map[string]any
	d := inv.Draft{HasGuardian: true, Guardian: &inv.Guardian{FiscalCode: "a", GivenName: "b", FamilyName: "c", Relation: "d"},
		Domicile: &inv.Address{Street: "e", Postcode: "f", Comune: "g", Province: "h"}, Email: "i", Phone: "j", Request: "k",
		Assessments: []string{"l"}, Certificate: "m", Report: &inv.Report{Date: "n", Number: "o", Body: "p", Percent: 1}, Office: "q",
		ASL: "r", Declared: true}
	b, _ := json.Marshal(d)
	json.Unmarshal(b, &draftJSON)
	c := api.InvApplicationContent{HasGuardian: true, Guardian: &api.InvGuardian{FiscalCode: "a", GivenName: "b", FamilyName: "c", Relation: "d"},
		Domicile: &api.Domicile{Street: "e", Postcode: "f", Comune: "g", Province: "h"}, Email: "i", Phone: "j", Request: "k",
		Assessments: []string{"l"}, Certificate: "m", Report: &api.InvReport{Date: "n", Number: "o", Body: "p", Percent: 1}, Office: "q",
		ASL: "r", Declared: true}
	b, _ = json.Marshal(c)
	json.Unmarshal(b, &contentJSON)
	if fmt.Sprint(draftJSON) != fmt.Sprint(contentJSON) {
		t.Errorf("the service's draft %v and the API's content %v differ", draftJSON, contentJSON)
	}
}

// The document lists exactly the codes of the service (the enums are
// literals in struct tags, so a new code must be added there too), and
// the visit of a sent application is an object or null.
func TestInvalidityAPI_Document(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		type property struct {
			Enum  []string                `json:"enum"`
			Items struct{ Enum []string } `json:"items"`
			AnyOf []map[string]string     `json:"anyOf"`
		}
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]property `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(e.do(request{path: "/api/openapi.json"}).body, &doc); err != nil {
			t.Fatal(err)
		}
		s := doc.Components.Schemas
		for _, c := range []struct {
			schema, prop string
			got, want    []string
		}{
			{"InvApplicationContent", "richiesta", s["InvApplicationContent"].Properties["richiesta"].Enum, inv.Requests},
			{"InvApplicationContent", "accertamenti", s["InvApplicationContent"].Properties["accertamenti"].Items.Enum, inv.Assessments},
			{"InvGuardian", "qualita", s["InvGuardian"].Properties["qualita"].Enum, inv.Relations},
			{"InvProblem", "part", s["InvProblem"].Properties["part"].Enum, inv.Parts},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s.%s: enum %v, want %v", c.schema, c.prop, c.got, c.want)
			}
		}
		for _, name := range []string{"InvSubmission", "InvApplication"} {
			any := s[name].Properties["visit"].AnyOf
			if len(any) != 2 || any[0]["$ref"] != "#/components/schemas/InvVisit" || any[1]["type"] != "null" {
				t.Errorf("%s.visit: %v", name, any)
			}
		}
	})
}
