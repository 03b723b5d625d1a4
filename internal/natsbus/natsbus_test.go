package natsbus_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/heraldoa/herald/internal/natsbus"
	"github.com/heraldoa/herald/internal/natsbus/natstest"
	"github.com/heraldoa/herald/internal/realtime"
)

func connect(t *testing.T, o natsbus.Options) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := natsbus.Connect(ctx, o)
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

func text(t *testing.T, ev realtime.Event) string {
	t.Helper()
	var data map[string]string
	switch d := ev.Data.(type) {
	case json.RawMessage:
		if err := json.Unmarshal(d, &data); err != nil {
			t.Fatal(err)
		}
	case map[string]string:
		data = d
	default:
		t.Fatalf("event data %T", ev.Data)
	}
	return data["text"]
}

func say(s string) realtime.Event {
	return realtime.Event{Type: "message", ID: "7", Data: map[string]string{"text": s}}
}

// crosses checks that an event published on from reaches a listener on to.
func crosses(t *testing.T, from, to *natsbus.Bus) {
	t.Helper()
	topic := realtime.PersonTopic(time.Now().UnixNano())
	on, stop := to.Subscribe(topic)
	defer stop()
	// Interest in a subject reaches the other servers of a cluster
	// asynchronously, so an event published at once may find no subscriber
	// there yet (NATS is at-most-once): publish again until one crosses.
	var ev realtime.Event
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	from.Publish(topic, say("across"))
wait:
	for {
		select {
		case ev = <-on:
			break wait
		case <-tick.C:
			from.Publish(topic, say("across"))
		case <-deadline:
			t.Fatal("no event crossed")
		}
	}
	if ev.Type != "message" || ev.ID != "7" || text(t, ev) != "across" {
		t.Fatalf("received %+v", ev)
	}
}

func TestEventsCrossNodes(t *testing.T) {
	srv := natstest.Start(t, nil)
	nodeA := connect(t, natsbus.Options{URLs: srv.URL()})
	nodeB := connect(t, natsbus.Options{URLs: strings.TrimPrefix(srv.URL(), "nats://")}) // host:port works too
	topic, other := realtime.PersonTopic(1), realtime.PersonTopic(2)
	onB, stopB := nodeB.Subscribe(topic)
	onA, stopA := nodeA.Subscribe(topic)
	otherB, stopOther := nodeB.Subscribe(other)
	defer stopOther()

	nodeA.Publish(topic, say("hello from A"))
	for _, ch := range []<-chan realtime.Event{onB, onA} {
		if got := text(t, receive(t, ch)); got != "hello from A" {
			t.Fatalf("got %q", got)
		}
	}
	// This node's listener gets the event once (not again through NATS).
	select {
	case ev := <-onA:
		t.Fatalf("node A's listener got the event twice: %+v", ev)
	case ev := <-otherB:
		t.Fatalf("another topic's listener got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
	// After the last listener leaves, node B no longer receives the topic.
	stopB()
	stopA()
	if nodeB.Subscribers(topic) != 0 {
		t.Fatal("listener still counted")
	}
}

func TestUserPasswordAndToken(t *testing.T) {
	srv := natstest.Start(t, &server.Options{Username: "herald", Password: "s3cret pass"})
	a := connect(t, natsbus.Options{URLs: srv.URL(), User: "herald", Password: "s3cret pass"})
	u := strings.Replace(srv.URL(), "nats://", "nats://herald:s3cret%20pass@", 1)
	b := connect(t, natsbus.Options{URLs: u})
	crosses(t, a, b)
	_, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL(), User: "herald", Password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "uthorization") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: u + ",nats://x:y@127.0.0.1:1", User: "x"}); err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error shows the password: %v", err)
	}

	tok := natstest.Start(t, &server.Options{Authorization: "a-long-token"})
	c := connect(t, natsbus.Options{URLs: tok.URL(), Token: "a-long-token"})
	d := connect(t, natsbus.Options{URLs: tok.URL(), Token: "a-long-token"})
	crosses(t, c, d)
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: tok.URL(), Token: "nope"}); err == nil {
		t.Fatal("a wrong token connected")
	}
}

func TestNKey(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	file := filepath.Join(t.TempDir(), "herald.nk")
	if err := os.WriteFile(file, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, &server.Options{Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	a := connect(t, natsbus.Options{URLs: srv.URL(), NKeyFile: file})
	b := connect(t, natsbus.Options{URLs: srv.URL(), NKeyFile: file})
	crosses(t, a, b)
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL()}); err == nil {
		t.Fatal("connected without the NKey")
	}
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL(), NKeyFile: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("a missing seed file was accepted")
	}
}

// TestTLSWithClientCertificate: the server requires TLS and a client
// certificate signed by its CA; the bus verifies the server against the CA
// file it is given.
func TestTLSWithClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCert(t, nil, nil, "Herald test CA", true)
	srvCert, srvKey := newCert(t, ca, caKey, "127.0.0.1", false)
	cliCert, cliKey := newCert(t, ca, caKey, "herald-node", false)
	write := func(name string, blocks ...*pem.Block) string {
		p := filepath.Join(dir, name)
		var b []byte
		for _, bl := range blocks {
			b = append(b, pem.EncodeToMemory(bl)...)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile := write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	certFile := write("client.pem", &pem.Block{Type: "CERTIFICATE", Bytes: cliCert.Raw})
	keyFile := write("client.key", keyBlock(t, cliKey))

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srvPair := tls.Certificate{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}
	srv := natstest.Start(t, &server.Options{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{srvPair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
		TLSVerify: true, TLSTimeout: 5,
	})
	a := connect(t, natsbus.Options{URLs: srv.URL(), CA: caFile, Cert: certFile, Key: keyFile})
	b := connect(t, natsbus.Options{URLs: srv.URL(), CA: caFile, Cert: certFile, Key: keyFile})
	crosses(t, a, b)
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL(), CA: caFile}); err == nil {
		t.Fatal("connected without a client certificate")
	}
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL(), Cert: certFile, Key: keyFile}); err == nil {
		t.Fatal("trusted a server whose CA was not given")
	}
	if _, err := natsbus.Connect(context.Background(), natsbus.Options{URLs: srv.URL(), CA: caFile, Cert: certFile}); err == nil {
		t.Fatal("a certificate without its key was accepted")
	}
}

func newCert(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if isCA {
		tpl.IsCA, tpl.BasicConstraintsValid = true, true
	} else {
		tpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if parent == nil {
		parent, parentKey = tpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func keyBlock(t *testing.T, k *ecdsa.PrivateKey) *pem.Block {
	b, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
}

// TestClusterURLs: two NATS servers routed into one cluster; each node
// knows both URLs and connects to one of them; events cross the route, and
// when a node's server dies it moves to the other.
func TestClusterURLs(t *testing.T) {
	one := natstest.Start(t, &server.Options{Cluster: server.ClusterOpts{Name: "herald", Host: "127.0.0.1", Port: -1}})
	routes := server.RoutesFromStr("nats://" + one.Server().ClusterAddr().String())
	two := natstest.Start(t, &server.Options{Cluster: server.ClusterOpts{Name: "herald", Host: "127.0.0.1", Port: -1}, Routes: routes})
	deadline := time.Now().Add(10 * time.Second)
	for one.Server().NumRoutes() == 0 || two.Server().NumRoutes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the two servers did not form a cluster")
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := connect(t, natsbus.Options{URLs: one.URL()})
	b := connect(t, natsbus.Options{URLs: two.URL() + "," + one.URL()})
	crosses(t, a, b)
	crosses(t, b, a)
}

// TestOutage: the server goes away for a few seconds. Publishing never
// blocks meanwhile; when it is back both nodes reconnect by themselves,
// subscribe again, and events cross again.
func TestOutage(t *testing.T) {
	srv := natstest.Start(t, nil)
	a := connect(t, natsbus.Options{URLs: srv.URL()})
	b := connect(t, natsbus.Options{URLs: srv.URL()})
	topic := realtime.PersonTopic(99)
	onB, stop := b.Subscribe(topic)
	defer stop()
	onA, stopA := a.Subscribe(topic)
	defer stopA()
	a.Publish(topic, say("before"))
	if got := text(t, receive(t, onB)); got != "before" {
		t.Fatalf("got %q", got)
	}
	<-onA

	srv.Stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20000 {
			a.Publish(topic, say(strings.Repeat("x", i%100)))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked while the server was down")
	}
	// Node A's own listener still hears node A while NATS is down.
	if ev := receive(t, onA); ev.Type != "message" {
		t.Fatalf("local event %+v", ev)
	}
	time.Sleep(2 * time.Second)
	srv.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for !a.Connected() || !b.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the nodes did not reconnect")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Events from during the outage may or may not arrive; new ones do.
	for {
		a.Publish(topic, say("after"))
		select {
		case ev := <-onB:
			if ev.Type == realtime.TypeGap {
				continue // events were lost (streams replay them from the database)
			}
			if text(t, ev) == "after" {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no event crossed after the server came back")
		}
	}
}

// TestStalledServerDoesNotBlockPublish: a "server" that accepts the
// connection, answers the handshake and then stops reading. Publishing
// megabytes of events still returns at once.
func TestStalledServerDoesNotBlockPublish(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stalled := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.Write([]byte(`INFO {"server_id":"stall","version":"2.15.3","proto":1,"max_payload":1048576,"headers":true}` + "\r\n"))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "PING") {
						c.Write([]byte("PONG\r\n"))
						stalled <- c // from now on: read nothing
						return
					}
				}
			}()
		}
	}()
	bus := connect(t, natsbus.Options{URLs: ln.Addr().String(), QueueSize: 1024})
	defer func() {
		for len(stalled) > 0 {
			(<-stalled).Close()
		}
	}()
	big := strings.Repeat("y", 16<<10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 4000 { // 64 MB, far beyond every socket buffer
			bus.Publish(realtime.PersonTopic(1), say(big))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a stalled server")
	}
	if bus.Dropped() == 0 {
		t.Fatal("nothing was dropped: the stalled server took 64 MB?")
	}
}

func BenchmarkCrossNode(b *testing.B) {
	srv := natstest.Start(b, nil)
	ctx := context.Background()
	nodeA, err := natsbus.Connect(ctx, natsbus.Options{URLs: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer nodeA.Close()
	nodeB, err := natsbus.Connect(ctx, natsbus.Options{URLs: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer nodeB.Close()
	on, stop := nodeB.Subscribe(realtime.PersonTopic(1))
	defer stop()
	for b.Loop() {
		nodeA.Publish(realtime.PersonTopic(1), say("ping"))
		<-on
	}
}
