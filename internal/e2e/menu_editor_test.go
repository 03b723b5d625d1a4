package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// menuEditorAccount is a Service account owned by lin, followed by mei,
// with one library image and one published article, and a menu whose
// only button sends a click key that nothing answers.
func menuEditorAccount(t *testing.T, s *apptest.Server) (a *account.Account, mei *user.Person, imageID string, articleID int64) {
	t.Helper()
	ctx := context.Background()
	const pw = "a long enough secret"
	lin := s.CreatePerson(t, "lin", pw, user.RoleNone)
	mei = s.CreatePerson(t, "mei", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea House",
		Status: account.StatusActive, OwnerID: lin.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, a.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	asset, err := s.App.Publish.Upload(ctx, a.ID, publish.AssetImage, "poster.png", bytes.NewReader(pngSquare()))
	if err != nil {
		t.Fatal(err)
	}
	draft, err := s.App.Publish.SaveDraft(ctx, a.ID, lin.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring harvest", Body: "Fresh leaves."}}})
	if err != nil {
		t.Fatal(err)
	}
	job, err := s.App.Publish.Send(ctx, a.ID, lin.ID, draft.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.PublishEngine.Run(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	p, err := s.App.Publish.Publication(ctx, a.ID, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, a.ID, []menu.Button{{Type: menu.TypeClick, Name: "Rates", Key: "RATES"}}); err != nil {
		t.Fatal(err)
	}
	return a, mei, asset.MediaID, p.FirstArticleID
}

type rect struct{ Left, Top, Right, Bottom, Width, Height float64 }

// TestMenuEditorIsThePhonesMenuBar: on a 360 px phone the owner sees the
// menu as the phone's menu bar, with a warning on the click key nothing
// answers; adds a text button, a sub-menu with an image and an article
// card, reorders and removes buttons from the keyboard, and publishes. The
// follower taps the text button and gets its message.
func TestMenuEditorIsThePhonesMenuBar(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, _, imageID, articleID := menuEditorAccount(t, s)
	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, tab, s, "lin", "a long enough secret", fmt.Sprintf("/mp/a/%d/menu", a.ID), `[data-testid=menu-phone]`)

	if w := run(t, tab, "read the warning", chromedp.Text(chromedp.CSS(`[data-testid=menu-unanswered]`))); !strings.Contains(w, "“Rates”") {
		t.Errorf("the unanswered click key warning: %q", w)
	}
	if !run(t, tab, "see the key warning", chromedp.Evaluate[bool](`!!document.querySelector("[data-testid=menu-key-warning]") && document.querySelector("[data-testid=menu-key-warning]").offsetParent !== null`)) {
		t.Errorf("the selected click button does not show that nothing answers its key")
	}
	bar := func() []string {
		t.Helper()
		return run(t, tab, "read the bar", chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-menu-editor] [data-testid=menu-top]")].map(b => b.textContent.trim())`))
	}
	if got := bar(); fmt.Sprint(got) != "[Rates]" {
		t.Fatalf("the bar shows %q, want [Rates]", got)
	}
	// Only the selected button's fields show: no other slot of the form.
	if n := run(t, tab, "count visible slots", chromedp.Evaluate[int](`[...document.querySelectorAll("[data-menu-editor] [data-menu-slot]")].filter(e => e.offsetParent !== null).length`)); n != 1 {
		t.Errorf("%d slots show in the side panel, want the selected one", n)
	}
	setField := func(name, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector('[name=%q]'); f.value = %q;
			f.dispatchEvent(new Event("input", {bubbles: true})); f.dispatchEvent(new Event("change", {bubbles: true})); })()`, name, value))
	}
	do(t, tab, "add a text button",
		chromedp.Click(chromedp.CSS(`[data-testid=menu-form] [data-testid=menu-add-top]`)),
		setField("b.1.name", "Hours"),
		setField("b.1.type", "text"),
		setField("b.1.text", "Open 9 to 6 every day."),
	)
	// The new button's name field has the keyboard, ready to be typed over.
	if got := run(t, tab, "read the focus", chromedp.Evaluate[string](`document.activeElement.name || ""`)); got != "b.1.name" {
		t.Errorf("after adding a button the focus is on %q, want its name", got)
	}
	do(t, tab, "add a sub-menu with an image and an article",
		chromedp.Click(chromedp.CSS(`[data-testid=menu-form] [data-testid=menu-add-top]`)),
		setField("b.2.name", "More"),
		setField("b.2.type", "sub"),
		chromedp.Click(chromedp.CSS(`[data-menu-editor] [data-testid=menu-add-item]`)),
		setField("b.2.s.0.name", "Poster"),
		setField("b.2.s.0.type", "img"),
		setField("b.2.s.0.img", imageID),
		chromedp.Click(chromedp.CSS(`[data-menu-editor] [data-testid=menu-add-item]`)),
		setField("b.2.s.1.name", "Story"),
		setField("b.2.s.1.type", "news"),
		setField("b.2.s.1.news", fmt.Sprint(articleID)),
	)
	if got := bar(); fmt.Sprint(got) != "[Rates Hours More]" {
		t.Fatalf("the bar shows %q", got)
	}
	if n := run(t, tab, "count the add buttons", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=menu-form] [data-testid=menu-add-top]").length`)); n != 0 {
		t.Errorf("a full bar of 3 buttons still offers to add one")
	}
	// The sub-menu opens above its button, inside the phone.
	geo := run(t, tab, "measure the sub-menu", chromedp.Evaluate[map[string]rect](`(() => {
		const r = e => { const b = e.getBoundingClientRect(); return {Left: b.left, Top: b.top, Right: b.right, Bottom: b.bottom, Width: b.width, Height: b.height}; };
		const ed = document.querySelector("[data-testid=menu-form] [data-menu-editor]");
		const more = [...ed.querySelectorAll("[data-testid=menu-top]")].find(b => b.textContent.trim() === "More");
		const items = [...ed.querySelectorAll("[data-testid=menu-item]")];
		return {phone: r(ed.querySelector("[data-testid=menu-phone]")), more: r(more), first: r(items[0]), last: r(items[items.length - 1])};
	})()`))
	phone, more, first, last := geo["phone"], geo["more"], geo["first"], geo["last"]
	if more.Height < 30 || more.Bottom > phone.Bottom+0.5 || more.Right > phone.Right+0.5 || more.Left < phone.Left-0.5 {
		t.Errorf("the More button %+v is not a tappable part of the phone %+v", more, phone)
	}
	if first.Bottom > more.Top || last.Bottom > more.Top || first.Top < phone.Top || first.Left < phone.Left-0.5 || first.Right > phone.Right+0.5 {
		t.Errorf("the sub-menu (%+v … %+v) is not above its button %+v inside the phone %+v", first, last, more, phone)
	}
	fitsSmallPhone(t, tab, "the menu editor")
	if shot := os.Getenv("HERALD_E2E_SHOTS"); shot != "" {
		png := run(t, tab, "screenshot", chromedp.FullScreenshot(100))
		writeFile(t, filepath.Join(shot, "menu-editor-360.png"), png)
	}

	// Keyboard: select Hours, move it first; select Rates, remove it.
	key := func(what, sel string) {
		t.Helper()
		do(t, tab, what, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent("\r"))
	}
	do(t, tab, "select Hours", chromedp.Focus(chromedp.Search(`//div[@data-me-bar]//button[normalize-space()="Hours"]`)), chromedp.KeyEvent("\r"))
	key("move Hours earlier", `[data-menu-editor] [data-me-act=prev]`)
	if got := bar(); fmt.Sprint(got) != "[Hours Rates More]" {
		t.Fatalf("after moving Hours earlier the bar shows %q", got)
	}
	do(t, tab, "select Rates", chromedp.Focus(chromedp.Search(`//div[@data-me-bar]//button[normalize-space()="Rates"]`)), chromedp.KeyEvent("\r"))
	key("remove Rates", `[data-menu-editor] [data-me-act=remove]`)
	if got := bar(); fmt.Sprint(got) != "[Hours More]" {
		t.Fatalf("after removing Rates the bar shows %q", got)
	}
	do(t, tab, "publish",
		chromedp.Click(byText("button", "Publish menu")),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		// The flash is the server's; the bar is drawn by the editor's script.
		chromedp.WaitVisible(chromedp.CSS(`[data-menu-editor] [data-testid=menu-top]`)),
	)
	def, err := s.App.Menus.Default(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s:%s:%s", def.Buttons[0].Name, def.Buttons[0].Type, def.Buttons[0].Value)
	if len(def.Buttons) != 2 || got != "Hours:text:Open 9 to 6 every day." || len(def.Buttons[1].SubButtons) != 2 ||
		def.Buttons[1].SubButtons[0].Value != imageID || def.Buttons[1].SubButtons[1].Value != fmt.Sprint(articleID) {
		t.Fatalf("published menu: %+v", def.Buttons)
	}
	if v, err := s.App.Menus.CurrentVersion(context.Background(), a.ID); err != nil || v.Number != 2 {
		t.Errorf("the publish is not a new version in the history: %+v %v", v, err)
	}
	if got := bar(); fmt.Sprint(got) != "[Hours More]" {
		t.Errorf("after publishing the bar shows %q", got)
	}
	if n := run(t, tab, "look for warnings", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=menu-unanswered]").length`)); n != 0 {
		t.Errorf("the warning stays after the unanswered button was removed")
	}
	fitsSmallPhone(t, tab, "the published menu editor")
	if p := append(problems(), cspViolations(t, tab)...); len(p) > 0 {
		t.Errorf("console errors or CSP violations: %v", p)
	}

	// The follower taps Hours and gets its message.
	fan := Browser(t)
	msgSignIn(t, fan, s, "mei", "a long enough secret")
	do(t, fan, "tap Hours",
		chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, a.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)),
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//button[normalize-space()="Hours"]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(normalize-space(), "Open 9 to 6 every day.")]`)),
	)
}
