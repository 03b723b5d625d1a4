package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// TestRichTextArticleEditor: on a 360 px phone the owner writes an article
// in rich text — a heading, bold, a link, an image uploaded into the media
// library — and pastes HTML carrying a script and an onerror handler. The
// saved article keeps the formatting and the image, the pasted script and
// handler are gone, the editor shows the saved article again, and the
// phone preview renders it; nothing breaks the CSP.
func TestRichTextArticleEditor(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	lin := s.CreatePerson(t, "lin", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea House",
		Status: account.StatusActive, OwnerID: lin.ID})
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "leaves.png")
	writeFile(t, img, pngSquare())

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, tab, s, "lin", pw, fmt.Sprintf("/mp/a/%d/publish/new", a.ID), `[data-testid=editor]`)
	// selectText selects the first occurrence of text inside the editor.
	selectText := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const area = document.querySelector("[data-testid=rich-0]");
			const walk = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
			for (let n = walk.nextNode(); n; n = walk.nextNode()) {
				const at = n.data.indexOf(%q);
				if (at < 0) continue;
				const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + %d);
				const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r); area.focus(); return;
			}
			throw new Error("no text " + %q);
		})()`, text, len(text), text))
	}
	caretAtEnd := chromedp.Evaluate[chromedp.Void](`(() => {
		const area = document.querySelector("[data-testid=rich-0]");
		area.focus(); const r = document.createRange(); r.selectNodeContents(area); r.collapse(false);
		const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
	})()`)
	tool := func(label string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`[data-testid=article-block] .rich-toolbar button[aria-label="` + label + `"]`))
	}
	do(t, tab, "choose rich text",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=title-0]`), "Spring tea"),
		chromedp.SetValue(chromedp.CSS(`select[name=format_0]`), "html"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("select[name=format_0]").dispatchEvent(new Event("change"))`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rich-0][contenteditable=true]:not([aria-busy])`)),
	)
	if run(t, tab, "check the textarea", chromedp.Evaluate[bool](`document.querySelector("[data-testid=body-0]").offsetParent !== null`)) {
		t.Errorf("the HTML source box still shows beside the rich-text editor")
	}
	do(t, tab, "write a heading, bold text and a link",
		chromedp.Click(chromedp.CSS(`[data-testid=rich-0]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=rich-0]`), "Green tea guide"),
		selectText("Green tea guide"), tool("Heading"),
		caretAtEnd, chromedp.KeyEvent("\r"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=rich-0]`), "Steep for three minutes in cool water."),
		selectText("three"), tool("Bold"),
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => "https://tea.example/steep"`),
		selectText("cool water"), tool("Link"),
		caretAtEnd,
		chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=rich-0-image]`), []string{img}),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rich-0] img[src^="/media/M"]`)),
	)
	do(t, tab, "paste HTML with a script and an onerror handler",
		caretAtEnd,
		chromedp.Evaluate[chromedp.Void](`(() => {
			const dt = new DataTransfer();
			dt.setData("text/html", '<p>Pasted <b>note</b><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"></p>');
			dt.setData("text/plain", "Pasted note");
			document.querySelector("[data-testid=rich-0]").dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		})()`),
		chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="rich-0"]//*[contains(., "Pasted")]`)),
	)
	fitsSmallPhone(t, tab, "the rich-text editor")
	geo := run(t, tab, "measure the editor", chromedp.Evaluate[map[string]rect](`(() => {
		const r = e => { const b = e.getBoundingClientRect(); return {Left: b.left, Top: b.top, Right: b.right, Bottom: b.bottom, Width: b.width, Height: b.height}; };
		return {bar: r(document.querySelector(".rich-toolbar")), area: r(document.querySelector("[data-testid=rich-0]"))};
	})()`))
	if geo["bar"].Height < 20 || geo["bar"].Right > SmallPhoneWidth || geo["area"].Width < 250 || geo["area"].Height < 150 {
		t.Errorf("toolbar %+v and editing area %+v do not fit a 360 px phone usably", geo["bar"], geo["area"])
	}
	if shot := os.Getenv("HERALD_E2E_SHOTS"); shot != "" {
		writeFile(t, filepath.Join(shot, "article-editor-360.png"), run(t, tab, "screenshot", chromedp.FullScreenshot(100)))
	}
	do(t, tab, "save", chromedp.Click(chromedp.CSS(`[data-testid=save-draft]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=publish-box]`)))

	drafts, err := s.App.Publish.List(ctx, a.ID, []string{publish.StateDraft}, 0, 5)
	if err != nil || len(drafts) != 1 {
		t.Fatalf("drafts: %v %v", drafts, err)
	}
	pub, err := s.App.Publish.Publication(ctx, a.ID, drafts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	art := pub.Articles[0]
	if art.BodyFormat != publish.FormatHTML {
		t.Errorf("saved as %q, want html", art.BodyFormat)
	}
	for _, want := range []string{"<h2>Green tea guide</h2>", "<b>three</b>", `<a href="https://tea.example/steep"`, `<img src="/media/M`, "<b>note</b>"} {
		if !strings.Contains(art.BodyHTML, want) {
			t.Errorf("the saved article lost %s:\n%s", want, art.BodyHTML)
		}
	}
	for _, bad := range []string{"script", "onerror", "pwned", `src="x"`} {
		if strings.Contains(art.BodyHTML, bad) {
			t.Errorf("the saved article keeps %q:\n%s", bad, art.BodyHTML)
		}
	}
	// The editor shows the saved article formatted again.
	do(t, tab, "wait for the editor", chromedp.WaitVisible(chromedp.CSS(`[data-testid=rich-0] h2`)))
	shown := run(t, tab, "read the editor", chromedp.Evaluate[[]int](`["h2", "b", "a[href='https://tea.example/steep']", "img[src^='/media/M']", "script"].map(s => document.querySelectorAll("[data-testid=rich-0] " + s).length)`))
	if fmt.Sprint(shown) != "[1 2 1 1 0]" {
		t.Errorf("the reopened editor shows h2, b, link, image, script = %v, want [1 2 1 1 0]", shown)
	}
	// The phone preview renders it, the image loaded.
	do(t, tab, "open the phone preview", chromedp.Click(chromedp.CSS(`[data-testid=phone-preview]`)), chromedp.WaitVisible(chromedp.Search(`//h2[normalize-space()="Green tea guide"]`)))
	rendered := run(t, tab, "read the preview", chromedp.Evaluate[[]int](`[document.querySelectorAll("h2").length, document.querySelectorAll("b, strong").length,
		document.querySelectorAll("a[href='https://tea.example/steep']").length,
		[...document.querySelectorAll("img[src^='/media/M']")].filter(i => i.complete && i.naturalWidth > 0).length, window.pwned ? 1 : 0]`))
	if rendered[0] < 1 || rendered[1] < 2 || rendered[2] != 1 || rendered[3] != 1 || rendered[4] != 0 {
		t.Errorf("the preview renders h2, bold, link, loaded image, pwned = %v", rendered)
	}
	if p := append(problems(), cspViolations(t, tab)...); len(p) > 0 {
		t.Errorf("console errors or CSP violations: %v", p)
	}
}
