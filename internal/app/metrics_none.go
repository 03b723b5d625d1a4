//go:build emulator

package app

import (
	"net/http"

	"github.com/heraldoa/herald/internal/web"
)

// The emulator's build (-tags emulator) links no Prometheus client: an
// emulator has no --metrics-listen, and the client with its protobuf
// dependency is a large part of the binary.

// Registry stands in for the metrics registry of the other builds.
type Registry struct{}

func newRegistry() *Registry { return &Registry{} }

func (a *App) registerMetrics() {}

// httpMetrics returns nil: web.Observe records no metrics.
func (a *App) httpMetrics() *web.Metrics { return nil }

func (a *App) metricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "This build has no metrics (it was built with -tags emulator).", http.StatusNotFound)
	})
}
