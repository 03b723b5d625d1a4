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
