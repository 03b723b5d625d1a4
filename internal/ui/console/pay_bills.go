package console

import (
	"errors"
	"fmt"
	"github.com/heraldoa/herald/internal/account"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The console's daily bills (the same trade and fund-flow bills the v3 API
// serves, from the same stored snapshots) and the platform certificate
// for merchants' servers to verify Herald's signatures with.
func (u *UI) registerPayBills(h core.Route) {
	if u.PayKeys == nil {
		return
	}
	pays := u.Member(account.ActPayments)
	h("GET /mp/a/{account}/pay/bills", u.Get(pays, core.View{Title: "Daily bills", Template: "mp/pay_bills", Load: u.loadPayBills}))
	h("GET /mp/a/{account}/pay/bills/{kind}", u.inPay(pays, u.payBillDownload))
	h("GET /mp/a/{account}/pay/platform-certificate", u.inPay(pays, u.payPlatformCert))
}

// payBillLink is one bill of the chosen day on the bills page.
type payBillLink struct {
	Label string
	Kind  string // tradebill or fundflowbill
	Type  string
	Bill  *pay.Bill
	Why   string // why there is none
}

type payBillsData struct {
	Merchant *pay.Merchant
	Date     string
	Today    string
	Bills    []payBillLink
	Days     []pay.Day // recent days with business, newest first
	Serial   string    // the platform certificate's serial
	TZ       string
}

var payBillKinds = map[string]string{"tradebill": pay.BillTrade, "fundflowbill": pay.BillFundFlow}

func (u *UI) loadPayBills(r *http.Request, p *core.Page) error {
	pc, err := u.payOf(r, p.Console, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	loc := pc.c.Account.Location()
	now := u.Clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	d := &payBillsData{Merchant: pc.merchant, Date: r.URL.Query().Get("date"), Today: today.Format("2006-01-02"), TZ: pc.c.Account.Timezone}
	if d.Date == "" {
		d.Date = today.AddDate(0, 0, -1).Format("2006-01-02")
	}
	for _, b := range []payBillLink{
		{Label: "Trade bill: payments and refunds", Kind: "tradebill", Type: "ALL"},
		{Label: "Trade bill: payments only", Kind: "tradebill", Type: "SUCCESS"},
		{Label: "Trade bill: refunds only", Kind: "tradebill", Type: "REFUND"},
		{Label: "Fund-flow bill: merchant balance", Kind: "fundflowbill", Type: "BASIC"},
	} {
		bill, err := u.Pay.Bill(ctx, pc.c.Account, pay.BillRequest{Kind: payBillKinds[b.Kind], Date: d.Date, Type: b.Type})
		switch {
		case err == nil:
			b.Bill = bill
		case errs.KindOf(err) == errs.KindInternal:
			return err
		default:
			b.Why = u.Known(u.Locale(r), core.MessageIn(err, u.Locale(r)))
		}
		d.Bills = append(d.Bills, b)
	}
	if d.Days, err = u.Pay.Settlement(ctx, pc.c.Account.ID, today.AddDate(0, 0, -30), today, loc); err != nil {
		return err
	}
	if k, err := u.PayKeys.Current(ctx); err == nil {
		d.Serial = k.Serial
	} else {
		return err
	}
	p.Data = d
	return nil
}

// payBillDownload serves a bill as a CSV file: byte for byte what the API's
// download_url serves (uncompressed), so its SHA1 is the API's hash_value.
func (u *UI) payBillDownload(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
	kind, ok := payBillKinds[r.PathValue("kind")]
	if !ok {
		return errs.NotFoundf("There is no such bill.")
	}
	q := r.URL.Query()
	b, err := u.Pay.Bill(r.Context(), pc.c.Account, pay.BillRequest{Kind: kind, Date: q.Get("date"), Type: q.Get("type")})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s-%s.csv"`, r.PathValue("kind"), pc.merchant.MchID, b.Date, b.Type))
	w.Header().Set("Content-Length", strconv.Itoa(len(b.Content)))
	w.Header().Set("X-Content-SHA1", b.SHA1)
	_, err = w.Write(b.Content)
	return err
}

// payPlatformCert serves the platform certificate under the file name
// clients give it: wechatpay_{serial}.pem, the serial in the form of the
// Wechatpay-Serial header.
func (u *UI) payPlatformCert(w http.ResponseWriter, r *http.Request, _ *payCtx) error {
	k, err := u.PayKeys.Current(r.Context())
	if err != nil {
		return err
	}
	if k.CertPEM == "" {
		return errors.New("console: the platform key has no certificate")
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="wechatpay_%s.pem"`, k.Serial))
	_, err = w.Write([]byte(k.CertPEM))
	return err
}
