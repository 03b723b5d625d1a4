package user_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/user"
)

// BenchmarkSessionPerson reads a signed-in person from their session
// token, as every signed-in page does first (with a context that ends,
// as a server request's does, and marked for short reads).
func BenchmarkSessionPerson(b *testing.B) {
	s := user.NewStore(dbtest.New(b), &clock.Offset{})
	ctx := context.Background()
	p, err := s.Create(ctx, user.NewPerson{Username: "bench", Password: "bench password"})
	if err != nil {
		b.Fatal(err)
	}
	token, err := s.CreateSession(ctx, p.ID, "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rctx = db.ShortReads(rctx)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := s.SessionPerson(rctx, token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time this process has used (user and system): on a
// shared machine it varies far less with other work than wall time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
