package abtest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
)

// The account's history (its profile, as a follower and as anyone sees
// it, and its feeds) and each follower's Subscriptions folder show of an
// A/B test exactly the variant the viewer received: while the test runs,
// a variant only to its part of the sample; once the winner goes to the
// rest, the winner to everybody outside the sample, and a losing variant
// still only to whom it was sent.
func TestEachFollowerSeesTheVariantTheyReceived(t *testing.T) {
	e := newEnv(t)
	a, audience := e.account(account.Subscription, 30)
	other := e.draft(a.ID)
	if _, err := e.pub.Send(e.ctx, a.ID, e.owner, other.ID, publish.SendOptions{Mode: publish.ModePublish}); err != nil {
		t.Fatal(err)
	}
	e.runDue()
	test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(e.draft(a.ID).ID, true))
	if err != nil {
		t.Fatal(err)
	}
	e.runDue()
	members := e.members(test.ID)
	byVariant := map[int]int64{}
	var outside int64
	for _, p := range audience {
		if v, ok := members[p]; ok {
			byVariant[v] = p
		} else {
			outside = p
		}
	}
	pubOf := func(v int) int64 { return test.Variants[v].PublicationID }
	feeds := feed.NewStore(e.db, e.clock, e.pub)
	folders := folder.NewStore(e.db, e.clock)
	profile := func(person int64) []int64 {
		t.Helper()
		list, err := e.pub.ProfileFor(e.ctx, a.ID, person, 0, 20)
		return sortedIDs(t, list, err, func(p *publish.Publication) int64 { return p.ID })
	}
	inFeed := func() []int64 {
		t.Helper()
		f, err := feeds.Load(e.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A publication's articles are entries of their own: each counts once.
		return slices.Compact(sortedIDs(t, f.Entries, nil, func(en feed.Entry) int64 { return en.PublicationID }))
	}
	inFolder := func(person int64) []int64 {
		t.Helper()
		items, err := folders.Items(e.ctx, person, folder.Cursor{}, 20)
		return sortedIDs(t, items, err, func(it folder.Item) int64 { return it.PublicationID })
	}
	with := func(ids ...int64) []int64 {
		out := append([]int64{other.ID}, ids...)
		slices.Sort(out)
		return out
	}

	// While the test runs.
	for v := range 3 {
		if got, want := profile(byVariant[v]), with(pubOf(v)); !slices.Equal(got, want) {
			t.Errorf("testing: variant %d's recipient sees %v, want %v", v, got, want)
		}
		if got := inFolder(byVariant[v]); !slices.Equal(got, []int64{pubOf(v)}) {
			t.Errorf("testing: variant %d's recipient's folder %v", v, got)
		}
	}
	if got := profile(outside); !slices.Equal(got, with()) {
		t.Errorf("testing: a follower outside the sample sees %v", got)
	}
	if got := profile(0); !slices.Equal(got, with()) {
		t.Errorf("testing: anyone sees %v", got)
	}
	if got := inFeed(); !slices.Equal(got, with()) {
		t.Errorf("testing: the feeds list %v", got)
	}

	// The window ends; the leader (A, nobody opened anything) goes to the rest.
	e.clock.Advance(4*time.Hour + time.Minute)
	e.runDue()
	test, err = e.tests.Test(e.ctx, a.ID, test.ID)
	if err != nil || test.State != "done" {
		t.Fatalf("test %v %v", test, err)
	}
	w := test.Winner
	for v := range 3 {
		if got, want := profile(byVariant[v]), with(pubOf(v)); !slices.Equal(got, want) {
			t.Errorf("after the roll-out: variant %d's recipient sees %v, want %v", v, got, want)
		}
		if got := inFolder(byVariant[v]); !slices.Equal(got, []int64{pubOf(v)}) {
			t.Errorf("after the roll-out: variant %d's recipient's folder %v", v, got)
		}
	}
	for _, who := range []int64{outside, 0} {
		if got, want := profile(who), with(pubOf(w)); !slices.Equal(got, want) {
			t.Errorf("after the roll-out: person %d sees %v, want the winner %v", who, got, want)
		}
	}
	if got := inFolder(outside); !slices.Equal(got, []int64{pubOf(w)}) {
		t.Errorf("after the roll-out: the folder outside the sample %v", got)
	}
	if got, want := inFeed(), with(pubOf(w)); !slices.Equal(got, want) {
		t.Errorf("after the roll-out: the feeds list %v, want %v", got, want)
	}
	// A losing variant stays readable at its address for its recipients.
	for v := range 3 {
		if p, err := e.pub.Publication(e.ctx, a.ID, pubOf(v)); err != nil || p.State != publish.StatePublished {
			t.Errorf("variant %d: %v %v", v, p, err)
		}
	}
}

// sortedIDs fails the test on err, else returns the publication id of each
// item, sorted.
func sortedIDs[T any](t *testing.T, items []T, err error, id func(T) int64) []int64 {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, id(it))
	}
	slices.Sort(ids)
	return ids
}
