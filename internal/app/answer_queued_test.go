package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/push"
)

// TestWaitedAnswerIsQueued: a follower's page without JavaScript waits a
// moment for the account's answer. That answer — the push to the
// developer's server and the passive reply — is a job in the shared work
// queue while the page waits, so another node delivers it if this one dies
// in the meantime; when it finishes within the wait the page is told, the
// reply is in the chat and the job is gone.
func TestWaitedAnswerIsQueued(t *testing.T) {
	h := heraldtest.New(t)
	a := h.Internal().App
	ctx := context.Background()
	dev := newDevServer(t)
	dev.hold.Store(int64(time.Second))
	if err := h.SetServer(h.Service, dev.URL, "waittoken", "", push.Plaintext); err != nil {
		t.Fatal(err)
	}
	f := h.Service.Followers[0]
	type result struct {
		p   *message.Posted
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := a.Chat.Post(ctx, h.Service.ID, f.PersonID, message.Incoming{Kind: message.KindText, Body: message.Body{Text: "Is the branch open on Sunday?"}},
			message.WaitUpTo(10*time.Second))
		done <- result{p, err}
	}()
	eventually(t, "the answer to be a job in the work queue while the page waits", 10*time.Second, func() bool {
		return count(t, a.DB, `SELECT COUNT(*) FROM work_jobs WHERE kind = ? AND state = 'running'`, message.JobRespond) == 1
	})
	r := <-done
	if r.err != nil || !r.p.Answered {
		t.Fatalf("post: %+v %v, want answered within the wait", r.p, r.err)
	}
	if n := count(t, a.DB, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND person_id = ? AND sender = 'developer'`, h.Service.ID, f.PersonID); n != 1 {
		t.Fatalf("%d passive replies in the chat when the page stopped waiting, want 1", n)
	}
	// The job ends just after the waiter hears of the reply.
	eventually(t, "the answer's job to end", 10*time.Second, func() bool {
		return count(t, a.DB, `SELECT COUNT(*) FROM work_jobs WHERE kind = ?`, message.JobRespond) == 0
	})
	if got := dev.counts()[r.p.Message.ID]; got != 1 {
		t.Fatalf("the developer's server got MsgId %d %d times, want once", r.p.Message.ID, got)
	}
}
