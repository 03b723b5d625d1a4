package portability_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
)

// Scheduled backups run when due, never twice in an interval, and keep the
// newest files only.
func TestScheduledBackups(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	s := portability.Schedule{Every: 24 * time.Hour, Keep: 2, Dir: dir}
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	if f, err := portability.RunScheduled(ctx, d, media.NewMemory(), portability.Schedule{Keep: 2, Dir: dir}, now, "test"); f != "" || err != nil {
		t.Fatalf("off: %q %v", f, err)
	}
	var made []string
	for i, step := range []time.Duration{0, time.Hour, 23 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
		now = now.Add(step)
		f, err := portability.RunScheduled(ctx, d, media.NewMemory(), s, now, "test")
		if err != nil {
			t.Fatal(err)
		}
		if (f == "") != (i == 1) {
			t.Fatalf("run %d at %s made %q", i, now, f)
		}
		if f != "" {
			made = append(made, f)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "herald-*.zip"))
	if len(made) != 4 || len(left) != 2 || left[0] != made[2] || left[1] != made[3] {
		t.Fatalf("made %v, kept %v", made, left)
	}
	// A kept file restores.
	f, err := os.Open(left[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if _, err := portability.Restore(ctx, dbtest.New(t), media.NewMemory(), f, st.Size()); err != nil {
		t.Fatal(err)
	}
	runs, err := portability.RecentBackups(ctx, d, 10)
	if err != nil || len(runs) != 4 || runs[0].File != made[3] || runs[0].Error != "" || runs[0].Bytes == 0 {
		t.Fatalf("runs %+v %v", runs, err)
	}
}
