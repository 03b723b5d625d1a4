package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// TestFollowerAppInstallsAndOpensOffline: the follower app has a manifest
// with icons that load, registers its service worker without console or
// CSP errors, keeps the shell in the cache, and after a first visit opens
// without the server: a page that cannot load shows the offline page in
// the app's shell, styled.
func TestFollowerAppInstallsAndOpensOffline(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "mei", "follower password 1", user.RoleNone)
	tab := Browser(t)
	recordCSPViolations(t, tab)
	problems := consoleProblems(t, tab)
	signIn(t, tab, s, "mei", "follower password 1", "/me/notifications", `[data-testid=push-device]`)

	type manifest struct {
		Name, StartURL, Display, Theme string
		Icons                          []string
		Sizes                          [][]int
	}
	m := run(t, tab, "read the manifest and load its icons", chromedp.Evaluate[manifest](`(async () => {
		const link = document.querySelector("link[rel=manifest]");
		const m = await (await fetch(link.href)).json();
		const sizes = await Promise.all(m.icons.map(i => new Promise(done => {
			const img = new Image(); img.onload = () => done([img.naturalWidth, img.naturalHeight]); img.onerror = () => done([0, 0]); img.src = i.src; })));
		return {Name: m.name, StartURL: m.start_url, Display: m.display, Theme: m.theme_color, Icons: m.icons.map(i => i.sizes + " " + i.purpose), Sizes: sizes};
	})()`, chromedp.EvalAwaitPromise))
	if m.Name != "Herald" || m.StartURL != "/" || m.Display != "standalone" || m.Theme == "" {
		t.Errorf("manifest %+v", m)
	}
	if strings.Join(m.Icons, ",") != "192x192 any,512x512 any,512x512 maskable" {
		t.Errorf("manifest icons %v", m.Icons)
	}
	for i, sz := range m.Sizes {
		if want := []int{192, 512, 512}[i]; len(sz) != 2 || sz[0] != want || sz[1] != want {
			t.Errorf("icon %s loads as %v", m.Icons[i], sz)
		}
	}

	sw := run(t, tab, "fetch /sw.js", chromedp.Evaluate[[]string](`fetch("/sw.js").then(r => [String(r.status), r.headers.get("Content-Type"), r.headers.get("Service-Worker-Allowed") || ""])`,
		chromedp.EvalAwaitPromise))
	if strings.Join(sw, "|") != "200|text/javascript; charset=utf-8|/" {
		t.Errorf("/sw.js answers %v", sw)
	}

	// The worker takes over the page and keeps the shell.
	scope := run(t, tab, "wait for the service worker", chromedp.Evaluate[string](`new Promise(done => {
		const ok = () => navigator.serviceWorker.ready.then(r => done(r.scope));
		if (navigator.serviceWorker.controller) ok(); else navigator.serviceWorker.addEventListener("controllerchange", ok);
	})`, chromedp.EvalAwaitPromise))
	if scope != s.URL+"/" {
		t.Errorf("service worker scope %q, want %q", scope, s.URL+"/")
	}
	cached := run(t, tab, "list the cache", chromedp.Evaluate[[]string](`caches.keys().then(names => Promise.all(
		names.filter(n => n.startsWith("herald-shell-")).map(n => caches.open(n).then(c => c.keys()))))
		.then(lists => lists.flat().map(r => new URL(r.url).pathname))`, chromedp.EvalAwaitPromise))
	for _, want := range []string{"/offline", "/manifest.webmanifest", "/app.css", "/push.js"} {
		found := false
		for _, c := range cached {
			found = found || strings.HasSuffix(c, want)
		}
		if !found {
			t.Errorf("the shell cache lacks %s: %v", want, cached)
		}
	}
	status := run(t, tab, "read the device status", chromedp.Text(chromedp.CSS(`[data-push-status]`)))
	if strings.Contains(status, "need JavaScript") {
		t.Errorf("push.js did not run on the notifications page: %q", status)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors while installing: %v", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations while installing: %v", v)
	}

	// The server goes away: the app still opens, on the offline page.
	s.HTTP.CloseClientConnections()
	s.HTTP.Close()
	for _, path := range []string{"/", "/chat/123"} {
		do(t, tab, "open "+path+" offline", chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline]`)))
		styled := run(t, tab, "check the offline page's styles", chromedp.Evaluate[bool](`(() => {
			const bar = document.querySelector("header.topbar");
			return !!bar && bar.getBoundingClientRect().height > 0 && getComputedStyle(bar).position === "sticky" && getComputedStyle(bar).display === "grid";
		})()`))
		if !styled {
			t.Errorf("the offline page at %s is not styled by the cached app.css", path)
		}
		if v := cspViolations(t, tab); len(v) > 0 {
			t.Errorf("CSP violations offline at %s: %v", path, v)
		}
	}
	for _, p := range problems() {
		if !strings.Contains(p, "ERR_CONNECTION_REFUSED") && !strings.Contains(p, "Failed to load resource") {
			t.Errorf("console error offline: %s", p)
		}
	}
}
