package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/user"
)

// TestDailyBillsOnAPhone: after a day of sales the owner opens the daily
// bills on a 360 px phone, sees the four bills with their hashes and the
// platform certificate, and picks another day; nothing scrolls sideways.
func TestDailyBillsOnAPhone(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	hana, err := s.App.Users.Create(ctx, user.NewPerson{Username: "hana", DisplayName: "Hana Harbour", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	mei, err := s.App.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei Lin", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.EnableMerchant(ctx, bank, "Harbour Bank", ""); err != nil {
		t.Fatal(err)
	}
	loc := bank.Location()
	now := s.Clock.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	s.Clock.Advance(day.Add(15 * time.Hour).Sub(now))
	if err := s.App.Pay.TopUp(ctx, hana.ID, mei.ID, 10000, ""); err != nil {
		t.Fatal(err)
	}
	for i, amount := range []int64{1200, 4550} {
		o, err := s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: bank.ID, Amount: amount, Description: "Piggy bank", Source: pay.SourceConsole})
		if err == nil {
			_, err = s.App.Pay.Pay(ctx, o.ID, mei.ID)
		}
		if err == nil && i == 1 {
			_, _, err = s.App.Pay.RefundOrder(ctx, bank.ID, o.ID, "", 550, "chipped")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Clock.Advance(24 * time.Hour)

	owner := Browser(t)
	signIn(t, owner, s, "hana", pw, fmt.Sprintf("/mp/a/%d/pay", bank.ID), `[data-testid=merchant-balance]`)
	do(t, owner, "open the daily bills",
		chromedp.Click(byText("a", "Daily bills")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=bills]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=platform-cert]`)),
	)
	if n := run(t, owner, "count the downloads", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=bills] a[download]").length`)); n != 4 {
		t.Fatalf("%d bill downloads, want 4", n)
	}
	checkFitsPhone(t, owner, "daily-bills")
	before := day.AddDate(0, 0, -1).Format("2006-01-02")
	do(t, owner, "pick the day before",
		chromedp.SetValue(chromedp.CSS(`input[name=date]`), before),
		chromedp.Click(byText("button", "Show bills")),
	)
	// The old page's table is still visible until the new page replaces it:
	// wait for the address of the chosen day before counting.
	waitSearch(t, owner, "?date="+before)
	do(t, owner, "see the day's bills", chromedp.WaitVisible(chromedp.CSS(`[data-testid=bills]`)))
	if n := run(t, owner, "count the downloads", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=bills] a[download]").length`)); n != 0 {
		t.Fatalf("%d bill downloads for a day without sales", n)
	}
	checkFitsPhone(t, owner, "daily-bills-empty")
}

// waitSearch waits until the tab's page has the query want, across a
// navigation that may still be in flight (see waitPath).
func waitSearch(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	var last string
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
		if err == nil && got == want {
			return
		}
		last = got
		select {
		case <-ctx.Done():
			t.Fatalf("the page did not reach %s: it is at %q", want, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
