package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
)

// TestEditorsShowEveryErrorAtOnce: on a 360 px phone the owner publishes a
// menu with two faulty buttons and saves an article with three faulty
// fields. Each editor comes back once with every message in a summary over
// the form and beside its field; the menu bar marks both faulty buttons and
// opens on the first; a summary link opens the button whose field it names.
func TestEditorsShowEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, _, _, _ := menuEditorAccount(t, s)
	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, tab, s, "lin", "a long enough secret", fmt.Sprintf("/mp/a/%d/menu", a.ID), `[data-testid=menu-phone]`)

	setField := func(name, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector('[name=%q]'); f.value = %q;
			f.dispatchEvent(new Event("input", {bubbles: true})); f.dispatchEvent(new Event("change", {bubbles: true})); })()`, name, value))
	}
	summary := func() []string {
		t.Helper()
		return run(t, tab, "read the summary", chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=error-summary] li")].map(l => l.textContent.trim())`))
	}
	do(t, tab, "add a text button without its message and a link that is not a web address",
		chromedp.Click(chromedp.CSS(`[data-testid=menu-form] [data-testid=menu-add-top]`)),
		setField("b.1.name", "Hours"),
		setField("b.1.text", ""),
		chromedp.Click(chromedp.CSS(`[data-testid=menu-form] [data-testid=menu-add-top]`)),
		setField("b.2.name", "Site"),
		setField("b.2.type", "view"),
		setField("b.2.url", "ftp://example.com"),
		chromedp.Click(byText("button", "Publish menu")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-summary]`)),
	)
	got := summary()
	if len(got) != 2 || !strings.Contains(got[0], `Write the message the button "Hours" sends.`) || !strings.Contains(got[1], `The link of "Site" must be a full http:// or https:// address.`) {
		t.Errorf("the menu's error summary shows %q, want both faults", got)
	}
	if title := run(t, tab, "read the summary title", chromedp.Text(chromedp.CSS(`[data-testid=error-summary] .error-summary-title`))); !strings.Contains(title, "2 things need fixing") {
		t.Errorf("the summary says %q", title)
	}
	marked := run(t, tab, "read the marked buttons", chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=menu-form] [data-testid=menu-top].me-invalid")].map(b => b.textContent.trim())`))
	if fmt.Sprint(marked) != "[Hours Site]" {
		t.Errorf("the menu bar marks %q as needing a fix, want [Hours Site]", marked)
	}
	// The editor opens on the first faulty button, its message beside the
	// message field.
	shown := run(t, tab, "read the shown message", chromedp.Evaluate[string](`(() => {
		const f = document.querySelector('[name="b.1.text"]');
		const m = f.closest("label").querySelector(".field-error");
		return f.offsetParent !== null && m && m.offsetParent !== null ? m.textContent : "";
	})()`))
	if !strings.Contains(shown, "Write the message") {
		t.Errorf("the first faulty button's message field is not shown with its message (%q)", shown)
	}
	do(t, tab, "follow the second link of the summary", chromedp.Click(chromedp.CSS(`[data-testid=error-summary] li:nth-child(2) a`)))
	if got := run(t, tab, "read the focus", chromedp.Evaluate[string](`(() => { const f = document.activeElement; return f.offsetParent !== null ? f.name : "hidden " + f.name; })()`)); got != "b.2.url" {
		t.Errorf("the summary's second link leads to %q, want the Site button's link field", got)
	}
	fitsSmallPhone(t, tab, "the menu editor with errors")
	if m, err := s.App.Menus.Default(context.Background(), a.ID); err != nil || len(m.Buttons) != 1 {
		t.Errorf("the faulty menu changed the published one: %+v %v", m, err)
	}

	// The article editor: a title and a digest too long, a source that is
	// not a web address (the browser accepts all three as typed).
	do(t, tab, "write a faulty article",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/publish/new", s.URL, a.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=editor]`)),
		setField("title_0", strings.Repeat("Spring tea ", 7)),
		setField("digest_0", strings.Repeat("d", 150)),
		setField("source_url_0", "ftp://example.com/tea"),
		chromedp.Click(chromedp.CSS(`[data-testid=save-draft]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-summary]`)),
	)
	got = summary()
	if len(got) != 3 || !strings.Contains(got[0], "a title has at most 64 characters") || !strings.Contains(got[1], "a digest has at most 128 characters") ||
		!strings.Contains(got[2], "must start with http:// or https://") {
		t.Errorf("the article's error summary shows %q, want its three faults", got)
	}
	invalid := run(t, tab, "read the fields marked invalid", chromedp.Evaluate[[]string](`[...document.querySelectorAll("main [aria-invalid=true]")].map(f => f.name + "=" + (f.closest("label").querySelector(".field-error") || {}).textContent)`))
	if len(invalid) != 3 || !strings.HasPrefix(invalid[0], "title_0=Article 1: a title") || !strings.HasPrefix(invalid[2], "source_url_0=Article 1: the original-source URL") {
		t.Errorf("the fields at fault and their messages: %q", invalid)
	}
	if v := run(t, tab, "read the title", chromedp.Value(chromedp.CSS(`[data-testid=title-0]`))); v != strings.Repeat("Spring tea ", 7) {
		t.Errorf("the title typed is not kept: %q", v)
	}
	fitsSmallPhone(t, tab, "the article editor with errors")
	// The two refused forms are answered 422, which the browser logs; any
	// other console error or CSP violation is a fault.
	var other []string
	for _, p := range append(problems(), cspViolations(t, tab)...) {
		if !strings.Contains(p, "status of 422") {
			other = append(other, p)
		}
	}
	if len(other) > 0 {
		t.Errorf("console errors or CSP violations: %v", other)
	}
}
