// Package web serves the HTML pages: the Italian public-service layout
// (bootstrap-italia), the reusable page patterns, the public information
// pages, and the forms' defences. Pages work without JavaScript; app.js
// only enhances them.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

//go:embed templates
var templateFS embed.FS

// Options configure the web server.
type Options struct {
	DB        *store.DB
	Clock     clock.Clock
	Log       *slog.Logger
	Catalogue *i18n.Catalogue
	// Secret keys the form tokens; all nodes must share it.
	Secret []byte
	// Secure marks cookies Secure (the service is reached over HTTPS).
	Secure bool
	// FormTTL is how long a form may stay open; the server enforces it.
	FormTTL time.Duration
	// Examples mounts the pattern pages under /esempi (demo installations).
	Examples bool
	// Accounts runs logins and sessions; without it there is no login.
	Accounts *account.Service
	// Sender is printed on letters (the PIN letter); its BaseURL comes from
	// the configuration, never from a request.
	Sender account.LetterSender
	// Certificates is the certifying doctor's service; without it the
	// doctor's pages and /verifica answer "not found".
	Certificates *certificate.Service
	// Applications is the spa-treatment application; without it its pages
	// answer "not found".
	Applications *cbt.Service
	// Invalidity is the civil-invalidity application and the ASL agenda;
	// without it their pages answer "not found".
	Invalidity *inv.Service
	// Offices names the offices and health authorities on the pages; nil:
	// the embedded table.
	Offices *refdata.Offices
}

// Server renders the pages.
type Server struct {
	db       *store.DB
	clock    clock.Clock
	log      *slog.Logger
	cat      *i18n.Catalogue
	assets   *Assets
	tokens   *formTokens
	pages    map[string]*template.Template
	examples bool
	secure   bool
	accounts *account.Service
	sender   account.LetterSender
	certs    *certificate.Service
	apps     *cbt.Service
	invs     *inv.Service
	offices  *refdata.Offices
}

// New parses every template and hashes the assets; errors here are bugs.
func New(opts Options) (*Server, error) {
	if opts.FormTTL <= 0 {
		opts.FormTTL = 30 * time.Minute
	}
	if len(opts.Secret) < 16 {
		return nil, errors.New("web: the form secret must be at least 16 bytes")
	}
	assets, err := NewAssets()
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	s := &Server{
		db: opts.DB, clock: opts.Clock, log: opts.Log, cat: opts.Catalogue, assets: assets,
		tokens:   &formTokens{secret: opts.Secret, ttl: opts.FormTTL, secure: opts.Secure},
		examples: opts.Examples, secure: opts.Secure, accounts: opts.Accounts, sender: opts.Sender,
		certs: opts.Certificates, apps: opts.Applications, invs: opts.Invalidity, offices: opts.Offices,
	}
	if s.offices == nil {
		s.offices = refdata.DefaultOffices()
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	if !assets.Built {
		s.log.Warn("front-end assets not built: pages will have no styling; run `make assets` (needs npm) and rebuild")
	}
	return s, nil
}

// AssetsBuilt reports whether the UI kit is embedded.
func (s *Server) AssetsBuilt() bool { return s.assets.Built }

var funcs = template.FuncMap{
	"date":     i18n.Date,
	"datetime": i18n.DateTime,
	"day":      clock.Day, // a registry date, YYYY-MM-DD, as dd/mm/yyyy
	"inc":      func(i int) int { return i + 1 },
	"list":     func(s ...string) []string { return s },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// parseTemplates builds one template set per page: the layout, the
// partials and the content blocks, plus the page's own "main".
func (s *Server) parseTemplates() error {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", "templates/content/*.html")
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	s.pages = map[string]*template.Template{}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/pages/"), ".html")
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		s.pages[name] = t
	}
	// Each content block becomes a page of its own.
	for _, t := range base.Templates() {
		name, ok := strings.CutPrefix(t.Name(), "content/")
		if !ok {
			continue
		}
		page := template.Must(base.Clone())
		if _, err := page.New("main").Parse(`{{template "` + t.Name() + `" .}}`); err != nil {
			return err
		}
		s.pages["content/"+name] = page
	}
	return nil
}

type ctxKey int

const langKey ctxKey = iota

// langCookie remembers the language chosen with the switch.
const langCookie = "sportello_lang"

// Localize picks the page language: the switch's cookie, else
// Accept-Language, else Italian.
func Localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Match(r.Header.Get("Accept-Language"))
		if c, err := r.Cookie(langCookie); err == nil {
			if l, ok := i18n.Parse(c.Value); ok {
				lang = l
			}
		}
		w.Header().Set("Content-Language", string(lang))
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey, lang)))
	})
}

// LangFrom returns the request's language.
func LangFrom(ctx context.Context) i18n.Lang {
	if l, ok := ctx.Value(langKey).(i18n.Lang); ok {
		return l
	}
	return i18n.IT
}

// View is what every page template receives: the layout's data and the
// page's own Data.
type View struct {
	Lang           i18n.Lang
	Title          string // localized, without the site name
	Errors         []FieldError
	Path           string
	Nav            []NavItem
	Crumbs         []Crumb
	Flash          string
	AltLang        i18n.Lang
	AltLangURL     string
	AssetsMissing  bool
	SessionExpires string // RFC 3339, for the timeout warning
	RequestID      string
	Actor          identity.Actor // who is logged in; anonymous if nobody
	LogoutToken    string         // form token of the logout button
	Data           any

	cat    *i18n.Catalogue
	assets *Assets
}

// T translates a catalogue key into the page's language.
func (v *View) T(key string, args ...any) string { return v.cat.T(v.Lang, key, args...) }

// Asset returns the hashed URL of a static file.
func (v *View) Asset(p string) string { return v.assets.URL(p) }

// Icon returns the URL of an icon of the UI kit's sprite.
func (v *View) Icon(name string) string {
	return v.assets.URL("vendor/svg/sprites.svg") + "#it-" + name
}

// FieldError is a problem with one field, for the summary and the field.
type FieldError struct {
	Field   string // the input's id
	Message string
}

// NavItem is an entry of the main navigation.
type NavItem struct {
	Label, URL string
	Current    bool
}

// Crumb is a breadcrumb.
type Crumb struct{ Label, URL string }

// nav returns the main navigation. Roles (citizen, doctor, office…) add
// their own entries when identity lands; anonymous visitors see these.
func (s *Server) nav(v *View) []NavItem {
	items := []NavItem{
		{Label: v.T("nav.home"), URL: "/"},
		{Label: v.T("nav.cbt"), URL: "/informazioni/cure-termali"},
		{Label: v.T("nav.inv"), URL: "/informazioni/invalidita-civile"},
	}
	if s.examples {
		items = append(items, NavItem{Label: v.T("nav.examples"), URL: "/esempi"})
	}
	if !v.Actor.IsAnonymous() {
		items = append(items, NavItem{Label: v.T("nav.profile"), URL: "/profilo"})
		if v.Actor.Role == identity.RoleCitizen && v.Actor.ActingFor == "" {
			items = append(items, NavItem{Label: v.T("nav.access"), URL: "/profilo/accessi"})
		}
		if v.Actor.Role == identity.RoleCitizen && v.Actor.ActingFor == "" {
			items = append(items, NavItem{Label: v.T("nav.mandates"), URL: "/profilo/deleghe"})
		}
		if v.Actor.Role == identity.RoleIntermediary || v.Actor.Role == identity.RoleContactCentre {
			items = append(items, NavItem{Label: v.T("nav.acting"), URL: "/per-conto-di"})
		}
		if s.apps != nil && v.Actor.Subject() != "" {
			// The citizen's own application, or the one of the citizen an
			// operator acts for.
			items = append(items, NavItem{Label: v.T("nav.cbt.apply"), URL: "/cure-termali"})
		}
		if s.invs != nil && v.Actor.Subject() != "" {
			items = append(items, NavItem{Label: v.T("nav.inv.apply"), URL: "/invalidita-civile"})
		}
		if s.invs != nil && v.Actor.Role == identity.RoleASL {
			items = append(items, NavItem{Label: v.T("asl.agenda.title"), URL: "/asl/agenda"})
		}
		if s.apps != nil && (v.Actor.Role == identity.RoleOffice || v.Actor.Role == identity.RoleMedicalCentre || v.Actor.Role == identity.RoleChiefBoard) {
			items = append(items, NavItem{Label: v.T("nav.office.queue"), URL: "/ufficio/domande"})
		}
		if v.Actor.Role == identity.RoleDoctor && s.certs != nil {
			items = append(items, NavItem{Label: v.T("nav.doctor"), URL: "/medico"})
		}
		if v.Actor.Role == identity.RoleIntermediary {
			items = append(items, NavItem{Label: v.T("nav.mandate.new"), URL: "/deleghe/nuova"})
		}
		if v.Actor.Role == identity.RoleOffice || v.Actor.Role == identity.RoleAdmin {
			items = append(items, NavItem{Label: v.T("nav.office.pin"), URL: "/ufficio/pin"},
				NavItem{Label: v.T("nav.office.doctor"), URL: "/ufficio/medici"},
				NavItem{Label: v.T("nav.office.rules"), URL: "/ufficio/requisiti"},
				NavItem{Label: v.T("nav.office.letters"), URL: "/ufficio/lettere"})
		}
	}
	for i := range items {
		items[i].Current = items[i].URL == v.Path || (items[i].URL != "/" && strings.HasPrefix(v.Path, items[i].URL))
	}
	return items
}

// view prepares the layout data of a page.
func (s *Server) view(r *http.Request, titleKey string, data any) *View {
	lang := LangFrom(r.Context())
	v := &View{Lang: lang, Path: r.URL.Path, Data: data, cat: s.cat, assets: s.assets,
		AssetsMissing: !s.assets.Built, RequestID: httpx.RequestIDFrom(r.Context()), Actor: identity.ActorFrom(r.Context())}
	v.Title = v.T(titleKey)
	v.AltLang = i18n.EN
	if lang == i18n.EN {
		v.AltLang = i18n.IT
	}
	v.AltLangURL = "/lingua/" + string(v.AltLang) + "?ritorno=" + url.QueryEscape(r.URL.RequestURI())
	v.Nav = s.nav(v)
	return v
}

// render writes a page to a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	t, ok := s.pages[page]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no page %q", page))
		return
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r, v)
	}
	if !v.Actor.IsAnonymous() && v.LogoutToken == "" {
		v.LogoutToken, _ = s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.serverError(w, r, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// serverError logs err in full and shows a generic page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "page failed", "request_id", httpx.RequestIDFrom(r.Context()), "err", err)
	v := s.view(r, "error.internal.title", nil)
	t := s.pages["error"]
	var buf bytes.Buffer
	if t == nil || t.ExecuteTemplate(&buf, "layout", v) != nil {
		http.Error(w, "Errore interno / Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(buf.Bytes())
}

// notFound renders the 404 page in the visitor's language.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound", s.view(r, "notfound.title", nil))
}

// flashCookie carries a message key to the page after a redirect.
const flashCookie = "sportello_flash"

func (s *Server) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlash returns the pending flash message, translated, and clears it.
// Only catalogue keys starting with "flash." are honoured, so a forged
// cookie cannot put text on the page.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, v *View) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	if !strings.HasPrefix(c.Value, "flash.") || !s.cat.Has(c.Value) {
		return ""
	}
	return v.T(c.Value)
}

// localPath accepts only a path on this site, for redirects: it must start
// with one "/", and contain no backslash, whitespace or control character
// (browsers drop tabs and newlines from URLs, so "/\t/evil.example" would
// become "//evil.example", another site).
func localPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	for _, c := range p {
		if c <= ' ' || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "//") {
		return "/"
	}
	return p
}

// form is the state every form page shares: its token and the messages of
// its fields. View data structs embed it.
type form struct {
	Token  string
	Errors map[string]string // field id -> message
}

// form issues the page's form token and files the field errors both in
// the page's summary and next to their fields.
func (s *Server) form(w http.ResponseWriter, r *http.Request, v *View, formID string, errs []FieldError) form {
	f := form{Errors: map[string]string{}}
	f.Token, _ = s.tokens.issue(formID, s.tokens.binding(w, r), s.clock.Now())
	for _, e := range errs {
		v.Errors = append(v.Errors, e)
		f.Errors[e.Field] = e.Message
	}
	return f
}
