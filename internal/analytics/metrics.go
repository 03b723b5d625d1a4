//go:build !emulator

package analytics

import "github.com/prometheus/client_golang/prometheus"

// The recorder's Prometheus metrics: in every build but the emulator's
// (-tags emulator), which links no Prometheus client.

// Collector exports the recorder's counters to Prometheus.
func (r *Recorder) Collector() prometheus.Collector { return recorderCollector{r} }

var (
	descDropped  = prometheus.NewDesc("herald_analytics_dropped_total", "Analytics events dropped because the capture buffer was full.", nil, nil)
	descRecorded = prometheus.NewDesc("herald_analytics_recorded_total", "Analytics events queued for writing.", nil, nil)
	descWritten  = prometheus.NewDesc("herald_analytics_written_total", "Analytics events written to the database.", nil, nil)
	descFailed   = prometheus.NewDesc("herald_analytics_write_failed_total", "Analytics events lost because their batch could not be written.", nil, nil)
	descQueued   = prometheus.NewDesc("herald_analytics_queued", "Analytics events waiting in the capture buffer.", nil, nil)
)

type recorderCollector struct{ r *Recorder }

func (c recorderCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descDropped
	ch <- descRecorded
	ch <- descWritten
	ch <- descFailed
	ch <- descQueued
}

func (c recorderCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(c.r.dropped.Load()))
	ch <- prometheus.MustNewConstMetric(descRecorded, prometheus.CounterValue, float64(c.r.recorded.Load()))
	ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(c.r.written.Load()))
	ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(c.r.failed.Load()))
	ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(len(c.r.ch)))
}
