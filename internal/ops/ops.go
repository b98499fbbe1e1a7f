// Package ops serves the operational endpoints: /healthz (the process is
// alive), /readyz (it can serve: database reachable, schema current, not
// shutting down) and /metrics (Prometheus).
package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
)

// Checker is what readiness needs from the store.
type Checker interface {
	Ping(ctx context.Context) error
	CheckSchema(ctx context.Context) error
}

// Health answers the probes.
type Health struct {
	DB       Checker
	draining atomic.Bool
}

// Drain makes /readyz fail, so load balancers stop sending traffic while
// in-flight requests finish.
func (h *Health) Drain() { h.draining.Store(true) }

// Routes registers the probe endpoints on mux.
func (h *Health) Routes(mux *http.ServeMux, metrics http.Handler) {
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.Handle("GET /metrics", metrics)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (h *Health) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Health) readyz(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := h.DB.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready", "reason": "database unreachable"})
		return
	}
	if err := h.DB.CheckSchema(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready", "reason": "database schema not current"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Metrics holds the service's own Prometheus metrics.
type Metrics struct {
	Registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	allocations *prometheus.CounterVec
	batches     prometheus.Histogram
}

// NewMetrics creates the registry with the Go runtime, process and build
// collectors and the service's HTTP and register metrics.
func NewMetrics(version string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sportello_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sportello_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.allocations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sportello_register_allocations_total", Help: "Numbers taken from each register by committed transactions.",
	}, []string{"register"})
	m.batches = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "sportello_write_batch_size", Help: "Submissions committed together by the batching writer.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
	})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sportello_build_info", Help: "Always 1; labels tell the version.", ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.Registry.MustRegister(m.requests, m.duration, m.allocations, m.batches, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchDB exports the connection-pool statistics of db and the length of
// its batching writer's queue.
func (m *Metrics) WatchDB(db *store.DB) {
	for name, pool := range db.Pools() {
		m.Registry.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sportello_write_queue_length", Help: "Submissions waiting for the batching writer.",
	}, func() float64 { return float64(db.QueueLen()) }))
}

// Batched records the size of a committed batch (store.Options.OnBatch).
func (m *Metrics) Batched(size int) { m.batches.Observe(float64(size)) }

// Allocated records numbers taken from a register (store.Options.OnAllocate).
func (m *Metrics) Allocated(reg protocol.Register, n int) {
	m.allocations.WithLabelValues(string(reg)).Add(float64(n))
}

// Observe is an httpx.Observe sink.
func (m *Metrics) Observe(r *http.Request, o httpx.Observation) {
	m.requests.WithLabelValues(o.Route, o.Method, strconv.Itoa(o.Status)).Inc()
	m.duration.WithLabelValues(o.Route, o.Method).Observe(o.Duration.Seconds())
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
