package compat

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/core/downloader"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/pay"
)

// toHerald sends the client's requests for api.mch.weixin.qq.com to Herald.
type toHerald struct{ base *url.URL }

func (t toHerald) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	return http.DefaultTransport.RoundTrip(r)
}

// TestWechatpayGoAgainstHerald drives Herald Pay with the maintained Go
// client github.com/wechatpay-apiv3/wechatpay-go, set up the way its
// documentation recommends for a merchant that keeps the downloaded
// platform certificate: the client files the certificate under
// utils.GetCertificateSerialNumber ("%X" of the serial's bytes) and looks
// every response's and notification's Wechatpay-Serial up there. The
// platform serial's first byte is 0x0E, so an odd-length serial would be
// "certificate not found" on every call. The test prepays, is refused a
// repeated out_trade_no with INVALID_REQUEST, has the follower pay,
// verifies and decrypts the notification with the client's notify
// handler, queries, refunds (and re-serialises the client's refund
// object), is refused a repeated out_refund_no, and downloads the day's
// trade and fund-flow bills, checking their SHA1.
func TestWechatpayGoAgainstHerald(t *testing.T) {
	h := heraldtest.New(t)
	s := h.Internal()
	s.App.PayAPI.Keys.NewSerial = func() (*big.Int, error) {
		n, _ := new(big.Int).SetString("0E9D915B0C1D2E3F405162738495A6B7", 16)
		return n, nil
	}
	ctx := context.Background()
	svc, buyer := h.Service, h.Service.Followers[0]
	acct, err := s.App.Accounts.ByID(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.EnableMerchant(ctx, acct, "Herald Test Service", ""); err != nil {
		t.Fatal(err)
	}
	mchKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&mchKey.PublicKey)
	mchSerial := "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567"
	if err := s.App.Pay.SetMerchantKey(ctx, svc.ID, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), mchSerial); err != nil {
		t.Fatal(err)
	}
	m, _ := s.App.Pay.Merchant(ctx, svc.ID)
	if err := s.App.Pay.TopUp(ctx, 0, buyer.PersonID, 100000, ""); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(h.URL)
	httpClient := &http.Client{Transport: toHerald{base}, Timeout: 30 * time.Second}

	// Download the platform certificate the client's way and keep it.
	plain, err := core.NewClient(ctx, option.WithMerchantCredential(m.MchID, mchSerial, mchKey), option.WithoutValidator(), option.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := downloader.NewCertificateDownloaderWithClient(ctx, plain, m.APIv3Key)
	if err != nil {
		t.Fatalf("downloading the platform certificate: %v", err)
	}
	var certs []*x509.Certificate
	for serial, pemText := range dl.ExportAll(ctx) {
		c, err := utils.LoadCertificate(pemText)
		if err != nil {
			t.Fatal(err)
		}
		if serial != utils.GetCertificateSerialNumber(*c) || serial != "0E9D915B0C1D2E3F405162738495A6B7" {
			t.Fatalf("serial_no %s, the certificate's serial as the client writes it %s", serial, utils.GetCertificateSerialNumber(*c))
		}
		certs = append(certs, c)
	}
	client, err := core.NewClient(ctx, option.WithWechatPayAuthCipher(m.MchID, mchSerial, mchKey, certs), option.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}

	// The merchant's notify endpoint verifies and decrypts with the
	// client's own handler.
	handler := notify.NewNotifyHandler(m.APIv3Key, verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList(certs)))
	var mu sync.Mutex
	var events []string
	var paidTxn payments.Transaction
	var refundNote map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		content := map[string]any{}
		req, err := handler.ParseNotifyRequest(r.Context(), r, &content)
		if err != nil {
			events = append(events, "refused: "+err.Error())
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		events = append(events, req.EventType)
		raw, _ := json.Marshal(content)
		if req.EventType == "TRANSACTION.SUCCESS" {
			_ = json.Unmarshal(raw, &paidTxn)
		} else {
			refundNote = content
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	pays := jsapi.JsapiApiService{Client: client}
	order := jsapi.PrepayRequest{Appid: core.String(svc.AppID), Mchid: core.String(m.MchID), Description: core.String("Tea, 2 tins"),
		OutTradeNo: core.String("go-client-0001"), NotifyUrl: core.String(srv.URL + "/notify"), Attach: core.String("batch=7"),
		Amount: &jsapi.Amount{Total: core.Int64(2550), Currency: core.String("CNY")}, Payer: &jsapi.Payer{Openid: core.String(buyer.OpenID)}}
	prepay, _, err := pays.Prepay(ctx, order)
	if err != nil {
		t.Fatalf("prepay (a response the client cannot verify fails here): %v", err)
	}
	if again, _, err := pays.Prepay(ctx, order); err != nil || *again.PrepayId != *prepay.PrepayId {
		t.Fatalf("the same order again: %v %v", again, err)
	}
	other := order
	other.Amount = &jsapi.Amount{Total: core.Int64(100), Currency: core.String("CNY")}
	_, _, err = pays.Prepay(ctx, other)
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "INVALID_REQUEST" || apiErr.Message != "201 商户订单号重复" {
		t.Fatalf("a repeated out_trade_no with another amount: %v", err)
	}

	// The follower pays; the notification reaches the merchant.
	o, err := s.App.Pay.OrderByOutTradeNo(ctx, svc.ID, "go-client-0001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.Pay(ctx, o.ID, buyer.PersonID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("payment notification: %d %v (%v)", n, err, events)
	}
	mu.Lock()
	if len(events) != 1 || events[0] != "TRANSACTION.SUCCESS" || paidTxn.TradeState == nil || *paidTxn.TradeState != "SUCCESS" ||
		*paidTxn.OutTradeNo != "go-client-0001" || *paidTxn.Payer.Openid != buyer.OpenID {
		t.Fatalf("notification: %v %+v", events, paidTxn)
	}
	mu.Unlock()
	txn, _, err := pays.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("go-client-0001"), Mchid: core.String(m.MchID)})
	if err != nil || *txn.TradeState != "SUCCESS" || *txn.Amount.Total != 2550 {
		t.Fatalf("query: %+v %v", txn, err)
	}

	// Refunds: the client's refund object has every amount field and
	// serialises again.
	refunds := refunddomestic.RefundsApiService{Client: client}
	refund := refunddomestic.CreateRequest{OutTradeNo: core.String("go-client-0001"), OutRefundNo: core.String("go-refund-1"), Reason: core.String("chipped"),
		NotifyUrl: core.String(srv.URL + "/refund"), Amount: &refunddomestic.AmountReq{Refund: core.Int64(500), Total: core.Int64(2550), Currency: core.String("CNY")}}
	rf, _, err := refunds.Create(ctx, refund)
	if err != nil {
		t.Fatalf("refund: %v", err)
	}
	if _, err := json.Marshal(rf); err != nil {
		t.Fatalf("the client cannot re-serialise Herald's refund: %v", err)
	}
	if *rf.Status != refunddomestic.STATUS_SUCCESS || *rf.Amount.Refund != 500 || *rf.Amount.SettlementRefund != 500 || *rf.Amount.SettlementTotal != 2550 ||
		*rf.Amount.DiscountRefund != 0 || *rf.Amount.PayerRefund != 500 || *rf.Amount.Currency != "CNY" {
		t.Fatalf("refund %s", rf)
	}
	if q, _, err := refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String("go-refund-1")}); err != nil || *q.RefundId != *rf.RefundId {
		t.Fatalf("refund query: %v %v", q, err)
	} else if _, err := json.Marshal(q); err != nil {
		t.Fatalf("the client cannot re-serialise the queried refund: %v", err)
	}
	bigger := refund
	bigger.Amount = &refunddomestic.AmountReq{Refund: core.Int64(600), Total: core.Int64(2550), Currency: core.String("CNY")}
	if _, _, err := refunds.Create(ctx, bigger); !errors.As(err, &apiErr) || apiErr.Code != "INVALID_REQUEST" {
		t.Fatalf("a repeated out_refund_no with another amount: %v", err)
	}
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("refund notification: %d %v (%v)", n, err, events)
	}
	mu.Lock()
	if len(events) != 2 || events[1] != "REFUND.SUCCESS" || refundNote["out_refund_no"] != "go-refund-1" || refundNote["refund_status"] != "SUCCESS" {
		t.Fatalf("refund notification: %v %v", events, refundNote)
	}
	mu.Unlock()

	// The next day the merchant reconciles with the day's bills. The
	// client signs with the real clock (Herald refuses timestamps 5
	// minutes off), so instead of moving Herald's clock a day on, the
	// day's business is moved a day back.
	loc := acct.Location()
	day := s.Clock.Now().Add(-24 * time.Hour).In(loc).Format("2006-01-02")
	const dayMicros = int64(24 * time.Hour / time.Microsecond)
	for _, q := range []string{
		`UPDATE pay_entries SET created_at = created_at - ? WHERE txn_id IN (SELECT id FROM pay_txns WHERE account_id = ?)`,
		`UPDATE pay_txns SET created_at = created_at - ? WHERE account_id = ?`,
		`UPDATE pay_refunds SET created_at = created_at - ? WHERE account_id = ?`,
		`UPDATE pay_orders SET created_at = created_at - ?, paid_at = paid_at - ? WHERE account_id = ?`,
	} {
		args := []any{dayMicros, svc.ID}
		if strings.Count(q, "?") == 3 {
			args = []any{dayMicros, dayMicros, svc.ID}
		}
		if _, err := s.App.Pay.DB().Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	download := func(path string) (string, string) {
		t.Helper()
		res, err := client.Get(ctx, consts.WechatPayAPIServer+path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var ans struct {
			HashType    string `json:"hash_type"`
			HashValue   string `json:"hash_value"`
			DownloadURL string `json:"download_url"`
		}
		if err := core.UnMarshalResponse(res.Response, &ans); err != nil || ans.HashType != "SHA1" {
			t.Fatalf("%s: %+v %v", path, ans, err)
		}
		// The download is not signed: the client skips validation for it
		// (as its FAQ says) and checks the hash instead.
		file, err := plain.Get(ctx, ans.DownloadURL)
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		defer file.Response.Body.Close()
		body, _ := io.ReadAll(file.Response.Body)
		if strings.Contains(ans.DownloadURL, "tartype=gzip") {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		sum := sha1.Sum(body)
		if hex.EncodeToString(sum[:]) != ans.HashValue {
			t.Fatalf("%s: SHA1 %x, hash_value %s", path, sum, ans.HashValue)
		}
		return string(body), ans.HashValue
	}
	trade, _ := download("/v3/bill/tradebill?bill_date=" + day + "&bill_type=ALL&tar_type=GZIP")
	lines := strings.Split(strings.TrimSuffix(trade, "\r\n"), "\r\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "交易时间,公众账号ID,商户号,") || lines[4] != "`2,`25.50,`5.00,`0.00,`0.00000,`25.50,`5.00" ||
		!strings.Contains(lines[1], ",`"+*txn.TransactionId+",`go-client-0001,`"+buyer.OpenID+",`JSAPI,`SUCCESS,") ||
		!strings.Contains(lines[2], ",`"+*rf.RefundId+",`go-refund-1,`5.00,") {
		t.Fatalf("trade bill:\n%s", trade)
	}
	fund, _ := download("/v3/bill/fundflowbill?bill_date=" + day)
	if lines := strings.Split(strings.TrimSuffix(fund, "\r\n"), "\r\n"); len(lines) != 5 || lines[4] != "`2,`1,`25.50,`1,`5.00" ||
		!strings.HasSuffix(lines[2], ",`"+wxYuan(2050)+",`"+m.MchID+",`退款总金额5.00元;含手续费0.00元,`go-refund-1") {
		t.Fatalf("fund-flow bill:\n%s", fund)
	}
	if _, err := client.Get(ctx, consts.WechatPayAPIServer+"/v3/bill/tradebill?bill_date="+day+"&bill_type=ALL&tar_type=ZIP"); !errors.As(err, &apiErr) || apiErr.Code != "PARAM_ERROR" {
		t.Fatalf("tar_type=ZIP: %v", err)
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func wxYuan(fen int64) string {
	return strings.TrimPrefix(strings.ReplaceAll(pay.FormatFen(fen), ",", ""), "¥")
}
