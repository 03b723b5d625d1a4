package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/user"
)

// TestMenuRollbackReachesTheFollower: the owner changes the menu, then on a
// 360 px phone opens the menu history, compares the two versions and rolls
// back in one click; the follower's conversation shows the old menu again.
func mustOpenID(t *testing.T, s *apptest.Server, accountID, personID int64) string {
	t.Helper()
	f, err := s.App.Follows.Get(context.Background(), accountID, personID)
	if err != nil {
		t.Fatal(err)
	}
	return f.OpenID
}

func TestMenuRollbackReachesTheFollower(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	hana, err := s.App.Users.Create(ctx, user.NewPerson{Username: "hana", DisplayName: "Hana Harbour", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	mei, err := s.App.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei Lin", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	by := confver.WithAuthor(ctx, confver.Author{PersonID: hana.ID, Name: "Hana Harbour"})
	if _, err := s.App.Menus.SetDefault(by, bank.ID, []menu.Button{{Type: menu.TypeClick, Name: "Rates", Key: "RATES"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(by, bank.ID, []menu.Button{{Type: menu.TypeClick, Name: "Loans", Key: "LOANS"}}); err != nil {
		t.Fatal(err)
	}

	fan := Browser(t)
	msgSignIn(t, fan, s, "mei", pw)
	chat := fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)
	menubar := func() string {
		t.Helper()
		do(t, fan, "open the conversation", chromedp.Navigate(chat), chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)))
		return run(t, fan, "read the menu", chromedp.Text(chromedp.CSS(`[data-testid=menubar]`)))
	}
	if got := menubar(); !strings.Contains(got, "Loans") || strings.Contains(got, "Rates") {
		t.Fatalf("menu before the rollback: %q", got)
	}

	owner := Browser(t)
	do(t, owner, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 780, chromedp.EmulatePortrait))
	msgSignIn(t, owner, s, "hana", pw)
	do(t, owner, "open the menu page and its history",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/menu", s.URL, bank.ID)),
		chromedp.Click(chromedp.CSS(`[data-testid=menu-history]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menu-versions]`)),
	)
	msgFits(t, owner, "the menu history")
	do(t, owner, "compare version 1 with version 2",
		chromedp.Click(byText("button", "Compare")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menu-diff]`)),
	)
	if got := run(t, owner, "read the diff", chromedp.Text(chromedp.CSS(`[data-testid=menu-diff]`))); !strings.Contains(got, `"Rates" renamed to "Loans"`) {
		t.Errorf("diff: %q", got)
	}
	// One click (and the confirmation) rolls back.
	do(t, owner, "roll back to version 1",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`[data-testid=menu-version][data-number="1"] [data-testid=publish-version]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menu-version][data-number="3"] [data-testid=current]`)),
	)
	if got := run(t, owner, "read the flash", chromedp.Text(chromedp.CSS(`.flash`))); !strings.Contains(got, "Rolled back to version 1") {
		t.Errorf("flash: %q", got)
	}
	if got := run(t, owner, "read the new version", chromedp.Text(chromedp.CSS(`[data-testid=menu-version][data-number="3"]`))); !strings.Contains(got, "Hana Harbour") {
		t.Errorf("the rollback's author: %q", got)
	}
	msgFits(t, owner, "the menu history after the rollback")
	openid := mustOpenID(t, s, bank.ID, mei.ID)
	do(t, owner, "open version 2 previewed as Mei",
		chromedp.Click(chromedp.CSS(`[data-testid=menu-version][data-number="2"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=version-preview]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=preview-as]`), openid),
		chromedp.Click(byText("button", "Preview")),
		// The reloaded page marks the follower chosen.
		chromedp.WaitReady(chromedp.CSS(`[data-testid=preview-as] option[selected][value="`+openid+`"]`)),
	)
	if got := run(t, owner, "read the preview", chromedp.Text(chromedp.CSS(`[data-testid=version-preview-menu]`))); !strings.Contains(got, "Loans") {
		t.Errorf("version 2 as Mei: %q", got)
	}
	msgFits(t, owner, "a menu version")
	do(t, owner, "open the calendar", chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/calendar", s.URL, bank.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=cal-weeks]`)))
	msgFits(t, owner, "the calendar")

	if got := menubar(); !strings.Contains(got, "Rates") || strings.Contains(got, "Loans") {
		t.Errorf("menu after the rollback: %q", got)
	}
}
