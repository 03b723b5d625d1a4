// Package natsbus carries realtime events between Herald nodes over NATS
// (the official client, github.com/nats-io/nats.go), so that a follower's
// browser connected to one node sees a message stored by another. It
// implements realtime.Bus: an event is delivered at once to this node's own
// listeners (through an in-process realtime.Local, whatever the broker's
// state) and published to subject "herald.<topic>" (":" becomes ".") for
// the other nodes, which subscribe to the subjects their listeners need.
//
// Publish never waits for the broker: events go into a bounded queue that
// one goroutine hands to the client, which buffers them while it
// reconnects. When the queue is full (the broker has been stalled for long)
// events are dropped and counted. Delivery is therefore at most once, like
// the in-process bus; nothing stored depends on it, and browsers catch up
// from the database when their stream reconnects (Last-Event-ID).
package natsbus

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/heraldoa/herald/internal/realtime"
)

// Prefix starts every subject Herald uses.
const Prefix = "herald"

// Options say how to reach the NATS servers.
type Options struct {
	// URLs is one NATS URL or several separated by commas (the servers of
	// one NATS cluster): nats://host:4222, tls://host:4222, or host:port.
	// A URL may carry user:password@.
	URLs     string
	User     string // user name, with Password
	Password string
	Token    string // authentication token
	NKeyFile string // file holding an NKey seed (SU...)
	Creds    string // a .creds file (user JWT and NKey seed)
	// TLS: CA is a PEM file of roots that signed the servers' certificates;
	// Cert and Key a client certificate when the servers require one.
	// Setting any of them, or a tls:// URL, makes the connection use TLS.
	CA, Cert, Key string
	// TLSConfig, when set, is used as is (tests).
	TLSConfig *tls.Config
	// Name identifies this node in the servers' monitoring.
	Name string
	// QueueSize bounds the events waiting to be handed to the client
	// (default 8192); ReconnectBuffer the bytes the client holds while
	// reconnecting (default 8 MB).
	QueueSize       int
	ReconnectBuffer int
	Log             *slog.Logger
}

// Bus is a realtime.Bus over NATS.
type Bus struct {
	nc    *nats.Conn
	log   *slog.Logger
	local *realtime.Local
	queue chan outgoing
	done  chan struct{}
	wg    sync.WaitGroup

	mu   sync.Mutex
	subs map[string]*sub // by topic

	dropped atomic.Int64
	once    sync.Once

	// Topics whose events for other nodes were dropped: once the queue has
	// room again, each gets a realtime.TypeGap event, and the other nodes'
	// streams replay what they missed from the database.
	gapMu sync.Mutex
	gaps  map[string]bool
}

// maxGaps bounds the topics remembered as having lost events.
const maxGaps = 4096

type outgoing struct {
	topic   string
	subject string
	payload []byte
}

// lost remembers that topic's events for other nodes were dropped.
func (b *Bus) lost(topic string) {
	b.gapMu.Lock()
	if b.gaps == nil {
		b.gaps = map[string]bool{}
	}
	if len(b.gaps) < maxGaps {
		b.gaps[topic] = true
	}
	b.gapMu.Unlock()
}

// gapsIfDrained tells the gaps once the queue is empty and the server
// reachable (the gap event must come after what was queued before it).
func (b *Bus) gapsIfDrained() {
	if len(b.queue) != 0 || !b.nc.IsConnected() {
		return
	}
	b.gapMu.Lock()
	pending := len(b.gaps) > 0
	b.gapMu.Unlock()
	if pending {
		b.tellGaps()
	}
}

// tellGaps publishes a TypeGap event to every topic that lost events.
func (b *Bus) tellGaps() {
	b.gapMu.Lock()
	gaps := b.gaps
	b.gaps = nil
	b.gapMu.Unlock()
	for topic := range gaps {
		payload, _ := json.Marshal(realtime.Event{Type: realtime.TypeGap})
		if err := b.nc.Publish(Subject(topic), payload); err != nil {
			b.lost(topic) // still not through: try again later
		}
	}
}

type sub struct {
	s     *nats.Subscription
	count int
}

// Subject is the NATS subject of a realtime topic.
func Subject(topic string) string {
	return Prefix + "." + strings.Map(func(r rune) rune {
		switch r {
		case ':':
			return '.'
		case ' ', '\t', '\r', '\n', '*', '>':
			return '_'
		}
		return r
	}, topic)
}

// natsOptions turns o into the client's options.
func (o Options) natsOptions(b *Bus) ([]nats.Option, error) {
	name := o.Name
	if name == "" {
		name = "herald"
	}
	bufSize := o.ReconnectBuffer
	if bufSize <= 0 {
		bufSize = 8 << 20
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.NoEcho(), // this node's listeners get its events directly
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.ReconnectBufSize(bufSize),
		nats.Timeout(5 * time.Second),
		// A stalled server must not hold the publishing goroutine for long.
		nats.FlusherTimeout(2 * time.Second),
		nats.PingInterval(10 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn("natsbus: disconnected; reconnecting", slog.Any("error", err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("natsbus: reconnected", slog.String("server", nc.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			b.log.Warn("natsbus: error", slog.String("subject", subj), slog.Any("error", err))
		}),
	}
	if o.User != "" || o.Password != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Token != "" {
		opts = append(opts, nats.Token(o.Token))
	}
	if o.NKeyFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("natsbus: NKey seed %s: %w", o.NKeyFile, err)
		}
		opts = append(opts, opt)
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.CA != "" {
		opts = append(opts, nats.RootCAs(o.CA))
	}
	if o.Cert != "" || o.Key != "" {
		if o.Cert == "" || o.Key == "" {
			return nil, errors.New("natsbus: a client certificate needs both the certificate and its key")
		}
		opts = append(opts, nats.ClientCert(o.Cert, o.Key))
	}
	if o.TLSConfig != nil {
		opts = append(opts, nats.Secure(o.TLSConfig))
	}
	return opts, nil
}

// Connect connects to the NATS servers named in o. It fails when none
// answers (a wrong address or credentials show at start); once connected,
// the bus reconnects by itself for as long as it runs, and subscribes
// again.
func Connect(ctx context.Context, o Options) (*Bus, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	size := o.QueueSize
	if size <= 0 {
		size = 8192
	}
	b := &Bus{log: log, local: realtime.NewLocal(), queue: make(chan outgoing, size), done: make(chan struct{}), subs: map[string]*sub{}}
	opts, err := o.natsOptions(b)
	if err != nil {
		return nil, err
	}
	urls := strings.Join(splitURLs(o.URLs), ",")
	if urls == "" {
		return nil, errors.New("natsbus: no NATS URL")
	}
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(urls, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("natsbus: connect to %s: %w", redact(urls), r.err)
		}
		b.nc = r.nc
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	}
	b.wg.Add(1)
	go b.publisher()
	return b, nil
}

// splitURLs accepts host:port as well as full URLs.
func splitURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		out = append(out, u)
	}
	return out
}

// redact hides passwords in URLs for messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		scheme, rest, ok := strings.Cut(p, "://")
		if !ok {
			continue
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			parts[i] = scheme + "://***@" + rest[at+1:]
		}
	}
	return strings.Join(parts, ",")
}

// Publish delivers ev to this node's listeners of topic and queues it for
// the other nodes. It never blocks: when the queue is full the event is
// dropped for the other nodes (Dropped counts them).
func (b *Bus) Publish(topic string, ev realtime.Event) {
	b.local.Publish(topic, ev)
	payload, err := json.Marshal(ev)
	if err != nil {
		b.log.Error("natsbus: encode event", slog.String("topic", topic), slog.Any("error", err))
		return
	}
	select {
	case b.queue <- outgoing{topic, Subject(topic), payload}:
	default:
		b.lost(topic)
		if b.dropped.Add(1)%1000 == 1 {
			b.log.Warn("natsbus: queue full, events for other nodes dropped", slog.Int64("dropped", b.dropped.Load()))
		}
	}
}

// publisher hands queued events to the client until Close.
func (b *Bus) publisher() {
	defer b.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case m := <-b.queue:
			if err := b.nc.Publish(m.subject, m.payload); err != nil {
				b.dropped.Add(1)
				b.lost(m.topic)
				if !errors.Is(err, nats.ErrConnectionClosed) {
					b.log.Warn("natsbus: publish", slog.String("subject", m.subject), slog.Any("error", err))
				}
			}
			if len(b.queue) == 0 {
				b.gapsIfDrained()
			}
		case <-tick.C:
			b.gapsIfDrained()
		case <-b.done:
			return
		}
	}
}

// Dropped returns how many events could not be handed to NATS.
func (b *Bus) Dropped() int64 { return b.dropped.Load() }

// Connected reports whether the bus has a connection to a server now.
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Subscribe listens on topic: this node's events at once, other nodes' once
// the server knows of the subscription. While connected, Subscribe waits
// (up to two seconds) for the server to confirm it, so nothing another
// node publishes afterwards is missed.
func (b *Bus) Subscribe(topic string) (<-chan realtime.Event, func()) {
	ch, stop := b.local.Subscribe(topic)
	b.mu.Lock()
	s := b.subs[topic]
	confirm := false
	if s == nil {
		ns, err := b.nc.Subscribe(Subject(topic), func(m *nats.Msg) { b.deliver(topic, m.Data) })
		if err != nil {
			b.log.Warn("natsbus: subscribe", slog.String("topic", topic), slog.Any("error", err))
		}
		s = &sub{s: ns}
		b.subs[topic] = s
		confirm = ns != nil
	}
	s.count++
	b.mu.Unlock()
	if confirm && b.nc.IsConnected() {
		_ = b.nc.FlushTimeout(2 * time.Second)
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stop()
			b.mu.Lock()
			defer b.mu.Unlock()
			if s.count--; s.count == 0 {
				delete(b.subs, topic)
				if s.s != nil {
					_ = s.s.Unsubscribe()
				}
			}
		})
	}
}

// Subscribers returns how many listeners this node has on topic.
func (b *Bus) Subscribers(topic string) int { return b.local.Subscribers(topic) }

// Close stops publishing and closes the connection; events still queued
// are handed to the client first (up to two seconds).
func (b *Bus) Close() error {
	b.once.Do(func() {
		close(b.done)
		b.wg.Wait()
		deadline := time.After(2 * time.Second)
	drain:
		for {
			select {
			case m := <-b.queue:
				_ = b.nc.Publish(m.subject, m.payload)
			case <-deadline:
				break drain
			default:
				break drain
			}
		}
		_ = b.nc.FlushTimeout(2 * time.Second)
		b.nc.Close()
	})
	return nil
}

func (b *Bus) deliver(topic string, payload []byte) {
	var ev struct {
		Type string          `json:"type"`
		ID   string          `json:"id"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		b.log.Warn("natsbus: undecodable event", slog.String("topic", topic), slog.Any("error", err))
		return
	}
	b.local.Publish(topic, realtime.Event{Type: ev.Type, ID: ev.ID, Data: ev.Data})
}

var _ realtime.Bus = (*Bus)(nil)
