package demo

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"
)

// analyticsDays is how much history the demo's analytics cover.
const analyticsDays = 60

// seedAnalytics gives the two demo accounts 60 days of plausible events
// (follows and unfollows by source, article impressions, reads, shares,
// likes, menu clicks, messages, link clicks, API calls and pushes), written
// in bulk, then rolls them up once so the dashboards show history on first
// start. The demo's own follows and messages are seeded "now"; these events
// are their history, so the backfill from domain tables is marked done.
func seedAnalytics(ctx context.Context, w *world) error {
	a := w.app
	if a.AnalyticsStore == nil || w.accounts == nil {
		return nil
	}
	start := time.Now()
	var inserted, rolled time.Time
	var nEvents int
	defer func() {
		a.Log.Debug("demo: analytics seeded", "events", nEvents, "took", time.Since(start),
			"insert", inserted.Sub(start), "rollup", rolled.Sub(inserted))
	}()
	rng := rand.New(rand.NewPCG(11, 2026))
	now := a.Clock.Now()
	var evs []analytics.Event
	for _, spec := range []struct {
		key                string
		newMin, newMax     int // follows per day
		lostMax            int // unfollows per day, at most
		readsPerArticle    int
		messages, apiCalls int // per day, at most
		orders             int // Herald Pay orders per day, at most
		buttons            []string
	}{
		{"lotus", 2, 6, 2, 30, 8, 0, 0, []string{"TEA_OF_MONTH", "https://lotus-tea.example/menu", "HOURS", "https://lotus-tea.example/map", "BOOK"}},
		{"harbour", 1, 3, 1, 20, 12, 120, 4, []string{"RATES", "https://harbour-bank.example/open", "HOURS", "AGENT", "https://harbour-bank.example/security"}},
	} {
		acct := w.accounts[spec.key]
		if acct == nil {
			continue
		}
		articles := demoArticles(ctx, a.DB, acct.ID)
		people := w.followers
		pick := func() *user.Person { return people[rng.IntN(len(people))] }
		device := func() string {
			switch r := rng.IntN(20); {
			case r < 16:
				return analytics.DeviceMobile
			case r < 19:
				return analytics.DeviceDesktop
			default:
				return analytics.DeviceTablet
			}
		}
		at := func(day int) time.Time {
			// Daytime-heavy: 07:00-23:00 Beijing time, i.e. 23:00-15:00 UTC.
			base := now.AddDate(0, 0, -day).Truncate(24 * time.Hour).Add(-time.Hour)
			t := base.Add(time.Duration(rng.IntN(16*3600)) * time.Second)
			if t.After(now) {
				t = now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
			}
			return t
		}
		sources := []string{"search", "search", "search", "profile", "qr", "qr", "article", "article", "other"}
		for day := analyticsDays - 1; day >= 0; day-- {
			// Growth, a little faster in recent weeks.
			n := spec.newMin + rng.IntN(spec.newMax-spec.newMin+1)
			if day < 14 {
				n++
			}
			for i := 0; i < n; i++ {
				p := pick()
				src := sources[rng.IntN(len(sources))]
				t := at(day)
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindFollow, PersonID: p.ID, Surface: src, Device: device(), At: t})
				// Some new followers write or click soon after following.
				if rng.IntN(4) == 0 {
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindMessageIn, PersonID: p.ID, Surface: "text", Device: analytics.DeviceMobile, At: t.Add(time.Duration(1+rng.IntN(30)) * time.Hour)})
				}
			}
			for i := rng.IntN(spec.lostMax + 1); i > 0; i-- {
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindUnfollow, PersonID: pick().ID, Surface: sources[rng.IntN(len(sources))], At: at(day)})
			}
			// Content: each article is read most in the days after it "came out".
			for j, art := range articles {
				age := day - (j*7)%analyticsDays
				if age > 0 {
					continue // not out yet on that day
				}
				decay := 1 + (-age)/3
				reads := spec.readsPerArticle/decay + rng.IntN(3)
				surfaces := []string{analytics.SurfaceChat, analytics.SurfaceChat, analytics.SurfaceFolder, analytics.SurfaceProfile, analytics.SurfaceLink}
				for i := 0; i < reads*3/2; i++ {
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindImpression, PersonID: pick().ID, ObjectID: art, Surface: surfaces[rng.IntN(3)], At: at(day)})
				}
				for i := 0; i < reads; i++ {
					p, t, dev := pick(), at(day), device()
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindRead, PersonID: p.ID, ObjectID: art, Surface: surfaces[rng.IntN(len(surfaces))], Device: dev, At: t})
					if rng.IntN(3) > 0 {
						evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindReadComplete, PersonID: p.ID, ObjectID: art, At: t.Add(2 * time.Minute)})
					}
					switch r := rng.IntN(20); {
					case r == 0:
						evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindShare, PersonID: p.ID, ObjectID: art, Surface: "friend", At: t.Add(3 * time.Minute)})
					case r < 3:
						evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindLike, PersonID: p.ID, ObjectID: art, At: t.Add(3 * time.Minute)})
					case r == 3:
						evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindWow, PersonID: p.ID, ObjectID: art, At: t.Add(3 * time.Minute)})
					case r == 4:
						evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindLinkClick, PersonID: p.ID, ObjectID: art, Surface: "body", At: t.Add(4 * time.Minute)})
					}
				}
			}
			// Menu clicks, with the first buttons clicked most.
			for i := rng.IntN(12); i > 0; i-- {
				b := spec.buttons[min(rng.IntN(len(spec.buttons)), rng.IntN(len(spec.buttons)))]
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindMenuClick, PersonID: pick().ID, Surface: b, At: at(day)})
			}
			// Messages from followers.
			for i := rng.IntN(spec.messages + 1); i > 0; i-- {
				kind := "text"
				if rng.IntN(6) == 0 {
					kind = "image"
				}
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindMessageIn, PersonID: pick().ID, Surface: kind, At: at(day)})
			}
			// Herald Pay: orders created, most of them paid, a few refunded
			// in part a day or two later (the Revenue section and the
			// follower → order → paid funnel).
			for i := rng.IntN(spec.orders + 1); i > 0; i-- {
				p, t := pick(), at(day)
				order, fen := id.New(), int64(1800+100*rng.IntN(110))
				src := []string{"card", "card", "article", "api"}[rng.IntN(4)]
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindOrderCreated, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen, At: t})
				if rng.IntN(5) == 0 {
					continue // never paid
				}
				paid := t.Add(time.Duration(1+rng.IntN(10)) * time.Minute)
				evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindPayment, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen, At: paid})
				if refundAt := paid.Add(time.Duration(24+rng.IntN(24)) * time.Hour); rng.IntN(12) == 0 && refundAt.Before(now) {
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindRefund, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen / 2, At: refundAt})
				}
			}
			// The developer API and pushes to the developer's server.
			if spec.apiCalls > 0 {
				for i := spec.apiCalls/2 + rng.IntN(spec.apiCalls/2); i > 0; i-- {
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindAPICall, Surface: "cgi-bin/message/custom/send",
						Value: int64(15 + rng.IntN(120)), Failed: rng.IntN(50) == 0, At: at(day)})
				}
				for i := 10 + rng.IntN(20); i > 0; i-- {
					evs = append(evs, analytics.Event{AccountID: acct.ID, Kind: analytics.KindPushDelivery, Surface: "message",
						Value: int64(40 + rng.IntN(400)), Failed: rng.IntN(30) == 0, At: at(day)})
				}
			}
		}
	}
	nEvents = len(evs)
	if err := analytics.InsertEvents(ctx, a.DB, evs); err != nil {
		return err
	}
	inserted = time.Now()
	if err := demoProfiles(ctx, w); err != nil {
		return err
	}
	st := a.AnalyticsStore
	if err := st.MarkBackfilled(ctx); err != nil {
		return err
	}
	if _, err := st.RollupNow(ctx); err != nil {
		return err
	}
	rolled = time.Now()
	if err := st.Snapshot(ctx); err != nil {
		return err
	}
	return st.PlatformSnapshot(ctx)
}

// demoArticles lists the account's published articles (none when the
// publishing feature has seeded nothing).
func demoArticles(ctx context.Context, d *db.DB, accountID int64) []int64 {
	rows, err := d.Query(ctx, `SELECT a.id FROM articles a JOIN publications p ON p.id = a.publication_id
		WHERE a.account_id = ? AND p.state = 'published' AND a.deleted = ? ORDER BY a.id LIMIT 20`, accountID, false)
	ids, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return nil
	}
	return ids
}

// demoProfiles gives the demo followers (not mei) a region and a language,
// as followers choose in their profile, so that the demographics have
// something to show: a few big groups and some too small to be shown.
func demoProfiles(ctx context.Context, w *world) error {
	regions := []string{"Shanghai", "Shanghai", "Shanghai", "Shanghai", "Shanghai", "Shanghai", "Beijing", "Beijing", "Beijing", "Beijing",
		"Guangdong", "Guangdong", "Guangdong", "Zhejiang", "Zhejiang", "Hong Kong", "Singapore", "Europe", "", "Sichuan"}
	groups := map[[2]string][]any{}
	for i, p := range w.followers {
		if i == 0 || p.Region != "" {
			continue
		}
		lang := "zh_CN"
		switch i % 10 {
		case 6, 7:
			lang = "en"
		case 8:
			lang = "zh_TW"
		}
		k := [2]string{regions[i%len(regions)], lang}
		groups[k] = append(groups[k], p.ID)
	}
	for k, ids := range groups {
		args := append([]any{k[0], k[1]}, ids...)
		q := `UPDATE people SET region = ?, language = ? WHERE region = '' AND id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		if _, err := w.app.DB.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}
