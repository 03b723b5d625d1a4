package wxpay_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/user"
)

// The merchant's notification is part of the payment (and of the refund):
// when it cannot be stored, the money does not move either, so no payment
// is ever committed that the merchant will not be told about.
func TestPaymentAndRefundCommitWithTheirNotification(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	owner, err := s.App.Users.Create(ctx, user.NewPerson{Username: "ling", DisplayName: "Ling", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	mei, _ := s.App.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei", PasswordHash: "x"})
	shop, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Tide Tea", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, shop.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.EnableMerchant(ctx, shop, "Tide Tea", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Pay.TopUp(ctx, owner.ID, mei.ID, 10000, ""); err != nil {
		t.Fatal(err)
	}
	o, err := s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: shop.ID, PersonID: mei.ID, Description: "Oolong", Amount: 1500,
		Source: pay.SourceAPI, TradeType: "JSAPI", NotifyURL: "https://shop.example/notify"})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := s.App.DB.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	wallet := func() int64 {
		t.Helper()
		b, err := s.App.Pay.Balance(ctx, pay.OwnerWallet, mei.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	notes := func() []string {
		t.Helper()
		ns, err := s.App.Pay.Notifications(ctx, shop.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			if n.OrderID != o.ID {
				t.Errorf("notification of order %d, want %d", n.OrderID, o.ID)
			}
			out = append(out, n.EventType)
		}
		return out
	}

	// The notification table is unusable: the payment is refused whole.
	exec(`ALTER TABLE pay_notifications RENAME TO pay_notifications_away`)
	if _, err := s.App.Pay.Pay(ctx, o.ID, mei.ID); err == nil {
		t.Fatal("the payment committed although its notification could not be stored")
	}
	exec(`ALTER TABLE pay_notifications_away RENAME TO pay_notifications`)
	if got, _ := s.App.Pay.Order(ctx, shop.ID, o.ID); wallet() != 10000 || got.State != pay.StateCreated || len(notes()) != 0 {
		t.Fatalf("after the refused payment: wallet %d, order %s, notifications %v", wallet(), got.State, notes())
	}
	if _, err := s.App.Pay.Pay(ctx, o.ID, mei.ID); err != nil {
		t.Fatal(err)
	}
	if n := notes(); wallet() != 8500 || len(n) != 1 || n[0] != "TRANSACTION.SUCCESS" {
		t.Fatalf("after the payment: wallet %d, notifications %v", wallet(), n)
	}

	// The same for a refund.
	exec(`ALTER TABLE pay_notifications RENAME TO pay_notifications_away`)
	if _, _, err := s.App.Pay.RefundOrder(ctx, shop.ID, o.ID, "R-oolong-1", 500, "cold"); err == nil {
		t.Fatal("the refund committed although its notification could not be stored")
	}
	exec(`ALTER TABLE pay_notifications_away RENAME TO pay_notifications`)
	if got, _ := s.App.Pay.Order(ctx, shop.ID, o.ID); wallet() != 8500 || got.Refunded != 0 {
		t.Fatalf("after the refused refund: wallet %d, refunded %d", wallet(), got.Refunded)
	}
	if _, _, err := s.App.Pay.RefundOrder(ctx, shop.ID, o.ID, "R-oolong-1", 500, "cold"); err != nil {
		t.Fatal(err)
	}
	if n := notes(); wallet() != 9000 || len(n) != 2 || n[0] != "REFUND.SUCCESS" {
		t.Fatalf("after the refund: wallet %d, notifications %v", wallet(), n)
	}
}
