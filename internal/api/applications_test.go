package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// The applicants of the application tests, and the operators of two
// patronati with their personal tokens.
var (
	anna  = cf("BNCNNA72C54H501") // Roma, entitled: a mandate to PAT-RM-001 for spa treatments
	paola = cf("GRCPLA70A41H501") // Roma: a mandate to PAT-RM-001 for every service
	luca  = cf("NRELCU75C10H501") // Roma: a mandate to PAT-RM-001 for civil invalidity only
	ghost = cf("ZZZPRV80A01H501") // nobody: not in the registry

	opRM = identity.Actor{UserID: 31, FiscalCode: cf("TSTFNC77A70H501"), Name: "Francesca Testa", Role: identity.RoleIntermediary,
		Scope: "PAT-RM-001", Channel: history.ChannelAPI}
	opTO = identity.Actor{UserID: 32, FiscalCode: "MRNGPP65M10L219B", Name: "Giuseppe Marino", Role: identity.RoleIntermediary,
		Scope: "PAT-TO-001", Channel: history.ChannelAPI}
)

const (
	tokenOpRM      = "spt_testa_applications_0123456789abcdef"
	tokenOpRMRead  = "spt_testa_applications_read_0123456789a"
	tokenOpRMCerts = "spt_testa_certificates_only_0123456789a"
	tokenOpTO      = "spt_marino_applications_0123456789abcde"
)

// allPeople are the personal tokens of every test: the doctors' and
// citizens' of the certificate tests and the operators'.
func allPeople() map[string]api.Principal {
	out := maps.Clone(people)
	out[tokenOpRM] = person(opRM, "applications:read", "applications:write")
	out[tokenOpRMRead] = person(opRM, "applications:read")
	out[tokenOpRMCerts] = person(opRM, "certificates:read", "certificates:write")
	out[tokenOpTO] = person(opTO, "applications:read", "applications:write")
	return out
}

// cbtEnv is the API with applicants in the registry, their mandates and a
// spa-treatment certificate for anna and paola.
type cbtEnv struct {
	*env
	certAnna, certPaola string
	mandateAnna         int64
}

func newCBTEnv(t *testing.T, tg storetest.Target) *cbtEnv {
	t.Helper()
	ctx := context.Background()
	e := &cbtEnv{env: newCertEnv(t, tg)}
	roman := func(code, given, family, born string) identity.Person {
		return identity.Person{FiscalCode: code, GivenName: given, FamilyName: family, BirthDate: born, BirthPlace: "Roma", Sex: "F",
			Address: "Via Prenestina 210", Postcode: "00176", Municipality: "Roma", Province: "RM"}
	}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range []identity.Person{roman(anna, "Anna", "Bianconi", "1972-03-14"), roman(paola, "Paola", "Greco", "1970-01-01"),
			roman(luca, "Luca", "Neri", "1975-03-10")} {
			if err := tx.UpsertPerson(ctx, p); err != nil {
				return err
			}
			if err := tx.UpsertContributions(ctx, []registry.Contribution{{FiscalCode: p.FiscalCode, Fund: "employee", Kind: "compulsory",
				From: "1996-01-01", To: "2025-12-31", Weeks: 52 * 30}}); err != nil {
				return err
			}
			if err := tx.UpsertEmployments(ctx, []registry.Employment{{FiscalCode: p.FiscalCode, EmployerType: "private",
				Activity: "impiegata", Qualification: "impiegata amministrativa", From: "1996-01-01"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mandate := func(op identity.Actor, citizen, scope, end string) int64 {
		t.Helper()
		id, err := e.accounts.RecordMandate(ctx, op, account.NewMandate{Citizen: citizen, Scope: scope, StartDate: "01/01/2026",
			EndDate: end, Document: "Mandato n. 7/2026"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	e.mandateAnna = mandate(opRM, anna, "cbt", "31/12/2027")
	mandate(opRM, paola, "all", "31/12/2027")
	mandate(opRM, luca, "inv", "31/12/2027")
	mandate(opTO, gianna, "all", "31/12/2027")
	if _, err := e.certs.SaveProfile(ctx, laura, doctor.Profile{Relationship: doctor.Affiliated, Body: "ASL Roma 2",
		RegisterProv: "RM", RegisterNo: "1"}); err != nil {
		t.Fatal(err)
	}
	e.certAnna, e.certPaola = e.spaCertificate(anna), e.spaCertificate(paola)
	return e
}

// spaCertificate has the doctor send a spa-treatment certificate for
// patient and returns its number.
func (e *cbtEnv) spaCertificate(patient string) string {
	e.t.Helper()
	s, err := e.certs.Send(context.Background(), laura, certificate.Draft{Kind: certificate.KindSpa, Patient: patient,
		Spa: &certificate.Spa{Pathology: refdata.Rheumatic, Cure: "fango-bagno", NoContraindications: true,
			Diagnoses: []certificate.Diagnosis{{Text: "Artrosi", Code: "715.0"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Number
}

func applicantURL(cf string) string { return "/api/v1/cbt/applicants/" + cf }

// fullContent is a complete application for a person living in Roma.
func fullContent(cert string) string {
	return `{"email":"anna.bianconi@esempio.it","cellulare":"+39 333 1234567","ufficio":"RM01","patologia":"reumoartropatica",` +
		`"cura":"fango-bagno","certificato":"` + cert + `","asl":"ASL-RM5"}`
}

func locations(p problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

func problemLocations(ps []api.CBTProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Location)
	}
	return out
}

// pdfText is the text of a PDF, or "" (and a log line) without pdftotext.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found and CI=true makes it mandatory (apt-get install -y poppler-utils)")
		}
		t.Log("pdftotext not found: the PDF's text is not checked")
		return ""
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// REQ CBT-2 CBT-4 CBT-5 CBT-8 CBT-11 CBT-12 CBT-13 CH-1 ID-5 PROT-3 DOC-1
// AUD-1: a patronato's software reads the applicant's context, saves an
// incomplete draft (problems listed screen by screen), completes it, reads
// the requirements and confirms with an Idempotency-Key: the application
// gets its protocol number with the channel intermediary, the operator and
// the intermediary's code, printed on the receipt; a retry replays the
// first answer; a second one in the year is refused; the list and the
// application show it; every read and write is audited under the
// applicant, naming the operator and the channel.
func TestApplicationsAPI_Flow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newCBTEnv(t, tg)
		base := applicantURL(anna)

		// CBT-2, CBT-4, CBT-5, CBT-8: the context.
		r := e.do(request{path: base, token: tokenOpRM})
		if r.status != http.StatusOK {
			t.Fatalf("context: %d %s", r.status, r.body)
		}
		var ap api.CBTApplicant
		decode(t, r, &ap)
		if ap.Person.FiscalCode != anna || ap.Person.FamilyName != "Bianconi" || ap.Year != 2026 || !ap.Open || ap.ProposedFor != "residenza" ||
			len(ap.Offices) != 2 || ap.Offices[0].Code != "RM01" || len(ap.ASLs) != 1 || ap.ASLs[0].Code != "ASL-RM5" ||
			ap.Activity != "impiegata" || ap.PreviousGrants != 0 || ap.ThisYear != nil {
			t.Errorf("context %+v", ap)
		}

		// No draft yet.
		if p := checkProblem(t, e.do(request{path: base + "/draft", token: tokenOpRM}), http.StatusNotFound); !strings.Contains(p.Detail, "PUT /api/v1/cbt/applicants/") {
			t.Errorf("no draft: %q", p.Detail)
		}

		// CBT-11: an incomplete draft is saved, with what is left to fix.
		r = e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM,
			body: `{"email":"anna.bianconi@esempio.it","domicilio":{"indirizzo":"Via Tiburtina 5","cap":"123","comune":"Roma","provincia":"rm"}}`})
		if r.status != http.StatusCreated {
			t.Fatalf("first draft: %d %s", r.status, r.body)
		}
		var dr api.CBTDraft
		decode(t, r, &dr)
		want := []string{"body.domicilio.cap", "body.ufficio", "body.patologia", "body.certificato", "body.asl"}
		if dr.Complete || dr.Year != 2026 || !slices.Equal(problemLocations(dr.Problems), want) ||
			dr.Problems[0].Screen != "domicilio" || dr.Problems[1].Message != "Scegliere l'ufficio competente tra quelli proposti." ||
			dr.Content.Domicile == nil || dr.Content.Domicile.Province != "RM" {
			t.Errorf("incomplete draft %+v; want problems at %v", dr, want)
		}
		// The same draft, resumed.
		r = e.do(request{path: base + "/draft", token: tokenOpRM})
		var again api.CBTDraft
		decode(t, r, &again)
		if r.status != http.StatusOK || again.Content.Email != "anna.bianconi@esempio.it" || len(again.Problems) != len(want) {
			t.Errorf("resumed draft: %d %+v", r.status, again)
		}
		// The domicile decides the offices proposed (CBT-4).
		decode(t, e.do(request{path: base, token: tokenOpRM}), &ap)
		if ap.ProposedFor != "domicilio" {
			t.Errorf("offices proposed for %q", ap.ProposedFor)
		}

		// Completed: 200, nothing left to fix.
		r = e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM, body: fullContent(e.certAnna)})
		decode(t, r, &dr)
		if r.status != http.StatusOK || !dr.Complete || len(dr.Problems) != 0 || dr.Content.Certificate != e.certAnna {
			t.Fatalf("complete draft: %d %+v", r.status, dr)
		}
		// It is the citizen's draft on the web too (CBT-11), resumed on the
		// summary.
		citizen := identity.Actor{UserID: 40, FiscalCode: anna, Role: identity.RoleCitizen, Channel: history.ChannelWeb}
		if d, ok, err := e.apps.LoadDraft(ctx, citizen); err != nil || !ok || d.Office != "RM01" || d.Reached != "riepilogo" {
			t.Errorf("the citizen's draft = %+v, %v, %v", d, ok, err)
		}

		// CBT-8: the requirements.
		r = e.do(request{path: base + "/requirements", token: tokenOpRM})
		var req api.CBTRequirements
		decode(t, r, &req)
		if r.status != http.StatusOK || req.Overall != "entitled" || req.Year != 2026 || len(req.Outcomes) < 10 ||
			req.Activity != "impiegata" || req.Qualification != "impiegata amministrativa" {
			t.Errorf("requirements: %d %+v", r.status, req)
		}

		// CBT-12: CONFERMA.
		first := e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "conferma-anna-1"})
		if first.status != http.StatusCreated {
			t.Fatalf("CONFERMA: %d %s", first.status, first.body)
		}
		var sub api.CBTSubmission
		decode(t, first, &sub)
		number := sub.Number
		appURL := base + "/applications/" + number
		if number != "20260000001" || sub.State != "submitted" || sub.Channel != history.ChannelIntermediary ||
			sub.Intermediary != "PAT-RM-001" || sub.Operator == nil || sub.Operator.Role != "intermediary" ||
			sub.Operator.Name != "Francesca Testa" || sub.Operator.Organisation != "PAT-RM-001" || sub.Flagged ||
			sub.Office.Code != "RM01" || sub.Office.Name != "Direzione provinciale di Roma" || sub.Applicant != anna ||
			sub.Certificate != e.certAnna || sub.Year != 2026 || !sub.SubmittedAt.Equal(now) ||
			sub.Requirements.Overall != "entitled" || sub.Requirements.Summary == "" || len(sub.Requirements.Shortfalls) != 0 ||
			sub.Documents.Receipt != appURL+"/documents/ricevuta" || sub.Documents.Form != appURL+"/documents/domanda" || sub.URL != appURL {
			t.Errorf("submission %+v", sub)
		}
		if first.header.Get("Location") != appURL || first.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("headers %v", first.header)
		}
		if _, off := sub.SubmittedAt.Zone(); off != 3600 {
			t.Errorf("submitted_at %v is not in Rome", sub.SubmittedAt)
		}

		// PROT-3: the retry replays the first answer.
		retry := e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "conferma-anna-1"})
		if retry.status != http.StatusCreated || retry.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(retry.body, first.body) ||
			retry.header.Get("Location") != appURL {
			t.Errorf("retry: %d %v %s", retry.status, retry.header, retry.body)
		}
		// The same key for another request is a conflict.
		p := checkProblem(t, e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "conferma-anna-1",
			body: fullContent(e.certAnna)}), http.StatusConflict)
		wantErrors(t, p, "header.Idempotency-Key")
		// RULE-9: another key meets the application of the year.
		p = checkProblem(t, e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "conferma-anna-2"}), http.StatusConflict)
		if !strings.Contains(p.Detail, number) || !strings.Contains(p.Detail, "una all'anno") {
			t.Errorf("second application: %q", p.Detail)
		}
		p = checkProblem(t, e.do(request{method: "POST", path: base + "/applications", token: tokenOpRM, key: "conferma-anna-3",
			body: fullContent(e.spaCertificate(anna))}), http.StatusConflict)
		if !strings.Contains(p.Detail, number) {
			t.Errorf("second application with a body: %q", p.Detail)
		}
		// CBT-13: the draft is gone and the application cannot change.
		checkProblem(t, e.do(request{path: base + "/draft", token: tokenOpRM}), http.StatusNotFound)
		if p := checkProblem(t, e.do(request{method: "PUT", path: base + "/draft", token: tokenOpRM, body: `{}`}), http.StatusConflict); !strings.Contains(p.Detail, number) {
			t.Errorf("draft after CONFERMA: %q", p.Detail)
		}
		decode(t, e.do(request{path: base, token: tokenOpRM}), &ap)
		if ap.ThisYear == nil || ap.ThisYear.Number != number {
			t.Errorf("the year's application in the context: %+v", ap.ThisYear)
		}

		// DOC-1: the receipt and the pre-filled application.
		for _, doc := range []string{"ricevuta", "domanda"} {
			r := e.do(request{path: appURL + "/documents/" + doc, token: tokenOpRM})
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) ||
				r.header.Get("Content-Disposition") != fmt.Sprintf(`inline; filename="%s-%s.pdf"`, doc, number) {
				t.Fatalf("%s: %d %v", doc, r.status, r.header)
			}
			if text := pdfText(t, r.body); text != "" {
				for _, w := range []string{number, "PAT-RM-001", "Bianconi"} {
					if !strings.Contains(text, w) {
						t.Errorf("the %s does not show %q:\n%s", doc, w, text)
					}
				}
			}
		}

		// CBT-1: the list, and the application (ST-1).
		r = e.do(request{path: base + "/applications", token: tokenOpRM})
		var list struct {
			Items      []api.CBTApplicationEntry `json:"items"`
			Page       int                       `json:"page"`
			PerPage    int                       `json:"per_page"`
			Total      int                       `json:"total"`
			TotalPages int                       `json:"total_pages"`
		}
		decode(t, r, &list)
		if r.status != http.StatusOK || list.Total != 1 || len(list.Items) != 1 || list.Items[0].Number != number ||
			list.Items[0].Channel != "intermediary" || list.Items[0].URL != appURL || list.Items[0].Office.Code != "RM01" || r.header.Get("Link") == "" {
			t.Errorf("list: %d %+v", r.status, list)
		}
		r = e.do(request{path: appURL, token: tokenOpRM})
		var app api.CBTApplication
		decode(t, r, &app)
		if r.status != http.StatusOK || app.Number != number || app.Content.Email != "anna.bianconi@esempio.it" || app.Content.Certificate != e.certAnna ||
			app.Person.FiscalCode != anna || app.Activity != "impiegata" || len(app.History) != 1 || app.History[0].Kind != "submitted" ||
			app.History[0].Channel != "intermediary" || app.Intermediary != "PAT-RM-001" || app.Operator == nil || app.Requirements.Overall != "entitled" {
			t.Errorf("application: %d %+v", r.status, app)
		}
		checkProblem(t, e.do(request{path: base + "/applications/20260000099", token: tokenOpRM}), http.StatusNotFound)

		// CH-1, ID-5: what was registered.
		row, err := e.db.ApplicationByNumber(ctx, number)
		if err != nil || row.Channel != history.ChannelIntermediary || row.Operator != opRM.ID() || row.Intermediary != "PAT-RM-001" {
			t.Errorf("registered %+v, %v", row, err)
		}
		if c, err := e.db.CertificateByNumber(ctx, e.certAnna); err != nil || c.LinkedTo != number {
			t.Errorf("certificate linked to %q, %v", c.LinkedTo, err)
		}
		// AUD-1: every read and write, under the applicant, naming the
		// operator, the citizen and the channel.
		trail, err := e.db.AuditTrail(ctx, "person:"+anna, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, en := range trail {
			if en.Actor == opRM.ID() && en.Action != "mandate.create" {
				seen[en.Action] = true
				if en.ActingFor != "citizen:"+anna || en.Channel != history.ChannelIntermediary {
					t.Errorf("audit entry %+v", en)
				}
			}
		}
		for _, a := range []string{"person.read", "application.draft.save", "application.submit", "application.read", "application.list"} {
			if !seen[a] {
				t.Errorf("no audit entry %q by the operator (%v)", a, seen)
			}
		}
	})
}

// REQ CBT-3 CBT-4 CBT-6 CBT-7 CBT-12 CBT-15 PROT-3: a refused CONFERMA
// names every wrong member at once, in Italian, where the body holds it;
// a certificate that does not exist is refused on its member; nothing is
// registered, so the key can be used again once the data are right; with
// neither a draft nor a body there is nothing to confirm.
func TestApplicationsAPI_Refusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newCBTEnv(t, tg)
		post := func(key, body string) response {
			return e.do(request{method: "POST", path: applicantURL(anna) + "/applications", token: tokenOpRM, key: key, body: body})
		}
		p := checkProblem(t, post("k1", ""), http.StatusConflict)
		if !strings.Contains(p.Detail, "Non c'è una bozza da confermare") {
			t.Errorf("nothing to confirm: %q", p.Detail)
		}
		p = checkProblem(t, post("k1", `{"telefono":"abc","domicilio":{"cap":"1"},"patologia":"reumoartropatica","cura":"inalazioni","certificato":"123"}`),
			http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.domicilio.indirizzo", "body.domicilio.cap", "body.domicilio.comune", "body.domicilio.provincia",
			"body.telefono", "body.ufficio", "body.cura", "body.certificato", "body.asl")
		if m, _ := p.location("body.cura"); m != "La cura scelta non è tra quelle del gruppo di patologie indicato." {
			t.Errorf("body.cura: %q", m)
		}
		if !strings.HasPrefix(p.Detail, "La domanda non può essere confermata") {
			t.Errorf("detail %q", p.Detail)
		}
		// Right screens, a certificate nobody sent.
		p = checkProblem(t, post("k1", fullContent("20269999999")), http.StatusUnprocessableEntity)
		if got := locations(p); len(got) != 1 || got[0] != "body.certificato" {
			t.Errorf("unknown certificate: %+v", p.Errors)
		}
		// Another person's certificate (CBT-15).
		p = checkProblem(t, post("k1", fullContent(e.certPaola)), http.StatusUnprocessableEntity)
		if got := locations(p); len(got) != 1 || got[0] != "body.certificato" {
			t.Errorf("another person's certificate: %+v", p.Errors)
		}
		// An office or an ASL that the address does not propose.
		body := strings.Replace(strings.Replace(fullContent(e.certAnna), `"RM01"`, `"MI01"`, 1), `"ASL-RM5"`, `"ATS-MI"`, 1)
		wantErrors(t, checkProblem(t, post("k1", body), http.StatusUnprocessableEntity), "body.ufficio", "body.asl")
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: anna}); total != 0 {
			t.Fatalf("refusals registered %d applications", total)
		}
		// Refusals stored nothing: the key still works.
		r := post("k1", fullContent(e.certAnna))
		if r.status != http.StatusCreated {
			t.Fatalf("after the corrections: %d %s", r.status, r.body)
		}
		// A draft's faults are those of its screens too.
		if r := e.do(request{method: "PUT", path: applicantURL(paola) + "/draft", token: tokenOpRM, body: `{"telefono":"abc"}`}); r.status != http.StatusCreated {
			t.Fatalf("paola's draft: %d %s", r.status, r.body)
		}
		p = checkProblem(t, e.do(request{method: "POST", path: applicantURL(paola) + "/applications", token: tokenOpRM, key: "k2"}), http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.telefono", "body.ufficio", "body.patologia", "body.certificato", "body.asl")
	})
}

// REQ RULE-9 PROT-3 PROT-1: eight confirmations of the same application
// at once with different keys give one application and seven refusals;
// six at once with the same key give one application and the same answer
// six times.
func TestApplicationsAPI_ConcurrentConfirmations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newCBTEnv(t, tg)
		if r := e.do(request{method: "PUT", path: applicantURL(anna) + "/draft", token: tokenOpRM, body: fullContent(e.certAnna)}); r.status != http.StatusCreated {
			t.Fatalf("draft: %d %s", r.status, r.body)
		}
		race := func(cf, body string, key func(i int) string, n int) []response {
			out := make([]response, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					out[i] = e.do(request{method: "POST", path: applicantURL(cf) + "/applications", token: tokenOpRM, key: key(i), body: body})
				})
			}
			wg.Wait()
			return out
		}
		created := 0
		for _, r := range race(anna, "", func(i int) string { return fmt.Sprintf("anna-%d", i) }, 8) {
			switch r.status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent confirmation: %d %s", r.status, r.body)
			}
		}
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: anna}); created != 1 || total != 1 {
			t.Errorf("%d confirmations succeeded, %d applications registered; want 1 and 1", created, total)
		}

		numbers, replays := map[string]bool{}, 0
		for _, r := range race(paola, fullContent(e.certPaola), func(int) string { return "paola-once" }, 6) {
			if r.status != http.StatusCreated {
				t.Fatalf("same key: %d %s", r.status, r.body)
			}
			var s api.CBTSubmission
			decode(t, r, &s)
			numbers[s.Number] = true
			if r.header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if _, total, _ := e.db.FindApplications(ctx, store.ApplicationFilter{Applicant: paola}); len(numbers) != 1 || replays != 5 || total != 1 {
			t.Errorf("same key: numbers %v, %d replays, %d applications; want one number, 5 replays, 1 application", numbers, replays, total)
		}
	})
}

// REQ AUD-2 ID-5 CH-1 AUD-1: an operator works only for citizens who gave
// the operator's organisation a live mandate covering spa treatments. A
// citizen without one — no mandate, a mandate to another organisation or
// for another service, or nobody at all — gets the same 404 on every
// operation, and nothing of the person shows; the refusal is audited under
// the codice fiscale. A mandate that expires or is revoked stops the next
// request; another person's application is not found through a mandate.
func TestApplicationsAPI_Mandates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newCBTEnv(t, tg)
		operations := func(cf, number string) []request {
			base := applicantURL(cf)
			return []request{{path: base}, {path: base + "/draft"}, {method: "PUT", path: base + "/draft", body: `{"email":"x@esempio.it"}`},
				{path: base + "/requirements"}, {method: "POST", path: base + "/applications", key: "k-" + cf, body: fullContent(e.certAnna)},
				{path: base + "/applications"}, {path: base + "/applications/" + number},
				{path: base + "/applications/" + number + "/documents/ricevuta"}, {path: base + "/applications/" + number + "/documents/domanda"}}
		}
		// Anna's application, filed by her patronato.
		if r := e.do(request{method: "POST", path: applicantURL(anna) + "/applications", token: tokenOpRM, key: "anna", body: fullContent(e.certAnna)}); r.status != http.StatusCreated {
			t.Fatalf("anna's application: %d %s", r.status, r.body)
		}
		const number = "20260000001"
		denied := func(who, token, cf string) {
			t.Helper()
			var detail string
			for _, rq := range operations(cf, number) {
				rq.token = token
				r := e.do(rq)
				p := checkProblem(t, r, http.StatusNotFound)
				if detail == "" {
					detail = p.Detail
				}
				if p.Detail != detail || !strings.HasPrefix(p.Detail, "Nessun assistito con questo codice fiscale") {
					t.Errorf("%s, %s %s: detail %q", who, rq.method, rq.path, p.Detail)
				}
				for _, mark := range []string{"Rossi", "Verdi", "Bianconi", "Neri", "Via ", number} {
					if bytes.Contains(r.body, []byte(mark)) {
						t.Errorf("%s, %s %s: the answer shows %q: %s", who, rq.method, rq.path, mark, r.body)
					}
				}
			}
		}
		denied("no mandate", tokenOpRM, mario.FiscalCode)
		denied("nobody", tokenOpRM, ghost)
		denied("a mandate to another organisation", tokenOpRM, gianna)
		denied("a mandate for civil invalidity only", tokenOpRM, luca)
		denied("another organisation's operator", tokenOpTO, anna)
		// Lower case is the same code: still nothing.
		denied("no mandate, lower case", tokenOpRM, strings.ToLower(mario.FiscalCode))
		// Nothing was stored for them.
		if _, err := e.db.FindDraft(ctx, "person:"+mario.FiscalCode, "cbt:2026"); err == nil {
			t.Error("a draft was saved without a mandate")
		}
		// The refusals are in the citizen's access log.
		trail, err := e.db.AuditTrail(ctx, "person:"+mario.FiscalCode, 1000)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, en := range trail {
			if en.Action == "act_for.denied" && en.Actor == opRM.ID() {
				refused++
			} else if en.Actor == opRM.ID() {
				t.Errorf("without a mandate, the operator did %+v", en)
			}
		}
		if refused != 2*len(operations(mario.FiscalCode, number)) {
			t.Errorf("%d refusals audited", refused)
		}

		// Through a mandate, another person's application is not found.
		if _, err := e.accounts.RecordMandate(ctx, opTO, account.NewMandate{Citizen: mario.FiscalCode, Scope: "cbt", StartDate: "01/03/2026",
			EndDate: "31/03/2026", Document: "Mandato n. 3"}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/applications/" + number, "/applications/" + number + "/documents/ricevuta"} {
			checkProblem(t, e.do(request{path: applicantURL(mario.FiscalCode) + path, token: tokenOpTO}), http.StatusNotFound)
		}
		r := e.do(request{path: applicantURL(mario.FiscalCode) + "/applications", token: tokenOpTO})
		if r.status != http.StatusOK || bytes.Contains(r.body, []byte(number)) {
			t.Errorf("mario's list: %d %s", r.status, r.body)
		}
		// The mandate expires at the end of 31 March: the next request is
		// refused.
		e.clock.Set(time.Date(2026, 4, 1, 0, 0, 0, 0, clock.Rome))
		checkProblem(t, e.do(request{path: applicantURL(mario.FiscalCode), token: tokenOpTO}), http.StatusNotFound)

		// Anna revokes her mandate: at once, her patronato sees nothing,
		// not even the application it filed.
		if r := e.do(request{path: applicantURL(anna) + "/applications/" + number, token: tokenOpRM}); r.status != http.StatusOK {
			t.Fatalf("before the revocation: %d %s", r.status, r.body)
		}
		citizen := identity.Actor{UserID: 40, FiscalCode: anna, Role: identity.RoleCitizen, Channel: history.ChannelWeb}
		if err := e.accounts.RevokeMandate(ctx, citizen, anna, e.mandateAnna); err != nil {
			t.Fatal(err)
		}
		denied("a revoked mandate", tokenOpRM, anna)
	})
}

// REQ AUD-2 CH-3 ID-4: only an intermediary operator's personal token,
// with the scope of the operation, may call these operations.
func TestApplicationsAPI_RolesAndScopes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCBTEnv(t, tg)
		base := applicantURL(anna)
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
			{"read only, confirming", tokenOpRMRead, request{method: "POST", path: base + "/applications", key: "k"}, http.StatusForbidden, "applications:write"},
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
		if _, total, _ := e.db.FindApplications(context.Background(), store.ApplicationFilter{Applicant: anna}); total != 0 {
			t.Errorf("%d applications registered", total)
		}
	})
}

// REQ CBT-11 AUD-2: bad input is a 4xx naming where it is, in Italian
// (English on request), never a 500: a malformed codice fiscale, unknown
// members and parameters, overlong text, an unknown pathology, a body that
// is not JSON or is too large, a missing Idempotency-Key, a bad number or
// document.
func TestApplicationsAPI_BadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCBTEnv(t, tg)
		base := applicantURL(anna)
		wrongCheck := anna[:15] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ", anna[15])+1)%26])
		for _, tc := range []struct {
			name   string
			rq     request
			status int
			loc    string
			msg    string
		}{
			{"short codice fiscale", request{path: applicantURL("BNCNNA72C54H501")}, 422, "path.codice_fiscale", "Codice fiscale non valido: deve avere 16 caratteri"},
			{"wrong check character", request{path: applicantURL(wrongCheck) + "/draft"}, 422, "path.codice_fiscale", "Codice fiscale non valido"},
			{"letters where digits go", request{path: applicantURL("BNCNNAXXC54H501A") + "/applications"}, 422, "path.codice_fiscale", "Codice fiscale non valido"},
			{"overlong codice fiscale", request{path: applicantURL(strings.Repeat("A", 40))}, 422, "path.codice_fiscale", ""},
			{"unknown member", request{method: "PUT", path: base + "/draft", body: `{"email":"a@esempio.it","pippo":1}`}, 422, "body.pippo", "Campo non previsto."},
			{"unknown nested member", request{method: "PUT", path: base + "/draft", body: `{"domicilio":{"via":"Roma"}}`}, 422, "body.domicilio.via", "Campo non previsto."},
			{"unknown pathology", request{method: "PUT", path: base + "/draft", body: `{"patologia":"altra"}`}, 422, "body.patologia", "Valore non ammesso"},
			{"overlong e-mail", request{method: "PUT", path: base + "/draft", body: `{"email":"` + strings.Repeat("a", 300) + `@esempio.it"}`}, 422, "body.email", "al massimo 254 caratteri"},
			{"a number for a text", request{method: "PUT", path: base + "/draft", body: `{"telefono":3331234567}`}, 422, "body.telefono", "Deve essere un testo."},
			{"not JSON", request{method: "PUT", path: base + "/draft", body: `{"email":`}, 400, "", ""},
			{"too large", request{method: "PUT", path: base + "/draft", body: `{"nota_correzione":"` + strings.Repeat("x", 20<<10) + `"}`}, 413, "", ""},
			{"too large to confirm", request{method: "POST", path: base + "/applications", key: "big", body: `{"cura":"` + strings.Repeat("x", 20<<10) + `"}`}, 413, "", ""},
			{"no Idempotency-Key", request{method: "POST", path: base + "/applications"}, 422, "header.Idempotency-Key", "Parametro obbligatorio."},
			{"overlong Idempotency-Key", request{method: "POST", path: base + "/applications", key: strings.Repeat("k", 201)}, 422, "header.Idempotency-Key", ""},
			{"bad number", request{path: base + "/applications/123"}, 422, "path.number", "Formato non valido."},
			{"unknown document", request{path: base + "/applications/20260000001/documents/fattura"}, 422, "path.doc", "Valore non ammesso"},
			{"page too large", request{path: base + "/applications?per_page=1000"}, 422, "query.per_page", "Non può superare 100."},
			{"unknown parameter", request{path: base + "/applications?anno=2026"}, 422, "query.anno", "Parametro non previsto."},
			{"unknown parameter of the context", request{path: base + "?domicilio=Roma"}, 422, "query.domicilio", "Parametro non previsto."},
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
		// Lower case and spaces are the same codice fiscale.
		if r := e.do(request{path: applicantURL(strings.ToLower(anna)), token: tokenOpRM}); r.status != http.StatusOK {
			t.Errorf("lower case: %d %s", r.status, r.body)
		}
		// In English on request; the messages of the domain stay Italian.
		p := checkProblem(t, e.do(request{path: applicantURL("BNCNNA72C54H501"), token: tokenOpRM, lang: "en"}), 422)
		if p.Title != "Unprocessable Content" || !strings.HasPrefix(p.Errors[0].Message, "Codice fiscale non valido") {
			t.Errorf("English: %+v", p)
		}
		if strings.Contains(e.logs.String(), "internal error") {
			t.Errorf("bad input logged an internal error:\n%s", e.logs.String())
		}
	})
}

// REQ CBT-14: outside 1 January - 31 October nothing is saved or
// confirmed, and the context says why.
func TestApplicationsAPI_Window(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCBTEnv(t, tg)
		e.clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, clock.Rome))
		base := applicantURL(anna)
		var ap api.CBTApplicant
		decode(t, e.do(request{path: base, token: tokenOpRM}), &ap)
		if ap.Open || !strings.Contains(ap.Closed, "31 ottobre") {
			t.Errorf("context after the window: open %v, %q", ap.Open, ap.Closed)
		}
		for _, rq := range []request{{method: "PUT", path: base + "/draft", body: fullContent(e.certAnna)},
			{method: "POST", path: base + "/applications", key: "late", body: fullContent(e.certAnna)}} {
			rq.token = tokenOpRM
			if p := checkProblem(t, e.do(rq), http.StatusConflict); !strings.Contains(p.Detail, "1° gennaio 2027") {
				t.Errorf("%s %s: %q", rq.method, rq.path, p.Detail)
			}
		}
		if _, total, _ := e.db.FindApplications(context.Background(), store.ApplicationFilter{Applicant: anna}); total != 0 {
			t.Errorf("%d applications after the window", total)
		}
	})
}

// The wire types of the applications keep the member names of the
// screens: what the service's draft calls them.
func TestApplicationsAPI_ContentNames(t *testing.T) {
	var draftJSON, contentJSON map[string]any
	d := cbt.Draft{Domicile: &cbt.Address{Street: "a", Postcode: "b", Comune: "c", Province: "d"}, Phone: "1", Mobile: "2", Email: "3",
		Office: "4", Corrected: true, FirstGrantYear: 5, PreviousGrants: 6, CorrectionNotes: "7", Pathology: "8", Cure: "9", Certificate: "10", ASL: "11"}
	b, _ := json.Marshal(d)
	json.Unmarshal(b, &draftJSON)
	delete(draftJSON, "anno")
	c := api.CBTApplicationContent{Domicile: &api.Domicile{Street: "a", Postcode: "b", Comune: "c", Province: "d"}, Phone: "1", Mobile: "2",
		Email: "3", Office: "4", Corrected: true, FirstGrantYear: 5, PreviousGrants: 6, CorrectionNotes: "7", Pathology: "8", Cure: "9",
		Certificate: "10", ASL: "11"}
	b, _ = json.Marshal(c)
	json.Unmarshal(b, &contentJSON)
	if fmt.Sprint(draftJSON) != fmt.Sprint(contentJSON) {
		t.Errorf("the service's draft %v and the API's content %v differ", draftJSON, contentJSON)
	}
}
