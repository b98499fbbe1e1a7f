package httpx_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/httpx"
)

// Shutdown lets a request in flight finish with a live context, while the
// context that triggered the shutdown is already cancelled.
func TestServer_GracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var ctxErrAtEnd error
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		ctxErrAtEnd = r.Context().Err()
		io.WriteString(w, "finito")
	})
	runCtx, cancelRun := context.WithCancel(context.Background())
	srv := httpx.NewServer(mux, context.WithoutCancel(runCtx), slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancelRun() // the signal arrives
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(context.Background()) }()
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finito" {
		t.Fatalf("in-flight request = %q, %v; want it to finish", r.body, r.err)
	}
	if ctxErrAtEnd != nil {
		t.Fatalf("request context was cancelled by the shutdown: %v", ctxErrAtEnd)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatal(err)
	}
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Fatalf("server timeouts not all set: %+v", srv)
	}
}

// A panicking handler gives a generic Italian 500 with the request ID, the
// full panic goes to the log, and the observation sees the 500.
func TestRecoverAndObserve(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	var seen []httpx.Observation
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom/{id}", func(w http.ResponseWriter, r *http.Request) { panic("secret detail") })
	h := httpx.Chain(mux, httpx.RequestID,
		httpx.Observe(time.Now, func(r *http.Request, o httpx.Observation) { seen = append(seen, o) }, httpx.LogRequests(log)),
		httpx.Recover(log))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/boom/7", nil)
	req.Header.Set("X-Request-ID", "proxy-id-12345")
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 500 || strings.Contains(body, "secret") || !strings.Contains(body, "errore interno") || !strings.Contains(body, "proxy-id-12345") {
		t.Fatalf("panic response = %d %q", rec.Code, body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), `"route":"GET /boom/{id}"`) {
		t.Fatalf("panic or route not logged: %s", logs.String())
	}
	if len(seen) != 1 || seen[0].Status != 500 || seen[0].Route != "GET /boom/{id}" {
		t.Fatalf("observations = %+v", seen)
	}
	// A hostile request ID is replaced.
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/nothing", nil)
	req.Header.Set("X-Request-ID", "<script>")
	h.ServeHTTP(rec, req)
	if id := rec.Header().Get("X-Request-ID"); id == "<script>" || len(id) != 20 {
		t.Fatalf("request ID = %q; want a fresh one", id)
	}
	if seen[1].Route != "unmatched" || seen[1].Status != 404 {
		t.Fatalf("unmatched observation = %+v", seen[1])
	}
}

// Shutdown waits for the last request, even one the server gave up on,
// before the database closes; Deadline bounds each request's context.
func TestInFlightAndDeadline(t *testing.T) {
	var f httpx.InFlight
	release := make(chan struct{})
	var deadlineSet bool
	h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, deadlineSet = r.Context().Deadline()
		<-release
	}), f.Track, httpx.Deadline(time.Minute))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	time.Sleep(20 * time.Millisecond)
	if f.Wait(20 * time.Millisecond) {
		t.Fatal("Wait returned true while a request was in flight")
	}
	close(release)
	if !f.Wait(time.Second) {
		t.Fatal("Wait did not see the request finish")
	}
	if !deadlineSet {
		t.Fatal("request context has no deadline")
	}
}
