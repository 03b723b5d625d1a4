package publish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/realtime"
)

// A Service account's mass send is killed halfway (the process dies in the
// middle of a batch) and resumed by another worker: every eligible follower
// gets exactly one message, blacklisted and former followers none, and the
// report's counts are exact.
func TestServiceMassSendKilledAndResumed(t *testing.T) {
	for _, lanes := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d lanes", lanes), func(t *testing.T) { killAndResume(t, lanes) })
	}
}

func killAndResume(t *testing.T, lanes int) {
	// First worker: 300 recipients a batch; it dies inside the 4th batch.
	ctx, kill := context.WithCancel(context.Background())
	e := newEnvWith(t, publish.Deps{}, publish.EngineOptions{Lanes: lanes, BatchSize: 300, BatchHook: func(ctx context.Context, j *publish.Job, batch int) error {
		if batch >= 4 {
			kill()
			return ctx.Err()
		}
		return nil
	}})
	a := e.account(account.Service, "Harbour Bank")
	other := e.account(account.Service, "Other Bank")
	followers := e.people(2000, "f")
	e.follow(a.ID, followers)
	e.follow(other.ID, followers[:10])
	blocked, gone := followers[100:130], followers[500:520]
	for _, p := range blocked {
		e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, a.ID, p)
	}
	for _, p := range gone {
		if _, err := e.follows.Unfollow(e.ctx, a.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	// One follower already chats with the account: the send joins that chat.
	chatty := followers[7]
	if err := e.messages.Append(e.ctx, &message.Message{AccountID: a.ID, PersonID: chatty, Direction: message.In, Kind: message.KindText,
		Sender: message.SenderFollower, Body: message.Body{Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	p := e.draft(a.ID, "Savings tips", "Card safety")
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := e.engine.Run(ctx, j.ID); err == nil {
		t.Fatal("the killed run reported success")
	}
	mid, _ := e.store.Job(e.ctx, a.ID, j.ID)
	if mid.State != publish.JobRunning || (lanes == 1 && mid.Batches != 3) || mid.Batches < 1 || mid.Percent() <= 0 || mid.Percent() >= 100 {
		t.Fatalf("after the kill the job is %s, %d batches, %d%%; want running after 3 batches", mid.State, mid.Batches, mid.Percent())
	}
	delivered := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID))
	if delivered != mid.SentCount || delivered == 0 {
		t.Fatalf("%d messages committed, job says %d", delivered, mid.SentCount)
	}

	// The process died holding the job (a kill -9 cannot give its lease
	// back): nobody takes the job over until the lease runs out.
	e.exec(`UPDATE publish_jobs SET lease_owner = 'dead', lease_until = ? WHERE id = ?`, e.clock.Now().Add(2*time.Minute).UnixMicro(), j.ID)
	second := e.engineWith(publish.EngineOptions{BatchSize: 300, Lanes: 2}) // Lanes ignored: a resumed job keeps its lanes
	if n, _ := second.RunDue(e.ctx); n != 0 {
		t.Fatal("job taken over while the first worker's lease was still valid")
	}
	e.clock.Advance(3 * time.Minute)
	if n, err := second.RunDue(e.ctx); n != 1 || err != nil {
		t.Fatalf("resume: ran %d, %v", n, err)
	}
	j, _ = e.store.Job(e.ctx, a.ID, j.ID)
	eligible := int64(2000 - len(blocked) - len(gone))
	if j.State != publish.JobDone || j.TotalCount != 2000-int64(len(gone)) || j.FilterCount != eligible || j.SentCount != eligible || j.ErrorCount != 0 {
		t.Fatalf("final report = %s, want total %d, filter/sent %d", j, 2000-len(gone), eligible)
	}
	// Exactly once: nobody twice, nobody missing, nobody excluded reached.
	if n := e.count(`SELECT COUNT(*) FROM (SELECT person_id FROM ` + massRows(a.ID) + ` GROUP BY person_id HAVING COUNT(*) > 1) t`); n != 0 {
		t.Errorf("%d followers got the send twice", n)
	}
	if n := e.count(`SELECT COUNT(DISTINCT person_id) FROM ` + massRows(a.ID)); n != eligible {
		t.Errorf("%d followers got the send, want %d", n, eligible)
	}
	for _, p := range append(append([]int64{}, blocked...), gone...) {
		if n := e.count(`SELECT COUNT(*) FROM `+massRows(a.ID)+` WHERE person_id = ?`, p); n != 0 {
			t.Fatalf("blacklisted or former follower %d got it", p)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM ` + massRows(other.ID)); n != 0 {
		t.Errorf("another account's followers got %d messages", n)
	}
	// The chat list shows it with an unread count; the message is a card.
	chats, err := e.messages.ChatList(e.ctx, followers[1999])
	if err != nil || len(chats) != 1 || chats[0].Unread != 1 || chats[0].LastPreview != "[Publication] Savings tips" {
		t.Errorf("chat list = %+v, %v", chats, err)
	}
	// (chatty follows the other account too, which sent nothing: listed second.)
	chats, err = e.messages.ChatList(e.ctx, chatty)
	if err != nil || len(chats) != 2 || chats[0].AccountID != a.ID || chats[0].Unread != 1 || chats[0].LastPreview != "[Publication] Savings tips" ||
		chats[1].AccountID != other.ID || chats[1].Unread != 0 {
		t.Errorf("existing chat in the chat list = %+v, %v", chats, err)
	}
	if c, _ := e.messages.Conversation(e.ctx, a.ID, chatty); c == nil || c.AccountUnread != 1 {
		t.Errorf("existing chat = %+v", c)
	}
	if hist, _ := e.messages.History(e.ctx, a.ID, chatty, 0, 10); len(hist) != 2 || hist[0].Body.Text != "hello" || hist[1].Kind != message.KindPublication {
		t.Errorf("existing chat's history = %+v", hist)
	}
	hist, _ := e.messages.History(e.ctx, a.ID, followers[1999], 0, 10)
	if len(hist) != 1 || hist[0].Kind != message.KindPublication || len(hist[0].Body.Articles) != 2 || hist[0].Body.PublicationID != p.ID {
		raw, _ := json.Marshal(hist)
		t.Errorf("history = %s", raw)
	}
	// Running a finished job again changes nothing.
	if j2, err := second.Run(e.ctx, j.ID); err != nil || j2.SentCount != eligible {
		t.Errorf("rerun: %v %v", j2, err)
	}
	if n := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID)); n != eligible {
		t.Errorf("rerun delivered again: %d", n)
	}
}

func TestTagTargetedSends(t *testing.T) {
	e := newEnvWith(t, publish.Deps{}, publish.EngineOptions{BatchSize: 3})
	sub := e.account(account.Subscription, "Lotus Tea House")
	svc := e.account(account.Service, "Harbour Bank")
	people := e.people(40, "p")
	e.follow(sub.ID, people)
	e.follow(svc.ID, people)
	vip := people[:10]
	e.tag(sub.ID, 100, "Oolong lovers", vip)
	e.tag(svc.ID, 100, "Savers", people[20:25])
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, sub.ID, vip[0])

	j := e.massSend(sub.ID, e.draft(sub.ID, "For oolong lovers only"), 100)
	if j.TotalCount != 10 || j.SentCount != 9 {
		t.Errorf("tag send report = %s, want 10 total, 9 sent", j)
	}
	for i, p := range people {
		items, err := e.subs.Items(e.ctx, p, folder.Cursor{}, 20)
		if err != nil {
			t.Fatal(err)
		}
		want := i > 0 && i < 10
		if got := len(items) == 1; got != want {
			t.Errorf("person %d sees the tag send: %v, want %v", i, got, want)
		}
	}
	// Service: only tag members get the message.
	j = e.massSend(svc.ID, e.draft(svc.ID, "For savers"), 100)
	if j.SentCount != 5 || e.count(`SELECT COUNT(*) FROM `+massRows(svc.ID)) != 5 {
		t.Errorf("service tag send = %s", j)
	}
	// A tag of another account cannot be used.
	p := e.draft(sub.ID, "x")
	other := e.account(account.Subscription, "Other Tea")
	e.tag(other.ID, 7, "Theirs", nil)
	if _, err := e.store.Send(e.ctx, sub.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass, Target: publish.TargetTag, TagID: 7}); fieldOf(err) != "tag" {
		t.Errorf("foreign tag: %v", err)
	}
}

func TestSubscriptionFolder(t *testing.T) {
	e := newEnv(t)
	readers := e.people(3, "reader")
	me, stranger, blockedReader := readers[0], readers[1], readers[2]
	var subs []*account.Account
	for i := range 30 {
		a := e.account(account.Subscription, fmt.Sprintf("Tea %d", i))
		subs = append(subs, a)
		e.follow(a.ID, []int64{me, blockedReader})
	}
	svc := e.account(account.Service, "Harbour Bank")
	e.follow(svc.ID, []int64{me})
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, subs[0].ID, blockedReader)

	// 60 sends at random from random accounts, a millisecond apart, then
	// 10 in a row from one account: more than a page of one account.
	r := rand.New(rand.NewPCG(1, 2))
	type sent struct{ pub, account int64 }
	var all []sent
	for i := range 70 {
		a := subs[r.IntN(len(subs))]
		if i%7 == 0 {
			a = subs[0]
		}
		if i >= 60 {
			a = subs[1]
		}
		p := e.draft(a.ID, "Post "+string(rune('a'+i%26)))
		e.massSend(a.ID, p, 0)
		all = append(all, sent{p.ID, a.ID})
		e.clock.Advance(time.Millisecond)
	}
	e.massSend(svc.ID, e.draft(svc.ID, "Bank news"), 0) // a Service send is a chat message, not a folder item
	// Newest first, across pages, same as sorting everything.
	var got []int64
	cur := folder.Cursor{}
	for page := 0; ; page++ {
		items, err := e.subs.Items(e.ctx, me, cur, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for i, it := range items {
			got = append(got, it.PublicationID)
			if it.AccountName == "" || it.Title == "" || it.ArticleCount != 1 || it.FirstArticleID == 0 || it.Seen {
				t.Fatalf("page %d item %d = %+v", page, i, it)
			}
		}
		cur = folder.Next(items)
	}
	if len(got) != len(all) {
		t.Fatalf("folder has %d items, want %d", len(got), len(all))
	}
	for i := range all {
		if got[i] != all[len(all)-1-i].pub {
			t.Fatalf("item %d is %d, want %d (newest first)", i, got[i], all[len(all)-1-i].pub)
		}
	}
	// Someone who follows none of them sees nothing; a blacklisted follower
	// does not see that account's sends.
	if items, _ := e.subs.Items(e.ctx, stranger, folder.Cursor{}, 20); len(items) != 0 {
		t.Errorf("stranger's folder: %d items", len(items))
	}
	items, _ := e.subs.Items(e.ctx, blockedReader, folder.Cursor{}, 100)
	for _, it := range items {
		if it.AccountID == subs[0].ID {
			t.Fatal("blacklisted follower sees the account's sends")
		}
	}
	// Opening the folder marks what is there as seen.
	e.clock.Advance(time.Second)
	if err := e.subs.MarkRead(e.ctx, me); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	newest := e.draft(subs[3].ID, "Fresh")
	e.massSend(subs[3].ID, newest, 0)
	items, _ = e.subs.Items(e.ctx, me, folder.Cursor{}, 3)
	if items[0].PublicationID != newest.ID || items[0].Seen || !items[1].Seen {
		t.Errorf("seen flags = %v %v", items[0].Seen, items[1].Seen)
	}
	if n, _ := e.subs.Unseen(e.ctx, me); n != 1 {
		t.Errorf("unseen = %d, want 1", n)
	}
	// Unfollowing removes the account's sends from the folder.
	if _, err := e.follows.Unfollow(e.ctx, subs[3].ID, me); err != nil {
		t.Fatal(err)
	}
	items, _ = e.subs.Items(e.ctx, me, folder.Cursor{}, 100)
	for _, it := range items {
		if it.AccountID == subs[3].ID {
			t.Fatal("unfollowed account still in the folder")
		}
	}
	// Deleted publications leave the folder.
	last := all[len(all)-1]
	if err := e.store.DeletePublished(e.ctx, last.account, last.pub); err != nil {
		t.Fatal(err)
	}
	for _, it := range e.folder(me) {
		if it.PublicationID == last.pub {
			t.Fatal("deleted publication still in the folder")
		}
	}
}

// On SQLite no more folder reads run at once than there are read slots
// (one per core): one that finds them all taken waits, and gives up when
// its request ends; it reads as soon as a slot is given back. On
// PostgreSQL it never waits.
func TestFolderReadsTakeAReadSlot(t *testing.T) {
	e := newEnv(t)
	me := e.people(1, "reader")[0]
	a := e.account(account.Subscription, "Lotus Tea House")
	e.follow(a.ID, []int64{me})
	e.massSend(a.ID, e.draft(a.ID, "Spring tea"), 0)
	ended, cancel := context.WithCancel(e.ctx)
	cancel()
	// A request that has ended reads nothing (the folder's statements run
	// under a context that cannot be cancelled, and check the request's
	// before each).
	if items, err := e.subs.Items(ended, me, folder.Cursor{}, 20); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended request: %d items, %v; want context.Canceled", len(items), err)
	}
	releases := e.holdReadSlots()
	if dbtest.Postgres() {
		if items, err := e.subs.Items(e.ctx, me, folder.Cursor{}, 20); err != nil || len(items) != 1 {
			t.Fatalf("PostgreSQL: %d items, %v; want 1 without waiting", len(items), err)
		}
		return
	}
	items, err := e.subs.Items(ended, me, folder.Cursor{}, 20)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("with every slot taken: %d items, %v; want to wait until the request ended", len(items), err)
	}
	done := make(chan []folder.Item)
	go func() {
		items, err := e.subs.Items(e.ctx, me, folder.Cursor{}, 20)
		if err != nil {
			t.Error(err)
		}
		done <- items
	}()
	releases[0]()
	if items := <-done; len(items) != 1 {
		t.Errorf("after a slot was given back: %d items, want 1", len(items))
	}
	for _, release := range releases[1:] {
		release()
	}
}

func (e *env) folder(personID int64) []folder.Item {
	e.t.Helper()
	items, err := e.subs.Items(e.ctx, personID, folder.Cursor{}, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

func TestCommentsAndReactions(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	b := e.account(account.Subscription, "Other Tea")
	people := e.people(3, "c")
	fan, passer, troll := people[0], people[1], people[2]
	e.follow(a.ID, []int64{fan, troll})
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, a.ID, troll)
	p, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Open", CommentsOpen: true},
		{Title: "Fans only", CommentsOpen: true, FansOnlyComments: true},
		{Title: "Closed"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	open, fans, closed := p.Articles[0].ID, p.Articles[1].ID, p.Articles[2].ID
	// Nothing before publishing.
	if _, err := e.store.AddComment(e.ctx, open, fan, "early"); !errors.Is(err, errs.NotFound) {
		t.Errorf("comment on a draft: %v", err)
	}
	e.massSend(a.ID, p, 0)

	c1, err := e.store.AddComment(e.ctx, open, passer, "Lovely")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := e.store.AddComment(e.ctx, open, fan, "  I brew it at 90°C  ")
	if err != nil || c2.Body != "I brew it at 90°C" {
		t.Fatal(err)
	}
	if _, err := e.store.AddComment(e.ctx, fans, passer, "hi"); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("non-follower on followers-only: %v", err)
	}
	if _, err := e.store.AddComment(e.ctx, fans, fan, "hi"); err != nil {
		t.Errorf("follower on followers-only: %v", err)
	}
	if _, err := e.store.AddComment(e.ctx, closed, fan, "hi"); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("closed comments: %v", err)
	}
	if _, err := e.store.AddComment(e.ctx, open, troll, "spam"); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("blacklisted commenter: %v", err)
	}
	if _, err := e.store.AddComment(e.ctx, open, fan, string(make([]rune, 601))); fieldOf(err) != "body" {
		t.Errorf("long comment: %v", err)
	}
	// The owner features the older comment: it shows first.
	if err := e.store.Feature(e.ctx, b.ID, c1.ID, true); !errors.Is(err, errs.NotFound) {
		t.Errorf("another account features a comment: %v", err)
	}
	if err := e.store.Feature(e.ctx, a.ID, c1.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Reply(e.ctx, a.ID, c2.ID, "Perfect temperature!"); err != nil {
		t.Fatal(err)
	}
	rd, err := e.store.Read(e.ctx, open, fan, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.Comments) != 2 || rd.Comments[0].ID != c1.ID || !rd.Comments[0].Featured || rd.Comments[1].Reply != "Perfect temperature!" || !rd.CanComment {
		t.Errorf("comments = %+v", rd.Comments)
	}
	if rd2, _ := e.store.Read(e.ctx, fans, passer, ""); rd2.CanComment || rd2.CommentNote == "" {
		t.Errorf("passer may comment on followers-only: %+v", rd2)
	}
	if err := e.store.DeleteComment(e.ctx, b.ID, c2.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("another account deletes a comment: %v", err)
	}
	if err := e.store.DeleteComment(e.ctx, a.ID, c2.ID); err != nil {
		t.Fatal(err)
	}
	rd, _ = e.store.Read(e.ctx, open, fan, "")
	if len(rd.Comments) != 1 || rd.Article.CommentCount != 1 {
		t.Errorf("after delete: %d comments, count %d", len(rd.Comments), rd.Article.CommentCount)
	}
	// Likes and wows: once per person, undoable.
	for range 2 {
		if _, _, err := e.store.React(e.ctx, open, fan, publish.ReactLike, true); err != nil {
			t.Fatal(err)
		}
	}
	likes, wows, _ := e.store.React(e.ctx, open, passer, publish.ReactWow, true)
	if likes != 1 || wows != 1 {
		t.Errorf("likes %d wows %d, want 1 1", likes, wows)
	}
	likes, _, _ = e.store.React(e.ctx, open, fan, publish.ReactLike, false)
	if likes != 0 {
		t.Errorf("likes after unlike = %d", likes)
	}
	rd, _ = e.store.Read(e.ctx, open, passer, "")
	if !rd.Wowed || rd.Liked {
		t.Errorf("viewer flags liked=%v wowed=%v", rd.Liked, rd.Wowed)
	}
}

func TestSendPreview(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	people := e.people(2, "pv")
	e.follow(a.ID, people[:1])
	p := e.draft(a.ID, "Draft for review")
	if n, err := e.store.SendPreview(e.ctx, a.ID, p.ID, []string{"pv0"}); err != nil || n != 1 {
		t.Fatalf("preview: %d %v", n, err)
	}
	if _, err := e.store.SendPreview(e.ctx, a.ID, p.ID, []string{"pv1"}); fieldOf(err) != "to" {
		t.Errorf("preview to a non-follower: %v", err)
	}
	hist, _ := e.messages.History(e.ctx, a.ID, people[0], 0, 5)
	if len(hist) != 1 || hist[0].Body.URL != p.PreviewPath(p.Articles[0].ID) {
		t.Fatalf("preview message = %+v", hist)
	}
	// The link opens the unpublished draft for its recipient.
	if _, err := e.store.Read(e.ctx, p.Articles[0].ID, people[0], p.PreviewKey); err != nil {
		t.Errorf("preview link: %v", err)
	}
}

// A Service account's sends are stored once and read as each recipient's
// own: the chat list shows the newest with an unread count that opening the
// chat clears, the conversation lists them in order among the chat's own
// messages, and someone who was not a recipient sees none of them.
func TestServiceBroadcastReadState(t *testing.T) {
	bus := realtime.NewLocal()
	e := newEnvWith(t, publish.Deps{Bus: bus}, publish.EngineOptions{})
	a := e.account(account.Service, "Harbour Bank")
	people := e.people(4, "p")
	e.follow(a.ID, people)
	reader, blocked, savers := people[0], people[1], people[2:]
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, a.ID, blocked)
	e.tag(a.ID, 100, "Savers", savers)

	// Recipients with the chat open hear of the send; others do not.
	heard, stop := bus.Subscribe(realtime.PersonTopic(reader))
	defer stop()
	notHeard, stop2 := bus.Subscribe(realtime.PersonTopic(blocked))
	defer stop2()
	first := e.massSend(a.ID, e.draft(a.ID, "Rates"), 0)
	if first.SentCount != 3 {
		t.Fatalf("first send = %s", first)
	}
	select {
	case ev := <-heard:
		m, ok := ev.Data.(*message.Message)
		if ev.Type != "message" || !ok || m.PersonID != reader || m.Kind != message.KindPublication || m.Body.Title != "Rates" || ev.ID != fmt.Sprint(m.ID) {
			t.Errorf("the reader heard %+v", ev)
		}
	default:
		t.Error("the reader's open chat did not hear of the send")
	}
	if len(notHeard) != 0 {
		t.Error("the blacklisted follower's chat heard of the send")
	}
	chat := func(p int64) *message.ChatRow {
		t.Helper()
		chats, err := e.messages.ChatList(e.ctx, p)
		if err != nil || len(chats) != 1 {
			t.Fatalf("chat list = %v, %v", chats, err)
		}
		return chats[0]
	}
	if c := chat(reader); c.Unread != 1 || c.LastPreview != "[Publication] Rates" {
		t.Errorf("after the first send: %+v", c)
	}
	// The conversation page reads MarkRead's check with the account and
	// the follow (message.ReadStateSQL); the reads below go that way, the
	// first with only the send unread and no conversation row yet.
	readState := follow.WithTexts(message.ReadStateSQL("a.id", "f.person_id"))
	markReadAsThePage := func(p int64) {
		t.Helper()
		var state string
		if _, _, err := e.follows.WithAccountAnd(e.ctx, a.ID, p, readState, &state); err != nil {
			t.Fatal(err)
		}
		if state == "" {
			t.Fatal("no read state read with the account")
		}
		if err := e.messages.MarkReadFrom(e.ctx, a.ID, p, state); err != nil {
			t.Fatal(err)
		}
	}
	markReadAsThePage(reader)
	if c := chat(reader); c.Unread != 0 || c.LastPreview != "[Publication] Rates" {
		t.Errorf("after reading: %+v", c)
	}
	// The reader writes, the account answers, then a second send: the
	// chat shows the send and two unread (the answer and the send).
	for _, m := range []*message.Message{
		{AccountID: a.ID, PersonID: reader, Direction: message.In, Kind: message.KindText, Sender: message.SenderFollower, Body: message.Body{Text: "hi"}},
		{AccountID: a.ID, PersonID: reader, Direction: message.Out, Kind: message.KindText, Sender: message.SenderAgent, Body: message.Body{Text: "hello"}},
	} {
		if err := e.messages.Append(e.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if c := chat(reader); c.Unread != 1 || c.LastPreview != "hello" {
		t.Errorf("after the answer: %+v", c)
	}
	second := e.massSend(a.ID, e.draft(a.ID, "Savings"), 0)
	if c := chat(reader); c.Unread != 2 || c.LastPreview != "[Publication] Savings" {
		t.Errorf("after the second send: %+v", c)
	}
	hist, err := e.messages.History(e.ctx, a.ID, reader, 0, 10)
	var got []string
	for _, m := range hist {
		got = append(got, (&m.Body).Title+m.Body.Text)
	}
	if err != nil || fmt.Sprint(got) != "[Rates hi hello Savings]" || hist[3].Sender != message.SenderMass || hist[3].PersonID != reader {
		t.Errorf("history = %v, %v", got, err)
	}
	// Paging back from the second send finds the rest.
	if older, _ := e.messages.History(e.ctx, a.ID, reader, hist[3].ID, 2); len(older) != 2 || older[1].Body.Text != "hello" {
		t.Errorf("older page = %+v", older)
	}
	if m, err := e.messages.InConversation(e.ctx, a.ID, reader, hist[3].ID); err != nil || m.Body.PublicationID != second.PublicationID {
		t.Errorf("the send in the reader's conversation: %+v, %v", m, err)
	}
	if since, _ := e.messages.Since(e.ctx, reader, hist[0].ID, 10); len(since) != 3 || since[2].ID != hist[3].ID {
		t.Errorf("live replay after the first send = %+v", since)
	}
	markReadAsThePage(reader)
	if c := chat(reader); c.Unread != 0 {
		t.Errorf("after reading again: %+v", c)
	}
	// Nothing more to read: MarkRead's own check finds it so too.
	if err := e.messages.MarkRead(e.ctx, a.ID, reader); err != nil {
		t.Fatal(err)
	}
	if c := chat(reader); c.Unread != 0 {
		t.Errorf("after MarkRead: %+v", c)
	}
	// The blacklisted follower received nothing.
	if hist, _ := e.messages.History(e.ctx, a.ID, blocked, 0, 10); len(hist) != 0 {
		t.Errorf("blacklisted follower's history = %+v", hist)
	}
	if _, err := e.messages.InConversation(e.ctx, a.ID, blocked, hist[3].ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("blacklisted follower reads the send: %v", err)
	}
	if c := chat(blocked); c.Unread != 0 || c.LastPreview != "" {
		t.Errorf("blacklisted follower's chat = %+v", c)
	}
	// A tag send reaches only the tag's members.
	e.massSend(a.ID, e.draft(a.ID, "For savers"), 100)
	if c := chat(savers[0]); c.Unread != 3 || c.LastPreview != "[Publication] For savers" {
		t.Errorf("a saver's chat = %+v", c)
	}
	if c := chat(reader); c.Unread != 0 || c.LastPreview != "[Publication] Savings" {
		t.Errorf("the reader's chat after the tag send = %+v", c)
	}
	// An answer alone (no new send) is read the same way.
	if err := e.messages.Append(e.ctx, &message.Message{AccountID: a.ID, PersonID: reader, Direction: message.Out, Kind: message.KindText,
		Sender: message.SenderAgent, Body: message.Body{Text: "anything else?"}}); err != nil {
		t.Fatal(err)
	}
	if c := chat(reader); c.Unread != 1 {
		t.Errorf("after another answer: %+v", c)
	}
	markReadAsThePage(reader)
	if c := chat(reader); c.Unread != 0 {
		t.Errorf("after reading the answer: %+v", c)
	}
}

// The folder's top also says whether its reader follows any Subscription
// account, as follow.Store.CountFollowing would (the chat list shows the
// folder's row only then): of any status, published or not, and not a
// Service account, an unfollowed one or someone else's follow.
func TestFolderTopTellsWhetherTheReaderFollowsASubscriptionAccount(t *testing.T) {
	e := newEnv(t)
	people := e.people(2, "top")
	me, other := people[0], people[1]
	svc := e.account(account.Service, "Harbour Bank")
	quiet := e.account(account.Subscription, "Quiet Tea")
	busy := e.account(account.Subscription, "Busy Tea")
	e.follow(busy.ID, []int64{other})
	p := e.draft(busy.ID, "Spring leaves")
	e.massSend(busy.ID, p, 0)
	check := func(when string, want bool, wantItems int) {
		t.Helper()
		items, following, err := e.subs.Top(e.ctx, me, 20)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.follows.CountFollowing(e.ctx, me, account.Subscription)
		if err != nil {
			t.Fatal(err)
		}
		if following != want || (n > 0) != want || len(items) != wantItems {
			t.Errorf("%s: following %v (CountFollowing %d), %d items; want %v, %d items", when, following, n, len(items), want, wantItems)
		}
	}
	check("following nothing", false, 0)
	e.follow(svc.ID, []int64{me})
	check("following a Service account", false, 0)
	e.follow(quiet.ID, []int64{me})
	check("following a Subscription account that never published", true, 0)
	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, quiet.ID)
	check("following a suspended Subscription account", true, 0)
	if _, err := e.follows.Unfollow(e.ctx, quiet.ID, me); err != nil {
		t.Fatal(err)
	}
	check("after unfollowing it", false, 0)
	e.follow(busy.ID, []int64{me})
	check("following one that published", true, 1)
	// Top is Items from the top.
	items, err := e.subs.Items(e.ctx, me, folder.Cursor{}, 20)
	if top, _, _ := e.subs.Top(e.ctx, me, 20); err != nil || len(items) != 1 || len(top) != 1 || top[0] != items[0] {
		t.Errorf("Top %+v, Items %+v, %v", top, items, err)
	}
}

// Every folder item carries its account's and its publication's details,
// whichever statement read them: the accounts picked for their newest
// publications (a send to all and a tag-targeted one), and an account met
// only through a tag-targeted send (suspended, so never picked), whose
// details a statement of their own reads. A tag-targeted send from an
// account that has since blacklisted the reader is left out, and the seen
// flags follow the reader's last opening.
func TestFolderItemsCarryTheirDetails(t *testing.T) {
	e := newEnv(t)
	people := e.people(2, "details")
	me, other := people[0], people[1]
	lotus := e.account(account.Subscription, "Lotus Tea House")
	pine := e.account(account.Subscription, "Pine Notes")
	cedar := e.account(account.Subscription, "Cedar Letters")
	oak := e.account(account.Subscription, "Oak Almanac")
	for _, a := range []*account.Account{lotus, pine, cedar, oak} {
		e.follow(a.ID, []int64{me, other})
	}
	e.tag(pine.ID, 301, "Members", []int64{me})
	e.tag(cedar.ID, 302, "Members", []int64{me})
	e.tag(oak.ID, 303, "Members", []int64{me})
	e.exec(`UPDATE accounts SET verified_until = ? WHERE id = ?`, db.Micro(e.clock.Now().Add(24*time.Hour)), pine.ID)
	sends := []struct {
		a      *account.Account
		tag    int64
		titles []string
	}{
		{lotus, 0, []string{"Spring leaves", "Water temperature"}},
		{cedar, 302, []string{"Letters for members"}},
		{oak, 303, []string{"Almanac for members"}},
		{pine, 301, []string{"Pine members' notes", "Second", "Third"}},
		{lotus, 0, []string{"Autumn leaves"}},
	}
	var pubs []*publish.Publication
	for i, s := range sends {
		if i == 3 {
			e.clock.Advance(time.Second)
			if err := e.subs.MarkRead(e.ctx, me); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(time.Second)
		p := e.draft(s.a.ID, s.titles...)
		e.massSend(s.a.ID, p, s.tag)
		pubs = append(pubs, p)
	}
	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, cedar.ID)
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, oak.ID, me)

	type want struct {
		pub     *publish.Publication
		account *account.Account
		title   string
		count   int
		seen    bool
	}
	wants := []want{
		{pubs[4], lotus, "Autumn leaves", 1, false},
		{pubs[3], pine, "Pine members' notes", 3, false},
		{pubs[1], cedar, "Letters for members", 1, true},
		{pubs[0], lotus, "Spring leaves", 2, true},
	}
	check := func(name string, items []folder.Item) {
		t.Helper()
		if len(items) != len(wants) {
			t.Fatalf("%s: %d items %+v, want %d", name, len(items), items, len(wants))
		}
		for i, w := range wants {
			it := items[i]
			first := e.count(`SELECT first_article_id FROM publications WHERE id = ?`, w.pub.ID)
			if it.PublicationID != w.pub.ID || it.AccountID != w.account.ID || it.AccountName != w.account.Name || it.Title != w.title ||
				it.ArticleCount != w.count || it.FirstArticleID != first || first == 0 || it.Seen != w.seen || it.Verified != (w.account == pine) {
				t.Errorf("%s: item %d = %+v, want %s's %q (%d articles, first %d, seen %v)", name, i, it, w.account.Name, w.title, w.count, first, w.seen)
			}
		}
	}
	items, err := e.subs.Items(e.ctx, me, folder.Cursor{}, 20)
	if err != nil {
		t.Fatal(err)
	}
	check("Items", items)
	top, following, err := e.subs.Top(e.ctx, me, 20)
	if err != nil || !following {
		t.Fatalf("Top: following %v, %v", following, err)
	}
	check("Top", top)
	// Page by page, two items at a time: the same items.
	var paged []folder.Item
	for cur := (folder.Cursor{}); ; {
		page, err := e.subs.Items(e.ctx, me, cur, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		cur = folder.Next(page)
	}
	check("pages of two", paged)
}

// A follower whom an account blacklisted after sending them tag-targeted
// publications still sees the rest of their folder, on a page of any size:
// the blacklisting account's sends, newest of all, are left out without
// taking the page's places (they used to fill it on every pass and be
// dropped at the end, so a page of one came back empty and the folder
// looked empty).
func TestFolderLeavesOutABlacklistingAccountsTaggedSends(t *testing.T) {
	e := newEnv(t)
	me := e.people(1, "blacklisted")[0]
	lotus := e.account(account.Subscription, "Lotus Tea House")
	oak := e.account(account.Subscription, "Oak Almanac")
	e.follow(lotus.ID, []int64{me})
	e.follow(oak.ID, []int64{me})
	e.tag(oak.ID, 401, "Members", []int64{me})
	var lotusPubs []int64
	for _, title := range []string{"Spring leaves", "Summer leaves", "Autumn leaves"} {
		e.clock.Advance(time.Second)
		p := e.draft(lotus.ID, title)
		e.massSend(lotus.ID, p, 0)
		lotusPubs = append([]int64{p.ID}, lotusPubs...) // newest first
	}
	for _, title := range []string{"Members' almanac", "Members' tides", "Members' stars"} {
		e.clock.Advance(time.Second)
		e.massSend(oak.ID, e.draft(oak.ID, title), 401)
	}
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, oak.ID, me)

	for _, size := range []int{1, 2, 20} {
		var got []int64
		for cur := (folder.Cursor{}); ; {
			page, err := e.subs.Items(e.ctx, me, cur, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, it := range page {
				got = append(got, it.PublicationID)
			}
			cur = folder.Next(page)
		}
		if !slices.Equal(got, lotusPubs) {
			t.Errorf("pages of %d: publications %v, want Lotus's %v", size, got, lotusPubs)
		}
	}
}

// The folder's top reads the reader's conversations with the Subscription
// accounts they follow in its own statement, as follow.Store.Chats would,
// row for row: newest first, with each account's name, avatar and badge,
// the last message's preview and the unread count, for limits of 1, 2
// and 20; not a Service account's conversation, an unfollowed or
// suspended account's, nor someone else's. The items are Items' all the
// same, and a reader whose accounts never published gets the
// conversations with no items.
func TestFolderTopReadsTheSubscriptionConversations(t *testing.T) {
	e := newEnv(t)
	people := e.people(2, "convs")
	me, other := people[0], people[1]
	tea := e.account(account.Subscription, "Lotus Tea House")
	pine := e.account(account.Subscription, "Pine Notes")
	quiet := e.account(account.Subscription, "Quiet Letters")
	cedar := e.account(account.Subscription, "Cedar Letters")
	oak := e.account(account.Subscription, "Oak Almanac")
	bank := e.account(account.Service, "Harbour Bank")
	for _, a := range []*account.Account{tea, pine, quiet, cedar, oak, bank} {
		e.follow(a.ID, []int64{me, other})
	}
	e.exec(`UPDATE accounts SET verified_until = ?, avatar_path = 'pine.png' WHERE id = ?`, db.Micro(e.clock.Now().Add(24*time.Hour)), pine.ID)
	say := func(a *account.Account, person int64, dir, text string) {
		t.Helper()
		e.clock.Advance(time.Second)
		sender := message.SenderFollower
		if dir == message.Out {
			sender = message.SenderAgent
		}
		if err := e.messages.Append(e.ctx, &message.Message{AccountID: a.ID, PersonID: person, Direction: dir, Kind: message.KindText,
			Sender: sender, Body: message.Body{Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	say(tea, me, message.In, "hello tea")
	say(tea, me, message.Out, "welcome")
	say(tea, me, message.Out, "our spring list")
	say(pine, me, message.In, "hello pine")
	say(quiet, me, message.In, "hello quiet")
	say(cedar, me, message.In, "hello cedar")
	say(oak, me, message.In, "hello oak")
	say(bank, me, message.In, "hello bank")
	say(tea, other, message.In, "someone else")
	say(quiet, me, message.Out, "a quiet answer")
	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, cedar.ID)
	if _, err := e.follows.Unfollow(e.ctx, oak.ID, me); err != nil {
		t.Fatal(err)
	}

	check := func(when string, wantItems int) {
		t.Helper()
		for _, limit := range []int{1, 2, 20} {
			want, err := e.follows.Chats(e.ctx, me, account.Subscription, limit)
			if err != nil {
				t.Fatal(err)
			}
			top, err := e.subs.TopAlso(e.ctx, me, 20, folder.Also{Chats: limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != min(limit, 3) || len(top.Chats) != len(want) {
				t.Fatalf("%s, limit %d: %d conversations %+v, follow.Store.Chats %d; want %d", when, limit, len(top.Chats), top.Chats, len(want), min(limit, 3))
			}
			for i, w := range want {
				g := top.Chats[i]
				if g.AccountID != w.Account.ID || g.AccountName != w.Account.Name || g.AccountAvatar != w.Account.AvatarPath ||
					g.Verified != w.Account.Verified(e.clock.Now()) || !g.LastAt.Equal(w.LastAt) || g.Preview != w.LastPreview || g.Unread != w.Unread {
					t.Errorf("%s, limit %d: conversation %d = %+v, follow.Store.Chats has %s %v %q %d", when, limit, i, g, w.Account.Name, w.LastAt, w.LastPreview, w.Unread)
				}
			}
			items, err := e.subs.Items(e.ctx, me, folder.Cursor{}, 20)
			if err != nil || len(items) != wantItems || len(top.Items) != wantItems || !slices.Equal(items, top.Items) {
				t.Errorf("%s, limit %d: items %+v, Items %+v (%v); want %d", when, limit, top.Items, items, err, wantItems)
			}
		}
	}
	check("nothing published", 0)
	e.clock.Advance(time.Second)
	e.massSend(pine.ID, e.draft(pine.ID, "Pine news"), 0)
	e.clock.Advance(time.Second)
	e.massSend(tea.ID, e.draft(tea.ID, "Spring leaves"), 0)
	check("after two sends", 2)
	// Newest first: quiet's answer, pine's, then tea's (a Subscription
	// account's sends are not in its conversations).
	top, err := e.subs.TopAlso(e.ctx, me, 20, folder.Also{Chats: 20})
	if err != nil || top.Chats[0].AccountID != quiet.ID || top.Chats[0].Preview != "a quiet answer" || top.Chats[0].Unread != 1 ||
		top.Chats[1].AccountID != pine.ID || !top.Chats[1].Verified || top.Chats[1].AccountAvatar != "pine.png" ||
		top.Chats[2].AccountID != tea.ID || top.Chats[2].Unread != 2 || top.Chats[2].Preview != "our spring list" || top.Following {
		t.Errorf("after two sends: %+v (%v)", top, err)
	}
}
