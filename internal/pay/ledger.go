// Package pay is Herald Pay: the platform acting as a payment provider with
// a sandbox money model that is real inside the platform. Followers hold
// wallets, Service accounts hold merchant balances, and every movement of
// money is a double-entry ledger transaction (entries summing to zero)
// written in the same database transaction as the balance updates. Amounts
// are integer fen (1/100 yuan), never floats.
//
// The ledger (this file), merchants and products (catalog.go), orders and
// refunds with their state machine (orders.go), the provider interface
// (provider.go), the daily bills (statement.go), the platform key
// (platformkey.go) and the merchant notification log (notifications.go)
// live here; HTTP lives in internal/ui and internal/pay/wxpay.
package pay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Owners of balances.
const (
	OwnerWallet   = "wallet"   // a person's wallet
	OwnerMerchant = "merchant" // an account's merchant balance
	OwnerExternal = "external" // money outside the platform (one balance, owner 0)
)

// Kinds of ledger transaction.
const (
	TxnTopUp   = "topup"   // external → wallet (a platform admin credits a follower)
	TxnPayment = "payment" // wallet → merchant
	TxnRefund  = "refund"  // merchant → wallet
	TxnPayout  = "payout"  // merchant → external
)

// MaxAmount bounds one movement: ¥1,000,000.00.
const MaxAmount = 100_000_000

// Store is Herald Pay's storage: ledger, merchants, products, orders.
type Store struct {
	db    *db.DB
	clock clock.Clock
	// Hooks that run after an order is paid or refunded (outside the
	// transaction, in order of registration): receipts, analytics,
	// notifications to the merchant's server. Register them at start-up.
	paidHooks     []func(ctx context.Context, o *Order)
	createdHooks  []func(ctx context.Context, o *Order)
	refundedHooks []func(ctx context.Context, o *Order, r *Refund)
	// Hooks that run inside the payment's or refund's transaction, after
	// the money moved: what must exist exactly when the payment does (the
	// merchant's notification) is stored there.
	paidTxHooks     []func(ctx context.Context, tx *db.Tx, o *Order) error
	refundedTxHooks []func(ctx context.Context, tx *db.Tx, o *Order, r *Refund) error
}

// InPaidTx registers fn to run inside each payment's transaction; an error
// refuses the payment (nothing is charged).
func (s *Store) InPaidTx(fn func(ctx context.Context, tx *db.Tx, o *Order) error) {
	s.paidTxHooks = append(s.paidTxHooks, fn)
}

// InRefundedTx registers fn to run inside each refund's transaction; an
// error refuses the refund.
func (s *Store) InRefundedTx(fn func(ctx context.Context, tx *db.Tx, o *Order, r *Refund) error) {
	s.refundedTxHooks = append(s.refundedTxHooks, fn)
}

// AfterPaid registers fn to run after each payment.
func (s *Store) AfterPaid(fn func(ctx context.Context, o *Order)) {
	s.paidHooks = append(s.paidHooks, fn)
}

// AfterCreated registers fn to run after each new order (not when an
// out_trade_no repeats and the existing order is returned).
func (s *Store) AfterCreated(fn func(ctx context.Context, o *Order)) {
	s.createdHooks = append(s.createdHooks, fn)
}

// AfterRefunded registers fn to run after each refund.
func (s *Store) AfterRefunded(fn func(ctx context.Context, o *Order, r *Refund)) {
	s.refundedHooks = append(s.refundedHooks, fn)
}

// NewStore returns a Store that reports to receipts (nil: no receipts and
// no analytics events).
func NewStore(d *db.DB, c clock.Clock, receipts *Receipts) *Store {
	s := &Store{db: d, clock: c}
	if receipts != nil {
		s.receipts(*receipts)
	}
	return s
}

func (s *Store) now() time.Time { return s.clock.Now() }

// leg is one side of a movement: amount added to (positive) or taken from
// (negative) a balance.
type leg struct {
	owner   string
	ownerID int64
	amount  int64
}

// Txn describes a ledger transaction to write.
type txnInfo struct {
	Kind      string
	AccountID int64
	PersonID  int64
	OrderID   int64
	RefundID  int64
	ActorID   int64
	Amount    int64
	Memo      string
}

// ErrInsufficient is returned when a wallet or merchant balance is too low.
var ErrInsufficient = &errs.Error{Kind: errs.KindConflict, Message: "The balance is too low for this payment."}

// balanceID returns the id of an owner's balance row, creating it at zero.
func balanceID(ctx context.Context, tx *db.Tx, owner string, ownerID int64, now int64) (int64, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO pay_balances (id, owner_type, owner_id, balance, updated_at) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (owner_type, owner_id) DO NOTHING`, id.New(), owner, ownerID, now); err != nil {
		return 0, err
	}
	var bid int64
	err := db.Get(tx.QueryRow(ctx, `SELECT id FROM pay_balances WHERE owner_type = ? AND owner_id = ?`, owner, ownerID), &bid)
	return bid, err
}

// move writes one ledger transaction: the legs must sum to zero. Balances
// are updated in ascending id order (so two movements never lock the same
// rows in opposite orders on PostgreSQL), each with a conditional UPDATE
// that refuses to take a non-external balance below zero.
func (s *Store) move(ctx context.Context, tx *db.Tx, t txnInfo, legs []leg) (int64, error) {
	var sum int64
	for _, l := range legs {
		if l.amount == 0 {
			return 0, fmt.Errorf("pay: zero leg")
		}
		sum += l.amount
	}
	if sum != 0 || len(legs) < 2 {
		return 0, fmt.Errorf("pay: unbalanced transaction (%d legs, sum %d)", len(legs), sum)
	}
	now := db.Micro(s.now())
	type resolved struct {
		leg
		bid int64
	}
	rs := make([]resolved, 0, len(legs))
	for _, l := range legs {
		bid, err := balanceID(ctx, tx, l.owner, l.ownerID, now)
		if err != nil {
			return 0, err
		}
		rs = append(rs, resolved{l, bid})
	}
	slices.SortFunc(rs, func(a, b resolved) int {
		switch {
		case a.bid < b.bid:
			return -1
		case a.bid > b.bid:
			return 1
		}
		return 0
	})
	for _, r := range rs {
		q := `UPDATE pay_balances SET balance = balance + ?, updated_at = ? WHERE id = ?`
		args := []any{r.amount, now, r.bid}
		if r.amount < 0 && r.owner != OwnerExternal {
			q += ` AND balance >= ?`
			args = append(args, -r.amount)
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			if db.IsCheckViolation(err) {
				return 0, insufficient(r.owner)
			}
			return 0, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return 0, insufficient(r.owner)
		}
	}
	txnID := id.New()
	if _, err := tx.Exec(ctx, `INSERT INTO pay_txns (id, kind, account_id, person_id, order_id, refund_id, actor_id, amount, memo, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, txnID, t.Kind, t.AccountID, t.PersonID, t.OrderID, t.RefundID, t.ActorID, t.Amount, t.Memo, now); err != nil {
		return 0, err
	}
	for _, r := range rs {
		if _, err := tx.Exec(ctx, `INSERT INTO pay_entries (id, txn_id, balance_id, amount, created_at) VALUES (?, ?, ?, ?, ?)`,
			id.New(), txnID, r.bid, r.amount, now); err != nil {
			return 0, err
		}
	}
	return txnID, nil
}

func insufficient(owner string) error {
	switch owner {
	case OwnerWallet:
		return &errs.Error{Kind: errs.KindConflict, Message: "Your wallet balance is too low for this payment.", Field: "password", Err: ErrInsufficient}
	case OwnerMerchant:
		return &errs.Error{Kind: errs.KindConflict, Message: "The merchant balance is too low for this refund or payout.", Err: ErrInsufficient}
	}
	return ErrInsufficient
}

// tx runs fn in a transaction, retrying a few times when PostgreSQL reports
// a deadlock or a serialisation failure (both roll back everything).
func (s *Store) tx(ctx context.Context, fn func(tx *db.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.db.Tx(ctx, fn)
		if code := db.PostgresCode(err); code != "40P01" && code != "40001" {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func checkAmount(amount int64, field string) error {
	if amount <= 0 {
		return errs.FieldInvalid(field, "Enter an amount above zero.")
	}
	if amount > MaxAmount {
		return errs.FieldInvalid(field, "An amount is at most %s.", FormatFen(MaxAmount))
	}
	return nil
}

// TopUp credits a follower's wallet from outside the platform (a platform
// admin's sandbox credit). actorID is the admin.
func (s *Store) TopUp(ctx context.Context, actorID, personID, amount int64, memo string) (err error) {
	defer errs.Wrap(&err, "pay.Store.TopUp(%d, %d, %d)", actorID, personID, amount)
	if err := checkAmount(amount, "amount"); err != nil {
		return err
	}
	memo = strings.TrimSpace(memo)
	if len(memo) > 200 {
		return errs.FieldInvalid("memo", "A note has at most 200 characters.")
	}
	return s.tx(ctx, func(tx *db.Tx) error {
		var one int
		if err := db.Get(tx.QueryRow(ctx, `SELECT 1 FROM people WHERE id = ?`, personID), &one); err != nil {
			if errors.Is(err, errs.NotFound) {
				return errs.FieldInvalid("username", "There is no such person.")
			}
			return err
		}
		_, err := s.move(ctx, tx, txnInfo{Kind: TxnTopUp, PersonID: personID, ActorID: actorID, Amount: amount, Memo: memo},
			[]leg{{OwnerExternal, 0, -amount}, {OwnerWallet, personID, amount}})
		return err
	})
}

// Payout moves money from a merchant balance out of the platform (to the
// organisation's bank, in a real deployment).
func (s *Store) Payout(ctx context.Context, actorID, accountID, amount int64) (err error) {
	defer errs.Wrap(&err, "pay.Store.Payout(%d, %d, %d)", actorID, accountID, amount)
	if err := checkAmount(amount, "amount"); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *db.Tx) error {
		_, err := s.move(ctx, tx, txnInfo{Kind: TxnPayout, AccountID: accountID, ActorID: actorID, Amount: amount},
			[]leg{{OwnerMerchant, accountID, -amount}, {OwnerExternal, 0, amount}})
		return err
	})
}

// Balance returns an owner's balance in fen (0 when it has none yet).
func (s *Store) Balance(ctx context.Context, owner string, ownerID int64) (_ int64, err error) {
	defer errs.Wrap(&err, "pay.Store.Balance(%d)", ownerID)
	var b int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT balance FROM pay_balances WHERE owner_type = ? AND owner_id = ?`, owner, ownerID), &b)
	if errors.Is(err, errs.NotFound) {
		return 0, nil
	}
	return b, err
}

// Movement is one ledger transaction as seen from one balance.
type Movement struct {
	TxnID     int64
	Kind      string
	AccountID int64
	PersonID  int64
	OrderID   int64
	Amount    int64 // signed: + in, − out
	Memo      string
	At        time.Time
}

// Movements lists the newest movements of one balance.
func (s *Store) Movements(ctx context.Context, owner string, ownerID int64, limit int) (_ []Movement, err error) {
	defer errs.Wrap(&err, "pay.Store.Movements(%d, %d)", ownerID, limit)
	return collect(func(r *sql.Rows) (Movement, error) {
		var m Movement
		var at int64
		err := r.Scan(&m.TxnID, &m.Kind, &m.AccountID, &m.PersonID, &m.OrderID, &m.Amount, &m.Memo, &at)
		m.At = db.FromMicro(at)
		return m, err
	})(s.db.Query(ctx, `SELECT t.id, t.kind, t.account_id, t.person_id, t.order_id, e.amount, t.memo, t.created_at
		FROM pay_entries e JOIN pay_balances b ON b.id = e.balance_id JOIN pay_txns t ON t.id = e.txn_id
		WHERE b.owner_type = ? AND b.owner_id = ? ORDER BY t.id DESC LIMIT ?`, owner, ownerID, limit))
}

// Totals are the figures the invariant check compares.
type Totals struct {
	Balances int64 // sum of wallet and merchant balances
	External int64 // the external balance (−(top-ups − payouts))
	TopUps   int64
	Payouts  int64
}

// Check verifies the ledger's invariants and returns the totals:
//   - every transaction's entries sum to zero and match its amount;
//   - every balance equals the sum of its entries;
//   - the sum of all wallet and merchant balances equals top-ups − payouts;
//   - no wallet or merchant balance is negative;
//   - every order's refunded total equals the sum of its refunds and of its
//     refund transactions, and a paid order has exactly one payment.
func (s *Store) Check(ctx context.Context) (Totals, error) {
	var t Totals
	var problems []string
	q := func(query string, args ...any) int64 {
		var n int64
		if err := s.db.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			problems = append(problems, err.Error())
		}
		return n
	}
	t.Balances = q(`SELECT COALESCE(SUM(balance), 0) FROM pay_balances WHERE owner_type <> 'external'`)
	t.External = q(`SELECT COALESCE(SUM(balance), 0) FROM pay_balances WHERE owner_type = 'external'`)
	t.TopUps = q(`SELECT COALESCE(SUM(amount), 0) FROM pay_txns WHERE kind = 'topup'`)
	t.Payouts = q(`SELECT COALESCE(SUM(amount), 0) FROM pay_txns WHERE kind = 'payout'`)
	if t.Balances != t.TopUps-t.Payouts {
		problems = append(problems, fmt.Sprintf("balances %d ≠ top-ups %d − payouts %d", t.Balances, t.TopUps, t.Payouts))
	}
	if t.Balances+t.External != 0 {
		problems = append(problems, fmt.Sprintf("balances %d + external %d ≠ 0", t.Balances, t.External))
	}
	if n := q(`SELECT COUNT(*) FROM (SELECT txn_id FROM pay_entries GROUP BY txn_id HAVING SUM(amount) <> 0 OR COUNT(*) < 2) x`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d transactions do not balance", n))
	}
	if n := q(`SELECT COUNT(*) FROM pay_txns t WHERE t.amount <> (SELECT COALESCE(SUM(e.amount), 0) FROM pay_entries e WHERE e.txn_id = t.id AND e.amount > 0)`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d transactions' entries do not match their amount", n))
	}
	if n := q(`SELECT COUNT(*) FROM pay_balances b WHERE b.balance <> (SELECT COALESCE(SUM(e.amount), 0) FROM pay_entries e WHERE e.balance_id = b.id)`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d balances differ from their entries", n))
	}
	if n := q(`SELECT COUNT(*) FROM pay_balances WHERE balance < 0 AND owner_type <> 'external'`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d balances are negative", n))
	}
	if n := q(`SELECT COUNT(*) FROM pay_orders o WHERE o.refunded <> (SELECT COALESCE(SUM(r.amount), 0) FROM pay_refunds r WHERE r.order_id = o.id)
		OR o.refunded <> (SELECT COALESCE(SUM(t.amount), 0) FROM pay_txns t WHERE t.order_id = o.id AND t.kind = 'refund')`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d orders' refunded totals differ from their refunds", n))
	}
	if n := q(`SELECT COUNT(*) FROM pay_orders o WHERE (o.state IN ('paid', 'partially_refunded', 'refunded')) <>
		((SELECT COUNT(*) FROM pay_txns t WHERE t.order_id = o.id AND t.kind = 'payment' AND t.amount = o.amount) = 1)`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d orders' state differs from their payments", n))
	}
	if n := q(`SELECT COUNT(*) FROM (SELECT order_id FROM pay_txns WHERE kind = 'payment' GROUP BY order_id HAVING COUNT(*) > 1) x`); n > 0 {
		problems = append(problems, fmt.Sprintf("%d orders were paid more than once", n))
	}
	if len(problems) > 0 {
		return t, fmt.Errorf("pay: ledger invariants broken: %s", strings.Join(problems, "; "))
	}
	return t, nil
}

// FormatFen formats an amount as ¥1,234.56.
func FormatFen(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	yuan := fmt.Sprintf("%d", v/100)
	var b strings.Builder
	for i, c := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := fmt.Sprintf("¥%s.%02d", b.String(), v%100)
	if neg {
		return "−" + s
	}
	return s
}

// ParseFen reads a yuan amount typed by a person ("12", "12.5", "12.50",
// "1,234.56") into fen, without floats.
func ParseFen(s, field string) (int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	s = strings.ReplaceAll(s, ",", "")
	bad := errs.FieldInvalid(field, "Enter an amount in yuan, like 12.50.")
	if s == "" {
		return 0, bad
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if len(whole) > 9 {
		return 0, errs.FieldInvalid(field, "An amount is at most %s.", FormatFen(MaxAmount))
	}
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
		v = v*10 + int64(c-'0')
	}
	if err := checkAmount(v, field); err != nil {
		return 0, err
	}
	return v, nil
}

// collect adapts db.Collect so a query's two results can be passed
// straight in: collect(scan)(s.db.Query(...)).
func collect[T any](scan func(*sql.Rows) (T, error)) func(*sql.Rows, error) ([]T, error) {
	return func(rows *sql.Rows, err error) ([]T, error) { return db.Collect(rows, err, scan) }
}

// DB returns the store's database, for adapters that keep their own tables
// next to the ledger (internal/pay/wxpay).
func (s *Store) DB() *db.DB { return s.db }
