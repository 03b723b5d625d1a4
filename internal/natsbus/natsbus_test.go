package natsbus_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/natsbus"
	"github.com/heraldoa/herald/internal/realtime"
)

// server returns the NATS server to test against: $HERALD_TEST_NATS, else
// a local one on the default port; the test is skipped without one.
func server(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("HERALD_TEST_NATS")
	if addr == "" {
		addr = "127.0.0.1:4222"
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Skipf("no NATS server at %s (set HERALD_TEST_NATS): %v", addr, err)
	}
	c.Close()
	return addr
}

func dial(t *testing.T, addr string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Dial(context.Background(), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func receive(t *testing.T, ch <-chan realtime.Event) realtime.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event arrived")
	}
	return realtime.Event{}
}

func TestEventsCrossNodes(t *testing.T) {
	addr := server(t)
	nodeA, nodeB := dial(t, addr), dial(t, addr)
	// Topics unique to this run, so parallel runs do not meet.
	topic := realtime.PersonTopic(time.Now().UnixNano())
	other := realtime.PersonTopic(time.Now().UnixNano() + 1)

	onB, stopB := nodeB.Subscribe(topic)
	onA, stopA := nodeA.Subscribe(topic)
	otherB, stopOther := nodeB.Subscribe(other)
	defer stopOther()

	nodeA.Publish(topic, realtime.Event{Type: "message", Data: map[string]any{"text": "hello from A", "id": "42"}})
	for _, ch := range []<-chan realtime.Event{onB, onA} {
		ev := receive(t, ch)
		raw, ok := ev.Data.(json.RawMessage)
		if ev.Type != "message" || !ok {
			t.Fatalf("event %+v", ev)
		}
		var data map[string]string
		if err := json.Unmarshal(raw, &data); err != nil || data["text"] != "hello from A" || data["id"] != "42" {
			t.Fatalf("data %s: %v", raw, err)
		}
	}
	select {
	case ev := <-otherB:
		t.Fatalf("another topic's listener got %+v", ev)
	default:
	}

	// After unsubscribing, node B gets nothing more; node A still does.
	stopB()
	if n := nodeB.Subscribers(topic); n != 0 {
		t.Fatalf("%d listeners left", n)
	}
	nodeB.Publish(topic, realtime.Event{Type: "read", Data: map[string]any{"account_id": "7"}})
	if ev := receive(t, onA); ev.Type != "read" {
		t.Fatalf("node A got %+v", ev)
	}
	stopA()
	select {
	case ev, ok := <-onB:
		if ok {
			t.Fatalf("an ended subscription got %+v", ev)
		}
	default:
	}
}

func TestSubjects(t *testing.T) {
	for topic, want := range map[string]string{
		"person:123":  "herald.person.123",
		"account:9":   "herald.account.9",
		"odd topic>*": "herald.odd_topic__",
	} {
		if got := natsbus.Subject(topic); got != want {
			t.Errorf("Subject(%q) = %q, want %q", topic, got, want)
		}
	}
}

func TestDialFailsWithoutServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := natsbus.Dial(context.Background(), addr, nil); err == nil {
		t.Fatal("Dial succeeded with nothing listening")
	}
}

// BenchmarkCrossNode measures one event from a publish on one node to its
// arrival at a listener on another, through the NATS server.
func BenchmarkCrossNode(b *testing.B) {
	addr := os.Getenv("HERALD_TEST_NATS")
	if addr == "" {
		addr = "127.0.0.1:4222"
	}
	nodeA, err := natsbus.Dial(context.Background(), addr, nil)
	if err != nil {
		b.Skip(err)
	}
	defer nodeA.Close()
	nodeB, err := natsbus.Dial(context.Background(), addr, nil)
	if err != nil {
		b.Skip(err)
	}
	defer nodeB.Close()
	topic := realtime.PersonTopic(time.Now().UnixNano())
	ch, stop := nodeB.Subscribe(topic)
	defer stop()
	ev := realtime.Event{Type: "message", Data: map[string]any{"id": "1", "kind": "text", "body": map[string]string{"text": "Your card has shipped"}}}
	for b.Loop() {
		nodeA.Publish(topic, ev)
		<-ch
	}
}

// TestReconnects restarts a private nats-server under a subscribed bus: the
// bus connects again by itself and its subscription works again.
func TestReconnects(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", port)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for range 100 {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		t.Fatal("nats-server did not start")
		return nil
	}
	srv := start()
	defer func() { srv.Process.Kill(); srv.Wait() }()

	b := dial(t, addr)
	topic := realtime.PersonTopic(1)
	ch, stop := b.Subscribe(topic)
	defer stop()
	b.Publish(topic, realtime.Event{Type: "before"})
	if ev := receive(t, ch); ev.Type != "before" {
		t.Fatalf("got %+v", ev)
	}

	srv.Process.Kill()
	srv.Wait()
	srv = start()

	other := dial(t, addr)
	deadline := time.After(15 * time.Second)
	for {
		other.Publish(topic, realtime.Event{Type: "after"})
		select {
		case ev := <-ch:
			if ev.Type == "after" {
				return
			}
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the bus did not come back after the server restarted")
		}
	}
}
