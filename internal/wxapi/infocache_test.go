package wxapi_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
	infoOf := func(tok, openid string) string {
		t.Helper()
		req := mustReq(t, "GET", c.base+"/cgi-bin/user/info?"+url.Values{"access_token": {tok}, "openid": {openid}}.Encode())
		_, b, res := c.do(req)
		if res.StatusCode != 200 || !strings.Contains(string(b), `"openid"`) {
			t.Fatalf("user/info: %d %s", res.StatusCode, b)
		}
		return string(b)
	}
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
