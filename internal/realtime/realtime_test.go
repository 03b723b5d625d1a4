package realtime

import "testing"

func TestPublishReachesOnlyTopicSubscribers(t *testing.T) {
	b := NewLocal()
	a, stopA := b.Subscribe(PersonTopic(1))
	other, stopOther := b.Subscribe(PersonTopic(2))
	defer stopOther()
	b.Publish(PersonTopic(1), Event{Type: "message", Data: "hi"})
	select {
	case ev := <-a:
		if ev.Type != "message" || ev.Data != "hi" {
			t.Fatalf("got %+v", ev)
		}
	default:
		t.Fatal("subscriber of person:1 got nothing")
	}
	select {
	case ev := <-other:
		t.Fatalf("person:2 received person:1's event %+v", ev)
	default:
	}
	stopA()
	stopA() // twice is harmless
	if n := b.Subscribers(PersonTopic(1)); n != 0 {
		t.Fatalf("%d subscribers left after cancel", n)
	}
	for i := 0; i < 1000; i++ { // a full buffer drops instead of blocking
		b.Publish(PersonTopic(2), Event{Type: "x"})
	}
}

// A subscriber that lost events to a full buffer hears of the gap before
// the next event that fits, once.
func TestLostEventsAreReportedAsAGap(t *testing.T) {
	l := NewLocal()
	ch, stop := l.Subscribe("t")
	defer stop()
	for i := range 65 { // one more than the buffer
		l.Publish("t", Event{Type: "n", ID: string(rune('a' + i%26))})
	}
	for range 64 {
		if ev := <-ch; ev.Type != "n" {
			t.Fatalf("got %+v before the gap", ev)
		}
	}
	l.Publish("t", Event{Type: "after"})
	l.Publish("t", Event{Type: "again"})
	for _, want := range []string{TypeGap, "after", "again"} {
		if ev := <-ch; ev.Type != want {
			t.Fatalf("got %q, want %q", ev.Type, want)
		}
	}
}
