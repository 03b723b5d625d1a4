package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/apptest/wechatmove"
	"github.com/heraldoa/herald/internal/demo"
)

// TestOwnersDataPage: on a 360 px phone the owner exports the account and
// sees the export finish with its download; on a 1280 px desktop a follower
// CSV with a bad line is dry-run and the error is shown with its line. The
// page never scrolls sideways.
func TestOwnersDataPage(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	harbour, _ := s.App.Users.ByUsername(ctx, "harbour")
	ms, err := s.App.Accounts.ForMember(ctx, harbour.ID)
	if err != nil || len(ms) == 0 {
		t.Fatal(err)
	}
	bank := ms[0].Account
	page := fmt.Sprintf("/mp/a/%d/data", bank.ID)

	tab := Browser(t)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, tab, s, "harbour", "owner-demo", page, `[data-testid=data-export]`)
	fitsWidth(t, tab, SmallPhoneWidth, "the data page")
	do(t, tab, "export the account",
		chromedp.Click(chromedp.CSS(`[data-testid=export-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=export]`)),
	)
	// The export runs on the server; the bar follows it until it is done
	// and the download appears.
	do(t, tab, "wait for the export",
		chromedp.Poll[chromedp.Void](`(() => { const s = document.querySelector("[data-testid=export-state]"); return s && s.textContent === "done"; })()`),
		chromedp.WaitVisible(chromedp.Search(`//a[starts-with(@data-testid, "export-download") and not(@hidden)]`)),
	)
	if v := run(t, tab, "read the bar", chromedp.Evaluate[int](`document.querySelector("[data-testid=export-progress]").value`)); v != 100 {
		t.Fatalf("the bar of a finished export is at %d", v)
	}
	fitsWidth(t, tab, SmallPhoneWidth, "the data page with an export")

	var first string
	if err := s.App.DB.QueryRow(ctx, `SELECT openid FROM follows WHERE account_id = ? ORDER BY openid LIMIT 1`, bank.ID).Scan(&first); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "members.csv")
	if err := os.WriteFile(file, []byte("openid,remark\n"+first+",Gold member\no-nobody,Nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, tab, "use a 1280 px desktop", chromedp.EmulateViewport(1280, 800))
	do(t, tab, "dry-run a member list with a bad line",
		chromedp.Navigate(s.URL+page),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=csv-file]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=csv-file]`), []string{file}),
		chromedp.Click(chromedp.CSS(`[data-testid=csv-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=csv-errors]`)),
	)
	got := run(t, tab, "read the errors", chromedp.Text(chromedp.CSS(`[data-testid=csv-errors]`)))
	if !strings.Contains(got, "Line 3") || !strings.Contains(got, "o-nobody") {
		t.Fatalf("the errors read %q", got)
	}
	fitsWidth(t, tab, 1280, "the data page with CSV errors")
}

// TestMoveFromWeChatInTheBrowser: on a 360 px phone an owner starts a move
// from WeChat (another Herald acting as WeChat) into an empty account; the
// page follows the move and, when it ends, shows what moved.
func TestMoveFromWeChatInTheBrowser(t *testing.T) {
	t.Parallel()
	m := wechatmove.New(t)
	src, lotus, cred, s, a := m.Source, m.Lotus, m.Cred, m.Target, m.Account
	page := fmt.Sprintf("/mp/a/%d/data", a.ID)

	tab := Browser(t)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, tab, s, wechatmove.OwnerName, wechatmove.OwnerPassword, page, `[data-testid=data-wechat]`)
	fitsWidth(t, tab, SmallPhoneWidth, "the data page with the move form")
	do(t, tab, "start the move",
		chromedp.SetValue(chromedp.CSS(`[data-testid=wechat-appid]`), cred.AppID),
		chromedp.SetValue(chromedp.CSS(`[data-testid=wechat-secret]`), cred.AppSecret),
		chromedp.SetValue(chromedp.CSS(`[data-testid=wechat-api]`), src.URL),
		chromedp.Click(chromedp.CSS(`[data-testid=wechat-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=wechat-move]`)),
	)
	// The page follows the move and shows its result when it ends.
	do(t, tab, "wait for the move", chromedp.WaitVisible(chromedp.CSS(`[data-testid=wechat-report]`)))
	got := run(t, tab, "read the result", chromedp.Text(chromedp.CSS(`[data-testid=wechat-followers]`)))
	if got != fmt.Sprint(lotus.FollowerCount) {
		t.Errorf("the page says %q followers moved, want %d", got, lotus.FollowerCount)
	}
	if state := run(t, tab, "read the state", chromedp.Text(chromedp.CSS(`[data-testid=wechat-state]`))); state != "done" {
		t.Errorf("state %q", state)
	}
	fitsWidth(t, tab, SmallPhoneWidth, "the data page after the move")
}
