package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// TestRegisterReviewApproveShowsBadge: an organisation applies for an
// account with its documents on a phone, a reviewer works through the three
// checks and approves it, and the owner then sees the verification badge and
// the developer credentials.
func TestRegisterReviewApproveShowsBadge(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	const password = "a long enough secret"
	s.CreatePerson(t, "lin", password, user.RoleNone)
	s.CreatePerson(t, "rui", password, user.RoleReviewer)

	dir := t.TempDir()
	avatar := filepath.Join(dir, "logo.png")
	licence := filepath.Join(dir, "business-licence.pdf")
	writeFile(t, avatar, pngSquare())
	writeFile(t, licence, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"))

	owner := Browser(t)
	do(t, owner, "phone-sized viewport", chromedp.EmulateViewport(360, 740))
	signIn(t, owner, s, "lin", password, "/mp/", `[data-testid=register-account]`)
	do(t, owner, "start an application",
		chromedp.Click(chromedp.CSS(`[data-testid=register-account]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=apply-form]`)),
	)
	fitsWidth(t, owner, 360, "the new-application form")
	do(t, owner, "fill in the account",
		chromedp.Click(chromedp.CSS(`[data-testid=type-subscription]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=region-domestic]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Lotus Tea House"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), "Tea and cakes by the lake."),
		chromedp.SendKeys(chromedp.CSS(`input[name=organisation]`), "Lotus Tea House Ltd"),
		chromedp.SendKeys(chromedp.CSS(`input[name=contact_name]`), "Lin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=contact_email]`), "lin@example.com"),
		chromedp.Click(byText("button", "Save and continue")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=documents]`)),
	)
	do(t, owner, "attach the avatar and the business licence, and submit",
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=avatar-input]`), []string{avatar}),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=doc-input-0]`), []string{licence}),
		chromedp.Click(chromedp.CSS(`[data-testid=submit-application]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="app-state" and normalize-space()="waiting for review"]`)),
	)
	if got := run(t, owner, "read the state", chromedp.Text(chromedp.CSS(`[data-testid=app-state]`))); got != "waiting for review" {
		t.Fatalf("after submitting, the application is %q", got)
	}
	fitsWidth(t, owner, 360, "the submitted application")
	appPath := path(t, owner, s)

	// The reviewer claims it, passes the three checks and approves.
	reviewer := Browser(t)
	signIn(t, reviewer, s, "rui", password, "/admin/", `[data-testid=overview]`)
	do(t, reviewer, "open the review queue and the application",
		chromedp.Navigate(s.URL+"/admin/reviews"),
		chromedp.Click(byText("a", "Lotus Tea House")),
		chromedp.Click(chromedp.CSS(`[data-testid=claim]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=decision]`)),
	)
	if got := run(t, reviewer, "read the documents", chromedp.Text(chromedp.CSS(`[data-testid=review-documents]`))); !strings.Contains(got, "business-licence.pdf") {
		t.Fatalf("the reviewer does not see the licence: %q", got)
	}
	for _, c := range review.CheckNames {
		form := `[data-testid=check-` + c + `] `
		do(t, reviewer, "pass the "+c+" check",
			chromedp.Click(chromedp.CSS(form+`input[value=pass]`)),
			chromedp.SendKeys(chromedp.CSS(form+`input[name=note_`+c+`]`), "Looks right."),
			chromedp.Click(chromedp.CSS(form+`button`)),
			chromedp.WaitVisible(chromedp.CSS(form+`.badge.ok`)),
		)
	}
	// Load the review page afresh, so that no click lands on a node of the
	// page the last check's form submission is replacing.
	reviewPath := path(t, reviewer, s)
	do(t, reviewer, "approve",
		chromedp.Navigate(s.URL+reviewPath),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=decide-approve]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=decide-approve]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=decide]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="review-state" and normalize-space()="approved"]`)),
	)
	if got := run(t, reviewer, "read the state", chromedp.Text(chromedp.CSS(`[data-testid=review-state]`))); got != "approved" {
		t.Fatalf("after approval the review page says %q", got)
	}

	// The owner sees the outcome, the badge, and the credentials.
	do(t, owner, "reload the application", chromedp.Navigate(s.URL+appPath), chromedp.WaitVisible(chromedp.CSS(`[data-testid=open-console]`)))
	do(t, owner, "open the account console",
		chromedp.Click(chromedp.CSS(`[data-testid=open-console]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=credentials]`)),
	)
	if got := run(t, owner, "read the name", chromedp.Text(chromedp.CSS(`[data-testid=account-name]`))); !strings.Contains(got, "Lotus Tea House") || !strings.Contains(got, "✓ Verified") {
		t.Errorf("the console heading is %q, want the name with the badge", got)
	}
	appid := run(t, owner, "read the AppID", chromedp.Text(chromedp.CSS(`[data-testid=appid]`)))
	if len(appid) != 18 || !strings.HasPrefix(appid, "wx") {
		t.Errorf("AppID %q", appid)
	}
	fitsWidth(t, owner, 360, "the account console")
	do(t, owner, "generate the AppSecret",
		chromedp.Click(chromedp.CSS(`[data-testid=reset-secret]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=appsecret]`)),
	)
	secret := run(t, owner, "read the AppSecret", chromedp.Text(chromedp.CSS(`[data-testid=appsecret]`)))
	if _, ok, _ := s.App.Accounts.CheckSecret(t.Context(), appid, secret); !ok {
		t.Errorf("the AppSecret shown (%q) does not work", secret)
	}
	fitsWidth(t, owner, 360, "the page showing the AppSecret")
	do(t, owner, "back to the console list", chromedp.Navigate(s.URL+"/mp/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=accounts]`)))
	if got := run(t, owner, "read the account list", chromedp.Text(chromedp.CSS(`[data-testid=accounts]`))); !strings.Contains(got, "✓ Verified") {
		t.Errorf("the console list does not show the badge: %q", got)
	}
}

// signIn signs in through the form and waits for the page at next.
func signIn(t *testing.T, ctx context.Context, s *apptest.Server, username, password, next, waitFor string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.Navigate(s.URL+"/login?next="+next),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(waitFor)),
	)
}

// fitsWidth fails when the page scrolls sideways at the given width.
func fitsWidth(t *testing.T, ctx context.Context, width int, what string) {
	t.Helper()
	if w := run(t, ctx, "read the viewport width", chromedp.Evaluate[int](`window.innerWidth`)); w != width {
		t.Fatalf("the viewport is %d px wide, want %d", w, width)
	}
	if sw := run(t, ctx, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > width {
		wide := run(t, ctx, "find wide elements", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " right=" + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide on a %d px phone; too wide: %v", what, sw, width, wide)
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pngSquare() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{0x07, 0xa3, 0x5a, 0xff})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
