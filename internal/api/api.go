package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

// Options configure the API.
type Options struct {
	DB *store.DB
	// Clock gives the time shown by the status operation; clock.System if nil.
	Clock clock.Clock
	// Logger receives internal errors and panics; discarded if nil.
	Logger *slog.Logger
	// Version is the build's version, shown in the document and the status.
	Version string
	// Auth authenticates bearer tokens. If nil, every protected operation
	// answers 401.
	Auth Authenticator
	// Catalogue gives the API's messages (keys "api.…") in the client's
	// language; the embedded catalogue (i18n.Load) if nil.
	Catalogue *i18n.Catalogue
	// Certificates is the certifying doctor's service; if nil, the
	// doctor's and certificate operations are not mounted.
	Certificates *certificate.Service
	// Applications is the spa-treatment application service and Mandates
	// the check of the intermediaries' mandates (account.Service): with
	// both, the operations of intermediaries' software under
	// /api/v1/cbt/applicants are mounted.
	Applications *cbt.Service
	Mandates     Mandates
	// Invalidity is the civil-invalidity application service: with
	// Mandates, the operations of intermediaries' software under
	// /api/v1/inv/applicants are mounted.
	Invalidity *inv.Service
	// Offices names the offices and health authorities in answers; the
	// embedded table if nil.
	Offices *refdata.Offices
}

// API is the JSON API. Build it with New and mount it with Routes.
type API struct {
	db       *store.DB
	clock    clock.Clock
	log      *slog.Logger
	version  string
	auth     Authenticator
	cat      *i18n.Catalogue
	certs    *certificate.Service
	apps     *cbt.Service
	mandates Mandates
	invs     *inv.Service
	offices  *refdata.Offices

	huma    huma.API
	routes  []route        // in registration order
	inner   *http.ServeMux // the same routes, to tell a 405 from a 404
	methods []string       // the methods of the routes, for the 405 probe
	doc     []byte         // the OpenAPI document
}

type route struct {
	pattern string
	handler http.Handler
}

// OpenAPIPath is where the OpenAPI 3.1 document is served.
const OpenAPIPath = "/api/openapi.json"

// New builds the API and its OpenAPI document.
func New(opts Options) *API {
	a := &API{db: opts.DB, clock: opts.Clock, log: opts.Logger, version: opts.Version, auth: opts.Auth,
		cat: opts.Catalogue, certs: opts.Certificates, apps: opts.Applications, mandates: opts.Mandates, invs: opts.Invalidity, offices: opts.Offices,
		inner: http.NewServeMux()}
	if a.clock == nil {
		a.clock = clock.System{}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.auth == nil {
		a.auth = denyAll{}
	}
	if a.cat == nil {
		cat, err := i18n.Load()
		if err != nil {
			panic(fmt.Sprintf("api: %v", err)) // the catalogue is embedded and tested
		}
		a.cat = cat
	}
	if a.version == "" {
		a.version = "dev"
	}
	if a.offices == nil {
		a.offices = refdata.DefaultOffices()
	}

	config := huma.DefaultConfig("Sportello API", a.version)
	// Only the document at OpenAPIPath: no docs UI, no schema routes, and
	// no link transformer ($schema members and describedby links).
	config.CreateHooks = nil
	config.OpenAPIPath, config.DocsPath, config.SchemasPath = "", "", ""
	config.Transformers = []huma.Transformer{a.transform}
	// A misspelt filter (perpage, anno) is an error, not a silently
	// unfiltered list.
	config.RejectUnknownQueryParameters = true
	config.Info.Description = description
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {Type: "http", Scheme: "bearer", Description: "A token issued by the agency: Authorization: Bearer <token>."},
	}
	a.huma = humago.New(collector{a}, config)
	a.huma.UseMiddleware(a.authenticate)
	a.register()

	doc, err := json.Marshal(a.huma.OpenAPI())
	if err != nil {
		panic(fmt.Sprintf("api: OpenAPI document: %v", err)) // a bug in the declarations
	}
	a.doc = doc
	a.add("GET "+OpenAPIPath, http.HandlerFunc(a.openAPI))
	return a
}

// Mux is where Routes mounts the API; *http.ServeMux is one.
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Routes mounts the API on mux: the operations under /api/v1, the document
// at /api/openapi.json, and a catch-all that answers any other path under
// /api with a 404 or 405 problem (not the mux's plain-text ones).
func (a *API) Routes(mux Mux) {
	for _, rt := range a.routes {
		mux.Handle(rt.pattern, rt.handler)
	}
	unmatched := a.guard(http.HandlerFunc(a.unmatched))
	mux.Handle("/api/", unmatched)
	mux.Handle("/api", unmatched)
}

// collector is the humago mux: it keeps huma's routes so that Routes can
// mount them on any mux, after New has built the document.
type collector struct{ a *API }

func (c collector) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	c.a.add(pattern, http.HandlerFunc(h))
}

func (c collector) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.a.inner.ServeHTTP(w, r) }

func (a *API) add(pattern string, h http.Handler) {
	h = a.guard(h)
	a.routes = append(a.routes, route{pattern: pattern, handler: h})
	a.inner.Handle(pattern, h)
	method, _, _ := strings.Cut(pattern, " ")
	ms := []string{method}
	if method == http.MethodGet {
		ms = append(ms, http.MethodHead) // the mux serves HEAD with GET patterns
	}
	for _, m := range ms {
		if !slices.Contains(a.methods, m) {
			a.methods = append(a.methods, m)
		}
	}
	slices.Sort(a.methods)
}

// guard wraps every API handler: responses are never cached (they carry
// personal data), and a panic becomes a logged 500 problem instead of the
// plain-text page of the outer recoverer.
func (a *API) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store, private")
		gw := &guardWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			id := httpx.RequestIDFrom(r.Context())
			a.log.ErrorContext(r.Context(), "api: panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
			if gw.wrote {
				panic(http.ErrAbortHandler) // too late for a problem: cut the response short
			}
			hdr := w.Header()
			clear(hdr)
			if id != "" {
				hdr.Set(httpx.HeaderRequestID, id)
			}
			hdr.Set("Cache-Control", "no-store, private")
			a.writeProblem(w, r, internalProblem(id))
		}()
		h.ServeHTTP(gw, r)
	})
}

// guardWriter remembers whether the response has started.
type guardWriter struct {
	http.ResponseWriter
	wrote bool
}

func (g *guardWriter) WriteHeader(code int) {
	g.wrote = true
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardWriter) Write(b []byte) (int, error) {
	g.wrote = true
	return g.ResponseWriter.Write(b)
}

func (g *guardWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// unmatched answers a path under /api that no route serves with this
// method: 405 with Allow if another method is served there, 404 otherwise.
func (a *API) unmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range a.methods {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := a.inner.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		a.writeProblem(w, r, &problem{status: http.StatusNotFound, detail: msgNotFound})
		return
	}
	list := strings.Join(allowed, ", ")
	a.writeProblem(w, r, &problem{status: http.StatusMethodNotAllowed, detail: msgMethod.format(r.Method, list),
		header: http.Header{"Allow": {list}}})
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(a.doc)
}

const description = `The JSON API of Sportello, for the software of agency offices, intermediaries and doctors.

Conventions, common to every operation:

- **Authentication**: ` + "`Authorization: Bearer <token>`" + `, except for the public operations (the status and the spa-treatment eligibility check). A missing or unknown token is a 401 with ` + "`WWW-Authenticate: Bearer`" + `; a role that may not call the operation is a 403.
- **Errors** are RFC 9457 problem details (` + "`application/problem+json`" + `): ` + "`title`" + ` (the status, localised), ` + "`status`" + `, ` + "`detail`" + `, ` + "`instance`" + ` (the request ID, also in ` + "`X-Request-ID`" + `), and for invalid requests ` + "`errors`" + `, a list of ` + "`{location, message}`" + ` where location is e.g. ` + "`body.subject`" + `, ` + "`query.page`" + ` or ` + "`header.Idempotency-Key`" + `.
- **Language**: messages are in Italian; titles and generic messages are in English when ` + "`Accept-Language`" + ` prefers English.
- **Lists** take ` + "`page`" + ` (from 1) and ` + "`per_page`" + ` (1-100, default 20) and answer ` + "`{items, page, per_page, total, total_pages}`" + ` with an RFC 8288 ` + "`Link`" + ` header (first, prev, next, last). Unknown query parameters are rejected.
- **Every POST that creates or changes something** (creations, sendings, annulments) requires an ` + "`Idempotency-Key`" + ` header (1-200 characters): retrying with the same key and body returns the first response with ` + "`Idempotent-Replayed: true`" + `; the same key with another body is a 409. The eligibility check only computes and takes none.
- **Times** are RFC 3339 in Europe/Rome. Responses are never cacheable (` + "`Cache-Control: no-store, private`" + `).`
