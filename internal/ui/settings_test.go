package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/console"
	"github.com/heraldoa/herald/internal/user"
)

// The owner sets the account's time zone on the account settings page (a
// list of IANA zones; anything time.LoadLocation does not know is refused
// on the field); the change is in the audit log, and the calendar and the
// quota's month follow it at once. Other roles cannot open the page.
func TestAccountTimezoneSetting(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	ctx := context.Background()
	pin := calPin(t, s) // 08:00 on the 10th in Shanghai: 16:00 on the 9th in Los Angeles
	base := fmt.Sprintf("/mp/a/%d", a.ID)

	res := owner.Get(base + "/settings")
	if res.Status != 200 || !res.Contains(`<option value="Asia/Shanghai" selected>`) || !res.Contains(`<option value="America/Los_Angeles">`) {
		t.Fatalf("settings page: %d\n%s", res.Status, res.Body)
	}
	if !res.Contains(pin.Format("Monday Jan 2, 2006 15:04")) {
		t.Errorf("the page does not say the time in Shanghai (%s)", pin.Format("Monday Jan 2, 2006 15:04"))
	}
	// Days that can still take a send carry data-day: in Shanghai the 9th
	// is past.
	ninth := `data-day="` + pin.AddDate(0, 0, -1).Format("2006-01-02") + `"`
	if res = owner.Get(base + "/calendar"); res.Contains(ninth) || !res.Contains(`data-day="`+pin.Format("2006-01-02")+`"`) {
		t.Fatalf("the calendar's today in Shanghai is not the %s:\n%s", pin.Format("2 Jan"), res.Body)
	}

	for _, bad := range []string{"Mars/Olympus_Mons", "", "Local"} {
		res = owner.PostForm(base+"/settings", url.Values{"timezone": {bad}})
		if res.Status != 422 || !res.Contains(`data-testid="settings-error"`) {
			t.Errorf("time zone %q: %d\n%s", bad, res.Status, res.Body)
		}
	}
	if got, _ := s.App.Accounts.ByID(ctx, a.ID); got.Timezone != "Asia/Shanghai" {
		t.Fatalf("a refused zone was saved: %s", got.Timezone)
	}

	res = owner.PostForm(base+"/settings", url.Values{"timezone": {"America/Los_Angeles"}})
	if res.Status != 303 {
		t.Fatalf("save: %d\n%s", res.Status, res.Body)
	}
	if res = owner.Get(res.Location); !res.Contains("Time zone saved: America/Los_Angeles.") || !res.Contains(`<option value="America/Los_Angeles" selected>`) {
		t.Errorf("after saving:\n%s", res.Body)
	}
	got, err := s.App.Accounts.ByID(ctx, a.ID)
	if err != nil || got.Timezone != "America/Los_Angeles" {
		t.Fatalf("saved zone %v %v", got, err)
	}
	entries, err := s.App.Review.SearchAudit(ctx, review.AuditFilter{Action: console.AuditTimezone})
	if err != nil || len(entries) != 1 || entries[0].AccountID != a.ID || entries[0].ActorName == "" ||
		entries[0].Detail != "Time zone Asia/Shanghai → America/Los_Angeles" {
		t.Errorf("audit log %+v %v", entries, err)
	}

	// The calendar's today is the 9th now, and its month is the 9th's.
	la := got.Location()
	if res = owner.Get(base + "/calendar"); !res.Contains(ninth) || !res.Contains("America/Los_Angeles") {
		t.Errorf("the calendar in Los Angeles:\n%s", res.Body)
	}
	q, err := s.App.Publish.QuotaAt(ctx, got, pin)
	if err != nil || q.Month != pin.In(la).Format("2006-01") || !q.ResetAt.Equal(time.Date(pin.In(la).Year(), pin.In(la).Month()+1, 1, 0, 0, 0, 0, la)) {
		t.Errorf("quota %+v %v", q, err)
	}

	// An administrator of the account cannot change it.
	ad := s.CreatePerson(t, "ada", pubPW, user.RoleNone)
	if err := s.App.Accounts.AddMember(ctx, a.ID, ad.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	admin := s.Client(t)
	admin.SignIn("ada", pubPW)
	if res = admin.PostForm(base+"/settings", url.Values{"timezone": {"Europe/Paris"}}); res.Status != 403 {
		t.Errorf("an administrator saved the zone: %d", res.Status)
	}
	if res = admin.Get(base + "/settings"); res.Status != 403 {
		t.Errorf("an administrator opened the page: %d", res.Status)
	}
	if res = admin.Get(base + "/"); strings.Contains(res.Body, base+"/settings") {
		t.Error("the administrator's navigation links to the settings")
	}
	if res = owner.Get(base + "/"); !strings.Contains(res.Body, base+"/settings") {
		t.Error("the owner's navigation does not link to the settings")
	}
}
