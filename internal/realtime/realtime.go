// Package realtime carries live events (a new message, an unread count) to
// the browsers that show them. On one node the bus is in-process; the Bus
// interface lets a multi-node deployment carry the same events over a
// message broker such as NATS without changing publishers or subscribers.
package realtime

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Event is one live update, sent to browsers as a server-sent event.
type Event struct {
	Type string `json:"type"` // e.g. "message", "unread", "inbox"
	// ID, when set, is the event's position in a stream that can be
	// replayed from the database (a message's id): browsers send the last
	// one back as Last-Event-ID when they reconnect.
	ID   string `json:"id,omitempty"`
	Data any    `json:"data"`
}

// TypeGap is the type of the event a bus delivers to a subscriber after
// it lost events of the topic (a full buffer, a full queue towards other
// nodes): streams that can replay from the database do so from the last
// event they sent.
const TypeGap = "gap"

// Bus publishes events to topics and lets subscribers listen.
type Bus interface {
	Publish(topic string, ev Event)
	// Subscribe returns a channel of events on topic and a function that
	// ends the subscription. Slow subscribers lose events rather than block
	// publishers; browsers reload their state when they reconnect.
	Subscribe(topic string) (<-chan Event, func())
}

// PersonTopic is where a follower's devices listen.
func PersonTopic(personID int64) string { return "person:" + strconv.FormatInt(personID, 10) }

// AccountTopic is where an account's console pages (the inbox) listen.
func AccountTopic(accountID int64) string { return "account:" + strconv.FormatInt(accountID, 10) }

// Local is the in-process Bus.
type Local struct {
	mu   sync.RWMutex
	subs map[string]map[chan Event]*atomic.Bool // true: events were dropped since the last TypeGap
}

// NewLocal returns an in-process bus.
func NewLocal() *Local { return &Local{subs: map[string]map[chan Event]*atomic.Bool{}} }

// Publish sends ev to every current subscriber of topic without blocking.
// A subscriber that is not keeping up loses the event, and gets a TypeGap
// event before the next one that fits.
func (l *Local) Publish(topic string, ev Event) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for ch, lost := range l.subs[topic] {
		if lost.Load() {
			select {
			case ch <- Event{Type: TypeGap}:
				lost.Store(false)
			default:
				continue // still full
			}
		}
		select {
		case ch <- ev:
		default: // the subscriber is not keeping up: drop
			lost.Store(true)
		}
	}
}

// Subscribe listens on topic.
func (l *Local) Subscribe(topic string) (<-chan Event, func()) {
	ch := make(chan Event, 64)
	l.mu.Lock()
	if l.subs[topic] == nil {
		l.subs[topic] = map[chan Event]*atomic.Bool{}
	}
	l.subs[topic][ch] = new(atomic.Bool)
	l.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.subs[topic], ch)
			if len(l.subs[topic]) == 0 {
				delete(l.subs, topic)
			}
			l.mu.Unlock()
		})
	}
}

// Subscribers returns how many listeners topic has (for tests and metrics).
func (l *Local) Subscribers(topic string) int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.subs[topic])
}
