package portability_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/publish"
)

// A backup taken in the middle of a mass send restores into a platform that
// finishes the send: every eligible follower gets the publication exactly
// once, none twice.
// received is the FROM of every recipient of the Service account's
// broadcasts (its mass sends, stored once), joined to the broadcast.
const received = ` FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id`

func TestRestoreMidMassSendResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	ctx := context.Background()
	a := accts["harbour"]
	owner, err := src.App.Users.ByUsername(ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.App.Publish.SaveDraft(ctx, a.ID, owner.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring teas", Author: "Hana", Body: "New leaves are in."}}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := src.App.Publish.Send(ctx, a.ID, owner.ID, p.ID, publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	runCtx, kill := context.WithCancel(ctx) // the node dies: its context ends mid-batch
	eng := publish.NewEngineWith(src.App.Publish, src.App.Log, publish.EngineOptions{BatchSize: 25, Lanes: 1,
		BatchHook: func(hctx context.Context, j *publish.Job, batch int) error {
			if batch == 4 {
				// Three batches are committed; the fourth is in flight.
				if _, err := portability.Backup(ctx, src.App.DB, src.App.Media, &backup, portability.BackupOptions{}); err != nil {
					t.Errorf("backup: %v", err)
				}
				kill()
				return hctx.Err()
			}
			return nil
		}})
	if _, err := eng.Run(runCtx, j.ID); err == nil {
		t.Fatal("the interrupted run reported success")
	}
	if backup.Len() == 0 {
		t.Fatal("no backup taken: the send had fewer than four batches")
	}

	// Restore into an empty platform and let its engine pick the job up.
	d := dbtest.New(t)
	if _, err := portability.Restore(ctx, d, media.NewMemory(), bytes.NewReader(backup.Bytes()), int64(backup.Len())); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("test", []string{"--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock.Offset{}
	// The restored platform runs with the key the backup was sealed with.
	restored, err := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d, src.App.Secret, app.Options{Clock: clk, Media: media.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	before := count(t, d, `SELECT COUNT(*)`+received+` WHERE b.account_id = ? AND b.body LIKE ?`, a.ID, "%Spring teas%")
	eligible := count(t, d, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND following AND NOT blocked`, a.ID)
	if before < 50 || before > 75 || eligible <= 100 {
		t.Fatalf("the backup holds %d deliveries of %d, want the 3 committed batches of 25 recipients", before, eligible)
	}
	clk.Advance(time.Hour) // the dead node's lease runs out
	eng2 := publish.NewEngineWith(restored.Publish, restored.Log, publish.EngineOptions{BatchSize: 25})
	if n, err := eng2.RunDue(ctx); n != 1 || err != nil {
		t.Fatalf("resume after restore: ran %d, %v", n, err)
	}
	done, err := restored.Publish.Job(ctx, a.ID, j.ID)
	if err != nil || done.State != publish.JobDone {
		t.Fatalf("job after resume: %+v %v", done, err)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM (SELECT r.person_id`+received+` WHERE b.account_id = ? AND b.body LIKE ?
		GROUP BY r.person_id HAVING COUNT(*) > 1) x`, a.ID, "%Spring teas%"); n != 0 {
		t.Errorf("%d followers got the send twice", n)
	}
	if n := count(t, d, `SELECT COUNT(DISTINCT r.person_id)`+received+` WHERE b.account_id = ? AND b.body LIKE ?`, a.ID, "%Spring teas%"); n != eligible || int64(n) != done.SentCount {
		t.Errorf("%d followers got the send, want %d (job says %d)", n, eligible, done.SentCount)
	}
	consistency(t, d)
}
