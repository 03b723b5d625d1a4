package portability_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/workq"
)

// brokenStore refuses to store anything.
type brokenStore struct{ media.Store }

func (brokenStore) Put(context.Context, string, io.Reader) (int64, error) {
	return 0, errors.New("disk full")
}

func waitExport(t *testing.T, e *portability.Exports, accountID, exportID int64) *portability.ExportJob {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		j, err := e.Get(context.Background(), accountID, exportID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("export not finished: %+v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An export started as a job runs on the queue, reports its progress in its
// row and leaves the archive in the media store; one export of an account
// at a time; an export that keeps failing ends as failed with the reason.
func TestExportJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, accountID := bigAccount(t, 3_000, 500)
	q := workq.New(d, clock.Real{}, nil)
	store := media.NewMemory()
	e := portability.NewExports(portability.Exports{DB: d, Media: store, Queue: q, Clock: clock.Real{}, WorkDir: t.TempDir(), Generator: "herald test", Keep: 1})
	defer q.Wait()

	j, err := e.Start(ctx, accountID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Start(ctx, accountID, 1); !errors.Is(err, portability.ErrExportRunning) {
		if j2, _ := e.Get(ctx, accountID, j.ID); !j2.Finished() {
			t.Fatalf("a second export while one runs: %v", err)
		}
	}
	j = waitExport(t, e, accountID, j.ID)
	if j.State != "done" || j.Percent() != 100 || j.Bytes == 0 || j.Files == 0 || j.FilesDone != j.Files {
		t.Fatalf("finished export %+v", j)
	}
	f, err := e.Open(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	a, err := portability.OpenArchive(bytes.NewReader(b), int64(len(b)))
	if err != nil || a.Manifest.Files[1].Rows != 3_000 {
		t.Fatalf("archive: %v", err)
	}

	// One export is kept: the next finished export removes the first and
	// its archive.
	first := j
	j, err = e.Start(ctx, accountID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if j = waitExport(t, e, accountID, j.ID); j.State != "done" {
		t.Fatalf("second export %+v", j)
	}
	// The older export is removed just after the new one is marked done,
	// by the same job: wait for it to end.
	q.Wait()
	if _, err := e.Get(ctx, accountID, first.ID); err == nil {
		t.Fatal("the first export is still listed")
	}
	if _, err := store.Open(ctx, first.ArchiveKey); err == nil {
		t.Fatal("the first export's archive is still stored")
	}
	if _, err := store.Open(ctx, j.ArchiveKey); err != nil {
		t.Fatalf("the kept export's archive: %v", err)
	}

	failing := portability.NewExports(portability.Exports{DB: d, Media: brokenStore{store}, Queue: workq.New(d, clock.Real{}, nil), Clock: clock.Real{}, WorkDir: t.TempDir(), MaxRuns: 1})
	defer failing.Queue.Wait()
	j, err = failing.Start(ctx, accountID, 1)
	if err != nil {
		t.Fatal(err)
	}
	j = waitExport(t, failing, accountID, j.ID)
	if j.State != "failed" || j.Error == "" {
		t.Fatalf("failing export %+v", j)
	}
	if _, err := failing.Open(ctx, j); err == nil {
		t.Fatal("a failed export opens")
	}
}
