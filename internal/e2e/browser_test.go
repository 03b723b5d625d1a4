package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
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

// The browsers of this test package. Tests run in parallel (each has its
// own Herald and its own browser contexts), and each test has a browser
// process to itself for its whole run: a headless Chromium gives the
// keyboard focus to one window at a time, and tests type, tab and read
// focus. A browser is started when a test needs one and none is free, at
// most as many as tests run at once (-test.parallel); TestMain stops them.
var (
	browsersMu    sync.Mutex
	browserFreed  = sync.NewCond(&browsersMu) // a browser went back to idle
	idle          []*browser                  // started and free
	started       int                         // started or starting
	owner         = map[string]*browser{}     // in use, by test name
	allBrowsers   []*browser
	errNoChromium = errors.New("chromium is not installed")
)

type browser struct {
	ctx  context.Context
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range allBrowsers {
		b.stop()
	}
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

func startBrowser() (*browser, error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "herald-e2e-chromium-")
	if err != nil {
		return nil, err
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
	stop := func() {
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
		stop()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	return &browser{ctx: ctx, stop: stop}, nil
}

// maxBrowsers is how many tests run at once: go test's -parallel.
func maxBrowsers() int {
	if f := flag.Lookup("test.parallel"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0)
}

// testBrowser returns t's browser: the browser of t or of a test t runs
// under (a subtest shares its parent's), else a free one (started when
// none is free and fewer than maxBrowsers are, else waited for) that t
// gives back when it ends. The test is skipped when Chromium is not
// installed, unless HERALD_E2E_REQUIRED=1, which makes it fail instead.
func testBrowser(t *testing.T) *browser {
	t.Helper()
	browsersMu.Lock()
	for name := t.Name(); ; {
		if b := owner[name]; b != nil {
			browsersMu.Unlock()
			return b
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	browsersMu.Unlock()
	b, err := takeBrowser()
	if err != nil {
		if errors.Is(err, errNoChromium) && os.Getenv("HERALD_E2E_REQUIRED") != "1" {
			t.Skip("e2e: skipped because Chromium is not installed (apt-get install chromium, or set HERALD_CHROMIUM); set HERALD_E2E_REQUIRED=1 to make this a failure")
		}
		t.Fatalf("e2e: browser: %v", err)
	}
	name := t.Name()
	browsersMu.Lock()
	owner[name] = b
	browsersMu.Unlock()
	// Registered before the tabs' cleanups, so it runs after them.
	t.Cleanup(func() {
		browsersMu.Lock()
		delete(owner, name)
		idle = append(idle, b)
		browsersMu.Unlock()
		browserFreed.Signal()
	})
	return b
}

// takeBrowser takes a free browser, starts one when fewer than
// maxBrowsers are started, or waits for one to be given back.
func takeBrowser() (*browser, error) {
	browsersMu.Lock()
	for len(idle) == 0 && started >= maxBrowsers() {
		browserFreed.Wait()
	}
	if n := len(idle); n > 0 {
		b := idle[n-1]
		idle = idle[:n-1]
		browsersMu.Unlock()
		return b, nil
	}
	started++
	browsersMu.Unlock()
	b, err := startBrowser()
	browsersMu.Lock()
	if err != nil {
		started--
		browserFreed.Signal() // a waiter may start one instead
	} else {
		allBrowsers = append(allBrowsers, b)
	}
	browsersMu.Unlock()
	return b, err
}

// Browser returns a context for a fresh tab of the test's browser (see
// testBrowser), in its own browser context (no cookies or storage shared
// with other tabs), that expires after testTimeout.
func Browser(t *testing.T) context.Context {
	t.Helper()
	b := testBrowser(t)
	ctx, cancel := context.WithTimeout(b.ctx, testTimeout)
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
