package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// REQ PROT-3: sending the check page twice, or eight times at once, with
// the same token registers once, and every answer points to that record.
func TestExampleSubmit_Once(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})

		// postConcurrently sends the same submission n times at once and
		// returns each answer's Location.
		postConcurrently := func(b *browser, token string, n int) []string {
			t.Helper()
			var wg sync.WaitGroup
			locs, errs := make([]string, n), make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					p, err := b.send(http.MethodPost, "/esempi/invia", url.Values{tokenField: {token}})
					switch {
					case err != nil:
						errs[i] = err
					case p.Status != http.StatusSeeOther:
						errs[i] = fmt.Errorf("status %d, want 303; body %.300s", p.Status, p.Body)
					default:
						locs[i] = p.Location()
					}
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("concurrent POST /esempi/invia #%d: %v", i, err)
				}
			}
			return locs
		}

		t.Run("Sequential", func(t *testing.T) {
			b := h.newBrowser(t, "")
			b.fillExample()
			token := b.submitToken()
			first := b.post("/esempi/invia", url.Values{tokenField: {token}})
			if first.Status != http.StatusSeeOther || !strings.HasPrefix(first.Location(), "/esempi/conferma/") {
				t.Fatalf("first POST /esempi/invia: got %d %q, want 303 to /esempi/conferma/<number>", first.Status, first.Location())
			}
			second := b.post("/esempi/invia", url.Values{tokenField: {token}})
			expectRedirect(t, second, first.Location())
			for i, loc := range postConcurrently(b, token, 8) {
				if loc != first.Location() {
					t.Errorf("concurrent replay #%d: Location %q, want %q", i, loc, first.Location())
				}
			}
			mine := h.actorRegistrations(t, b.actor())
			if len(mine) != 1 {
				t.Fatalf("registrations of the browser: got %d, want 1: %+v", len(mine), mine)
			}
			if got, want := "/esempi/conferma/"+mine[0].Number.String(), first.Location(); got != want {
				t.Errorf("registered number: confirmation %q, want %q", got, want)
			}
			if mine[0].Subject != h.cat.T(i18n.IT, "example.subject") || mine[0].Channel != history.ChannelWeb {
				t.Errorf("registration: subject %q channel %q, want %q and %q", mine[0].Subject, mine[0].Channel, h.cat.T(i18n.IT, "example.subject"), history.ChannelWeb)
			}
			// One event and one audit entry (AUD-1), however many replays.
			id := strconv.FormatInt(mine[0].ID, 10)
			evs, err := h.db.CaseHistory(context.Background(), "registration", id)
			if err != nil || len(evs) != 1 || evs[0].Kind != "submitted" {
				t.Errorf("case history: %+v (%v), want one \"submitted\" event", evs, err)
			}
			trail, err := h.db.AuditTrail(context.Background(), "registration:"+id, 0)
			if err != nil || len(trail) != 1 || trail[0].Action != "registration.create" || trail[0].Actor != b.actor() {
				t.Errorf("audit trail: %+v (%v), want one registration.create by %s", trail, err, b.actor())
			}
			// The draft went with the submission.
			expectRedirect(t, b.get("/esempi/riepilogo"), "/esempi/domanda")
		})

		t.Run("ConcurrentFirst", func(t *testing.T) {
			b := h.newBrowser(t, "")
			b.fillExample()
			token := b.submitToken()
			locs := postConcurrently(b, token, 8)
			for i, loc := range locs {
				if loc != locs[0] || !strings.HasPrefix(loc, "/esempi/conferma/") {
					t.Errorf("concurrent POST #%d: Location %q, want %q like every other, to /esempi/conferma/<number>", i, loc, locs[0])
				}
			}
			expectRedirect(t, b.post("/esempi/invia", url.Values{tokenField: {token}}), locs[0])
			if mine := h.actorRegistrations(t, b.actor()); len(mine) != 1 {
				t.Fatalf("registrations of the browser: got %d, want 1: %+v", len(mine), mine)
			}
		})

		t.Run("NewTokenAfterSubmission", func(t *testing.T) {
			// A second check page opened before the first was sent carries
			// another token, but the draft is gone: nothing new is saved.
			b := h.newBrowser(t, "")
			b.fillExample()
			t1, t2 := b.submitToken(), b.submitToken()
			first := b.post("/esempi/invia", url.Values{tokenField: {t1}})
			expectStatus(t, first, http.StatusSeeOther)
			expectRedirect(t, b.post("/esempi/invia", url.Values{tokenField: {t2}}), "/esempi/domanda")
			if mine := h.actorRegistrations(t, b.actor()); len(mine) != 1 {
				t.Fatalf("registrations of the browser: got %d, want 1", len(mine))
			}
		})

		h.expectRegistrations(t, 3)
	})
}

// REQ PROT-3: one draft sent from several check pages at once (two tabs,
// the back button) registers one record. The draft is taken inside the
// submitting transaction; the test holds the group-commit writer so that
// the four requests share one batch, as they would under load (on
// PostgreSQL the draft row is also locked across nodes).
func TestExampleSubmit_OneDraftOneRecord(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		b := h.newBrowser(t, "")
		b.fillExample()
		var tokens []string
		for range 4 {
			tokens = append(tokens, b.submitToken()) // four tabs on the check page
		}
		started, release := make(chan struct{}), make(chan struct{})
		held := make(chan error, 1)
		go func() {
			held <- h.db.Submit(context.Background(), func(*store.Tx) error {
				close(started)
				<-release
				return nil
			})
		}()
		<-started
		var wg sync.WaitGroup
		locs, errs := make([]string, len(tokens)), make([]error, len(tokens))
		for i, token := range tokens {
			wg.Go(func() {
				p, err := b.send(http.MethodPost, "/esempi/invia", url.Values{tokenField: {token}})
				if err != nil {
					errs[i] = err
					return
				}
				locs[i] = p.Location()
			})
		}
		for deadline := time.Now().Add(10 * time.Second); h.db.QueueLen() < len(tokens) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		close(release)
		wg.Wait()
		if err := <-held; err != nil {
			t.Fatalf("holding submission: %v", err)
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("POST /esempi/invia #%d: %v", i, err)
			}
		}
		if mine := h.actorRegistrations(t, b.actor()); len(mine) != 1 {
			t.Errorf("one draft sent from %d check pages at once: %d registrations, want 1; answers %v", len(tokens), len(mine), locs)
		}
	})
}

// actorRegistrations returns the example registrations of one browser.
func (h *harness) actorRegistrations(t testing.TB, actor string) []protocol.Registration {
	t.Helper()
	var out []protocol.Registration
	for _, r := range h.exampleRegistrations(t) {
		if r.Actor == actor {
			out = append(out, r)
		}
	}
	return out
}

// draft returns the browser's saved answers and whether there are any.
func (h *harness) draft(t testing.TB, b *browser) (exampleAnswers, bool) {
	t.Helper()
	var a exampleAnswers
	d, err := h.db.FindDraft(context.Background(), b.actor(), exampleForm)
	if apperr.Is(err, apperr.NotFound) {
		return a, false
	}
	if err != nil {
		t.Fatalf("FindDraft: %v", err)
	}
	if err := json.Unmarshal([]byte(d.Data), &a); err != nil {
		t.Fatalf("draft %q: %v", d.Data, err)
	}
	return a, true
}

// CSRF, first line: net/http.CrossOriginProtection refuses a cross-origin
// POST even with a valid token, before any handler runs.
func TestCrossOriginProtection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		b := h.newBrowser(t, "")
		b.fillExample()
		before, _ := h.draft(t, b)
		formPage := b.get("/esempi/domanda")
		formTok := formToken(t, formPage)
		submitTok := b.submitToken()
		intruder := validAnswers()
		intruder.Set("nome", "Intruso")

		headers := []struct {
			name string
			hdr  []string
		}{
			{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
			{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}},
			{"Origin of another host", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
			{"Origin null", []string{"Sec-Fetch-Site", "", "Origin", "null"}},
		}
		posts := []struct {
			path string
			form url.Values
		}{
			{"/esempi/domanda", withToken(intruder, formTok)},
			{"/esempi/invia", url.Values{tokenField: {submitTok}}},
			{"/sessione/rinnova?form=esempio-invia", url.Values{}},
		}
		for _, hc := range headers {
			for _, pc := range posts {
				p := b.post(pc.path, pc.form, hc.hdr...)
				if p.Status != http.StatusForbidden {
					t.Errorf("POST %s with %s: status %d, want 403", pc.path, hc.name, p.Status)
				}
				if strings.Contains(p.Body, `"token"`) {
					t.Errorf("POST %s with %s: the answer holds a token: %.200s", pc.path, hc.name, p.Body)
				}
			}
		}
		h.expectRegistrations(t, 0)
		if after, _ := h.draft(t, b); after != before {
			t.Errorf("draft after cross-origin POSTs: got %+v, want unchanged %+v", after, before)
		}
		// The same tokens, same-origin, still work: the origin was the reason.
		expectRedirect(t, b.post("/esempi/domanda", withToken(validAnswers(), formTok)), "/esempi/riepilogo")
		p := b.post("/esempi/invia", url.Values{tokenField: {submitTok}})
		if !strings.HasPrefix(p.Location(), "/esempi/conferma/") {
			t.Fatalf("same-origin POST /esempi/invia after the refusals: got %d %q, want 303 to the confirmation", p.Status, p.Location())
		}
		h.expectRegistrations(t, 1)
	})
}

// tamper flips one bit of a token's byte i (negative: from the end).
func tamper(t *testing.T, token string, i int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(raw)
}

// CSRF, second line: the form token binds a form to one browser and one
// form; any other token re-renders the form (403) and saves nothing.
func TestFormToken_Refused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		a, other := h.newBrowser(t, ""), h.newBrowser(t, "")
		a.fillExample() // a complete draft that a refused POST must not touch
		before, _ := h.draft(t, a)
		aForm := formToken(t, a.get("/esempi/domanda"))
		aSubmit := a.submitToken()
		otherForm := formToken(t, other.get("/esempi/domanda"))
		other.fillExample()
		otherSubmit := other.submitToken()

		typed := validAnswers()
		typed.Set("nome", "Giovanni Intruso")
		cases := []struct {
			name  string
			token *string // nil: no token field
		}{
			{"token of another browser", &otherForm},
			{"token of the submit form", &aSubmit},
			{"garbled", ptr("not-a-token!")},
			{"empty", ptr("")},
			{"missing", nil},
			{"truncated", ptr(aForm[:len(aForm)-4])},
			{"MAC altered", ptr(tamper(t, aForm, -1))},
			{"expiry extended", ptr(tamper(t, aForm, 7))},
			{"nonce altered", ptr(tamper(t, aForm, 10))},
		}
		for _, c := range cases {
			t.Run("domanda/"+c.name, func(t *testing.T) {
				a := a.in(t)
				form := typed
				if c.token != nil {
					form = withToken(typed, *c.token)
				}
				p := a.post("/esempi/domanda", form)
				expectStatus(t, p, http.StatusForbidden)
				if want := h.cat.T(i18n.IT, "form.err.token"); !contains(p, want) || htmlLang(p) != "it" {
					t.Errorf("token %s: the page (lang %q) lacks the Italian error %q", c.name, htmlLang(p), want)
				}
				byID(t, p, "error-summary")
				if got := byID(t, p, "nome").Attrs["value"]; got != "Giovanni Intruso" {
					t.Errorf("token %s: nome value %q, want what was typed", c.name, got)
				}
				if fresh := formToken(t, p); c.token != nil && fresh == *c.token {
					t.Errorf("token %s: the page carries the refused token again", c.name)
				}
				if after, _ := h.draft(t, a); after != before {
					t.Errorf("token %s: draft got %+v, want unchanged %+v", c.name, after, before)
				}
			})
		}

		submitCases := []struct {
			name, token string
		}{
			{"token of another browser", otherSubmit},
			{"token of the question form", aForm},
			{"garbled", "%%%"},
			{"MAC altered", tamper(t, aSubmit, -1)},
		}
		for _, c := range submitCases {
			t.Run("invia/"+c.name, func(t *testing.T) {
				a := a.in(t)
				p := a.post("/esempi/invia", url.Values{tokenField: {c.token}})
				expectRedirect(t, p, "/esempi/riepilogo")
				back := a.follow(p)
				expectStatus(t, back, http.StatusOK)
				if want := h.cat.T(i18n.IT, "flash.token"); !contains(back, want) {
					t.Errorf("token %s: the check page lacks the notice %q", c.name, want)
				}
			})
		}
		h.expectRegistrations(t, 0)

		// The browser's own tokens still work.
		p := a.post("/esempi/invia", url.Values{tokenField: {aSubmit}})
		if !strings.HasPrefix(p.Location(), "/esempi/conferma/") {
			t.Fatalf("POST /esempi/invia with the browser's own token: got %d %q, want 303 to the confirmation", p.Status, p.Location())
		}
		h.expectRegistrations(t, 1)
	})
}

func ptr[T any](v T) *T { return &v }

// The server enforces the form's lifetime (30 minutes by default): a late
// POST is refused but nothing typed is lost.
func TestExampleForm_Expiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		typed := url.Values{
			"nome":      {`Anna "Nina" D'Amico`},
			"email":     {"anna.damico@example.it"},
			"nascita":   {"02/11/1961"},
			"argomento": {"invalidita-civile"},
			"messaggio": {"Città <b>&</b> provincia: Sant'Angelo"},
		}
		cases := []struct {
			wait    time.Duration
			expired bool
		}{
			{29*time.Minute + 59*time.Second, false},
			{30 * time.Minute, false},
			{30*time.Minute + time.Second, true},
			{26 * time.Hour, true},
		}
		for _, c := range cases {
			t.Run(c.wait.String(), func(t *testing.T) {
				b := h.newBrowser(t, "")
				form := b.get("/esempi/domanda")
				token := formToken(t, form)
				if got, want := byID(t, form, "main").Attrs["data-session-expires"], h.clock.Now().Add(30*time.Minute).UTC().Format(time.RFC3339); got != want {
					t.Errorf("data-session-expires %q, want %q", got, want)
				}
				h.clock.Advance(c.wait)
				p := b.post("/esempi/domanda", withToken(typed, token))
				if !c.expired {
					expectRedirect(t, p, "/esempi/riepilogo")
					return
				}
				expectStatus(t, p, http.StatusUnprocessableEntity)
				for _, key := range []string{"form.err.expired", "form.expired.kept"} {
					if want := h.cat.T(i18n.IT, key); !contains(p, want) {
						t.Errorf("after %s: the page lacks %q", c.wait, want)
					}
				}
				if !strings.Contains(h.cat.T(i18n.IT, "form.err.expired"), "scaduta") {
					t.Errorf("form.err.expired does not say «scaduta»")
				}
				expectValues(t, p, typed)
				fresh := formToken(t, p)
				if fresh == token {
					t.Fatalf("after %s: the page carries the expired token again", c.wait)
				}
				if d, ok := h.draft(t, b); !ok || d.Name != typed.Get("nome") || d.Message != typed.Get("messaggio") {
					t.Errorf("after %s: draft %+v (saved %v), want the typed answers", c.wait, d, ok)
				}
				// The fresh token is good for another 30 minutes.
				h.clock.Advance(29 * time.Minute)
				expectRedirect(t, b.post("/esempi/domanda", withToken(typed, fresh)), "/esempi/riepilogo")
			})
		}

		t.Run("SubmitPage", func(t *testing.T) {
			b := h.newBrowser(t, "")
			b.fillExample()
			token := b.submitToken()
			h.clock.Advance(31 * time.Minute)
			p := b.post("/esempi/invia", url.Values{tokenField: {token}})
			expectRedirect(t, p, "/esempi/riepilogo")
			back := b.follow(p)
			if want := h.cat.T(i18n.IT, "flash.token"); !contains(back, want) {
				t.Errorf("the check page lacks %q", want)
			}
			if n := len(h.actorRegistrations(t, b.actor())); n != 0 {
				t.Fatalf("an expired submission registered %d records", n)
			}
			p = b.post("/esempi/invia", url.Values{tokenField: {formToken(t, back)}})
			if !strings.HasPrefix(p.Location(), "/esempi/conferma/") {
				t.Fatalf("POST with the fresh token: got %d %q, want 303 to the confirmation", p.Status, p.Location())
			}
		})
	})
}

// expectValues checks that the question page shows the answers in its
// fields.
func expectValues(t testing.TB, p *page, want url.Values) {
	t.Helper()
	for _, id := range []string{"nome", "email", "nascita"} {
		if got := byID(t, p, id).Attrs["value"]; got != want.Get(id) {
			t.Errorf("%s: input %s value %q, want %q", p, id, got, want.Get(id))
		}
	}
	for _, topic := range exampleTopics {
		e := byID(t, p, "argomento-"+topic)
		if checked, wantChecked := e.has("checked"), topic == want.Get("argomento"); checked != wantChecked {
			t.Errorf("%s: radio %s checked %v, want %v", p, topic, checked, wantChecked)
		}
	}
	if got := textAfter(p.Body, byID(t, p, "messaggio"), "textarea"); got != want.Get("messaggio") {
		t.Errorf("%s: textarea messaggio %q, want %q", p, got, want.Get("messaggio"))
	}
}

// fieldError describes where the question page shows one field's error.
type fieldError struct {
	field   string // the id the summary links to
	control string // the element that carries aria-describedby
	msgID   string
	key     string
	invalid bool // the control carries aria-invalid="true"
}

var exampleFieldErrors = map[string]fieldError{
	"nome":      {"nome", "nome", "nome-error", "", true},
	"email":     {"email", "email", "email-error", "", true},
	"nascita":   {"nascita", "nascita", "nascita-error", "", true},
	"argomento": {"argomento-cure-termali", "", "argomento-error", "", false}, // the fieldset
	"messaggio": {"messaggio", "messaggio", "messaggio-error", "", true},
}

// expectFieldErrors checks the error summary and each field's error: its
// message next to the field, aria-invalid and aria-describedby; and that no
// other field is marked.
func expectFieldErrors(t *testing.T, h *harness, p *page, lang i18n.Lang, want map[string]string) {
	t.Helper()
	summary := byID(t, p, "error-summary")
	summaryHTML := p.Body[summary.end:]
	summaryHTML = summaryHTML[:strings.Index(summaryHTML, "</div>")]
	var links []string
	for _, a := range findElements(summaryHTML, "a", "href", "*") {
		links = append(links, strings.TrimPrefix(a.Attrs["href"], "#"))
	}
	var wantLinks []string
	for _, name := range []string{"nome", "email", "nascita", "argomento", "messaggio"} {
		fe := exampleFieldErrors[name]
		key, bad := want[name]
		var describer element
		if fe.control != "" {
			describer = byID(t, p, fe.control)
		} else {
			fs := findElements(p.Body, "fieldset", "class", "*")
			if len(fs) != 1 {
				t.Fatalf("%s: %d fieldsets, want 1", p, len(fs))
			}
			describer = fs[0]
		}
		if !bad {
			if describer.Attrs["aria-invalid"] == "true" || describer.hasToken("aria-describedby", fe.msgID) || strings.Contains(p.Body, `id="`+fe.msgID+`"`) {
				t.Errorf("%s: field %s is marked wrong, want no error: %s", p, name, describer.Raw)
			}
			continue
		}
		wantLinks = append(wantLinks, fe.field)
		msg := h.cat.T(lang, key)
		if got := innerText(t, p, fe.msgID); got != h.cat.T(lang, "error.prefix")+" "+msg {
			t.Errorf("%s: #%s text %q, want %q", p, fe.msgID, got, h.cat.T(lang, "error.prefix")+" "+msg)
		}
		if !describer.hasToken("aria-describedby", fe.msgID) {
			t.Errorf("%s: field %s aria-describedby %q, want it to name %s", p, name, describer.Attrs["aria-describedby"], fe.msgID)
		}
		if fe.invalid && describer.Attrs["aria-invalid"] != "true" {
			t.Errorf("%s: field %s aria-invalid %q, want \"true\"", p, name, describer.Attrs["aria-invalid"])
		}
		byID(t, p, fe.field) // the summary's link has a target
		// The message is next to its field.
		if i, j := strings.Index(p.Body, `id="`+fe.msgID+`"`), strings.Index(p.Body, describer.Raw); max(i-j, j-i) > 800 {
			t.Errorf("%s: #%s is %d bytes away from its field", p, fe.msgID, max(i-j, j-i))
		}
		if !strings.Contains(innerText(t, p, "error-summary"), msg) {
			t.Errorf("%s: the error summary lacks %q", p, msg)
		}
	}
	if !slices.Equal(links, wantLinks) {
		t.Errorf("%s: summary links %v, want %v in page order", p, links, wantLinks)
	}
}

// Field-by-field validation, in Italian and English, with the error
// summary and accessible errors (GOV.UK / Designers Italia patterns).
func TestExampleForm_Validation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		for _, lc := range []struct {
			accept string
			lang   i18n.Lang
			prefix string
		}{{"", i18n.IT, "Errore:"}, {"en-GB,en;q=0.9", i18n.EN, "Error:"}} {
			t.Run("Empty/"+string(lc.lang), func(t *testing.T) {
				b := h.newBrowser(t, lc.accept)
				token := formToken(t, b.get("/esempi/domanda"))
				empty := url.Values{"nome": {""}, "email": {""}, "nascita": {""}, "messaggio": {""}}
				p := b.post("/esempi/domanda", withToken(empty, token))
				expectStatus(t, p, http.StatusUnprocessableEntity)
				if htmlLang(p) != string(lc.lang) {
					t.Errorf("lang %q, want %q", htmlLang(p), lc.lang)
				}
				if got := title(p); !strings.HasPrefix(got, lc.prefix+" ") {
					t.Errorf("title %q, want the prefix %q", got, lc.prefix)
				}
				expectFieldErrors(t, h, p, lc.lang, map[string]string{
					"nome": "example.err.name.missing", "email": "example.err.email.missing",
					"nascita": "example.err.born.missing", "argomento": "example.err.topic",
				})
				expectValues(t, p, empty)
				// The first page, without errors, has no prefix.
				if got := title(b.get("/esempi/domanda")); strings.HasPrefix(got, lc.prefix) {
					t.Errorf("title without errors %q has the error prefix", got)
				}
			})
		}

		t.Run("TooLarge", func(t *testing.T) {
			b := h.newBrowser(t, "")
			answers := withToken(validAnswers(), formToken(t, b.get("/esempi/domanda")))
			answers.Set("messaggio", strings.Repeat("x", 70<<10))
			p := b.post("/esempi/domanda", answers)
			expectStatus(t, p, http.StatusBadRequest)
			if want := h.cat.T(i18n.IT, "form.err.unreadable"); !contains(p, want) {
				t.Errorf("a body over 64 KiB: the page lacks %q", want)
			}
			if _, ok := h.draft(t, b); ok {
				t.Errorf("a body over 64 KiB saved a draft")
			}
		})

		long := func(n int) string { return strings.Repeat("à", n) }
		cases := []struct {
			name  string
			field string // answer changed
			value string
			key   string // "" when valid
		}{
			{"name of 100 letters", "nome", long(100), ""},
			{"name of 101 letters", "nome", long(101), "example.err.name.long"},
			{"name of spaces", "nome", "   ", "example.err.name.missing"},
			{"email without @", "email", "maria.rossi", "example.err.email.format"},
			{"email without a dot in the domain", "email", "maria@localhost", "example.err.email.format"},
			{"email with a display name", "email", "Maria <maria@example.it>", "example.err.email.format"},
			{"email with two @", "email", "maria@@example.it", "example.err.email.format"},
			{"date in ISO form", "nascita", "1950-03-31", "example.err.born.format"},
			{"date that does not exist", "nascita", "31/02/1950", "example.err.born.format"},
			{"date before 1900", "nascita", "31/12/1899", "example.err.born.range"},
			{"date in the future", "nascita", "01/01/2027", "example.err.born.range"},
			{"date of 1900", "nascita", "01/01/1900", ""},
			{"unknown topic", "argomento", "pensioni", "example.err.topic"},
			{"message of 1000 letters", "messaggio", long(1000), ""},
			{"message of 1001 letters", "messaggio", long(1001), "example.err.message.long"},
		}
		b := h.newBrowser(t, "")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				b := b.in(t)
				answers := validAnswers()
				answers.Set(c.field, c.value)
				p := b.post("/esempi/domanda", withToken(answers, formToken(t, b.get("/esempi/domanda"))))
				if c.key == "" {
					expectRedirect(t, p, "/esempi/riepilogo")
					return
				}
				expectStatus(t, p, http.StatusUnprocessableEntity)
				expectFieldErrors(t, h, p, i18n.IT, map[string]string{c.field: c.key})
				want := url.Values{}
				for k := range answers {
					want.Set(k, strings.TrimSpace(answers.Get(k)))
				}
				if c.field == "argomento" {
					want.Set("argomento", "") // no radio is checked for an unknown value
				}
				expectValues(t, p, want)
			})
		}
		h.expectRegistrations(t, 0)
	})
}

// CBT-11 (drafts over several sessions, on the example flow): answers are
// saved at every step, even wrong ones, and only for their browser.
func TestExampleForm_Drafts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		a, other := h.newBrowser(t, ""), h.newBrowser(t, "")

		// Without a draft, the check page sends back to the question page.
		expectRedirect(t, a.get("/esempi/riepilogo"), "/esempi/domanda")

		partial := url.Values{"nome": {"Luca Bianchi"}, "email": {"luca@example.it"}, "nascita": {"3/3/33"}, "messaggio": {"Prima parte"}}
		p := a.post("/esempi/domanda", withToken(partial, formToken(t, a.get("/esempi/domanda"))))
		expectStatus(t, p, http.StatusUnprocessableEntity)

		again := a.get("/esempi/domanda")
		expectStatus(t, again, http.StatusOK)
		expectValues(t, again, partial)
		// An incomplete draft does not open the check page.
		expectRedirect(t, a.get("/esempi/riepilogo"), "/esempi/domanda")

		// Another browser sees none of it.
		theirs := other.get("/esempi/domanda")
		expectValues(t, theirs, url.Values{})
		if contains(theirs, "Luca Bianchi") || contains(theirs, "luca@example.it") {
			t.Fatalf("another browser's question page shows the first browser's draft")
		}
		expectRedirect(t, other.get("/esempi/riepilogo"), "/esempi/domanda")

		// Completed, it opens the check page with every answer.
		expectRedirect(t, a.post("/esempi/domanda", withToken(validAnswers(), formToken(t, again))), "/esempi/riepilogo")
		check := a.get("/esempi/riepilogo")
		expectStatus(t, check, http.StatusOK)
		for _, v := range []string{"Maria Rossi", "maria.rossi@example.it", "31/03/1950", h.cat.T(i18n.IT, "example.topic.cure-termali"), "Vorrei essere richiamata in mattinata."} {
			if !contains(check, v) {
				t.Errorf("the check page lacks %q", v)
			}
		}

		// Drafts last 7 days from the last save.
		h.clock.Advance(7*24*time.Hour - time.Second)
		expectStatus(t, a.get("/esempi/riepilogo"), http.StatusOK)
		h.clock.Advance(2 * time.Second)
		expectRedirect(t, a.get("/esempi/riepilogo"), "/esempi/domanda")
		expectValues(t, a.get("/esempi/domanda"), url.Values{})
	})
}

// REQ AUD-2: a browser sees only its own records; anybody else's, and any
// malformed number, is the 404 page.
func TestExampleRecords_AUD2(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		owner, other := h.newBrowser(t, ""), h.newBrowser(t, "")
		n := owner.submitExample()

		// A record of this browser, but of another kind, is not an example.
		var foreign protocol.Registration
		ownerActor := owner.actor()
		err := h.db.Submit(context.Background(), func(tx *store.Tx) error {
			var err error
			foreign, err = tx.Register(context.Background(), protocol.NewRegistration{Register: protocol.General, Kind: "certificato_cbt",
				Subject: "Certificato", Payload: "{}", Actor: ownerActor, Channel: history.ChannelWeb})
			return err
		})
		if err != nil {
			t.Fatalf("register: %v", err)
		}

		expectStatus(t, owner.get("/esempi/conferma/"+n), http.StatusOK)
		status := owner.get("/esempi/pratica/" + n)
		expectStatus(t, status, http.StatusOK)
		if want := h.cat.T(i18n.IT, "event.submitted"); !contains(status, want) {
			t.Errorf("the status page lacks the event %q", want)
		}
		if reg := owner.get("/esempi/registro"); !strings.Contains(reg.Body, n) || strings.Contains(reg.Body, foreign.Number.String()) {
			t.Errorf("the owner's register: holds %s %v (want true), holds %s %v (want false)",
				n, strings.Contains(reg.Body, n), foreign.Number, strings.Contains(reg.Body, foreign.Number.String()))
		}

		notFound := func(b *browser, path string) {
			t.Helper()
			p := b.get(path)
			if p.Status != http.StatusNotFound || !contains(p, h.cat.T(i18n.IT, "notfound.title")) {
				t.Errorf("GET %s: status %d, want the 404 page", path, p.Status)
			}
			if strings.Contains(p.Body, "Maria Rossi") || strings.Contains(p.Body, "maria.rossi@example.it") {
				t.Errorf("GET %s: the page shows the owner's data", path)
			}
		}
		for _, prefix := range []string{"/esempi/conferma/", "/esempi/pratica/"} {
			notFound(other, prefix+n)
			notFound(owner, prefix+foreign.Number.String())
			for _, bad := range []string{"abc", "2026000000", "202600000001", "20260000000", "19990000001",
				"20269999999", "%20", "2026000000%EF%BC%91", "2026-000001", "%00", strings.Repeat("9", 400)} {
				notFound(owner, prefix+bad)
			}
		}
		reg := other.get("/esempi/registro")
		expectStatus(t, reg, http.StatusOK)
		if strings.Contains(reg.Body, n) || !contains(reg, h.cat.T(i18n.IT, "example.register.empty")) {
			t.Errorf("another browser's register shows %s, or not the empty notice", n)
		}
	})
}

// The register is a paginated table: pages of 10 with a caption, the
// current page marked, and out-of-range pages sent to the nearest one.
func TestExampleRegister_Pagination(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		h := newHarness(t, tg, harnessOpts{})
		other := h.newBrowser(t, "")
		other.submitExample()
		other.submitExample() // not counted: another browser's
		b := h.newBrowser(t, "")
		var numbers []string
		for range 23 {
			numbers = append(numbers, b.submitExample())
		}
		if !slices.IsSorted(numbers) {
			t.Fatalf("numbers not increasing: %v", numbers)
		}

		caption := func(page, pages, total int) string {
			return h.cat.T(i18n.IT, "example.register.caption", page, pages, total)
		}
		for _, c := range []struct {
			query string
			page  int
		}{{"", 1}, {"?pagina=1", 1}, {"?pagina=2", 2}, {"?pagina=3", 3}, {"?pagina=abc", 1}, {"?pagina=0", 1}, {"?pagina=-4", 1}, {"?pagina=", 1}, {"?pagina=1e3", 1}} {
			p := b.get("/esempi/registro" + c.query)
			expectStatus(t, p, http.StatusOK)
			if want := caption(c.page, 3, 23); !contains(p, want) {
				t.Errorf("%s: caption missing, want %q", p, want)
			}
			var rows []string
			for _, a := range findElements(p.Body, "a", "href", "*") {
				if num, ok := strings.CutPrefix(a.Attrs["href"], "/esempi/pratica/"); ok {
					rows = append(rows, num)
				}
			}
			from := (c.page - 1) * 10
			if want := numbers[from:min(from+10, 23)]; !slices.Equal(rows, want) {
				t.Errorf("%s: rows %v, want %v", p, rows, want)
			}
			var current []string
			for _, a := range findElements(p.Body, "a", "class", "page-link") {
				if a.Attrs["aria-current"] == "page" {
					current = append(current, a.Attrs["href"])
				}
			}
			if want := []string{fmt.Sprintf("/esempi/registro?pagina=%d", c.page)}; !slices.Equal(current, want) {
				t.Errorf("%s: page links with aria-current %v, want %v", p, current, want)
			}
		}
		for _, q := range []string{"?pagina=4", "?pagina=99", "?pagina=922337203685477581"} {
			expectRedirect(t, b.get("/esempi/registro"+q), "/esempi/registro?pagina=3")
		}
		// Another browser with two records: one page, no pagination.
		p := other.get("/esempi/registro")
		if !contains(p, caption(1, 1, 2)) || len(findElements(p.Body, "a", "class", "page-link")) != 0 {
			t.Errorf("another browser's register: want caption %q and no page links", caption(1, 1, 2))
		}
		expectRedirect(t, other.get("/esempi/registro?pagina=2"), "/esempi/registro?pagina=1")
	})
}

// Flash messages show once, after the redirect; a forged cookie puts no
// text on the page.
func TestFlash(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	b := h.newBrowser(t, "")
	b.fillExample()
	sent := b.post("/esempi/invia", url.Values{tokenField: {b.submitToken()}})
	if !strings.HasPrefix(sent.Location(), "/esempi/conferma/") {
		t.Fatalf("POST /esempi/invia: got %d %q, want 303 to the confirmation", sent.Status, sent.Location())
	}
	msg := h.cat.T(i18n.IT, "flash.example.sent")
	confirm := b.follow(sent)
	expectStatus(t, confirm, http.StatusOK)
	if alerts := findElements(confirm.Body, "div", "class", "alert alert-success"); len(alerts) != 1 || !contains(confirm, msg) {
		t.Fatalf("after sending: %d status alerts, want 1 with %q", len(alerts), msg)
	}
	if reload := b.get(sent.Location()); contains(reload, msg) {
		t.Errorf("the flash shows again on reload")
	}

	for _, forged := range []string{"example.subject", "nav.home", "flash.nonexistent", "flash.", "Hacked-by-someone", "flash.example.sent.x"} {
		p := h.newBrowser(t, "").get("/", "Cookie", flashCookie+"="+forged)
		expectStatus(t, p, http.StatusOK)
		if alerts := findElements(p.Body, "div", "class", "alert alert-success"); len(alerts) != 0 {
			t.Errorf("cookie %s=%q: %d flash alerts, want none", flashCookie, forged, len(alerts))
		}
		if h.cat.Has(forged) && contains(p, h.cat.T(i18n.IT, forged)) && forged != "nav.home" {
			t.Errorf("cookie %s=%q: its text is on the page", flashCookie, forged)
		}
		if strings.Contains(p.Body, forged) && !h.cat.Has(forged) {
			t.Errorf("cookie %s=%q: the raw value is on the page", flashCookie, forged)
		}
		if sc := p.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, flashCookie+"=;") {
			t.Errorf("cookie %s=%q: Set-Cookie %q, want the cookie cleared", flashCookie, forged, sc)
		}
	}
}

// The session warning's "continue" (app.js) renews a form's token without
// leaving the page: the renewed token outlives the first one, and only for
// the browser that asked.
func TestRenewForm(t *testing.T) {
	h := sqliteHarness(t, harnessOpts{})
	b, other := h.newBrowser(t, ""), h.newBrowser(t, "")
	form := b.get("/esempi/domanda")
	if got := findElements(form.Body, "form", "data-form-id", "esempio-domanda"); len(got) != 1 {
		t.Fatalf("the question form has no data-form-id=esempio-domanda")
	}
	h.clock.Advance(29 * time.Minute)
	p := b.post("/sessione/rinnova?form=esempio-domanda", url.Values{})
	expectStatus(t, p, http.StatusOK)
	if ct, cc := p.Header.Get("Content-Type"), p.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-store, private" {
		t.Errorf("renew: Content-Type %q Cache-Control %q, want application/json, no-store", ct, cc)
	}
	var renewed struct{ Token, Expires string }
	if err := json.Unmarshal([]byte(p.Body), &renewed); err != nil || renewed.Token == "" {
		t.Fatalf("renew: body %q (%v), want a token", p.Body, err)
	}
	if want := h.clock.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339); renewed.Expires != want {
		t.Errorf("renew: expires %q, want %q", renewed.Expires, want)
	}
	h.clock.Advance(10 * time.Minute) // the page's own token has expired
	expectStatus(t, b.post("/esempi/domanda", withToken(validAnswers(), formToken(t, form))), http.StatusUnprocessableEntity)
	expectRedirect(t, b.post("/esempi/domanda", withToken(validAnswers(), renewed.Token)), "/esempi/riepilogo")
	// Not for another browser, nor another form.
	expectStatus(t, other.post("/esempi/domanda", withToken(validAnswers(), renewed.Token)), http.StatusForbidden)
	expectRedirect(t, b.post("/esempi/invia", url.Values{tokenField: {renewed.Token}}), "/esempi/riepilogo")
	h.expectRegistrations(t, 0)

	for _, bad := range []string{"", strings.Repeat("x", 65)} {
		if p := b.post("/sessione/rinnova?form="+bad, url.Values{}); p.Status != http.StatusBadRequest {
			t.Errorf("renew form=%q: status %d, want 400", bad, p.Status)
		}
	}
}
