//go:build !emulator

package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// This file needs the Prometheus metrics, which the emulator's build
// leaves out.

// wrapWriter is a middleware's response writer that exposes the one it wraps.
type wrapWriter struct{ http.ResponseWriter }

func (w wrapWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestObserveRecordsTheNestedPattern: a request served by a nested mux is
// counted under the nested mux's route, also when middleware in between
// passed a copy of the request and wrapped the response writer; a request
// the nested mux does not match is counted under the outer pattern.
func TestObserveRecordsTheNestedPattern(t *testing.T) {
	inner := http.NewServeMux()
	inner.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	type key struct{}
	between := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(wrapWriter{w}, r.WithContext(context.WithValue(r.Context(), key{}, 1)))
		})
	}
	outer := http.NewServeMux()
	outer.Handle("/", between(RecordPattern(inner)))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := Observe(slog.New(slog.NewTextHandler(io.Discard, nil)), m, outer)

	for _, path := range []string{"/items/7", "/items/8", "/nothing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "herald_http_requests_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[strings.Join(labels, ",")] = s.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"code=202,method=GET,route=GET /items/{id}": 2,
		"code=404,method=GET,route=/":               1,
	}
	if len(got) != len(want) {
		t.Errorf("requests counted %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("requests counted %v, want %v", got, want)
			break
		}
	}
}

// TestMetricsCountPastTheKeptLabelSets: label sets beyond those kept for
// quick lookup (metricsKept) are counted as the kept ones are.
func TestMetricsCountPastTheKeptLabelSets(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for i := range metricsKept + 10 {
		for range 2 {
			m.observe("/r", "M"+strconv.Itoa(i), 200, time.Millisecond)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "herald_http_requests_total":
			if len(mf.GetMetric()) != metricsKept+10 {
				t.Errorf("%d label sets, want %d", len(mf.GetMetric()), metricsKept+10)
			}
			for _, s := range mf.GetMetric() {
				if s.GetCounter().GetValue() != 2 {
					t.Errorf("%v counted %v, want 2", s.GetLabel(), s.GetCounter().GetValue())
				}
			}
		case "herald_http_request_duration_seconds":
			if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != 2*(metricsKept+10) {
				t.Errorf("latency observed %d times, want %d", n, 2*(metricsKept+10))
			}
		}
	}
}
