package publish_test

import (
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/user"
)

// TestFolderTopReadsTheSession holds the folder's first statement, given
// the reader's session (folder.Also.Session), to what the session's own
// statement and a read by the person's id give: the same person, every
// column, and the same folder; nothing for a session signed out (on any
// node: its row is gone) or expired, which user.Store.CheckSession then
// refuses (deleting the expired one) as user.Store.SessionPerson does.
func TestFolderTopReadsTheSession(t *testing.T) {
	e := newEnv(t)
	users := user.NewStore(e.db, e.clock)
	mei, err := users.Create(e.ctx, user.NewPerson{Username: "mei", Email: "mei@example.com", DisplayName: "Mei Lin",
		Password: "correct horse battery", PlatformRole: user.RoleReviewer, Language: "zh_CN"})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.UpdateProfile(e.ctx, mei.ID, user.Profile{DisplayName: "Mei <Lin>", Region: "Hong Kong", Language: "zh_CN"}); err != nil {
		t.Fatal(err)
	}
	if err := users.SetAvatar(e.ctx, mei.ID, "people/mei.png"); err != nil {
		t.Fatal(err)
	}
	other := e.people(1, "other")[0]
	tea := e.account(account.Subscription, "Lotus Tea House")
	pine := e.account(account.Subscription, "Pine Notes")
	e.follow(tea.ID, []int64{mei.ID, other})
	e.follow(pine.ID, []int64{mei.ID})
	if err := e.messages.Append(e.ctx, &message.Message{AccountID: tea.ID, PersonID: mei.ID, Direction: message.Out, Kind: message.KindText,
		Sender: message.SenderAgent, Body: message.Body{Text: "welcome"}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	e.massSend(pine.ID, e.draft(pine.ID, "Pine news"), 0)
	e.clock.Advance(time.Second)
	e.massSend(tea.ID, e.draft(tea.ID, "Spring leaves"), 0)

	also := folder.Also{Following: true, Chats: 20}
	read := func(token string) (folder.TopPage, user.SessionRef) {
		t.Helper()
		ref := users.Ref(token)
		a := also
		a.Session = &ref
		top, err := e.subs.TopAlso(e.ctx, 0, 20, a)
		if err != nil {
			t.Fatal(err)
		}
		return top, ref
	}
	same := func(what string, got, want folder.TopPage) {
		t.Helper()
		if !slices.Equal(got.Items, want.Items) || got.Following != want.Following || !slices.Equal(got.Chats, want.Chats) {
			t.Errorf("%s: folder %+v, want %+v", what, got, want)
		}
	}

	token, err := users.CreateSession(e.ctx, mei.ID, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.subs.TopAlso(e.ctx, mei.ID, 20, also)
	if err != nil || len(want.Items) != 2 || len(want.Chats) != 1 || !want.Following {
		t.Fatalf("by id: %+v (%v), want 2 items, 1 conversation, following", want, err)
	}
	top, ref := read(token)
	same("signed in", top, want)
	got, err := users.CheckSession(e.ctx, ref, &top.Session)
	wantP, werr := users.SessionPerson(e.ctx, token)
	if err != nil || werr != nil || *got != *wantP || got.ID != mei.ID || got.Email != "mei@example.com" || got.DisplayName != "Mei <Lin>" ||
		got.PlatformRole != user.RoleReviewer || got.AvatarPath != "people/mei.png" || got.Region != "Hong Kong" || got.Language != "zh_CN" || got.CreatedAt.IsZero() {
		t.Errorf("the session's person %+v (%v), its own statement %+v (%v)", got, err, wantP, werr)
	}

	// Another person's session reads their folder, not mei's.
	otherToken, err := users.CreateSession(e.ctx, other, "192.0.2.2", "test")
	if err != nil {
		t.Fatal(err)
	}
	wantOther, err := e.subs.TopAlso(e.ctx, other, 20, also)
	if err != nil || len(wantOther.Items) != 1 || len(wantOther.Chats) != 0 {
		t.Fatalf("the other by id: %+v (%v)", wantOther, err)
	}
	top, ref = read(otherToken)
	same("another person", top, wantOther)
	if p, err := users.CheckSession(e.ctx, ref, &top.Session); err != nil || p.ID != other {
		t.Errorf("another person's session: %+v (%v)", p, err)
	}

	// Extended when last extended more than five minutes ago, as by
	// SessionPerson.
	e.clock.Advance(10 * time.Minute)
	top, ref = read(token)
	before := top.Session.Expires
	if _, err := users.CheckSession(e.ctx, ref, &top.Session); err != nil {
		t.Fatal(err)
	}
	if top, _ = read(token); top.Session.Expires <= before {
		t.Errorf("not extended: expiry %d, was %d", top.Session.Expires, before)
	}

	// Signed out (the row deleted, by any node): nothing is read.
	if err := users.DeleteSession(e.ctx, otherToken); err != nil {
		t.Fatal(err)
	}
	top, ref = read(otherToken)
	same("signed out", top, folder.TopPage{})
	if p, err := users.CheckSession(e.ctx, ref, &top.Session); !errors.Is(err, errs.NotFound) || p != nil || top.Session.Found {
		t.Errorf("signed out: %+v %+v (%v)", top.Session, p, err)
	}

	// Expired: the folder reads nothing, the check refuses the session and
	// deletes it.
	e.clock.Advance(user.SessionTTL + time.Minute)
	top, ref = read(token)
	same("expired", top, folder.TopPage{Session: top.Session})
	if !top.Session.Found {
		t.Error("expired: the session's row was not read")
	}
	if p, err := users.CheckSession(e.ctx, ref, &top.Session); !errors.Is(err, errs.NotFound) || p != nil {
		t.Errorf("expired: %+v (%v)", p, err)
	}
	if top, _ = read(token); top.Session.Found {
		t.Error("the expired session was not deleted")
	}
}

// TestReadAsReadsTheSession holds the reading page's statement, given the
// reader's session (publish.Store.ReadAs), to Read by the person's id (or
// as an anonymous reader, for a session that is not valid) and to the
// session's own statement: the same reading (membership, follow, like,
// wow, whether and why they may comment) and the same person.
func TestReadAsReadsTheSession(t *testing.T) {
	e := newEnv(t)
	users := user.NewStore(e.db, e.clock)
	mei, err := users.Create(e.ctx, user.NewPerson{Username: "mei", Email: "mei@example.com", DisplayName: "Mei", Password: "correct horse battery", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	tea := e.account(account.Subscription, "Lotus Tea House")
	e.follow(tea.ID, []int64{mei.ID})
	pub := e.draft(tea.ID, "Spring leaves")
	e.massSend(tea.ID, pub, 0)
	articleID := pub.Articles[0].ID
	if _, _, err := e.store.React(e.ctx, articleID, mei.ID, "wow", true); err != nil {
		t.Fatal(err)
	}
	same := func(what string, got, want *publish.Reading) {
		t.Helper()
		if got.Article.ID != want.Article.ID || got.Account.ID != want.Account.ID || got.Member != want.Member || got.Following != want.Following ||
			got.Liked != want.Liked || got.Wowed != want.Wowed || got.CanComment != want.CanComment || got.CommentNote != want.CommentNote || got.Preview != want.Preview {
			t.Errorf("%s: %+v, want %+v", what, got, want)
		}
	}
	readAs := func(token string) (*publish.Reading, user.SessionRef, user.SessionRow) {
		t.Helper()
		ref := users.Ref(token)
		var row user.SessionRow
		rd, err := e.store.ReadAs(e.ctx, articleID, ref, &row, "")
		if err != nil {
			t.Fatal(err)
		}
		return rd, ref, row
	}
	asMei, err := e.store.Read(e.ctx, articleID, mei.ID, "")
	if err != nil || !asMei.Following || !asMei.Wowed || asMei.Liked || !asMei.CanComment {
		t.Fatalf("Read as mei: %+v (%v)", asMei, err)
	}
	anonymous, err := e.store.Read(e.ctx, articleID, 0, "")
	if err != nil || anonymous.Following || anonymous.Wowed || anonymous.CommentNote != "Sign in to comment." {
		t.Fatalf("Read anonymously: %+v (%v)", anonymous, err)
	}

	token, _ := users.CreateSession(e.ctx, mei.ID, "192.0.2.1", "test")
	rd, ref, row := readAs(token)
	same("signed in", rd, asMei)
	p, err := users.CheckSession(e.ctx, ref, &row)
	wantP, werr := users.SessionPerson(e.ctx, token)
	if err != nil || werr != nil || *p != *wantP || p.ID != mei.ID {
		t.Errorf("the session's person %+v (%v), its own statement %+v (%v)", p, err, wantP, werr)
	}

	other, _ := users.CreateSession(e.ctx, mei.ID, "192.0.2.2", "test")
	if err := users.DeleteSession(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	rd, ref, row = readAs(other)
	same("signed out", rd, anonymous)
	if _, err := users.CheckSession(e.ctx, ref, &row); !errors.Is(err, errs.NotFound) || row.Found {
		t.Errorf("signed out: %+v (%v)", row, err)
	}

	e.clock.Advance(user.SessionTTL + time.Minute)
	rd, ref, row = readAs(token)
	same("expired", rd, anonymous)
	if _, err := users.CheckSession(e.ctx, ref, &row); !errors.Is(err, errs.NotFound) || !row.Found {
		t.Errorf("expired: %+v (%v)", row, err)
	}
}

// BenchmarkSessionInTheFirstStatement measures, in one process and in
// alternating blocks (so that other work on the machine falls on both
// alike), the session read on its own before a page's first statement
// (SessionPerson, then the statement by the person's id) against the
// session read in that statement (then CheckSession): for the folder's
// top, the conversation's account and the reading page's article. It
// reports the CPU of each per page read (apart-ns/op, merged-ns/op).
func BenchmarkSessionInTheFirstStatement(b *testing.B) {
	e := newEnvWith(b, publish.Deps{}, publish.EngineOptions{})
	users := user.NewStore(e.db, e.clock)
	mei, err := users.Create(e.ctx, user.NewPerson{Username: "mei", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	tea := e.account(account.Subscription, "Lotus Tea House")
	e.follow(tea.ID, []int64{mei.ID})
	pub := e.draft(tea.ID, "Spring leaves")
	e.massSend(tea.ID, pub, 0)
	articleID := pub.Articles[0].ID
	token, _ := users.CreateSession(e.ctx, mei.ID, "192.0.2.1", "test")
	ctx := e.ctx
	texts := follow.WithTexts(message.ReadStateSQL("a.id", "f.person_id"))
	also := folder.Also{Following: true, Chats: 100}
	reads := map[string][2]func(){
		"folder": {func() {
			p, err := users.SessionPerson(ctx, token)
			if err == nil {
				_, err = e.subs.TopAlso(ctx, p.ID, 20, also)
			}
			if err != nil {
				b.Fatal(err)
			}
		}, func() {
			ref := users.Ref(token)
			a := also
			a.Session = &ref
			top, err := e.subs.TopAlso(ctx, 0, 20, a)
			if err == nil {
				_, err = users.CheckSession(ctx, ref, &top.Session)
			}
			if err != nil {
				b.Fatal(err)
			}
		}},
		"account": {func() {
			var s string
			p, err := users.SessionPerson(ctx, token)
			if err == nil {
				_, _, err = e.follows.WithAccountAnd(ctx, tea.ID, p.ID, texts, &s)
			}
			if err != nil {
				b.Fatal(err)
			}
		}, func() {
			var s string
			var row user.SessionRow
			ref := users.Ref(token)
			_, _, err := e.follows.WithAccountSession(ctx, tea.ID, ref, &row, texts, &s)
			if err == nil {
				_, err = users.CheckSession(ctx, ref, &row)
			}
			if err != nil {
				b.Fatal(err)
			}
		}},
		"article": {func() {
			p, err := users.SessionPerson(ctx, token)
			if err == nil {
				_, err = e.store.Read(ctx, articleID, p.ID, "")
			}
			if err != nil {
				b.Fatal(err)
			}
		}, func() {
			var row user.SessionRow
			ref := users.Ref(token)
			_, err := e.store.ReadAs(ctx, articleID, ref, &row, "")
			if err == nil {
				_, err = users.CheckSession(ctx, ref, &row)
			}
			if err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, name := range []string{"folder", "account", "article"} {
		fns := reads[name]
		b.Run(name, func(b *testing.B) {
			const block = 100
			var spent [2]time.Duration
			n := 0
			for b.Loop() {
				for i, fn := range fns {
					start := cpuTime()
					for range block {
						fn()
					}
					spent[i] += cpuTime() - start
				}
				n += block
			}
			b.ReportMetric(float64(spent[0])/float64(n), "apart-ns/op")
			b.ReportMetric(float64(spent[1])/float64(n), "merged-ns/op")
		})
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
