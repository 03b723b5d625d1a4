package wxpay

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/pay"
)

// Backoff is the wait before each retry of a notification, as WeChat Pay
// documents it (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h).
// After the last one the notification is marked failed; the merchant can
// still query the order.
var Backoff = []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute, 20 * time.Minute,
	30 * time.Minute, 30 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 3 * time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour}

// NewAPI returns the API that cfg describes, its notifications hooked into
// cfg.Pay: a paid API order with a notify_url gets TRANSACTION.SUCCESS, a
// refund of an API order REFUND.SUCCESS (to the refund request's
// notify_url, else the order's). The notification is stored in the
// payment's (or refund's) own transaction, so no payment commits without
// it; DeliverDue sends it.
func NewAPI(cfg API) *API {
	a := &cfg
	a.notifyMerchants()
	return a
}

func (a *API) notifyMerchants() {
	a.Pay.InPaidTx(func(ctx context.Context, tx *db.Tx, o *pay.Order) error {
		if o.Source != pay.SourceAPI || o.NotifyURL == "" {
			return nil
		}
		return a.enqueue(ctx, tx, o, nil, "TRANSACTION.SUCCESS", o.NotifyURL)
	})
	a.Pay.InRefundedTx(func(ctx context.Context, tx *db.Tx, o *pay.Order, r *pay.Refund) error {
		if o.Source != pay.SourceAPI {
			return nil
		}
		u := RefundNotifyURL(ctx)
		if u == "" {
			u = o.NotifyURL
		}
		if u == "" {
			return nil
		}
		return a.enqueue(ctx, tx, o, r, "REFUND.SUCCESS", u)
	})
}

// enqueue stores a notification in tx. The resource is built from the
// order as tx sees it and from the account and merchant (which tx does
// not change).
func (a *API) enqueue(ctx context.Context, tx *db.Tx, o *pay.Order, r *pay.Refund, event, url string) error {
	acct, err := a.Accounts.ByID(ctx, o.AccountID)
	if err != nil {
		return fmt.Errorf("wxpay: notification of order %d: %w", o.ID, err)
	}
	m, err := a.Pay.Merchant(ctx, o.AccountID)
	if err != nil {
		return fmt.Errorf("wxpay: notification of order %d: %w", o.ID, err)
	}
	var resource any
	var refundID int64
	if r == nil {
		resource = a.transaction(ctx, acct, m, o)
	} else {
		ro := refundObject(acct, o, r)
		ro.MchID, ro.RefundStatus, ro.Status = m.MchID, "SUCCESS", ""
		resource, refundID = ro, r.ID
	}
	body, err := json.Marshal(resource)
	if err != nil {
		return err
	}
	now := db.Micro(a.Clock.Now())
	_, err = tx.Exec(ctx, `INSERT INTO pay_notifications (id, account_id, order_id, refund_id, event_type, url, state, attempts, next_at, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`, id.New(), o.AccountID, o.ID, refundID, event, url, now, string(body), now, now)
	if err != nil {
		return fmt.Errorf("wxpay: store the notification of order %d: %w", o.ID, err)
	}
	return nil
}

// Envelope is the JSON body POSTed to notify_url.
type Envelope struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     Resource `json:"resource"`
}

// Resource is the encrypted part of a notification.
type Resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// DeliverDue sends the notifications that are due (at most 50 a run) and
// reports how many the merchants acknowledged. Each one is leased for a
// minute first, so two nodes never send the same one at once.
func (a *API) DeliverDue(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "wxpay.API.DeliverDue()")
	now := a.Clock.Now()
	rows, err := a.Pay.DB().Query(ctx, `SELECT id, next_at FROM pay_notifications WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT 50`, db.Micro(now))
	type due struct{ id, next int64 }
	list, err := db.Collect(rows, err, func(r *sql.Rows) (due, error) {
		var d due
		return d, r.Scan(&d.id, &d.next)
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, d := range list {
		res, err := a.Pay.DB().Exec(ctx, `UPDATE pay_notifications SET next_at = ? WHERE id = ? AND next_at = ? AND state = 'pending'`,
			db.Micro(now.Add(time.Minute)), d.id, d.next)
		if err != nil {
			return done, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another node has it
		}
		ok, err := a.deliver(ctx, d.id)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}

func (a *API) deliver(ctx context.Context, nid int64) (bool, error) {
	var accountID int64
	var event, url, body string
	var attempts int
	if err := db.Get(a.Pay.DB().WriterQueryRow(ctx, `SELECT account_id, event_type, url, body, attempts FROM pay_notifications WHERE id = ?`, nid),
		&accountID, &event, &url, &body, &attempts); err != nil {
		return false, err
	}
	status, sendErr := a.send(ctx, nid, accountID, event, url, body)
	now := a.Clock.Now()
	attempts++
	ok := sendErr == nil && (status == http.StatusOK || status == http.StatusNoContent)
	last := strconv.Itoa(status)
	if sendErr != nil {
		last = outbound.Excerpt([]byte(sendErr.Error()), 200)
	}
	state, next := "pending", now
	switch {
	case ok:
		state = "done"
	case attempts > len(Backoff):
		state = "failed"
	default:
		next = now.Add(Backoff[attempts-1])
	}
	_, err := a.Pay.DB().Exec(ctx, `UPDATE pay_notifications SET state = ?, attempts = ?, next_at = ?, last_status = ?, updated_at = ? WHERE id = ?`,
		state, attempts, db.Micro(next), last, db.Micro(now), nid)
	return ok, err
}

// Build makes the signed notification for a stored resource: the JSON body
// and the Wechatpay-* headers.
func (a *API) Build(ctx context.Context, nid, accountID int64, event, resource string) (_ []byte, _ http.Header, err error) {
	defer errs.Wrap(&err, "wxpay.API.Build(%d, %d)", nid, accountID)
	m, err := a.Pay.Merchant(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	orig, summary := "transaction", "支付成功"
	if event == "REFUND.SUCCESS" {
		orig, summary = "refund", "退款成功"
	}
	nonce, ct, err := Encrypt(m.APIv3Key, orig, []byte(resource))
	if err != nil {
		return nil, nil, err
	}
	env := Envelope{ID: fmt.Sprintf("EV-%d", nid), CreateTime: a.Clock.Now().Format("2006-01-02T15:04:05-07:00"), ResourceType: "encrypt-resource",
		EventType: event, Summary: summary, Resource: Resource{OriginalType: orig, Algorithm: "AEAD_AES_256_GCM", Ciphertext: ct, AssociatedData: orig, Nonce: nonce}}
	raw, err := json.Marshal(env)
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	if err := a.signHeaders(ctx, h, raw); err != nil {
		return nil, nil, err
	}
	h.Set("Content-Type", "application/json")
	return raw, h, nil
}

// defaultClient refuses private addresses and does not follow redirects.
var defaultClient = sync.OnceValue(func() *http.Client { return outbound.NewPolicy(nil).Client(10 * time.Second) })

func (a *API) send(ctx context.Context, nid, accountID int64, event, url, resource string) (int, error) {
	raw, h, err := a.Build(ctx, nid, accountID, event, resource)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header = h
	req.Header.Set("User-Agent", "Herald-Pay/1")
	client := a.HTTP
	if client == nil {
		client = defaultClient()
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, errors.New(outbound.Describe(err))
	}
	res.Body.Close()
	return res.StatusCode, nil
}
