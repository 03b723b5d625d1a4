package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// mainControls are the buttons and badges of a console page's main part.
const mainControls = "main button, main a.button, main .badge"

// TestPublishEditorAndCalendarInChinese: an owner whose language is
// Simplified Chinese opens the article editor and the publishing calendar
// on a 360 px phone. Both pages, and the texts their scripts write (the
// editor's toolbar, the calendar's keyboard picker), are in Chinese; nothing
// is wider than the phone or spills out of its button; no console or CSP
// errors.
func TestPublishEditorAndCalendarInChinese(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	lian := s.CreatePerson(t, "xiaolian", pw, user.RoleNone)
	if err := s.App.Users.SetLanguage(ctx, lian.ID, "zh_CN"); err != nil {
		t.Fatal(err)
	}
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "莲心茶舍",
		Status: account.StatusActive, OwnerID: lian.ID})
	if err != nil {
		t.Fatal(err)
	}
	pin := pinToTenth(s, a.Location()) // the rest of the month is ahead
	d, err := s.App.Publish.SaveDraft(ctx, a.ID, lian.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "冬日暖茶：桂圆红枣茶的做法", Body: "<p>天冷了，来一杯暖茶。</p>", BodyFormat: "html"}}})
	if err != nil {
		t.Fatal(err)
	}

	tab, problems := watchedTab(t, SmallPhoneWidth, 740, chromedp.EmulatePortrait)
	signIn(t, tab, s, "xiaolian", pw, fmt.Sprintf("/mp/a/%d/publish/d/%d", a.ID, d.ID), `[data-testid=editor]`)

	// The editor: its own texts and the toolbar its script builds.
	do(t, tab, "wait for the rich-text editor",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rich-0][contenteditable=true]:not([aria-busy])`)))
	if lang := run(t, tab, "read the page's language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "zh-CN" {
		t.Errorf("the editor's language is %q", lang)
	}
	for _, want := range []string{"编辑草稿", "保存草稿", "发表"} {
		if !strings.Contains(run(t, tab, "read the editor", chromedp.Evaluate[string](`document.querySelector("main").innerText`)), want) {
			t.Errorf("the editor does not show %q", want)
		}
	}
	if got := run(t, tab, "read the toolbar", chromedp.Evaluate[string](`[...document.querySelectorAll(".rich-toolbar button")].map(b => b.getAttribute("aria-label")).join(" ")`)); !strings.Contains(got, "加粗") || strings.Contains(got, "Bold") {
		t.Errorf("the toolbar's buttons are labelled %q", got)
	}
	fitsSmallPhone(t, tab, "the article editor in Chinese")
	controlsFitIn(t, tab, "the article editor in Chinese", mainControls)

	// The calendar, and the keyboard picker's text.
	do(t, tab, "open the calendar",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/calendar?month=%s", s.URL, a.ID, pin.Format("2006-01"))),
		chromedp.WaitReady(chromedp.CSS(`#cal-form[data-ready="1"]`)),
	)
	if got := run(t, tab, "read the calendar's title", chromedp.Text(chromedp.CSS(`[data-testid=cal-title]`))); got != pin.Format("2006年1月") {
		t.Errorf("the calendar's title is %q", got)
	}
	do(t, tab, "pick a day with the keyboard",
		chromedp.Click(chromedp.CSS(`[data-testid=cal-pick]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=cal-status]:not(:empty)`)),
	)
	if got := run(t, tab, "read the status", chromedp.Text(chromedp.CSS(`[data-testid=cal-status]`))); !strings.Contains(got, "为“冬日暖茶：桂圆红枣茶的做法”选择日期") {
		t.Errorf("the picker says %q", got)
	}
	fitsSmallPhone(t, tab, "the calendar in Chinese")
	controlsFitIn(t, tab, "the calendar in Chinese", mainControls)

	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
}
