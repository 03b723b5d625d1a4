package publish_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
)

func textSend(text string) publish.MassSend {
	return publish.MassSend{MsgType: "text", Target: publish.TargetAll,
		Message: &publish.MassMessage{Kind: message.KindText, Parts: []message.Body{{Text: text}}}}
}

// An API send of plain messages (no publication) is killed in the middle of
// a batch and resumed by another worker: every eligible recipient gets each
// part exactly once, blacklisted, former and unlisted followers none, the
// counts are exact, and OnFinish hears of the end once.
func TestAPIMessageSendKilledAndResumed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target string
		lanes  int
		parts  int
	}{
		{"all, two images, 1 lane", publish.TargetAll, 1, 2},
		{"openids, text, 3 lanes", publish.TargetOpenIDs, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, kill := context.WithCancel(context.Background())
			e := newEnvWith(t, publish.Deps{}, publish.EngineOptions{Lanes: tc.lanes, BatchSize: 200, BatchHook: func(ctx context.Context, j *publish.Job, batch int) error {
				if batch >= 3 {
					kill()
					return ctx.Err()
				}
				return nil
			}})
			a := e.account(account.Service, "Harbour Bank")
			other := e.account(account.Service, "Other Bank")
			followers := e.people(1500, "f")
			e.follow(a.ID, followers)
			e.follow(other.ID, followers[:10])
			blocked, gone := followers[100:120], followers[300:310]
			for _, p := range blocked {
				e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, a.ID, p)
			}
			for _, p := range gone {
				if _, err := e.follows.Unfollow(e.ctx, a.ID, p); err != nil {
					t.Fatal(err)
				}
			}
			in := publish.MassSend{MsgType: "text", Target: tc.target, Message: &publish.MassMessage{Kind: message.KindText, Parts: []message.Body{{Text: "Rates change on Monday."}}}}
			if tc.parts == 2 {
				in.MsgType = "image"
				in.Message = &publish.MassMessage{Kind: message.KindImage, Parts: []message.Body{
					{MediaKey: "k1", MediaType: "image/png", MediaID: "M1"}, {MediaKey: "k2", MediaType: "image/png", MediaID: "M2"}}}
			}
			listed := followers
			if tc.target == publish.TargetOpenIDs {
				// Every other follower, listed twice over (duplicates count once).
				listed = nil
				for i := 0; i < len(followers); i += 2 {
					listed = append(listed, followers[i])
				}
				in.PersonIDs = append(append([]int64{}, listed...), listed[:50]...)
			}
			var told []*publish.Job
			hear := func(ctx context.Context, j *publish.Job) { told = append(told, j) }
			e.engine.OnFinish(hear)
			j, err := e.store.SendAPI(e.ctx, a.ID, in)
			if err != nil {
				t.Fatal(err)
			}

			if _, err := e.engine.Run(ctx, j.ID); err == nil {
				t.Fatal("the killed run reported success")
			}
			mid, _ := e.store.Job(e.ctx, a.ID, j.ID)
			if mid.State != publish.JobRunning || mid.SentCount == 0 || mid.MassStatus() != publish.MassSending {
				t.Fatalf("after the kill: %s, %s", mid, mid.MassStatus())
			}
			if n := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID)); n != mid.SentCount*int64(tc.parts) {
				t.Fatalf("%d messages committed, job says %d recipients × %d parts", n, mid.SentCount, tc.parts)
			}
			if len(told) != 0 {
				t.Fatal("OnFinish heard of an unfinished job")
			}

			e.exec(`UPDATE publish_jobs SET lease_owner = 'dead', lease_until = ? WHERE id = ?`, e.clock.Now().Add(2*time.Minute).UnixMicro(), j.ID)
			second := e.engineWith(publish.EngineOptions{BatchSize: 200})
			second.OnFinish(hear)
			e.clock.Advance(3 * time.Minute)
			if n, err := second.RunDue(e.ctx); n != 1 || err != nil {
				t.Fatalf("resume: ran %d, %v", n, err)
			}
			j, _ = e.store.Job(e.ctx, a.ID, j.ID)
			excluded := map[int64]bool{}
			for _, p := range append(append([]int64{}, blocked...), gone...) {
				excluded[p] = true
			}
			var total, eligible int64
			for _, p := range listed {
				if !contains(gone, p) {
					total++
				}
				if !excluded[p] {
					eligible++
				}
			}
			if j.State != publish.JobDone || j.TotalCount != total || j.FilterCount != eligible || j.SentCount != eligible || j.MassStatus() != publish.MassSuccess {
				t.Fatalf("final report = %s (%s), want total %d, filter/sent %d", j, j.MassStatus(), total, eligible)
			}
			if n := e.count(`SELECT COUNT(*) FROM (SELECT person_id, body FROM ` + massRows(a.ID) + ` GROUP BY person_id, body HAVING COUNT(*) > 1) t`); n != 0 {
				t.Errorf("%d recipients got a part twice", n)
			}
			if n := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID)); n != eligible*int64(tc.parts) {
				t.Errorf("%d messages, want %d", n, eligible*int64(tc.parts))
			}
			for p := range excluded {
				if n := e.count(`SELECT COUNT(*) FROM `+massRows(a.ID)+` WHERE person_id = ?`, p); n != 0 {
					t.Fatalf("blacklisted or former follower %d got it", p)
				}
			}
			if tc.target == publish.TargetOpenIDs {
				if n := e.count(`SELECT COUNT(*) FROM `+massRows(a.ID)+` WHERE person_id = ?`, followers[1]); n != 0 {
					t.Error("a follower who was not listed got it")
				}
			}
			if n := e.count(`SELECT COUNT(*) FROM ` + massRows(other.ID)); n != 0 {
				t.Errorf("another account's followers got %d messages", n)
			}
			// The chat shows the last part, with one unread per part.
			chats, err := e.messages.ChatList(e.ctx, followers[1498])
			want := "Rates change on Monday."
			if tc.parts == 2 {
				want = "[Image]"
			}
			if err != nil || len(chats) != 1 || chats[0].Unread != tc.parts || chats[0].LastPreview != want {
				t.Errorf("chat list = %+v, %v", chats, err)
			}
			hist, _ := e.messages.History(e.ctx, a.ID, followers[1498], 0, 10)
			if len(hist) != tc.parts || hist[0].Kind != in.Message.Kind || hist[0].Sender != message.SenderMass {
				t.Errorf("history = %+v", hist)
			}
			if len(told) != 1 || told[0].ID != j.ID || told[0].SentCount != eligible {
				t.Fatalf("OnFinish heard %d times: %+v", len(told), told)
			}
			// Rerunning changes nothing and tells nobody again.
			if _, err := second.Run(e.ctx, j.ID); err != nil {
				t.Fatal(err)
			}
			if len(told) != 1 {
				t.Fatalf("told again: %d", len(told))
			}
			if n := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID)); n != eligible*int64(tc.parts) {
				t.Errorf("rerun delivered again: %d", n)
			}
			// The console lists the API send with the console's sends.
			jobs, _ := e.store.Jobs(e.ctx, a.ID, 10)
			if len(jobs) != 1 || jobs[0].Source != publish.SourceAPI || jobs[0].Title == "" {
				t.Errorf("console list = %+v", jobs)
			}
		})
	}
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// An ended API send is told (MASSSENDJOBFINISH) once, by whoever claims it
// first; one whose process died before telling is found by the sweep.
// Console sends are never told.
func TestFinishNoticeClaim(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Service, "Harbour Bank")
	e.follow(a.ID, e.people(3, "f"))
	j, err := e.store.SendAPI(e.ctx, a.ID, textSend("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.store.ClaimFinishNotice(e.ctx, j.ID); ok || err != nil {
		t.Fatalf("claimed a running send: %v %v", ok, err)
	}
	if _, err := e.engine.Run(e.ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	e.massSend(a.ID, e.draft(a.ID, "Tea"), 0)
	untold, err := e.store.UntoldAPISends(e.ctx, 10)
	if err != nil || len(untold) != 1 || untold[0].ID != j.ID {
		t.Fatalf("untold: %+v %v", untold, err)
	}
	if ok, err := e.store.ClaimFinishNotice(e.ctx, j.ID); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, _ := e.store.ClaimFinishNotice(e.ctx, j.ID); ok {
		t.Fatal("claimed twice")
	}
	if untold, _ := e.store.UntoldAPISends(e.ctx, 10); len(untold) != 0 {
		t.Fatalf("still untold: %+v", untold)
	}
}

func TestAPISendRulesDedupeQuotaDelete(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Service, "Harbour Bank")
	other := e.account(account.Service, "Other Bank")
	fs := e.people(4, "f")
	e.follow(a.ID, fs)
	e.tag(a.ID, 100, "VIP", fs[:2])
	e.tag(other.ID, 101, "Theirs", nil)

	// Another account's tag and draft are invalid here.
	in := textSend("hello")
	in.Target, in.TagID = publish.TargetTag, 101
	if _, err := e.store.SendAPI(e.ctx, a.ID, in); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("other account's tag: %v", err)
	}
	theirs := e.draft(other.ID, "Theirs")
	if _, err := e.store.SendAPI(e.ctx, a.ID, publish.MassSend{MsgType: "mpnews", PublicationID: theirs.ID, Target: publish.TargetAll}); !errors.Is(err, errs.NotFound) {
		t.Fatalf("other account's draft: %v", err)
	}

	// clientmsgid: the same one again within a minute is too fast, within a
	// day it names the first send; after a day it is free again. A refused
	// send keeps nothing.
	in = textSend("hello")
	in.ClientMsgID = "order-1"
	first, err := e.store.SendAPI(e.ctx, a.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	var dup *publish.DuplicateError
	if _, err := e.store.SendAPI(e.ctx, a.ID, in); !errors.As(err, &dup) || !dup.TooFast || dup.JobID != first.ID || dup.MsgID != first.APIID {
		t.Fatalf("retry within a minute: %v", err)
	}
	e.clock.Advance(2 * time.Minute)
	if _, err := e.store.SendAPI(e.ctx, a.ID, in); !errors.As(err, &dup) || dup.TooFast || dup.JobID != first.ID || dup.MsgID != first.APIID {
		t.Fatalf("retry within a day: %v", err)
	}
	// The same clientmsgid on another account is another send.
	e.follow(other.ID, fs[:1])
	if _, err := e.store.SendAPI(e.ctx, other.ID, in); err != nil {
		t.Fatalf("other account, same clientmsgid: %v", err)
	}

	// The quota is the console's (Service accounts: 4 a month), shared.
	q, _ := e.store.Quota(e.ctx, a)
	if q.Used != 1 || q.Left != 3 {
		t.Fatalf("quota after one API send: %+v", q)
	}
	p := e.draft(a.ID, "Savings", "Cards")
	news, err := e.store.SendAPI(e.ctx, a.ID, publish.MassSend{MsgType: "mpnews", PublicationID: p.ID, Target: publish.TargetTag, TagID: 100})
	if err != nil {
		t.Fatal(err)
	}
	e.massSend(a.ID, e.draft(a.ID, "Console"), 0)
	last, err := e.store.SendAPI(e.ctx, a.ID, publish.MassSend{MsgType: "mpvideo", Target: publish.TargetAll,
		Message: &publish.MassMessage{Kind: message.KindVideo, Parts: []message.Body{{MediaKey: "v", MediaType: "video/mp4", Title: "Clip"}}}})
	if err != nil {
		t.Fatal(err)
	}
	in = textSend("one too many")
	in.ClientMsgID = "order-2"
	if _, err := e.store.SendAPI(e.ctx, a.ID, in); errs.KindOf(err) != errs.KindTooMany {
		t.Fatalf("fifth send this month: %v", err)
	}
	// The refused send did not keep its clientmsgid.
	if n := e.count(`SELECT COUNT(*) FROM mass_client_msgids WHERE account_id = ? AND client_msg_id = 'order-2'`, a.ID); n != 0 {
		t.Fatal("a refused send kept its clientmsgid")
	}
	e.clock.Advance(25 * time.Hour)
	for _, j := range []*publish.Job{first, news, last} {
		if j2, err := e.engine.Run(e.ctx, j.ID); err != nil || j2.State != publish.JobDone {
			t.Fatalf("run %d: %v %v", j.ID, j2, err)
		}
	}
	got, _ := e.store.MassJob(e.ctx, a.ID, news.ID)
	if got.TotalCount != 2 || got.SentCount != 2 || got.Title != "Savings" || got.MsgType != "mpnews" {
		t.Fatalf("tag send = %s %q", got, got.Title)
	}

	// Delete: text cannot be; an article index out of range is refused; one
	// article, then all of it; a video send is marked deleted.
	if err := e.store.DeleteMassSend(e.ctx, a.ID, first.ID, 0); !errors.Is(err, publish.ErrNotDeletable) {
		t.Fatalf("delete text: %v", err)
	}
	if err := e.store.DeleteMassSend(e.ctx, a.ID, news.ID, 3); !errors.Is(err, publish.ErrNoSuchArticle) {
		t.Fatalf("delete article 3 of 2: %v", err)
	}
	if err := e.store.DeleteMassSend(e.ctx, other.ID, news.ID, 0); !errors.Is(err, errs.NotFound) {
		t.Fatalf("another account deletes: %v", err)
	}
	if err := e.store.DeleteMassSend(e.ctx, a.ID, news.ID, 2); err != nil {
		t.Fatal(err)
	}
	got, _ = e.store.MassJob(e.ctx, a.ID, news.ID)
	if got.MassStatus() != publish.MassSuccess || e.count(`SELECT COUNT(*) FROM articles WHERE publication_id = ? AND deleted = TRUE`, p.ID) != 1 {
		t.Fatalf("after deleting article 2: %s", got.MassStatus())
	}
	if err := e.store.DeleteMassSend(e.ctx, a.ID, news.ID, 0); err != nil {
		t.Fatal(err)
	}
	got, _ = e.store.MassJob(e.ctx, a.ID, news.ID)
	if got.MassStatus() != publish.MassDeleted {
		t.Fatalf("after deleting all: %s", got.MassStatus())
	}
	if err := e.store.DeleteMassSend(e.ctx, a.ID, last.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.store.MassJob(e.ctx, a.ID, last.ID); got.MassStatus() != publish.MassDeleted {
		t.Fatalf("video after delete: %s", got.MassStatus())
	}
	// After a day the clientmsgid may be used again.
	in = textSend("again")
	in.ClientMsgID = "order-1"
	e.clock.Advance(10 * 24 * time.Hour)
	if _, err := e.store.SendAPI(e.ctx, a.ID, in); errors.As(err, &dup) {
		t.Fatalf("clientmsgid after a day: %v", err)
	}
}

func TestMassSpeed(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Service, "Harbour Bank")
	b := e.account(account.Service, "Other Bank")
	if s, err := e.store.MassSpeed(e.ctx, a.ID); err != nil || s != publish.DefaultMassSpeed {
		t.Fatalf("default speed %d, %v", s, err)
	}
	if err := e.store.SetMassSpeed(e.ctx, a.ID, 5); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("speed 5: %v", err)
	}
	if err := e.store.SetMassSpeed(e.ctx, a.ID, 3); err != nil {
		t.Fatal(err)
	}
	sa, _ := e.store.MassSpeed(e.ctx, a.ID)
	sb, _ := e.store.MassSpeed(e.ctx, b.ID)
	if sa != 3 || sb != 0 || publish.RealSpeed[sa] != 30 {
		t.Fatalf("speeds %d %d", sa, sb)
	}
}
