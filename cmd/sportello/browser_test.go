package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Browser tests drive Debian's Chromium, headless, against the real server,
// run axe-core on every page they visit (any violation fails), check that
// the content security policy is never violated, and save screenshots at
// 1280 and 375 px as test artefacts (go test -artifacts keeps them).
// Without Chromium or axe-core they skip with a message, except under
// CI=true, where they are mandatory.

func need(t *testing.T, what, hint string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing and CI=true makes the browser tests mandatory: %s", what, hint)
	}
	t.Skipf("%s is missing: browser tests skipped (%s)", what, hint)
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "Chromium", "apt-get install -y chromium")
	return ""
}

func axeSource(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		need(t, "axe-core", "run `make assets` (npm ci)")
	}
	return string(b)
}

// cspCollector runs in every document before its scripts and records
// content-security-policy violations.
const cspCollector = `window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`

type browser struct {
	t   *testing.T
	ctx context.Context
	axe string
	dir string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromiumPath(t)
	axe := axeSource(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "it-IT"), chromedp.Flag("accept-lang", "it-IT,it"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspCollector}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, axe: axe, dir: t.ArtifactDir()}
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeRun runs axe-core on the current page with every rule (best
// practices included) and returns the violations.
func (b *browser) axeRun(name string) []axeViolation {
	b.t.Helper()
	b.do(chromedp.WaitReady("body"))
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
		b.t.Fatalf("%s: inject axe: %v", name, err)
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe: %v", name, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("%s: axe output: %v", name, err)
	}
	return vs
}

// check audits the current page: axe-core, CSP violations, and screenshots
// at desktop and phone widths.
func (b *browser) check(name string) {
	b.t.Helper()
	for _, v := range b.axeRun(name) {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("%s: axe %s (%s): %s\n    %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n    "))
	}
	if csp := eval[[]string](b, `window.__csp || []`); len(csp) > 0 {
		b.t.Errorf("%s: content security policy violated: %v", name, csp)
	}
	for _, w := range []int64{1280, 375} {
		png, err := chromedp.Run(b.ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			if _, err := chromedp.EmulateViewport(w, 900)(ctx, tg); err != nil {
				return nil, err
			}
			return chromedp.FullScreenshot(100)(ctx, tg)
		}))
		if err != nil {
			b.t.Fatalf("%s: screenshot: %v", name, err)
		}
		os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644)
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

func (b *browser) visit(url, name string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
	b.check(name)
}

// tab presses Tab and returns a description of the focused element.
func (b *browser) tab() string {
	b.t.Helper()
	b.do(chromedp.KeyEvent("\t"))
	return eval[string](b, `(function(e){return e.tagName+"#"+e.id+" "+(e.getAttribute("href")||"")+" "+(e.textContent||"").trim().slice(0,40)})(document.activeElement)`)
}

// tabTo presses Tab until the focused element matches cond (a JS boolean
// expression over e), failing after max presses.
func (b *browser) tabTo(cond string, max int) {
	b.t.Helper()
	for range max {
		b.do(chromedp.KeyEvent("\t"))
		if eval[bool](b, `(function(e){return !!e && !!(`+cond+`)})(document.activeElement)`) {
			return
		}
	}
	b.t.Fatalf("no element matching %s within %d Tab presses", cond, max)
}

// choose selects the option with value in the select with the id, from the
// keyboard: arrow keys move through a closed select's options.
func (b *browser) choose(id, value string) {
	b.t.Helper()
	b.do(chromedp.Focus("#" + id))
	for range 30 {
		if eval[string](b, `document.getElementById(`+jsString(id)+`).value`) == value {
			return
		}
		b.key(kb.ArrowDown)
	}
	b.t.Fatalf("#%s: no option %q reached with the arrow keys", id, value)
}

func (b *browser) key(k string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(k))
}

// follow presses a key that loads a new page and waits until the new
// document has replaced the old one and finished loading.
func (b *browser) follow(k string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do(chromedp.KeyEvent(k))
	for range 200 {
		fresh, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!window.__old && document.readyState === "complete"`))
		if err == nil && fresh {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.t.Fatalf("pressing %q did not load a new page (at %s)", k, eval[string](b, `location.href`))
}

// clear empties a field, as select-all and delete would.
func (b *browser) clear(id string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("` + id + `").value = ""`))
}

func (b *browser) waitPath(path string) {
	b.t.Helper()
	for range 100 {
		at := eval[string](b, `location.pathname`)
		if (at == path || (path != "/" && strings.HasSuffix(path, "/") && strings.HasPrefix(at, path))) && eval[string](b, `document.readyState`) == "complete" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("did not reach %s (at %s; errors: %q)", path, eval[string](b, `location.href`),
		eval[string](b, `(document.getElementById("error-summary")||{}).innerText||""`))
}

// REQ CH-1: every public page and every page pattern passes axe-core with
// no violation and keeps the content security policy, in both languages.
func TestBrowser_PagesAccessible(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	for _, p := range []struct{ path, name string }{
		{"/", "home"},
		{"/informazioni/cure-termali", "info-cbt"},
		{"/informazioni/invalidita-civile", "info-inv"},
		{"/privacy", "privacy"},
		{"/accessibilita", "accessibility"},
		{"/note-legali", "legal"},
		{"/esempi", "examples"},
		{"/esempi/domanda", "question"},
		{"/esempi/registro", "register-empty"},
		{"/pagina-che-non-esiste", "not-found"},
		{"/cure-termali/verifica-requisiti", "precheck"},
	} {
		b.visit(base+p.path, p.name)
	}
	// The pre-check with its errors, then with a result (RULE-1…RULE-11,
	// CBT-14): answered from the keyboard.
	const precheck = `form[action="/cure-termali/verifica-requisiti"] button[type=submit]`
	b.submit(precheck)
	if n := eval[int](b, `document.querySelectorAll("#error-summary a").length`); n != 7 {
		t.Fatalf("empty pre-check: %d errors, want 7", n)
	}
	b.check("precheck-errors")
	b.typeIn("nascita", "14/03/1972")
	b.choose("categoria", "employee")
	b.choose("datore", "private")
	b.tick("#familiare-no")
	b.typeIn("primo_anno", "1996")
	b.typeIn("settimane", "250")
	b.typeIn("anni_contributi", "30")
	b.tick("#cure_ssn-no")
	b.tick("#patologia")
	b.typeIn("cicli", "2")
	b.tick("#ciclo_anno-no")
	b.submit(precheck)
	// Outside 1 January - 31 October, CBT-14 alone says no: the overall
	// result depends on the day the test runs, every rule is there anyway.
	if rows := eval[int](b, `document.querySelectorAll("#esiti > li[data-rule]").length`); rows != 11 || eval[string](b, `document.getElementById("esito").dataset.overall`) == "" {
		t.Fatalf("pre-check result: %d rules, want 11 with an overall result (errors: %q)", rows,
			eval[string](b, `(document.getElementById("error-summary")||{}).innerText||""`))
	}
	b.check("precheck-result")
	// The same pages in English, through the language switch.
	b.do(chromedp.Navigate(base + "/lingua/en?ritorno=/"))
	b.waitPath("/")
	if lang := eval[string](b, `document.documentElement.lang`); lang != "en" {
		t.Fatalf("after the switch, lang = %q", lang)
	}
	b.check("home-en")
	b.visit(base+"/informazioni/cure-termali", "info-cbt-en")
	b.visit(base+"/informazioni/invalidita-civile", "info-inv-en")
	b.visit(base+"/privacy", "privacy-en")
	b.visit(base+"/accessibilita", "accessibility-en")
	b.visit(base+"/note-legali", "legal-en")
	b.visit(base+"/esempi/domanda", "question-en")
	b.visit(base+"/cure-termali/verifica-requisiti", "precheck-en")
}

// REQ CH-1: the home page works with the keyboard alone: the skip link
// comes first and moves focus to the content, the navigation is reachable
// and followable.
func TestBrowser_KeyboardHome(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.visit(base+"/", "kbd-home")
	if got := b.tab(); !strings.Contains(got, "#main") || !strings.Contains(got, "Vai al contenuto") {
		t.Fatalf("first Tab focuses %q; want the skip link", got)
	}
	b.key("\r")
	if id := eval[string](b, `document.activeElement.id`); id != "main" {
		t.Fatalf("the skip link moved focus to %q; want main", id)
	}
	if got := b.tab(); !eval[bool](b, `document.getElementById("main").contains(document.activeElement)`) {
		t.Fatalf("Tab after the skip link focuses %q, outside the content", got)
	}
	b.do(chromedp.Navigate(base + "/"))
	b.tabTo(`e.matches("nav a[href='/informazioni/invalidita-civile']")`, 20)
	visible := eval[bool](b, `(function(e){var s=getComputedStyle(e);return s.outlineStyle!=="none"&&s.outlineWidth!=="0px"})(document.activeElement)`)
	if !visible {
		t.Errorf("the focused navigation link has no visible focus outline")
	}
	b.follow("\r")
	b.waitPath("/informazioni/invalidita-civile")
	b.check("kbd-inv")
}

// REQ PROT-3 CH-1: a form filled with the keyboard alone: errors come back
// in a summary that takes focus, with "Errore:" in the title, links that
// lead to the fields and the values kept; once corrected, the answers are
// checked, sent once, and confirmed with a protocol number and a status.
func TestBrowser_KeyboardFormWithErrors(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.do(chromedp.Navigate(base + "/esempi/domanda"))
	b.tabTo(`e.id === "nome"`, 40)
	b.key("Mario Rossi")
	b.key("\t")
	b.key("mario.rossi@")
	b.key("\t")
	b.key("31/02/1950")
	b.tabTo(`e.type === "submit"`, 10)
	b.follow("\r")
	b.waitPath("/esempi/domanda")
	if title := eval[string](b, `document.title`); !strings.HasPrefix(title, "Errore: ") {
		t.Fatalf("title = %q; want it to start with \"Errore: \"", title)
	}
	if id := eval[string](b, `document.activeElement.id`); id != "error-summary" {
		t.Fatalf("focus after the errors is on %q; want the error summary", id)
	}
	links := eval[[]string](b, `Array.from(document.querySelectorAll("#error-summary a")).map(a => a.getAttribute("href"))`)
	if strings.Join(links, " ") != "#email #nascita #argomento-cure-termali" {
		t.Fatalf("summary links = %v; want email, date of birth, topic in page order", links)
	}
	if v := eval[string](b, `document.getElementById("nome").value`); v != "Mario Rossi" {
		t.Fatalf("the name typed was lost: %q", v)
	}
	if eval[string](b, `document.getElementById("email").getAttribute("aria-invalid")`) != "true" {
		t.Fatalf("the wrong field is not marked aria-invalid")
	}
	b.check("kbd-form-errors")
	b.do(chromedp.Focus("#error-summary"))
	b.tabTo(`e.matches("#error-summary a")`, 3)
	b.do(chromedp.Evaluate[chromedp.Void](`window.__same = true`))
	b.key("\r") // follow the first summary link
	for range 40 {
		if eval[string](b, `document.activeElement.id`) == "email" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if id := eval[string](b, `document.activeElement.id`); id != "email" {
		t.Fatalf("the summary link put the focus on %q; want the email field", id)
	}
	if !eval[bool](b, `window.__same === true`) {
		t.Fatalf("following the summary link with Enter submitted the form")
	}
	// Correct everything with the keyboard.
	b.clear("email")
	b.key("mario.rossi@example.it")
	b.key("\t")
	b.clear("nascita")
	b.key("28/02/1950")
	b.key("\t") // the first radio button of the topic
	b.key(" ")  // choose it
	b.tabTo(`e.type === "submit"`, 10)
	b.follow("\r")
	b.waitPath("/esempi/riepilogo")
	b.check("kbd-check-answers")
	if hidden := eval[string](b, `document.querySelector(".summary-action a").textContent.trim()`); hidden != "Modifica nome e cognome" {
		t.Fatalf("change link reads %q; want the hidden context for screen readers", hidden)
	}
	b.tabTo(`e.type === "submit"`, 40)
	b.follow("\r")
	b.waitPath("/esempi/conferma/")
	b.check("kbd-confirmation")
	number := eval[string](b, `document.querySelector(".reference").textContent.trim()`)
	if len(number) != 11 {
		t.Fatalf("confirmation number = %q; want 11 digits", number)
	}
	if flash := eval[string](b, `(document.querySelector(".alert-success")||{}).textContent||""`); !strings.Contains(flash, "inviata") {
		t.Errorf("no flash message after sending: %q", flash)
	}
	// Going back finds nothing left to send: the draft went with the request.
	b.do(chromedp.NavigateBack())
	b.waitPath("/esempi/domanda")
	b.visit(base+"/esempi/pratica/"+number, "kbd-status")
	b.visit(base+"/esempi/registro", "register")
	if rows := eval[int](b, `document.querySelectorAll("tbody tr").length`); rows != 1 {
		t.Fatalf("%d example requests listed; want exactly 1", rows)
	}
}

// The audit itself can fail: a page with an image without text and an
// unlabelled field is caught (so a green run means something).
func TestBrowser_AxeCatchesViolations(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.do(chromedp.Navigate(base + "/"))
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("main").insertAdjacentHTML("beforeend", '<img src="/x.png"><input type="text">')`))
	ids := map[string]bool{}
	for _, v := range b.axeRun("broken") {
		ids[v.ID] = true
	}
	if !ids["image-alt"] || !ids["label"] {
		t.Fatalf("axe found %v; want image-alt and label", ids)
	}
}

// Two minutes before a form expires a warning appears and takes focus; its
// button renews the form without losing what was typed.
func TestBrowser_SessionWarning(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env(), "--form-timeout", "2m3s")
	defer stop()
	b.do(chromedp.Navigate(base + "/esempi/domanda"))
	b.do(chromedp.WaitReady("#nome"))
	b.do(chromedp.Focus("#nome"))
	b.key("Maria Bianchi")
	token := eval[string](b, `document.querySelector("input[name=_token]").value`)
	var shown bool
	for range 100 {
		if shown = eval[bool](b, `!document.getElementById("session-warning").hidden`); shown {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !shown {
		t.Fatal("the session warning did not appear two minutes before expiry")
	}
	if txt := eval[string](b, `document.activeElement.textContent.trim()`); txt != "Continua" {
		t.Fatalf("focus is on %q; want the warning's button", txt)
	}
	b.check("session-warning")
	b.key("\r")
	for range 50 {
		if eval[bool](b, `document.getElementById("session-warning").hidden`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !eval[bool](b, `document.getElementById("session-warning").hidden`) {
		t.Fatal("the warning stayed after choosing to continue")
	}
	if eval[string](b, `document.querySelector("input[name=_token]").value`) == token {
		t.Fatal("the form's token was not renewed")
	}
	if v := eval[string](b, `document.getElementById("nome").value`); v != "Maria Bianchi" {
		t.Fatalf("typed text lost: %q", v)
	}
}

// REQ ID-4 AUD-1 CH-3: a citizen logs in with the keyboard, sees their
// registry data and who looked at them, meets field errors on the PIN
// change page, and logs out; every page passes axe. A wrong PIN gets the
// one generic message.
func TestBrowser_LoginProfileAccessLog(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.visit(base+"/accedi", "login")
	b.tabTo(`e.id === "cf"`, 40)
	b.key("RSSMRA56L12H501D")
	b.key("\t")
	b.key("AAAAAAAAAAAAAAAA")
	b.follow("\r")
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") || eval[string](b, `document.activeElement.id`) != "error-summary" {
		t.Fatalf("a wrong PIN: title %q, focus %q", eval[string](b, `document.title`), eval[string](b, `document.activeElement.id`))
	}
	if v := eval[string](b, `document.getElementById("cf").value`); v != "RSSMRA56L12H501D" {
		t.Fatalf("codice fiscale lost after a wrong PIN: %q", v)
	}
	b.check("login-error")
	b.do(chromedp.Focus("#pin"))
	b.key("HWGQ496RAFHUG6A9")
	b.follow("\r")
	b.waitPath("/profilo")
	b.check("profile")
	if body := eval[string](b, `document.body.innerText`); !strings.Contains(body, "Via Appia Nuova 120") || !strings.Contains(body, "Mario Rossi") {
		t.Fatalf("profile lacks the registry data")
	}
	b.visit(base+"/profilo/accessi", "access-log")
	whats := eval[string](b, `document.querySelector("tbody").innerText`)
	for _, want := range []string{"Consultazione dei dati anagrafici", "Accesso ai servizi", "Accesso non riuscito", "Voi"} {
		if !strings.Contains(whats, want) {
			t.Errorf("access log lacks %q:\n%s", want, whats)
		}
	}
	b.visit(base+"/profilo/pin", "pin-change")
	b.do(chromedp.Focus("#attuale"))
	b.key("WRONG")
	b.key("\t")
	b.key("short")
	b.follow("\r")
	if n := eval[int](b, `document.querySelectorAll("#error-summary a").length`); n != 2 {
		t.Fatalf("PIN change with two wrong fields: %d errors in the summary", n)
	}
	b.check("pin-change-errors")
	b.tabTo(`e.closest("form[action='/esci']") && e.type === "submit"`, 40)
	b.follow("\r")
	b.waitPath("/")
	if eval[bool](b, `document.body.innerText.includes("Mario Rossi")`) {
		t.Fatal("still logged in after logging out")
	}
	b.do(chromedp.Navigate(base + "/profilo"))
	b.waitPath("/accedi")
}

// login fills the login form and waits for the page after it.
func (b *browser) login(base, cf, pin string) {
	b.t.Helper()
	b.do(chromedp.Navigate(base + "/accedi"))
	b.do(chromedp.WaitReady("#cf"))
	b.do(chromedp.Focus("#cf"))
	b.key(cf)
	b.do(chromedp.Focus("#pin"))
	b.key(pin)
	b.follow("\r")
}

func (b *browser) logout() {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do(chromedp.Click(`form[action="/esci"] button`))
	for range 100 {
		if v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!window.__old && document.readyState === "complete"`)); err == nil && v {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.t.Fatal("logout did not load a page")
}

// REQ ID-2 ID-3 ID-4: office staff issue a PIN at the counter (checked
// document, printable sheet) and enable a doctor (twice: the second changes
// nothing); the citizen's first login forces a PIN change. axe on every page.
func TestBrowser_OfficePINAndDoctor(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	b.login(base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	b.visit(base+"/ufficio/pin", "office-pin")
	// Submit empty: field errors.
	b.do(chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do(chromedp.Click(`form[action="/ufficio/pin"] button[type=submit]`))
	time.Sleep(300 * time.Millisecond)
	b.waitPath("/ufficio/pin")
	if n := eval[int](b, `document.querySelectorAll("#error-summary a").length`); n < 4 {
		t.Fatalf("empty counter form: %d errors", n)
	}
	b.check("office-pin-errors")
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("cf").value = ""; document.getElementById("numero").value = "";
		document.getElementById("rilasciato").value = ""; document.getElementById("scadenza").value = ""`))
	b.do(chromedp.Focus("#cf"))
	b.key("VRDGNN60B45F205Y")
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("documento").value = "passaporto"`))
	b.do(chromedp.Focus("#numero"))
	b.key("YA1234567")
	b.do(chromedp.Focus("#rilasciato"))
	b.key("Questura di Milano")
	b.do(chromedp.Focus("#scadenza"))
	b.key("31/12/2031")
	b.follow("\r")
	b.check("office-pin-sheet")
	pin := strings.ReplaceAll(eval[string](b, `document.querySelector(".pin-sheet .reference").textContent`), " ", "")
	if len(pin) != 16 {
		t.Fatalf("PIN on the sheet = %q", pin)
	}
	for i, want := range []string{"Il medico è stato abilitato.", "Il medico era già abilitato: nulla è cambiato."} {
		b.visit(base+"/ufficio/medici", fmt.Sprintf("office-doctor-%d", i))
		b.do(chromedp.Focus("#cf"))
		b.key("RSSMRA56L12H501D")
		b.do(chromedp.Focus("#data"))
		b.key("02/03/2026")
		b.do(chromedp.Focus("#riferimento"))
		b.key("RM01/2026/77")
		b.do(chromedp.Click("#rapporto-affiliated"))
		b.do(chromedp.Focus("#riferimento"))
		b.follow("\r")
		b.waitPath("/ufficio/medici")
		if flash := eval[string](b, `(document.querySelector(".alert-success")||{}).textContent||""`); !strings.Contains(flash, want) {
			t.Fatalf("enabling %d: flash %q; want %q", i+1, flash, want)
		}
	}
	b.visit(base+"/profilo/token", "api-tokens")
	// REQ RULE-10: the office's view of a person's spa-treatment requirements.
	b.visit(base+"/ufficio/requisiti", "office-rules-empty")
	b.visit(base+fmt.Sprintf("/ufficio/requisiti?cf=BLLRLL71D56H501I&patologia=reumoartropatica&data=01/03/%d", time.Now().Year()), "office-rules")
	if got := eval[string](b, `document.getElementById("esito").dataset.overall`); got != "exceptional" {
		t.Errorf("office view of Ornella Bellini: %q, want exceptional", got)
	}
	b.visit(base+"/ufficio/requisiti?cf=XXX&data=31/02/2026", "office-rules-errors")
	// Revoke Mario Rossi's PIN: it stops working.
	b.visit(base+"/ufficio/pin", "office-pin-revoke")
	b.do(chromedp.Focus("#revoca-cf"))
	b.key("RSSMRA56L12H501D")
	b.follow("\r")
	if flash := eval[string](b, `(document.querySelector(".alert-success")||{}).textContent||""`); !strings.Contains(flash, "PIN revocato") {
		t.Fatalf("revocation flash = %q", flash)
	}
	b.logout()
	b.login(base, "RSSMRA56L12H501D", "HWGQ496RAFHUG6A9")
	if !strings.HasPrefix(eval[string](b, `document.title`), "Errore:") {
		t.Fatal("a revoked PIN still logs in")
	}
	b.login(base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	b.logout()
	// The citizen's first login goes straight to the PIN change.
	b.login(base, "VRDGNN60B45F205Y", pin)
	b.waitPath("/profilo/pin")
	b.do(chromedp.Navigate(base + "/profilo"))
	b.waitPath("/profilo/pin") // nothing else until the PIN is changed
	b.check("forced-pin-change")
	b.do(chromedp.Focus("#attuale"))
	b.key(pin)
	b.do(chromedp.Focus("#nuovo"))
	b.key("QWERTYUPASDFGHJK")
	b.follow("\r")
	b.waitPath("/profilo")
	b.check("profile-after-change")
}

// REQ ID-5 CH-1 AUD-1 AUD-2: a patronato operator acts for a citizen who
// gave a mandate (and cannot for one who did not); a contact-centre
// operator acts after recording how the caller was identified; the banner
// shows on every page; the citizen then sees these accesses and the
// mandate, and revokes it. axe on every page.
func TestBrowser_ActingFor(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	act := func(cf, identification string) {
		t.Helper()
		b.visit(base+"/per-conto-di", "acting-"+cf)
		b.do(chromedp.Focus("#cf"))
		b.key(cf)
		if identification != "" {
			b.do(chromedp.Focus("#identificazione"))
			b.key(identification)
			b.do(chromedp.Focus("#cf"))
		}
		b.follow("\r")
	}
	b.login(base, "MRNGPP65M10L219B", "N4K6AFA6FNRHCTYK")
	act("VRDGNN60B45F205Y", "") // no mandate from Giovanna Verdi
	if msg := eval[string](b, `(document.getElementById("error-summary")||{}).innerText||""`); !strings.Contains(msg, "delega") {
		t.Fatalf("acting without a mandate: %q", msg)
	}
	b.check("acting-refused")
	act("BNCLGU48D10L219Y", "")
	b.waitPath("/profilo")
	b.check("acting-profile")
	if banner := eval[string](b, `document.querySelector(".alert-info").innerText`); !strings.Contains(banner, "per conto di BNCLGU48D10L219Y") {
		t.Fatalf("banner = %q", banner)
	}
	if !eval[bool](b, `document.body.innerText.includes("Corso Francia 8")`) {
		t.Fatal("the acting profile does not show the citizen's data")
	}
	b.visit(base+"/", "acting-home")
	if !eval[bool](b, `!!document.querySelector(".alert-info form[action='/per-conto-di/termina']")`) {
		t.Fatal("no banner on the home page while acting")
	}
	b.logout()
	b.login(base, "CNTNNA80A41F205I", "CUW7G6S6M58ET9ZG")
	act("BNCLGU48D10L219Y", "Domande su data di nascita e residenza")
	b.waitPath("/profilo")
	b.check("cc-acting-profile")
	b.logout()
	b.login(base, "BNCLGU48D10L219Y", "ZZ75F39H593S48BQ")
	b.visit(base+"/profilo/accessi", "citizen-access-log")
	log := eval[string](b, `document.querySelector("tbody").innerText`)
	for _, want := range []string{"Patronato o associazione – PAT-TO-001", "Contact center", "Inizio dell'operatività per vostro conto", "Per voi"} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %q:\n%s", want, log)
		}
	}
	for _, leak := range []string{"MRNGPP65M10L219B", "CNTNNA80A41F205I"} {
		if strings.Contains(log, leak) {
			t.Errorf("access log shows a staff member's codice fiscale %s", leak)
		}
	}
	b.visit(base+"/profilo/deleghe", "mandates")
	b.do(chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do(chromedp.Click(`form[action$="/revoca"] button`))
	b.waitPath("/profilo/deleghe")
	time.Sleep(200 * time.Millisecond)
	if !eval[bool](b, `document.body.innerText.includes("Revocata")`) {
		t.Fatal("the mandate is not shown as revoked")
	}
	b.check("mandates-revoked")
}

// REQ ID-1: a citizen asks for a PIN online: data that do not match get
// one answer without saying which field; matching data show the first 8
// characters; the letter with the other 8 waits in the office's outbox,
// which can open it (demo) and mark it printed. axe on every page.
func TestBrowser_PINRequestOnline(t *testing.T) {
	b := newBrowser(t)
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env())
	defer stop()
	fill := func(given string) {
		t.Helper()
		b.visit(base+"/pin/richiesta", "pin-request-"+given)
		for id, v := range map[string]string{"cf": "VRDGNN60B45F205Y", "nome": given, "cognome": "Verdi", "nascita": "05/02/1960", "luogo": "Milano"} {
			b.do(chromedp.Focus("#" + id))
			b.key(v)
		}
		b.follow("\r")
	}
	fill("Gianna")
	if msg := eval[string](b, `document.getElementById("error-summary").innerText`); !strings.Contains(msg, "non corrispondono") {
		t.Fatalf("mismatch: %q", msg)
	}
	b.check("pin-request-mismatch")
	fill("giovanna")
	b.check("pin-request-done")
	first := strings.ReplaceAll(eval[string](b, `document.querySelector(".pin-sheet .reference").textContent`), " ", "")
	if len(first) != 8 {
		t.Fatalf("first half = %q", first)
	}
	b.login(base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	b.visit(base+"/ufficio/lettere", "letters")
	if n := eval[int](b, `document.querySelectorAll("tbody tr").length`); n != 1 {
		t.Fatalf("%d letters in the outbox; want 1", n)
	}
	href := eval[string](b, `document.querySelector("tbody a").getAttribute("href")`)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(base + href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/accedi") { // without a session: log in first
		t.Fatalf("letter without login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.do(chromedp.Click(`form[action$="/stampata"] button`))
	time.Sleep(300 * time.Millisecond)
	b.waitPath("/ufficio/lettere")
	b.check("letters-printed")
	if !eval[bool](b, `document.body.innerText.includes("Stampata")`) {
		t.Fatal("the letter is not shown as printed")
	}
}
