//go:build emulator

package app

import "net/http"

// The emulator's build (-tags emulator) links no profiling handlers.
func pprofHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "This build has no profiles (it was built with -tags emulator).", http.StatusNotFound)
	})
}
