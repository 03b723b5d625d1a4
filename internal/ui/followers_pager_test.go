package ui_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

var (
	followerRow = regexp.MustCompile(`href="/mp/a/\d+/followers/(\d+)" class="follower-link"`)
	pagerLink   = regexp.MustCompile(`href="([^"]*)"[^>]*data-testid="followers-(newest|prev|next)"`)
	returnTo    = regexp.MustCompile(`name="return" value="([^"]*)"`)
)

// followersPage is what one load of the console's followers list shows:
// the people listed, in order, and the pager's links.
type followersPage struct {
	ids   []string
	links map[string]string
}

func readFollowersPage(t *testing.T, res *apptest.Response) followersPage {
	t.Helper()
	status(t, res, http.StatusOK)
	p := followersPage{links: map[string]string{}}
	for _, m := range followerRow.FindAllStringSubmatch(res.Body, -1) {
		p.ids = append(p.ids, m[1])
	}
	for _, m := range pagerLink.FindAllStringSubmatch(res.Body, -1) {
		p.links[m[2]] = html.UnescapeString(m[1])
	}
	if m := returnTo.FindStringSubmatch(res.Body); m != nil {
		p.links["return"] = html.UnescapeString(m[1])
	}
	return p
}

// The console's followers list, 50 a page, is walked with its Next page
// link from the newest page to the last and back with Previous page: every
// follower once and in order (most of them followed in the same
// transaction, at the same time), under a tag filter too; a bulk action
// comes back to the page it was made on.
func TestFollowersPagerWalksTheList(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	hana := w.client(t, "hana")
	var ids []int64
	for i := range 120 {
		p, err := w.s.App.Users.Create(w.ctx, user.NewPerson{Username: fmt.Sprintf("fan%03d", i), DisplayName: fmt.Sprintf("Fan %03d", i), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if _, err := w.s.App.Follows.FollowMany(w.ctx, w.a.ID, ids, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	tag, err := w.s.App.Audience.CreateTag(w.ctx, w.a.ID, "Thirds")
	if err != nil {
		t.Fatal(err)
	}
	var thirds []int64
	for i := 0; i < len(ids); i += 3 {
		thirds = append(thirds, ids[i])
	}
	for chunk := range slices.Chunk(thirds, audience.MaxBatch) {
		if err := w.s.App.Audience.TagFollowers(w.ctx, w.a.ID, tag.ID, chunk); err != nil {
			t.Fatal(err)
		}
	}
	order := func(q audience.Query) []string {
		q.Limit = 200
		list, err := w.s.App.Audience.Followers(w.ctx, w.a.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range list {
			out = append(out, fmt.Sprint(f.PersonID))
		}
		return out
	}
	base := w.mp(w.a, "followers")
	for _, tc := range []struct {
		filter string
		want   []string
		pages  int
	}{{"", order(audience.Query{}), 3}, {"?tag=" + fmt.Sprint(tag.ID), order(audience.Query{TagID: tag.ID}), 1}} {
		page := readFollowersPage(t, hana.Get(base+tc.filter))
		if page.links["prev"] != "" || page.links["newest"] != "" {
			t.Errorf("%q: the newest page links to newer ones: %v", tc.filter, page.links)
		}
		var forward []string
		var visited []followersPage
		for {
			forward = append(forward, page.ids...)
			visited = append(visited, page)
			next := page.links["next"]
			if next == "" || len(visited) > 10 {
				break
			}
			page = readFollowersPage(t, hana.Get(base+next))
		}
		if !slices.Equal(forward, tc.want) || len(visited) != tc.pages {
			t.Errorf("%q: Next page through %d pages listed\n%v\nwant (%d pages)\n%v", tc.filter, len(visited), forward, tc.pages, tc.want)
		}
		for i := len(visited) - 1; i > 0; i-- {
			prev := readFollowersPage(t, hana.Get(base+visited[i].links["prev"]))
			if !slices.Equal(prev.ids, visited[i-1].ids) {
				t.Errorf("%q: Previous page from page %d lists %v, want %v", tc.filter, i+1, prev.ids, visited[i-1].ids)
			}
			if first := readFollowersPage(t, hana.Get(base+visited[i].links["newest"])); !slices.Equal(first.ids, visited[0].ids) {
				t.Errorf("%q: Newest from page %d lists %v", tc.filter, i+1, first.ids)
			}
		}
	}

	// Tag two followers on the second page of the unfiltered list: back on
	// the second page.
	first := readFollowersPage(t, hana.Get(base))
	second := readFollowersPage(t, hana.Get(base+first.links["next"]))
	here := second.links["return"]
	if here != first.links["next"] {
		t.Errorf("the bulk form on the second page returns to %q, not to that page (%q)", here, first.links["next"])
	}
	res := hana.PostForm(w.mp(w.a, "followers/bulk"), url.Values{"do": {"tag"}, "tag": {fmt.Sprint(tag.ID)},
		"person": {second.ids[0], second.ids[1]}, "return": {here}})
	status(t, res, http.StatusSeeOther)
	if again := readFollowersPage(t, hana.Get(res.Location)); !slices.Equal(again.ids, second.ids) {
		t.Errorf("after a bulk action on the second page (back at %q) the list shows %v, want %v", res.Location, again.ids, second.ids)
	}
}
