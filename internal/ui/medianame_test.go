package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

var mediaSrc = regexp.MustCompile(`/media/M[0-9a-z]+(-[0-9a-f]+)?`)

// Library media ids are time-ordered, so ids can be guessed: an
// unpublished file answers only at the address Herald hands out, to the
// account's console, to followers it was sent to and to readers of the
// article that publishes it; guessed ids and other accounts' probes get 404.
func TestLibraryMediaCannotBeEnumerated(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Service)
	ctx := context.Background()
	b, other := pubOwner(t, s, "oda", "Other Tea", account.Service)
	up := func(accountID int64, kind, name string, data []byte) *publish.Asset {
		as, err := s.App.Publish.Upload(ctx, accountID, kind, name, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	cover := up(a.ID, publish.AssetImage, "cover.png", tinyPNG(t))
	inline := up(a.ID, publish.AssetImage, "inline.png", tinyPNG(t))
	voice := up(a.ID, publish.AssetVoice, "hello.amr", append([]byte("#!AMR\n"), make([]byte, 100)...))
	theirs := up(b.ID, publish.AssetImage, "theirs.png", tinyPNG(t))
	anon := s.Client(t)
	status := func(c *apptest.Client, path string) int { return c.Get(path).Status }

	// Guessing: the plain ids, their neighbours and made-up tokens are 404
	// for anyone, the owner's own console included.
	v, _ := publish.ParseID("M", cover.MediaID)
	for _, path := range []string{publish.MediaPath(cover.MediaID), publish.MediaPath(voice.MediaID), publish.MediaPath(publish.MediaID(v + 1)),
		publish.MediaPath(publish.MediaID(v - 1)), "/media/" + cover.MediaID + "-" + theirs.Token, "/media/" + voice.MediaID + "-" + strings.Repeat("0", 32)} {
		for who, c := range map[string]*apptest.Client{"anonymous": anon, "the owner": owner, "another account": other} {
			if got := status(c, path); got != http.StatusNotFound {
				t.Errorf("%s: GET %s = %d, want 404", who, path, got)
			}
		}
	}
	// The owner's console lists the files at their unguessable addresses,
	// which load; another account's console does not list them.
	lib := owner.Get(fmt.Sprintf("/mp/a/%d/media", a.ID))
	if !lib.Contains(cover.URL()) || !lib.Contains(voice.URL()) || lib.Contains(theirs.Token) {
		t.Errorf("owner's library page lacks its addresses, or shows another account's")
	}
	for _, as := range []*publish.Asset{cover, voice} {
		if got := status(owner, as.URL()); got != http.StatusOK {
			t.Errorf("owner GET %s = %d", as.URL(), got)
		}
	}
	if res := other.Get(fmt.Sprintf("/mp/a/%d/media", a.ID)); res.Status == http.StatusOK || res.Contains(cover.Token) {
		t.Errorf("another account's member opens the library: %d", res.Status)
	}

	// A draft's preview sent to a follower: its cover and images load
	// for the follower who received it.
	fan := s.CreatePerson(t, "fan", pubPW, user.RoleNone)
	if _, err := s.App.Follows.FollowMany(ctx, a.ID, []int64{fan.ID}, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	follower := s.Client(t)
	follower.SignIn("fan", pubPW)
	p, err := s.App.Publish.SaveDraft(ctx, a.ID, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring harvest",
		CoverMediaID: cover.MediaID, CommentsOpen: true, Body: "![leaf](/media/" + inline.MediaID + ")"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Publish.PreviewTo(ctx, a.ID, fan.ID, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	var sent string
	if err := s.App.DB.QueryRow(ctx, `SELECT body FROM messages WHERE account_id = ? AND person_id = ?`, a.ID, fan.ID).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sent, cover.URL()) {
		t.Fatalf("the preview card does not carry the cover's address: %s", sent)
	}
	if got := status(follower, cover.URL()); got != http.StatusOK {
		t.Errorf("follower GET the preview's cover = %d", got)
	}
	preview := follower.Get(p.PreviewPath(p.Articles[0].ID))
	srcs := mediaSrc.FindAllString(preview.Body, -1)
	if preview.Status != http.StatusOK || len(srcs) == 0 {
		t.Fatalf("preview page: %d, images %v", preview.Status, srcs)
	}
	for _, src := range srcs {
		if got := status(follower, src); got != http.StatusOK {
			t.Errorf("follower GET %s from the preview = %d", src, got)
		}
	}

	// Published: readers of the article get its images at the addresses
	// the page gives and at the plain ones stored articles and sent
	// messages hold; the voice nobody published stays private.
	j, err := s.App.Publish.Send(ctx, a.ID, 0, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = s.App.PublishEngine.Run(ctx, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v", err)
	}
	page := anon.Get(publish.ArticlePath(p.Articles[0].ID))
	srcs = mediaSrc.FindAllString(page.Body, -1)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, inline.URL()) {
		t.Fatalf("article page: %d, images %v", page.Status, srcs)
	}
	for _, path := range append(srcs, publish.MediaPath(cover.MediaID), publish.MediaPath(inline.MediaID)) {
		if got := status(anon, path); got != http.StatusOK {
			t.Errorf("reader GET %s = %d", path, got)
		}
	}
	if got := status(anon, publish.MediaPath(voice.MediaID)); got != http.StatusNotFound {
		t.Errorf("an unpublished voice at its plain address after publishing = %d", got)
	}
}
