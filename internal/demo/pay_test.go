package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
)

// TestSeedPay: after the whole seed, Harbour Bank sells four products,
// followers have credit, mei's one paid order has a receipt in her chat,
// and the ledger balances.
func TestSeedPay(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	bank, err := s.App.Accounts.ByID(ctx, mustAccountID(t, s, "Harbour Bank"))
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := s.App.Pay.Products(ctx, bank.ID, true)
	if len(ps) != 4 {
		t.Fatalf("%d products", len(ps))
	}
	mei, _ := s.App.Users.ByUsername(ctx, "mei")
	orders, _ := s.App.Pay.PersonOrders(ctx, mei.ID, 10)
	if len(orders) != 1 || orders[0].State != pay.StatePaid {
		t.Fatalf("mei's orders %+v", orders)
	}
	if b, _ := s.App.Pay.Balance(ctx, pay.OwnerWallet, mei.ID); b != 50000-orders[0].Amount {
		t.Fatalf("mei's wallet %d", b)
	}
	msgs, _ := s.App.Messages.History(ctx, bank.ID, mei.ID, 0, 50)
	found := false
	for _, m := range msgs {
		found = found || (m.Kind == message.KindReceipt && strings.HasPrefix(m.Body.Title, "Paid ¥25.00"))
	}
	if !found {
		t.Fatal("no receipt in mei's chat with the bank")
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustAccountID(t *testing.T, s *apptest.Server, name string) int64 {
	t.Helper()
	var id int64
	if err := s.App.DB.QueryRow(context.Background(), `SELECT id FROM accounts WHERE name = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
