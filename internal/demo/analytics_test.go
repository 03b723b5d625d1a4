package demo_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
)

// The demo's accounts show 60 days of history on first start, consistent
// with their follower counts.
func TestDemoAnalyticsHistory(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	owner, err := s.App.Users.ByUsername(ctx, "lotus")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.App.Accounts.ForMember(ctx, owner.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("lotus's accounts: %v %v", ms, err)
	}
	a := ms[0].Account
	st := s.App.AnalyticsStore
	today := st.Today(a.Timezone)
	rep, err := st.Report(ctx, analytics.ReportInput{AccountID: a.ID, Timezone: a.Timezone, Followers: a.FollowerCount,
		From: analytics.AddDays(today, -59), To: today, MinGroup: 10})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Table("growth").Rows
	if len(g) != 60 {
		t.Fatalf("%d days of growth, want 60", len(g))
	}
	var days int
	for _, r := range g {
		if r[1] != "0" {
			days++
		}
	}
	if days < 50 {
		t.Errorf("only %d of 60 days have new followers", days)
	}
	if first := g[0][4]; first == "0" || first[0] == '-' {
		t.Errorf("60 days ago the account had %s followers; the history does not fit the follower count", first)
	}
	if len(rep.Table("menu").Rows) == 0 || len(rep.Table("conversion").Rows) == 0 || len(rep.Demographics.Dimensions["region"]) == 0 {
		t.Errorf("menu %d rows, conversion %d rows, regions %v: want all filled", len(rep.Table("menu").Rows), len(rep.Table("conversion").Rows), rep.Demographics.Dimensions["region"])
	}
	pm, _, err := st.Platform(ctx)
	if err != nil || pm[analytics.MetricAccountsPrefix+"active"] < 2 {
		t.Errorf("platform figures %v, %v: want at least the 2 demo accounts active", pm, err)
	}

	// Harbour Bank (Service, payments on) shows 60 days of revenue and a
	// funnel that reaches paid orders.
	bankOwner, err := s.App.Users.ByUsername(ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	bms, err := s.App.Accounts.ForMember(ctx, bankOwner.ID)
	if err != nil || len(bms) == 0 {
		t.Fatalf("harbour's accounts: %v %v", bms, err)
	}
	bank := bms[0].Account
	brep, err := st.Report(ctx, analytics.ReportInput{AccountID: bank.ID, Timezone: bank.Timezone, Followers: bank.FollowerCount,
		From: analytics.AddDays(today, -59), To: today, MinGroup: 10, Payments: true})
	if err != nil {
		t.Fatal(err)
	}
	var paidDays int
	for _, r := range brep.Table("revenue").Rows {
		if r[1] != "0" {
			paidDays++
		}
	}
	if paidDays < 30 || len(brep.Table("revenue_sources").Rows) < 2 {
		t.Errorf("the bank has paid orders on %d of 60 days and %d order sources; want a living revenue history", paidDays, len(brep.Table("revenue_sources").Rows))
	}
}
