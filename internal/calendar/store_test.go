package calendar_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/settings"
)

// The store reads a Service account's real sends: the month's quota after
// sent and scheduled sends, and followers who would miss a send because
// they already had 4 this month (the platform here allows 6 a month).
func TestStoreMonthOfAServiceAccount(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	st := settings.NewStore(d, c)
	p, err := st.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.ServiceMassSendsPerMonth = 6
	if err := st.Save(ctx, p); err != nil {
		t.Fatal(err)
	}
	pub := publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: t.TempDir()}, Settings: st})
	engine := publish.NewEngine(pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	owner := id.New()
	var people []int64
	for i, name := range []string{"owner", "ann", "ben", "cai"} {
		pid := owner
		if i > 0 {
			pid = id.New()
			people = append(people, pid)
		}
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 1, 1)`, pid, name, name); err != nil {
			t.Fatal(err)
		}
	}
	a, err := account.NewStore(d, c).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `UPDATE accounts SET timezone = 'Asia/Shanghai' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	a.Timezone = "Asia/Shanghai"
	if _, err := follow.NewStore(d, c).FollowMany(ctx, a.ID, people, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'VIP', 'vip', 1, 1)`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, 100, ?, 1)`, a.ID, people[0]); err != nil {
		t.Fatal(err)
	}
	send := func(title string, opts publish.SendOptions) {
		t.Helper()
		dr, err := pub.SaveDraft(ctx, a.ID, owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		opts.Mode = publish.ModeMass
		j, err := pub.Send(ctx, a.ID, owner, dr.ID, opts)
		if err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		if opts.At.IsZero() {
			if _, err := engine.Run(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two to everyone and two to VIP (ann) now; one to everyone scheduled.
	send("All 1", publish.SendOptions{})
	send("VIP 1", publish.SendOptions{Target: publish.TargetTag, TagID: 100})
	send("All 2", publish.SendOptions{})
	send("VIP 2", publish.SendOptions{Target: publish.TargetTag, TagID: 100})
	now := c.Now()
	key, _, end := calendar.MonthOf(now, a.Location())
	at := now.Add(time.Hour)
	if !at.Before(end) {
		t.Skip("too close to the end of the month in Shanghai")
	}
	send("All 3", publish.SendOptions{At: at})

	entries, m, r, err := calendar.NewStore(d, st).Month(ctx, a, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.PerMonth != 6 || r.PerFollower != 4 || m.Key != key {
		t.Errorf("rules %+v month %s", r, m.Key)
	}
	if len(entries) != 5 || m.Sent != 4 || m.Scheduled != 1 || m.Left != 1 {
		t.Fatalf("%d entries, month %+v", len(entries), m)
	}
	last := entries[4]
	if last.Title != "All 3" || !last.Scheduled || last.Number != 5 || last.AtCap != 1 {
		t.Errorf("the scheduled send %+v: ann has had 4 already", last)
	}
	// A sixth to everyone would fit the account's quota; ann misses it too.
	sends := make([]calendar.Send, len(entries))
	for i, e := range entries {
		sends[i] = e.Send
	}
	if ck := calendar.Check(r, sends, calendar.Send{At: at.Add(time.Minute), Recipients: people}); ck.OverQuota || ck.AtCap != 1 {
		t.Errorf("a sixth send %+v", ck)
	}
	if ck := calendar.Check(r, append(sends, calendar.Send{ID: 9, At: at}), calendar.Send{At: at.Add(time.Minute)}); !ck.OverQuota {
		t.Errorf("a seventh send %+v", ck)
	}
}

// For sends that went out the calendar counts who really received them:
// dan, who followed after three sends to everyone, has had 2 when the
// scheduled send goes out, not the 5 that counting today's followers would
// give him; a send that went out shows how many the engine skipped.
func TestStoreMonthCountsWhoReallyReceived(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	c.Advance(time.Until(time.Date(2031, 3, 10, 10, 0, 0, 0, sh)))
	st := settings.NewStore(d, c)
	p, err := st.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.ServiceMassSendsPerMonth = 8
	if err := st.Save(ctx, p); err != nil {
		t.Fatal(err)
	}
	pub := publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: t.TempDir()}, Settings: st})
	engine := publish.NewEngine(pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	owner := id.New()
	people := map[string]int64{}
	for _, name := range []string{"owner", "ann", "ben", "cai", "dan"} {
		pid := id.New()
		if name == "owner" {
			pid = owner
		}
		people[name] = pid
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 1, 1)`, pid, name, name); err != nil {
			t.Fatal(err)
		}
	}
	a, err := account.NewStore(d, c).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		t.Fatal(err)
	}
	follows := follow.NewStore(d, c)
	if _, err := follows.FollowMany(ctx, a.ID, []int64{people["ann"], people["ben"], people["cai"]}, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	send := func(title string, at time.Time) {
		t.Helper()
		dr, err := pub.SaveDraft(ctx, a.ID, owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		j, err := pub.Send(ctx, a.ID, owner, dr.ID, publish.SendOptions{Mode: publish.ModeMass, At: at})
		if err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		if at.IsZero() {
			if _, err := engine.Run(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, title := range []string{"All 1", "All 2", "All 3"} {
		send(title, time.Time{})
	}
	if _, err := follows.FollowMany(ctx, a.ID, []int64{people["dan"]}, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	send("All 4", time.Time{})
	send("All 5", time.Time{}) // ann, ben and cai have had 4: only dan gets it
	send("All 6", c.Now().Add(time.Hour))

	entries, m, _, err := calendar.NewStore(d, st).Month(ctx, a, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 || m.Sent != 5 || m.Scheduled != 1 {
		t.Fatalf("%d entries, month %+v", len(entries), m)
	}
	for i, e := range entries[:4] {
		if e.AtCap != 0 || !e.Delivered {
			t.Errorf("send %d %+v", i+1, e)
		}
	}
	if e := entries[4]; e.Title != "All 5" || e.AtCap != 3 || !e.Delivered || len(e.Recipients) != 1 || e.Recipients[0] != people["dan"] {
		t.Errorf("the fifth send %+v: ann, ben and cai were skipped", e)
	}
	if e := entries[5]; e.Title != "All 6" || !e.Scheduled || e.AtCap != 3 {
		t.Errorf("the scheduled send %+v: ann, ben and cai have had 4, dan 2", e)
	}
}
