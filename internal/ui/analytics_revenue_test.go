package ui_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/pay"
)

// A Service account with Herald Pay sees revenue (paid, refunded, net,
// orders, average) and the follower → order → paid funnel on its Analytics
// page, and the CSV has the same figures; a Subscription account sees why
// there is none and has no such export.
func TestAnalyticsRevenueSectionAndCSV(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	ctx := context.Background()
	s := w.s
	if _, err := s.App.Pay.EnableMerchant(ctx, w.bank, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"mei", "bob"} {
		if err := s.App.Pay.TopUp(ctx, w.people["ada"].ID, w.people[p].ID, 20000, ""); err != nil {
			t.Fatal(err)
		}
	}
	order := func(person, no, source string, amount int64, paid bool) *pay.Order {
		t.Helper()
		o, err := s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: w.bank.ID, PersonID: w.people[person].ID, OutTradeNo: no,
			Amount: amount, Description: "Tea", Source: source})
		if err != nil {
			t.Fatal(err)
		}
		if paid {
			if _, err := s.App.Pay.Pay(ctx, o.ID, w.people[person].ID); err != nil {
				t.Fatal(err)
			}
		}
		return o
	}
	// Follows made straight in the store record no event: record them.
	for _, p := range []string{"mei", "bob"} {
		s.App.Analytics.Record(analytics.Event{AccountID: w.bank.ID, Kind: analytics.KindFollow, PersonID: w.people[p].ID,
			Surface: "search", At: s.App.Clock.Now().Add(-time.Second)})
	}
	loc := analytics.Location(w.bank.Timezone)
	day1 := analytics.DayOf(s.App.Clock.Now(), loc)
	o1 := order("mei", "REV0001", pay.SourceCard, 10000, true)
	order("bob", "REV0002", pay.SourceArticle, 5000, true)
	order("mei", "REV0003", pay.SourceCard, 2500, false) // never paid
	// The same out_trade_no again is the same order: not a second one.
	order("mei", "REV0003", pay.SourceCard, 2500, false)
	s.Clock.Advance(24 * time.Hour)
	day2 := analytics.DayOf(s.App.Clock.Now(), loc)
	if _, _, err := s.App.Pay.RefundOrder(ctx, w.bank.ID, o1.ID, "RF0001", 2000, "chipped cup"); err != nil {
		t.Fatal(err)
	}
	anRollup(t, s)

	hana := w.client(t, "hana")
	base := fmt.Sprintf("/mp/a/%d/analytics", w.bank.ID)
	r := hana.Get(base + "?range=7")
	if r.Status != http.StatusOK {
		t.Fatalf("analytics page: %d\n%s", r.Status, r.Body)
	}
	sec := r.Body
	if i := strings.Index(sec, `data-testid="analytics-revenue"`); i < 0 {
		t.Fatalf("no revenue section:\n%s", r.Body)
	} else {
		sec = sec[i:]
		sec = sec[:strings.Index(sec, "</section>")]
	}
	for _, want := range []string{"Revenue (paid)", "¥150.00", "Refunded", "¥20.00", "Net revenue", "¥130.00", "Paid orders", "Average order", "¥75.00",
		"<svg", `data-testid="table-revenue"`, `data-testid="table-funnel"`, "Product card in chat", "Created an order"} {
		if !strings.Contains(sec, want) {
			t.Errorf("revenue section lacks %q:\n%s", want, sec)
		}
	}

	csvRows := func(name string) [][]string {
		t.Helper()
		r := hana.Get(base + "/" + name + ".csv?range=7")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s.csv: %d %s", name, r.Status, r.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	byDay := map[string][]string{}
	rows := csvRows("revenue")
	if want := []string{"Day", "Paid orders", "Paid (¥)", "Refunded (¥)", "Net (¥)", "Average order (¥)"}; !reflect.DeepEqual(rows[0], want) {
		t.Errorf("revenue.csv head %v, want %v", rows[0], want)
	}
	if len(rows) != 8 {
		t.Errorf("revenue.csv has %d rows, want a head and 7 days", len(rows))
	}
	for _, row := range rows[1:] {
		byDay[row[0]] = row[1:]
		if row[0] != day1 && row[0] != day2 && !reflect.DeepEqual(row[1:], []string{"0", "0.00", "0.00", "0.00", "0.00"}) {
			t.Errorf("revenue.csv: %v on a day without orders", row)
		}
	}
	if got, want := byDay[day1], []string{"2", "150.00", "0.00", "150.00", "75.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("revenue.csv %s: %v, want %v", day1, got, want)
	}
	if got, want := byDay[day2], []string{"0", "0.00", "20.00", "-20.00", "0.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("revenue.csv %s (the refund): %v, want %v", day2, got, want)
	}
	// The page's table shows the same figures as the CSV.
	if !strings.Contains(sec, "<td>150.00</td>") || !strings.Contains(sec, "<td>-20.00</td>") {
		t.Errorf("the page's revenue table lacks the CSV's figures:\n%s", sec)
	}
	want := [][]string{{"Source", "Paid orders", "Paid (¥)", "Refunded (¥)", "Net (¥)", "Average order (¥)", "Paid (¥, previous period)"},
		{"Product card in chat", "1", "100.00", "20.00", "80.00", "100.00", "0.00"},
		{"Article", "1", "50.00", "0.00", "50.00", "50.00", "0.00"}}
	if got := csvRows("revenue_sources"); !reflect.DeepEqual(got, want) {
		t.Errorf("revenue_sources.csv:\n got %v\nwant %v", got, want)
	}
	// mei and bob followed today; both created orders (mei's unpaid one
	// included), both paid.
	want = [][]string{{"Step", "People", "Of the step before", "Of new followers", "People (previous period)"},
		{"New followers", "2", "–", "100.0%", "0"},
		{"Created an order", "2", "100.0%", "100.0%", "0"},
		{"Paid", "2", "100.0%", "100.0%", "0"}}
	if got := csvRows("funnel"); !reflect.DeepEqual(got, want) {
		t.Errorf("funnel.csv:\n got %v\nwant %v", got, want)
	}

	// A Subscription account is told why, and has no revenue export.
	lin := w.client(t, "lin")
	lbase := fmt.Sprintf("/mp/a/%d/analytics", w.lotus.ID)
	r = lin.Get(lbase)
	if r.Status != http.StatusOK || !r.Contains("Subscription accounts cannot take payments") || r.Contains(`data-testid="table-revenue"`) {
		t.Errorf("Subscription analytics: %d\n%s", r.Status, r.Body)
	}
	if r := lin.Get(lbase + "/revenue.csv"); r.Status != http.StatusNotFound {
		t.Errorf("Subscription revenue.csv: %d, want 404", r.Status)
	}
	// Another account's owner cannot read the bank's revenue.
	if r := lin.Get(base + "/revenue.csv"); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
		t.Errorf("another owner's revenue.csv: %d", r.Status)
	}
}
