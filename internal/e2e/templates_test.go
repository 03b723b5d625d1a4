package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/user"
)

// TestTemplateCardArrivesInTheChat: a follower has the conversation open on
// a 360 px phone when the account sends a template message; the card
// (title, labelled lines with their colour, "View details") arrives live,
// and is the same after a reload.
func TestTemplateCardArrivesInTheChat(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := e2eAccount(t, s, "Harbour Bank", account.Service)
	mei := s.CreatePerson(t, "mei", "a long enough secret", user.RoleNone)
	if _, err := s.App.Follows.Follow(t.Context(), bank.ID, mei.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	tm := s.App.Templates
	if err := tm.SaveLibrary(t.Context(), &tmplmsg.LibraryTemplate{ShortID: "TM00001", Title: "Transaction alert", Industry: 7,
		Content: "{{first.DATA}}\nAccount: {{keyword1.DATA}}\nAmount: {{keyword2.DATA}}\n{{remark.DATA}}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.SetIndustry(t.Context(), bank.ID, 7, 9); err != nil {
		t.Fatal(err)
	}
	tpl, err := tm.AddTemplate(t.Context(), bank.ID, "TM00001", nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.App.Follows.Get(t.Context(), bank.ID, mei.ID)
	if err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	do(t, ctx, "open the conversation",
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "mei"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long enough secret"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
		chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	if _, err := tm.Send(t.Context(), bank, &tmplmsg.SendRequest{ToUser: f.OpenID, TemplateID: tpl.TemplateID, URL: s.URL + "/discover",
		Data: map[string]tmplmsg.DataItem{
			"first":    {Value: "Your card was used"},
			"keyword1": {Value: "**** 4821"},
			"keyword2": {Value: "¥96.00", Color: "#173177"},
			"remark":   {Value: "<b>Not you?</b> Call us."},
		}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		do(t, ctx, when+": see the card", chromedp.WaitVisible(chromedp.CSS(`.messages li[data-kind=template] [data-testid=template-card]`)))
		text := run(t, ctx, when+": read the card", chromedp.Text(chromedp.CSS(`.messages li[data-kind=template] [data-testid=template-card]`)))
		for _, want := range []string{"Transaction alert", "Your card was used", "Account: **** 4821", "Amount: ¥96.00", "<b>Not you?</b> Call us.", "View details"} {
			if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
				t.Errorf("%s: the card reads %q, missing %q", when, text, want)
			}
		}
		color := run(t, ctx, when+": read the amount's colour", chromedp.Evaluate[string](`(() => {
			const v = [...document.querySelectorAll(".messages li[data-kind=template] .tpl-value")].find(e => e.textContent === "¥96.00");
			return v ? getComputedStyle(v).color : "";
		})()`))
		if color != "rgb(23, 49, 119)" {
			t.Errorf("%s: the amount is %q, want #173177", when, color)
		}
		href := run(t, ctx, when+": read the link", chromedp.Evaluate[string](`document.querySelector(".messages [data-testid=template-link]").href`))
		if href != s.URL+"/discover" {
			t.Errorf("%s: View details leads to %q", when, href)
		}
		if n := run(t, ctx, when+": count injected elements", chromedp.Evaluate[int](`document.querySelectorAll(".messages b").length`)); n != 0 {
			t.Errorf("%s: a value's markup became %d elements", when, n)
		}
		fitsSmallPhone(t, ctx, when+": the conversation")
	}
	check("live")
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)))
	check("after a reload")
	do(t, ctx, "open View details", chromedp.Click(chromedp.CSS(`.messages [data-testid=template-link]`)), chromedp.WaitReady(chromedp.CSS(`body`)))
	if p := path(t, ctx, s); !strings.HasPrefix(p, "/discover") {
		t.Errorf("View details opened %q", p)
	}
}
