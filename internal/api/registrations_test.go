package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

func TestStatus(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		r := e.do(request{path: "/api/v1/status"}) // public: no token
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store, private" {
			t.Errorf("Cache-Control %q", cc)
		}
		if r.header.Get("Link") != "" || bytes.Contains(r.body, []byte("$schema")) {
			t.Errorf("schema links in the response: Link %q, body %s", r.header.Get("Link"), r.body)
		}
		var s api.Status
		decode(t, r, &s)
		if s.Service != "sportello" || s.Version != "1.2.3" || s.SchemaVersion != e.db.LatestVersion() {
			t.Errorf("status %+v", s)
		}
		if !bytes.Contains(r.body, []byte(`"time":"2026-03-10T09:30:00+01:00"`)) {
			t.Errorf("time is not RFC 3339 in Europe/Rome: %s", r.body)
		}
	})
}

func postRegistration(e *env, key, body string) response {
	e.t.Helper()
	return e.do(request{method: "POST", path: "/api/v1/registrations", token: tokenOffice, key: key, body: body})
}

var numberRE = regexp.MustCompile(`^[0-9]{11}$`)

func TestCreateRegistration(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		first := postRegistration(e, "form-1", validBody)
		if first.status != http.StatusCreated {
			t.Fatalf("POST: %d %s", first.status, first.body)
		}
		var reg api.Registration
		decode(t, first, &reg)
		// REQ PROT-1: the number is AAAAnnnnnnn, the year in Europe/Rome.
		if !numberRE.MatchString(reg.Number) || reg.Number != "20260000001" {
			t.Errorf("number %q, want 20260000001", reg.Number)
		}
		if reg.Register != "protocollo" || reg.Kind != "domanda_cbt" || reg.Subject != "Domanda di cure balneotermali" ||
			reg.Correspondent != "RSSMRA56L12H501D" || reg.Annulled || reg.Corrects != 0 ||
			reg.Digest != protocol.Digest(`{"cura":"fanghi"}`) {
			t.Errorf("registration %+v", reg)
		}
		if bytes.Contains(first.body, []byte(`"corrects"`)) {
			t.Errorf("corrects is not omitted: %s", first.body)
		}
		if !bytes.Contains(first.body, []byte(`"registered_at":"2026-03-10T09:30:00+01:00"`)) {
			t.Errorf("registered_at is not RFC 3339 in Europe/Rome: %s", first.body)
		}
		if loc := first.header.Get("Location"); loc != fmt.Sprintf("/api/v1/registrations/%d", reg.ID) {
			t.Errorf("Location %q", loc)
		}
		if first.header.Get("Idempotent-Replayed") != "" || first.header.Get("Cache-Control") != "no-store, private" {
			t.Errorf("headers %v", first.header)
		}

		// REQ PROT-3: a retry gets the first response, marked as a replay,
		// and creates nothing; the canonical body ignores key order and spacing.
		reordered := `{ "content":"{\"cura\":\"fanghi\"}", "correspondent":"RSSMRA56L12H501D",
			"subject":"Domanda di cure balneotermali", "kind":"domanda_cbt" }`
		for _, body := range []string{validBody, reordered} {
			again := postRegistration(e, "form-1", body)
			if again.status != http.StatusCreated || !bytes.Equal(again.body, first.body) ||
				again.header.Get("Location") != first.header.Get("Location") {
				t.Errorf("replay: %d %s %q; want 201 %s", again.status, again.body, again.header.Get("Location"), first.body)
			}
			if again.header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("replay without Idempotent-Replayed: true")
			}
		}
		if _, total, _ := e.db.FindRegistrations(ctx, store.RegistrationFilter{}); total != 1 {
			t.Errorf("%d registrations, want 1", total)
		}
		// Keys belong to their caller: another actor's same key is a new request.
		other := e.do(request{method: "POST", path: "/api/v1/registrations", token: tokenAdmin, key: "form-1", body: validBody})
		if other.status != http.StatusCreated || other.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("admin with the same key: %d %v", other.status, other.header)
		}

		// The event and the audit entry were written with the registration.
		events, err := e.db.CaseHistory(ctx, "registration", fmt.Sprint(reg.ID))
		if err != nil || len(events) != 1 || events[0].Kind != "registered" || events[0].Actor != "office:7" || events[0].Channel != "api" {
			t.Errorf("history %+v, %v", events, err)
		}
		trail, err := e.db.AuditTrail(ctx, fmt.Sprintf("registration:%d", reg.ID), 0)
		if err != nil || len(trail) != 1 || trail[0].Action != "registration.create" || trail[0].Actor != "office:7" {
			t.Errorf("audit trail %+v, %v", trail, err)
		}
	})
}

// REQ PROT-3: concurrent duplicates of one create produce one registration
// and the same answer.
func TestCreateRegistration_Concurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		const n = 16
		res := make([]response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { res[i] = postRegistration(e, "double-click", validBody) })
		}
		wg.Wait()
		firsts := 0
		for i, r := range res {
			if r.status != http.StatusCreated || !bytes.Equal(r.body, res[0].body) {
				t.Fatalf("call %d: %d %s; call 0: %s", i, r.status, r.body, res[0].body)
			}
			if r.header.Get("Idempotent-Replayed") == "" {
				firsts++
			}
		}
		if firsts != 1 {
			t.Errorf("%d responses were not replays, want 1", firsts)
		}
		if _, total, _ := e.db.FindRegistrations(context.Background(), store.RegistrationFilter{}); total != 1 {
			t.Errorf("%d registrations, want 1", total)
		}
	})
}

// seed registers n documents in reg directly through the store.
func seed(t *testing.T, db *store.DB, reg protocol.Register, n int) []protocol.Registration {
	t.Helper()
	var out []protocol.Registration
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		out = nil
		for i := range n {
			r, err := tx.Register(context.Background(), protocol.NewRegistration{Register: reg, Kind: "domanda_cbt",
				Subject: fmt.Sprintf("Documento %d", i+1), Correspondent: "RSSMRA56L12H501D", Payload: "{}",
				Actor: "office:seed", Channel: "office"})
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListRegistrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		regs := seed(t, e.db, protocol.General, 45)
		seed(t, e.db, protocol.Certificates, 3)
		if err := e.db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Annul(context.Background(), protocol.Annulment{RegistrationID: regs[21].ID, Actor: "office:7", Reason: "Doppio"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		link := func(page int) string {
			return fmt.Sprintf("/api/v1/registrations?page=%d&per_page=20&register=protocollo", page)
		}
		for _, tc := range []struct {
			page      int
			items     int
			firstNum  string
			wantLinks map[string]string
		}{
			{1, 20, "20260000001", map[string]string{"first": link(1), "next": link(2), "last": link(3)}},
			{2, 20, "20260000021", map[string]string{"first": link(1), "prev": link(1), "next": link(3), "last": link(3)}},
			{3, 5, "20260000041", map[string]string{"first": link(1), "prev": link(2), "last": link(3)}},
			{4, 0, "", map[string]string{"first": link(1), "prev": link(3), "last": link(3)}}, // past the end: empty, links lead back
		} {
			t.Run(fmt.Sprint("page ", tc.page), func(t *testing.T) {
				r := e.do(request{path: fmt.Sprintf("/api/v1/registrations?register=protocollo&page=%d", tc.page), token: tokenOffice})
				if r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.body)
				}
				var p api.Page[api.Registration]
				decode(t, r, &p)
				if p.Page != tc.page || p.PerPage != 20 || p.Total != 45 || p.TotalPages != 3 || len(p.Items) != tc.items {
					t.Fatalf("page %d: %+v with %d items", tc.page, p, len(p.Items))
				}
				if tc.items > 0 && p.Items[0].Number != tc.firstNum {
					t.Errorf("first item %s, want %s", p.Items[0].Number, tc.firstNum)
				}
				if bytes.Contains(r.body, []byte(`"content"`)) {
					t.Errorf("list carries content")
				}
				if got := parseLinks(t, r.header.Get("Link")); !equalMaps(got, tc.wantLinks) {
					t.Errorf("Link %q\n got %v\nwant %v", r.header.Get("Link"), got, tc.wantLinks)
				}
				if r.header.Get("Cache-Control") != "no-store, private" {
					t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
				}
				for _, it := range p.Items {
					if it.Annulled != (it.ID == regs[21].ID) {
						t.Errorf("registration %d annulled=%v", it.ID, it.Annulled)
					}
				}
			})
		}
		// REQ AUD-1: each list call that showed a person's codice fiscale is
		// in that person's audit trail, naming who looked.
		trail, err := e.db.AuditTrail(context.Background(), "person:RSSMRA56L12H501D", 100)
		if err != nil {
			t.Fatal(err)
		}
		lists := 0
		for _, en := range trail {
			if en.Action == "registration.list" {
				lists++
				if en.Actor == "" || en.Channel != "api" {
					t.Errorf("list audit entry %+v lacks actor or channel", en)
				}
			}
		}
		if lists != 3 { // pages 1-3 showed the person; page 4 was empty
			t.Errorf("%d list reads audited for the person, want 3", lists)
		}
		// Defaults and filters: all registers, 20 per page; another year is empty.
		var all api.Page[api.Registration]
		decode(t, e.do(request{path: "/api/v1/registrations", token: tokenAdmin}), &all)
		if all.Total != 48 || all.PerPage != 20 || all.TotalPages != 3 || len(all.Items) != 20 {
			t.Errorf("unfiltered: %+v", all)
		}
		r := e.do(request{path: "/api/v1/registrations?year=2025&per_page=100", token: tokenOffice})
		var none api.Page[api.Registration]
		decode(t, r, &none)
		if none.Total != 0 || none.TotalPages != 0 || none.Items == nil || len(none.Items) != 0 {
			t.Errorf("2025: %+v", none)
		}
		if want := map[string]string{"first": "/api/v1/registrations?page=1&per_page=100&year=2025", "last": "/api/v1/registrations?page=1&per_page=100&year=2025"}; !equalMaps(parseLinks(t, r.header.Get("Link")), want) {
			t.Errorf("empty list Link %q", r.header.Get("Link"))
		}
	})
}

var linkRE = regexp.MustCompile(`^<([^>]*)>; rel="([a-z]+)"$`)

// parseLinks parses an RFC 8288 Link header into rel -> target.
func parseLinks(t *testing.T, header string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for part := range strings.SplitSeq(header, ", ") {
		m := linkRE.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("bad link %q in %q", part, header)
		}
		out[m[2]] = m[1]
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestGetRegistration(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		c := postRegistration(e, "form-1", validBody)
		var reg api.Registration
		decode(t, c, &reg)
		if err := e.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Annul(ctx, protocol.Annulment{RegistrationID: reg.ID, Actor: "office:9", Reason: "Provvedimento 12/2026"})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		r := e.do(request{path: c.header.Get("Location"), token: tokenOffice})
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store, private" {
			t.Fatalf("GET: %d %v %s", r.status, r.header, r.body)
		}
		var d api.RegistrationDetail
		decode(t, r, &d)
		if d.ID != reg.ID || d.Number != reg.Number || d.Content != `{"cura":"fanghi"}` || !d.Annulled {
			t.Errorf("detail %+v", d)
		}
		if d.Annulment == nil || d.Annulment.Actor != "office:9" || d.Annulment.Reason != "Provvedimento 12/2026" {
			t.Errorf("annulment %+v", d.Annulment)
		}
		if len(d.History) != 1 || d.History[0].Kind != "registered" || d.History[0].Actor != "office:7" ||
			d.History[0].Payload["number"] != reg.Number {
			t.Errorf("history %+v", d.History)
		}

		// REQ AUD-1: the read is in the audit trail, with who read it.
		trail, err := e.db.AuditTrail(ctx, fmt.Sprintf("registration:%d", reg.ID), 0)
		if err != nil {
			t.Fatal(err)
		}
		var reads int
		for _, en := range trail {
			if en.Action == "registration.read" {
				reads++
				if en.Actor != "office:7" || en.Channel != "api" {
					t.Errorf("read entry %+v", en)
				}
			}
		}
		if reads != 1 {
			t.Errorf("%d read entries, want 1: %+v", reads, trail)
		}
		if _, err := e.db.VerifyAudit(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}
