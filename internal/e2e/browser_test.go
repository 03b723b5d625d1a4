package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Phone is the viewport every test uses: a 390×844 CSS-pixel phone screen.
const (
	PhoneWidth  = 390
	PhoneHeight = 844
)

// testTimeout bounds each test's browser work.
// It is a bound for a machine under load (CI runs packages in parallel on
// two cores), not a speed goal.
const testTimeout = 180 * time.Second

// The one browser process of this test package, started by the first test
// that needs it and stopped by TestMain.
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserStop   = func() {}
	errNoChromium = errors.New("chromium is not installed")
)

func TestMain(m *testing.M) {
	code := m.Run()
	browserStop()
	os.Exit(code)
}

// chromiumPath finds the browser: $HERALD_CHROMIUM, else Debian's
// /usr/bin/chromium, else chromium on $PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("HERALD_CHROMIUM"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errNoChromium
}

func startBrowser() {
	path, err := chromiumPath()
	if err != nil {
		browserErr = err
		return
	}
	dir, err := os.MkdirTemp("", "herald-e2e-chromium-")
	if err != nil {
		browserErr = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A fake microphone and camera, allowed without asking: voice
		// messages are recorded in the follower app.
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		// English pages unless a test chooses a language: the tests
		// read English texts.
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(PhoneWidth, PhoneHeight),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	browserStop = func() {
		cancel()
		allocCancel() // waits for the browser process to exit
		// Chromium's helpers can write to the profile for a moment after exit.
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The first Run starts the browser and ties its life to ctx, so ctx
	// carries no timeout; the allocator bounds the start-up itself.
	if err := chromedp.Do(ctx); err != nil {
		browserErr = fmt.Errorf("start %s: %w", path, err)
		return
	}
	browserCtx = ctx
}

// Browser returns a context for a fresh tab of the shared browser, in its
// own browser context (no cookies or storage shared with other tests), that
// expires after 60 s. The test is skipped when Chromium is not installed,
// unless HERALD_E2E_REQUIRED=1, which makes it fail instead.
func Browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		if errors.Is(browserErr, errNoChromium) && os.Getenv("HERALD_E2E_REQUIRED") != "1" {
			t.Skip("e2e: skipped because Chromium is not installed (apt-get install chromium, or set HERALD_CHROMIUM); set HERALD_E2E_REQUIRED=1 to make this a failure")
		}
		t.Fatalf("e2e: browser: %v", browserErr)
	}
	ctx, cancel := context.WithTimeout(browserCtx, testTimeout)
	tab, closeTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		closeTab()
		cancel()
	})
	// Chromium keeps a headless window at least 500 px wide whatever
	// --window-size says, so the tab's viewport is set to the phone's.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(PhoneWidth, PhoneHeight, chromedp.EmulatePortrait)); err != nil {
		t.Fatalf("e2e: open a tab: %v", err)
	}
	return tab
}
