package demo

import (
	"context"

	"github.com/heraldoa/herald/internal/pay"
)

// seedPay: Harbour Bank (Service) takes payments with a small catalogue,
// demo followers have wallet credit from the platform admin, and mei has
// bought one product (the receipt is in her chat with the bank).
func seedPay(ctx context.Context, w *world) error {
	a := w.app
	bank := w.accounts["harbour"]
	if bank == nil || a.Pay == nil {
		return nil
	}
	if _, err := a.Pay.EnableMerchant(ctx, bank, "Harbour Bank Shop", ""); err != nil {
		return err
	}
	var products []*pay.Product
	for _, p := range []pay.ProductInput{
		{Name: "Harbour piggy bank", Description: "Ceramic piggy bank in harbour blue. Holds about ¥500 in coins.", Price: 4800, Stock: 40, Active: true},
		{Name: "Travel card holder", Description: "Leather holder for two bank cards and a transit card.", Price: 2500, Stock: 120, Active: true},
		{Name: "Savings planner 2027", Description: "A paper planner with a monthly savings tracker.", Price: 3900, Stock: 60, Active: true},
		{Name: "Financial literacy workshop", Description: "Two-hour evening workshop at the Central branch.", Price: 9900, Stock: 25, Active: true},
	} {
		saved, err := a.Pay.SaveProduct(ctx, bank.ID, 0, p)
		if err != nil {
			return err
		}
		products = append(products, saved)
	}
	admin := w.people["admin"]
	n := len(w.followers)
	if n > 40 {
		n = 40
	}
	for _, f := range w.followers[:n] {
		if err := a.Pay.TopUp(ctx, admin.ID, f.ID, 50000, "Demo credit"); err != nil {
			return err
		}
	}
	mei := w.people["mei"]
	o, err := a.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: bank.ID, PersonID: mei.ID, ProductID: products[1].ID, Source: pay.SourceCard})
	if err != nil {
		return err
	}
	_, err = a.Pay.Pay(ctx, o.ID, mei.ID)
	return err
}
