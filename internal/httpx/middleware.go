// Package httpx holds the HTTP pieces every handler shares: middleware for
// request IDs, logging, metrics and panic recovery, and the server's
// timeouts.
package httpx

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"sync"
	"time"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middleware so that the first one is outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type ctxKey int

const requestIDKey ctxKey = iota

// RequestIDFrom returns the request's ID, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// HeaderRequestID carries the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

var goodID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// RequestID gives every request an ID: the one a proxy sent, if it looks
// sane, or a new random one. It is echoed in the response and logged.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !goodID.MatchString(id) {
			id = rand.Text()[:20]
		}
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Observation is what the observing middleware learned about a request.
type Observation struct {
	Route    string // the mux pattern that matched, or "unmatched"
	Method   string
	Status   int
	Bytes    int64
	Duration time.Duration
}

// Observe measures each request and hands the observation to each sink
// (the request log, the metrics). It must wrap the ServeMux, which records
// the matched pattern in the request.
func Observe(now func() time.Time, sinks ...func(*http.Request, Observation)) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := now()
			rec := &recorder{ResponseWriter: w}
			defer func() {
				o := Observation{Route: r.Pattern, Method: r.Method, Status: rec.status, Bytes: rec.bytes, Duration: now().Sub(start)}
				if o.Route == "" {
					o.Route = "unmatched"
				}
				if o.Status == 0 {
					o.Status = http.StatusOK
				}
				for _, s := range sinks {
					s(r, o)
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// LogRequests returns a sink that writes one JSON log line per request.
func LogRequests(log *slog.Logger) func(*http.Request, Observation) {
	return func(r *http.Request, o Observation) {
		level := slog.LevelInfo
		if o.Status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", o.Route),
			slog.Int("status", o.Status),
			slog.Int64("bytes", o.Bytes),
			slog.Float64("duration_ms", float64(o.Duration.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		)
	}
}

// Recover turns a panic in a handler into a logged 500 with a generic
// message, so one bad request cannot take the process down.
func Recover(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p) // net/http's own signal to abort quietly
				}
				log.ErrorContext(r.Context(), "panic", "request_id", RequestIDFrom(r.Context()), "panic", p, "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte("Si è verificato un errore interno. Riprovare più tardi; se il problema persiste, comunicare il codice " +
					RequestIDFrom(r.Context()) + ".\n"))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Deadline bounds every request's context, so that work stuck on a lock
// or a slow dependency gives up before the server's write timeout.
func Deadline(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// InFlight counts the requests being handled, so that shutdown can wait
// for the last one before closing the database, even after giving up on
// the server's own graceful shutdown.
type InFlight struct{ wg sync.WaitGroup }

// Track is the middleware that counts.
func (f *InFlight) Track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.wg.Add(1)
		defer f.wg.Done()
		next.ServeHTTP(w, r)
	})
}

// Wait waits until no request is in flight or the timeout passes, and
// reports whether they all finished.
func (f *InFlight) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// NewServer returns an http.Server with timeouts that protect the process
// from slow or stuck clients. base is the context of every request: pass
// one that is not cancelled at shutdown, so that in-flight requests finish.
func NewServer(h http.Handler, base context.Context, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// SecurityHeaders sets the headers every response carries: a strict
// content security policy (no inline scripts or styles, no framing),
// no MIME sniffing, a same-origin referrer, and HSTS when the service is
// reached over HTTPS. Responses are "no-store, private" unless a handler
// says otherwise (static assets do): pages may carry personal data, and a
// shared cache must never serve one person's page to another.
func SecurityHeaders(https bool) Middleware {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Cache-Control", "no-store, private")
			if https {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}
