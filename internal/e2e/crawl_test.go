package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
)

// The crawl: every demo person signs in on a 360 px phone and opens every
// page reachable by same-origin GET links from their face, a few pages of
// each kind (pages that differ only by ids or query values are one kind),
// at most crawlPages a person. A link that answers 4xx or 5xx, a page with
// a console error, an uncaught exception or a Content-Security-Policy
// violation, and a page wider than the phone are failures, each reported
// with the page and the page that linked to it.

const (
	crawlPages   = 150 // pages opened per person at most
	crawlPerKind = 1   // pages of one kind opened per person
)

// crawlSkip are links the crawl does not follow: signing out, live event
// streams (they never end) and files (downloads, media, feeds), whose
// status is still checked.
var crawlSkip = regexp.MustCompile(`^/logout|/events$|/export|/download|\.(csv|json|zip|xml|ico|png|jpe?g|webp|mp4|mp3|amr)$|^/static/|/media/|/avatar$|/feed|/rss|/atom`)

// crawlKind is the kind of a page: its path with every number replaced,
// and the names of its query parameters.
func crawlKind(u *url.URL) string {
	kind := regexp.MustCompile(`\d+`).ReplaceAllString(u.Path, "#")
	var keys []string
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return kind + "?" + strings.Join(keys, "&")
}

type crawlPage struct {
	Status     int
	Width      int
	ScrollW    int
	Wide       []string
	CSP        []string
	Links      []string
	HTML       bool
	ContentTyp string
}

type crawlCheck struct {
	URL         string
	Status      int
	ContentType string
}

// A link that redirects is not followed: its target may be another site
// (a menu's "view" link), and a same-origin target is linked from
// somewhere too.

// crawlFace signs person in and crawls from start; it returns what it
// found wrong and how many pages it opened.
func crawlFace(t *testing.T, s *apptest.Server, username, password, start string) (problems []string, opened int) {
	ctx, cancel := context.WithTimeout(testBrowser(t).ctx, 12*time.Minute)
	defer cancel()
	tab, closeTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer closeTab()
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	recordCSPViolations(t, tab)
	console := consoleProblems(t, tab)
	signIn(t, tab, s, username, password, start, `body`)
	waitPath(t, tab, start) // the sign-in's own navigation has ended

	base, _ := url.Parse(s.URL)
	type item struct{ url, from string }
	queue := []item{{s.URL + start, "sign-in"}}
	seen := map[string]bool{s.URL + start: true}
	kinds := map[string]int{}
	for len(queue) > 0 && opened < crawlPages {
		it := queue[0]
		queue = queue[1:]
		before := len(console())
		if err := chromedp.Do(tab, chromedp.Navigate(it.url)); err != nil {
			problems = append(problems, fmt.Sprintf("%s (linked from %s): %v", it.url, it.from, err))
			continue
		}
		opened++
		pg, err := chromedp.Run(tab, chromedp.Evaluate[crawlPage](`(() => {
			const nav = performance.getEntriesByType("navigation")[0] || {};
			const w = window.innerWidth, sw = document.documentElement.scrollWidth;
			return {Status: nav.responseStatus || 0, Width: w, ScrollW: sw,
				Wide: sw > w ? [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 0.5)
					.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).replace(/ /g, ".") : "")) : [],
				CSP: window.cspViolations || [],
				Links: [...document.querySelectorAll("a[href]")].map(a => a.href),
				ContentTyp: document.contentType};
		})()`))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: read the page: %v", it.url, err))
			continue
		}
		where := fmt.Sprintf("%s (linked from %s)", strings.TrimPrefix(it.url, s.URL), strings.TrimPrefix(it.from, s.URL))
		if pg.Status >= 400 {
			problems = append(problems, fmt.Sprintf("%s answers %d", where, pg.Status))
		}
		if pg.ScrollW > pg.Width {
			problems = append(problems, fmt.Sprintf("%s is %d px wide on a %d px phone: %v", where, pg.ScrollW, pg.Width, pg.Wide))
		}
		for _, v := range pg.CSP {
			problems = append(problems, fmt.Sprintf("%s breaks the CSP: %s", where, v))
		}
		if msgs := console(); len(msgs) > before {
			for _, m := range msgs[before:] {
				problems = append(problems, fmt.Sprintf("%s logs an error: %s", where, m))
			}
		}
		// New links of kinds not yet seen enough: check them from this
		// page (status and type, as this person), then queue the pages.
		var fresh []string
		for _, l := range pg.Links {
			u, err := url.Parse(l)
			if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
				continue
			}
			u.Fragment = ""
			key := u.String()
			if seen[key] {
				continue
			}
			k := crawlKind(u)
			if kinds[k] >= crawlPerKind {
				continue
			}
			seen[key] = true
			kinds[k]++
			fresh = append(fresh, key)
		}
		if len(fresh) == 0 {
			continue
		}
		checks, err := chromedp.Run(tab, chromedp.Evaluate[[]crawlCheck](`Promise.all(`+jsList(fresh)+`.map(u => {
			const ctl = new AbortController();
			return fetch(u, {credentials: "same-origin", signal: ctl.signal, headers: {Accept: "text/html"}, redirect: "manual"})
				.then(r => { const c = {URL: u, Status: r.type === "opaqueredirect" ? 303 : r.status, ContentType: r.headers.get("Content-Type") || ""}; ctl.abort(); return c; })
				.catch(e => ({URL: u, Status: -1, ContentType: String(e)}));
		}))`, chromedp.EvalAwaitPromise))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: check its links: %v", where, err))
			continue
		}
		for _, c := range checks {
			u, _ := url.Parse(c.URL)
			switch {
			case c.Status >= 400 || c.Status < 0:
				problems = append(problems, fmt.Sprintf("%s links to %s, which answers %d %s", where, u.RequestURI(), c.Status, c.ContentType))
			case strings.HasPrefix(c.ContentType, "text/html") && !crawlSkip.MatchString(u.Path):
				queue = append(queue, item{c.URL, it.url})
			}
		}
	}
	return problems, opened
}

func jsList(list []string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, s := range list {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	b.WriteString("]")
	return b.String()
}

// TestCrawlEveryFaceOfTheDemo crawls the demo as each of its people: the
// follower, both owners, an agent, a reviewer and the admin.
func TestCrawlEveryFaceOfTheDemo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the crawl opens hundreds of pages")
	}
	s := apptest.New(t)
	began := time.Now()
	if _, err := demo.Seed(context.Background(), s.App); err != nil {
		t.Fatal(err)
	}
	seeded := time.Since(began)
	people := []struct{ username, password, start string }{
		{"mei", "follower-demo", "/"},
		{"lotus", "owner-demo", "/mp/"},
		{"harbour", "owner-demo", "/mp/"},
		{"sam", "owner-demo", "/mp/"},
		{"reviewer", "reviewer-demo", "/admin/"},
		{"admin", "admin-demo", "/admin/"},
	}
	// The faces are crawled at once, each in its own tab of this test's
	// browser (taken here, so the subtests share it).
	testBrowser(t)
	var mu sync.Mutex
	var report []string
	for _, p := range people {
		t.Run(p.username, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			problems, opened := crawlFace(t, s, p.username, p.password, p.start)
			mu.Lock()
			report = append(report, fmt.Sprintf("%s: %d pages in %s", p.username, opened, time.Since(began).Round(time.Second)))
			mu.Unlock()
			if opened < 5 {
				t.Errorf("%s reached only %d pages", p.username, opened)
			}
			for _, pr := range problems {
				t.Error(pr)
			}
		})
	}
	t.Cleanup(func() {
		if os.Getenv("HERALD_CRAWL_REPORT") != "" || testing.Verbose() {
			sort.Strings(report)
			t.Logf("demo seeded in %s; %s", seeded.Round(time.Second), strings.Join(report, "; "))
		}
	})
}
