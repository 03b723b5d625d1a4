package pay_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/user"
)

type fixture struct {
	ctx      context.Context
	pay      *pay.Store
	users    *user.Store
	accounts *account.Store
	owner    *user.Person
}

func setup(t *testing.T) *fixture { return setupTB(t) }

func setupTB(t testing.TB) *fixture {
	t.Helper()
	d := dbtest.New(t)
	c := clock.Real{}
	f := &fixture{ctx: context.Background(), pay: pay.NewStore(d, c, nil), users: user.NewStore(d, c), accounts: account.NewStore(d, c)}
	f.owner = f.person(t, "owner")
	return f
}

func (f *fixture) person(t testing.TB, name string) *user.Person {
	t.Helper()
	p, err := f.users.Create(f.ctx, user.NewPerson{Username: name, DisplayName: name, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) account(t *testing.T, typ, name string) *account.Account {
	t.Helper()
	a, err := f.accounts.Create(f.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive, OwnerID: f.owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) merchant(t *testing.T, name string) *account.Account {
	t.Helper()
	a := f.account(t, account.Service, name)
	if _, err := f.pay.EnableMerchant(f.ctx, a, "", ""); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) check(t *testing.T) pay.Totals {
	t.Helper()
	tot, err := f.pay.Check(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func balance(t *testing.T, f *fixture, owner string, id int64) int64 {
	t.Helper()
	b, err := f.pay.Balance(f.ctx, owner, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSubscriptionAccountsCannotTakePayments(t *testing.T) {
	f := setup(t)
	a := f.account(t, account.Subscription, "Lotus Tea")
	_, err := f.pay.EnableMerchant(f.ctx, a, "", "")
	if !errors.Is(err, errs.Conflict) || errs.Message(err) != errs.Message(pay.ErrSubscription) {
		t.Fatalf("enable on a Subscription account: %v", err)
	}
	if _, err := f.pay.Merchant(f.ctx, a.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("a merchant profile was stored: %v", err)
	}
	if _, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: a.ID, Amount: 100, Description: "x", Source: pay.SourceAPI}); err == nil {
		t.Fatal("an order was created for an account without payments")
	}
}

func TestBuyPayRefundLifecycle(t *testing.T) {
	f := setup(t)
	bank := f.merchant(t, "Harbour Bank")
	mei := f.person(t, "mei")
	if err := f.pay.TopUp(f.ctx, f.owner.ID, mei.ID, 10000, "welcome credit"); err != nil {
		t.Fatal(err)
	}
	p, err := f.pay.SaveProduct(f.ctx, bank.ID, 0, pay.ProductInput{Name: "Piggy bank", Price: 2550, Stock: 2, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, ProductID: p.ID, Source: pay.SourceCard, OutTradeNo: "card-0001"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Amount != 2550 || o.State != pay.StateCreated || o.Description != "Piggy bank" {
		t.Fatalf("order %+v", o)
	}
	// Idempotent creation: the same out_trade_no is the same order.
	again, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, ProductID: p.ID, Source: pay.SourceCard, OutTradeNo: "card-0001"})
	if err != nil || again.ID != o.ID {
		t.Fatalf("second create: %v, id %d vs %d", err, again.ID, o.ID)
	}
	if _, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, Amount: 1, Description: "other", Source: pay.SourceAPI, OutTradeNo: "card-0001"}); !errors.Is(err, errs.Invalid) {
		t.Fatalf("same out_trade_no, different amount: %v", err)
	}
	// Someone else cannot pay mei's order.
	other := f.person(t, "other")
	if _, err := f.pay.Pay(f.ctx, o.ID, other.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("a stranger paid: %v", err)
	}
	paid, err := f.pay.Pay(f.ctx, o.ID, mei.ID)
	if err != nil {
		t.Fatal(err)
	}
	if paid.State != pay.StatePaid || paid.TransactionID == "" {
		t.Fatalf("paid order %+v", paid)
	}
	if got := balance(t, f, pay.OwnerWallet, mei.ID); got != 10000-2550 {
		t.Fatalf("wallet %d", got)
	}
	if got := balance(t, f, pay.OwnerMerchant, bank.ID); got != 2550 {
		t.Fatalf("merchant %d", got)
	}
	if p2, _ := f.pay.Product(f.ctx, bank.ID, p.ID); p2.Stock != 1 {
		t.Fatalf("stock %d, want 1", p2.Stock)
	}
	// Paying twice changes nothing.
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("paid twice: %v", err)
	}
	if got := balance(t, f, pay.OwnerWallet, mei.ID); got != 10000-2550 {
		t.Fatalf("wallet after second pay %d", got)
	}
	// A paid order cannot be closed.
	if _, err := f.pay.Close(f.ctx, bank.ID, o.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("closed a paid order: %v", err)
	}
	// Partial refund, idempotent by out_refund_no.
	o2, r1, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "refund-1", 1000, "scratched")
	if err != nil {
		t.Fatal(err)
	}
	if o2.State != pay.StatePartiallyRefunded || o2.Refunded != 1000 {
		t.Fatalf("after partial refund %+v", o2)
	}
	_, r1b, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "refund-1", 1000, "scratched")
	if err != nil || r1b.ID != r1.ID {
		t.Fatalf("repeated refund: %v", err)
	}
	if got := balance(t, f, pay.OwnerWallet, mei.ID); got != 10000-2550+1000 {
		t.Fatalf("wallet after refund %d (a repeated refund paid twice?)", got)
	}
	// Never more than paid.
	if _, _, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "refund-2", 1551, ""); !errors.Is(err, errs.Invalid) || errs.Message(err) != "At most ¥15.50 can still be refunded on this order." {
		t.Fatalf("over-refund: %v", err)
	}
	o3, _, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "refund-2", 1550, "")
	if err != nil {
		t.Fatal(err)
	}
	if o3.State != pay.StateRefunded || o3.Refunded != 2550 {
		t.Fatalf("after full refund %+v", o3)
	}
	if _, _, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "refund-3", 1, ""); !errors.Is(err, errs.Conflict) {
		t.Fatalf("refund of a refunded order: %v", err)
	}
	refunds, _ := f.pay.Refunds(f.ctx, bank.ID, o.ID)
	if len(refunds) != 2 {
		t.Fatalf("%d refunds", len(refunds))
	}
	tot := f.check(t)
	if tot.TopUps != 10000 || tot.Balances != 10000 {
		t.Fatalf("totals %+v", tot)
	}
	// An unpaid order can be closed, and then not paid.
	o4, _ := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, ProductID: p.ID, Source: pay.SourceCard})
	if c, err := f.pay.Close(f.ctx, bank.ID, o4.ID); err != nil || c.State != pay.StateClosed {
		t.Fatalf("close: %v", err)
	}
	if _, err := f.pay.Pay(f.ctx, o4.ID, mei.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("paid a closed order: %v", err)
	}
	days, err := f.pay.Settlement(f.ctx, bank.ID, o.CreatedAt.AddDate(0, 0, -1), o.CreatedAt.AddDate(0, 0, 2), bank.Location())
	if err != nil || len(days) != 1 || days[0].Paid != 2550 || days[0].Refunded != 2550 || days[0].Refunds != 2 || days[0].Net != 0 {
		t.Fatalf("settlement %+v %v", days, err)
	}
}

func TestFailedPaymentChangesNothing(t *testing.T) {
	f := setup(t)
	bank := f.merchant(t, "Harbour Bank")
	mei := f.person(t, "mei")
	if err := f.pay.TopUp(f.ctx, f.owner.ID, mei.ID, 500, ""); err != nil {
		t.Fatal(err)
	}
	p, _ := f.pay.SaveProduct(f.ctx, bank.ID, 0, pay.ProductInput{Name: "Card holder", Price: 800, Stock: 5, Active: true})
	o, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, ProductID: p.ID, Source: pay.SourceCard})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.pay.Pay(f.ctx, o.ID, mei.ID)
	if !errors.Is(err, pay.ErrInsufficient) || errs.Message(err) != "Your wallet balance is too low for this payment." {
		t.Fatalf("pay beyond the balance: %v", err)
	}
	o2, _ := f.pay.Order(f.ctx, bank.ID, o.ID)
	p2, _ := f.pay.Product(f.ctx, bank.ID, p.ID)
	if o2.State != pay.StateCreated || p2.Stock != 5 || balance(t, f, pay.OwnerWallet, mei.ID) != 500 || balance(t, f, pay.OwnerMerchant, bank.ID) != 0 {
		t.Fatalf("a failed payment left traces: order %s, stock %d", o2.State, p2.Stock)
	}
	// Sold out between order and payment: nothing charged.
	if err := f.pay.TopUp(f.ctx, f.owner.ID, mei.ID, 10000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.SaveProduct(f.ctx, bank.ID, p.ID, pay.ProductInput{Name: "Card holder", Price: 800, Stock: 0, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("paid a sold-out product: %v", err)
	}
	if balance(t, f, pay.OwnerWallet, mei.ID) != 10500 {
		t.Fatal("charged for a sold-out product")
	}
	// A refund larger than the merchant balance is refused (the merchant
	// paid out everything).
	if _, err := f.pay.SaveProduct(f.ctx, bank.ID, p.ID, pay.ProductInput{Name: "Card holder", Price: 800, Stock: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.Payout(f.ctx, f.owner.ID, bank.ID, 800); err != nil {
		t.Fatal(err)
	}
	if err := f.pay.Payout(f.ctx, f.owner.ID, bank.ID, 1); !errors.Is(err, pay.ErrInsufficient) {
		t.Fatalf("payout beyond the balance: %v", err)
	}
	if _, _, err := f.pay.RefundOrder(f.ctx, bank.ID, o.ID, "", 800, ""); !errors.Is(err, pay.ErrInsufficient) {
		t.Fatalf("refund beyond the merchant balance: %v", err)
	}
	if o3, _ := f.pay.Order(f.ctx, bank.ID, o.ID); o3.Refunded != 0 || o3.State != pay.StatePaid {
		t.Fatalf("a failed refund changed the order: %+v", o3)
	}
	tot := f.check(t)
	if tot.Balances != 10500-800 || tot.Payouts != 800 {
		t.Fatalf("totals %+v", tot)
	}
}

// TestSuspendedOrDisabledMerchantsTakeNoMoney: an order made before the
// account was suspended (or payments were turned off) cannot be paid.
func TestSuspendedOrDisabledMerchantsTakeNoMoney(t *testing.T) {
	f := setup(t)
	bank := f.merchant(t, "Harbour Bank")
	mei := f.person(t, "mei")
	_ = f.pay.TopUp(f.ctx, f.owner.ID, mei.ID, 5000, "")
	o, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, Amount: 1000, Description: "Fee", Source: pay.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.DB().Exec(f.ctx, `UPDATE accounts SET status = 'suspended' WHERE id = ?`, bank.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("paid a suspended account: %v", err)
	}
	if _, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, Amount: 1000, Description: "Fee", Source: pay.SourceAPI}); !errors.Is(err, errs.Conflict) {
		t.Fatalf("ordered from a suspended account: %v", err)
	}
	_, _ = f.pay.DB().Exec(f.ctx, `UPDATE accounts SET status = 'active' WHERE id = ?`, bank.ID)
	if err := f.pay.DisableMerchant(f.ctx, bank.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); !errors.Is(err, errs.Conflict) {
		t.Fatalf("paid a merchant with payments off: %v", err)
	}
	if b := balance(t, f, pay.OwnerWallet, mei.ID); b != 5000 {
		t.Fatalf("wallet %d", b)
	}
	if o2, _ := f.pay.Order(f.ctx, bank.ID, o.ID); o2.State != pay.StateCreated {
		t.Fatalf("order %s", o2.State)
	}
}

func TestAccountsSeeOnlyTheirOwnOrders(t *testing.T) {
	f := setup(t)
	bank := f.merchant(t, "Harbour Bank")
	shop := f.merchant(t, "Corner Shop")
	mei := f.person(t, "mei")
	_ = f.pay.TopUp(f.ctx, f.owner.ID, mei.ID, 5000, "")
	o, _ := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, Amount: 1000, Description: "Fee", Source: pay.SourceAPI, OutTradeNo: "same-no-1"})
	if _, err := f.pay.Pay(f.ctx, o.ID, mei.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pay.Order(f.ctx, shop.ID, o.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("another account read the order: %v", err)
	}
	if _, _, err := f.pay.RefundOrder(f.ctx, shop.ID, o.ID, "", 100, ""); err == nil {
		t.Fatal("another account refunded the order")
	}
	if _, err := f.pay.Close(f.ctx, shop.ID, o.ID); err == nil {
		t.Fatal("another account closed the order")
	}
	// The same out_trade_no at another account is another order.
	o2, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: shop.ID, PersonID: mei.ID, Amount: 300, Description: "Gum", Source: pay.SourceAPI, OutTradeNo: "same-no-1"})
	if err != nil || o2.ID == o.ID {
		t.Fatalf("same number at another account: %v", err)
	}
	list, _ := f.pay.Orders(f.ctx, shop.ID, pay.OrderFilter{})
	if len(list) != 1 || list[0].ID != o2.ID {
		t.Fatalf("shop's orders: %d", len(list))
	}
	if p, _ := f.pay.SaveProduct(f.ctx, bank.ID, 0, pay.ProductInput{Name: "Bank pen", Price: 100, Active: true}); p != nil {
		if _, err := f.pay.Product(f.ctx, shop.ID, p.ID); !errors.Is(err, errs.NotFound) {
			t.Fatal("another account read the product")
		}
		if _, err := f.pay.SaveProduct(f.ctx, shop.ID, p.ID, pay.ProductInput{Name: "Stolen", Price: 1, Active: true}); !errors.Is(err, errs.NotFound) {
			t.Fatal("another account edited the product")
		}
	}
	days, _ := f.pay.Settlement(f.ctx, shop.ID, o.CreatedAt.AddDate(0, 0, -1), o.CreatedAt.AddDate(0, 0, 1), shop.Location())
	if len(days) != 0 {
		t.Fatalf("shop's settlement shows the bank's payment: %+v", days)
	}
}

// TestConcurrentPaymentsAndRefunds runs 8 workers × 50 operations —
// payments, partial refunds, top-ups, payouts and double-pay races — and
// then checks that no money was lost or doubled.
func TestConcurrentPaymentsAndRefunds(t *testing.T) {
	f := setup(t)
	shops := []*account.Account{f.merchant(t, "Harbour Bank"), f.merchant(t, "Corner Shop")}
	var people []*user.Person
	for i := range 6 {
		p := f.person(t, fmt.Sprintf("buyer%d", i))
		if err := f.pay.TopUp(f.ctx, f.owner.ID, p.ID, 20000, ""); err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	product, err := f.pay.SaveProduct(f.ctx, shops[0].ID, 0, pay.ProductInput{Name: "Limited coin", Price: 300, Stock: 40, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	var paidCount, stockSold atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []*pay.Order
			for i := range 50 {
				buyer := people[rng.IntN(len(people))]
				shop := shops[rng.IntN(len(shops))]
				switch op := rng.IntN(10); {
				case op < 5: // buy
					in := pay.NewOrder{AccountID: shop.ID, PersonID: buyer.ID, Amount: int64(100 + rng.IntN(900)), Description: "Thing", Source: pay.SourceAPI,
						OutTradeNo: fmt.Sprintf("order-w%d-i%d", w, i)}
					if shop.ID == shops[0].ID && rng.IntN(2) == 0 {
						in.ProductID, in.Amount, in.Description = product.ID, 0, ""
					}
					o, err := f.pay.CreateOrder(f.ctx, in)
					if err != nil {
						if errs.KindOf(err) == errs.KindConflict { // sold out
							continue
						}
						errc <- err
						return
					}
					o, err = f.pay.Pay(f.ctx, o.ID, buyer.ID)
					if err == nil {
						paidCount.Add(1)
						if o.ProductID != 0 {
							stockSold.Add(1)
						}
						mine = append(mine, o)
					} else if !errors.Is(err, pay.ErrInsufficient) && errs.KindOf(err) != errs.KindConflict {
						errc <- err
						return
					}
				case op < 8 && len(mine) > 0: // partial refund of one of my orders
					o := mine[rng.IntN(len(mine))]
					_, _, err := f.pay.RefundOrder(f.ctx, o.AccountID, o.ID, "", int64(1+rng.IntN(int(o.Amount))), "")
					if err != nil && errs.KindOf(err) != errs.KindConflict && errs.KindOf(err) != errs.KindInvalid {
						errc <- err
						return
					}
				case op < 9:
					if err := f.pay.Payout(f.ctx, f.owner.ID, shop.ID, int64(1+rng.IntN(500))); err != nil && !errors.Is(err, pay.ErrInsufficient) {
						errc <- err
						return
					}
				default:
					if err := f.pay.TopUp(f.ctx, f.owner.ID, buyer.ID, int64(1+rng.IntN(1000)), ""); err != nil {
						errc <- err
						return
					}
				}
			}
		}()
	}
	// Meanwhile, four goroutines race to pay one order: exactly one wins.
	race, _ := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: shops[1].ID, PersonID: people[0].ID, Amount: 100, Description: "Race", Source: pay.SourceAPI})
	var wins atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.pay.Pay(f.ctx, race.ID, people[0].ID); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if wins.Load() != 1 {
		t.Fatalf("%d goroutines paid the same order", wins.Load())
	}
	tot := f.check(t)
	if tot.Balances != tot.TopUps-tot.Payouts {
		t.Fatalf("totals %+v", tot)
	}
	p, _ := f.pay.Product(f.ctx, shops[0].ID, product.ID)
	if p.Stock != 40-stockSold.Load() {
		t.Fatalf("stock %d, sold %d of 40", p.Stock, stockSold.Load())
	}
	t.Logf("paid %d orders, %d of the product; totals %+v", paidCount.Load(), stockSold.Load(), tot)
}

func TestParseAndFormatFen(t *testing.T) {
	for in, want := range map[string]int64{"12": 1200, "12.5": 1250, "12.50": 1250, "¥1,234.56": 123456, "0.01": 1, ".5": 50} {
		got, err := pay.ParseFen(in, "amount")
		if err != nil || got != want {
			t.Errorf("ParseFen(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.234", "-5", "0", "1e3", "12.", "9999999999"} {
		if _, err := pay.ParseFen(bad, "amount"); err == nil {
			t.Errorf("ParseFen(%q) accepted", bad)
		}
	}
	if s := pay.FormatFen(123456789); s != "¥1,234,567.89" {
		t.Errorf("FormatFen = %s", s)
	}
	if !pay.CanMove(pay.StatePaid, pay.StateRefunded) || pay.CanMove(pay.StateRefunded, pay.StatePaid) || pay.CanMove(pay.StateClosed, pay.StatePaid) {
		t.Error("state machine allows going backwards")
	}
}
