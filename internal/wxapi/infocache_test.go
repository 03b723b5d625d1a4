package wxapi_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/wxapi"
)

// TestUserInfoCacheSeesEveryWrite: user/info's answers are cached
// (infocache.go), and every write that changes an answer shows in the next
// call on the same node. Each case reads the answer (so that it is
// cached), reads it again (from the cache: the same), writes, and
// requires the changed answer at once. A write that declares its scope
// (db.Tx.ScopeFollower, ScopeAccount) must keep the cached answers outside
// it: another follower's of the account for a follower's write, another
// account's follower's for an account's; a write that declares none drops
// them all.
func TestUserInfoCacheSeesEveryWrite(t *testing.T) {
	h, c, tok := start(t)
	ctx := context.Background()
	a := h.Internal().App
	acc := h.Service
	tagID := func(name string) int64 {
		t.Helper()
		r := c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]any{"name": name}})
		m, _ := r["tag"].(map[string]any)
		id, _ := m["id"].(float64)
		if id == 0 {
			t.Fatalf("tags/create: %v", r)
		}
		return int64(id)
	}
	vip, news := tagID("vip"), tagID("news")
	f := acc.Followers[0]
	neighbour := h.NewFollower(acc) // same account, another follower
	other := h.NewAccount("Other", "service", true)
	stranger := h.NewFollower(other) // another account's follower
	otherTok := c.token(other)
	wxapi.FreezeInfoClock(a.API)
	infoOf := func(tok, openid string) string { t.Helper(); return userInfoBody(t, c, tok, openid) }
	info := func() string { t.Helper(); return infoOf(tok, f.OpenID) }
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api := func(path string, body any) func() {
		return func() { wantCode(t, path, c.post(path, tok, body), 0) }
	}
	csv := func(text string) func() {
		return func() {
			rep, err := portability.ImportFollowerCSV(ctx, a.DB, acc.ID, strings.NewReader(text), false)
			ok(err)
			if !rep.OK() {
				t.Fatalf("CSV import: %+v", rep.Errors)
			}
		}
	}
	const (
		follower = "the follower" // declared scope: the written follower
		account  = "the account"  // declared scope: the follower's account
		all      = "every answer" // no declared scope
	)
	for _, tc := range []struct {
		name  string
		write func()
		want  string // in the new answer
		drops string // whose cached answers the write drops
	}{
		{"API remark", api("/cgi-bin/user/info/updateremark", map[string]any{"openid": f.OpenID, "remark": "by api"}), `"remark":"by api"`, follower},
		{"console remark", func() { ok(a.Follows.SetRemark(ctx, acc.ID, f.PersonID, "by console")) }, `"remark":"by console"`, follower},
		{"API tagging", api("/cgi-bin/tags/members/batchtagging", map[string]any{"openid_list": []string{f.OpenID}, "tagid": vip}), `"tagid_list":[` + itoa(vip) + `]`, account},
		{"console tags", func() { ok(a.Audience.SetTags(ctx, acc.ID, f.PersonID, []int64{vip, news})) }, `"tagid_list":[` + itoa(vip) + `,` + itoa(news) + `]`, account},
		{"API untagging", api("/cgi-bin/tags/members/batchuntagging", map[string]any{"openid_list": []string{f.OpenID}, "tagid": vip}), `"tagid_list":[` + itoa(news) + `]`, account},
		{"console tagging", func() { ok(a.Audience.TagFollowers(ctx, acc.ID, vip, []int64{f.PersonID})) }, `"tagid_list":[` + itoa(news) + `,` + itoa(vip) + `]`, account},
		{"console untagging", func() { ok(a.Audience.UntagFollowers(ctx, acc.ID, news, []int64{f.PersonID})) }, `"tagid_list":[` + itoa(vip) + `]`, account},
		{"tag deleted", api("/cgi-bin/tags/delete", map[string]any{"tag": map[string]any{"id": vip}}), `"tagid_list":[]`, all},
		{"CSV remark", csv("openid,remark\n" + f.OpenID + ",from csv\n"), `"remark":"from csv"`, all},
		{"CSV tags", csv("openid,tags\n" + f.OpenID + ",news\n"), `"tagid_list":[` + itoa(news) + `]`, all},
		{"unfollow", func() { ok(h.Unfollow(acc, f)) }, `"subscribe":0`, follower},
		{"follow again", func() { _, err := h.Follow(acc, f, "", ""); ok(err) }, `"subscribe":1`, follower},
	} {
		infoOf(tok, neighbour.OpenID)
		infoOf(otherTok, stranger.OpenID)
		before := info()
		if !wxapi.InfoCached(a.API, acc.ID, f.OpenID) {
			t.Fatalf("%s: the answer was not cached", tc.name)
		}
		if again := info(); again != before {
			t.Fatalf("%s: two reads without a write differ:\n%s\n%s", tc.name, before, again)
		}
		tc.write()
		if kept := wxapi.InfoCached(a.API, acc.ID, neighbour.OpenID); kept != (tc.drops == follower) {
			t.Errorf("%s (drops %s): another follower's cached answer of the account kept: %v, want %v", tc.name, tc.drops, kept, !kept)
		}
		if kept := wxapi.InfoCached(a.API, other.ID, stranger.OpenID); kept != (tc.drops != all) {
			t.Errorf("%s (drops %s): another account's follower's cached answer kept: %v, want %v", tc.name, tc.drops, kept, !kept)
		}
		if wxapi.InfoCached(a.API, acc.ID, f.OpenID) {
			t.Errorf("%s: the follower's own answer is still cached after the write", tc.name)
		}
		after := info()
		if after == before || !strings.Contains(after, tc.want) {
			t.Errorf("%s: answer after the write\n%s\nwant it to hold %s (before: %s)", tc.name, after, tc.want, before)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUserInfoReadAhead: an answer served in the second half of its life
// is read again in the background (in a batch with others), so that a
// follower asked about often is still answered from the cache after the
// first answer's 2 s are over, and what is read ahead is byte for byte
// the answer a miss reads.
func TestUserInfoReadAhead(t *testing.T) {
	h, c, tok := start(t)
	a := h.Internal().App
	acc := h.Service
	f, g := acc.Followers[0], h.NewFollower(acc)
	wantCode(t, "updateremark", c.post("/cgi-bin/user/info/updateremark", tok, map[string]any{"openid": f.OpenID, "remark": `a "quoted" remark`}), 0)
	r := c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]any{"name": "vip"}})
	tag, _ := r["tag"].(map[string]any)
	wantCode(t, "batchtagging", c.post("/cgi-bin/tags/members/batchtagging", tok, map[string]any{"openid_list": []string{f.OpenID}, "tagid": tag["id"]}), 0)
	var mu sync.Mutex
	now := time.Unix(1_900_000_000, 0)
	wxapi.SetInfoClock(a.API, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	info := func(openid string) string { t.Helper(); return userInfoBody(t, c, tok, openid) }
	first := map[string]string{f.OpenID: info(f.OpenID), g.OpenID: info(g.OpenID)}
	read := wxapi.InfoReadAt(a.API, acc.ID, f.OpenID)
	advance(1100 * time.Millisecond) // past half of 2 s
	for _, o := range []string{f.OpenID, g.OpenID} {
		if got := info(o); got != first[o] {
			t.Fatalf("a cached answer differs from the first:\n%s\n%s", got, first[o])
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, o := range []string{f.OpenID, g.OpenID} {
		for !wxapi.InfoReadAt(a.API, acc.ID, o).After(read) {
			if time.Now().After(deadline) {
				t.Fatalf("the answer of %s served at 1.1 s was not read again", o)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	advance(time.Second) // 2.1 s after the first read: only the answer read ahead is valid
	ahead := map[string]string{}
	for _, o := range []string{f.OpenID, g.OpenID} {
		if !wxapi.InfoCached(a.API, acc.ID, o) {
			t.Fatalf("the answer of %s read ahead is not served 2.1 s after the first read", o)
		}
		ahead[o] = info(o)
	}
	for _, o := range []string{f.OpenID, g.OpenID} {
		ahead := ahead[o]
		a.DB.FollowerDataChanged() // the next call misses and reads the follower alone
		if miss := info(o); ahead != miss || ahead != first[o] {
			t.Errorf("the answer read ahead differs from a miss's:\n%s\n%s\n(first %s)", ahead, miss, first[o])
		}
	}
	// A write after the answer was read ahead still shows at once.
	wantCode(t, "updateremark", c.post("/cgi-bin/user/info/updateremark", tok, map[string]any{"openid": f.OpenID, "remark": "new"}), 0)
	if got := info(f.OpenID); !strings.Contains(got, `"remark":"new"`) {
		t.Errorf("after a remark: %s", got)
	}
}

// userInfoBody returns the body of a successful user/info answer about
// openid, byte for byte.
func userInfoBody(t *testing.T, c *client, tok, openid string) string {
	t.Helper()
	req := mustReq(t, "GET", c.base+"/cgi-bin/user/info?"+url.Values{"access_token": {tok}, "openid": {openid}}.Encode())
	_, b, res := c.do(req)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"openid"`) {
		t.Fatalf("user/info: %d %s", res.StatusCode, b)
	}
	return string(b)
}
