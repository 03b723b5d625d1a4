package sse_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
)

// readEvent reads lines until a blank line and returns the event's lines.
func readEvent(t *testing.T, br *bufio.Reader) []string {
	t.Helper()
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v (read %q)", err, lines)
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			if len(lines) == 0 {
				continue
			}
			return lines
		}
		lines = append(lines, line)
	}
}

func TestStreamRelaysTopicHeartbeatsAndEnds(t *testing.T) {
	bus := realtime.NewLocal()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		if err := sse.Stream(w, r, bus, "person:1", 50*time.Millisecond); err != nil {
			t.Errorf("stream: %v", err)
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	br := bufio.NewReader(res.Body)
	if got := readEvent(t, br); got[0] != "retry: 3000" {
		t.Fatalf("first block %q, want the retry hint", got)
	}
	if got := readEvent(t, br); got[0] != "event: ready" {
		t.Fatalf("second block %q, want ready", got)
	}

	// Another person's topic never reaches this stream; its own topic does.
	bus.Publish("person:2", realtime.Event{Type: "message", Data: map[string]string{"text": "for someone else"}})
	bus.Publish("person:1", realtime.Event{Type: "message", Data: map[string]string{"text": "line one\nline two"}})
	var got []string
	for {
		got = readEvent(t, br)
		if got[0] != ": heartbeat" {
			break
		}
	}
	want := []string{"event: message", `data: {"text":"line one\nline two"}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("event %q, want %q", got, want)
	}

	// With nothing to send, heartbeats keep the connection alive.
	if got := readEvent(t, br); got[0] != ": heartbeat" {
		t.Fatalf("got %q, want a heartbeat", got)
	}

	// Closing the request ends the handler and its subscription.
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end with its request")
	}
	if n := bus.Subscribers("person:1"); n != 0 {
		t.Fatalf("%d subscriptions left after the stream ended", n)
	}
}
