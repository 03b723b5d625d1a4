package push_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// BenchmarkDeliverSafeMode measures signed, AES-encrypted pushes (with the
// push-log write) to a fast local receiver that answers "success". The
// figure is deliveries per second across GOMAXPROCS senders.
//
//	go test -run - -bench DeliverSafeMode -benchtime 20000x ./internal/push
func BenchmarkDeliverSafeMode(b *testing.B) {
	h := heraldtest.New(b)
	app := h.Internal().App
	a, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		b.Fatal(err)
	}
	var conns atomic.Int64
	recv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "success")
	}))
	recv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	recv.Start()
	defer recv.Close()
	set := &push.Settings{AccountID: a.ID, URL: recv.URL, Token: token, AESKey: aesKey, Mode: push.Safe, Enabled: true}
	openid := h.Service.Followers[0].OpenID
	b.ResetTimer()
	conns.Store(0)
	commits := app.DevSettings.LogCommits()
	start, cpu := time.Now(), processCPU()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		var n int64
		for pb.Next() {
			n++
			msg := wxmsg.NewText(a.OriginalID, openid, time.Now().Unix(), n, "hello from the benchmark")
			d, _ := app.Push.Deliver(context.Background(), a, set, msg, 0, push.KindMessage, 0)
			if !d.OK {
				b.Errorf("delivery failed: %s", d.Error.English())
				return
			}
		}
	})
	app.DevSettings.WaitLog() // every delivery's log row is written, too
	elapsed, used := time.Since(start), processCPU()-cpu
	// Connections the receiver accepted (kept alive: about one per sender)
	// and push-log rows per transaction.
	b.ReportMetric(float64(conns.Load()), "conns")
	b.ReportMetric(float64(b.N)/float64(app.DevSettings.LogCommits()-commits), "rows/commit")
	var logged int
	if err := app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM push_deliveries WHERE account_id = ? AND kind = 'message'`, a.ID).Scan(&logged); err != nil || logged < b.N {
		b.Fatalf("%d deliveries logged, want %d (%v)", logged, b.N, err)
	}
	// The size of a log row: every text column, and the explanation
	// columns (summary, checks, reply, error) on their own. All ASCII
	// here, so characters are bytes on both databases.
	var rowBytes, explained float64
	if err := app.DB.QueryRow(context.Background(), `SELECT AVG(LENGTH(openid) + LENGTH(summary) + LENGTH(dedupe_key) + LENGTH(mode) + LENGTH(url)
		+ LENGTH(query) + LENGTH(plain) + LENGTH(body) + LENGTH(response) + LENGTH(reply) + LENGTH(error) + LENGTH(checks)),
		AVG(LENGTH(summary) + LENGTH(checks) + LENGTH(reply) + LENGTH(error))
		FROM push_deliveries WHERE account_id = ? AND kind = 'message'`, a.ID).Scan(&rowBytes, &explained); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rowBytes, "text-B/row")
	b.ReportMetric(explained, "explained-B/row")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time this process has used (user and system); the
// receiver runs in the same process, so its share is included.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPushTransportFloor is BenchmarkDeliverSafeMode without Herald:
// the same outbound client POSTs a body of a safe-mode push's size (a
// 428-character Encrypt, as for the benchmark's text), with
// a push's query and header, to the same in-process receiver. Its CPU per
// request is the floor under a delivery's on this machine (client, kernel
// and receiver), with no signature, encryption, XML or log row.
func BenchmarkPushTransportFloor(b *testing.B) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "success")
	}))
	defer recv.Close()
	client := outbound.NewPolicy(outbound.Loopback).Client(0)
	body := "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[" + strings.Repeat("A", 428) + "]]></Encrypt></xml>"
	target := recv.URL + "?encrypt_type=aes&msg_signature=" + strings.Repeat("0", 40) + "&nonce=1234567890&openid=o" + strings.Repeat("x", 27) +
		"&signature=" + strings.Repeat("0", 40) + "&timestamp=1765000000"
	b.ResetTimer()
	start, cpu := time.Now(), processCPU()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Content-Type", "text/xml")
			req.Header.Set("User-Agent", "Mozilla/4.0")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
	elapsed, used := time.Since(start), processCPU()-cpu
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
}
