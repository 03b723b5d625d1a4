package console

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The account's own settings (owners only): its time zone, in which the
// quota's months, the publishing calendar, quiet hours and scheduled sends
// are read. Each change is written to the platform's audit log.

type settingsData struct {
	Zones []string
	Zone  string
	Now   string // the time now in the account's zone
}

// AuditTimezone is the audit-log action of a time-zone change.
const AuditTimezone = "account.timezone"

func (u *UI) registerSettings(h core.Route) {
	view := core.View{Title: "Account settings", Template: "mp/settings", Load: u.loadSettings}
	h("GET /mp/a/{account}/settings", u.Get(u.Member(account.ActSettings), view))
	h("POST /mp/a/{account}/settings", core.Post(u.UI, u.Member(account.ActSettings), core.Form[string]{View: view,
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (string, error) {
			return r.PostForm.Get("timezone"), nil
		},
		Do: func(r *http.Request, c *core.ConsoleCtx, zone string) (core.Done, error) {
			zone, err := account.CheckTimezone(zone)
			if err != nil {
				return core.Done{}, err
			}
			old, err := u.Accounts.SetTimezone(r.Context(), c.Account.ID, zone)
			if err != nil {
				return core.Done{}, err
			}
			if old != zone && u.Review != nil {
				if err := u.Review.Audit(r.Context(), web.Person(r), AuditTimezone, c.Account.ID, errs.Phrase{Format: "Time zone %s → %s", Args: []any{errs.Content(old), errs.Content(zone)}}); err != nil {
					return core.Done{}, err
				}
			}
			return core.Done{To: "settings", Flash: u.T(r, "Time zone saved: %s.", zone)}, nil
		}}))
	u.AddNav(core.NavItem{Label: "Account settings", Path: "settings", Action: account.ActSettings, Order: 96})
}

func (u *UI) loadSettings(r *http.Request, p *core.Page) error {
	a := p.Console.Account
	l, now := u.Locale(r), u.Clock.Now().In(a.Location())
	d := &settingsData{Zones: account.Zones(), Zone: a.Timezone, Now: l.Weekday(now.Weekday()) + " " + l.Format(now, a.Location(), "datetime")}
	found := false
	for _, z := range d.Zones {
		found = found || z == a.Timezone
	}
	if !found {
		d.Zones = append([]string{a.Timezone}, d.Zones...)
	}
	p.Data = d
	return nil
}
