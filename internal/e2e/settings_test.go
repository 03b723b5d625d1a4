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

// TestAccountTimezoneInTheBrowser: the owner picks Los Angeles on the
// account settings page; the calendar then shows the account's days there
// — at 08:00 on the 10th in Shanghai it is still the 9th in Los Angeles, so
// the 9th is today and can take a send — and says the zone.
func TestAccountTimezoneInTheBrowser(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	hana := s.CreatePerson(t, "hana", pw, user.RoleNone)
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Harbour Tea",
		Status: account.StatusActive, OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	pin := pinToTenth(s, bank.Location())
	if _, err := s.App.Publish.SaveDraft(ctx, bank.ID, hana.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Autumn leaves", Body: "x"}}}); err != nil {
		t.Fatal(err)
	}
	ninth, tenth := pin.AddDate(0, 0, -1).Format("2006-01-02"), pin.Format("2006-01-02")
	calendar := fmt.Sprintf("%s/mp/a/%d/calendar", s.URL, bank.ID)
	ready := chromedp.WaitReady(chromedp.CSS(`#cal-form[data-ready="1"]`))
	today := func(tab context.Context) string {
		return run(t, tab, "read today", chromedp.Evaluate[string](`(document.querySelector(".cal-grid td.cal-today[data-day]") || {dataset: {}}).dataset.day || ""`))
	}

	tab, problems := watchedTab(t, 1280, 1200)
	signInBrowser(t, tab, s, "hana", pw)
	do(t, tab, "open the calendar", chromedp.Navigate(calendar), ready)
	if got := today(tab); got != tenth {
		t.Fatalf("today in Shanghai is %q, want %s", got, tenth)
	}
	do(t, tab, "open the account settings from the navigation",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`nav a[href="/mp/a/%d/settings"]`, bank.ID))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=settings-timezone]`)))
	do(t, tab, "choose America/Los_Angeles and save",
		chromedp.SetValue(chromedp.CSS(`[data-testid=settings-timezone]`), "America/Los_Angeles"),
		chromedp.Click(chromedp.CSS(`[data-testid=settings-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if got := run(t, tab, "read the flash", chromedp.Evaluate[string](`document.querySelector(".flash").textContent`)); !strings.Contains(got, "America/Los_Angeles") {
		t.Errorf("flash %q", got)
	}
	do(t, tab, "open the calendar again", chromedp.Navigate(calendar), ready)
	if got := today(tab); got != ninth {
		t.Errorf("today in Los Angeles is %q, want %s", got, ninth)
	}
	body := run(t, tab, "read the page", chromedp.Evaluate[string](`document.body.textContent`))
	if !strings.Contains(body, "America/Los_Angeles") {
		t.Error("the calendar does not name the zone")
	}
	if got, err := s.App.Accounts.ByID(ctx, bank.ID); err != nil || got.Timezone != "America/Los_Angeles" {
		t.Errorf("saved zone %v %v", got, err)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if pr := problems(); len(pr) > 0 {
		t.Errorf("console problems: %v", pr)
	}
}
