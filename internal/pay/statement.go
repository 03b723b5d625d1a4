package pay

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Kinds of bill.
const (
	BillTrade    = "trade"    // 交易账单: payments and refunds of the day
	BillFundFlow = "fundflow" // 资金账单: movements of the merchant balance
)

// billMaxAge is how far back the API serves bills, as WeChat Pay does
// ("仅支持三个月内的账单"); the console has no such limit.
const billMaxAgeMonths = 3

// TradeBillTypes are the bill_type values of the trade bill, FundAccountTypes
// the account_type values of the fund-flow bill (Herald keeps one merchant
// balance, the basic account: OPERATION and FEES never have movements).
var (
	TradeBillTypes   = []string{"ALL", "SUCCESS", "REFUND"}
	FundAccountTypes = []string{"BASIC", "OPERATION", "FEES"}
)

// Errors of bill requests; the API answers them with WeChat Pay's codes.
var (
	ErrNoStatement = &errs.Error{Kind: errs.KindNotFound,
		Message: "There is no bill for that day: nothing was paid or refunded (or, for a fund-flow bill, the balance did not move)."}
	ErrStatementCreating = &errs.Error{Kind: errs.KindConflict,
		Message: "That day is not over yet in the account's time zone; its bill is ready from midnight."}
)

// Bill is one day's bill of a merchant, as stored.
type Bill struct {
	ID        int64
	AccountID int64
	Kind      string
	Date      string // YYYY-MM-DD in the account's time zone
	Type      string // bill_type (trade) or account_type (fund flow)
	Content   []byte // the CSV, UTF-8
	SHA1      string // lower-case hex of Content
	Lines     int    // detail lines
	CreatedAt time.Time
}

// BillRequest names a bill of an account.
type BillRequest struct {
	Kind string
	Date string
	Type string // "" → ALL / BASIC
	// API applies the API's rule that only the last three months are
	// served.
	API bool
}

func billParamErr(format string, args ...any) error { return errs.Invalidf(format, args...) }

// Bill returns a day's bill of acct, making and storing it the first time:
// a day with nothing to list has no bill (ErrNoStatement), and a day that
// is not over in the account's time zone has none yet
// (ErrStatementCreating). The merchant API and the console both serve these
// stored snapshots, so a bill downloaded from either is the same file.
func (s *Store) Bill(ctx context.Context, acct *account.Account, req BillRequest) (_ *Bill, err error) {
	defer errs.Wrap(&err, "pay.Store.Bill(%d)", acct.ID)
	m, err := s.Merchant(ctx, acct.ID)
	if errors.Is(err, errs.NotFound) {
		return nil, ErrNotMerchant
	}
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case BillTrade:
		if req.Type == "" {
			req.Type = "ALL"
		}
		if !slices.Contains(TradeBillTypes, req.Type) {
			return nil, billParamErr("bill_type must be one of %s.", strings.Join(TradeBillTypes, ", "))
		}
	case BillFundFlow:
		if req.Type == "" {
			req.Type = "BASIC"
		}
		if !slices.Contains(FundAccountTypes, req.Type) {
			return nil, billParamErr("account_type must be one of %s.", strings.Join(FundAccountTypes, ", "))
		}
	default:
		return nil, fmt.Errorf("pay: unknown bill kind %q", req.Kind)
	}
	loc := acct.Location()
	day, err := time.ParseInLocation("2006-01-02", req.Date, loc)
	if err != nil {
		return nil, billParamErr("bill_date must be a date in the form YYYY-MM-DD.")
	}
	now := s.clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch {
	case day.After(today):
		return nil, billParamErr("bill_date %s is in the future.", req.Date)
	case day.Equal(today):
		return nil, ErrStatementCreating
	case req.API && day.Before(today.AddDate(0, -billMaxAgeMonths, 0)):
		return nil, billParamErr("Bills of the last %d months can be downloaded; %s is older.", billMaxAgeMonths, req.Date)
	}
	if b, err := s.storedBill(ctx, `account_id = ? AND kind = ? AND bill_date = ? AND bill_type = ?`, acct.ID, req.Kind, req.Date, req.Type); err == nil {
		return b, nil
	} else if !errors.Is(err, errs.NotFound) {
		return nil, err
	}
	end := day.AddDate(0, 0, 1)
	var content []byte
	var lines int
	if req.Kind == BillTrade {
		tl, err := s.TradeLines(ctx, acct.ID, day, end)
		if err != nil {
			return nil, err
		}
		content, lines = TradeBillCSV(acct, m, tl, req.Type)
	} else {
		var fl []FundLine
		if req.Type == "BASIC" {
			if fl, err = s.FundLines(ctx, acct.ID, day, end); err != nil {
				return nil, err
			}
		}
		content, lines = FundFlowBillCSV(acct, m, fl)
	}
	if lines == 0 {
		return nil, ErrNoStatement
	}
	sum := sha1.Sum(content)
	// Two nodes making the same bill at once: the first row wins and both
	// answer with it.
	if _, err := s.db.Exec(ctx, `INSERT INTO pay_bills (id, account_id, kind, bill_date, bill_type, content, sha1, lines, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, kind, bill_date, bill_type) DO NOTHING`,
		id.New(), acct.ID, req.Kind, req.Date, req.Type, string(content), hex.EncodeToString(sum[:]), lines, db.Micro(s.clock.Now())); err != nil {
		return nil, err
	}
	return s.storedBill(ctx, `account_id = ? AND kind = ? AND bill_date = ? AND bill_type = ?`, acct.ID, req.Kind, req.Date, req.Type)
}

// StoredBill returns a bill made before, by its id, if it is the account's.
func (s *Store) StoredBill(ctx context.Context, accountID, billID int64) (_ *Bill, err error) {
	defer errs.Wrap(&err, "pay.Store.StoredBill(%d, %d)", accountID, billID)
	return s.storedBill(ctx, `id = ? AND account_id = ?`, billID, accountID)
}

func (s *Store) storedBill(ctx context.Context, where string, args ...any) (*Bill, error) {
	var b Bill
	var content string
	var created int64
	if err := db.Get(s.db.WriterQueryRow(ctx, `SELECT id, account_id, kind, bill_date, bill_type, content, sha1, lines, created_at FROM pay_bills WHERE `+where, args...),
		&b.ID, &b.AccountID, &b.Kind, &b.Date, &b.Type, &content, &b.SHA1, &b.Lines, &created); err != nil {
		return nil, err
	}
	b.Content, b.CreatedAt = []byte(content), db.FromMicro(created)
	return &b, nil
}

// Bill CSV layout, as WeChat Pay writes it: a header line, detail lines
// whose every field starts with a backtick (so spreadsheets keep long
// numbers as text), a summary header and one backtick-prefixed summary
// line; fields are separated by commas, lines end with CRLF, amounts are
// yuan with two decimals (fees with five).
const (
	tradeHeaderAll = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	tradeHeaderSuccess = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"商品名称,商户数据包,手续费,费率,订单金额,费率备注"
	tradeHeaderRefund = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	tradeSummaryHeader = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
	fundHeader         = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号"
	fundSummaryHeader  = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"
	billTime           = "2006-01-02 15:04:05"
)

// yuan writes fen as yuan with two decimals ("25.50", "-0.30").
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// billText keeps a free-text field on its line and in its column: commas,
// backticks and line breaks would split it.
var billText = strings.NewReplacer(",", "，", "`", "'", "\r", " ", "\n", " ")

func billLine(b *bytes.Buffer, fields ...string) {
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('`')
		b.WriteString(f)
	}
	b.WriteString("\r\n")
}

// tradeType is the trade_type shown for an order: API orders keep theirs;
// orders from cards and articles are paid in the follower's pay sheet
// (JSAPI), console orders through a pay link or its QR code (NATIVE).
func tradeType(o *Order) string {
	switch {
	case o.TradeType != "":
		return o.TradeType
	case o.Source == SourceConsole:
		return "NATIVE"
	}
	return "JSAPI"
}

// TradeBillCSV writes the trade bill of the lines (all of one day) for
// bill_type ALL (payments and refunds), SUCCESS (payments) or REFUND
// (refunds), and reports how many detail lines it has.
func TradeBillCSV(acct *account.Account, m *Merchant, lines []TradeLine, billType string) ([]byte, int) {
	loc := acct.Location()
	var b bytes.Buffer
	switch billType {
	case "SUCCESS":
		b.WriteString(tradeHeaderSuccess)
	case "REFUND":
		b.WriteString(tradeHeaderRefund)
	default:
		b.WriteString(tradeHeaderAll)
	}
	b.WriteString("\r\n")
	var n int
	var settle, refunded, ordered, applied int64
	for _, l := range lines {
		o := &l.Order
		refund := l.Kind == TxnRefund && l.Refund != nil
		if (billType == "SUCCESS" && refund) || (billType == "REFUND" && !refund) || (l.Kind != TxnPayment && !refund) {
			continue
		}
		n++
		head := []string{"", acct.AppID, m.MchID, "0", "", o.TransactionID, o.OutTradeNo, l.OpenID, tradeType(o)}
		desc, attach := billText.Replace(o.Description), billText.Replace(o.Attach)
		if !refund {
			settle += o.Amount
			ordered += o.Amount
			head[0] = l.At.In(loc).Format(billTime)
			row := append(head, "SUCCESS", "OTHERS", "CNY", yuan(o.Amount), "0.00")
			if billType == "SUCCESS" {
				row = append(row, desc, attach, "0.00000", "0.00%", yuan(o.Amount), "")
			} else {
				row = append(row, "0", "0", "0.00", "0.00", "", "", desc, attach, "0.00000", "0.00%", yuan(o.Amount), "0.00", "")
			}
			billLine(&b, row...)
			continue
		}
		r := l.Refund
		refunded += r.Amount
		applied += r.Amount
		row := append(head, "REFUND", "OTHERS", "CNY", "0.00", "0.00")
		if billType == "REFUND" {
			// The REFUND bill dates each line by its order's payment and
			// adds the refund's own times.
			row[0] = o.PaidAt.In(loc).Format(billTime)
			at := r.CreatedAt.In(loc).Format(billTime)
			row = append(row, at, at)
		} else {
			row[0] = l.At.In(loc).Format(billTime)
		}
		row = append(row, RefundID(r), r.OutRefundNo, yuan(r.Amount), "0.00", "ORIGINAL", "SUCCESS", desc, attach, "0.00000", "0.00%", "0.00", yuan(r.Amount), "")
		billLine(&b, row...)
	}
	b.WriteString(tradeSummaryHeader + "\r\n")
	billLine(&b, strconv.Itoa(n), yuan(settle), yuan(refunded), "0.00", "0.00000", yuan(ordered), yuan(applied))
	return b.Bytes(), n
}

// FundFlowBillCSV writes the fund-flow bill of a day's merchant balance
// movements and reports how many detail lines it has.
func FundFlowBillCSV(acct *account.Account, m *Merchant, lines []FundLine) ([]byte, int) {
	loc := acct.Location()
	var b bytes.Buffer
	b.WriteString(fundHeader + "\r\n")
	var in, out, inN, outN int64
	for _, l := range lines {
		dir, amt := "收入", l.Amount
		if amt < 0 {
			dir, amt = "支出", -amt
			out += amt
			outN++
		} else {
			in += amt
			inN++
		}
		var bizNo, name, applicant, memo, voucher string
		switch l.Kind {
		case TxnPayment:
			bizNo, name, applicant, voucher = l.TransactionID, "交易", "system", l.OutTradeNo
		case TxnRefund:
			bizNo, name, applicant, voucher = RefundID(&Refund{ID: l.RefundID}), "退款", m.MchID, l.OutRefundNo
			memo = fmt.Sprintf("退款总金额%s元;含手续费0.00元", yuan(amt))
		case TxnPayout:
			bizNo, name, applicant, memo = strconv.FormatInt(l.TxnID, 10), "提现", m.MchID, billText.Replace(l.Memo)
		default:
			bizNo, name, applicant = strconv.FormatInt(l.TxnID, 10), l.Kind, "system"
		}
		billLine(&b, l.At.In(loc).Format(billTime), bizNo, strconv.FormatInt(l.TxnID, 10), name, name, dir, yuan(amt), yuan(l.Balance), applicant, memo, voucher)
	}
	b.WriteString(fundSummaryHeader + "\r\n")
	billLine(&b, strconv.Itoa(len(lines)), strconv.FormatInt(inN, 10), yuan(in), strconv.FormatInt(outN, 10), yuan(out))
	return b.Bytes(), len(lines)
}

// RefundID is the refund_id the merchant API and bills give a refund
// (WeChat Pay's 微信退款单号).
func RefundID(rf *Refund) string { return fmt.Sprintf("50%d", rf.ID) }
