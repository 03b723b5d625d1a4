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
	"github.com/heraldoa/herald/internal/user"
)

// signInBrowser signs a person in through the sign-in page.
func signInBrowser(t *testing.T, ctx context.Context, s *apptest.Server, username, password string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=login-form]`)),
	)
}

// TestWritePublishReadLikeComment: an owner writes a two-article draft in
// the console (with the live Markdown preview), publishes it; a follower
// reads it on a phone, likes it and comments; the owner sees the comment.
func TestWritePublishReadLikeComment(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	const pw = "a long enough secret"
	owner := s.CreatePerson(t, "lin", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(t.Context(), account.NewAccount{Type: account.Subscription, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	fan := s.CreatePerson(t, "mei", pw, user.RoleNone)
	if _, err := s.App.Follows.Follow(t.Context(), a.ID, fan.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	signInBrowser(t, ctx, s, "lin", pw)
	do(t, ctx, "open a new draft",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/publish", s.URL, a.ID)),
		chromedp.Click(chromedp.CSS(`[data-testid=new-draft]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=editor]`)),
	)
	// A new article opens in the rich-text editor; Markdown is a choice.
	if f := run(t, ctx, "read the body format", chromedp.Value(chromedp.CSS(`select[name=format_0]`))); f != "html" {
		t.Errorf("a new article opens in the %q editor, want rich text", f)
	}
	markdown := func(i int) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector("select[name=format_%d]"); s.value = "markdown";
			s.dispatchEvent(new Event("change", {bubbles: true})); })()`, i))
	}
	do(t, ctx, "write the first article",
		markdown(0),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=body-0]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=title-0]`), "Brewing oolong"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=body-0]`), "Rinse the leaves, then steep for **three** minutes."),
		// The live preview renders the Markdown as the reader will see it.
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="live-preview-0"]//strong[normalize-space()="three"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=add-article]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=title-1]`)),
	)
	if got := run(t, ctx, "read the first title after adding", chromedp.Value(chromedp.CSS(`[data-testid=title-0]`))); got != "Brewing oolong" {
		t.Fatalf("adding an article lost the first one's title: %q", got)
	}
	do(t, ctx, "write the second article and save",
		markdown(1),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=body-1]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=title-1]`), "Choosing a teapot"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=body-1]`), "Clay keeps the heat.\n\n- Yixing\n- Porcelain"),
		chromedp.Click(chromedp.CSS(`[data-testid=save-draft]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=publish-box]`)),
	)
	if n := run(t, ctx, "count the article blocks", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=article-block]").length`)); n != 2 {
		t.Fatalf("the saved draft has %d articles, want 2", n)
	}
	do(t, ctx, "publish it",
		chromedp.Click(chromedp.CSS(`[data-testid=mode-publish]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=publish]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=published]`)),
	)
	href := run(t, ctx, "find the published article", chromedp.AttributeValue(chromedp.CSS(`[data-testid=published-link]`), "href")).Value
	if !strings.HasPrefix(href, "/s/") {
		t.Fatalf("published link = %q", href)
	}

	// The follower reads it on their phone.
	fc := Browser(t)
	signInBrowser(t, fc, s, "mei", pw)
	do(t, fc, "open the article",
		chromedp.Navigate(s.URL+href),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=article-title]`)),
	)
	if got := run(t, fc, "read the title", chromedp.Text(chromedp.CSS(`[data-testid=article-title]`))); got != "Brewing oolong" {
		t.Errorf("title = %q", got)
	}
	body := run(t, fc, "read the page", chromedp.Text(chromedp.CSS(`body`)))
	for _, want := range []string{"Lotus Tea House", "Choosing a teapot", "three minutes"} {
		if !strings.Contains(body, want) {
			t.Errorf("the article page does not show %q", want)
		}
	}
	if w := run(t, fc, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > PhoneWidth {
		t.Errorf("the article is %d px wide on a %d px phone", w, PhoneWidth)
	}
	do(t, fc, "like it",
		chromedp.Click(chromedp.CSS(`[data-testid=like]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="like-count" and normalize-space()="1"]`)),
	)
	do(t, fc, "comment",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=comment-form] textarea`), "I will try 90°C water."),
		chromedp.Click(byText("button", "Post comment")),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="comment"][contains(., "I will try 90°C water.")]`)),
	)
	if got := run(t, fc, "read the like button", chromedp.AttributeValue(chromedp.CSS(`[data-testid=like]`), "aria-pressed")); got.Value != "true" {
		t.Errorf("the like button is not pressed after liking: %q", got.Value)
	}

	// The owner sees the comment in the console and features it.
	do(t, ctx, "open comments",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/comments", s.URL, a.ID)),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="mod-comment"][contains(., "I will try 90°C water.")]`)),
		chromedp.Click(byText("button", "Feature")),
		chromedp.WaitVisible(chromedp.Search(`//button[normalize-space()="Unfeature"]`)),
	)
	do(t, fc, "see it featured",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="comment"][contains(., "Featured")]`)),
	)
}
