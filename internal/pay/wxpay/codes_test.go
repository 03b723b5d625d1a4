package wxpay_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/pay"
)

// TestRepeatedMerchantNumbersAnswerInvalidRequest: a repeated out_trade_no
// or out_refund_no with the same details is the same order or refund; with
// different details WeChat Pay answers INVALID_REQUEST (PARAM_ERROR is for
// malformed fields), and nothing changes.
func TestRepeatedMerchantNumbersAnswerInvalidRequest(t *testing.T) {
	s := apptest.New(t)
	sh := newShop(t, s, "Harbour Bank", "c", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
	ctx := context.Background()

	first := sh.jsapi("dup-order-0001", 2550, "")
	again := sh.jsapi("dup-order-0001", 2550, "")
	if first.Status != 200 || again.Status != 200 || first.json(t)["prepay_id"] != again.json(t)["prepay_id"] {
		t.Fatalf("the same order twice: %s / %s", first.Body, again.Body)
	}
	other := sh.jsapi("dup-order-0001", 100, "")
	if other.Status != 400 || other.code() != "INVALID_REQUEST" || other.message() != "201 商户订单号重复" {
		t.Fatalf("repeated out_trade_no with another amount: %d %s", other.Status, other.Body)
	}
	if o, _ := s.App.Pay.OrderByOutTradeNo(ctx, sh.acct.ID, "dup-order-0001"); o.Amount != 2550 {
		t.Fatalf("the order changed: %+v", o)
	}
	// A malformed field is still PARAM_ERROR.
	if a := sh.jsapi("bad no!", 100, ""); a.Status != 400 || a.code() != "PARAM_ERROR" {
		t.Fatalf("malformed out_trade_no: %d %s", a.Status, a.Body)
	}

	sh.paid("dup-order-0002", 3000)
	sh.paid("dup-order-0003", 1000)
	r1 := sh.refund("dup-order-0002", "dup-refund-1", 500, 3000)
	r2 := sh.refund("dup-order-0002", "dup-refund-1", 500, 3000)
	if r1.Status != 200 || r2.Status != 200 || r1.json(t)["refund_id"] != r2.json(t)["refund_id"] {
		t.Fatalf("the same refund twice: %s / %s", r1.Body, r2.Body)
	}
	if a := sh.refund("dup-order-0002", "dup-refund-1", 600, 3000); a.Status != 400 || a.code() != "INVALID_REQUEST" ||
		a.message() != "订单金额或退款金额与之前请求不一致，请核实后再试" {
		t.Fatalf("repeated out_refund_no with another amount: %d %s", a.Status, a.Body)
	}
	if a := sh.refund("dup-order-0003", "dup-refund-1", 500, 1000); a.Status != 400 || a.code() != "INVALID_REQUEST" {
		t.Fatalf("out_refund_no of another order's refund: %d %s", a.Status, a.Body)
	}
	if a := sh.refund("dup-order-0002", "dup-refund-2", 2600, 3000); a.Status != 400 || a.code() != "INVALID_REQUEST" || a.message() != "申请退款金额超过订单可退金额" {
		t.Fatalf("over-refund: %d %s", a.Status, a.Body)
	}
	if a := sh.refund("dup-order-0002", "dup-refund-3", 100, 2999); a.Status != 400 || a.code() != "INVALID_REQUEST" {
		t.Fatalf("amount.total that is not the order's: %d %s", a.Status, a.Body)
	}
	if a := sh.refund("dup-order-0002", "", 100, 3000); a.Status != 400 || a.code() != "PARAM_ERROR" {
		t.Fatalf("missing out_refund_no: %d %s", a.Status, a.Body)
	}
	if a := sh.refund("no-such-order", "dup-refund-4", 100, 3000); a.Status != 404 || a.code() != "RESOURCE_NOT_EXISTS" {
		t.Fatalf("refund of a missing order: %d %s", a.Status, a.Body)
	}
	if o, _ := s.App.Pay.OrderByOutTradeNo(ctx, sh.acct.ID, "dup-order-0002"); o.Refunded != 500 {
		t.Fatalf("refunded %d, want 500", o.Refunded)
	}
	if w, _ := s.App.Pay.Balance(ctx, pay.OwnerWallet, sh.buyer); w != 100000-3000-1000+500 {
		t.Fatalf("wallet %d", w)
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRefundAmountHasEveryField: the refund object's amount has every
// field clients' models require, with Herald's values (no coupons: the
// settlement figures are the plain ones), in the answer and the query.
func TestRefundAmountHasEveryField(t *testing.T) {
	s := apptest.New(t)
	sh := newShop(t, s, "Harbour Bank", "r", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
	sh.paid("amount-order-1", 2550)
	want := map[string]any{"total": 2550.0, "refund": 500.0, "payer_total": 2550.0, "payer_refund": 500.0, "settlement_refund": 500.0,
		"settlement_total": 2550.0, "discount_refund": 0.0, "currency": "CNY"}
	for name, a := range map[string]answer{
		"answer": sh.refund("amount-order-1", "amount-refund-1", 500, 2550),
		"query":  sh.call("GET", "/v3/refund/domestic/refunds/amount-refund-1", nil),
	} {
		if a.Status != 200 {
			t.Fatalf("%s: %d %s", name, a.Status, a.Body)
		}
		obj := a.json(t)
		amt, _ := obj["amount"].(map[string]any)
		for k, v := range want {
			if amt[k] != v {
				t.Errorf("%s: amount.%s = %v, want %v", name, k, amt[k], v)
			}
		}
		if from, ok := amt["from"].([]any); !ok || len(from) != 0 {
			t.Errorf("%s: amount.from = %v, want []", name, amt["from"])
		}
		for _, k := range []string{"refund_id", "out_refund_no", "transaction_id", "out_trade_no", "channel", "user_received_account", "success_time", "create_time", "status", "funds_account"} {
			if v, _ := obj[k].(string); v == "" {
				t.Errorf("%s: %s is empty", name, k)
			}
		}
	}
}
