package publish_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
)

// The engine tells its OnFinish hooks about every job it ends, once, with
// the committed final state; a job that is run again is not reported twice.
func TestOnFinishHearsEachEndedJobOnce(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Finish Line")
	var heard []*publish.Job
	e.engine.OnFinish(func(ctx context.Context, j *publish.Job) { heard = append(heard, j) })

	p := e.draft(a.ID, "Done")
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if len(heard) != 0 {
		t.Fatalf("heard %d jobs before any ran", len(heard))
	}
	if n, err := e.engine.RunDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("RunDue = %d, %v", n, err)
	}
	if _, err := e.engine.Run(e.ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 1 || heard[0].ID != j.ID || heard[0].State != publish.JobDone || heard[0].Mode != publish.ModePublish {
		t.Fatalf("heard %+v", heard)
	}

	// A job that fails (the publication was deleted meanwhile) is heard too.
	p2 := e.draft(a.ID, "Doomed")
	j2, err := e.store.Send(e.ctx, a.ID, e.owner, p2.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	e.exec(`UPDATE publications SET state = 'deleted' WHERE id = ?`, p2.ID)
	if _, err := e.engine.Run(e.ctx, j2.ID); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 2 || heard[1].ID != j2.ID || heard[1].State != publish.JobFailed {
		t.Fatalf("heard %+v", heard)
	}
}
