package console

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/csv"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/csvsafe"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Commerce: the console's payments pages under
// /mp/a/{account}/pay, the follower's pay sheet, product pages and order
// list (pay_app.go), and the admin's wallet credits.

func (u *UI) registerPay(h core.Route) {
	if u.Pay == nil {
		return
	}
	u.AddNav(core.NavItem{Label: "Payments", Path: "pay", Action: account.ActPayments, Order: 80})
	h("GET /mp/a/{account}/pay", u.payHome)
	h("POST /mp/a/{account}/pay/merchant", u.payMerchantSave)
	h("POST /mp/a/{account}/pay/disable", u.payMerchantDisable)
	h("POST /mp/a/{account}/pay/payout", u.payPayout)
	h("POST /mp/a/{account}/pay/apikey", u.payAPIKey)
	h("POST /mp/a/{account}/pay/keypair", u.payKeyPair)
	h("POST /mp/a/{account}/pay/pubkey", u.payPublicKey)
	h("GET /mp/a/{account}/pay/products", u.payProducts)
	h("POST /mp/a/{account}/pay/products", u.payProductSave)
	h("GET /mp/a/{account}/pay/products/{product}", u.payProduct)
	h("POST /mp/a/{account}/pay/products/{product}", u.payProductSave)
	h("POST /mp/a/{account}/pay/products/{product}/send", u.payProductSend)
	h("POST /mp/a/{account}/pay/products/{product}/order", u.payConsoleOrder)
	h("GET /mp/a/{account}/pay/products/{product}/image", u.payProductImage)
	h("GET /mp/a/{account}/pay/orders", u.payOrders)
	h("GET /mp/a/{account}/pay/orders.csv", u.payOrdersCSV)
	h("GET /mp/a/{account}/pay/orders/{order}", u.payOrder)
	h("POST /mp/a/{account}/pay/orders/{order}/refund", u.payRefund)
	h("POST /mp/a/{account}/pay/orders/{order}/close", u.payClose)
	h("GET /mp/a/{account}/pay/orders/{order}/qr.png", u.payOrderQR)
	h("GET /mp/a/{account}/pay/settlement", u.paySettlement)
	u.registerPayBills(h)
}

// payCtx is what every console payments page knows.
type payCtx struct {
	c        *core.ConsoleCtx
	merchant *pay.Merchant // nil until payments are enabled
}

func (u *UI) payConsole(r *http.Request, needMerchant bool) (*payCtx, error) {
	c, err := u.ConsoleAccount(r, account.ActPayments)
	if err != nil {
		return nil, err
	}
	pc := &payCtx{c: c}
	m, err := u.Pay.Merchant(r.Context(), c.Account.ID)
	switch {
	case err == nil:
		pc.merchant = m
	case !errors.Is(err, db.ErrNotFound):
		return nil, err
	case needMerchant:
		return nil, errs.Conflictf("Enable payments first on the Payments page.")
	}
	return pc, nil
}

func (pc *payCtx) base() string { return fmt.Sprintf("/mp/a/%d/pay", pc.c.Account.ID) }

type payHomeData struct {
	Service   bool
	Reason    string
	Merchant  *pay.Merchant
	Balance   int64
	Moves     []pay.Movement
	Secret    string // a new APIv3 key or private key, shown once
	SecretFor string
	Products  int
	BaseURL   string
	Notes     []*wxpay.Notification // latest notifications to the merchant's server
	// PlatformSerial names the platform certificate (Wechatpay-Serial).
	PlatformSerial string
}

func (u *UI) payHome(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, false)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Payments", nil)
	p.Console = pc.c
	return u.renderPayHome(w, r, p, pc, http.StatusOK, nil)
}

func (u *UI) renderPayHome(w http.ResponseWriter, r *http.Request, p *core.Page, pc *payCtx, status int, d *payHomeData) error {
	if d == nil {
		d = &payHomeData{}
	}
	d.Service, d.Merchant, d.BaseURL = pc.c.Account.IsService(), pc.merchant, u.BaseURL
	if !d.Service {
		d.Reason = errs.Message(pay.ErrSubscription)
	}
	if pc.merchant != nil {
		ctx := r.Context()
		var err error
		if d.Balance, err = u.Pay.Balance(ctx, pay.OwnerMerchant, pc.c.Account.ID); err != nil {
			return err
		}
		if d.Moves, err = u.Pay.Movements(ctx, pay.OwnerMerchant, pc.c.Account.ID, 10); err != nil {
			return err
		}
		ps, err := u.Pay.Products(ctx, pc.c.Account.ID, false)
		if err != nil {
			return err
		}
		d.Products = len(ps)
		if u.PayAPI != nil {
			if d.Notes, err = u.PayAPI.Notifications(ctx, pc.c.Account.ID, 10); err != nil {
				return err
			}
			k, err := u.PayAPI.Keys.Current(ctx)
			if err != nil {
				return err
			}
			d.PlatformSerial = k.Serial
		}
	}
	p.Data = d
	return u.Render(w, r, status, "mp/pay", p)
}

// payFail re-renders the payments home page with a user error.
func (u *UI) payFail(w http.ResponseWriter, r *http.Request, pc *payCtx, err error) error {
	var e *errs.Error
	if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	p := u.NewPage(w, r, "Payments", nil)
	p.Console, p.Form = pc.c, r.PostForm
	if e.Field != "" {
		p.Fields[e.Field] = e.Message
	} else {
		p.Error = e.Message
	}
	return u.renderPayHome(w, r, p, pc, web.Status(err), nil)
}

func (u *UI) payMerchantSave(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, false)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	first := pc.merchant == nil || !pc.merchant.Enabled
	if _, err := u.Pay.EnableMerchant(r.Context(), pc.c.Account, r.PostForm.Get("display_name"), r.PostForm.Get("notify_url")); err != nil {
		return u.payFail(w, r, pc, err)
	}
	msg := "Merchant profile saved."
	if first {
		msg = "Payments are on. Add products to sell."
	}
	return u.Redirect(w, r, pc.base(), msg)
}

func (u *UI) payMerchantDisable(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	if err := u.Pay.DisableMerchant(r.Context(), pc.c.Account.ID); err != nil {
		return err
	}
	return u.Redirect(w, r, pc.base(), "Payments are off: no new orders. Paid orders can still be refunded.")
}

func (u *UI) payPayout(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	amount, err := pay.ParseFen(r.PostForm.Get("amount"), "amount")
	if err == nil {
		err = u.Pay.Payout(r.Context(), web.Person(r).ID, pc.c.Account.ID, amount)
	}
	if err != nil {
		if errors.Is(err, pay.ErrInsufficient) {
			err = errs.FieldInvalid("amount", "The merchant balance is lower than that.")
		}
		return u.payFail(w, r, pc, err)
	}
	return u.Redirect(w, r, pc.base(), fmt.Sprintf("%s paid out to the organisation's bank account.", pay.FormatFen(amount)))
}

func (u *UI) payAPIKey(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	k, err := u.Pay.ResetAPIv3Key(r.Context(), pc.c.Account.ID)
	if err != nil {
		return err
	}
	pc.merchant.APIv3Key = k
	p := u.NewPage(w, r, "Payments", nil)
	p.Console, p.Flash = pc.c, "New APIv3 key made. Copy it now: it is shown only this once."
	return u.renderPayHome(w, r, p, pc, http.StatusOK, &payHomeData{Secret: k, SecretFor: "APIv3 key"})
}

// payKeyPair makes an RSA key pair for the merchant, keeps the public half
// and shows the private key once.
func (u *UI) payKeyPair(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	// A 20-byte serial like WeChat Pay's, written as clients write it
	// (two hex digits per byte, so a first byte below 0x10 keeps its zero).
	sb := make([]byte, 20)
	_, _ = rand.Read(sb)
	sb[0] = sb[0]&0x7f | 0x01 // positive and not zero
	serial := pay.SerialHex(new(big.Int).SetBytes(sb))
	if err := u.Pay.SetMerchantKey(r.Context(), pc.c.Account.ID, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), serial); err != nil {
		return err
	}
	if pc.merchant, err = u.Pay.Merchant(r.Context(), pc.c.Account.ID); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Payments", nil)
	p.Console, p.Flash = pc.c, "Key pair made. Copy the private key now: Herald does not keep it and shows it only this once."
	return u.renderPayHome(w, r, p, pc, http.StatusOK, &payHomeData{Secret: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), SecretFor: "private key (serial " + serial + ")"})
}

func (u *UI) payPublicKey(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	if err := u.Pay.SetMerchantKey(r.Context(), pc.c.Account.ID, r.PostForm.Get("public_key"), r.PostForm.Get("serial")); err != nil {
		return u.payFail(w, r, pc, err)
	}
	return u.Redirect(w, r, pc.base(), "Public key saved: requests signed with its private key are accepted.")
}

// Products.

type payProductsData struct {
	Merchant *pay.Merchant
	Products []*pay.Product
	Product  *pay.Product // the one being edited
	OrderNo  string       // out_trade_no for "Create order": a double click is one order
}

func (u *UI) payProducts(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Products", nil)
	p.Console = pc.c
	return u.renderPayProducts(w, r, p, pc, nil, http.StatusOK)
}

func (u *UI) renderPayProducts(w http.ResponseWriter, r *http.Request, p *core.Page, pc *payCtx, one *pay.Product, status int) error {
	d := &payProductsData{Merchant: pc.merchant, Product: one, OrderNo: fmt.Sprintf("K%d", id.New())}
	if one == nil {
		var err error
		if d.Products, err = u.Pay.Products(r.Context(), pc.c.Account.ID, false); err != nil {
			return err
		}
		p.Data = d
		return u.Render(w, r, status, "mp/pay_products", p)
	}
	p.Data = d
	return u.Render(w, r, status, "mp/pay_product", p)
}

// payConsoleProduct loads the merchant console context and the product
// named in the path, which must belong to the account.
func (u *UI) payConsoleProduct(r *http.Request) (*payCtx, *pay.Product, error) {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return nil, nil, err
	}
	pid, err := core.PathID(r, "product")
	if err != nil {
		return nil, nil, err
	}
	pr, err := u.Pay.Product(r.Context(), pc.c.Account.ID, pid)
	if err != nil {
		return nil, nil, err
	}
	return pc, pr, nil
}

func (u *UI) payProduct(w http.ResponseWriter, r *http.Request) error {
	pc, pr, err := u.payConsoleProduct(r)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, pr.Name, nil)
	p.Console = pc.c
	return u.renderPayProducts(w, r, p, pc, pr, http.StatusOK)
}

var productImage = media.Kind{Name: "product image", Types: []string{"image/jpeg", "image/png", "image/webp", "image/gif"}, MaxBytes: 2 << 20}

func (u *UI) payProductSave(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	var pid int64
	var current *pay.Product
	if r.PathValue("product") != "" {
		if pid, err = core.PathID(r, "product"); err != nil {
			return err
		}
		if current, err = u.Pay.Product(r.Context(), pc.c.Account.ID, pid); err != nil {
			return err
		}
	}
	fail := func(err error) error {
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, "Products", nil)
		p.Console, p.Form = pc.c, r.Form
		if e.Field != "" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message
		}
		return u.renderPayProducts(w, r, p, pc, current, web.Status(err))
	}
	r.Body = http.MaxBytesReader(w, r.Body, 3<<20)
	if err := r.ParseMultipartForm(3 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return fail(errs.FieldInvalid("image", "The image is larger than 2 MB."))
	}
	in := pay.ProductInput{Name: r.FormValue("name"), Description: r.FormValue("description"), Active: r.FormValue("active") == "1"}
	if in.Price, err = pay.ParseFen(r.FormValue("price"), "price"); err != nil {
		return fail(err)
	}
	stock := strings.TrimSpace(r.FormValue("stock"))
	if stock == "" {
		stock = "0"
	}
	if in.Stock, err = strconv.ParseInt(stock, 10, 64); err != nil {
		return fail(errs.FieldInvalid("stock", "Stock is a whole number from 0 to 1,000,000."))
	}
	if f, _, err := r.FormFile("image"); err == nil {
		defer f.Close()
		saved, err := media.Save(r.Context(), u.Media, fmt.Sprintf("products/%d", pc.c.Account.ID), productImage, f)
		if err != nil {
			return fail(errs.FieldInvalid("image", "%s", errs.Message(err)))
		}
		in.ImageKey, in.ImageType = saved.Key, saved.ContentType
	}
	saved, err := u.Pay.SaveProduct(r.Context(), pc.c.Account.ID, pid, in)
	if err != nil {
		if in.ImageKey != "" {
			_ = u.Media.Delete(r.Context(), in.ImageKey)
		}
		return fail(err)
	}
	if current != nil && in.ImageKey != "" && current.ImageKey != "" {
		_ = u.Media.Delete(r.Context(), current.ImageKey)
	}
	return u.Redirect(w, r, fmt.Sprintf("%s/products/%d", pc.base(), saved.ID), fmt.Sprintf("%s saved.", saved.Name))
}

func (u *UI) payProductImage(w http.ResponseWriter, r *http.Request) error {
	_, pr, err := u.payConsoleProduct(r)
	if err != nil {
		return err
	}
	if pr.ImageKey == "" {
		return db.ErrNotFound
	}
	return media.Serve(w, r, u.Media, pr.ImageKey, pr.ImageType)
}

// productCard is the chat message that offers a product to a follower.
func productCard(pr *pay.Product, merchant string) message.Body {
	desc := pay.FormatFen(pr.Price) + " · " + merchant
	if pr.Description != "" {
		desc += " · " + pr.Description
	}
	if len(desc) > 200 {
		desc = desc[:200]
	}
	return message.Body{Title: pr.Name, Description: desc, URL: fmt.Sprintf("/shop/%d", pr.ID),
		Data: map[string]any{"product_id": fmt.Sprint(pr.ID), "price": pr.Price}}
}

// payProductSend sends a product card to one follower inside the
// customer-service window.
func (u *UI) payProductSend(w http.ResponseWriter, r *http.Request) error {
	pc, pr, err := u.payConsoleProduct(r)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	fail := func(err error) error {
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, pr.Name, nil)
		p.Console, p.Form = pc.c, r.PostForm
		p.Fields["follower"] = e.Message
		return u.renderPayProducts(w, r, p, pc, pr, web.Status(err))
	}
	if !pr.Active {
		return fail(errs.Conflictf("This product is not on sale; put it on sale first."))
	}
	name := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("follower")), "@")
	person, err := u.Users.ByUsername(r.Context(), name)
	if errors.Is(err, db.ErrNotFound) {
		return fail(errs.FieldInvalid("follower", "There is no follower with that username."))
	}
	if err != nil {
		return err
	}
	if _, err := u.Chat.Send(r.Context(), pc.c.Account.ID, person.ID, message.KindProduct, message.SenderAgent, web.Person(r).ID,
		productCard(pr, pc.merchant.DisplayName)); err != nil {
		return fail(err)
	}
	return u.Redirect(w, r, fmt.Sprintf("%s/products/%d", pc.base(), pr.ID), fmt.Sprintf("Product card sent to %s.", person.DisplayName))
}

// Orders.

type payOrdersData struct {
	Orders []*pay.Order
	States []string
	State  string
	From   string
	To     string
	Q      string
	More   int64
	Query  string // the filter as a query string, for CSV and paging
}

// orderFilter reads the list's filters from the query string.
func orderFilter(r *http.Request, loc *time.Location) (pay.OrderFilter, *payOrdersData, error) {
	q := r.URL.Query()
	d := &payOrdersData{States: []string{pay.StateCreated, pay.StatePaid, pay.StatePartiallyRefunded, pay.StateRefunded, pay.StateClosed},
		State: q.Get("state"), From: q.Get("from"), To: q.Get("to"), Q: strings.TrimSpace(q.Get("q"))}
	f := pay.OrderFilter{Query: d.Q, Limit: 50}
	for _, s := range d.States {
		if s == d.State {
			f.State = s
		}
	}
	if d.From != "" {
		t, err := time.ParseInLocation("2006-01-02", d.From, loc)
		if err != nil {
			return f, d, errs.FieldInvalid("from", "Use a date like 2026-01-31.")
		}
		f.From = t
	}
	if d.To != "" {
		t, err := time.ParseInLocation("2006-01-02", d.To, loc)
		if err != nil {
			return f, d, errs.FieldInvalid("to", "Use a date like 2026-01-31.")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	d.Query = "state=" + urlq(f.State) + "&from=" + urlq(d.From) + "&to=" + urlq(d.To) + "&q=" + urlq(d.Q)
	return f, d, nil
}

func (u *UI) payOrders(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Orders", nil)
	p.Console = pc.c
	f, d, ferr := orderFilter(r, pc.c.Account.Location())
	p.Data = d
	status := http.StatusOK
	if ferr != nil {
		var e *errs.Error
		_ = core.AsErr(ferr, &e)
		p.Fields[e.Field] = e.Message
		status = http.StatusUnprocessableEntity
		f.From, f.To = time.Time{}, time.Time{}
	}
	if d.Orders, err = u.Pay.Orders(r.Context(), pc.c.Account.ID, f); err != nil {
		return err
	}
	if len(d.Orders) == f.Limit {
		d.More = d.Orders[len(d.Orders)-1].ID
	}
	return u.Render(w, r, status, "mp/pay_orders", p)
}

// payOrdersCSV exports the filtered orders (up to 10,000).
func (u *UI) payOrdersCSV(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	loc := pc.c.Account.Location()
	f, _, err := orderFilter(r, loc)
	if err != nil {
		return err
	}
	f.Limit, f.BeforeID = 10000, 0
	orders, err := u.Pay.Orders(r.Context(), pc.c.Account.ID, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="orders-%d.csv"`, pc.c.Account.ID))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"order_id", "out_trade_no", "transaction_id", "created_at", "paid_at", "state", "source", "description", "amount_yuan", "refunded_yuan"})
	yuan := func(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }
	tm := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	for _, o := range orders {
		_ = cw.Write([]string{fmt.Sprint(o.ID), csvsafe.Cell(o.OutTradeNo), o.TransactionID, tm(o.CreatedAt), tm(o.PaidAt), o.State, o.Source,
			csvsafe.Cell(o.Description), yuan(o.Amount), yuan(o.Refunded)})
	}
	cw.Flush()
	return cw.Error()
}

type payOrderData struct {
	Order    *pay.Order
	Refunds  []*pay.Refund
	Buyer    string
	RefundNo string // one-time refund number: a double click refunds once
	PayURL   string // an open console order's pay link (pay_console_order.go)
}

func (u *UI) payOrder(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Order", nil)
	p.Console = pc.c
	return u.renderPayOrder(w, r, p, pc, http.StatusOK)
}

func (u *UI) renderPayOrder(w http.ResponseWriter, r *http.Request, p *core.Page, pc *payCtx, status int) error {
	oid, err := core.PathID(r, "order")
	if err != nil {
		return err
	}
	o, err := u.Pay.Order(r.Context(), pc.c.Account.ID, oid)
	if err != nil {
		return err
	}
	d := &payOrderData{Order: o, RefundNo: fmt.Sprintf("R%d", id.New()), PayURL: u.consolePayURL(o)}
	if d.Refunds, err = u.Pay.Refunds(r.Context(), pc.c.Account.ID, o.ID); err != nil {
		return err
	}
	if o.PersonID != 0 {
		if f, err := u.Follows.Get(r.Context(), pc.c.Account.ID, o.PersonID); err == nil {
			d.Buyer = f.OpenID
		}
		if person, err := u.Users.ByID(r.Context(), o.PersonID); err == nil {
			d.Buyer = person.DisplayName + " · " + d.Buyer
		}
	}
	p.Data = d
	return u.Render(w, r, status, "mp/pay_order", p)
}

func (u *UI) payRefund(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	oid, err := core.PathID(r, "order")
	if err != nil {
		return err
	}
	amount, err := pay.ParseFen(r.PostForm.Get("amount"), "amount")
	if err == nil {
		// The form carries a one-time refund number, so a double click
		// refunds once.
		_, _, err = u.Pay.RefundOrder(r.Context(), pc.c.Account.ID, oid, r.PostForm.Get("out_refund_no"), amount, r.PostForm.Get("reason"))
	}
	if err != nil {
		if errors.Is(err, pay.ErrInsufficient) {
			err = errs.FieldInvalid("amount", "The merchant balance is too low for this refund.")
		}
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, "Order", nil)
		p.Console, p.Form = pc.c, r.PostForm
		if e.Field == "amount" || e.Field == "reason" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message // out_refund_no is a hidden field
		}
		return u.renderPayOrder(w, r, p, pc, web.Status(err))
	}
	return u.Redirect(w, r, fmt.Sprintf("%s/orders/%d", pc.base(), oid), fmt.Sprintf("Refunded %s.", pay.FormatFen(amount)))
}

func (u *UI) payClose(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	oid, err := core.PathID(r, "order")
	if err != nil {
		return err
	}
	if _, err := u.Pay.Close(r.Context(), pc.c.Account.ID, oid); err != nil {
		return err
	}
	return u.Redirect(w, r, fmt.Sprintf("%s/orders/%d", pc.base(), oid), "Order closed.")
}

type paySettlementData struct {
	Days  []pay.Day
	Total pay.Day
	Since string
}

func (u *UI) paySettlement(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	loc := pc.c.Account.Location()
	now := u.Clock.Now().In(loc)
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	start := end.AddDate(0, 0, -30)
	days, err := u.Pay.Settlement(r.Context(), pc.c.Account.ID, start, end, loc)
	if err != nil {
		return err
	}
	d := &paySettlementData{Days: days, Since: start.Format("2006-01-02")}
	for _, day := range days {
		d.Total.Payments += day.Payments
		d.Total.Paid += day.Paid
		d.Total.Refunds += day.Refunds
		d.Total.Refunded += day.Refunded
		d.Total.Payouts += day.Payouts
		d.Total.Net += day.Net
	}
	p := u.NewPage(w, r, "Settlement", d)
	p.Console = pc.c
	return u.Render(w, r, http.StatusOK, "mp/pay_settlement", p)
}

func urlq(s string) string { return url.QueryEscape(s) }
