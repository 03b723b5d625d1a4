package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/demo"
)

// TestDocScreenshots writes the screenshots in docs/screenshots: the
// follower chat, the console home, the inbox and the article editor of
// the demo, each at a phone's width (390) and a desktop's (1280), of the
// viewport only. It runs when HERALD_DOC_SHOTS names the folder
// (scripts/screenshots); the demo is seeded at a fixed moment, so the
// pictures change only when the pages do.
func TestDocScreenshots(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("HERALD_DOC_SHOTS")
	if dir == "" {
		t.Skip("set HERALD_DOC_SHOTS to a folder (scripts/screenshots) to write the documentation's screenshots")
	}
	s := apptest.New(t)
	ctx := context.Background()
	// 2030-03-02 10:00 in Beijing, whatever the day of the run.
	s.Clock.Advance(time.Until(time.Date(2030, 3, 2, 2, 0, 0, 0, time.UTC)))
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	accountID := func(name string) int64 {
		var id int64
		if err := db.Get(s.App.DB.QueryRow(ctx, `SELECT id FROM accounts WHERE name = ?`, name), &id); err != nil {
			t.Fatalf("the demo account %s: %v", name, err)
		}
		return id
	}
	lotus, harbour := accountID("Lotus Tea House"), accountID("Harbour Bank")
	shots := []struct {
		name, user, password, path, ready string
	}{
		{"follower-chat", "mei", "follower-demo", fmt.Sprintf("/chat/%d", harbour), `[data-testid=messages]`},
		{"console-home", "lotus", "owner-demo", fmt.Sprintf("/mp/a/%d/", lotus), `[data-testid=home-figures]`},
		{"inbox", "harbour", "owner-demo", fmt.Sprintf("/mp/a/%d/inbox", harbour), `.inbox-list h1`},
		{"article-editor", "lotus", "owner-demo", fmt.Sprintf("/mp/a/%d/publish/new", lotus), `[data-testid=rich-0][contenteditable=true]:not([aria-busy])`},
	}
	for _, sh := range shots {
		tab := Browser(t)
		signIn(t, tab, s, sh.user, sh.password, sh.path, sh.ready)
		for _, size := range []struct{ w, h int }{{390, 844}, {1280, 800}} {
			do(t, tab, fmt.Sprintf("open %s at %d px", sh.name, size.w),
				chromedp.EmulateViewport(int64(size.w), int64(size.h)),
				chromedp.Navigate(s.URL+sh.path),
				chromedp.WaitVisible(chromedp.CSS(sh.ready)),
			)
			png := run(t, tab, "screenshot "+sh.name, chromedp.CaptureScreenshot())
			if len(png) < 1000 {
				t.Fatalf("the screenshot of %s at %d px is %d bytes", sh.name, size.w, len(png))
			}
			writeFile(t, filepath.Join(dir, fmt.Sprintf("%s-%d.png", sh.name, size.w)), png)
		}
	}
}
