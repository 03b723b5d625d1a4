package analytics_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/settings"
)

// Revenue and the funnel from hand-made events of an Asia/Shanghai
// account: two paid orders (one a second after local midnight, still the
// day before in UTC), a partial refund two days later, an order never paid.
func TestRevenueRollupAndFunnel(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-20 04:00:00")} // 20 March, noon in Shanghai
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := newAccount(t, d, "Asia/Shanghai", 3)
	evs := []analytics.Event{
		// Three people follow on 9 March (Shanghai).
		{AccountID: a, Kind: analytics.KindFollow, PersonID: 1, Surface: "search", At: utc("2026-03-09 02:00:00")},
		{AccountID: a, Kind: analytics.KindFollow, PersonID: 2, Surface: "qr", At: utc("2026-03-09 03:00:00")},
		{AccountID: a, Kind: analytics.KindFollow, PersonID: 3, Surface: "qr", At: utc("2026-03-09 04:00:00")},
		// Person 1: order 101, ¥100.00 from a card, paid at 23:59:59 on 9 March.
		{AccountID: a, Kind: analytics.KindOrderCreated, PersonID: 1, ObjectID: 101, Surface: "card", Value: 10000, At: utc("2026-03-09 15:59:00")},
		{AccountID: a, Kind: analytics.KindPayment, PersonID: 1, ObjectID: 101, Surface: "card", Value: 10000, At: utc("2026-03-09 15:59:59")},
		// Person 2: order 102, ¥50.00 from an article, paid at 00:00:01 on
		// 10 March in Shanghai (still 9 March in UTC).
		{AccountID: a, Kind: analytics.KindOrderCreated, PersonID: 2, ObjectID: 102, Surface: "article", Value: 5000, At: utc("2026-03-09 15:58:00")},
		{AccountID: a, Kind: analytics.KindPayment, PersonID: 2, ObjectID: 102, Surface: "article", Value: 5000, At: utc("2026-03-09 16:00:01")},
		// Person 3: order 103, never paid.
		{AccountID: a, Kind: analytics.KindOrderCreated, PersonID: 3, ObjectID: 103, Surface: "card", Value: 2500, At: utc("2026-03-10 01:00:00")},
		// ¥20.00 of order 101 refunded on 11 March.
		{AccountID: a, Kind: analytics.KindRefund, PersonID: 1, ObjectID: 101, Surface: "card", Value: 2000, At: utc("2026-03-11 02:00:00")},
		// The previous period (5 to 8 March): a ¥30.00 payment on 6 March.
		{AccountID: a, Kind: analytics.KindPayment, PersonID: 9, ObjectID: 99, Surface: "api", Value: 3000, At: utc("2026-03-06 02:00:00")},
	}
	if err := analytics.InsertEvents(ctx, d, evs); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent: a second run changes nothing
		if _, err := st.RollupNow(ctx); err != nil {
			t.Fatal(err)
		}
		for _, day := range []string{"2026-03-09", "2026-03-10", "2026-03-11"} {
			if err := st.RollupDay(ctx, a, day, analytics.Location("Asia/Shanghai")); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := totals(t, st, a, "2026-03-01", "2026-03-31")
	sum := func(day, kind, surface string) int64 { return m[key{day, kind, surface}].ValueSum }
	if g := sum("2026-03-09", "payment", "*"); g != 10000 {
		t.Errorf("9 March paid %d fen, want 10000", g)
	}
	if g := sum("2026-03-10", "payment", "*"); g != 5000 {
		t.Errorf("10 March paid %d fen, want 5000 (00:00:01 in Shanghai)", g)
	}
	if g := sum("2026-03-10", "payment", "article"); g != 5000 {
		t.Errorf("10 March article paid %d fen, want 5000", g)
	}
	if g := sum("2026-03-11", "refund", "*"); g != 2000 {
		t.Errorf("11 March refunded %d fen, want 2000", g)
	}
	expect(t, m, "2026-03-09", "conv_follows", "*", 3, 3)
	expect(t, m, "2026-03-09", "conv_order", "*", 3, 3)
	expect(t, m, "2026-03-09", "conv_paid", "*", 2, 2)
	expect(t, m, "2026-03-09", "conv_order", "qr", 2, 2)
	expect(t, m, "2026-03-09", "conv_paid", "qr", 1, 1)
	expect(t, m, "2026-03-09", "conv_any", "*", 2, 2) // the unpaid order is not a message, link or payment

	rep, err := st.Report(ctx, analytics.ReportInput{AccountID: a, Timezone: "Asia/Shanghai", Followers: 3,
		From: "2026-03-09", To: "2026-03-12", Payments: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revenue == nil {
		t.Fatal("no revenue section")
	}
	cards := map[string]string{}
	for _, c := range rep.Revenue.Cards {
		cards[c.Label] = c.Text + "|" + c.PrevText
		if c.Text == "" {
			cards[c.Label] = strconv.FormatInt(c.Value, 10) + "|" + strconv.FormatInt(c.Prev, 10)
		}
	}
	wantCards := map[string]string{"Revenue (paid)": "¥150.00|¥30.00", "Refunded": "¥20.00|¥0.00", "Net revenue": "¥130.00|¥30.00",
		"Paid orders": "2|1", "Average order": "¥75.00|¥30.00"}
	if !reflect.DeepEqual(cards, wantCards) {
		t.Errorf("revenue cards:\n got %v\nwant %v", cards, wantCards)
	}
	wantDays := [][]string{
		{"2026-03-09", "1", "100.00", "0.00", "100.00", "100.00"},
		{"2026-03-10", "1", "50.00", "0.00", "50.00", "50.00"},
		{"2026-03-11", "0", "0.00", "20.00", "-20.00", "0.00"},
		{"2026-03-12", "0", "0.00", "0.00", "0.00", "0.00"},
	}
	if got := rep.Table("revenue").Rows; !reflect.DeepEqual(got, wantDays) {
		t.Errorf("revenue per day:\n got %v\nwant %v", got, wantDays)
	}
	wantSources := [][]string{
		{"Product card in chat", "1", "100.00", "20.00", "80.00", "100.00", "0.00"},
		{"Article", "1", "50.00", "0.00", "50.00", "50.00", "0.00"},
		{"API (your server)", "0", "0.00", "0.00", "0.00", "0.00", "30.00"},
	}
	if got := rep.Table("revenue_sources").Rows; !reflect.DeepEqual(got, wantSources) {
		t.Errorf("revenue by source:\n got %v\nwant %v", got, wantSources)
	}
	wantFunnel := [][]string{
		{"New followers", "3", "–", "100.0%", "0"},
		{"Created an order", "3", "100.0%", "100.0%", "0"},
		{"Paid", "2", "66.7%", "66.7%", "0"},
	}
	if got := rep.Table("funnel").Rows; !reflect.DeepEqual(got, wantFunnel) {
		t.Errorf("funnel:\n got %v\nwant %v", got, wantFunnel)
	}

	// Without payments there is no revenue section or table.
	rep, err = st.Report(ctx, analytics.ReportInput{AccountID: a, Timezone: "Asia/Shanghai", Followers: 3, From: "2026-03-09", To: "2026-03-12"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revenue != nil || rep.Table("revenue") != nil || rep.Table("funnel") != nil {
		t.Error("a report without payments has a revenue section")
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 1234: "12.34", -2000: "-20.00", 100000001: "1000000.01"} {
		if got := analytics.Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
