//go:build !emulator

package web

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics records request counts and latencies by route pattern.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// The counter and histogram of each route, method and status seen,
	// so that a request finds them with one map lookup: the vectors'
	// WithLabelValues hash the labels, take the vector's lock and, for the
	// status, format it, on every call. At most metricsKept label sets are
	// kept (the method is the client's); others are looked up each time.
	mu   sync.RWMutex
	kept map[metricKey]metricPair
}

type metricKey struct {
	route, method string
	status        int
}

type metricPair struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// metricsKept bounds Metrics.kept.
const metricsKept = 1024

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "herald_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		kept: map[metricKey]metricPair{},
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(route, method string, status int, d time.Duration) {
	k := metricKey{route, method, status}
	m.mu.RLock()
	p, ok := m.kept[k]
	m.mu.RUnlock()
	if !ok {
		p = metricPair{m.requests.WithLabelValues(route, method, strconv.Itoa(status)), m.latency.WithLabelValues(route)}
		m.mu.Lock()
		if len(m.kept) < metricsKept {
			m.kept[k] = p
		}
		m.mu.Unlock()
	}
	p.requests.Inc()
	p.latency.Observe(d.Seconds())
}
