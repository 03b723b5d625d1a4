package pay_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/user"
)

// BenchmarkPay measures one order's creation and payment (ledger
// transaction with balance updates), one goroutine and several at once.
func BenchmarkPay(b *testing.B) {
	for _, par := range []bool{false, true} {
		name := "serial"
		if par {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			f := setupB(b)
			shop := f.merchantB(b)
			var people []*user.Person
			for i := range 16 {
				p, err := f.users.Create(f.ctx, user.NewPerson{Username: fmt.Sprintf("buyer%d", i), DisplayName: "b", PasswordHash: "x"})
				if err != nil {
					b.Fatal(err)
				}
				if err := f.pay.TopUp(f.ctx, f.owner.ID, p.ID, pay.MaxAmount, ""); err != nil {
					b.Fatal(err)
				}
				people = append(people, p)
			}
			var n atomic.Int64
			one := func() {
				i := n.Add(1)
				p := people[i%int64(len(people))]
				o, err := f.pay.CreateOrder(f.ctx, pay.NewOrder{AccountID: shop.ID, PersonID: p.ID, Amount: 100, Description: "x", Source: pay.SourceAPI})
				if err == nil {
					_, err = f.pay.Pay(f.ctx, o.ID, p.ID)
				}
				if err != nil {
					b.Error(err)
				}
			}
			b.ResetTimer()
			if par {
				b.SetParallelism(2)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						one()
					}
				})
			} else {
				for b.Loop() {
					one()
				}
			}
			b.StopTimer()
			if _, err := f.pay.Check(f.ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func setupB(b *testing.B) *fixture {
	b.Helper()
	return setupTB(b)
}

func (f *fixture) merchantB(b *testing.B) *account.Account {
	a, err := f.accounts.Create(f.ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Bench Shop", Status: account.StatusActive, OwnerID: f.owner.ID})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.pay.EnableMerchant(f.ctx, a, "", ""); err != nil {
		b.Fatal(err)
	}
	return a
}
