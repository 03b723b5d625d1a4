//go:build !emulator

package app

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// pprofHandler serves Go's profiles under /debug/pprof/ for --pprof-listen.
// It also turns on the mutex and block profiles, which are off by default:
// one contention event in 100 is sampled, and blocking of 1 ms or more
// (on channels, selects, locks) is recorded, which costs little on a busy
// server. The command line (/debug/pprof/cmdline) is not served: it may
// hold a database password or a secret key.
func pprofHandler() http.Handler {
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(int(1e6))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // heap, allocs, goroutine, mutex, block, threadcreate
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "The command line is not served: it may hold secrets.", http.StatusNotFound)
	})
	return mux
}
