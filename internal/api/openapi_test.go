package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"

	"github.com/sportello/sportello/internal/store/storetest"
)

// The document served at /api/openapi.json is valid OpenAPI 3.1.
func TestOpenAPIDocument(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		r := e.do(request{path: "/api/openapi.json"})
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
		}
		doc, err := libopenapi.NewDocument(r.body)
		if err != nil {
			t.Fatalf("libopenapi.NewDocument: %v", err)
		}
		if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1") {
			t.Fatalf("openapi %q, want 3.1.x", v)
		}
		model, err := doc.BuildV3Model()
		if err != nil {
			t.Fatalf("BuildV3Model: %v", err)
		}
		if !strings.HasPrefix(model.Model.Version, "3.1") {
			t.Fatalf("model version %q, want 3.1.x", model.Model.Version)
		}
		if model.Model.Info.Version != "1.2.3" {
			t.Errorf("info.version %q, want the build's version 1.2.3", model.Model.Info.Version)
		}
		if model.Model.Components.SecuritySchemes.GetOrZero("bearer") == nil {
			t.Errorf("no bearer security scheme")
		}
	})
}

// Every route the API registers under /api/v1 is in the document, and every
// operation of the document is a registered route; nothing else is mounted
// under /api but the document and the catch-all for problems.
func TestRoutesMatchDocument(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(e.do(request{path: "/api/openapi.json"}).body, &doc); err != nil {
			t.Fatal(err)
		}
		var documented []string
		for path, item := range doc.Paths {
			for method := range item {
				switch method {
				case "get", "put", "post", "delete", "options", "head", "patch", "trace":
					documented = append(documented, strings.ToUpper(method)+" "+path)
				}
			}
		}
		var registered []string
		for _, p := range e.mux.patterns {
			method, path, ok := strings.Cut(p, " ")
			switch {
			case !ok && (p == "/api/" || p == "/api"):
				continue // the catch-all: 404 and 405 problems
			case !ok:
				t.Errorf("route %q has no method", p)
			case path == "/api/openapi.json" && method == http.MethodGet:
				continue
			case !strings.HasPrefix(path, "/api/v1/"):
				t.Errorf("route %q is outside /api/v1", p)
			default:
				registered = append(registered, p)
			}
		}
		slices.Sort(documented)
		slices.Sort(registered)
		for _, r := range registered {
			if !slices.Contains(documented, r) {
				t.Errorf("route %q is not in the document", r)
			}
		}
		for _, d := range documented {
			if !slices.Contains(registered, d) {
				t.Errorf("document names %q, which is not a registered route", d)
			}
		}
		if len(registered) == 0 {
			t.Fatal("no routes registered")
		}
		// And each route really answers: not the catch-all's 404 or 405.
		for _, r := range registered {
			method, path, _ := strings.Cut(r, " ")
			path = strings.NewReplacer("{id}", "1", "{number}", "20260000001", "{doc}", "ricevuta",
				"{codice_fiscale}", "RSSMRA56L12H501D").Replace(path)
			res := e.do(request{method: method, path: path})
			if res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed {
				t.Errorf("%s answered %d: %s", r, res.status, res.body)
			}
		}
		t.Logf("routes: %v", registered)
	})
}
