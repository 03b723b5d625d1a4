package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// TestMassSendAsksFirst: on a phone, choosing a mass send in the editor
// shows who gets it and the month's quota it spends, and nothing goes out
// until the owner confirms.
func TestMassSendAsksFirst(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "lin", "owner password 1", user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"mia", "kai", "noa"} {
		p := s.CreatePerson(t, u, "reader password 1", user.RoleNone)
		if _, err := s.App.Follows.Follow(ctx, a.ID, p.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
	}
	draft, err := s.App.Publish.SaveDraft(ctx, a.ID, owner.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring oolong has arrived", Author: "Lin", Body: "Fresh leaves from the spring harvest.", CommentsOpen: true}}})
	if err != nil {
		t.Fatal(err)
	}
	jobs := func() int {
		list, err := s.App.Publish.Jobs(ctx, a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	tab := Browser(t)
	signIn(t, tab, s, "lin", "owner password 1", fmt.Sprintf("/mp/a/%d/publish/d/%d", a.ID, draft.ID), `[data-testid=publish-box]`)
	do(t, tab, "choose a mass send and publish",
		chromedp.Click(chromedp.CSS(`[data-testid=mode-mass]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=publish]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=mass-confirm]`)),
	)
	audience := run(t, tab, "read the audience", chromedp.TextContent(chromedp.CSS(`[data-testid=confirm-audience]`)))
	if !strings.Contains(audience, "3 followers") {
		t.Errorf("the confirmation says %q, want the 3 followers", audience)
	}
	quota := run(t, tab, "read the quota", chromedp.TextContent(chromedp.CSS(`[data-testid=confirm-quota]`)))
	if !strings.Contains(quota, "uses 1 of the") || !strings.Contains(quota, "left") {
		t.Errorf("the confirmation says %q about the quota", quota)
	}
	if n := jobs(); n != 0 {
		t.Fatalf("%d send jobs exist before the owner confirmed", n)
	}
	// The button is on screen without scrolling, on a phone.
	inView := run(t, tab, "place the send button", chromedp.Evaluate[bool](`(() => {
		const r = document.querySelector("[data-testid=confirm-send]").getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth; })()`))
	if !inView {
		t.Error("the send button of the confirmation is not fully on the phone's screen")
	}
	checkFitsPhone(t, tab, "mass-send confirmation")
	do(t, tab, "confirm", chromedp.Click(chromedp.CSS(`[data-testid=confirm-send]`)),
		chromedp.WaitVisible(byText("div", "Mass send started.")))
	if n := jobs(); n != 1 {
		t.Errorf("%d send jobs after the confirmation, want 1", n)
	}
}
