package push_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/valyala/fasthttp"
)

// BenchmarkDeliverSafeMode measures signed, AES-encrypted pushes (with the
// push-log write) to a fast local receiver that answers "success". The
// figure is deliveries per second across GOMAXPROCS senders.
//
//	go test -run - -bench DeliverSafeMode -benchtime 20000x ./internal/push
func BenchmarkDeliverSafeMode(b *testing.B) {
	recv, conns := countingReceiver()
	defer recv.Close()
	deliverSafeMode(b, recv.URL, conns, 0)
}

// BenchmarkDeliverSafeModeSteady is BenchmarkDeliverSafeMode on a node
// whose push-log writer has already logged steadyRows deliveries, as one
// that has run for a few seconds at 20,000 deliveries/s has. On SQLite
// the writer's page cache (64 MB) is then full and reuses its pages for
// the log's new ones; in BenchmarkDeliverSafeMode it is still growing, and
// most log pages it writes are a fresh allocation whose memory the kernel
// faults in on first touch, a cost a running node paid once, when its
// cache first filled (docs/performance.md). The rows are copies of a real
// delivery's, written by the writer before the timer starts.
//
//	go test -run - -bench DeliverSafeModeSteady -benchtime 20000x ./internal/push
func BenchmarkDeliverSafeModeSteady(b *testing.B) {
	recv, conns := countingReceiver()
	defer recv.Close()
	deliverSafeMode(b, recv.URL, conns, steadyRows)
}

// steadyRows is how many log rows BenchmarkDeliverSafeModeSteady writes
// first: more than SQLite's writer caches (64 MB of 1.2 KB rows is about
// 55,000 rows of the table alone, before its index and the import queue).
const steadyRows = 64000

// countingReceiver starts the benchmarks' developer server (receiver)
// and returns it with the count of the connections it has accepted.
func countingReceiver() (*httptest.Server, *atomic.Int64) {
	conns := new(atomic.Int64)
	recv := httptest.NewUnstartedServer(receiver())
	recv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	recv.Start()
	return recv, conns
}

// receiver is the benchmarks' developer server: it reads the push and
// answers "success".
func receiver() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "success")
	})
}

// deliverSafeMode runs b.N safe-mode deliveries to the receiver at url
// from 16 senders and reports their figures; conns, when not nil, counts
// the receiver's new connections. With warmRows, the log writer first
// writes that many copies of one delivery's row, before the timer.
func deliverSafeMode(b *testing.B, url string, conns *atomic.Int64, warmRows int) {
	h := heraldtest.New(b)
	app := h.Internal().App
	a, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		b.Fatal(err)
	}
	set := &push.Settings{AccountID: a.ID, URL: url, Token: token, AESKey: aesKey, Mode: push.Safe, Enabled: true}
	openid := h.Service.Followers[0].OpenID
	if warmRows > 0 {
		msg := wxmsg.NewText(a.OriginalID, openid, time.Now().Unix(), 0, "hello from the benchmark")
		d, _ := app.Push.Deliver(context.Background(), a, set, msg, 0, push.KindMessage, 0)
		if !d.OK {
			b.Fatalf("delivery failed: %s", d.Error.English())
		}
		app.DevSettings.WaitLog()
		rows := make([]push.Delivery, warmRows)
		for i := range rows {
			rows[i] = *d
			rows[i].ID, rows[i].CreatedAt = 0, time.Time{}
			app.DevSettings.RecordAsync(&rows[i])
		}
		app.DevSettings.WaitLog()
		// The copies are garbage now: collect them, so that the heap the
		// collector paces from is the fixture's, as without them.
		rows = nil
		runtime.GC()
	}
	b.ResetTimer()
	if conns != nil {
		conns.Store(0)
	}
	commits := app.DevSettings.LogCommits()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs := ms.NumGC
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
	runtime.ReadMemStats(&ms)
	// Garbage collections per 1,000 deliveries: with Go's default pacing
	// here, where `herald serve` lets the heap grow to 128 MiB first
	// (internal/cli/gcfloor.go).
	b.ReportMetric(float64(ms.NumGC-gcs)*1000/float64(b.N), "gc/1000")
	// Connections the receiver accepted (kept alive: about one per sender)
	// and push-log rows per transaction.
	if conns != nil {
		b.ReportMetric(float64(conns.Load()), "conns")
	}
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

// BenchmarkPushTransportFloor is BenchmarkDeliverSafeMode without Herald,
// on net/http's outbound client (which pushes used before fasthttp; the
// URL handshake still does): it POSTs a body of a safe-mode push's size (a
// 428-character Encrypt, as for the benchmark's text), with a push's
// query and header, to the same in-process receiver. Its CPU per request
// is net/http's floor (client, kernel and receiver), with no signature,
// encryption, XML or log row; BenchmarkPushTransportFloorFast is the
// floor under a delivery now.
func BenchmarkPushTransportFloor(b *testing.B) {
	target, body := floorPush(b)
	client := outbound.NewPolicy(outbound.Loopback).Client(0)
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

// floorPush starts the in-process receiver (closed when b ends) and
// returns a push-sized request to it: the address with a safe-mode push's
// query, and an encrypted push's body.
func floorPush(b *testing.B) (target, body string) {
	recv := httptest.NewServer(receiver())
	b.Cleanup(recv.Close)
	body = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[" + strings.Repeat("A", 428) + "]]></Encrypt></xml>"
	target = recv.URL + "?encrypt_type=aes&msg_signature=" + strings.Repeat("0", 40) + "&nonce=1234567890&openid=o" + strings.Repeat("x", 27) +
		"&signature=" + strings.Repeat("0", 40) + "&timestamp=1765000000"
	return target, body
}

// BenchmarkPushTransportFloorFast is BenchmarkPushTransportFloor on the
// client pushes use (outbound.Policy.FastClient, fasthttp), with the
// header the engine writes: the floor under a delivery now, with no
// signature, encryption, XML or log row.
func BenchmarkPushTransportFloorFast(b *testing.B) {
	target, body := floorPush(b)
	client := outbound.NewPolicy(outbound.Loopback).FastClient(push.MaxResponse)
	b.ResetTimer()
	start, cpu := time.Now(), processCPU()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, res := push.FastRequest(target, body), fasthttp.AcquireResponse()
			err := client.DoDeadline(req, res, time.Now().Add(5*time.Second))
			if err == nil && res.StatusCode() != http.StatusOK {
				err = fmt.Errorf("status %d", res.StatusCode())
			}
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(res)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed, used := time.Since(start), processCPU()-cpu
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPushLogWrite measures the push-log writer alone: b.N copies of
// a real safe-mode delivery's log row (queued with RecordAsync as the
// engine does, then WaitLog), with no HTTP. cpu-ns/op is the process's CPU
// per row; rows/commit how many rows each transaction took (a queue kept
// full gives the writer its largest batches); import-cpu-ns/row the CPU
// per row of analytics' import of the log afterwards. On PostgreSQL,
// server-cpu-ns/op and import-server-cpu-ns/row are the same for the
// server's backends serving this test's database (not its WAL writer or
// checkpointer, which the cluster shares); db-cpu-ns/row adds up all four:
// what a delivery costs the database's work in steady state, written once
// and imported once.
//
//	go test -run - -bench PushLogWrite -benchtime 50000x ./internal/push
func BenchmarkPushLogWrite(b *testing.B) {
	h := heraldtest.New(b)
	app := h.Internal().App
	a, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		b.Fatal(err)
	}
	recv := httptest.NewServer(receiver())
	defer recv.Close()
	set := &push.Settings{AccountID: a.ID, URL: recv.URL, Token: token, AESKey: aesKey, Mode: push.Safe, Enabled: true}
	msg := wxmsg.NewText(a.OriginalID, h.Service.Followers[0].OpenID, time.Now().Unix(), 1, "hello from the benchmark")
	d, _ := app.Push.Deliver(context.Background(), a, set, msg, 0, push.KindMessage, 0)
	if !d.OK {
		b.Fatalf("delivery failed: %s", d.Error.English())
	}
	app.DevSettings.WaitLog()
	rows := make([]push.Delivery, b.N)
	for i := range rows {
		rows[i] = *d
		rows[i].ID, rows[i].CreatedAt = 0, time.Time{}
	}
	server := backends(b, app.DB)
	b.ResetTimer()
	commits := app.DevSettings.LogCommits()
	cpu, scpu := processCPU(), server.cpu()
	for i := range rows {
		app.DevSettings.RecordAsync(&rows[i])
	}
	app.DevSettings.WaitLog()
	used, sused := processCPU()-cpu, server.cpu()-scpu
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(app.DevSettings.LogCommits()-commits), "rows/commit")
	b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
	// Each row is later read once more by analytics (its once-a-minute
	// import takes it and stores a push_delivery event): that work per row.
	cpu, scpu = processCPU(), server.cpu()
	imported, err := app.AnalyticsStore.ImportPushLog(context.Background())
	if err != nil || imported < int64(b.N) {
		b.Fatalf("%d rows imported, want %d (%v)", imported, b.N, err)
	}
	iused, isused := processCPU()-cpu, server.cpu()-scpu
	b.ReportMetric(float64(iused)/float64(imported), "import-cpu-ns/row")
	if server != nil {
		b.ReportMetric(float64(sused)/float64(b.N), "server-cpu-ns/op")
		b.ReportMetric(float64(isused)/float64(imported), "import-server-cpu-ns/row")
	}
	b.ReportMetric(float64(used+sused)/float64(b.N)+float64(iused+isused)/float64(imported), "db-cpu-ns/row")
	var logged int
	if err := app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM push_deliveries WHERE account_id = ? AND kind = 'message'`, a.ID).Scan(&logged); err != nil || logged < b.N+1 {
		b.Fatalf("%d rows logged, want %d (%v)", logged, b.N+1, err)
	}
}

// pgBackends are the PostgreSQL server processes serving one database.
type pgBackends struct {
	db   *db.DB
	pids map[int]bool
}

// backends returns d's server processes on PostgreSQL (nil on SQLite,
// whose work is the process's own). Every call of cpu adds the backends it
// sees to the set, so one connected while measuring counts from its start
// (the pool keeps its connections for minutes, so none ends meanwhile).
func backends(b *testing.B, d *db.DB) *pgBackends {
	if d.Dialect() != db.Postgres {
		return nil
	}
	p := &pgBackends{db: d, pids: map[int]bool{}}
	p.cpu()
	return p
}

// cpu is the CPU time the database's backends have used so far (user and
// system, 10 ms ticks); a backend that ended since the last call is lost.
func (p *pgBackends) cpu() time.Duration {
	if p == nil {
		return 0
	}
	rows, err := p.db.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	pids, err := db.Collect(rows, err, func(r *sql.Rows) (int, error) {
		var pid int
		return pid, r.Scan(&pid)
	})
	if err != nil {
		return 0
	}
	for _, pid := range pids {
		p.pids[pid] = true
	}
	var t time.Duration
	for pid := range p.pids {
		t += childCPU(pid)
	}
	return t
}

// BenchmarkSafeModeReceiverApart is BenchmarkDeliverSafeMode with the
// receiver in a process of its own (this test binary, run as
// TestReceiverProcess), as a developer's server is on another machine:
// cpu-ns/op is then Herald's process alone (engine, outbound client, log
// writer, GC) and receiver-cpu-ns/op the receiver's. The two cores and the
// loopback are still shared, so the wall-clock rate is the in-process
// benchmark's, not a remote server's.
//
//	go test -run - -bench SafeModeReceiverApart -benchtime 20000x ./internal/push
func BenchmarkSafeModeReceiverApart(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestReceiverProcess$")
	cmd.Env = append(os.Environ(), receiverEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var url string
	for url == "" && lines.Scan() {
		url, _ = strings.CutPrefix(lines.Text(), "receiver ")
	}
	if url == "" {
		_ = cmd.Process.Kill()
		b.Fatal("the receiver process did not start")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	before := childCPU(cmd.Process.Pid)
	deliverSafeMode(b, url, nil, 0)
	used := childCPU(cmd.Process.Pid) - before
	_ = stdin.Close() // the receiver ends when its input does
	_ = cmd.Wait()
	b.ReportMetric(float64(used)/float64(b.N), "receiver-cpu-ns/op")
}

const receiverEnv = "HERALD_PUSH_BENCH_RECEIVER"

// TestReceiverProcess is BenchmarkSafeModeReceiverApart's receiver, run in
// a process of its own; it prints its URL and serves until its input ends.
func TestReceiverProcess(t *testing.T) {
	if os.Getenv(receiverEnv) == "" {
		t.Skip("the receiver of BenchmarkSafeModeReceiverApart")
	}
	recv := httptest.NewServer(receiver())
	defer recv.Close()
	fmt.Println("receiver " + recv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// childCPU is the CPU time (user and system) process pid has used so far,
// from /proc/PID/stat.
func childCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// After the command name in parentheses: state is field 3, utime and
	// stime fields 14 and 15, in clock ticks (100 a second on Linux).
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
