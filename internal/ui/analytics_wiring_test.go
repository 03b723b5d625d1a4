package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// Reading, reacting, commenting and the Subscriptions folder are captured
// with the right surface and person; previews are not.
func TestPublishingActionsAreCaptured(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, _ := anAccount(t, s, "Tea")
	ctx := context.Background()
	mia, fc := follower(t, s, "mia")
	wantStatus(t, fc.PostForm(fmt.Sprintf("/a/%d/follow", a.ID), url.Values{"source": {"search"}}), http.StatusSeeOther)
	owner, err := s.App.Accounts.Members(ctx, a.ID)
	if err != nil || len(owner) == 0 {
		t.Fatalf("members: %v", err)
	}
	p := sendNow(t, s, a.ID, owner[0].PersonID, publish.ModeMass,
		publish.ArticleInput{Title: "Spring teas", Author: "Lin", Body: "Fresh leaves.", CommentsOpen: true})
	art := p.FirstArticleID

	wantStatus(t, fc.Get("/subscriptions"), http.StatusOK)
	req := fc.NewRequest(http.MethodGet, publish.ArticlePath(art), nil)
	req.Header.Set("Referer", s.URL+"/subscriptions")
	wantStatus(t, fc.Do(req), http.StatusOK)
	wantStatus(t, fc.PostForm(publish.ArticlePath(art)+"/react", url.Values{"kind": {"like"}}), http.StatusSeeOther)
	wantStatus(t, fc.PostForm(publish.ArticlePath(art)+"/comments", url.Values{"body": {"Lovely."}}), http.StatusSeeOther)

	anWaitEvents(t, s, a.ID, analytics.KindRead, 1)
	anWaitEvents(t, s, a.ID, analytics.KindLike, 1)
	anWaitEvents(t, s, a.ID, analytics.KindComment, 1)
	anWaitEvents(t, s, a.ID, analytics.KindImpression, 1)
	var surface string
	var person, object int64
	if err := s.App.DB.QueryRow(ctx, `SELECT surface, person_id, object_id FROM analytics_events WHERE account_id = ? AND kind = 'read'`, a.ID).Scan(&surface, &person, &object); err != nil {
		t.Fatal(err)
	}
	if surface != analytics.SurfaceFolder || person != mia.ID || object != art {
		t.Errorf("read recorded as %s by %d of %d, want folder by mia (%d) of %d", surface, person, object, mia.ID, art)
	}
}

// A Service account's mass send arrives as a card in the chat: opening the
// chat records an impression of its first article with surface "chat".
func TestChatPublicationImpressionsAreCaptured(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "bankowner", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Bank", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	mia, fc := follower(t, s, "mia")
	wantStatus(t, fc.PostForm(fmt.Sprintf("/a/%d/follow", a.ID), url.Values{"source": {"search"}}), http.StatusSeeOther)
	p := sendNow(t, s, a.ID, owner.ID, publish.ModeMass,
		publish.ArticleInput{Title: "Saving tips", Author: "Hana", Body: "Save a little every day."})
	wantStatus(t, fc.Get(fmt.Sprintf("/chat/%d", a.ID)), http.StatusOK)
	anWaitEvents(t, s, a.ID, analytics.KindImpression, 1)
	var surface string
	var person, object int64
	if err := s.App.DB.QueryRow(ctx, `SELECT surface, person_id, object_id FROM analytics_events WHERE account_id = ? AND kind = 'impression'`, a.ID).Scan(&surface, &person, &object); err != nil {
		t.Fatal(err)
	}
	if surface != analytics.SurfaceChat || person != mia.ID || object != p.FirstArticleID {
		t.Errorf("impression recorded as %s by %d of %d, want chat by mia (%d) of %d", surface, person, object, mia.ID, p.FirstArticleID)
	}
}
