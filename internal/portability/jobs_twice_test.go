package portability_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
)

// racingStore is a media store in which every Put waits until want Puts
// have stored their blob, so runs of one export all hold a finished archive
// before any of them records it; it keeps the keys stored and not deleted.
type racingStore struct {
	*media.Memory
	want int

	mu   sync.Mutex
	puts int
	live map[string]bool
	all  chan struct{}
}

func (s *racingStore) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := s.Memory.Put(ctx, key, r)
	s.mu.Lock()
	s.puts++
	s.live[key] = true
	if s.puts == s.want {
		close(s.all)
	}
	s.mu.Unlock()
	select {
	case <-s.all:
	case <-time.After(2 * time.Minute): // a run that never came: the counts below fail
	case <-ctx.Done():
	}
	return n, err
}

func (s *racingStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	delete(s.live, key)
	s.mu.Unlock()
	return s.Memory.Delete(ctx, key)
}

func (s *racingStore) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ks []string
	for k := range s.live {
		ks = append(ks, k)
	}
	return ks
}

// An export job run three times at once — twice on one node (one work
// directory), once on another — as happens when the queue's short lease
// runs out on a stalled node, and then once more after it finished, leaves
// one archive: complete, its checksums right, its size the one recorded,
// and no work files behind.
func TestExportJobRunTwiceIsSafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, accountID := bigAccount(t, 1_500, 300)
	store := &racingStore{Memory: media.NewMemory(), want: 3, live: map[string]bool{}, all: make(chan struct{})}
	dirA, dirB := t.TempDir(), t.TempDir()
	nodeA := &portability.Exports{DB: d, Media: store, Clock: clock.Real{}, WorkDir: dirA, Generator: "herald test"}
	nodeB := &portability.Exports{DB: d, Media: store, Clock: clock.Real{}, WorkDir: dirB, Generator: "herald test"}
	exportID := id.New()
	if _, err := d.Exec(ctx, `INSERT INTO portability_exports (id, account_id, requested_by, state, files, created_at, updated_at)
		VALUES (?, ?, 1, 'queued', 0, 1, 1)`, exportID, accountID); err != nil {
		t.Fatal(err)
	}

	errc := make(chan error, 3)
	for i, e := range []*portability.Exports{nodeA, nodeA, nodeB} {
		go func() { errc <- e.RunExportJob(ctx, accountID, exportID, i+1) }()
	}
	for range 3 {
		if err := <-errc; err != nil {
			t.Fatalf("a run of the export: %v", err)
		}
	}
	if store.puts != 3 {
		t.Fatalf("%d runs stored an archive, want all 3 (they ran at once)", store.puts)
	}
	j, err := nodeA.Get(ctx, accountID, exportID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != "done" || j.ArchiveKey == "" {
		t.Fatalf("export after three runs: %+v", j)
	}
	checkOneArchive := func(what string) {
		t.Helper()
		if keys := store.keys(); len(keys) != 1 || keys[0] != j.ArchiveKey {
			t.Fatalf("%s: archives stored %v, want only the export's %s", what, keys, j.ArchiveKey)
		}
		f, err := nodeB.Open(ctx, j)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != j.Bytes {
			t.Fatalf("%s: the archive has %d bytes, the export says %d", what, len(b), j.Bytes)
		}
		a, err := portability.OpenArchive(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := portability.Validate(ctx, dbtest.New(t), a); err != nil {
			t.Fatalf("%s: the archive does not validate: %v", what, err)
		}
		for _, fi := range a.Manifest.Files {
			if fi.Name == "followers.jsonl" && fi.Rows != 1_500 {
				t.Fatalf("%s: followers.jsonl has %d rows, want 1500", what, fi.Rows)
			}
		}
		for _, dir := range []string{dirA, dirB} {
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("%s: work files left in %s: %v", what, dir, left)
			}
		}
	}
	checkOneArchive("three runs at once")

	// A run that comes after the export finished (a node that was stalled
	// past the end) changes nothing.
	if err := nodeB.RunExportJob(ctx, accountID, exportID, 4); err != nil {
		t.Fatal(err)
	}
	again, err := nodeA.Get(ctx, accountID, exportID)
	if err != nil {
		t.Fatal(err)
	}
	if again.ArchiveKey != j.ArchiveKey || again.Bytes != j.Bytes || !again.FinishedAt.Equal(j.FinishedAt) || store.puts != 3 {
		t.Fatalf("a run after the end changed the export: %+v, was %+v (%d archives stored)", again, j, store.puts)
	}
	checkOneArchive("a fourth run after the end")
}
