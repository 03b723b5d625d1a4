//go:build !emulator

package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// TestPprofListener: with --pprof-listen, Go's profiles are served on that
// address and only there; the command line, which may hold secrets, is not.
func TestPprofListener(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	paddr := free.Addr().String()
	free.Close()
	cfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--pprof-listen", paddr},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, slog.New(slog.DiscardHandler), dbtest.New(t), bytes.Repeat([]byte{7}, 32), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	get := func(url string) (int, string) {
		t.Helper()
		var resp *http.Response
		for i := 0; ; i++ { // the listeners start in Serve's goroutine
			resp, err = http.Get(url)
			if err == nil || i == 100 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + paddr + "/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("goroutine profile: %d %.200q", code, body)
	}
	if code, body := get("http://" + paddr + "/debug/pprof/mutex?debug=1"); code != 200 || !strings.Contains(body, "sampling period=100") {
		t.Errorf("mutex profile not sampled: %d %.200q", code, body)
	}
	if code, body := get("http://" + paddr + "/debug/pprof/cmdline"); code != 404 || strings.Contains(body, "pprof-listen") {
		t.Errorf("command line served: %d %q", code, body)
	}
	if code, body := get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1"); code == 200 || strings.Contains(body, "goroutine profile:") {
		t.Errorf("profiles on the public listener: %d", code)
	}
}
