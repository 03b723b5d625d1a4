package pay

import (
	"context"
	"github.com/heraldoa/herald/internal/errs"
)

// Provider is a payment service that can take money for an order and give
// it back. Herald Pay (the platform's own ledger) is the one implementation
// today; an adapter for a real payment service would implement the same
// methods, moving real money and reporting back through the same order
// states.
type Provider interface {
	// Name identifies the provider ("herald").
	Name() string
	// Charge takes the order's amount from the payer and credits the
	// merchant, moving the order to paid.
	Charge(ctx context.Context, orderID, payerID int64) (*Order, error)
	// Refund gives back amount of a paid order to its payer.
	Refund(ctx context.Context, accountID, orderID int64, outRefundNo string, amount int64, reason string) (*Order, *Refund, error)
}

// HeraldPay is the platform acting as the provider, on its own ledger.
type HeraldPay struct{ Store *Store }

// Name implements Provider.
func (HeraldPay) Name() string { return "herald" }

// Charge implements Provider.
func (h HeraldPay) Charge(ctx context.Context, orderID, payerID int64) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.HeraldPay.Charge(%d, %d)", orderID, payerID)
	return h.Store.Pay(ctx, orderID, payerID)
}

// Refund implements Provider.
func (h HeraldPay) Refund(ctx context.Context, accountID, orderID int64, outRefundNo string, amount int64, reason string) (_ *Order, _ *Refund, err error) {
	defer errs.Wrap(&err, "pay.HeraldPay.Refund(%d, %d, %d)", accountID, orderID, amount)
	return h.Store.RefundOrder(ctx, accountID, orderID, outRefundNo, amount, reason)
}
