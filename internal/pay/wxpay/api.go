// Package wxpay is Herald Pay's merchant API shaped like WeChat Pay API v3:
// JSAPI and Native orders, query, close, refunds and refund queries under
// /v3/..., requests signed by the merchant (WECHATPAY2-SHA256-RSA2048),
// responses and notifications signed by the platform, notification
// resources encrypted with the merchant's APIv3 key (AEAD_AES_256_GCM), and
// notifications retried with backoff until the merchant answers 200 or 204.
// Only the standard library's crypto is used.
package wxpay

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/pay"
)

// Prefix is the path prefix the API is mounted on.
const Prefix = "/v3/"

// MaxSkew is how far a request's timestamp may be from the platform's
// clock.
const MaxSkew = 5 * time.Minute

// API serves /v3/... for merchants' servers.
type API struct {
	Pay      *pay.Store
	Accounts *account.Store
	Follows  *follow.Store
	Keys     *pay.PlatformKeys
	Clock    clock.Clock
	Log      *slog.Logger
	BaseURL  string // for code_url and the pay sheet
	// HTTP sends notifications to notify_url; app.New gives it the
	// platform's outbound policy (outbound.Policy.Client). Default: one
	// that refuses private addresses and does not follow redirects.
	HTTP *http.Client

	mux *http.ServeMux
}

// apiError is a v3 error body: {"code": "...", "message": "..."}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// merchantCall is an authenticated request.
type merchantCall struct {
	m    *pay.Merchant
	acct *account.Account
	body []byte
}

type handler func(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error)

func (a *API) routes() *http.ServeMux {
	mux := http.NewServeMux()
	h := func(pattern string, fn handler) { mux.HandleFunc(pattern, a.wrap(fn)) }
	h("POST /v3/pay/transactions/jsapi", a.createJSAPI)
	h("POST /v3/pay/transactions/native", a.createNative)
	h("GET /v3/pay/transactions/out-trade-no/{no}", a.queryOrder)
	h("GET /v3/pay/transactions/id/{id}", a.queryOrder)
	h("POST /v3/pay/transactions/out-trade-no/{no}/close", a.closeOrder)
	h("POST /v3/refund/domestic/refunds", a.createRefund)
	h("GET /v3/refund/domestic/refunds/{no}", a.queryRefund)
	h("GET /v3/certificates", a.certificates)
	h("GET /v3/bill/tradebill", a.applyBill(pay.BillTrade, "bill_type"))
	h("GET /v3/bill/fundflowbill", a.applyBill(pay.BillFundFlow, "account_type"))
	h("GET /v3/billdownload/file", a.downloadBill)
	mux.HandleFunc("/v3/", a.wrap(func(http.ResponseWriter, *http.Request, *merchantCall) (int, any, error) {
		return 0, nil, fail(http.StatusNotFound, "NOT_FOUND", "No such endpoint.")
	}))
	return mux
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.mux == nil {
		a.mux = a.routes()
	}
	a.mux.ServeHTTP(w, r)
}

// wrap authenticates the merchant, runs fn and writes a signed response.
func (a *API) wrap(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		status, out, err := func() (int, any, error) {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
			if err != nil {
				return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "The request body is too large.")
			}
			c, err := a.authenticate(ctx, r, body)
			if err != nil {
				return 0, nil, err
			}
			return fn(w, r, c)
		}()
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = fromDomain(err)
				if ae.Status >= 500 && a.Log != nil {
					a.Log.Error("wxpay", slog.String("path", r.URL.Path), slog.Any("error", err))
				}
			}
			status, out = ae.Status, ae
		}
		if rb, ok := out.(rawBody); ok {
			w.Header().Set("Request-ID", randomString(24))
			w.Header().Set("Content-Type", rb.ContentType)
			w.Header().Set("Content-Length", strconv.Itoa(len(rb.Data)))
			w.WriteHeader(status)
			_, _ = w.Write(rb.Data)
			return
		}
		var raw []byte
		if status != http.StatusNoContent {
			raw, _ = json.Marshal(out)
		}
		if err := a.signHeaders(ctx, w.Header(), raw); err != nil && a.Log != nil {
			a.Log.Error("wxpay: sign response", slog.Any("error", err))
		}
		w.Header().Set("Request-ID", randomString(24))
		if raw != nil {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(status)
		_, _ = w.Write(raw)
	}
}

// Messages WeChat Pay answers with, word for word, for the cases merchants'
// code recognises by message as well as by code.
const (
	msgOutTradeNoUsed  = "201 商户订单号重复"
	msgRefundMismatch  = "订单金额或退款金额与之前请求不一致，请核实后再试"
	msgOutRefundNoUsed = "请求内容和上次请求不一致，请核实后再试。原因主要是商户号不一致，或者商户订单号/商户退款单号已经被其他请求使用。"
	msgRefundTooLarge  = "申请退款金额超过订单可退金额"
)

// fromDomain maps a domain error to a v3 error.
func fromDomain(err error) *apiError {
	msg := errs.Message(err)
	switch {
	case errors.Is(err, pay.ErrOutTradeNoUsed):
		return fail(http.StatusBadRequest, "INVALID_REQUEST", msgOutTradeNoUsed)
	case errors.Is(err, pay.ErrOutRefundNoUsed):
		return fail(http.StatusBadRequest, "INVALID_REQUEST", msgOutRefundNoUsed)
	case errors.Is(err, pay.ErrRefundTooLarge):
		return fail(http.StatusBadRequest, "INVALID_REQUEST", "%s", msgRefundTooLarge)
	}
	switch errs.KindOf(err) {
	case errs.KindNotFound:
		return fail(http.StatusNotFound, "ORDER_NOT_EXIST", "%s", msg)
	case errs.KindInvalid:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "%s", msg)
	case errs.KindConflict:
		if errors.Is(err, pay.ErrInsufficient) {
			return fail(http.StatusForbidden, "NOT_ENOUGH", "%s", msg)
		}
		return fail(http.StatusBadRequest, "INVALID_REQUEST", "%s", msg)
	case errs.KindForbidden:
		return fail(http.StatusForbidden, "NO_AUTH", "%s", msg)
	case errs.KindTooMany:
		return fail(http.StatusTooManyRequests, "FREQUENCY_LIMITED", "%s", msg)
	}
	return fail(http.StatusInternalServerError, "SYSTEM_ERROR", "System error; try again.")
}

// signHeaders adds Wechatpay-Timestamp, -Nonce, -Serial and -Signature
// over "timestamp\nnonce\nbody\n".
func (a *API) signHeaders(ctx context.Context, h http.Header, body []byte) error {
	k, err := a.Keys.Current(ctx)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(a.Clock.Now().Unix(), 10)
	nonce := randomString(32)
	sig, err := Sign(k.Key, Message(ts, nonce, string(body)))
	if err != nil {
		return err
	}
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", k.Serial)
	h.Set("Wechatpay-Signature", sig)
	h.Set("Wechatpay-Signature-Type", AuthScheme)
	return nil
}

// authenticate checks the merchant's signature over
// "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n".
func (a *API) authenticate(ctx context.Context, r *http.Request, body []byte) (*merchantCall, error) {
	auth, err := ParseAuth(r.Header.Get("Authorization"))
	if err != nil {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "%s", err.Error())
	}
	m, err := a.Pay.MerchantByMchID(ctx, auth.MchID)
	if errors.Is(err, errs.NotFound) {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "Unknown mchid.")
	}
	if err != nil {
		return nil, err
	}
	if m.MerchantPublicKey == "" {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "The merchant has not set up an API key in the console.")
	}
	if !pay.SameSerial(auth.Serial, m.MerchantSerial) { // "0E9D…", "e9d…" and "E9D…" are one serial
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "serial_no does not match the merchant's key.")
	}
	ts, err := strconv.ParseInt(auth.Timestamp, 10, 64)
	if err != nil {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "timestamp is not a number.")
	}
	if d := a.Clock.Now().Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "timestamp is more than 5 minutes away from the platform's clock.")
	}
	k, err := pay.ParsePublicKey(m.MerchantPublicKey)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "The merchant's key is not RSA.")
	}
	if err := Verify(pub, Message(r.Method, r.URL.RequestURI(), auth.Timestamp, auth.Nonce, string(body)), auth.Signature); err != nil {
		return nil, fail(http.StatusUnauthorized, "SIGN_ERROR", "The signature does not verify.")
	}
	acct, err := a.Accounts.ByID(ctx, m.AccountID)
	if err != nil {
		return nil, err
	}
	if acct.Status != account.StatusActive {
		return nil, fail(http.StatusForbidden, "NO_AUTH", "The account is %s.", acct.Status)
	}
	return &merchantCall{m: m, acct: acct, body: body}, nil
}

// Wire shapes.

type amount struct {
	Total         int64  `json:"total"`
	Currency      string `json:"currency,omitempty"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	PayerCurrency string `json:"payer_currency,omitempty"`
}

type payer struct {
	OpenID string `json:"openid"`
}

type orderRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire,omitempty"`
	Attach      string `json:"attach,omitempty"`
	NotifyURL   string `json:"notify_url"`
	Amount      amount `json:"amount"`
	Payer       *payer `json:"payer,omitempty"`
}

func decode(c *merchantCall, v any) error {
	if err := json.Unmarshal(c.body, v); err != nil {
		return fail(http.StatusBadRequest, "PARAM_ERROR", "The body is not valid JSON: %v", err)
	}
	return nil
}

func (a *API) create(r *http.Request, c *merchantCall, tradeType string) (*pay.Order, error) {
	var in orderRequest
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	switch {
	case in.MchID != c.m.MchID:
		return nil, fail(http.StatusBadRequest, "MCH_NOT_EXISTS", "mchid does not match the signed request.")
	case in.AppID != c.acct.AppID:
		return nil, fail(http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid is not the account of this merchant.")
	case in.Amount.Currency != "" && in.Amount.Currency != "CNY":
		return nil, fail(http.StatusBadRequest, "PARAM_ERROR", "Only CNY is supported.")
	case in.NotifyURL == "" && c.m.NotifyURL == "":
		return nil, fail(http.StatusBadRequest, "PARAM_ERROR", "notify_url is required.")
	case len(in.Attach) > 128:
		return nil, fail(http.StatusBadRequest, "PARAM_ERROR", "attach has at most 128 bytes.")
	}
	if in.NotifyURL == "" {
		in.NotifyURL = c.m.NotifyURL
	}
	if !strings.HasPrefix(in.NotifyURL, "https://") && !strings.HasPrefix(in.NotifyURL, "http://") {
		return nil, fail(http.StatusBadRequest, "PARAM_ERROR", "notify_url must be an http(s) URL.")
	}
	var personID int64
	if tradeType == "JSAPI" {
		if in.Payer == nil || in.Payer.OpenID == "" {
			return nil, fail(http.StatusBadRequest, "PARAM_ERROR", "payer.openid is required for JSAPI.")
		}
		f, err := a.Follows.ByOpenID(r.Context(), c.acct.ID, in.Payer.OpenID)
		if err != nil {
			if errors.Is(err, errs.NotFound) {
				return nil, fail(http.StatusBadRequest, "OPENID_MISMATCH", "No follower of this account has that openid.")
			}
			return nil, err
		}
		personID = f.PersonID
	}
	return a.Pay.CreateOrder(r.Context(), pay.NewOrder{AccountID: c.acct.ID, OutTradeNo: in.OutTradeNo, PersonID: personID, Amount: in.Amount.Total,
		Description: in.Description, Source: pay.SourceAPI, TradeType: tradeType, NotifyURL: in.NotifyURL, Attach: in.Attach})
}

// PrepayID is what JSAPI answers for an order: the follower's browser opens
// PayURL (the merchant's web app sends the follower there).
func PrepayID(o *pay.Order) string { return fmt.Sprintf("wx%d", o.ID) }

func (a *API) createJSAPI(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	o, err := a.create(r, c, "JSAPI")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"prepay_id": PrepayID(o), "h5_url": fmt.Sprintf("%s/pay/%d?prepay_id=%s", a.BaseURL, o.ID, PrepayID(o))}, nil
}

func (a *API) createNative(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	o, err := a.create(r, c, "NATIVE")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"code_url": fmt.Sprintf("%s/pay/%d", a.BaseURL, o.ID)}, nil
}

// tradeState maps an order to WeChat's trade_state.
func tradeState(o *pay.Order) (string, string) {
	switch o.State {
	case pay.StatePaid:
		return "SUCCESS", "支付成功"
	case pay.StatePartiallyRefunded, pay.StateRefunded:
		return "REFUND", "转入退款"
	case pay.StateClosed:
		return "CLOSED", "已关闭"
	}
	return "NOTPAY", "未支付"
}

func wxTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04:05-07:00")
}

// Transaction is the v3 transaction object (query answer and the
// decrypted resource of a TRANSACTION.SUCCESS notification).
type Transaction struct {
	AppID          string  `json:"appid"`
	MchID          string  `json:"mchid"`
	OutTradeNo     string  `json:"out_trade_no"`
	TransactionID  string  `json:"transaction_id,omitempty"`
	TradeType      string  `json:"trade_type,omitempty"`
	TradeState     string  `json:"trade_state"`
	TradeStateDesc string  `json:"trade_state_desc"`
	BankType       string  `json:"bank_type,omitempty"`
	Attach         string  `json:"attach"`
	SuccessTime    string  `json:"success_time,omitempty"`
	Payer          *payer  `json:"payer,omitempty"`
	Amount         *amount `json:"amount"`
}

func (a *API) transaction(ctx context.Context, acct *account.Account, m *pay.Merchant, o *pay.Order) *Transaction {
	st, desc := tradeState(o)
	t := &Transaction{AppID: acct.AppID, MchID: m.MchID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID, TradeType: o.TradeType,
		TradeState: st, TradeStateDesc: desc, Attach: o.Attach, Amount: &amount{Total: o.Amount, Currency: "CNY"}}
	if o.Paid() {
		paid := o.Amount
		t.BankType, t.SuccessTime = "OTHERS", wxTime(o.PaidAt, acct.Location())
		t.Amount.PayerTotal, t.Amount.PayerCurrency = &paid, "CNY"
		t.Payer = &payer{}
		if f, err := a.Follows.Get(ctx, acct.ID, o.PersonID); err == nil {
			t.Payer.OpenID = f.OpenID
		}
	}
	return t
}

func (a *API) queryOrder(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	if r.URL.Query().Get("mchid") != c.m.MchID {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "mchid is required and must match the signed request.")
	}
	var o *pay.Order
	var err error
	if no := r.PathValue("no"); no != "" {
		o, err = a.Pay.OrderByOutTradeNo(r.Context(), c.acct.ID, no)
	} else {
		o, err = a.Pay.OrderByTransactionID(r.Context(), c.acct.ID, r.PathValue("id"))
	}
	if errors.Is(err, errs.NotFound) {
		return 0, nil, fail(http.StatusNotFound, "ORDER_NOT_EXIST", "No such order.")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a.transaction(r.Context(), c.acct, c.m, o), nil
}

func (a *API) closeOrder(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	var in struct {
		MchID string `json:"mchid"`
	}
	if err := decode(c, &in); err != nil {
		return 0, nil, err
	}
	if in.MchID != c.m.MchID {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "mchid does not match the signed request.")
	}
	o, err := a.Pay.OrderByOutTradeNo(r.Context(), c.acct.ID, r.PathValue("no"))
	if errors.Is(err, errs.NotFound) {
		return 0, nil, fail(http.StatusNotFound, "ORDER_NOT_EXIST", "No such order.")
	}
	if err != nil {
		return 0, nil, err
	}
	if o.State == pay.StateClosed {
		return http.StatusNoContent, nil, nil // closing twice is fine
	}
	if o.Paid() {
		return 0, nil, fail(http.StatusBadRequest, "ORDERPAID", "The order is paid and cannot be closed; refund it instead.")
	}
	if _, err := a.Pay.Close(r.Context(), c.acct.ID, o.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	Amount        struct {
		Refund   int64  `json:"refund"`
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// RefundObject is the v3 refund object (answer and the decrypted resource
// of a REFUND.SUCCESS notification).
type RefundObject struct {
	MchID               string        `json:"mchid,omitempty"`
	RefundID            string        `json:"refund_id"`
	OutRefundNo         string        `json:"out_refund_no"`
	TransactionID       string        `json:"transaction_id"`
	OutTradeNo          string        `json:"out_trade_no"`
	Channel             string        `json:"channel"`
	UserReceivedAccount string        `json:"user_received_account"`
	SuccessTime         string        `json:"success_time"`
	CreateTime          string        `json:"create_time"`
	Status              string        `json:"status,omitempty"`
	RefundStatus        string        `json:"refund_status,omitempty"` // in notifications
	FundsAccount        string        `json:"funds_account,omitempty"`
	Amount              RefundAmount  `json:"amount"`
	PromotionDetail     []RefundPromo `json:"promotion_detail"`
}

// RefundAmount is the refund object's amount, with every field WeChat Pay
// documents (clients' models require them all). Herald has no coupons, so
// the settlement figures equal the plain ones and discount_refund is 0.
type RefundAmount struct {
	Total            int64             `json:"total"`
	Refund           int64             `json:"refund"`
	From             []RefundFundsFrom `json:"from"`
	PayerTotal       int64             `json:"payer_total"`
	PayerRefund      int64             `json:"payer_refund"`
	SettlementRefund int64             `json:"settlement_refund"`
	SettlementTotal  int64             `json:"settlement_total"`
	DiscountRefund   int64             `json:"discount_refund"`
	Currency         string            `json:"currency"`
	RefundFee        int64             `json:"refund_fee"`
}

// RefundFundsFrom is one account a refund was paid from (only when the
// request named them; Herald's requests never do, so the list is empty).
type RefundFundsFrom struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// RefundPromo is one coupon refunded with the money (Herald has none).
type RefundPromo struct {
	PromotionID  string `json:"promotion_id"`
	Scope        string `json:"scope"`
	Type         string `json:"type"`
	Amount       int64  `json:"amount"`
	RefundAmount int64  `json:"refund_amount"`
}

func refundObject(acct *account.Account, o *pay.Order, rf *pay.Refund) *RefundObject {
	out := &RefundObject{RefundID: pay.RefundID(rf), OutRefundNo: rf.OutRefundNo, TransactionID: o.TransactionID, OutTradeNo: o.OutTradeNo,
		Channel: "BALANCE", UserReceivedAccount: "Herald wallet", SuccessTime: wxTime(rf.CreatedAt, acct.Location()), CreateTime: wxTime(rf.CreatedAt, acct.Location()),
		Status: "SUCCESS", FundsAccount: "AVAILABLE", PromotionDetail: []RefundPromo{},
		Amount: RefundAmount{Total: o.Amount, Refund: rf.Amount, From: []RefundFundsFrom{}, PayerTotal: o.Amount, PayerRefund: rf.Amount,
			SettlementRefund: rf.Amount, SettlementTotal: o.Amount, DiscountRefund: 0, Currency: "CNY", RefundFee: 0}}
	return out
}

type refundNotifyKey struct{}

// RefundNotifyURL returns the notify_url a refunds API call named, if the
// refund was made through the API (for the notification hook).
func RefundNotifyURL(ctx context.Context) string {
	s, _ := ctx.Value(refundNotifyKey{}).(string)
	return s
}

func (a *API) createRefund(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	var in refundRequest
	if err := decode(c, &in); err != nil {
		return 0, nil, err
	}
	if in.OutRefundNo == "" {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "out_refund_no is required.")
	}
	if in.Amount.Currency != "" && in.Amount.Currency != "CNY" {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "Only CNY is supported.")
	}
	ctx := r.Context()
	var o *pay.Order
	var err error
	switch {
	case in.TransactionID != "":
		o, err = a.Pay.OrderByTransactionID(ctx, c.acct.ID, in.TransactionID)
	case in.OutTradeNo != "":
		o, err = a.Pay.OrderByOutTradeNo(ctx, c.acct.ID, in.OutTradeNo)
	default:
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "transaction_id or out_trade_no is required.")
	}
	if errors.Is(err, errs.NotFound) {
		return 0, nil, fail(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "No such order.")
	}
	if err != nil {
		return 0, nil, err
	}
	if in.Amount.Total != o.Amount {
		return 0, nil, fail(http.StatusBadRequest, "INVALID_REQUEST", "%s (amount.total must be the order's amount, %d)", msgRefundMismatch, o.Amount)
	}
	if in.NotifyURL != "" {
		ctx = context.WithValue(ctx, refundNotifyKey{}, in.NotifyURL)
	}
	orderID := o.ID
	o, rf, err := a.Pay.RefundOrder(ctx, c.acct.ID, orderID, in.OutRefundNo, in.Amount.Refund, in.Reason)
	if errors.Is(err, pay.ErrOutRefundNoUsed) {
		// The same out_refund_no for the same order with another amount
		// gets WeChat's amount message; one used for another order the
		// general one.
		if prev, perr := a.Pay.RefundByOutRefundNo(ctx, c.acct.ID, in.OutRefundNo); perr == nil && prev.OrderID == orderID {
			return 0, nil, fail(http.StatusBadRequest, "INVALID_REQUEST", "%s", msgRefundMismatch)
		}
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, refundObject(c.acct, o, rf), nil
}

func (a *API) queryRefund(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	rf, err := a.Pay.RefundByOutRefundNo(r.Context(), c.acct.ID, r.PathValue("no"))
	if errors.Is(err, errs.NotFound) {
		return 0, nil, fail(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "No such refund.")
	}
	if err != nil {
		return 0, nil, err
	}
	o, err := a.Pay.Order(r.Context(), c.acct.ID, rf.OrderID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, refundObject(c.acct, o, rf), nil
}

// certificates answers /v3/certificates: the platform certificate,
// encrypted with the merchant's APIv3 key like WeChat Pay does.
func (a *API) certificates(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	k, err := a.Keys.Current(r.Context())
	if err != nil {
		return 0, nil, err
	}
	nonce, ct, err := Encrypt(c.m.APIv3Key, "certificate", []byte(k.CertPEM))
	if err != nil {
		return 0, nil, err
	}
	type enc struct {
		Algorithm      string `json:"algorithm"`
		Nonce          string `json:"nonce"`
		AssociatedData string `json:"associated_data"`
		Ciphertext     string `json:"ciphertext"`
	}
	type cert struct {
		SerialNo           string `json:"serial_no"`
		EffectiveTime      string `json:"effective_time"`
		ExpireTime         string `json:"expire_time"`
		EncryptCertificate enc    `json:"encrypt_certificate"`
	}
	return http.StatusOK, map[string]any{"data": []cert{{SerialNo: k.Serial, EffectiveTime: wxTime(k.Created, c.acct.Location()),
		ExpireTime:         wxTime(k.Created.AddDate(5, 0, 0), c.acct.Location()),
		EncryptCertificate: enc{Algorithm: "AEAD_AES_256_GCM", Nonce: nonce, AssociatedData: "certificate", Ciphertext: ct}}}}, nil
}
