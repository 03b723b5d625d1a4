package publish_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
)

// pin moves the test clock to at (which must be ahead of the real time):
// months and their bounds are then the same whenever the test runs.
func (e *env) pin(at time.Time) {
	e.t.Helper()
	d := time.Until(at) - time.Until(e.clock.Now())
	if d < 0 {
		e.t.Fatalf("pin: %v is behind the clock", at)
	}
	e.clock.Advance(d)
}

// allowSends lets Service accounts make n mass sends a month (the default
// of 4 leaves no fifth send to test the per-follower cap with).
func (e *env) allowSends(n int) {
	e.t.Helper()
	p, err := e.settings.Get(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	p.ServiceMassSendsPerMonth, p.SubscriptionMassSendsPerMonth = n, n
	if err := e.settings.Save(e.ctx, p); err != nil {
		e.t.Fatal(err)
	}
}

// received returns how many of the account's mass sends each person got.
func (e *env) received(accountID int64, people []int64) map[int64]int64 {
	e.t.Helper()
	got := map[int64]int64{}
	for _, p := range people {
		got[p] = e.count(`SELECT COUNT(*) FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.id
			WHERE b.account_id = ? AND b.id = b.send_id AND r.person_id = ?`, accountID, p)
	}
	return got
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skipf("no zone Asia/Shanghai: %v", err)
	}
	return loc
}

func wantCounts(t *testing.T, what string, j *publish.Job, total, filter, capped int64) {
	t.Helper()
	if j.TotalCount != total || j.FilterCount != filter || j.SentCount != filter || j.CappedCount != capped || j.ErrorCount != 0 {
		t.Errorf("%s: total %d, filter %d, sent %d, capped %d; want %d, %d, %d, %d", what,
			j.TotalCount, j.FilterCount, j.SentCount, j.CappedCount, total, filter, filter, capped)
	}
}

// A Service account's fifth send of a month reaches only the followers who
// had fewer than 4; those who had 4 count in its total but are filtered
// out, and the sixth reaches nobody. A Subscription account's sends have
// no such cap.
func TestServiceFollowerCapSkipsWhoHadFour(t *testing.T) {
	e := newEnvWith(t, publish.Deps{}, publish.EngineOptions{BatchSize: 7}) // several batches, so the ranges of person ids are checked
	e.pin(time.Date(2031, 1, 10, 10, 0, 0, 0, shanghai(t)))
	e.allowSends(8)
	a := e.account(account.Service, "Harbour Bank")
	followers := e.people(40, "f")
	e.follow(a.ID, followers)
	fourth, third := followers[:20], followers[20:]
	e.tag(a.ID, 101, "Gold", fourth)
	blocked := third[5]
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, a.ID, blocked)

	for i := range 3 {
		wantCounts(t, fmt.Sprintf("send %d", i+1), e.massSend(a.ID, e.draft(a.ID, fmt.Sprint("Note ", i)), 0), 40, 39, 0)
	}
	wantCounts(t, "send 4 (Gold)", e.massSend(a.ID, e.draft(a.ID, "Gold note"), 101), 20, 20, 0)

	j := e.massSend(a.ID, e.draft(a.ID, "Fifth"), 0)
	wantCounts(t, "send 5", j, 40, 19, 20)
	got := e.received(a.ID, followers)
	for _, p := range followers {
		want := int64(4)
		if p == blocked {
			want = 0
		}
		if got[p] != want {
			t.Errorf("follower %d received %d sends, want %d", p, got[p], want)
		}
	}
	// The job as the console and the API read it.
	if r, err := e.store.Job(e.ctx, a.ID, j.ID); err != nil || r.CappedCount != 20 || r.FilterCount != 19 {
		t.Errorf("stored job %+v, %v", r, err)
	}
	// An openid list of people who all had 4: nobody gets it.
	api, err := e.store.SendAPI(e.ctx, a.ID, publish.MassSend{MsgType: "text", Message: textSend("hi").Message, Target: publish.TargetOpenIDs,
		PersonIDs: []int64{followers[0], followers[30]}})
	if err != nil {
		t.Fatal(err)
	}
	if api, err = e.engine.Run(e.ctx, api.ID); err != nil || api.State != publish.JobDone {
		t.Fatalf("API send %+v, %v", api, err)
	}
	wantCounts(t, "API send to two", api, 2, 0, 2)

	// A preview is no mass send: it still arrives and counts for nothing.
	if _, err := e.store.PreviewTo(e.ctx, a.ID, followers[0], 0, textSend("preview").Message); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM messages WHERE account_id = ? AND person_id = ? AND sender = 'mass'`, a.ID, followers[0]); n != 1 {
		t.Errorf("preview messages %d, want 1", n)
	}

	// Subscription accounts: five tag sends reach the tag's members five times.
	sub := e.account(account.Subscription, "Tea Notes")
	e.follow(sub.ID, followers[:10])
	e.tag(sub.ID, 201, "All", followers[:10])
	for i := range 5 {
		wantCounts(t, fmt.Sprintf("Subscription send %d", i+1), e.massSend(sub.ID, e.draft(sub.ID, fmt.Sprint("Tea ", i)), 201), 10, 10, 0)
	}
	if n := e.count(`SELECT COUNT(*) FROM folder_deliveries WHERE account_id = ? AND person_id = ?`, sub.ID, followers[3]); n != 5 {
		t.Errorf("Subscription follower has %d folder deliveries, want 5", n)
	}
}

// Months are calendar months in the account's time zone: four sends late
// on 31 January in Shanghai use up January, and a send half an hour after
// midnight there (still 31 January in UTC) reaches everybody again.
func TestServiceFollowerCapMonthInAccountZone(t *testing.T) {
	e := newEnv(t)
	sh := shanghai(t)
	e.pin(time.Date(2031, 1, 31, 23, 0, 0, 0, sh))
	e.allowSends(8)
	a := e.account(account.Service, "Harbour Bank")
	followers := e.people(12, "f")
	e.follow(a.ID, followers)
	for i := range 4 {
		e.massSend(a.ID, e.draft(a.ID, fmt.Sprint("January ", i)), 0)
	}
	wantCounts(t, "fifth in January", e.massSend(a.ID, e.draft(a.ID, "January 5"), 0), 12, 0, 12)
	e.clock.Advance(90 * time.Minute)
	if now := e.clock.Now(); now.In(sh).Month() != time.February || now.UTC().Month() != time.January {
		t.Fatalf("the test's premise: %v", now)
	}
	wantCounts(t, "first in February", e.massSend(a.ID, e.draft(a.ID, "February 1"), 0), 12, 12, 0)
}

// Two sends running at once, each by its own worker (as on two nodes),
// when every follower has had 3: each follower gets exactly one of them.
func TestServiceFollowerCapConcurrentSends(t *testing.T) {
	e := newEnv(t)
	e.pin(time.Date(2031, 3, 10, 10, 0, 0, 0, shanghai(t)))
	e.allowSends(8)
	a := e.account(account.Service, "Harbour Bank")
	followers := e.people(300, "f")
	e.follow(a.ID, followers)
	for i := range 3 {
		e.massSend(a.ID, e.draft(a.ID, fmt.Sprint("Note ", i)), 0)
	}
	var jobs []*publish.Job
	for i := range 2 {
		j, err := e.store.Send(e.ctx, a.ID, e.owner, e.draft(a.ID, fmt.Sprint("Race ", i)).ID, publish.SendOptions{Mode: publish.ModeMass})
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	var wg sync.WaitGroup
	done := make([]*publish.Job, 2)
	errs := make([]error, 2)
	// Each worker's first batch waits inside its transaction, before it
	// commits, for the other's to get there too (or for a moment): if the
	// two could check and write the same followers at the same time, both
	// would get there and both deliver to them.
	arrived := make(chan struct{}, 2)
	for i, j := range jobs {
		eng := e.engineWith(publish.EngineOptions{BatchSize: 11, BatchHook: func(_ context.Context, _ *publish.Job, batch int) error {
			if batch == 1 {
				arrived <- struct{}{}
				deadline := time.After(300 * time.Millisecond)
				for len(arrived) < 2 {
					select {
					case <-deadline:
						return nil
					case <-time.After(time.Millisecond):
					}
				}
			}
			return nil
		}})
		wg.Add(1)
		go func() {
			defer wg.Done()
			done[i], errs[i] = eng.Run(e.ctx, j.ID)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil || done[i].State != publish.JobDone {
			t.Fatalf("job %d: %+v, %v", i, done[i], errs[i])
		}
	}
	if sent, capped := done[0].SentCount+done[1].SentCount, done[0].CappedCount+done[1].CappedCount; sent != 300 || capped != 300 {
		t.Errorf("the two sends reached %d and skipped %d, want 300 and 300 (%v; %v)", sent, capped, done[0], done[1])
	}
	for p, n := range e.received(a.ID, followers) {
		if n != 4 {
			t.Errorf("follower %d received %d sends, want 4", p, n)
		}
	}
}

// A fifth send killed in the middle of a batch and resumed by another
// worker reaches exactly the followers who had 3, and counts the ones it
// skipped once.
func TestServiceFollowerCapResumedSend(t *testing.T) {
	e := newEnv(t)
	e.pin(time.Date(2031, 5, 10, 10, 0, 0, 0, shanghai(t)))
	e.allowSends(8)
	a := e.account(account.Service, "Harbour Bank")
	followers := e.people(120, "f")
	e.follow(a.ID, followers)
	var gold []int64
	for i, p := range followers {
		if i%3 == 0 {
			gold = append(gold, p)
		}
	}
	e.tag(a.ID, 101, "Gold", gold)
	for i := range 3 {
		e.massSend(a.ID, e.draft(a.ID, fmt.Sprint("Note ", i)), 0)
	}
	e.massSend(a.ID, e.draft(a.ID, "Gold note"), 101)

	j, err := e.store.Send(e.ctx, a.ID, e.owner, e.draft(a.ID, "Fifth").ID, publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		t.Fatal(err)
	}
	ctx, kill := context.WithCancel(e.ctx)
	first := e.engineWith(publish.EngineOptions{BatchSize: 25, Lease: time.Minute, BatchHook: func(_ context.Context, _ *publish.Job, batch int) error {
		if batch == 3 {
			kill()
			return errors.New("killed")
		}
		return nil
	}})
	if _, err := first.Run(ctx, j.ID); err == nil {
		t.Fatal("the first worker finished the send")
	}
	if mid, err := e.store.Job(e.ctx, a.ID, j.ID); err != nil || mid.Batches != 2 || mid.CappedCount == 0 {
		t.Fatalf("after the kill: %+v, %v", mid, err)
	}
	e.clock.Advance(2 * time.Minute) // the dead worker's lease runs out
	second := e.engineWith(publish.EngineOptions{BatchSize: 25})
	n, err := second.RunDue(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("resume: %d jobs, %v", n, err)
	}
	j, err = e.store.Job(e.ctx, a.ID, j.ID)
	if err != nil || j.State != publish.JobDone {
		t.Fatalf("resumed job %+v, %v", j, err)
	}
	wantCounts(t, "resumed fifth send", j, 120, 80, 40)
	for p, n := range e.received(a.ID, followers) {
		if n != 4 {
			t.Errorf("follower %d received %d sends, want 4", p, n)
		}
	}
}
