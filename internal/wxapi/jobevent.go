package wxapi

import (
	"context"
	"encoding/json"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// JobEnded is the payload of a push queued in the transaction that ends a
// publishing job (PUBLISHJOBFINISH, MASSSENDJOBFINISH): the job's id. The
// event is built from the job when the queue runs the push.
type JobEnded struct {
	JobID int64 `json:"job_id"`
}

// JobEndedBuilder is the push engine's builder of a queued JobEnded push:
// it loads the job with job and builds its event with build. An unreadable
// payload sends nothing.
func JobEndedBuilder(job func(ctx context.Context, accountID, jobID int64) (*publish.Job, error),
	build func(ctx context.Context, j *publish.Job) (*account.Account, *wxmsg.Message, int64, error)) push.EventBuilder {
	return func(ctx context.Context, accountID int64, payload []byte) (*account.Account, *wxmsg.Message, int64, error) {
		var p JobEnded
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, nil, 0, nil // unreadable: nothing to send
		}
		j, err := job(ctx, accountID, p.JobID)
		if err != nil {
			return nil, nil, 0, err
		}
		return build(ctx, j)
	}
}
