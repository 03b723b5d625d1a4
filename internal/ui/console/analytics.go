package console

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/csvsafe"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/ui/core"
)

// registerAnalytics adds the analytics dashboards: the
// console's /mp/a/{account}/analytics with CSV exports, and the platform
// admin's /admin/analytics. See docs/analytics.md.
func (u *UI) registerAnalytics(h core.Route) {
	if u.AnalyticsStore == nil {
		return
	}
	u.AddNav(core.NavItem{Label: "Analytics", Path: "analytics", Action: account.ActAnalytics, Order: 70})
	an := u.Member(account.ActAnalytics)
	h("GET /mp/a/{account}/analytics", u.In(an, u.analyticsPage))
	h("GET /mp/a/{account}/analytics/{file}", u.In(an, u.analyticsCSV))
}

// analyticsRange is the period a dashboard shows.
type analyticsRange struct {
	From, To string
	Preset   string // "7", "30", "90" or "custom"
	Query    string // the query string that selects it, for links
}

// maxTableRows bounds the rows a table shows on the page (the CSV export
// has every row).
const maxTableRows = 100

// minDay is the earliest day a range may start (WeChat's data start at
// the end of 2014; Herald's cannot be older).
const minDay = "2014-01-01"

// maxRangeDays bounds a custom range.
const maxRangeDays = 366

// parseAnalyticsRange reads ?range=7|30|90 or ?from=&to= (days in the
// account's time zone). Bad input falls back to the last 30 days with a
// message on the field.
func parseAnalyticsRange(r *http.Request, l *i18n.Locale, today string) (analyticsRange, map[string]string) {
	q := r.URL.Query()
	fields := map[string]string{}
	preset := func(n int) analyticsRange {
		return analyticsRange{From: analytics.AddDays(today, -(n - 1)), To: today, Preset: strconv.Itoa(n), Query: "range=" + strconv.Itoa(n)}
	}
	if q.Get("from") != "" || q.Get("to") != "" {
		from, to := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
		ft, err1 := time.Parse("2006-01-02", from)
		tt, err2 := time.Parse("2006-01-02", to)
		switch {
		case err1 != nil:
			fields["from"] = l.T("Enter a date as YYYY-MM-DD.")
		case err2 != nil:
			fields["to"] = l.T("Enter a date as YYYY-MM-DD.")
		case tt.Before(ft):
			fields["to"] = l.T("The end must not be before the start.")
		case to > today:
			fields["to"] = l.T("The end cannot be in the future.")
		case from < minDay:
			fields["from"] = l.T("Choose a start from %s on.", minDay)
		case tt.Sub(ft) > (maxRangeDays-1)*24*time.Hour:
			fields["from"] = l.T("Choose at most %d days.", maxRangeDays)
		default:
			return analyticsRange{From: from, To: to, Preset: "custom", Query: "from=" + from + "&to=" + to}, fields
		}
		return preset(30), fields
	}
	switch q.Get("range") {
	case "7":
		return preset(7), fields
	case "90":
		return preset(90), fields
	}
	return preset(30), fields
}

type analyticsView struct {
	Range   analyticsRange
	Report  *analytics.Report
	Charts  map[string]template.HTML
	Tables  map[string]tableView
	Demo    []demoDim
	TZ      string
	Presets []string
	// NoRevenue says why there is no revenue section ("" when there is).
	NoRevenue string
}

// tableView is one table with what its CSV link needs.
type tableView struct {
	T    *analytics.Table
	Base string // /mp/a/{account}/analytics
	Q    string // the period's query string
}

type demoDim struct {
	Name   string
	Groups []demoGroup
	Hidden int64
}

type demoGroup struct {
	Label     string
	Followers int64
	Percent   string // the group's share, the bar's length out of 100, e.g. "42.0"
	Name      bool   // the label is a name (a region), shown as written
}

func (u *UI) analyticsPage(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	rep, rg, fields, err := u.analyticsReport(r, c)
	if err != nil {
		return err
	}
	l := u.Locale(r)
	v := &analyticsView{Range: rg, Report: rep, Charts: rep.Charts, Tables: map[string]tableView{}, TZ: c.Account.Timezone, Presets: []string{"7", "30", "90"}}
	if rep.Revenue == nil {
		v.NoRevenue = l.Text(u.noRevenueReason(c))
	}
	for _, cards := range [][]analytics.Card{rep.Cards, revenueCards(rep)} {
		for i := range cards {
			if cards[i].Delta == "new" {
				cards[i].Delta = l.T("new")
			}
		}
	}
	base := fmt.Sprintf("/mp/a/%d/analytics", c.Account.ID)
	names := u.menuButtonNames(r, c)
	for _, t := range rep.Tables {
		if t.Name == "menu" && len(names) > 0 {
			t = withButtonNames(t, names)
		}
		if len(t.Rows) > maxTableRows && t.Name != "growth" && t.Name != "messages" && t.Name != "revenue" {
			cp := *t
			cp.Rows = t.Rows[:maxTableRows]
			cp.Note = strings.TrimSpace(t.Note + " " + l.T("Showing the first %d of %d; the CSV has them all.", maxTableRows, len(t.Rows)))
			t = &cp
		}
		v.Tables[t.Name] = tableView{T: t, Base: base, Q: rg.Query}
	}
	if d := rep.Demographics; d != nil {
		for _, dim := range []struct{ key, name string }{{"region", "Region"}, {"language", "Language"}, {"device", "Device"}} {
			dd := demoDim{Name: l.Text(dim.name), Hidden: d.Hidden[dim.key]}
			for _, g := range d.Dimensions[dim.key] {
				label := groupLabel(g.Value)
				switch {
				case g.Value == "":
					label = l.Text(label)
				case dim.key == "language":
					label = u.Known(l, core.LanguageLabel(label))
				case dim.key == "device":
					label = l.Text(label)
				}
				dd.Groups = append(dd.Groups, demoGroup{Label: label, Followers: g.Followers, Percent: fmt.Sprintf("%.1f", g.Share*100),
					Name: dim.key == "region" && g.Value != ""})
			}
			v.Demo = append(v.Demo, dd)
		}
	}
	p := u.NewPage(w, r, "Analytics", v)
	p.Console = c
	p.Fields = fields
	p.Form = r.URL.Query()
	status := http.StatusOK
	if len(fields) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return u.Render(w, r, status, "mp/analytics", p)
}

func (u *UI) analyticsReport(r *http.Request, c *core.ConsoleCtx) (*analytics.Report, analyticsRange, map[string]string, error) {
	today := u.AnalyticsStore.Today(c.Account.Timezone)
	rg, fields := parseAnalyticsRange(r, u.Locale(r), today)
	minGroup := settings.Defaults().MinDemographicGroup
	if u.Settings != nil {
		if p, err := u.Settings.Get(r.Context()); err == nil {
			minGroup = p.MinDemographicGroup
		}
	}
	rep, err := u.AnalyticsStore.Report(r.Context(), analytics.ReportInput{AccountID: c.Account.ID, Timezone: c.Account.Timezone,
		Followers: c.Account.FollowerCount, From: rg.From, To: rg.To, MinGroup: minGroup, Payments: u.takesPayments(r, c), T: u.Locale(r).T})
	return rep, rg, fields, err
}

// takesPayments tells whether the account has Herald Pay enabled (a
// Service account with a merchant profile): its analytics show revenue.
func (u *UI) takesPayments(r *http.Request, c *core.ConsoleCtx) bool {
	if u.Pay == nil || !c.Account.IsService() {
		return false
	}
	_, err := u.Pay.Merchant(r.Context(), c.Account.ID)
	return err == nil
}

// noRevenueReason says why an account's analytics have no revenue section.
func (u *UI) noRevenueReason(c *core.ConsoleCtx) string {
	switch {
	case u.Pay == nil:
		return ""
	case !c.Account.IsService():
		return "Subscription accounts cannot take payments, so there is no revenue to show. Service accounts can."
	}
	return "Enable payments on the Payments page to see revenue and the follower → order → paid funnel here."
}

// analyticsCSV serves one table of the dashboard as CSV, for the same
// period: GET /mp/a/{account}/analytics/{table}.csv.
func (u *UI) analyticsCSV(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		return errs.NotFoundf("No such export.")
	}
	rep, rg, _, err := u.analyticsReport(r, c)
	if err != nil {
		return err
	}
	var head []string
	var rows [][]string
	if t := rep.Table(name); t != nil {
		head, rows = t.Head, t.Rows
	} else if name == "demographics" {
		head = []string{"Dimension", "Group", "Followers", "Share"}
		d := rep.Demographics
		for _, dim := range []string{"region", "language", "device"} {
			for _, g := range d.Dimensions[dim] {
				rows = append(rows, []string{dim, groupLabel(g.Value), strconv.FormatInt(g.Followers, 10), fmt.Sprintf("%.1f%%", g.Share*100)})
			}
			if n := d.Hidden[dim]; n != 0 {
				shown := "hidden"
				if n > 0 {
					shown = strconv.FormatInt(n, 10)
				}
				rows = append(rows, []string{dim, fmt.Sprintf("Groups under %d people", d.MinGroup), shown, ""})
			}
		}
	} else {
		return errs.NotFoundf("No such export.")
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d-%s-%s.csv"`, name, c.Account.ID, rg.From, rg.To))
	cw := csv.NewWriter(w)
	_ = cw.Write(head)
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			safe[i] = csvsafe.Cell(cell)
		}
		_ = cw.Write(safe)
	}
	cw.Flush()
	return cw.Error()
}

// menuButtonNames maps the click keys of the account's menus (the default
// and the conditional ones) to the buttons' names.
func (u *UI) menuButtonNames(r *http.Request, c *core.ConsoleCtx) map[string]string {
	if u.MenuStore == nil {
		return nil
	}
	def, conds, err := u.MenuStore.All(r.Context(), c.Account.ID)
	if err != nil {
		return nil
	}
	names := map[string]string{}
	var walk func([]menu.Button)
	walk = func(bs []menu.Button) {
		for _, b := range bs {
			if b.Key != "" {
				names[b.Key] = b.Name
			}
			walk(b.SubButtons)
		}
	}
	for _, m := range append(conds, def) {
		if m != nil {
			walk(m.Buttons)
		}
	}
	return names
}

// withButtonNames is the menu clicks table with each button's name in
// place of its click key (a key no menu has any more stays as it is).
func withButtonNames(t *analytics.Table, names map[string]string) *analytics.Table {
	cp := *t
	cp.Rows = make([][]string, len(t.Rows))
	for i, row := range t.Rows {
		cp.Rows[i] = append([]string(nil), row...)
		if len(row) == 0 {
			continue
		}
		if name, ok := names[row[0]]; ok {
			cp.Rows[i][0] = name
		}
	}
	return &cp
}

func groupLabel(v string) string {
	if v == "" {
		return "Not given"
	}
	return v
}

// Capture helpers for the other features' handlers: one call each, no
// imports needed there. They never block and never fail the request.

// revenueCards are the cards of a report's revenue section, if it has one.
func revenueCards(rep *analytics.Report) []analytics.Card {
	if rep.Revenue == nil {
		return nil
	}
	return rep.Revenue.Cards
}
