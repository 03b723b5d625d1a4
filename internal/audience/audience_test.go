package audience_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

func code(err error) int {
	var c interface{ WXCode() int }
	if errors.As(err, &c) {
		return c.WXCode()
	}
	return 0
}

type fixture struct {
	aud     *audience.Store
	follows *follow.Store
	users   *user.Store
	a, b    *account.Account
	people  []*user.Person
}

func setup(t *testing.T, n int) *fixture {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	f := &fixture{aud: audience.NewStore(d, c, follows), follows: follows, users: users}
	var err error
	if f.a, err = accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if f.b, err = accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive}); err != nil {
		t.Fatal(err)
	}
	names := []string{"Mei Lin", "Bob Stone", "Ana Silva"}
	for i := range n {
		dn := fmt.Sprintf("Person %d", i)
		if i < len(names) {
			dn = names[i]
		}
		p, err := users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("person%d", i), DisplayName: dn, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(1)
		if _, err := follows.Follow(ctx, f.a.ID, p.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, p)
	}
	return f
}

func TestTagLifecycleAndLimits(t *testing.T) {
	f := setup(t, 3)
	ctx := context.Background()
	vip, err := f.aud.CreateTag(ctx, f.a.ID, "  VIP  customers ")
	if err != nil || vip.ID != audience.FirstTagID || vip.Name != "VIP customers" {
		t.Fatalf("create: %+v, %v", vip, err)
	}
	for _, tc := range []struct {
		name string
		code int
	}{{"", 45157}, {"vip CUSTOMERS", 45157}, {strings.Repeat("标", 11), 45158}} {
		if _, err := f.aud.CreateTag(ctx, f.a.ID, tc.name); code(err) != tc.code {
			t.Errorf("create %q: %v, want %d", tc.name, err, tc.code)
		}
	}
	if _, err := f.aud.CreateTag(ctx, f.a.ID, strings.Repeat("标", 10)); err != nil {
		t.Errorf("30-byte name: %v", err)
	}
	// The same name in another account is fine, with its own ids.
	if t2, err := f.aud.CreateTag(ctx, f.b.ID, "VIP customers"); err != nil || t2.ID != audience.FirstTagID {
		t.Errorf("B's tag: %+v, %v", t2, err)
	}
	for _, id := range []int64{0, 1, 2} {
		if err := f.aud.RenameTag(ctx, f.a.ID, id, "x"); code(err) != 45058 {
			t.Errorf("rename reserved %d: %v", id, err)
		}
		if err := f.aud.DeleteTag(ctx, f.a.ID, id); code(err) != 45058 {
			t.Errorf("delete reserved %d: %v", id, err)
		}
	}
	if err := f.aud.RenameTag(ctx, f.a.ID, 555, "x"); code(err) != 45159 {
		t.Errorf("rename unknown: %v", err)
	}
	if err := f.aud.RenameTag(ctx, f.a.ID, vip.ID, "Gold"); err != nil {
		t.Fatal(err)
	}
	ids := []int64{f.people[0].ID, f.people[1].ID}
	if err := f.aud.TagFollowers(ctx, f.a.ID, vip.ID, ids); err != nil {
		t.Fatal(err)
	}
	if err := f.aud.TagFollowers(ctx, f.a.ID, vip.ID, ids); err != nil { // again: no double count
		t.Fatal(err)
	}
	if tg, _ := f.aud.Tag(ctx, f.a.ID, vip.ID); tg.Count != 2 || tg.Name != "Gold" {
		t.Errorf("tag after tagging: %+v", tg)
	}
	// B cannot tag A's followers, and a non-follower cannot be tagged.
	bt, _ := f.aud.Tag(ctx, f.b.ID, audience.FirstTagID)
	if err := f.aud.TagFollowers(ctx, f.b.ID, bt.ID, ids); code(err) != 49003 {
		t.Errorf("B tagging A's followers: %v", err)
	}
	if err := f.aud.TagFollowers(ctx, f.a.ID, vip.ID, make([]int64, 51)); code(err) != 40032 {
		t.Errorf("51 at once: %v", err)
	}
	if err := f.aud.UntagFollowers(ctx, f.a.ID, vip.ID, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if tg, _ := f.aud.Tag(ctx, f.a.ID, vip.ID); tg.Count != 1 {
		t.Errorf("count after untag: %d", tg.Count)
	}
	// Deleting a tag untags and never reuses its id.
	if err := f.aud.DeleteTag(ctx, f.a.ID, vip.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.aud.TagIDs(ctx, f.a.ID, f.people[1].ID); len(got) != 0 {
		t.Errorf("tags after delete: %v", got)
	}
	next, _ := f.aud.CreateTag(ctx, f.a.ID, "Next")
	if next.ID <= vip.ID+1 {
		t.Errorf("tag id %d reused or not increasing (deleted %d)", next.ID, vip.ID)
	}
}

func TestTagLimits(t *testing.T) {
	f := setup(t, 1)
	ctx := context.Background()
	p := f.people[0].ID
	var tags []int64
	for i := range audience.MaxTags {
		tg, err := f.aud.CreateTag(ctx, f.a.ID, fmt.Sprint("tag ", i))
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, tg.ID)
	}
	if _, err := f.aud.CreateTag(ctx, f.a.ID, "one more"); code(err) != 45056 {
		t.Errorf("tag 101: %v", err)
	}
	for _, id := range tags[:audience.MaxTagsPerPerson] {
		if err := f.aud.TagFollowers(ctx, f.a.ID, id, []int64{p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.aud.TagFollowers(ctx, f.a.ID, tags[20], []int64{p}); code(err) != 45059 {
		t.Errorf("21st tag: %v", err)
	}
	if err := f.aud.SetTags(ctx, f.a.ID, p, tags[:21]); code(err) != 45059 {
		t.Errorf("SetTags 21: %v", err)
	}
	if got, _ := f.aud.TagIDs(ctx, f.a.ID, p); len(got) != 20 {
		t.Errorf("a refused change altered tags: %d", len(got))
	}
	if err := f.aud.SetTags(ctx, f.a.ID, p, []int64{tags[0], tags[50]}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.aud.TagIDs(ctx, f.a.ID, p); fmt.Sprint(got) != fmt.Sprint([]int64{tags[0], tags[50]}) {
		t.Errorf("after SetTags: %v", got)
	}
	if tg, _ := f.aud.Tag(ctx, f.a.ID, tags[1]); tg.Count != 0 {
		t.Errorf("count of a removed tag: %d", tg.Count)
	}
	if err := f.aud.SetTags(ctx, f.a.ID, p, []int64{9999}); code(err) != 45159 {
		t.Errorf("unknown tag: %v", err)
	}
}

func TestFollowerListSearchRemarkBlacklist(t *testing.T) {
	f := setup(t, 3)
	ctx := context.Background()
	mei, bob := f.people[0], f.people[1]
	if err := f.follows.SetRemark(ctx, f.a.ID, bob.ID, "Bob from the 50% club"); err != nil {
		t.Fatal(err)
	}
	if err := f.follows.SetRemark(ctx, f.a.ID, bob.ID, strings.Repeat("r", 31)); err == nil {
		t.Error("31-character remark accepted")
	}
	if err := f.follows.SetRemark(ctx, f.b.ID, bob.ID, "not yours"); err == nil {
		t.Error("B set a remark on A's follower")
	}
	names := func(q audience.Query) string {
		list, err := f.aud.Followers(ctx, f.a.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range list {
			out = append(out, x.DisplayName)
		}
		return strings.Join(out, ",")
	}
	if got := names(audience.Query{}); got != "Ana Silva,Bob Stone,Mei Lin" {
		t.Errorf("all, newest first: %s", got)
	}
	if got := names(audience.Query{Search: "MEI"}); got != "Mei Lin" {
		t.Errorf("search by name: %s", got)
	}
	if got := names(audience.Query{Search: "50%"}); got != "Bob Stone" {
		t.Errorf("search by remark with a wildcard character: %s", got)
	}
	if got := names(audience.Query{Search: "%"}); got != "Bob Stone" {
		t.Errorf("%% is literal: %s", got)
	}
	first, _ := f.aud.Followers(ctx, f.a.ID, audience.Query{Limit: 1})
	if len(first) != 1 {
		t.Fatalf("first page: %+v", first)
	}
	if got := names(audience.Query{Limit: 1, After: new(first[0].Cursor())}); got != "Bob Stone" {
		t.Errorf("paging: %s", got)
	}
	tg, _ := f.aud.CreateTag(ctx, f.a.ID, "Tea lovers")
	_ = f.aud.TagFollowers(ctx, f.a.ID, tg.ID, []int64{mei.ID})
	if got := names(audience.Query{TagID: tg.ID}); got != "Mei Lin" {
		t.Errorf("by tag: %s", got)
	}
	if err := f.aud.SetBlacklisted(ctx, f.a.ID, []int64{mei.ID}, true); err != nil {
		t.Fatal(err)
	}
	if got := names(audience.Query{Blocked: true}); got != "Mei Lin" {
		t.Errorf("blacklist: %s", got)
	}
	if fl, _ := f.follows.Get(ctx, f.a.ID, mei.ID); !fl.Blocked {
		t.Error("blacklisting did not set follows.blocked")
	}
	if err := f.aud.SetBlacklisted(ctx, f.b.ID, []int64{mei.ID}, true); code(err) != 49003 {
		t.Errorf("B blacklisting a non-follower: %v", err)
	}
	if err := f.aud.SetBlacklisted(ctx, f.a.ID, make([]int64, 21), true); code(err) != 40032 {
		t.Errorf("21 at once: %v", err)
	}
	// Account B sees none of A's followers.
	if list, _ := f.aud.Followers(ctx, f.b.ID, audience.Query{}); len(list) != 0 {
		t.Errorf("B sees %d of A's followers", len(list))
	}
	one, err := f.aud.Follower(ctx, f.a.ID, mei.ID)
	if err != nil || !one.Blocked || len(one.TagIDs) != 1 || one.OpenID == "" {
		t.Errorf("one follower: %+v, %v", one, err)
	}
}

// BenchmarkFollowersPage lists the newest page of 50 followers of an
// account with 20,000 followers, as the console's Followers page does.
func BenchmarkFollowersPage(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Bench Bank", Status: account.StatusActive})
	if err != nil {
		b.Fatal(err)
	}
	const n = 20000
	ids := make([]int64, 0, n)
	err = d.Tx(ctx, func(tx *db.Tx) error {
		for i := range n {
			id := int64(1_000_000 + i)
			if _, err := tx.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 0, 0)`,
				id, fmt.Sprintf("fan%05d", i), fmt.Sprintf("Fan %d", i)); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	_ = users
	for i := 0; i < n; i += 1000 {
		c.Advance(time.Second)
		if _, err := follows.FollowMany(ctx, a.ID, ids[i:i+1000], follow.SourceSearch); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	s := audience.NewStore(d, c, follows)
	b.ResetTimer()
	for b.Loop() {
		list, err := s.Followers(ctx, a.ID, audience.Query{Limit: 51})
		if err != nil || len(list) != 51 {
			b.Fatalf("%d, %v", len(list), err)
		}
	}
}
