package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func cf(first15 string) string { return first15 + string(codicefiscale.CheckChar(first15)) }

// The people of the certificate tests, and their personal tokens.
var (
	laura   = identity.Actor{UserID: 11, FiscalCode: "BNCLRA70E52H501P", Name: "Laura Bianchi", Role: identity.RoleDoctor, Channel: history.ChannelAPI}
	giorgio = identity.Actor{UserID: 12, FiscalCode: cf("FRRGRG69S23F205"), Name: "Giorgio Ferri", Role: identity.RoleDoctor, Channel: history.ChannelAPI}
	mario   = identity.Actor{UserID: 13, FiscalCode: "RSSMRA56L12H501D", Name: "Mario Rossi", Role: identity.RoleCitizen, Channel: history.ChannelAPI}
	gianna  = cf("VRDGNN60B45F205") // a second patient in the registry
)

const (
	tokenLaura     = "spt_laura_read_write_0123456789abcdefgh"
	tokenLauraRead = "spt_laura_read_only_0123456789abcdefghi"
	tokenGiorgio   = "spt_giorgio_read_write_0123456789abcdef"
	tokenCitizen   = "spt_mario_citizen_0123456789abcdefghijk"
)

func person(a identity.Actor, scopes ...string) api.Principal {
	return api.Principal{Actor: a.ID(), Role: string(a.Role), Scopes: scopes, Person: a}
}

var people = map[string]api.Principal{
	tokenLaura:     person(laura, "certificates:read", "certificates:write"),
	tokenLauraRead: person(laura, "certificates:read"),
	tokenGiorgio:   person(giorgio, "certificates:read", "certificates:write", "registrations:read"),
	tokenCitizen:   person(mario, "certificates:read", "certificates:write"),
}

// newCertEnv is the API with the patients in the registry.
func newCertEnv(t *testing.T, tg storetest.Target) *env {
	t.Helper()
	e := newEnv(t, tg)
	err := e.db.InTx(context.Background(), func(tx *store.Tx) error {
		for _, p := range []identity.Person{
			{FiscalCode: mario.FiscalCode, GivenName: "Mario", FamilyName: "Rossi", BirthDate: "1956-07-12", BirthPlace: "Roma", Sex: "M",
				Address: "Via Appia Nuova 120", Postcode: "00183", Municipality: "Roma", Province: "RM"},
			{FiscalCode: gianna, GivenName: "Gianna", FamilyName: "Verdi", BirthDate: "1960-02-05", BirthPlace: "Milano", Sex: "F",
				Address: "Via Padova 3", Postcode: "20127", Municipality: "Milano", Province: "MI"},
		} {
			if err := tx.UpsertPerson(context.Background(), p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const declarationBody = `{"rapporto":"convenzionato","ente":"ASL Roma 1","ordine_provincia":"rm","ordine_numero":"12345"}`

// declare makes the first-access declaration of the token's doctor.
func declare(e *env, token string) {
	e.t.Helper()
	r := e.do(request{method: "PUT", path: "/api/v1/doctor/profile", token: token, body: declarationBody})
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		e.t.Fatalf("declaration: %d %s", r.status, r.body)
	}
}

func spaBody(patient string) string {
	return `{"tipo":"certificato_cbt","codice_fiscale_paziente":"` + patient + `","cure_termali":{"patologia":"reumoartropatica",` +
		`"diagnosi":[{"testo":"Artrosi primaria generalizzata","codice":"715.0"}],"cura":"fango-bagno","nessuna_controindicazione":true}}`
}

func invalidityBody(patient string) string {
	return `{"tipo":"certificato_invalidita","codice_fiscale_paziente":"` + patient + `","invalidita_civile":{"finalita":["invalidita"],` +
		`"diagnosi":[{"testo":"Diabete mellito","codice":"250.00"}],"non_deambulante":true}}`
}

// send sends a certificate directly and returns it.
func send(e *env, token, key, body string) api.Certificate {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/v1/certificates", token: token, key: key, body: body})
	if r.status != http.StatusCreated {
		e.t.Fatalf("send: %d %s", r.status, r.body)
	}
	var c api.Certificate
	decode(e.t, r, &c)
	return c
}

// wantErrors checks that the problem names exactly these locations.
func wantErrors(t *testing.T, p problem, locs ...string) {
	t.Helper()
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Location)
	}
	slices.Sort(got)
	slices.Sort(locs)
	if !slices.Equal(got, locs) {
		t.Errorf("error locations %v, want %v (%+v)", got, locs, p.Errors)
	}
}

// REQ CERT-1: before the first-access declaration every certificate
// operation is a 403 that says which call makes it; the declaration is
// checked member by member, then made (201) and changed (200).
func TestCertificates_FirstAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		p := checkProblem(t, e.do(request{path: "/api/v1/doctor/profile", token: tokenLaura}), http.StatusNotFound)
		if !strings.Contains(p.Detail, "Dichiarazione") {
			t.Errorf("404 detail %q", p.Detail)
		}
		for _, rq := range []request{
			{method: "POST", path: "/api/v1/certificates", key: "k1", body: spaBody(mario.FiscalCode)},
			{method: "POST", path: "/api/v1/certificates/drafts", key: "k2", body: spaBody(mario.FiscalCode)},
			{path: "/api/v1/certificates"},
			{path: "/api/v1/certificates/drafts/1"},
			{path: "/api/v1/doctor/addresses"},
			{method: "POST", path: "/api/v1/doctor/addresses", key: "k3",
				body: `{"nome":"Studio","indirizzo":"Via Roma 1","cap":"00184","comune":"Roma","provincia":"RM"}`},
		} {
			rq.token = tokenLaura
			p := checkProblem(t, e.do(rq), http.StatusForbidden)
			if !strings.Contains(p.Detail, "PUT /api/v1/doctor/profile") {
				t.Errorf("%s %s: detail %q does not say how to declare", rq.method, rq.path, p.Detail)
			}
		}
		// In English too.
		en := checkProblem(t, e.do(request{path: "/api/v1/certificates", token: tokenLaura, lang: "en"}), http.StatusForbidden)
		if !strings.HasPrefix(en.Detail, "Before using certificates") {
			t.Errorf("English detail %q", en.Detail)
		}

		// Every wrong member is named at once.
		bad := e.do(request{method: "PUT", path: "/api/v1/doctor/profile", token: tokenLaura,
			body: `{"rapporto":"privato","ente":" ","ordine_provincia":"Roma","ordine_numero":"12 345"}`})
		wantErrors(t, checkProblem(t, bad, http.StatusUnprocessableEntity), "body.rapporto", "body.ente", "body.ordine_provincia", "body.ordine_numero")
		missing := e.do(request{method: "PUT", path: "/api/v1/doctor/profile", token: tokenLaura, body: `{"rapporto":"dipendente"}`})
		wantErrors(t, checkProblem(t, missing, http.StatusUnprocessableEntity), "body.ente", "body.ordine_provincia", "body.ordine_numero")

		r := e.do(request{method: "PUT", path: "/api/v1/doctor/profile", token: tokenLaura, body: declarationBody})
		if r.status != http.StatusCreated {
			t.Fatalf("first declaration: %d %s", r.status, r.body)
		}
		var prof api.DoctorProfile
		decode(t, r, &prof)
		if prof.Relationship != "convenzionato" || prof.RegisterProv != "RM" || prof.Body != "ASL Roma 1" || !prof.DeclaredAt.Equal(now) {
			t.Errorf("profile %+v", prof)
		}
		e.clock.Advance(time.Hour)
		r = e.do(request{method: "PUT", path: "/api/v1/doctor/profile", token: tokenLaura,
			body: `{"rapporto":"dipendente","ente":"Policlinico Umberto I","ordine_provincia":"RM","ordine_numero":"12345"}`})
		if r.status != http.StatusOK {
			t.Fatalf("change: %d %s", r.status, r.body)
		}
		r = e.do(request{path: "/api/v1/doctor/profile", token: tokenLaura})
		decode(t, r, &prof)
		if prof.Relationship != "dipendente" || !prof.DeclaredAt.Equal(now) || !prof.UpdatedAt.Equal(now.Add(time.Hour)) {
			t.Errorf("changed profile %+v", prof)
		}
		if r := e.do(request{method: "POST", path: "/api/v1/certificates/drafts", token: tokenLaura, key: "k2", body: spaBody(mario.FiscalCode)}); r.status != http.StatusCreated {
			t.Errorf("draft after the declaration: %d %s", r.status, r.body)
		}
		// The other doctor has not declared: still refused.
		checkProblem(t, e.do(request{path: "/api/v1/certificates", token: tokenGiorgio}), http.StatusForbidden)
	})
}

// REQ CERT-7: practice addresses are added once per key, listed, changed
// and removed; another doctor's are not found.
func TestCertificates_Addresses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		declare(e, tokenGiorgio)
		const body = `{"nome":"Studio Prati","indirizzo":"Via Cola di Rienzo 10","cap":"00192","comune":"Roma","provincia":"rm"}`
		first := e.do(request{method: "POST", path: "/api/v1/doctor/addresses", token: tokenLaura, key: "studio-1", body: body})
		if first.status != http.StatusCreated {
			t.Fatalf("add: %d %s", first.status, first.body)
		}
		var ad api.PracticeAddress
		decode(t, first, &ad)
		if ad.ID == 0 || ad.Province != "RM" || first.header.Get("Location") != fmt.Sprintf("/api/v1/doctor/addresses/%d", ad.ID) {
			t.Errorf("address %+v at %q", ad, first.header.Get("Location"))
		}
		again := e.do(request{method: "POST", path: "/api/v1/doctor/addresses", token: tokenLaura, key: "studio-1", body: body})
		if again.status != http.StatusCreated || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d %s %v", again.status, again.body, again.header)
		}
		bad := e.do(request{method: "POST", path: "/api/v1/doctor/addresses", token: tokenLaura, key: "studio-2",
			body: `{"nome":"","indirizzo":"Via Roma 1","cap":"0010","comune":"Roma","provincia":"RM","telefono":"06-123"}`})
		wantErrors(t, checkProblem(t, bad, http.StatusUnprocessableEntity), "body.nome", "body.cap", "body.telefono")

		var list api.Page[api.PracticeAddress]
		r := e.do(request{path: "/api/v1/doctor/addresses", token: tokenLaura})
		decode(t, r, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != ad.ID || r.header.Get("Link") == "" {
			t.Errorf("list %+v, Link %q", list, r.header.Get("Link"))
		}
		path := first.header.Get("Location")
		changed := strings.Replace(body, "Via Cola di Rienzo 10", "Piazza Cavour 1", 1)
		if r := e.do(request{method: "PUT", path: path, token: tokenLaura, body: changed}); r.status != http.StatusOK {
			t.Errorf("change: %d %s", r.status, r.body)
		}
		decode(t, e.do(request{path: path, token: tokenLaura}), &ad)
		if ad.Street != "Piazza Cavour 1" {
			t.Errorf("changed address %+v", ad)
		}
		// Another doctor's address is not found, whatever the method.
		checkProblem(t, e.do(request{path: path, token: tokenGiorgio}), http.StatusNotFound)
		checkProblem(t, e.do(request{method: "PUT", path: path, token: tokenGiorgio, body: changed}), http.StatusNotFound)
		checkProblem(t, e.do(request{method: "DELETE", path: path, token: tokenGiorgio}), http.StatusNotFound)
		if r := e.do(request{method: "DELETE", path: path, token: tokenLaura}); r.status != http.StatusNoContent {
			t.Errorf("remove: %d %s", r.status, r.body)
		}
		checkProblem(t, e.do(request{path: path, token: tokenLaura}), http.StatusNotFound)
	})
}

// REQ CERT-3 CERT-4: a draft is saved incomplete, resumed and updated;
// sending it incomplete names every wrong member where the body holds it
// and keeps it; sent, it is numbered and gone; a retried sending gets the
// same answer. Another doctor does not find it.
func TestCertificates_Drafts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		declare(e, tokenGiorgio)
		// Content of the other kind is refused, not dropped.
		mixed := `{"tipo":"certificato_cbt","cure_termali":{},"invalidita_civile":{"anamnesi":"x"}}`
		wantErrors(t, checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates/drafts", token: tokenLaura, key: "d0", body: mixed}),
			http.StatusUnprocessableEntity), "body.invalidita_civile")

		r := e.do(request{method: "POST", path: "/api/v1/certificates/drafts", token: tokenLaura, key: "d1",
			body: `{"tipo":"certificato_invalidita","codice_fiscale_paziente":" rssmra56l12h501d ","invalidita_civile":{"anamnesi":"Ictus nel 2025"}}`})
		if r.status != http.StatusCreated {
			t.Fatalf("create draft: %d %s", r.status, r.body)
		}
		var d api.CertificateDraft
		decode(t, r, &d)
		if d.ID == 0 || d.Patient != mario.FiscalCode || d.Invalidity == nil || d.Invalidity.Anamnesis != "Ictus nel 2025" ||
			!d.ExpiresAt.Equal(now.Add(30*24*time.Hour)) || r.header.Get("Location") != fmt.Sprintf("/api/v1/certificates/drafts/%d", d.ID) {
			t.Fatalf("draft %+v at %q", d, r.header.Get("Location"))
		}
		path := r.header.Get("Location")
		checkProblem(t, e.do(request{path: path, token: tokenGiorgio}), http.StatusNotFound)
		checkProblem(t, e.do(request{method: "PUT", path: path, token: tokenGiorgio, body: invalidityBody(mario.FiscalCode)}), http.StatusNotFound)
		checkProblem(t, e.do(request{method: "POST", path: path + "/send", token: tokenGiorgio, key: "s0"}), http.StatusNotFound)
		checkProblem(t, e.do(request{method: "DELETE", path: path, token: tokenGiorgio}), http.StatusNotFound)

		// Sending it incomplete: every missing member, and the draft stays.
		p := checkProblem(t, e.do(request{method: "POST", path: path + "/send", token: tokenLaura, key: "s1"}), http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.invalidita_civile.finalita", "body.invalidita_civile.diagnosi")
		var resumed api.CertificateDraft
		decode(t, e.do(request{path: path, token: tokenLaura}), &resumed)
		if resumed.ID != d.ID || resumed.Invalidity == nil || resumed.Invalidity.Anamnesis != "Ictus nel 2025" {
			t.Errorf("resumed %+v", resumed)
		}
		// A wrong diagnosis is named at its place in the list.
		wrong := strings.Replace(invalidityBody(mario.FiscalCode), `"codice":"250.00"`, `"codice":"ABC"`, 1)
		if r := e.do(request{method: "PUT", path: path, token: tokenLaura, body: wrong}); r.status != http.StatusOK {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		p = checkProblem(t, e.do(request{method: "POST", path: path + "/send", token: tokenLaura, key: "s2"}), http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.invalidita_civile.diagnosi[0].codice")

		e.clock.Advance(2 * time.Hour)
		r = e.do(request{method: "PUT", path: path, token: tokenLaura, body: invalidityBody(mario.FiscalCode)})
		d = api.CertificateDraft{}
		decode(t, r, &d)
		if !d.UpdatedAt.Equal(now.Add(2*time.Hour)) || len(d.Invalidity.Diagnoses) != 1 || d.Invalidity.Anamnesis != "" {
			t.Errorf("updated draft %+v", d)
		}
		sent := e.do(request{method: "POST", path: path + "/send", token: tokenLaura, key: "s3"})
		if sent.status != http.StatusCreated {
			t.Fatalf("send: %d %s", sent.status, sent.body)
		}
		var c api.Certificate
		decode(t, sent, &c)
		if c.Number != "20260000001" || c.State != "sent" || c.Kind != certificate.KindInvalidity || c.Content.Patient.FamilyName != "Rossi" ||
			!c.Content.Invalidity.CannotWalk || sent.header.Get("Location") != "/api/v1/certificates/20260000001" {
			t.Errorf("sent %+v at %q", c, sent.header.Get("Location"))
		}
		if want := certificate.ExpiresAt(c.SentAt); !c.ExpiresAt.Equal(want) {
			t.Errorf("expires_at %v, want %v", c.ExpiresAt, want)
		}
		// The draft is gone; a retry of the sending gets the first answer.
		checkProblem(t, e.do(request{path: path, token: tokenLaura}), http.StatusNotFound)
		again := e.do(request{method: "POST", path: path + "/send", token: tokenLaura, key: "s3"})
		if again.status != http.StatusCreated || !bytes.Equal(again.body, sent.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retried sending: %d %s", again.status, again.body)
		}
		checkProblem(t, e.do(request{method: "POST", path: path + "/send", token: tokenLaura, key: "s4"}), http.StatusNotFound)

		// Deleting a draft.
		r = e.do(request{method: "POST", path: "/api/v1/certificates/drafts", token: tokenLaura, key: "d2", body: `{"tipo":"certificato_cbt"}`})
		decode(t, r, &d)
		if d.Spa == nil {
			t.Errorf("an empty spa draft has no cure_termali: %s", r.body)
		}
		if r := e.do(request{method: "DELETE", path: r.header.Get("Location"), token: tokenLaura}); r.status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.status, r.body)
		}
		checkProblem(t, e.do(request{path: fmt.Sprintf("/api/v1/certificates/drafts/%d", d.ID), token: tokenLaura}), http.StatusNotFound)
	})
}

var certNumberRE = regexp.MustCompile(`^[0-9]{4}[0-9]{7}$`)

// REQ CERT-4 CERT-8: a complete certificate is sent in one call; the same
// Idempotency-Key gives the same answer and one number; a refusal names
// every wrong member and takes no number. Another doctor does not find it.
// Tokens without the scope, tokens of software and citizens are refused.
func TestCertificates_SendDirect(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		declare(e, tokenGiorgio)
		ctx := context.Background()
		r := e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c1", body: spaBody(mario.FiscalCode)})
		if r.status != http.StatusCreated {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
		var c api.Certificate
		decode(t, r, &c)
		if !certNumberRE.MatchString(c.Number) || c.Number != "20260000001" || c.State != "sent" || !c.ExpiresAt.IsZero() ||
			c.Content.Doctor.FiscalCode != laura.FiscalCode || c.Content.Doctor.RegisterProv != "RM" || c.Content.Patient.BirthDate != "1956-07-12" ||
			c.Content.Spa == nil || c.Content.Spa.Cure != "fango-bagno" || c.Documents.Receipt != "/api/v1/certificates/20260000001/documents/ricevuta" {
			t.Errorf("certificate %+v", c)
		}
		if !bytes.Contains(r.body, []byte(`"sent_at":"2026-03-10T09:30:00+01:00"`)) || bytes.Contains(r.body, []byte(`"expires_at"`)) {
			t.Errorf("times: %s", r.body)
		}
		// REQ PROT-3: the same key and body: the first answer, one number.
		for range 2 {
			again := e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c1", body: spaBody(mario.FiscalCode)})
			if again.status != http.StatusCreated || !bytes.Equal(again.body, r.body) || again.header.Get("Idempotent-Replayed") != "true" ||
				again.header.Get("Location") != "/api/v1/certificates/20260000001" {
				t.Errorf("replay: %d %v %s", again.status, again.header, again.body)
			}
		}
		wantErrors(t, checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c1",
			body: spaBody(gianna)}), http.StatusConflict), "header.Idempotency-Key")
		wantErrors(t, checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura,
			body: spaBody(gianna)}), http.StatusUnprocessableEntity), "header.Idempotency-Key")

		// Every wrong member at once; no number is taken.
		incomplete := `{"tipo":"certificato_cbt","codice_fiscale_paziente":"RSSMRA56L12H501X","studio":99,` +
			`"cure_termali":{"patologia":"broncopneumopatica","diagnosi":[{"testo":"","codice":"715.0"}],"cura":"fango-bagno"}}`
		p := checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c2", body: incomplete}),
			http.StatusUnprocessableEntity)
		wantErrors(t, p, "body.codice_fiscale_paziente", "body.studio", "body.cure_termali.diagnosi[0].testo",
			"body.cure_termali.cura", "body.cure_termali.nessuna_controindicazione")
		if m, _ := p.location("body.cure_termali.cura"); !strings.Contains(m, "gruppo") {
			t.Errorf("cure message %q", m)
		}
		notInRegistry := spaBody(cf("BNCGNN80A01F205"))
		p = checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c3", body: notInRegistry}),
			http.StatusUnprocessableEntity)
		if m, _ := p.location("body.codice_fiscale_paziente"); !strings.Contains(m, "anagrafe") {
			t.Errorf("patient not in the registry: %+v", p)
		}
		wantErrors(t, checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLaura, key: "c4",
			body: `{"tipo":"certificato_ordinario"}`}), http.StatusUnprocessableEntity), "body.tipo")
		if c2 := send(e, tokenLaura, "c5", invalidityBody(gianna)); c2.Number != "20260000002" {
			t.Errorf("after refusals the next number is %s, want 20260000002", c2.Number)
		}

		// Who may not: another doctor (not found), a read-only token, a
		// token of software, a citizen.
		for _, rq := range []request{
			{path: "/api/v1/certificates/20260000001"},
			{path: "/api/v1/certificates/20260000001/documents/ricevuta"},
			{method: "POST", path: "/api/v1/certificates/20260000001/annulment", key: "a1", body: `{"motivo":"Errore di persona"}`},
		} {
			rq.token = tokenGiorgio
			checkProblem(t, e.do(rq), http.StatusNotFound)
		}
		p = checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenLauraRead, key: "c6", body: spaBody(gianna)}), http.StatusForbidden)
		if !strings.Contains(p.Detail, "certificates:write") {
			t.Errorf("read-only token: %q", p.Detail)
		}
		if r := e.do(request{path: "/api/v1/certificates/20260000001", token: tokenLauraRead}); r.status != http.StatusOK {
			t.Errorf("read-only token reads: %d %s", r.status, r.body)
		}
		p = checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenDoctor, key: "c7", body: spaBody(gianna)}), http.StatusForbidden)
		if !strings.Contains(p.Detail, "token personale") {
			t.Errorf("static doctor token: %q", p.Detail)
		}
		checkProblem(t, e.do(request{path: "/api/v1/certificates/20260000001", token: tokenCitizen}), http.StatusForbidden)
		checkProblem(t, e.do(request{method: "POST", path: "/api/v1/certificates", token: tokenCitizen, key: "c8", body: spaBody(gianna)}), http.StatusForbidden)
		checkProblem(t, e.do(request{path: "/api/v1/certificates", token: tokenOffice}), http.StatusForbidden)
		if _, total, _ := e.certs.List(ctx, laura, store.CertificateFilter{}); total != 2 {
			t.Errorf("%d certificates, want 2", total)
		}

		// REQ CERT-4: the channel is recorded as api.
		events, err := e.certs.History(ctx, laura, "20260000001")
		if err != nil || len(events) != 1 || events[0].Channel != "api" || events[0].Actor != laura.ID() {
			t.Errorf("history %+v, %v", events, err)
		}
		reg, _, err := e.db.FindRegistrations(ctx, store.RegistrationFilter{Register: protocol.Certificates})
		if err != nil || len(reg) != 2 || reg[0].Channel != "api" {
			t.Errorf("registrations %+v, %v", reg, err)
		}
	})
}

// REQ CERT-6: the doctor's list with filters (state, kind, patient,
// dates), the one pagination shape with its Link header, and bad filters
// as problems at their parameter, never a 500.
func TestCertificates_List(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		declare(e, tokenGiorgio)
		n1 := send(e, tokenLaura, "n1", spaBody(mario.FiscalCode)).Number // 10 March
		n2 := send(e, tokenLaura, "n2", spaBody(gianna)).Number
		e.clock.Advance(24 * time.Hour) // 11 March
		n3 := send(e, tokenLaura, "n3", invalidityBody(mario.FiscalCode)).Number
		if r := e.do(request{method: "POST", path: "/api/v1/certificates/" + n2 + "/annulment", token: tokenLaura, key: "a2",
			body: `{"motivo":"Paziente sbagliato"}`}); r.status != http.StatusOK {
			t.Fatalf("annul: %d %s", r.status, r.body)
		}
		e.clock.Advance(24 * time.Hour) // 12 March
		for i, body := range []string{spaBody(mario.FiscalCode), `{"tipo":"certificato_invalidita"}`} {
			if r := e.do(request{method: "POST", path: "/api/v1/certificates/drafts", token: tokenLaura, key: fmt.Sprint("d", i), body: body}); r.status != http.StatusCreated {
				t.Fatal(r.status, string(r.body))
			}
		}
		send(e, tokenGiorgio, "g1", spaBody(mario.FiscalCode))

		list := func(query string) (api.Page[api.CertificateEntry], response) {
			t.Helper()
			r := e.do(request{path: "/api/v1/certificates" + query, token: tokenLauraRead})
			if r.status != http.StatusOK {
				t.Fatalf("list %s: %d %s", query, r.status, r.body)
			}
			var p api.Page[api.CertificateEntry]
			decode(t, r, &p)
			return p, r
		}
		all, _ := list("")
		var got []string
		for _, it := range all.Items {
			got = append(got, it.State+":"+it.Number)
		}
		if all.Total != 5 || strings.Join(got, " ") != "draft: draft: sent:"+n3+" annulled:"+n2+" sent:"+n1 {
			t.Errorf("list %v (total %d)", got, all.Total)
		}
		for _, tc := range []struct {
			query string
			want  []string // numbers, or "draft" for each draft
		}{
			{"?state=draft", []string{"draft", "draft"}},
			{"?state=sent", []string{n3, n1}},
			{"?state=annulled", []string{n2}},
			{"?kind=certificato_invalidita", []string{"draft", n3}},
			{"?patient=" + strings.ToLower(gianna), []string{n2}},
			{"?from=2026-03-11&to=2026-03-11", []string{n3}},
			{"?from=2026-03-12", []string{"draft", "draft"}},
			{"?to=2026-03-10&kind=certificato_cbt", []string{n2, n1}},
			{"?state=sent&patient=" + mario.FiscalCode + "&from=2026-03-10&to=2026-03-10", []string{n1}},
		} {
			p, _ := list(tc.query)
			var got []string
			for _, it := range p.Items {
				switch {
				case it.State == "draft" && it.DraftID != 0 && it.Number == "" && strings.HasPrefix(it.URL, "/api/v1/certificates/drafts/"):
					got = append(got, "draft")
				case it.State != "draft" && it.URL == "/api/v1/certificates/"+it.Number:
					got = append(got, it.Number)
				default:
					t.Errorf("%s: bad item %+v", tc.query, it)
				}
			}
			if !slices.Equal(got, tc.want) || p.Total != len(tc.want) {
				t.Errorf("%s: %v (total %d), want %v", tc.query, got, p.Total, tc.want)
			}
		}
		annulled, _ := list("?state=annulled")
		if it := annulled.Items[0]; it.AnnulledAt.IsZero() || it.Linked || it.Patient != gianna {
			t.Errorf("annulled item %+v", it)
		}
		inv, _ := list("?state=sent&kind=certificato_invalidita")
		if it := inv.Items[0]; it.ExpiresAt.IsZero() || !it.Date.Equal(now.Add(24*time.Hour)) {
			t.Errorf("invalidity item %+v", it)
		}

		// Pagination: filters are kept in the links.
		link := func(page int) string {
			return fmt.Sprintf("/api/v1/certificates?kind=certificato_cbt&page=%d&per_page=1", page)
		}
		p, r := list("?kind=certificato_cbt&per_page=1&page=2")
		if p.Total != 3 || p.TotalPages != 3 || p.Page != 2 || len(p.Items) != 1 || p.Items[0].Number != n2 {
			t.Errorf("page 2: %+v", p)
		}
		if want := map[string]string{"first": link(1), "prev": link(1), "next": link(3), "last": link(3)}; !equalMaps(parseLinks(t, r.header.Get("Link")), want) {
			t.Errorf("Link %q", r.header.Get("Link"))
		}
		if p, _ := list("?per_page=2&page=9"); len(p.Items) != 0 || p.Total != 5 {
			t.Errorf("past the end: %+v", p)
		}

		// Bad filters: a problem at the parameter.
		for _, tc := range []struct{ query, loc, message string }{
			{"?state=bozza", "query.state", "draft, sent, annulled"},
			{"?kind=certificato", "query.kind", "certificato_cbt"},
			{"?from=2026-02-30", "query.from", "AAAA-MM-GG"},
			{"?to=10/03/2026", "query.to", "AAAA-MM-GG"},
			{"?from=2026-03-12&to=2026-03-11", "query.to", "precedere"},
			{"?patient=RSSMRA56L12H501X", "query.patient", "controllo"},
			{"?patient=XYZ", "query.patient", ""},
			{"?per_page=0", "query.per_page", "almeno 1"},
			{"?page=x", "query.page", "intero"},
			{"?stato=draft", "query.stato", "non previsto"},
		} {
			p := checkProblem(t, e.do(request{path: "/api/v1/certificates" + tc.query, token: tokenLaura}), http.StatusUnprocessableEntity)
			if m, ok := p.location(tc.loc); !ok || !strings.Contains(m, tc.message) {
				t.Errorf("%s: %+v; want %q at %s", tc.query, p.Errors, tc.message, tc.loc)
			}
		}
	})
}

// REQ CERT-8 CERT-9: annulment needs a reason, keeps the certificate
// readable and marked, and is refused (409) once annulled or linked to an
// application.
func TestCertificates_Annul(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		ctx := context.Background()
		declare(e, tokenLaura)
		spa := send(e, tokenLaura, "c1", spaBody(mario.FiscalCode))
		inv := send(e, tokenLaura, "c2", invalidityBody(mario.FiscalCode))
		annul := func(number, key, reason string) response {
			return e.do(request{method: "POST", path: "/api/v1/certificates/" + number + "/annulment", token: tokenLaura, key: key,
				body: `{"motivo":"` + reason + `"}`})
		}
		wantErrors(t, checkProblem(t, annul(spa.Number, "a0", "  "), http.StatusUnprocessableEntity), "body.motivo")
		checkProblem(t, annul("20269999999", "a1", "Errore di persona"), http.StatusNotFound)
		wantErrors(t, checkProblem(t, annul("2026-1", "a1", "Errore di persona"), http.StatusUnprocessableEntity), "path.number")

		e.clock.Advance(time.Hour)
		r := annul(spa.Number, "a2", "Errore di persona")
		if r.status != http.StatusOK {
			t.Fatalf("annul: %d %s", r.status, r.body)
		}
		var c api.Certificate
		decode(t, r, &c)
		if c.State != "annulled" || c.AnnulmentReason != "Errore di persona" || !c.AnnulledAt.Equal(now.Add(time.Hour)) ||
			c.Content.Spa == nil || c.Number != spa.Number {
			t.Errorf("annulled %+v", c)
		}
		if again := annul(spa.Number, "a2", "Errore di persona"); again.status != http.StatusOK || !bytes.Equal(again.body, r.body) ||
			again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replayed annulment: %d %s", again.status, again.body)
		}
		p := checkProblem(t, annul(spa.Number, "a3", "Errore di persona"), http.StatusConflict)
		if !strings.Contains(p.Detail, "già stato annullato") {
			t.Errorf("annulled twice: %q", p.Detail)
		}
		var got api.Certificate
		decode(t, e.do(request{path: "/api/v1/certificates/" + spa.Number, token: tokenLaura}), &got)
		if got.State != "annulled" || got.AnnulmentReason != "Errore di persona" || !got.AnnulledAt.Equal(c.AnnulledAt) {
			t.Errorf("read after annulment %+v", got)
		}

		// CERT-9: linked to an application, it can no longer be annulled.
		err := e.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := certificate.Link(ctx, tx, store.CertificateLink{Number: inv.Number, Patient: mario.FiscalCode,
				Kind: certificate.KindInvalidity, Application: "INV-1"}, mario.ID(), history.ChannelWeb)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got = api.Certificate{}
		decode(t, e.do(request{path: "/api/v1/certificates/" + inv.Number, token: tokenLaura}), &got)
		// The end of the 90th day, to the database's precision.
		if !got.Linked || got.State != "sent" || got.ExpiresAt.Sub(certificate.ExpiresAt(got.SentAt)).Abs() > time.Microsecond {
			t.Errorf("linked %+v", got)
		}
		p = checkProblem(t, annul(inv.Number, "a4", "Errore di persona"), http.StatusConflict)
		if !strings.Contains(p.Detail, "collegato") {
			t.Errorf("linked annulment: %q", p.Detail)
		}
		// The read was audited (AUD-1), under the patient, whose access log
		// shows it, with the certificate's number.
		trail, err := e.db.AuditTrail(ctx, "person:"+got.Patient, 0)
		if err != nil || !slices.ContainsFunc(trail, func(en audit.Entry) bool {
			return en.Action == "certificate.read" && en.Channel == "api" && strings.Contains(en.Detail, inv.Number)
		}) {
			t.Errorf("audit trail %+v, %v", trail, err)
		}
	})
}

// REQ CERT-5 DOC-1: each document of a certificate is a PDF; an unknown
// document is a problem.
func TestCertificates_Documents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		c := send(e, tokenLaura, "c1", spaBody(mario.FiscalCode))
		for _, doc := range certificate.Docs {
			r := e.do(request{path: "/api/v1/certificates/" + c.Number + "/documents/" + doc, token: tokenLauraRead})
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
				t.Errorf("%s: %d %q %.20q", doc, r.status, r.header.Get("Content-Type"), r.body)
			}
			if cd := r.header.Get("Content-Disposition"); cd != fmt.Sprintf(`inline; filename="%s-%s.pdf"`, doc, c.Number) {
				t.Errorf("%s: Content-Disposition %q", doc, cd)
			}
			if r.header.Get("Cache-Control") != "no-store, private" {
				t.Errorf("%s: Cache-Control %q", doc, r.header.Get("Cache-Control"))
			}
		}
		wantErrors(t, checkProblem(t, e.do(request{path: "/api/v1/certificates/" + c.Number + "/documents/referto", token: tokenLaura}),
			http.StatusUnprocessableEntity), "path.doc")
		checkProblem(t, e.do(request{path: "/api/v1/certificates/20269999999/documents/ricevuta", token: tokenLaura}), http.StatusNotFound)
	})
}

// REQ CERT-4: sendings through the API from many clients at once take
// gapless numbers, on both engines.
func TestCertificates_ConcurrentSend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newCertEnv(t, tg)
		declare(e, tokenLaura)
		declare(e, tokenGiorgio)
		const workers, each = 8, 5
		numbers := make([][]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			token, patient := tokenLaura, mario.FiscalCode
			if w%2 == 1 {
				token, patient = tokenGiorgio, gianna
			}
			wg.Go(func() {
				for i := range each {
					key := fmt.Sprintf("w%d-%d", w, i)
					r := e.do(request{method: "POST", path: "/api/v1/certificates", token: token, key: key, body: spaBody(patient)})
					if r.status != http.StatusCreated {
						t.Errorf("%s: %d %s", key, r.status, r.body)
						return
					}
					var c api.Certificate
					decode(t, r, &c)
					numbers[w] = append(numbers[w], c.Number)
				}
			})
		}
		wg.Wait()
		var all []string
		for _, ns := range numbers {
			all = append(all, ns...)
		}
		slices.Sort(all)
		if len(all) != workers*each {
			t.Fatalf("%d numbers, want %d", len(all), workers*each)
		}
		for i, n := range all {
			if want := fmt.Sprintf("2026%07d", i+1); n != want {
				t.Fatalf("number %d is %s, want %s: %v", i, n, want, all)
			}
		}
	})
}
