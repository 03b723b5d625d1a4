package pay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/message"
)

// Receipts are where a Store reports what happens to orders: a receipt in
// the follower's chat with the account (a system message of kind receipt)
// after each payment and refund, and order, payment and refund events for
// analytics. A failure is logged: the money has moved already and the
// order list shows it.
type Receipts struct {
	Messages  *message.Store
	Analytics *analytics.Recorder
	Log       *slog.Logger
}

// receipts adds the hooks that write r's receipts and events.
func (s *Store) receipts(r Receipts) {
	msgs, rec, log := r.Messages, r.Analytics, r.Log
	merchant := func(ctx context.Context, accountID int64) string {
		if m, err := s.Merchant(ctx, accountID); err == nil {
			return m.DisplayName
		}
		return "the merchant"
	}
	s.AfterCreated(func(ctx context.Context, o *Order) {
		rec.Record(analytics.Event{AccountID: o.AccountID, Kind: analytics.KindOrderCreated, PersonID: o.PersonID, ObjectID: o.ID, Surface: o.Source, Value: o.Amount})
	})
	s.AfterPaid(func(ctx context.Context, o *Order) {
		rec.Record(analytics.Event{AccountID: o.AccountID, Kind: analytics.KindPayment, PersonID: o.PersonID, ObjectID: o.ID, Surface: o.Source, Value: o.Amount})
		m := &message.Message{AccountID: o.AccountID, PersonID: o.PersonID, Direction: message.Out, Kind: message.KindReceipt, Sender: message.SenderSystem,
			Body: message.Body{Title: fmt.Sprintf("Paid %s to %s", FormatFen(o.Amount), merchant(ctx, o.AccountID)), Description: o.Description,
				URL:  fmt.Sprintf("/me/orders#order-%d", o.ID),
				Data: map[string]any{"order_id": fmt.Sprint(o.ID), "out_trade_no": o.OutTradeNo, "transaction_id": o.TransactionID, "amount": o.Amount, "state": o.State}}}
		if err := msgs.Append(context.WithoutCancel(ctx), m); err != nil && log != nil {
			log.Error("pay: receipt", slog.Int64("order_id", o.ID), slog.Any("error", err))
		}
	})
	s.AfterRefunded(func(ctx context.Context, o *Order, r *Refund) {
		rec.Record(analytics.Event{AccountID: o.AccountID, Kind: analytics.KindRefund, PersonID: o.PersonID, ObjectID: o.ID, Surface: o.Source, Value: r.Amount, At: r.CreatedAt})
		m := &message.Message{AccountID: o.AccountID, PersonID: o.PersonID, Direction: message.Out, Kind: message.KindReceipt, Sender: message.SenderSystem,
			Body: message.Body{Title: fmt.Sprintf("Refund of %s from %s", FormatFen(r.Amount), merchant(ctx, o.AccountID)), Description: o.Description,
				URL:  fmt.Sprintf("/me/orders#order-%d", o.ID),
				Data: map[string]any{"order_id": fmt.Sprint(o.ID), "out_refund_no": r.OutRefundNo, "amount": r.Amount, "state": o.State}}}
		if err := msgs.Append(context.WithoutCancel(ctx), m); err != nil && log != nil {
			log.Error("pay: refund receipt", slog.Int64("order_id", o.ID), slog.Any("error", err))
		}
	})
}
