package audience_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

// pagingWorld is an account of 250 people who followed in groups of 7 at
// the same microsecond (ties on the list's sort key), so the list newest
// first is the people in reverse order of creation; every 11th has
// unfollowed, every 5th who still follows is blacklisted, the even ones
// carry a tag and every 3rd is called Mei.
type pagingWorld struct {
	*fixture
	tag    int64
	clock  *stepClock
	people []*user.Person
	shown  func(i int, q audience.Query) bool
}

// stepClock stands still until stepped: people who follow between two
// steps follow at the same microsecond.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

func newPagingWorld(t *testing.T) *pagingWorld {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &stepClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	w := &pagingWorld{fixture: &fixture{aud: audience.NewStore(d, c, follows), follows: follows, users: users}, clock: c}
	f := w.fixture
	var err error
	if f.a, err = accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive}); err != nil {
		t.Fatal(err)
	}
	var tagged, blocked []int64
	for i := range 250 {
		name := fmt.Sprintf("Fan %03d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("Mei %03d", i)
		}
		p, err := f.users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("fan%03d", i), DisplayName: name, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			c.t = c.t.Add(time.Second)
		}
		if _, err := f.follows.Follow(ctx, f.a.ID, p.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
		w.people = append(w.people, p)
		if i%2 == 0 {
			tagged = append(tagged, p.ID)
		}
		if i%5 == 0 && i%11 != 0 {
			blocked = append(blocked, p.ID)
		}
	}
	tg, err := f.aud.CreateTag(ctx, f.a.ID, "Even")
	if err != nil {
		t.Fatal(err)
	}
	w.tag = tg.ID
	for ids := range slices.Chunk(tagged, audience.MaxBatch) {
		if err := f.aud.TagFollowers(ctx, f.a.ID, tg.ID, ids); err != nil {
			t.Fatal(err)
		}
	}
	for ids := range slices.Chunk(blocked, audience.MaxBlacklist) {
		if err := f.aud.SetBlacklisted(ctx, f.a.ID, ids, true); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 250; i += 11 {
		if _, err := f.follows.Unfollow(ctx, f.a.ID, w.people[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	w.shown = func(i int, q audience.Query) bool {
		following, isBlocked := i%11 != 0, i%5 == 0 && i%11 != 0
		return (q.Blocked && isBlocked || !q.Blocked && following) &&
			(q.TagID == 0 || i%2 == 0) && (q.Search == "" || i%3 == 0)
	}
	return w
}

func (w *pagingWorld) list(t *testing.T, q audience.Query) []*audience.Follower {
	t.Helper()
	page, err := w.aud.Followers(context.Background(), w.a.ID, q)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func ids(list []*audience.Follower) []int64 {
	out := make([]int64, 0, len(list))
	for _, f := range list {
		out = append(out, f.PersonID)
	}
	return out
}

// Paging through the list by key, forward with "after the last one" and
// back with "before the first one", under every filter the console's
// page offers, lists every follower exactly once and in order, also
// where a page ends inside a group that followed at the same time.
func TestFollowersPagesByKey(t *testing.T) {
	w := newPagingWorld(t)
	filters := []audience.Query{{}, {TagID: w.tag}, {Search: "mei"}, {Blocked: true},
		{TagID: w.tag, Search: "MEI"}, {Blocked: true, TagID: w.tag}, {Blocked: true, Search: "mei"}}
	for _, filter := range filters {
		var want []int64
		for i := 249; i >= 0; i-- {
			if w.shown(i, filter) {
				want = append(want, w.people[i].ID)
			}
		}
		if len(want) < 15 {
			t.Fatalf("%+v: only %d followers to page through", filter, len(want))
		}
		for _, limit := range []int{10, 50} {
			q := filter
			q.Limit = limit
			var forward, back []int64
			var pages [][]*audience.Follower
			for page := w.list(t, q); len(page) > 0; page = w.list(t, q) {
				if len(page) > limit {
					t.Fatalf("%+v: a page of %d", q, len(page))
				}
				forward = append(forward, ids(page)...)
				pages = append(pages, page)
				if len(forward) > 250 {
					t.Fatalf("%+v: more followers than there are: %v", q, forward)
				}
				q.After = new(page[len(page)-1].Cursor())
			}
			// Back from the last page, each page before the first of the
			// one shown.
			q.After = nil
			last := pages[len(pages)-1]
			back = ids(last)
			for q.Before = new(last[0].Cursor()); ; {
				page := w.list(t, q)
				if len(page) == 0 {
					break
				}
				back = append(ids(page), back...)
				q.Before = new(page[0].Cursor())
				if len(back) > 250 {
					t.Fatalf("%+v: more followers than there are: %v", q, back)
				}
			}
			if !slices.Equal(forward, want) || !slices.Equal(back, want) {
				t.Errorf("%+v, %d a page:\nforward %v\nback    %v\nwant    %v", filter, limit, forward, back, want)
			}
		}
	}
}

// A follower who follows or unfollows between two page loads moves no
// other follower: the next page starts right after the last one shown,
// none shown twice, none skipped.
func TestFollowersPagesStayPutWhenTheListChanges(t *testing.T) {
	w := newPagingWorld(t)
	ctx := context.Background()
	all := ids(w.list(t, audience.Query{Limit: 200}))
	all = append(all, ids(w.list(t, audience.Query{Limit: 200, After: new(w.list(t, audience.Query{Limit: 200})[199].Cursor())}))...)
	page1 := w.list(t, audience.Query{Limit: 10})
	if !slices.Equal(ids(page1), all[:10]) {
		t.Fatalf("first page %v, list %v", ids(page1), all[:10])
	}
	// Between the loads: someone new follows (the newest), the 4th and the
	// 10th shown unfollow, and so does the first of the next page.
	p, err := w.users.Create(ctx, user.NewPerson{Username: "newcomer", DisplayName: "Newcomer", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	w.clock.t = w.clock.t.Add(time.Second)
	if _, err := w.follows.Follow(ctx, w.a.ID, p.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []int64{all[3], all[9], all[10]} {
		if _, err := w.follows.Unfollow(ctx, w.a.ID, gone); err != nil {
			t.Fatal(err)
		}
	}
	var rest []int64
	q := audience.Query{Limit: 10, After: new(page1[len(page1)-1].Cursor())}
	for page := w.list(t, q); len(page) > 0; page = w.list(t, q) {
		rest = append(rest, ids(page)...)
		q.After = new(page[len(page)-1].Cursor())
		if len(rest) > 250 {
			t.Fatalf("more followers than there are: %v", rest)
		}
	}
	if !slices.Equal(rest, all[11:]) {
		t.Errorf("after the first page:\n got %v\nwant %v", rest, all[11:])
	}
	// And back from the second page: the first as it is now.
	page2 := w.list(t, audience.Query{Limit: 10, After: new(page1[len(page1)-1].Cursor())})
	back := ids(w.list(t, audience.Query{Limit: 10, Before: new(page2[0].Cursor())}))
	want := append([]int64{p.ID}, all[0:3]...)
	want = append(want, all[4:9]...)
	if !slices.Equal(back, want) {
		t.Errorf("before the second page: got %v, want %v", back, want)
	}
}
