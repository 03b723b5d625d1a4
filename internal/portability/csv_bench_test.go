package portability_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/portability"
)

// cpuSeconds is the CPU time of this process and, when PostgreSQL runs on
// this machine, of every postgres process (readable from /proc): the CPU an
// import costs, which does not shrink when other programs share the machine
// (other clients of the same server add to it, so it errs on the high side).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	total := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	if os.Getenv("HERALD_TEST_DATABASE_URL") == "" {
		return total
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime is field 14, stime 15.
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != "postgres" {
			continue
		}
		fields := strings.Fields(s[close+1:])
		if len(fields) < 13 {
			continue
		}
		ut, _ := strconv.ParseFloat(fields[11], 64)
		st, _ := strconv.ParseFloat(fields[12], 64)
		total += (ut + st) / 100 // clock ticks (USER_HZ)
	}
	return total
}

// BenchmarkFollowerCSVImport imports a member list of 1,000,000 lines
// (HERALD_CSV_BENCH_ROWS to change it) setting remark, blacklist flag and a
// tag, into an account with as many followers; it reports rows/s.
//
//	go test -run '^$' -bench FollowerCSVImport -benchtime 1x ./internal/portability/
func BenchmarkFollowerCSVImport(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HERALD_CSV_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	d := dbtest.New(b)
	owner := id.New()
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'bench-owner', 'Owner', '!', 1, 1)`, owner); err != nil {
		b.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Bench Bank",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'Gold', 'gold', 0, 1), (?, 101, 'Silver', 'silver', 0, 1)`, a.ID, a.ID); err != nil {
		b.Fatal(err)
	}
	first := id.NewBlock(int64(n))
	i := 0
	if _, err := d.CopyIn(ctx, "people", []string{"id", "username", "display_name", "password_hash", "created_at", "updated_at"}, func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return []any{first + int64(i-1), "m" + strconv.Itoa(i), "Member " + strconv.Itoa(i), "!", int64(1), int64(1)}, nil
	}); err != nil {
		b.Fatal(err)
	}
	i = 0
	if _, err := d.CopyIn(ctx, "follows", []string{"account_id", "person_id", "openid", "following", "source", "subscribed_at", "created_at"}, func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return []any{a.ID, first + int64(i-1), fmt.Sprintf("oBENCH%09d", i), true, "search", int64(1), int64(1)}, nil
	}); err != nil {
		b.Fatal(err)
	}
	var csvBuf bytes.Buffer
	csvBuf.WriteString("openid,remark,blacklisted,tags\n")
	for i := 1; i <= n; i++ {
		tag := "Silver"
		if i%10 == 0 {
			tag = "Gold"
		}
		fmt.Fprintf(&csvBuf, "oBENCH%09d,Member %07d,%t,%s\n", i, i, i%1000 == 0, tag)
	}
	data := csvBuf.Bytes()
	// The CPU of each step (staging the file, the checks, the changes).
	steps := map[string]float64{}
	var last float64
	defer portability.SetCSVStep(func(step string) {
		now := cpuSeconds()
		if step != "begin" {
			steps[step] += now - last
		}
		last = now
	})()
	// On SQLite the file is parsed and looked up on a goroutine of its own
	// while the import's goroutine writes: each is kept on one thread and
	// that thread's CPU measured, so the busier of the two (the import's
	// wall time on two idle cores, roughly) shows even when other programs
	// keep the cores busy.
	var lookCPU float64
	defer portability.SetCSVLook(func(look func()) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t0 := threadCPU()
		look()
		lookCPU += threadCPU() - t0
	})()
	b.ResetTimer()
	var took, cpu, writeCPU float64
	for range b.N {
		runtime.LockOSThread()
		cpu0, t0 := cpuSeconds(), threadCPU()
		rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, bytes.NewReader(data), false)
		if err != nil || !rep.OK() || rep.Updated != int64(n) {
			b.Fatalf("import: %+v %v", rep, err)
		}
		took += rep.Took.Seconds()
		cpu += cpuSeconds() - cpu0
		writeCPU += threadCPU() - t0
		runtime.UnlockOSThread()
	}
	b.ReportMetric(float64(n)*float64(b.N)/took, "rows/s")
	// Rows per CPU second (see cpuSeconds): a figure that does not depend on
	// how busy the machine is.
	b.ReportMetric(float64(n)*float64(b.N)/cpu, "rows/cpu-s")
	for step, s := range steps {
		b.ReportMetric(s/float64(b.N), step+"-cpu-s")
	}
	b.ReportMetric(writeCPU/float64(b.N), "import-thread-cpu-s")
	if lookCPU > 0 {
		b.ReportMetric(lookCPU/float64(b.N), "look-thread-cpu-s")
	}
}

// threadCPU is the CPU time of the calling thread (Linux's RUSAGE_THREAD;
// 0 where it is not known).
func threadCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
