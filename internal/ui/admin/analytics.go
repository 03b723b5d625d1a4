package admin

import (
	"html/template"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/analytics/chart"
	"github.com/heraldoa/herald/internal/ui/core"
)

type adminAnalyticsView struct {
	Metrics      map[string]int64
	UpdatedAt    time.Time
	Statuses     []statusCount
	MedianReview string
	Activity     template.HTML // chart of the last 30 days
}

type statusCount struct {
	Status string
	Count  int64
}

func (u *UI) adminAnalytics(w http.ResponseWriter, r *http.Request) error {
	m, at, err := u.AnalyticsStore.Platform(r.Context())
	if err != nil {
		return err
	}
	v := &adminAnalyticsView{Metrics: m, UpdatedAt: at}
	l := u.Locale(r)
	for _, s := range []string{account.StatusActive, account.StatusPending, account.StatusSuspended, account.StatusRejected, account.StatusTerminated} {
		v.Statuses = append(v.Statuses, statusCount{s, m[analytics.MetricAccountsPrefix+s]})
	}
	today := analytics.DayOf(u.Clock.Now(), time.UTC)
	var labels []string
	series := []chart.Series{{Name: l.T("Follows")}, {Name: l.T("Unfollows")}, {Name: l.T("Messages")}, {Name: l.T("Reads")}}
	for i := 29; i >= 0; i-- {
		day := analytics.AddDays(today, -i)
		labels = append(labels, day[5:])
		for j, kind := range []string{analytics.KindFollow, analytics.KindUnfollow, analytics.KindMessageIn, analytics.KindRead} {
			series[j].Values = append(series[j].Values, float64(m[analytics.MetricDailyPrefix+kind+":"+day]))
		}
	}
	v.Activity = (&chart.Chart{T: l.T, Title: l.T("Platform activity over the last 30 days"), Labels: labels, Series: series}).Line()
	if sec, ok := m[analytics.MetricReviewMedianSeconds]; ok && m[analytics.MetricReviewsDecided] > 0 {
		v.MedianReview = (time.Duration(sec) * time.Second).Round(time.Minute).String()
	}
	return u.Render(w, r, http.StatusOK, "admin/analytics", u.NewPage(w, r, "Platform analytics", v))
}

// registerAnalytics adds the platform's analytics page.
func (u *UI) registerAnalytics(h core.Route) {
	if u.AnalyticsStore == nil {
		return
	}
	h("GET /admin/analytics", u.Staff(u.adminAnalytics))
}
