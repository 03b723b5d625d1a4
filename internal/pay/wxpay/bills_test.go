package wxpay_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
)

// bill applies for a bill and downloads it (plain and gzip), checking the
// hash of both against the answer's hash_value.
func (sh *shop) bill(path string) (content string, a answer) {
	sh.t.Helper()
	a = sh.call("GET", path, nil)
	if a.Status != 200 {
		return "", a
	}
	ans := a.json(sh.t)
	if ans["hash_type"] != "SHA1" {
		sh.t.Fatalf("hash_type %v", ans["hash_type"])
	}
	u, err := url.Parse(ans["download_url"].(string))
	if err != nil || !strings.HasPrefix(ans["download_url"].(string), sh.s.URL+"/v3/billdownload/file?token=") {
		sh.t.Fatalf("download_url %v", ans["download_url"])
	}
	d := sh.call("GET", u.RequestURI(), nil)
	if d.Status != 200 {
		sh.t.Fatalf("download: %d %s", d.Status, d.Body)
	}
	if d.Header.Get("Wechatpay-Signature") != "" {
		sh.t.Error("the bill download is signed; WeChat Pay sends it unsigned")
	}
	body := d.Body
	if strings.Contains(path, "tar_type=GZIP") {
		if !strings.HasSuffix(u.RawQuery, "&tartype=gzip") {
			sh.t.Fatalf("download_url without tartype=gzip: %s", u)
		}
		zr, err := gzip.NewReader(bytes.NewReader(d.Body))
		if err != nil {
			sh.t.Fatalf("the GZIP download is not gzip: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			sh.t.Fatal(err)
		}
	}
	sum := sha1.Sum(body)
	if hex.EncodeToString(sum[:]) != ans["hash_value"] {
		sh.t.Fatalf("SHA1 of the download %x, hash_value %v", sum, ans["hash_value"])
	}
	return string(body), a
}

// csvBill is a downloaded bill split into its four parts.
type csvBill struct {
	header, summaryHeader string
	lines                 [][]string // detail fields without their backtick
	summary               []string
}

func parseBill(t *testing.T, content string) csvBill {
	t.Helper()
	if !strings.HasSuffix(content, "\r\n") {
		t.Fatalf("the bill does not end with CRLF: %q", content)
	}
	rows := strings.Split(strings.TrimSuffix(content, "\r\n"), "\r\n")
	if len(rows) < 3 {
		t.Fatalf("a bill has at least a header and two summary lines: %q", content)
	}
	cells := func(row string) []string {
		fs := strings.Split(row, ",")
		for i, f := range fs {
			if !strings.HasPrefix(f, "`") {
				t.Fatalf("field %d of %q does not start with a backtick", i, row)
			}
			fs[i] = f[1:]
		}
		return fs
	}
	b := csvBill{header: rows[0], summaryHeader: rows[len(rows)-2], summary: cells(rows[len(rows)-1])}
	n := len(strings.Split(b.header, ","))
	for _, r := range rows[1 : len(rows)-2] {
		c := cells(r)
		if len(c) != n {
			t.Fatalf("%d fields under a header of %d: %q", len(c), n, r)
		}
		b.lines = append(b.lines, c)
	}
	if len(b.summary) != len(strings.Split(b.summaryHeader, ",")) {
		t.Fatalf("summary %q under %q", b.summary, b.summaryHeader)
	}
	return b
}

func col(b csvBill, name string) int {
	for i, h := range strings.Split(b.header, ",") {
		if h == name {
			return i
		}
	}
	return -1
}

// TestTradeAndFundFlowBills drives a day of business and checks the trade
// bill (ALL, SUCCESS, REFUND) and the fund-flow bill of it: WeChat Pay's
// layout, the SHA1 of the download, the totals equal to the ledger for
// the day, another tenant's business left out, and the error codes for
// days without a bill.
func TestTradeAndFundFlowBills(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	sh := newShop(t, s, "Harbour Bank", "b", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
	other := newShop(t, s, "Tea House", "o", "0A")
	loc := sh.acct.Location()
	// Start at noon of the next day in the account's time zone, so the
	// day's business cannot straddle midnight.
	now := s.Clock.Now().In(loc)
	day1 := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	s.Clock.Advance(day1.Add(12 * time.Hour).Sub(now))
	d0, d1, d2, d3 := day1.AddDate(0, 0, -1).Format("2006-01-02"), day1.Format("2006-01-02"), day1.AddDate(0, 0, 1).Format("2006-01-02"),
		day1.AddDate(0, 0, 2).Format("2006-01-02")

	// Day 1: an API order and a console order paid, a partial refund, a
	// payout, an order nobody pays; the other shop sells too.
	a := sh.paid("bill-order-A", 2550)
	s.Clock.Advance(time.Minute)
	b, err := s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: sh.acct.ID, OutTradeNo: "bill-order-B", Amount: 1000,
		Description: "Counter sale, table `4`\nthanks", Source: pay.SourceConsole})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = s.App.Pay.Pay(ctx, b.ID, sh.buyer); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(time.Minute)
	if r := sh.refund("bill-order-A", "bill-refund-1", 500, 2550); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	s.Clock.Advance(time.Minute)
	if err := s.App.Pay.Payout(ctx, 1, sh.acct.ID, 300); err != nil {
		t.Fatal(err)
	}
	if r := sh.jsapi("bill-order-C", 700, ""); r.Status != 200 {
		t.Fatal(r.Status)
	}
	other.paid("tea-order-1", 4200)
	// Day 2: another refund of A.
	s.Clock.Advance(24 * time.Hour)
	if r := sh.refund("bill-order-A", "bill-refund-2", 200, 2550); r.Status != 200 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	// Day 3: the bills of days 1 and 2 are ready.
	s.Clock.Advance(24 * time.Hour)
	ledger, err := s.App.Pay.Settlement(ctx, sh.acct.ID, day1, day1.AddDate(0, 0, 1), loc)
	if err != nil || len(ledger) != 1 {
		t.Fatalf("settlement %v %v", ledger, err)
	}

	content, ans := sh.bill("/v3/bill/tradebill?bill_date=" + d1 + "&bill_type=ALL&tar_type=GZIP")
	if ans.Status != 200 {
		t.Fatalf("tradebill: %d %s", ans.Status, ans.Body)
	}
	all := parseBill(t, content)
	if all.header != "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注" ||
		all.summaryHeader != "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额" {
		t.Fatalf("headers:\n%s\n%s", all.header, all.summaryHeader)
	}
	if len(all.lines) != 3 {
		t.Fatalf("%d lines, want 2 payments and 1 refund:\n%s", len(all.lines), content)
	}
	want := []string{"3", "35.50", "5.00", "0.00", "0.00000", "35.50", "5.00"}
	if strings.Join(all.summary, "|") != strings.Join(want, "|") {
		t.Fatalf("summary %q, want %q", all.summary, want)
	}
	if wxYuan(ledger[0].Paid) != all.summary[1] || wxYuan(ledger[0].Refunded) != all.summary[2] || ledger[0].Payments+ledger[0].Refunds != 3 {
		t.Fatalf("the bill's totals %q differ from the ledger's day %+v", all.summary, ledger[0])
	}
	pa, pb, rf := all.lines[0], all.lines[1], all.lines[2]
	checkCells(t, all, pa, map[string]string{"交易时间": a.PaidAt.In(loc).Format("2006-01-02 15:04:05"), "公众账号ID": sh.appID, "商户号": sh.m.MchID,
		"微信订单号": a.TransactionID, "商户订单号": "bill-order-A", "用户标识": sh.openid, "交易类型": "JSAPI", "交易状态": "SUCCESS", "货币种类": "CNY",
		"应结订单金额": "25.50", "微信退款单号": "0", "退款金额": "0.00", "商品名称": "Tea， 2 tins", "商户数据包": "batch=7", "订单金额": "25.50", "申请退款金额": "0.00"})
	checkCells(t, all, pb, map[string]string{"商户订单号": "bill-order-B", "交易类型": "NATIVE", "交易状态": "SUCCESS", "应结订单金额": "10.00",
		"商品名称": "Counter sale， table '4' thanks"})
	refunds, _ := s.App.Pay.Refunds(ctx, sh.acct.ID, a.ID)
	checkCells(t, all, rf, map[string]string{"微信订单号": a.TransactionID, "商户订单号": "bill-order-A", "交易状态": "REFUND", "应结订单金额": "0.00",
		"微信退款单号": pay.RefundID(refunds[0]), "商户退款单号": "bill-refund-1", "退款金额": "5.00", "退款类型": "ORIGINAL", "退款状态": "SUCCESS",
		"订单金额": "0.00", "申请退款金额": "5.00", "交易时间": refunds[0].CreatedAt.In(loc).Format("2006-01-02 15:04:05")})

	content, _ = sh.bill("/v3/bill/tradebill?bill_date=" + d1 + "&bill_type=SUCCESS")
	succ := parseBill(t, content)
	if succ.header != "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注" ||
		len(succ.lines) != 2 || strings.Join(succ.summary, "|") != "2|35.50|0.00|0.00|0.00000|35.50|0.00" {
		t.Fatalf("SUCCESS bill:\n%s", content)
	}
	content, _ = sh.bill("/v3/bill/tradebill?bill_date=" + d1 + "&bill_type=REFUND")
	ref := parseBill(t, content)
	if col(ref, "退款申请时间") != 14 || len(ref.lines) != 1 || strings.Join(ref.summary, "|") != "1|0.00|5.00|0.00|0.00000|0.00|5.00" {
		t.Fatalf("REFUND bill:\n%s", content)
	}
	checkCells(t, ref, ref.lines[0], map[string]string{"交易时间": a.PaidAt.In(loc).Format("2006-01-02 15:04:05"),
		"退款申请时间": refunds[0].CreatedAt.In(loc).Format("2006-01-02 15:04:05"), "商户退款单号": "bill-refund-1", "申请退款金额": "5.00"})

	// Day 2 has only the second refund.
	content, _ = sh.bill("/v3/bill/tradebill?bill_date=" + d2)
	if day2 := parseBill(t, content); len(day2.lines) != 1 || day2.lines[0][col(day2, "商户退款单号")] != "bill-refund-2" {
		t.Fatalf("day 2:\n%s", content)
	}

	// The fund-flow bill: every movement of the merchant balance, with the
	// balance after it.
	content, ans = sh.bill("/v3/bill/fundflowbill?bill_date=" + d1 + "&account_type=BASIC&tar_type=GZIP")
	if ans.Status != 200 {
		t.Fatalf("fundflowbill: %d %s", ans.Status, ans.Body)
	}
	fund := parseBill(t, content)
	if fund.header != "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号" ||
		fund.summaryHeader != "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额" {
		t.Fatalf("fund-flow headers:\n%s", content)
	}
	var got []string
	for _, l := range fund.lines {
		got = append(got, l[3]+" "+l[5]+" "+l[6]+" → "+l[7]+" "+l[10])
	}
	if strings.Join(got, "; ") != "交易 收入 25.50 → 25.50 bill-order-A; 交易 收入 10.00 → 35.50 bill-order-B; 退款 支出 5.00 → 30.50 bill-refund-1; 提现 支出 3.00 → 27.50 " {
		t.Fatalf("fund-flow lines: %q", got)
	}
	if strings.Join(fund.summary, "|") != "4|2|35.50|2|8.00" || fund.summary[2] != wxYuan(ledger[0].Paid) ||
		fund.summary[4] != wxYuan(ledger[0].Refunded+ledger[0].Payouts) {
		t.Fatalf("fund-flow summary %q, ledger %+v", fund.summary, ledger[0])
	}
	content, _ = sh.bill("/v3/bill/fundflowbill?bill_date=" + d2)
	day2 := parseBill(t, content)
	if bal, _ := s.App.Pay.Balance(ctx, pay.OwnerMerchant, sh.acct.ID); len(day2.lines) != 1 || day2.lines[0][7] != wxYuan(bal) {
		t.Fatalf("day 2 fund flow (balance now %d):\n%s", bal, content)
	}

	// The other shop's bill has only its own sale.
	content, _ = other.bill("/v3/bill/tradebill?bill_date=" + d1)
	if ob := parseBill(t, content); len(ob.lines) != 1 || ob.lines[0][col(ob, "商户订单号")] != "tea-order-1" {
		t.Fatalf("the other shop's bill:\n%s", content)
	}

	// Asking again gives the same bill (a snapshot) under a new URL.
	first := sh.call("GET", "/v3/bill/tradebill?bill_date="+d1, nil).json(t)
	again := sh.call("GET", "/v3/bill/tradebill?bill_date="+d1, nil).json(t)
	if first["hash_value"] != again["hash_value"] {
		t.Fatal("the same bill got another hash")
	}

	// Days and parameters without a bill, with WeChat Pay's codes.
	for path, code := range map[string]string{
		"/v3/bill/tradebill?bill_date=" + d0:                                          "NO_STATEMENT_EXIST",
		"/v3/bill/fundflowbill?bill_date=" + d1 + "&account_type=OPERATION":           "NO_STATEMENT_EXIST",
		"/v3/bill/tradebill?bill_date=" + d3:                                          "STATEMENT_CREATING",
		"/v3/bill/tradebill?bill_date=" + day1.AddDate(0, 0, 5).Format("2006-01-02"):  "PARAM_ERROR",
		"/v3/bill/tradebill?bill_date=" + day1.AddDate(0, -4, 0).Format("2006-01-02"): "PARAM_ERROR",
		"/v3/bill/tradebill?bill_date=2026-13-01":                                     "PARAM_ERROR",
		"/v3/bill/tradebill": "PARAM_ERROR",
		"/v3/bill/tradebill?bill_date=" + d1 + "&bill_type=EVERYTHING":    "PARAM_ERROR",
		"/v3/bill/tradebill?bill_date=" + d1 + "&tar_type=ZIP":            "PARAM_ERROR",
		"/v3/bill/fundflowbill?bill_date=" + d1 + "&account_type=SAVINGS": "PARAM_ERROR",
	} {
		if a := sh.call("GET", path, nil); a.Status != 400 || a.code() != code {
			t.Errorf("%s: %d %s, want 400 %s", path, a.Status, a.Body, code)
		}
	}

	// A download_url works for its merchant for five minutes.
	u, _ := url.Parse(first["download_url"].(string))
	if a := other.call("GET", u.RequestURI(), nil); a.Status != 400 || a.code() != "PARAM_ERROR" {
		t.Errorf("another merchant downloading: %d %s", a.Status, a.Body)
	}
	forged := strings.Replace(u.RequestURI(), "token=", "token=A", 1)
	if a := sh.call("GET", forged, nil); a.Status != 400 || a.code() != "PARAM_ERROR" {
		t.Errorf("forged token: %d %s", a.Status, a.Body)
	}
	s.Clock.Advance(wxpay.BillDownloadTTL + time.Second)
	if a := sh.call("GET", u.RequestURI(), nil); a.Status != 400 || a.code() != "INVALID_REQUEST" {
		t.Errorf("expired download_url: %d %s", a.Status, a.Body)
	}
}

func wxYuan(fen int64) string {
	return strings.TrimPrefix(strings.ReplaceAll(pay.FormatFen(fen), ",", ""), "¥")
}

func checkCells(t *testing.T, b csvBill, line []string, want map[string]string) {
	t.Helper()
	for name, v := range want {
		i := col(b, name)
		if i < 0 {
			t.Errorf("no column %s", name)
			continue
		}
		if line[i] != v {
			t.Errorf("%s = %q, want %q (line %q)", name, line[i], v, line)
		}
	}
}
