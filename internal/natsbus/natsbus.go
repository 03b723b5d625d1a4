// Package natsbus carries realtime events between Herald nodes over NATS, so
// that a follower's browser connected to one node sees a message stored by
// another. It implements realtime.Bus with the NATS core text protocol over
// one TCP connection (standard library only): every node publishes each
// event to subject "herald.<topic>" (":" becomes "."), and subscribes to the
// subjects its own listeners need, fanning events out to them through an
// in-process realtime.Local. Delivery is at most once, like the in-process
// bus: browsers reload their state when they reconnect.
package natsbus

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/realtime"
)

// Prefix starts every subject Herald uses.
const Prefix = "herald"

// Bus is a realtime.Bus over NATS.
type Bus struct {
	addr  string
	log   *slog.Logger
	local *realtime.Local

	mu      sync.Mutex
	conn    net.Conn
	w       *bufio.Writer
	subs    map[string]*sub // by topic
	bySID   map[int]string  // sid → topic
	nextSID int
	pongs   []chan struct{}
	closed  bool
	done    chan struct{}
}

type sub struct {
	sid   int
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

// Dial connects to the NATS server at addr ("host:port" or
// "nats://host:port"). The bus reconnects by itself if the connection
// drops, and subscribes again.
func Dial(ctx context.Context, addr string, log *slog.Logger) (*Bus, error) {
	addr = strings.TrimPrefix(addr, "nats://")
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{addr: addr, log: log, local: realtime.NewLocal(), subs: map[string]*sub{}, bySID: map[int]string{}, done: make(chan struct{})}
	conn, r, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	b.conn, b.w = conn, bufio.NewWriter(conn)
	go b.readLoop(conn, r)
	return b, nil
}

// connect opens a connection and completes the handshake: the server's
// INFO, our CONNECT, and a PING answered by PONG.
func (b *Bus) connect(ctx context.Context) (net.Conn, *bufio.Reader, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", b.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("natsbus: dial %s: %w", b.addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		conn.Close()
		return nil, nil, fmt.Errorf("natsbus: %s did not greet with INFO: %q %v", b.addr, line, err)
	}
	if _, err := conn.Write([]byte(`CONNECT {"verbose":false,"pedantic":false,"lang":"go","version":"herald","protocol":1,"echo":true,"name":"herald"}` + "\r\nPING\r\n")); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("natsbus: connect: %w", err)
		}
		switch {
		case strings.HasPrefix(line, "PONG"):
			_ = conn.SetDeadline(time.Time{})
			return conn, r, nil
		case strings.HasPrefix(line, "-ERR"):
			conn.Close()
			return nil, nil, fmt.Errorf("natsbus: server refused: %s", strings.TrimSpace(line))
		}
	}
}

// Publish sends ev to every node's subscribers of topic (this node's
// included, through the server). Without a connection the event is dropped.
func (b *Bus) Publish(topic string, ev realtime.Event) {
	payload, err := json.Marshal(ev)
	if err != nil {
		b.log.Error("natsbus: encode event", slog.String("topic", topic), slog.Any("error", err))
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return
	}
	fmt.Fprintf(b.w, "PUB %s %d\r\n", Subject(topic), len(payload))
	b.w.Write(payload)
	b.w.WriteString("\r\n")
	if err := b.w.Flush(); err != nil {
		b.log.Warn("natsbus: publish", slog.String("topic", topic), slog.Any("error", err))
	}
}

// Subscribe listens on topic. The server knows of the subscription when
// Subscribe returns (it waits for a PING round trip), so nothing published
// afterwards, on any node, is missed.
func (b *Bus) Subscribe(topic string) (<-chan realtime.Event, func()) {
	ch, stop := b.local.Subscribe(topic)
	var pong chan struct{}
	b.mu.Lock()
	s := b.subs[topic]
	if s == nil {
		b.nextSID++
		s = &sub{sid: b.nextSID}
		b.subs[topic], b.bySID[s.sid] = s, topic
		if b.w != nil {
			fmt.Fprintf(b.w, "SUB %s %d\r\nPING\r\n", Subject(topic), s.sid)
			if b.w.Flush() == nil {
				pong = make(chan struct{})
				b.pongs = append(b.pongs, pong)
			}
		}
	}
	s.count++
	b.mu.Unlock()
	if pong != nil {
		select {
		case <-pong:
		case <-time.After(5 * time.Second):
		}
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stop()
			b.mu.Lock()
			defer b.mu.Unlock()
			if s.count--; s.count == 0 {
				delete(b.subs, topic)
				delete(b.bySID, s.sid)
				if b.w != nil {
					fmt.Fprintf(b.w, "UNSUB %d\r\n", s.sid)
					_ = b.w.Flush()
				}
			}
		})
	}
}

// Subscribers returns how many listeners this node has on topic.
func (b *Bus) Subscribers(topic string) int { return b.local.Subscribers(topic) }

// Close ends the connection; later events are dropped.
func (b *Bus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	close(b.done)
	b.w = nil
	for _, p := range b.pongs {
		close(p)
	}
	b.pongs = nil
	if b.conn != nil {
		return b.conn.Close()
	}
	return nil
}

// readLoop delivers messages from the server to local subscribers, and
// reconnects when the connection breaks.
func (b *Bus) readLoop(conn net.Conn, r *bufio.Reader) {
	for {
		err := b.read(r)
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return
		}
		b.w = nil
		for _, p := range b.pongs {
			close(p)
		}
		b.pongs = nil
		b.mu.Unlock()
		conn.Close()
		b.log.Warn("natsbus: connection lost, reconnecting", slog.Any("error", err))
		conn, r = b.reconnect()
		if conn == nil {
			return
		}
	}
}

func (b *Bus) reconnect() (net.Conn, *bufio.Reader) {
	wait := 100 * time.Millisecond
	for {
		select {
		case <-b.done:
			return nil, nil
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, r, err := b.connect(ctx)
		cancel()
		if err != nil {
			wait = min(wait*2, 5*time.Second)
			continue
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			conn.Close()
			return nil, nil
		}
		b.conn, b.w = conn, bufio.NewWriter(conn)
		for topic, s := range b.subs {
			fmt.Fprintf(b.w, "SUB %s %d\r\n", Subject(topic), s.sid)
		}
		err = b.w.Flush()
		b.mu.Unlock()
		if err == nil {
			b.log.Info("natsbus: reconnected", slog.String("addr", b.addr))
			return conn, r
		}
		conn.Close()
	}
}

// read handles server operations until the connection fails.
func (b *Bus) read(r *bufio.Reader) error {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		op, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(op) {
		case "MSG":
			// MSG <subject> <sid> [reply-to] <#bytes>
			f := strings.Fields(rest)
			if len(f) < 3 {
				return fmt.Errorf("natsbus: bad MSG line %q", line)
			}
			sid, err1 := strconv.Atoi(f[1])
			n, err2 := strconv.Atoi(f[len(f)-1])
			if err1 != nil || err2 != nil || n < 0 || n > 64<<20 {
				return fmt.Errorf("natsbus: bad MSG line %q", line)
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return err
			}
			b.deliver(sid, buf[:n])
		case "PING":
			b.mu.Lock()
			if b.w != nil {
				b.w.WriteString("PONG\r\n")
				_ = b.w.Flush()
			}
			b.mu.Unlock()
		case "PONG":
			b.mu.Lock()
			if len(b.pongs) > 0 {
				close(b.pongs[0])
				b.pongs = b.pongs[1:]
			}
			b.mu.Unlock()
		case "-ERR":
			b.log.Warn("natsbus: server error", slog.String("error", rest))
		case "+OK", "INFO", "":
		}
	}
}

func (b *Bus) deliver(sid int, payload []byte) {
	b.mu.Lock()
	topic, ok := b.bySID[sid]
	b.mu.Unlock()
	if !ok {
		return // unsubscribed meanwhile
	}
	var ev struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		b.log.Warn("natsbus: undecodable event", slog.String("topic", topic), slog.Any("error", err))
		return
	}
	b.local.Publish(topic, realtime.Event{Type: ev.Type, Data: ev.Data})
}

var _ realtime.Bus = (*Bus)(nil)
