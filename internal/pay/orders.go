package pay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Order states. An order only moves forward:
//
//	created → paid → partially_refunded* → refunded
//	created → closed
const (
	StateCreated           = "created"
	StatePaid              = "paid"
	StatePartiallyRefunded = "partially_refunded"
	StateRefunded          = "refunded"
	StateClosed            = "closed"
)

// Where an order came from.
const (
	SourceConsole = "console" // the console's catalogue
	SourceCard    = "card"    // a product card in chat
	SourceArticle = "article" // a product card placed in an article
	SourceAPI     = "api"     // the merchant's server (WeChat Pay v3-shaped API)
)

// transitions is the one place that says which state may follow which.
var transitions = map[string][]string{
	StateCreated:           {StatePaid, StateClosed},
	StatePaid:              {StatePartiallyRefunded, StateRefunded},
	StatePartiallyRefunded: {StatePartiallyRefunded, StateRefunded},
}

// CanMove reports whether an order in state from may move to state to.
func CanMove(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// fromStates lists the states that may move to to, as SQL literals.
func fromStates(to string) string {
	var out []string
	for from, tos := range transitions {
		for _, t := range tos {
			if t == to {
				out = append(out, "'"+from+"'")
			}
		}
	}
	return strings.Join(out, ", ")
}

// illegal explains a refused transition.
func illegal(o *Order, to string) error {
	state := errs.Text(StateLabel(o.State))
	switch to {
	case StatePaid:
		return errs.Conflictf("This order is %s and cannot be paid.", state)
	case StateClosed:
		return errs.Conflictf("This order is %s and cannot be closed.", state)
	}
	return errs.Conflictf("This order is %s and cannot be refunded.", state)
}

// StateLabel is a state in words.
func StateLabel(s string) string {
	switch s {
	case StateCreated:
		return "waiting for payment"
	case StatePartiallyRefunded:
		return "partly refunded"
	}
	return s
}

// Order is one order.
type Order struct {
	ID            int64
	AccountID     int64
	OutTradeNo    string
	PersonID      int64 // the payer; 0 until paid for a Native order
	ProductID     int64
	Quantity      int64
	Description   string
	Amount        int64
	Refunded      int64
	State         string
	Source        string
	TradeType     string
	NotifyURL     string
	Attach        string
	TransactionID string
	CreatedAt     time.Time
	PaidAt        time.Time
	ClosedAt      time.Time
}

// Paid reports whether money was taken for the order.
func (o *Order) Paid() bool {
	return o.State == StatePaid || o.State == StatePartiallyRefunded || o.State == StateRefunded
}

// Refundable is what may still be refunded.
func (o *Order) Refundable() int64 {
	if !o.Paid() {
		return 0
	}
	return o.Amount - o.Refunded
}

const orderCols = `id, account_id, out_trade_no, person_id, product_id, quantity, description, amount, refunded, state, source, trade_type,
	notify_url, attach, transaction_id, created_at, paid_at, closed_at`

func scanOrder(sc interface{ Scan(...any) error }) (*Order, error) {
	var o Order
	var created, paid, closed int64
	if err := sc.Scan(&o.ID, &o.AccountID, &o.OutTradeNo, &o.PersonID, &o.ProductID, &o.Quantity, &o.Description, &o.Amount, &o.Refunded,
		&o.State, &o.Source, &o.TradeType, &o.NotifyURL, &o.Attach, &o.TransactionID, &created, &paid, &closed); err != nil {
		return nil, err
	}
	o.CreatedAt = db.FromMicro(created)
	if paid != 0 {
		o.PaidAt = db.FromMicro(paid)
	}
	if closed != 0 {
		o.ClosedAt = db.FromMicro(closed)
	}
	return &o, nil
}

func getOrder(ctx context.Context, q db.Querier, where string, args ...any) (*Order, error) {
	rows, err := q.Query(ctx, `SELECT `+orderCols+` FROM pay_orders WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, db.ErrNotFound
	}
	return scanOrder(rows)
}

// Order returns one order of an account (accountID 0: any account).
func (s *Store) Order(ctx context.Context, accountID, orderID int64) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.Order(%d, %d)", accountID, orderID)
	if accountID == 0 {
		return getOrder(ctx, s.db, `id = ?`, orderID)
	}
	return getOrder(ctx, s.db, `id = ? AND account_id = ?`, orderID, accountID)
}

// OrderByTransactionID returns an account's order by Herald's payment number.
func (s *Store) OrderByTransactionID(ctx context.Context, accountID int64, transactionID string) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.OrderByTransactionID(%d, %q)", accountID, transactionID)
	if transactionID == "" {
		return nil, db.ErrNotFound
	}
	return getOrder(ctx, s.db, `account_id = ? AND transaction_id = ?`, accountID, transactionID)
}

// OrderByOutTradeNo returns an account's order by the merchant's number.
func (s *Store) OrderByOutTradeNo(ctx context.Context, accountID int64, outTradeNo string) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.OrderByOutTradeNo(%d)", accountID)
	return getOrder(ctx, s.db, `account_id = ? AND out_trade_no = ?`, accountID, outTradeNo)
}

// NewOrder is an order to create.
type NewOrder struct {
	AccountID   int64
	OutTradeNo  string // "" → generated; the same number returns the same order
	PersonID    int64  // the payer (0: whoever pays a Native order)
	ProductID   int64  // 0 for an API order with only an amount
	Quantity    int64  // with ProductID; default 1
	Description string // default: the product's name
	Amount      int64  // without ProductID
	Source      string
	TradeType   string // JSAPI, NATIVE (API orders)
	NotifyURL   string
	Attach      string
}

// CreateOrder creates an order, or returns the existing one when the
// account already has an order with the same out_trade_no: when its amount
// or payer differ the request is refused, as WeChat Pay does.
func (s *Store) CreateOrder(ctx context.Context, in NewOrder) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.CreateOrder()")
	m, err := s.Merchant(ctx, in.AccountID)
	if errors.Is(err, errs.NotFound) {
		return nil, ErrNotMerchant
	}
	if err != nil {
		return nil, err
	}
	var status string
	if err := db.Get(s.db.QueryRow(ctx, `SELECT status FROM accounts WHERE id = ?`, in.AccountID), &status); err != nil {
		return nil, err
	}
	if !m.Enabled || status != account.StatusActive {
		return nil, errs.Conflictf("%s does not take payments at the moment.", m.DisplayName)
	}
	if in.Quantity == 0 {
		in.Quantity = 1
	}
	if in.Quantity < 0 || in.Quantity > 99 {
		return nil, errs.FieldInvalid("quantity", "Choose a quantity from 1 to 99.")
	}
	if in.ProductID != 0 {
		p, err := s.Product(ctx, in.AccountID, in.ProductID)
		if err != nil {
			return nil, err
		}
		if !p.Active {
			return nil, errs.Conflictf("%s is no longer on sale.", p.Name)
		}
		if p.Stock == 0 {
			return nil, errs.Conflictf("%s is sold out.", p.Name)
		}
		if p.Stock < in.Quantity {
			return nil, errs.FieldInvalid("quantity", "Only %d left.", p.Stock)
		}
		in.Amount = p.Price * in.Quantity
		if in.Description == "" {
			in.Description = p.Name
			if in.Quantity > 1 {
				in.Description = fmt.Sprintf("%s × %d", p.Name, in.Quantity)
			}
		}
	}
	if err := checkAmount(in.Amount, "amount"); err != nil {
		return nil, err
	}
	in.Description = strings.TrimSpace(in.Description)
	if in.Description == "" || utf8.RuneCountInString(in.Description) > 127 {
		return nil, errs.FieldInvalid("description", "An order needs a description of at most 127 characters.")
	}
	if in.OutTradeNo == "" {
		in.OutTradeNo = fmt.Sprintf("H%d", id.New())
	}
	if l := len(in.OutTradeNo); l < 6 || l > 32 || strings.Trim(in.OutTradeNo, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-|*") != "" {
		return nil, errs.FieldInvalid("out_trade_no", "out_trade_no is 6 to 32 letters, digits, _-|*.")
	}
	switch in.Source {
	case SourceConsole, SourceCard, SourceArticle, SourceAPI:
	default:
		return nil, fmt.Errorf("pay: unknown order source %q", in.Source)
	}
	now := db.Micro(s.now())
	oid := id.New()
	_, err = s.db.Exec(ctx, `INSERT INTO pay_orders (id, account_id, out_trade_no, person_id, product_id, quantity, description, amount, state, source,
			trade_type, notify_url, attach, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, out_trade_no) DO NOTHING`,
		oid, in.AccountID, in.OutTradeNo, in.PersonID, in.ProductID, in.Quantity, in.Description, in.Amount, in.Source,
		in.TradeType, in.NotifyURL, in.Attach, now, now)
	if err != nil {
		return nil, err
	}
	o, err := getOrder(ctx, s.db, `account_id = ? AND out_trade_no = ?`, in.AccountID, in.OutTradeNo)
	if err != nil {
		return nil, err
	}
	if o.ID != oid && (o.Amount != in.Amount || o.PersonID != in.PersonID || o.ProductID != in.ProductID) {
		return nil, &errs.Error{Kind: errs.KindInvalid, Field: "out_trade_no", Err: ErrOutTradeNoUsed,
			Message: "An order with this out_trade_no already exists with different details."}
	}
	if o.ID == oid {
		for _, fn := range s.createdHooks {
			fn(ctx, o)
		}
	}
	return o, nil
}

// Pay takes the order's amount from the person's wallet into the merchant
// balance, marks the order paid and takes the product from stock, all in
// one transaction. Paying an order twice is refused without any change.
func (s *Store) Pay(ctx context.Context, orderID, personID int64) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.Pay(%d, %d)", orderID, personID)
	var o *Order
	err = s.tx(ctx, func(tx *db.Tx) error {
		var err error
		now := s.now()
		txnID := id.New()
		res, err := tx.Exec(ctx, `UPDATE pay_orders SET state = 'paid', person_id = ?, paid_at = ?, updated_at = ?, transaction_id = ?
			WHERE id = ? AND state IN (`+fromStates(StatePaid)+`) AND (person_id = 0 OR person_id = ?)`,
			personID, db.Micro(now), db.Micro(now), fmt.Sprintf("42%018d", uint64(txnID)%1_000_000_000_000_000_000), orderID, personID)
		if err != nil {
			return err
		}
		if o, err = getOrder(ctx, tx, `id = ?`, orderID); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if o.PersonID != personID {
				return db.ErrNotFound
			}
			return illegal(o, StatePaid)
		}
		var enabled int
		var status string
		if err := db.Get(tx.QueryRow(ctx, `SELECT m.enabled, a.status FROM pay_merchants m JOIN accounts a ON a.id = m.account_id WHERE m.account_id = ?`, o.AccountID),
			&enabled, &status); err != nil {
			return err
		}
		if enabled != 1 || status != account.StatusActive {
			return errs.Conflictf("The merchant does not take payments at the moment. Nothing was charged.")
		}
		if o.ProductID != 0 {
			res, err := tx.Exec(ctx, `UPDATE pay_products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?`,
				o.Quantity, db.Micro(now), o.ProductID, o.Quantity)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.Conflictf("Sorry, %s sold out before you paid. Nothing was charged.", o.Description)
			}
		}
		if _, err = s.move(ctx, tx, txnInfo{Kind: TxnPayment, AccountID: o.AccountID, PersonID: personID, OrderID: o.ID, Amount: o.Amount, Memo: o.Description},
			[]leg{{OwnerWallet, personID, -o.Amount}, {OwnerMerchant, o.AccountID, o.Amount}}); err != nil {
			return err
		}
		for _, fn := range s.paidTxHooks {
			if err := fn(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, fn := range s.paidHooks {
		fn(ctx, o)
	}
	return o, nil
}

// Close closes an unpaid order; it can no longer be paid.
func (s *Store) Close(ctx context.Context, accountID, orderID int64) (_ *Order, err error) {
	defer errs.Wrap(&err, "pay.Store.Close(%d, %d)", accountID, orderID)
	now := db.Micro(s.now())
	res, err := s.db.Exec(ctx, `UPDATE pay_orders SET state = 'closed', closed_at = ?, updated_at = ? WHERE id = ? AND account_id = ? AND state IN (`+fromStates(StateClosed)+`)`,
		now, now, orderID, accountID)
	if err != nil {
		return nil, err
	}
	o, err := getOrder(ctx, s.db, `id = ? AND account_id = ?`, orderID, accountID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, illegal(o, StateClosed)
	}
	return o, nil
}

// Refund is one refund of an order.
type Refund struct {
	ID          int64
	AccountID   int64
	OrderID     int64
	OutRefundNo string
	Amount      int64
	Reason      string
	CreatedAt   time.Time
}

const refundCols = `id, account_id, order_id, out_refund_no, amount, reason, created_at`

func scanRefund(sc interface{ Scan(...any) error }) (*Refund, error) {
	var r Refund
	var created int64
	if err := sc.Scan(&r.ID, &r.AccountID, &r.OrderID, &r.OutRefundNo, &r.Amount, &r.Reason, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = db.FromMicro(created)
	return &r, nil
}

// RefundByOutRefundNo returns an account's refund by the merchant's number.
func (s *Store) RefundByOutRefundNo(ctx context.Context, accountID int64, outRefundNo string) (_ *Refund, err error) {
	defer errs.Wrap(&err, "pay.Store.RefundByOutRefundNo(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+refundCols+` FROM pay_refunds WHERE account_id = ? AND out_refund_no = ?`, accountID, outRefundNo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, db.ErrNotFound
	}
	return scanRefund(rows)
}

// Refunds lists an order's refunds, oldest first.
func (s *Store) Refunds(ctx context.Context, accountID, orderID int64) (_ []*Refund, err error) {
	defer errs.Wrap(&err, "pay.Store.Refunds(%d, %d)", accountID, orderID)
	return collect(func(r *sql.Rows) (*Refund, error) { return scanRefund(r) })(s.db.Query(ctx, `SELECT `+refundCols+` FROM pay_refunds WHERE account_id = ? AND order_id = ? ORDER BY id`, accountID, orderID))
}

// RefundOrder gives back amount of a paid order to the payer's wallet
// from the merchant balance. outRefundNo makes it idempotent: the same
// number returns the same refund (and refuses a different amount). The
// total refunded never exceeds what was paid.
func (s *Store) RefundOrder(ctx context.Context, accountID, orderID int64, outRefundNo string, amount int64, reason string) (_ *Order, _ *Refund, err error) {
	defer errs.Wrap(&err, "pay.Store.RefundOrder(%d, %d, %d)", accountID, orderID, amount)
	if err := checkAmount(amount, "amount"); err != nil {
		return nil, nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 80 {
		return nil, nil, errs.FieldInvalid("reason", "A reason has at most 80 characters.")
	}
	if outRefundNo == "" {
		outRefundNo = fmt.Sprintf("R%d", id.New())
	}
	if l := len(outRefundNo); l > 64 || strings.Trim(outRefundNo, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-|*@") != "" {
		return nil, nil, errs.FieldInvalid("out_refund_no", "out_refund_no is at most 64 letters, digits, _-|*@.")
	}
	if r, err := s.RefundByOutRefundNo(ctx, accountID, outRefundNo); err == nil {
		if r.OrderID != orderID || r.Amount != amount {
			return nil, nil, &errs.Error{Kind: errs.KindInvalid, Field: "out_refund_no", Err: ErrOutRefundNoUsed,
				Message: "A refund with this out_refund_no already exists with different details."}
		}
		o, err := s.Order(ctx, accountID, orderID)
		return o, r, err
	} else if !errors.Is(err, errs.NotFound) {
		return nil, nil, err
	}
	var o *Order
	r := &Refund{ID: id.New(), AccountID: accountID, OrderID: orderID, OutRefundNo: outRefundNo, Amount: amount, Reason: reason, CreatedAt: s.now()}
	repeat := false
	err = s.tx(ctx, func(tx *db.Tx) error {
		now := db.Micro(s.now())
		res, err := tx.Exec(ctx, `UPDATE pay_orders SET refunded = refunded + ?,
				state = CASE WHEN refunded + ? = amount THEN 'refunded' ELSE 'partially_refunded' END, updated_at = ?
			WHERE id = ? AND account_id = ? AND state IN (`+fromStates(StatePartiallyRefunded)+`) AND refunded + ? <= amount`,
			amount, amount, now, orderID, accountID, amount)
		if err != nil {
			return err
		}
		if o, err = getOrder(ctx, tx, `id = ? AND account_id = ?`, orderID, accountID); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if !o.Paid() || o.State == StateRefunded {
				return illegal(o, StateRefunded)
			}
			return &errs.Error{Kind: errs.KindInvalid, Field: "amount", Err: ErrRefundTooLarge,
				Message: fmt.Sprintf("At most %s can still be refunded on this order.", FormatFen(o.Refundable()))}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pay_refunds (id, account_id, order_id, out_refund_no, amount, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ID, accountID, orderID, outRefundNo, amount, reason, now); err != nil {
			if db.IsUniqueViolation(err) {
				repeat = true // the same refund, sent twice at once: the other one won
				return errRepeat
			}
			return err
		}
		if _, err = s.move(ctx, tx, txnInfo{Kind: TxnRefund, AccountID: accountID, PersonID: o.PersonID, OrderID: o.ID, RefundID: r.ID, Amount: amount, Memo: reason},
			[]leg{{OwnerMerchant, accountID, -amount}, {OwnerWallet, o.PersonID, amount}}); err != nil {
			return err
		}
		for _, fn := range s.refundedTxHooks {
			if err := fn(ctx, tx, o, r); err != nil {
				return err
			}
		}
		return nil
	})
	if repeat {
		return s.RefundOrder(ctx, accountID, orderID, outRefundNo, amount, reason)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, fn := range s.refundedHooks {
		fn(ctx, o, r)
	}
	return o, r, nil
}

var errRepeat = errors.New("pay: repeated refund")

// Causes wrapped in the errors that repeated merchant numbers and
// over-refunds return, so the v3 API can answer them with WeChat Pay's
// codes (errors.Is) while pages show the message.
var (
	// ErrOutTradeNoUsed: the out_trade_no names an order with another
	// amount, payer or product.
	ErrOutTradeNoUsed = errors.New("pay: out_trade_no already used with different details")
	// ErrOutRefundNoUsed: the out_refund_no names a refund of another
	// order or amount.
	ErrOutRefundNoUsed = errors.New("pay: out_refund_no already used with different details")
	// ErrRefundTooLarge: the refund is more than the order has left.
	ErrRefundTooLarge = errors.New("pay: refund exceeds what is left to refund")
)

// OrderFilter narrows an account's order list.
type OrderFilter struct {
	State    string    // "" for all
	From, To time.Time // created in [From, To); zero: unbounded
	Query    string    // out_trade_no or description contains
	BeforeID int64     // paging: orders older than this
	Limit    int
}

// Orders lists an account's orders, newest first.
func (s *Store) Orders(ctx context.Context, accountID int64, f OrderFilter) (_ []*Order, err error) {
	defer errs.Wrap(&err, "pay.Store.Orders(%d)", accountID)
	q := `SELECT ` + orderCols + ` FROM pay_orders WHERE account_id = ?`
	args := []any{accountID}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if !f.From.IsZero() {
		q += ` AND created_at >= ?`
		args = append(args, db.Micro(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, db.Micro(f.To))
	}
	if f.Query != "" {
		q += ` AND (out_trade_no = ? OR ` + s.db.Dialect().Like("description") + ` ESCAPE '\')`
		args = append(args, f.Query, "%"+db.EscapeLike(f.Query)+"%")
	}
	if f.BeforeID != 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	return collect(func(r *sql.Rows) (*Order, error) { return scanOrder(r) })(s.db.Query(ctx, q, args...))
}

// PersonOrder is an order in a follower's list, with the merchant's name.
type PersonOrder struct {
	Order
	Merchant string
}

// PersonOrders lists the orders a person paid or may pay, newest first.
func (s *Store) PersonOrders(ctx context.Context, personID int64, limit int) (_ []*PersonOrder, err error) {
	defer errs.Wrap(&err, "pay.Store.PersonOrders(%d, %d)", personID, limit)
	return collect(func(r *sql.Rows) (*PersonOrder, error) {
		var po PersonOrder
		var created, paid, closed int64
		o := &po.Order
		err := r.Scan(&o.ID, &o.AccountID, &o.OutTradeNo, &o.PersonID, &o.ProductID, &o.Quantity, &o.Description, &o.Amount, &o.Refunded,
			&o.State, &o.Source, &o.TradeType, &o.NotifyURL, &o.Attach, &o.TransactionID, &created, &paid, &closed, &po.Merchant)
		o.CreatedAt = db.FromMicro(created)
		if paid != 0 {
			o.PaidAt = db.FromMicro(paid)
		}
		return &po, err
	})(s.db.Query(ctx, `SELECT `+prefixed("o.", orderCols)+`, COALESCE(m.display_name, '')
		FROM pay_orders o LEFT JOIN pay_merchants m ON m.account_id = o.account_id
		WHERE o.person_id = ? ORDER BY o.id DESC LIMIT ?`, personID, limit))
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Day is one day of a merchant's settlement summary.
type Day struct {
	Date     string // YYYY-MM-DD in the account's time zone
	Payments int64  // count
	Paid     int64  // fen received
	Refunds  int64  // count
	Refunded int64  // fen given back
	Payouts  int64  // fen paid out
	Net      int64  // Paid − Refunded
}

// Settlement sums the merchant balance's movements per day, newest first,
// for the days in [from, to) in loc.
func (s *Store) Settlement(ctx context.Context, accountID int64, from, to time.Time, loc *time.Location) (_ []Day, err error) {
	defer errs.Wrap(&err, "pay.Store.Settlement(%d)", accountID)
	type row struct {
		kind   string
		amount int64
		at     int64
	}
	rows, err := collect(func(r *sql.Rows) (row, error) {
		var x row
		return x, r.Scan(&x.kind, &x.amount, &x.at)
	})(s.db.Query(ctx, `SELECT t.kind, t.amount, t.created_at FROM pay_txns t
		WHERE t.account_id = ? AND t.kind IN ('payment', 'refund', 'payout') AND t.created_at >= ? AND t.created_at < ?
		ORDER BY t.created_at DESC`, accountID, db.Micro(from), db.Micro(to)))
	if err != nil {
		return nil, err
	}
	var days []Day
	for _, x := range rows {
		d := db.FromMicro(x.at).In(loc).Format("2006-01-02")
		if len(days) == 0 || days[len(days)-1].Date != d {
			days = append(days, Day{Date: d})
		}
		day := &days[len(days)-1]
		switch x.kind {
		case TxnPayment:
			day.Payments++
			day.Paid += x.amount
		case TxnRefund:
			day.Refunds++
			day.Refunded += x.amount
		case TxnPayout:
			day.Payouts += x.amount
		}
		day.Net = day.Paid - day.Refunded
	}
	return days, nil
}
