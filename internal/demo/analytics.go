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
	g := &eventGen{rng: rand.New(rand.NewPCG(11, 2026)), now: a.Clock.Now(), people: w.followers}
	for _, spec := range demoTraffic {
		acct := w.accounts[spec.key]
		if acct == nil {
			continue
		}
		g.acct, g.spec = acct.ID, spec
		articles := demoArticles(ctx, a.DB, acct.ID)
		for day := analyticsDays - 1; day >= 0; day-- {
			g.day(day, articles)
		}
	}
	nEvents = len(g.evs)
	if err := analytics.InsertEvents(ctx, a.DB, g.evs); err != nil {
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

// trafficSpec is how busy a demo account is.
type trafficSpec struct {
	key                string
	newMin, newMax     int // follows per day
	lostMax            int // unfollows per day, at most
	readsPerArticle    int
	messages, apiCalls int // per day, at most
	orders             int // Herald Pay orders per day, at most
	buttons            []string
}

// demoTraffic is the two demo accounts' traffic, in the order generated.
var demoTraffic = []trafficSpec{
	{"lotus", 2, 6, 2, 30, 8, 0, 0, []string{"TEA_OF_MONTH", "https://lotus-tea.example/menu", "HOURS", "https://lotus-tea.example/map", "BOOK"}},
	{"harbour", 1, 3, 1, 20, 12, 120, 4, []string{"RATES", "https://harbour-bank.example/open", "HOURS", "AGENT", "https://harbour-bank.example/security"}},
}

// followSources are where follows come from, search most.
var followSources = []string{"search", "search", "search", "profile", "qr", "qr", "article", "article", "other"}

// eventGen draws one account's events day by day from one random source
// (the same seed gives the same history).
type eventGen struct {
	rng    *rand.Rand
	now    time.Time
	people []*user.Person
	acct   int64
	spec   trafficSpec
	evs    []analytics.Event
}

func (g *eventGen) add(e analytics.Event) {
	e.AccountID = g.acct
	g.evs = append(g.evs, e)
}

func (g *eventGen) pick() *user.Person { return g.people[g.rng.IntN(len(g.people))] }

func (g *eventGen) device() string {
	switch r := g.rng.IntN(20); {
	case r < 16:
		return analytics.DeviceMobile
	case r < 19:
		return analytics.DeviceDesktop
	default:
		return analytics.DeviceTablet
	}
}

// at is a moment of the day days ago, daytime-heavy: 07:00-23:00 Beijing
// time, i.e. 23:00-15:00 UTC.
func (g *eventGen) at(day int) time.Time {
	base := g.now.AddDate(0, 0, -day).Truncate(24 * time.Hour).Add(-time.Hour)
	t := base.Add(time.Duration(g.rng.IntN(16*3600)) * time.Second)
	if t.After(g.now) {
		t = g.now.Add(-time.Duration(g.rng.IntN(3600)) * time.Second)
	}
	return t
}

// day draws one day's events, part by part.
func (g *eventGen) day(day int, articles []int64) {
	g.follows(day)
	g.reads(day, articles)
	g.menuClicks(day)
	g.messages(day)
	g.orders(day)
	g.developer(day)
}

// follows draws the day's follows and unfollows: growth, a little faster
// in recent weeks.
func (g *eventGen) follows(day int) {
	n := g.spec.newMin + g.rng.IntN(g.spec.newMax-g.spec.newMin+1)
	if day < 14 {
		n++
	}
	for i := 0; i < n; i++ {
		p := g.pick()
		src := followSources[g.rng.IntN(len(followSources))]
		t := g.at(day)
		g.add(analytics.Event{Kind: analytics.KindFollow, PersonID: p.ID, Surface: src, Device: g.device(), At: t})
		// Some new followers write or click soon after following.
		if g.rng.IntN(4) == 0 {
			g.add(analytics.Event{Kind: analytics.KindMessageIn, PersonID: p.ID, Surface: "text", Device: analytics.DeviceMobile, At: t.Add(time.Duration(1+g.rng.IntN(30)) * time.Hour)})
		}
	}
	for i := g.rng.IntN(g.spec.lostMax + 1); i > 0; i-- {
		g.add(analytics.Event{Kind: analytics.KindUnfollow, PersonID: g.pick().ID, Surface: followSources[g.rng.IntN(len(followSources))], At: g.at(day)})
	}
}

// reads draws the day's impressions, reads and reactions: each article is
// read most in the days after it "came out".
func (g *eventGen) reads(day int, articles []int64) {
	surfaces := []string{analytics.SurfaceChat, analytics.SurfaceChat, analytics.SurfaceFolder, analytics.SurfaceProfile, analytics.SurfaceLink}
	for j, art := range articles {
		age := day - (j*7)%analyticsDays
		if age > 0 {
			continue // not out yet on that day
		}
		decay := 1 + (-age)/3
		reads := g.spec.readsPerArticle/decay + g.rng.IntN(3)
		for i := 0; i < reads*3/2; i++ {
			g.add(analytics.Event{Kind: analytics.KindImpression, PersonID: g.pick().ID, ObjectID: art, Surface: surfaces[g.rng.IntN(3)], At: g.at(day)})
		}
		for i := 0; i < reads; i++ {
			p, t, dev := g.pick(), g.at(day), g.device()
			g.add(analytics.Event{Kind: analytics.KindRead, PersonID: p.ID, ObjectID: art, Surface: surfaces[g.rng.IntN(len(surfaces))], Device: dev, At: t})
			g.reaction(p.ID, art, t)
		}
	}
}

// reaction draws what a reader did after reading: finished, shared, liked,
// wowed, clicked a link (or nothing).
func (g *eventGen) reaction(person, art int64, t time.Time) {
	if g.rng.IntN(3) > 0 {
		g.add(analytics.Event{Kind: analytics.KindReadComplete, PersonID: person, ObjectID: art, At: t.Add(2 * time.Minute)})
	}
	switch r := g.rng.IntN(20); {
	case r == 0:
		g.add(analytics.Event{Kind: analytics.KindShare, PersonID: person, ObjectID: art, Surface: "friend", At: t.Add(3 * time.Minute)})
	case r < 3:
		g.add(analytics.Event{Kind: analytics.KindLike, PersonID: person, ObjectID: art, At: t.Add(3 * time.Minute)})
	case r == 3:
		g.add(analytics.Event{Kind: analytics.KindWow, PersonID: person, ObjectID: art, At: t.Add(3 * time.Minute)})
	case r == 4:
		g.add(analytics.Event{Kind: analytics.KindLinkClick, PersonID: person, ObjectID: art, Surface: "body", At: t.Add(4 * time.Minute)})
	}
}

// menuClicks draws the day's menu clicks, with the first buttons clicked
// most.
func (g *eventGen) menuClicks(day int) {
	buttons := g.spec.buttons
	for i := g.rng.IntN(12); i > 0; i-- {
		b := buttons[min(g.rng.IntN(len(buttons)), g.rng.IntN(len(buttons)))]
		g.add(analytics.Event{Kind: analytics.KindMenuClick, PersonID: g.pick().ID, Surface: b, At: g.at(day)})
	}
}

// messages draws the day's messages from followers.
func (g *eventGen) messages(day int) {
	for i := g.rng.IntN(g.spec.messages + 1); i > 0; i-- {
		kind := "text"
		if g.rng.IntN(6) == 0 {
			kind = "image"
		}
		g.add(analytics.Event{Kind: analytics.KindMessageIn, PersonID: g.pick().ID, Surface: kind, At: g.at(day)})
	}
}

// orders draws the day's Herald Pay orders: created, most of them paid, a
// few refunded in part a day or two later (the Revenue section and the
// follower → order → paid funnel).
func (g *eventGen) orders(day int) {
	for i := g.rng.IntN(g.spec.orders + 1); i > 0; i-- {
		p, t := g.pick(), g.at(day)
		order, fen := id.New(), int64(1800+100*g.rng.IntN(110))
		src := []string{"card", "card", "article", "api"}[g.rng.IntN(4)]
		g.add(analytics.Event{Kind: analytics.KindOrderCreated, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen, At: t})
		if g.rng.IntN(5) == 0 {
			continue // never paid
		}
		paid := t.Add(time.Duration(1+g.rng.IntN(10)) * time.Minute)
		g.add(analytics.Event{Kind: analytics.KindPayment, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen, At: paid})
		if refundAt := paid.Add(time.Duration(24+g.rng.IntN(24)) * time.Hour); g.rng.IntN(12) == 0 && refundAt.Before(g.now) {
			g.add(analytics.Event{Kind: analytics.KindRefund, PersonID: p.ID, ObjectID: order, Surface: src, Value: fen / 2, At: refundAt})
		}
	}
}

// developer draws the day's developer API calls and pushes to the
// developer's server, for accounts that have one.
func (g *eventGen) developer(day int) {
	if g.spec.apiCalls <= 0 {
		return
	}
	for i := g.spec.apiCalls/2 + g.rng.IntN(g.spec.apiCalls/2); i > 0; i-- {
		g.add(analytics.Event{Kind: analytics.KindAPICall, Surface: "cgi-bin/message/custom/send",
			Value: int64(15 + g.rng.IntN(120)), Failed: g.rng.IntN(50) == 0, At: g.at(day)})
	}
	for i := 10 + g.rng.IntN(20); i > 0; i-- {
		g.add(analytics.Event{Kind: analytics.KindPushDelivery, Surface: "message",
			Value: int64(40 + g.rng.IntN(400)), Failed: g.rng.IntN(30) == 0, At: g.at(day)})
	}
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
