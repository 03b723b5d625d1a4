package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// TestTeamInvitationIsAccepted: on a 360 px phone the owner invites sam
// and a username nobody has, and is told the same for both; sam is not a
// member until he opens his invitations from the console and accepts, which
// takes him into the account's console.
func TestTeamInvitationIsAccepted(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	lin := s.CreatePerson(t, "lin", pw, user.RoleNone)
	sam := s.CreatePerson(t, "sam", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: lin.ID})
	if err != nil {
		t.Fatal(err)
	}
	owner := Browser(t)
	problems := consoleProblems(t, owner)
	recordCSPViolations(t, owner)
	do(t, owner, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, owner, s, "lin", pw, fmt.Sprintf("/mp/a/%d/team", a.ID), `[data-testid=team-invite]`)
	invite := func(name string) string {
		t.Helper()
		do(t, owner, "invite "+name,
			// The last answer's flash goes first, so the wait below is for the new page's.
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".flash").forEach((e) => e.remove())`),
			chromedp.SetValue(chromedp.CSS(`[data-testid=team-invite] input[name=username]`), name),
			chromedp.SetValue(chromedp.CSS(`[data-testid=team-invite] select[name=role]`), "agent"),
			chromedp.Click(chromedp.CSS(`[data-testid=team-invite] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		)
		return strings.ReplaceAll(run(t, owner, "read the answer", chromedp.Text(chromedp.CSS(`.flash`))), "@"+name+" ", "@NAME ")
	}
	if ghost, real := invite("no-such-person"), invite("sam"); ghost != real || real == "" {
		t.Errorf("the answers differ:\n%q\n%q", ghost, real)
	}
	if got := run(t, owner, "read the pending list", chromedp.Text(chromedp.CSS(`[data-testid=team-invitations]`))); !strings.Contains(got, "@sam") || !strings.Contains(got, "@no-such-person") {
		t.Errorf("pending invitations: %q", got)
	}
	fitsSmallPhone(t, owner, "the team page")
	if _, err := s.App.Accounts.Role(ctx, a.ID, sam.ID); err == nil {
		t.Fatal("sam is a member before accepting")
	}

	invitee := Browser(t)
	do(t, invitee, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, invitee, s, "sam", pw, "/mp/", `[data-testid=invitations-waiting]`)
	do(t, invitee, "open the invitations",
		chromedp.Click(chromedp.CSS(`[data-testid=invitations-waiting] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invitation]`)),
	)
	fitsSmallPhone(t, invitee, "the invitations page")
	accept := run(t, invitee, "measure Accept", chromedp.Evaluate[rect](`(() => { const b = [...document.querySelectorAll("[data-testid=invitation] button")].find(b => b.textContent === "Accept").getBoundingClientRect();
		return {Left: b.left, Top: b.top, Right: b.right, Bottom: b.bottom, Width: b.width, Height: b.height}; })()`))
	if accept.Height < 30 || accept.Width < 44 || accept.Right > SmallPhoneWidth || accept.Top < 0 {
		t.Errorf("the Accept button is not a tappable button on the screen: %+v", accept)
	}
	do(t, invitee, "accept",
		chromedp.Click(byText("button", "Accept")),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	waitPath(t, invitee, fmt.Sprintf("/mp/a/%d/", a.ID))
	if got := run(t, invitee, "read the flash", chromedp.Text(chromedp.CSS(`.flash`))); !strings.Contains(got, "You joined Harbour Bank as agent") {
		t.Errorf("flash after accepting: %q", got)
	}
	if role, err := s.App.Accounts.Role(ctx, a.ID, sam.ID); err != nil || role != account.RoleAgent {
		t.Errorf("after accepting sam is %q (%v)", role, err)
	}
	if p := append(problems(), cspViolations(t, owner)...); len(p) > 0 {
		t.Errorf("console errors or CSP violations: %v", p)
	}
}
