package wxpay_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/pay"
)

// BenchmarkTradeBill measures a busy day's trade bill (5,000 payments and
// 1,000 refunds): making it (reading the day's lines from the ledger and
// writing the CSV with its SHA1), and serving it again from the stored
// snapshot, as every request after the first does.
func BenchmarkTradeBill(b *testing.B) {
	s := apptest.New(b)
	sh := newShop(b, s, "Harbour Bank", "bench", "0A")
	ctx := context.Background()
	loc := sh.acct.Location()
	now := s.Clock.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	s.Clock.Advance(day.Add(time.Hour).Sub(now))
	if err := s.App.Pay.TopUp(ctx, 0, sh.buyer, pay.MaxAmount, ""); err != nil {
		b.Fatal(err)
	}
	for i := range 5000 {
		o, err := s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: sh.acct.ID, OutTradeNo: fmt.Sprintf("bench-%06d", i), PersonID: sh.buyer,
			Amount: 1990, Description: "Tea, 2 tins", Source: pay.SourceAPI, TradeType: "JSAPI"})
		if err == nil {
			_, err = s.App.Pay.Pay(ctx, o.ID, sh.buyer)
		}
		if err == nil && i%5 == 0 {
			_, _, err = s.App.Pay.RefundOrder(ctx, sh.acct.ID, o.ID, fmt.Sprintf("bench-r-%06d", i), 500, "")
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	s.Clock.Advance(24 * time.Hour)
	from, to := day, day.AddDate(0, 0, 1)
	b.Run("make", func(b *testing.B) {
		for b.Loop() {
			lines, err := s.App.Pay.TradeLines(ctx, sh.acct.ID, from, to)
			if err != nil {
				b.Fatal(err)
			}
			if _, n := pay.TradeBillCSV(sh.acct, sh.m, lines, "ALL"); n != 6000 {
				b.Fatalf("%d lines", n)
			}
		}
	})
	b.Run("stored", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.App.Pay.Bill(ctx, sh.acct, pay.BillRequest{Kind: pay.BillTrade, Date: day.Format("2006-01-02")}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
