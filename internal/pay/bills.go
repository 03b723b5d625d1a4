package pay

import (
	"context"
	"database/sql"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// TradeLine is one line of a merchant's trade bill: a payment (at the time
// it was paid) or a refund (at the time it was made), with its order.
type TradeLine struct {
	Kind   string // TxnPayment or TxnRefund
	At     time.Time
	Order  Order
	OpenID string  // the payer's openid for the account ("" if unknown)
	Refund *Refund // for TxnRefund
}

// TradeLines lists the payments and refunds of an account's orders whose
// ledger transaction falls in [from, to), oldest first. Every source of
// order counts (API, cards, articles, console): they all move the same
// merchant balance.
func (s *Store) TradeLines(ctx context.Context, accountID int64, from, to time.Time) (_ []TradeLine, err error) {
	defer errs.Wrap(&err, "pay.Store.TradeLines(%d)", accountID)
	return collect(func(r *sql.Rows) (TradeLine, error) {
		var l TradeLine
		var at, created, paid, closed int64
		var rid, rOrder, rAmount, rCreated sql.NullInt64
		var rNo, rReason sql.NullString
		o := &l.Order
		err := r.Scan(&l.Kind, &at, &o.ID, &o.AccountID, &o.OutTradeNo, &o.PersonID, &o.ProductID, &o.Quantity, &o.Description, &o.Amount, &o.Refunded,
			&o.State, &o.Source, &o.TradeType, &o.NotifyURL, &o.Attach, &o.TransactionID, &created, &paid, &closed, &l.OpenID,
			&rid, &rOrder, &rNo, &rAmount, &rReason, &rCreated)
		if err != nil {
			return l, err
		}
		l.At, o.CreatedAt = db.FromMicro(at), db.FromMicro(created)
		if paid != 0 {
			o.PaidAt = db.FromMicro(paid)
		}
		if closed != 0 {
			o.ClosedAt = db.FromMicro(closed)
		}
		if rid.Valid {
			l.Refund = &Refund{ID: rid.Int64, AccountID: o.AccountID, OrderID: rOrder.Int64, OutRefundNo: rNo.String, Amount: rAmount.Int64,
				Reason: rReason.String, CreatedAt: db.FromMicro(rCreated.Int64)}
		}
		return l, nil
	})(s.db.Query(ctx, `SELECT t.kind, t.created_at, `+prefixed("o.", orderCols)+`, COALESCE(f.openid, ''),
			r.id, r.order_id, r.out_refund_no, r.amount, r.reason, r.created_at
		FROM pay_txns t
		JOIN pay_orders o ON o.id = t.order_id
		LEFT JOIN follows f ON f.account_id = o.account_id AND f.person_id = o.person_id
		LEFT JOIN pay_refunds r ON t.kind = 'refund' AND r.id = t.refund_id
		WHERE t.account_id = ? AND t.kind IN ('payment', 'refund') AND t.created_at >= ? AND t.created_at < ?
		ORDER BY t.created_at, t.id`, accountID, db.Micro(from), db.Micro(to)))
}

// FundLine is one movement of a merchant balance in its fund-flow bill.
type FundLine struct {
	TxnID         int64
	Kind          string // TxnPayment, TxnRefund or TxnPayout
	At            time.Time
	Amount        int64 // signed: + in, − out
	Balance       int64 // the balance after this movement
	TransactionID string
	OutTradeNo    string
	RefundID      int64
	OutRefundNo   string
	Memo          string
}

// FundLines lists the movements of an account's merchant balance in
// [from, to), oldest first, each with the balance after it (so the last
// one's balance is the balance at the end of the period).
func (s *Store) FundLines(ctx context.Context, accountID int64, from, to time.Time) (_ []FundLine, err error) {
	defer errs.Wrap(&err, "pay.Store.FundLines(%d)", accountID)
	var opening int64
	if err := db.Get(s.db.QueryRow(ctx, `SELECT COALESCE(SUM(e.amount), 0) FROM pay_entries e
		JOIN pay_balances b ON b.id = e.balance_id WHERE b.owner_type = 'merchant' AND b.owner_id = ? AND e.created_at < ?`,
		accountID, db.Micro(from)), &opening); err != nil {
		return nil, err
	}
	lines, err := collect(func(r *sql.Rows) (FundLine, error) {
		var l FundLine
		var at int64
		err := r.Scan(&l.TxnID, &l.Kind, &at, &l.Amount, &l.TransactionID, &l.OutTradeNo, &l.RefundID, &l.OutRefundNo, &l.Memo)
		l.At = db.FromMicro(at)
		return l, err
	})(s.db.Query(ctx, `SELECT t.id, t.kind, e.created_at, e.amount, COALESCE(o.transaction_id, ''), COALESCE(o.out_trade_no, ''),
			t.refund_id, COALESCE(r.out_refund_no, ''), t.memo
		FROM pay_entries e
		JOIN pay_balances b ON b.id = e.balance_id
		JOIN pay_txns t ON t.id = e.txn_id
		LEFT JOIN pay_orders o ON o.id = t.order_id AND t.order_id <> 0
		LEFT JOIN pay_refunds r ON r.id = t.refund_id AND t.refund_id <> 0
		WHERE b.owner_type = 'merchant' AND b.owner_id = ? AND e.created_at >= ? AND e.created_at < ?
		ORDER BY e.created_at, t.id`, accountID, db.Micro(from), db.Micro(to)))
	if err != nil {
		return nil, err
	}
	bal := opening
	for i := range lines {
		bal += lines[i].Amount
		lines[i].Balance = bal
	}
	return lines, nil
}
