//go:build !emulator

package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/web"
)

// Prometheus metrics: in every build but the emulator's (-tags emulator:
// metrics_none.go), which serves no /metrics.

// Registry holds the process's metrics.
type Registry = prometheus.Registry

func newRegistry() *Registry { return prometheus.NewRegistry() }

// registerMetrics registers the runtime's, the database pools' and the
// analytics recorder's metrics; a.Analytics must exist.
func (a *App) registerMetrics() {
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Registry.MustRegister(newDBCollector(a.DB))
	a.Registry.MustRegister(a.Analytics.Collector())
}

// httpMetrics registers the HTTP request metrics.
func (a *App) httpMetrics() *web.Metrics { return web.NewMetrics(a.Registry) }

func (a *App) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{})
}

// dbCollector exports connection pool statistics.
type dbCollector struct {
	d                                      *db.DB
	open, inUse, idle, waitCount, waitSecs *prometheus.Desc
	queued, queuedSecs                     *prometheus.Desc
}

func newDBCollector(d *db.DB) *dbCollector {
	l := []string{"pool"}
	return &dbCollector{d: d,
		open:      prometheus.NewDesc("herald_db_open_connections", "Open database connections.", l, nil),
		inUse:     prometheus.NewDesc("herald_db_in_use_connections", "Database connections in use.", l, nil),
		idle:      prometheus.NewDesc("herald_db_idle_connections", "Idle database connections.", l, nil),
		waitCount: prometheus.NewDesc("herald_db_wait_count_total", "Times a query waited for a connection.", l, nil),
		waitSecs:  prometheus.NewDesc("herald_db_wait_seconds_total", "Time spent waiting for a connection.", l, nil),
		queued: prometheus.NewDesc("herald_db_queued_total",
			"Reads that waited in the pool's arrival-order queue before asking for a connection (SQLite's read pools).", l, nil),
		queuedSecs: prometheus.NewDesc("herald_db_queued_seconds_total", "Time reads spent in the pool's arrival-order queue.", l, nil),
	}
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.inUse
	ch <- c.idle
	ch <- c.waitCount
	ch <- c.waitSecs
	ch <- c.queued
	ch <- c.queuedSecs
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.d.Stats() {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.OpenConnections), s.Name)
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(s.InUse), s.Name)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.Idle), s.Name)
		ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.WaitCount), s.Name)
		ch <- prometheus.MustNewConstMetric(c.waitSecs, prometheus.CounterValue, s.WaitDuration.Seconds(), s.Name)
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.CounterValue, float64(s.Queued), s.Name)
		ch <- prometheus.MustNewConstMetric(c.queuedSecs, prometheus.CounterValue, s.QueuedWait.Seconds(), s.Name)
	}
}
