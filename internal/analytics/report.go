package analytics

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/analytics/chart"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Table is one table of a report, shown on the page and exported as CSV.
type Table struct {
	Name  string // in URLs: .../analytics/{Name}.csv
	Title string
	Head  []string
	Rows  [][]string
	Note  string
	// Names is how many leading columns hold names (article titles, menu
	// buttons): content, shown as written in any language.
	Names int
}

// Card is one headline figure with the previous period's for comparison.
type Card struct {
	Label string
	Value int64
	Prev  int64
	Delta string // "+12%", "−3%", "new" or ""
	Up    bool
	Down  bool
	// Bad is true when a rise is bad news (unfollows): pages colour the
	// change the other way round.
	Bad bool
	// Text and PrevText, when set, show Value and Prev formatted (money).
	Text, PrevText string
}

// Report is everything the console's analytics page shows for a period.
type Report struct {
	From, To, PrevFrom, PrevTo, Today string
	Cards                             []Card
	Tables                            []*Table
	Charts                            map[string]template.HTML
	Demographics                      *Demographics
	// Revenue is set when the report was asked for with Payments.
	Revenue *Revenue
}

// Table returns the report's table called name, or nil.
func (r *Report) Table(name string) *Table {
	for _, t := range r.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// ReportInput selects the account and period of a report.
type ReportInput struct {
	AccountID int64
	Timezone  string
	Followers int64 // the maintained follower count now
	From, To  string
	MinGroup  int // settings.Platform.MinDemographicGroup
	// Payments adds the revenue section (a Service account with Herald
	// Pay enabled): tables "revenue", "revenue_sources" and "funnel".
	Payments bool
	// T writes the report's texts (headings, notes, labels) in the
	// viewer's language: a catalogue key with fmt verbs and its values.
	// Nil writes them in English.
	T func(key string, args ...any) string
}

// tr is in.T, or fmt.Sprintf when the report is asked for in English.
func (in ReportInput) tr() func(string, ...any) string {
	if in.T != nil {
		return in.T
	}
	return fmt.Sprintf
}

// TableNames lists the tables of a report, in page order.
var TableNames = []string{"growth", "sources", "publications", "articles", "menu", "messages", "conversion", "interface"}

// Report builds the analytics of an account for days From..To (inclusive,
// in the account's time zone) from the rollups, with the period of the same
// length before it for comparison.
func (s *Store) Report(ctx context.Context, in ReportInput) (_ *Report, err error) {
	defer errs.Wrap(&err, "analytics.Store.Report()")
	today := s.Today(in.Timezone)
	n := daysBetween(in.From, in.To) + 1
	rep := &Report{From: in.From, To: in.To, PrevTo: AddDays(in.From, -1), PrevFrom: AddDays(in.From, -n), Today: today,
		Charts: map[string]template.HTML{}}
	curRows, prevRows, err := s.PeriodSums(ctx, in.AccountID, rep.PrevFrom, in.From, in.To)
	if err != nil {
		return nil, err
	}
	cur := map[k2]*Row{}  // summed over the period
	prev := map[k2]*Row{} // summed over the previous period
	for i := range curRows {
		cur[k2{curRows[i].Kind, curRows[i].Surface}] = &curRows[i]
		prev[k2{prevRows[i].Kind, prevRows[i].Surface}] = &prevRows[i]
	}
	dayRows, err := s.DayRows(ctx, in.AccountID, in.From, in.To, KindMessageIn, KindPayment, KindRefund)
	if err != nil {
		return nil, err
	}
	byDay := map[string]map[k2]Row{}
	for _, r := range dayRows {
		if byDay[r.Day] == nil {
			byDay[r.Day] = map[k2]Row{}
		}
		byDay[r.Day][k2{r.Kind, r.Surface}] = r
	}
	days := make([]string, 0, n)
	for d := in.From; d <= in.To; d = AddDays(d, 1) {
		days = append(days, d)
	}
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = d[5:]
	}
	tr := in.tr()
	p := &reportParts{cur: cur, prev: prev, byDay: byDay, days: days, labels: labels, t: tr}
	p.cards(rep)
	if err := s.growthSection(ctx, rep, in, today, labels); err != nil {
		return nil, err
	}
	p.sources(rep)
	// Articles and publications.
	if err := s.articleTables(ctx, rep, in); err != nil {
		return nil, err
	}
	p.menu(rep)
	p.messages(rep)
	p.conversion(rep)
	if in.Payments {
		rep.Revenue = revenueSection(tr, rep, curRows, prevRows, dayRows, days, labels)
	}
	p.interfaceCalls(rep)
	if err := s.todayChart(ctx, rep, in.AccountID, today, tr); err != nil {
		return nil, err
	}
	rep.Demographics, err = s.Demographics(ctx, in.AccountID, in.MinGroup)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// growthSection adds follower growth per day, with its charts.
func (s *Store) growthSection(ctx context.Context, rep *Report, in ReportInput, today string, labels []string) error {
	growth, err := s.Growth(ctx, in.AccountID, in.Followers, in.From, in.To, today)
	if err != nil {
		return err
	}

	tr := in.tr()
	gt := &Table{Name: "growth", Title: tr("Follower growth"), Head: []string{tr("Day"), tr("New"), tr("Lost"), tr("Net"), tr("Cumulative")}}
	var sNew, sLost, sCum []float64
	for _, g := range growth {
		gt.Rows = append(gt.Rows, []string{g.Day, itoa(g.New), itoa(g.Lost), itoa(g.Net), itoa(g.Cumulative)})
		sNew = append(sNew, float64(g.New))
		sLost = append(sLost, float64(g.Lost))
		sCum = append(sCum, float64(g.Cumulative))
	}
	rep.Tables = append(rep.Tables, gt)
	rep.Charts["growth"] = (&chart.Chart{T: tr, Title: tr("New and lost followers per day"), Labels: labels,
		Series: []chart.Series{{Name: tr("New"), Values: sNew}, {Name: tr("Lost"), Values: sLost}}}).Line()
	rep.Charts["cumulative"] = (&chart.Chart{T: tr, Title: tr("Followers at the end of each day"), Labels: labels,
		Series: []chart.Series{{Name: tr("Followers"), Values: sCum}}}).Line()
	return nil
}

// todayChart adds today's follows, reads and messages hour by hour (from
// the hourly rollup).
func (s *Store) todayChart(ctx context.Context, rep *Report, accountID int64, today string, tr func(string, ...any) string) error {
	hours, err := s.Hourly(ctx, accountID, today)
	if err != nil {
		return err
	}
	hl := make([]string, 24)
	hv := map[string][]float64{KindFollow: make([]float64, 24), KindRead: make([]float64, 24), KindMessageIn: make([]float64, 24)}
	for h := range hl {
		hl[h] = fmt.Sprintf("%02d:00", h)
	}
	for _, r := range hours {
		if v, ok := hv[r.Kind]; ok && r.Surface == All && r.Object >= 0 && r.Object < 24 {
			v[r.Object] = float64(r.Events)
		}
	}
	rep.Charts["today"] = (&chart.Chart{T: tr, Title: tr("Today hour by hour: follows, reads and messages"), Labels: hl,
		Series: []chart.Series{{Name: tr("Follows"), Values: hv[KindFollow]}, {Name: tr("Reads"), Values: hv[KindRead]}, {Name: tr("Messages"), Values: hv[KindMessageIn]}}}).Bar()
	return nil
}

// cards adds the headline numbers with the previous period's.
func (p *reportParts) cards(rep *Report) {
	cur, prev := p.cur, p.prev
	card := func(label, kind string) {
		c := Card{Label: p.t(label), Value: ev(cur, kind, All), Prev: ev(prev, kind, All)}
		c.Delta, c.Up, c.Down = delta(c.Value, c.Prev)
		rep.Cards = append(rep.Cards, c)
	}
	card("New followers", KindFollow)
	card("Unfollows", KindUnfollow)
	rep.Cards[len(rep.Cards)-1].Bad = true
	net := Card{Label: p.t("Net growth"), Value: ev(cur, KindFollow, All) - ev(cur, KindUnfollow, All), Prev: ev(prev, KindFollow, All) - ev(prev, KindUnfollow, All)}
	net.Delta, net.Up, net.Down = delta(net.Value, net.Prev)
	rep.Cards = append(rep.Cards, net)
	card("Article reads", KindRead)
	card("Shares", KindShare)
	card("Messages from followers", KindMessageIn)
	card("Menu clicks", KindMenuClick)
}

// sources adds new and lost followers by source.
func (p *reportParts) sources(rep *Report) {
	cur, prev := p.cur, p.prev
	tr := p.t
	st := &Table{Name: "sources", Title: tr("Followers by source"), Head: []string{tr("Source"), tr("New"), tr("Lost"), tr("Net"), tr("New (previous period)")}}
	sources := map[string]bool{}
	for k := range cur {
		if (k.kind == KindFollow || k.kind == KindUnfollow) && k.surface != All {
			sources[k.surface] = true
		}
	}
	var srcNames []string
	var srcNew []float64
	for _, src := range sortedKeys(sources) {
		nw, lost := ev(cur, KindFollow, src), ev(cur, KindUnfollow, src)
		st.Rows = append(st.Rows, []string{sourceLabel(tr, src), itoa(nw), itoa(lost), itoa(nw - lost), itoa(ev(prev, KindFollow, src))})
		srcNames = append(srcNames, sourceLabel(tr, src))
		srcNew = append(srcNew, float64(nw))
	}
	rep.Tables = append(rep.Tables, st)
	rep.Charts["sources"] = (&chart.Chart{T: tr, Title: tr("New followers by source"), Labels: srcNames, Series: []chart.Series{{Name: tr("New followers"), Values: srcNew}}}).Bar()
}

// menu adds the clicks per menu button.
func (p *reportParts) menu(rep *Report) {
	cur, prev := p.cur, p.prev
	tr := p.t
	mt := &Table{Name: "menu", Names: 1, Title: tr("Menu clicks per button"), Head: []string{tr("Button"), tr("Clicks"), tr("Followers (daily, summed)"), tr("Clicks (previous period)")}}
	type btn struct {
		key    string
		clicks int64
		users  int64
	}
	var btns []btn
	for k, x := range cur {
		if k.kind == KindMenuClick && k.surface != All {
			btns = append(btns, btn{k.surface, x.Events, x.Users})
		}
	}
	sort.Slice(btns, func(i, j int) bool {
		if btns[i].clicks != btns[j].clicks {
			return btns[i].clicks > btns[j].clicks
		}
		return btns[i].key < btns[j].key
	})
	var bl []string
	var bv []float64
	for i, b := range btns {
		mt.Rows = append(mt.Rows, []string{b.key, itoa(b.clicks), itoa(b.users), itoa(ev(prev, KindMenuClick, b.key))})
		if i < 12 {
			bl = append(bl, shorten(b.key, 14))
			bv = append(bv, float64(b.clicks))
		}
	}
	rep.Tables = append(rep.Tables, mt)
	rep.Charts["menu"] = (&chart.Chart{T: tr, Title: tr("Clicks per menu button"), Labels: bl, Series: []chart.Series{{Name: tr("Clicks"), Values: bv}}}).Bar()
}

// messages adds followers' messages per day and type.
func (p *reportParts) messages(rep *Report) {
	cur, byDay, days, labels := p.cur, p.byDay, p.days, p.labels
	tr := p.t
	msgT := &Table{Name: "messages", Title: tr("Messages from followers per day"), Head: []string{tr("Day"), tr("Messages"), tr("Followers who wrote")}}
	types := map[string]bool{}
	for k := range cur {
		if k.kind == KindMessageIn && k.surface != All {
			types[k.surface] = true
		}
	}
	typeNames := sortedKeys(types)
	for _, t := range typeNames {
		msgT.Head = append(msgT.Head, tr("Type: %s", tr(t)))
	}
	var mv, mu []float64
	for _, d := range days {
		x := byDay[d][k2{KindMessageIn, All}]
		row := []string{d, itoa(x.Events), itoa(x.Users)}
		for _, t := range typeNames {
			row = append(row, itoa(byDay[d][k2{KindMessageIn, t}].Events))
		}
		msgT.Rows = append(msgT.Rows, row)
		mv = append(mv, float64(x.Events))
		mu = append(mu, float64(x.Users))
	}
	rep.Tables = append(rep.Tables, msgT)
	rep.Charts["messages"] = (&chart.Chart{T: tr, Title: tr("Messages from followers per day"), Labels: labels,
		Series: []chart.Series{{Name: tr("Messages"), Values: mv}, {Name: tr("Followers who wrote"), Values: mu}}}).Bar()
}

// conversion adds what new followers did within 7 days.
func (p *reportParts) conversion(rep *Report) {
	cur := p.cur
	tr := p.t
	ct := &Table{Name: "conversion", Title: tr("Conversion of new followers (within 7 days of following)"),
		Head: []string{tr("Source"), tr("New followers"), tr("Then messaged"), tr("Then clicked a link"), tr("Then paid"), tr("Any of these"), tr("Conversion rate")},
		Note: tr("Followers who followed in the period and, within 7 days, sent a message, clicked a link in an article or paid.")}
	convSources := map[string]bool{}
	for k := range cur {
		if k.kind == ConvFollows {
			convSources[k.surface] = true
		}
	}
	for _, src := range sortedKeys(convSources) {
		f, a := ev(cur, ConvFollows, src), ev(cur, ConvAny, src)
		label := sourceLabel(tr, src)
		if src == All {
			label = tr("All sources")
		}
		ct.Rows = append(ct.Rows, []string{label, itoa(f), itoa(ev(cur, ConvMessage, src)), itoa(ev(cur, ConvLink, src)),
			itoa(ev(cur, ConvPaid, src)), itoa(a), pct(a, f)})
	}
	rep.Tables = append(rep.Tables, ct)
}

// interfaceCalls adds the developer API's calls and pushes.
func (p *reportParts) interfaceCalls(rep *Report) {
	cur := p.cur
	tr := p.t
	it := &Table{Name: "interface", Title: tr("Developer API and pushes"), Head: []string{tr("Kind"), tr("Calls"), tr("Failures"), tr("Average time (ms)"), tr("Longest (ms)")}}
	for _, kind := range []string{KindAPICall, KindPushDelivery} {
		x := cur[k2{kind, All}]
		if x == nil {
			continue
		}
		avg := int64(0)
		if x.Events > 0 {
			avg = x.ValueSum / x.Events
		}
		name := tr("API calls")
		if kind == KindPushDelivery {
			name = tr("Pushes to your server")
		}
		it.Rows = append(it.Rows, []string{name, itoa(x.Events), itoa(x.Failures), itoa(avg), itoa(x.ValueMax)})
	}
	rep.Tables = append(rep.Tables, it)
}

// k2 names a sum: its kind and surface.
type k2 struct{ kind, surface string }

// reportParts are the sums every section of a report reads.
type reportParts struct {
	cur, prev    map[k2]*Row // summed over the period and the one before
	byDay        map[string]map[k2]Row
	days, labels []string // the period's days, and their chart labels
	t            func(string, ...any) string
}

// ev is the events of a sum, 0 when there is none.
func ev(m map[k2]*Row, kind, surface string) int64 {
	if x := m[k2{kind, surface}]; x != nil {
		return x.Events
	}
	return 0
}

func (s *Store) articleTables(ctx context.Context, rep *Report, in ReportInput) error {
	tr := in.tr()
	objs, err := s.ObjectRows(ctx, in.AccountID, in.From, in.To, KindImpression, KindRead, KindReadComplete, KindShare, KindLike, KindWow, KindComment, KindLinkClick)
	if err != nil {
		return err
	}
	bySurface, err := s.ObjectSurfaceReads(ctx, in.AccountID, in.From, in.To, KindRead)
	if err != nil {
		return err
	}
	type agg struct {
		id                                                            int64
		impr, reads, readers, complete, shares, likes, wows, comments int64
	}
	m := map[int64]*agg{}
	for _, r := range objs {
		a := m[r.Object]
		if a == nil {
			a = &agg{id: r.Object}
			m[r.Object] = a
		}
		switch r.Kind {
		case KindImpression:
			a.impr = r.Users
		case KindRead:
			a.reads, a.readers = r.Events, r.Users
		case KindReadComplete:
			a.complete = r.Users
		case KindShare:
			a.shares = r.Events
		case KindLike:
			a.likes = r.Events
		case KindWow:
			a.wows = r.Events
		case KindComment:
			a.comments = r.Events
		}
	}
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	titles := s.articleTitles(ctx, in.AccountID, ids)
	list := make([]*agg, 0, len(m))
	for _, a := range m {
		if a.reads > 0 || a.impr > 0 {
			list = append(list, a)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].reads != list[j].reads {
			return list[i].reads > list[j].reads
		}
		return list[i].id > list[j].id
	})
	at := &Table{Name: "articles", Names: 2, Title: tr("Articles"), Head: []string{tr("Article"), tr("Publication"), tr("Reads"), tr("Readers"), tr("Shares"), tr("Likes"), tr("Wows"), tr("Comments"), tr("Read rate"), tr("Completion"),
		tr("Reads from chats"), tr("from the folder"), tr("from the profile"), tr("from links")},
		Note: tr("Readers are distinct per day, summed over the days. Read rate: readers of those the article was shown to in chats and the Subscriptions folder. Completion: readers who reached the end.")}
	pubs := map[string]*agg{}
	var pubOrder []string
	for _, a := range list {
		t := titles[a.id]
		if t.title == "" {
			t.title = tr("Article %s", strconv.FormatInt(a.id, 10))
		}
		sf := bySurface[a.id]
		at.Rows = append(at.Rows, []string{t.title, t.pub, itoa(a.reads), itoa(a.readers), itoa(a.shares), itoa(a.likes), itoa(a.wows), itoa(a.comments),
			pct(a.readers, a.impr), pct(a.complete, a.readers),
			itoa(sf[SurfaceChat]), itoa(sf[SurfaceFolder]), itoa(sf[SurfaceProfile]), itoa(sf[SurfaceLink])})
		key := t.pub
		if key == "" {
			key = t.title
		}
		p := pubs[key]
		if p == nil {
			p = &agg{}
			pubs[key] = p
			pubOrder = append(pubOrder, key)
		}
		p.impr += a.impr
		p.reads += a.reads
		p.readers += a.readers
		p.complete += a.complete
		p.shares += a.shares
		p.likes += a.likes
		p.wows += a.wows
		p.comments += a.comments
	}
	pt := &Table{Name: "publications", Names: 1, Title: tr("Publications"), Head: []string{tr("Publication"), tr("Reads"), tr("Readers"), tr("Shares"), tr("Likes"), tr("Read rate"), tr("Completion")}}
	var pl []string
	var pv []float64
	for i, key := range pubOrder {
		p := pubs[key]
		pt.Rows = append(pt.Rows, []string{key, itoa(p.reads), itoa(p.readers), itoa(p.shares), itoa(p.likes), pct(p.readers, p.impr), pct(p.complete, p.readers)})
		if i < 10 {
			pl = append(pl, shorten(key, 14))
			pv = append(pv, float64(p.reads))
		}
	}
	rep.Tables = append(rep.Tables, pt, at)
	rep.Charts["publications"] = (&chart.Chart{T: tr, Title: tr("Reads per publication"), Labels: pl, Series: []chart.Series{{Name: tr("Reads"), Values: pv}}}).Bar()
	return nil
}

type articleTitle struct{ title, pub string }

// articleTitles names articles from the publishing feature's tables; when
// they are missing the report falls back to ids.
func (s *Store) articleTitles(ctx context.Context, accountID int64, ids []int64) map[int64]articleTitle {
	out := map[int64]articleTitle{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := []any{accountID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.db.Query(ctx, `SELECT a.id, a.title, p.title FROM articles a JOIN publications p ON p.id = a.publication_id
			WHERE a.account_id = ? AND a.id IN (?`+repeat(", ?", n-1)+`)`, args...)
		type r3 struct {
			id int64
			t  articleTitle
		}
		rs, err := db.Collect(rows, err, func(r *sqlRows) (r3, error) {
			var x r3
			return x, r.Scan(&x.id, &x.t.title, &x.t.pub)
		})
		if err != nil {
			s.log.Debug("analytics: article titles unavailable", "error", err)
			return out
		}
		for _, x := range rs {
			out[x.id] = x.t
		}
	}
	return out
}

func daysBetween(from, to string) int {
	a, err1 := parseDay(from)
	b, err2 := parseDay(to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(b.Sub(a).Hours()/24 + 0.5)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func pct(a, b int64) string {
	if b <= 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 1, 64) + "%"
}

func delta(cur, prev int64) (string, bool, bool) {
	switch {
	case prev == 0 && cur == 0:
		return "", false, false
	case prev == 0:
		return "new", cur > 0, cur < 0
	}
	d := float64(cur-prev) * 100 / float64(abs(prev))
	s := strconv.FormatFloat(d, 'f', 0, 64) + "%"
	if d > 0 {
		s = "+" + s
	}
	return s, d > 0, d < 0
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// SourceLabels names follow sources for people.
var SourceLabels = map[string]string{"search": "Search", "profile": "Profile", "qr": "QR code", "article": "Article", "other": "Other", "": "Unknown"}

func sourceLabel(tr func(string, ...any) string, s string) string {
	if l, ok := SourceLabels[s]; ok {
		return tr(l)
	}
	if strings.HasPrefix(s, "qr:") {
		return tr("QR scene %s", strings.TrimPrefix(s, "qr:"))
	}
	return s
}
