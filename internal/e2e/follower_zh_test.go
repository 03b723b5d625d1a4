package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
)

// fitsInChinese fails when, on the page shown, a control's text is wider or
// taller than the control (a label spilling out of its button, tab or row),
// or a control or row reaches past the side of the phone.
func fitsInChinese(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	fitsWidth(t, ctx, SmallPhoneWidth, what)
	controlsFitIn(t, ctx, what, "button, a.button, .compose-tabs a, .tabbar a, .badge, summary, .row, .langswitch button")
}

// controlsFitIn fails when, on the page shown, the text of a control that
// selector finds is wider or taller than the control (a Chinese label
// spilling out of it), a control reaches past the side of the phone, or
// something inside a .row sticks out of it.
func controlsFitIn(t *testing.T, ctx context.Context, what, selector string) {
	t.Helper()
	bad := run(t, ctx, "measure the controls of "+what, chromedp.Evaluate[[]string](`((selector) => {
		const out = [], vw = window.innerWidth;
		const name = e => e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
			" “" + e.textContent.trim().slice(0, 24) + "”";
		const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden"; };
		document.querySelectorAll(selector).forEach(e => {
			if (!shown(e)) return;
			const r = e.getBoundingClientRect();
			if (e.scrollWidth > e.clientWidth + 1) out.push(name(e) + ": text " + e.scrollWidth + " px wide in " + e.clientWidth + " px");
			if (e.scrollHeight > e.clientHeight + 1 && e.tagName !== "SUMMARY" && !e.classList.contains("row")) out.push(name(e) + ": text " + e.scrollHeight + " px tall in " + e.clientHeight + " px");
			if (r.left < -0.5 || r.right > vw + 0.5) out.push(name(e) + ": from " + Math.round(r.left) + " to " + Math.round(r.right) + " px on a " + vw + " px phone");
			if (e.classList.contains("row")) {
				e.querySelectorAll("*").forEach(c => {
					if (!shown(c)) return;
					const cr = c.getBoundingClientRect();
					if (cr.right > r.right + 0.5 || cr.left < r.left - 0.5) out.push(name(c) + " sticks out of its row (" + Math.round(cr.left) + "–" + Math.round(cr.right) + " in " + Math.round(r.left) + "–" + Math.round(r.right) + ")");
				});
			}
		});
		return out;
	})(`+strconv.Quote(selector)+`)`))
	for _, b := range bad {
		t.Errorf("%s at %d px: %s", what, SmallPhoneWidth, b)
	}
}

// TestSignUpFollowAndChatInChinese: on a 360 px phone, someone chooses
// 简体中文 in the footer, signs up, finds and follows an account and chats
// with it, all in Chinese: no English left in the controls they use, no
// label too wide for its button or row, and no console or CSP errors.
func TestSignUpFollowAndChatInChinese(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, err := s.App.Accounts.Create(t.Context(), account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "莲心茶舍", Description: "茶与点心", Organisation: "莲心茶业有限公司", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	tab, problems := watchedTab(t, SmallPhoneWidth, 740, chromedp.EmulatePortrait)

	// The switcher, without script: the sign-up page comes back in Chinese.
	do(t, tab, "choose 简体中文",
		chromedp.Navigate(s.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signup-form]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=langswitch] button[value="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()="创建你的账号"]`)),
	)
	if lang := run(t, tab, "read the page's language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "zh-CN" {
		t.Errorf("the sign-up page's language is %q", lang)
	}
	fitsInChinese(t, tab, "the sign-up page")

	// A form error comes back in Chinese.
	do(t, tab, "sign up with two different passwords",
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "lianxin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), "小莲"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "tea and lotus 1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password2]`), "tea and lotus 2"),
		chromedp.Click(byText("button", "创建账号")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-summary]`)),
	)
	if got := run(t, tab, "read the error", chromedp.Text(chromedp.CSS(`[data-testid=error-summary]`))); !strings.Contains(got, "两次输入的密码不一致") {
		t.Errorf("the error summary reads %q", got)
	}
	fitsInChinese(t, tab, "the sign-up page with an error")
	do(t, tab, "sign up",
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "tea and lotus 1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password2]`), "tea and lotus 1"),
		chromedp.Click(byText("button", "创建账号")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)
	if p, err := s.App.Users.ByUsername(t.Context(), "lianxin"); err != nil || p.Language != "zh_CN" {
		t.Fatalf("signed up in Chinese, the setting is %+v %v", p, err)
	}
	if got := run(t, tab, "read the welcome", chromedp.Text(chromedp.CSS(`.flash`))); got != "欢迎来到 Herald，小莲。" {
		t.Errorf("the welcome reads %q", got)
	}
	fitsInChinese(t, tab, "the empty chat list")

	// Find the account by its pinyin and follow it from the results.
	do(t, tab, "search for the tea house",
		chromedp.Click(chromedp.Search(`//nav[contains(@class,"tabbar")]//a[normalize-space()="发现"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-form] input[name=q]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "lian"),
		chromedp.Click(byText("button", "搜索")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=results]`)),
	)
	fitsInChinese(t, tab, "the search results")
	do(t, tab, "follow",
		chromedp.Click(chromedp.Search(`//ul[@data-testid="results"]//button[normalize-space()="关注"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unfollow]`)),
	)
	if got := run(t, tab, "read the flash", chromedp.Text(chromedp.CSS(`.flash`))); got != "你已关注 莲心茶舍。" {
		t.Errorf("after following, the page says %q", got)
	}
	fitsInChinese(t, tab, "the account's profile")

	// Chat: the composer's tabs and buttons are Chinese and fit.
	do(t, tab, "open the conversation",
		chromedp.Click(chromedp.CSS(`[data-testid=message]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-text] textarea`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	fitsInChinese(t, tab, "the conversation")
	do(t, tab, "send a message",
		chromedp.SendKeys(chromedp.CSS(`form[data-pane=text] textarea`), "请问今天营业吗？"),
		chromedp.Click(chromedp.CSS(`[data-testid=send-text] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "请问今天营业吗？")]`)),
	)
	fitsInChinese(t, tab, "the conversation after sending")
	for _, label := range []string{"消息", "图片", "语音", "视频", "链接", "位置"} {
		if n := run(t, tab, "find the "+label+" tab", chromedp.Evaluate[int](fmt.Sprintf(`[...document.querySelectorAll(".compose-tabs a")].filter(a => a.textContent.trim() === %q).length`, label))); n != 1 {
			t.Errorf("the composer has %d tabs called %s", n, label)
		}
	}
	do(t, tab, "open the image tab",
		chromedp.Click(chromedp.Search(`//div[@class="compose-tabs"]/a[normalize-space()="图片"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-image]`)),
	)
	fitsInChinese(t, tab, "the image tab")
	for _, p := range problems() {
		if strings.Contains(p, "status of 422") && strings.Contains(p, "/signup)") {
			continue // the form error asked for above
		}
		t.Errorf("console problem: %s", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if f, err := s.App.Follows.Get(t.Context(), a.ID, mustPerson(t, s, "lianxin")); err != nil || !f.Following {
		t.Errorf("the follow was not stored: %+v %v", f, err)
	}
}

func mustPerson(t *testing.T, s *apptest.Server, username string) int64 {
	t.Helper()
	p, err := s.App.Users.ByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}
