package portability

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
)

// Schedule is the scheduled-backup policy (platform settings).
type Schedule struct {
	Every time.Duration // 0: no scheduled backups
	Keep  int           // newest backup files kept in Dir
	Dir   string        // where backup files go
}

// BackupRun is a row of backup_runs.
type BackupRun struct {
	ID                    int64
	StartedAt, FinishedAt time.Time
	File                  string
	Bytes                 int64
	Error                 string
}

// RunScheduled makes a backup into s.Dir when the last successful one is
// s.Every old or older, then deletes all but the newest s.Keep backup files
// there. It returns the file made, or "" when none was due. The periodic job
// that calls it runs on one node at a time; backup_runs tells every node when
// the last backup was made.
func RunScheduled(ctx context.Context, d *db.DB, store media.Store, s Schedule, now time.Time, generator string) (string, error) {
	if s.Every <= 0 {
		return "", nil
	}
	var last int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(started_at), 0) FROM backup_runs WHERE error = '' AND finished_at > 0`).Scan(&last); err != nil {
		return "", err
	}
	if last != 0 && now.Sub(time.UnixMicro(last)) < s.Every {
		return "", nil
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	runID := id.New()
	file := filepath.Join(s.Dir, "herald-"+now.UTC().Format("20060102-150405")+".zip")
	if _, err := d.Exec(ctx, `INSERT INTO backup_runs (id, started_at, file) VALUES (?, ?, ?)`, runID, now.UnixMicro(), file); err != nil {
		return "", err
	}
	_, err := WriteBackupFile(ctx, d, store, file, BackupOptions{Generator: generator, Now: func() time.Time { return now }})
	var size int64
	if st, serr := os.Stat(file); serr == nil {
		size = st.Size()
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if _, uerr := d.Exec(context.WithoutCancel(ctx), `UPDATE backup_runs SET finished_at = ?, bytes = ?, error = ? WHERE id = ?`,
		time.Now().UnixMicro(), size, msg, runID); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return file, prune(s.Dir, s.Keep)
}

// prune deletes all but the newest keep backup files of dir.
func prune(dir string, keep int) error {
	if keep < 1 {
		keep = 1
	}
	matches, err := filepath.Glob(filepath.Join(dir, "herald-*.zip"))
	if err != nil {
		return err
	}
	var files []string
	for _, m := range matches {
		if !strings.HasSuffix(m, ".tmp") {
			files = append(files, m)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(files))) // names sort by time
	for _, f := range files[min(keep, len(files)):] {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}

// RecentBackups lists the latest backup runs, newest first.
func RecentBackups(ctx context.Context, d *db.DB, limit int) (_ []BackupRun, err error) {
	defer wrap(&err, "portability.RecentBackups(%d)", limit)
	rows, err := d.Query(ctx, `SELECT id, started_at, finished_at, file, bytes, error FROM backup_runs ORDER BY started_at DESC LIMIT ?`, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (BackupRun, error) {
		var b BackupRun
		var s, f int64
		err := r.Scan(&b.ID, &s, &f, &b.File, &b.Bytes, &b.Error)
		b.StartedAt, b.FinishedAt = db.FromMicro(s), db.FromMicro(f)
		return b, err
	})
}
