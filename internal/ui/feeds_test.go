package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
)

// publishNow publishes a one-article draft through the store and its engine.
func publishNow(t *testing.T, s *apptest.Server, a *account.Account, owner int64, title string) *publish.Publication {
	t.Helper()
	return sendNow(t, s, a.ID, owner, publish.ModePublish, publish.ArticleInput{
		Title: title, Digest: "About " + title, Body: "Steep **" + title + "**. <script>alert(1)</script>"})
}

// sendNow saves a draft of the articles, sends it in mode (publish.ModePublish
// or ModeMass) and runs the job through the engine; it returns the
// publication as it is after the send.
func sendNow(t *testing.T, s *apptest.Server, accountID, owner int64, mode string, articles ...publish.ArticleInput) *publish.Publication {
	t.Helper()
	ctx := context.Background()
	draft, err := s.App.Publish.SaveDraft(ctx, accountID, owner, 0, publish.DraftInput{Articles: articles})
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.App.Publish.Send(ctx, accountID, owner, draft.ID, publish.SendOptions{Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.PublishEngine.Run(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	p, err := s.App.Publish.Publication(ctx, accountID, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPublicProfileAndFeeds(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	ownerID, _ := s.App.Accounts.Members(context.Background(), a.ID)
	p := publishNow(t, s, a, ownerID[0].PersonID, "Green tea")
	anon := s.Client(t)
	profile := fmt.Sprintf("/a/%d", a.ID)
	rss, atom := profile+"/rss.xml", profile+"/atom.xml"

	// Anyone can read the profile; it points feed readers at the feeds and is indexable.
	res := anon.Get(profile)
	if res.Status != 200 || !res.Contains(`data-testid="public-profile"`) || !res.Contains("Green tea") ||
		!res.Contains(`<link rel="alternate" type="application/rss+xml" title="Lotus Tea House (RSS)" href="`+rss+`">`) ||
		!res.Contains(`<link rel="alternate" type="application/atom+xml" title="Lotus Tea House (Atom)" href="`+atom+`">`) {
		t.Fatalf("public profile: %d\n%s", res.Status, res.Body)
	}
	if res.Contains(`name="robots"`) || res.Header.Get("X-Robots-Tag") != "" {
		t.Errorf("profile is not indexable by default")
	}
	// A signed-in person gets the follower's profile, which links the feeds too.
	res = owner.Get(profile)
	if res.Status != 200 || res.Contains(`data-testid="public-profile"`) || !res.Contains(`href="`+rss+`"`) {
		t.Errorf("signed-in profile: %d", res.Status)
	}

	// The feed, with validators, and 304 for conditional requests.
	res = anon.Get(rss)
	etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/rss+xml") || etag == "" || lastMod == "" ||
		!res.Contains("<title>Green tea</title>") || !res.Contains(s.URL+publish.ArticlePath(p.FirstArticleID)) {
		t.Fatalf("rss: %d %v\n%s", res.Status, res.Header, res.Body)
	}
	if res.Contains("content:encoded>") {
		t.Errorf("excerpt feed carries full text")
	}
	cond := func(path string, h map[string]string) *apptest.Response {
		req := anon.NewRequest(http.MethodGet, path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return anon.Do(req)
	}
	if res := cond(rss, map[string]string{"If-None-Match": etag}); res.Status != http.StatusNotModified || res.Body != "" || res.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d %q", res.Status, res.Body)
	}
	if res := cond(rss, map[string]string{"If-Modified-Since": lastMod}); res.Status != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", res.Status)
	}
	if res := cond(rss, map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lastMod}); res.Status != 200 {
		t.Errorf("If-None-Match wins over If-Modified-Since: %d", res.Status)
	}
	res = anon.Get(atom)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") || res.Header.Get("ETag") == etag {
		t.Errorf("atom: %d %v", res.Status, res.Header)
	}

	// A new article changes the feed: the old validators no longer match.
	s.Clock.Advance(2e9)
	publishNow(t, s, a, ownerID[0].PersonID, "Oolong")
	if res := cond(rss, map[string]string{"If-None-Match": etag}); res.Status != 200 || !res.Contains("Oolong") || res.Header.Get("ETag") == etag {
		t.Errorf("after publishing: %d", res.Status)
	}
	if res := cond(rss, map[string]string{"If-Modified-Since": lastMod}); res.Status != 200 {
		t.Errorf("after publishing, If-Modified-Since: %d", res.Status)
	}

	// The owner chooses full text and opts out of indexing.
	res = owner.Get(fmt.Sprintf("/mp/a/%d/feeds", a.ID))
	if res.Status != 200 || !res.Contains(s.URL+rss) {
		t.Fatalf("feeds page: %d\n%s", res.Status, res.Body)
	}
	res = owner.PostForm(fmt.Sprintf("/mp/a/%d/feeds", a.ID), url.Values{"content": {"full"}, "noindex": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save feeds: %d\n%s", res.Status, res.Body)
	}
	res = anon.Get(rss)
	if !res.Contains("<content:encoded>&lt;p&gt;Steep &lt;strong&gt;Oolong&lt;/strong&gt;") {
		t.Errorf("full-text feed:\n%s", res.Body)
	}
	if res.Contains("alert(1)") || res.Header.Get("X-Robots-Tag") != "noindex" {
		t.Errorf("full text not sanitised or indexable: %v\n%s", res.Header, res.Body)
	}
	res = anon.Get(profile)
	if !res.Contains(`<meta name="robots" content="noindex">`) || res.Header.Get("X-Robots-Tag") != "noindex" {
		t.Errorf("opted-out profile is indexable: %v", res.Header)
	}

	// Suspended: no articles, an empty channel; terminated: gone.
	if _, err := s.App.DB.Exec(context.Background(), `UPDATE accounts SET status = 'suspended' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	res = anon.Get(profile)
	if res.Status != 200 || !res.Contains(`data-testid="suspended"`) || res.Contains("Oolong") || res.Contains(`type="application/rss+xml"`) {
		t.Errorf("suspended profile: %d\n%s", res.Status, res.Body)
	}
	if res = anon.Get(rss); res.Status != 200 || res.Contains("<item>") || !res.Contains("suspended") {
		t.Errorf("suspended rss: %d\n%s", res.Status, res.Body)
	}
	if _, err := s.App.DB.Exec(context.Background(), `UPDATE accounts SET status = 'terminated' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{profile, rss, atom} {
		if res := anon.Get(path); res.Status != http.StatusGone {
			t.Errorf("terminated %s: %d", path, res.Status)
		}
	}
	if res := anon.Get("/a/999999/rss.xml"); res.Status != http.StatusNotFound {
		t.Errorf("unknown account feed: %d", res.Status)
	}
}
