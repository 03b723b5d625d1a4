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
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
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
	pays := u.Member(account.ActPayments)
	home := core.View{Title: "Payments", Template: "mp/pay", Load: u.loadPayHome}
	products := core.View{Title: "Products", Template: "mp/pay_products", Load: u.loadPayProducts}
	product := core.View{Template: "mp/pay_product", Load: u.loadPayProduct}
	order := core.View{Title: "Order", Template: "mp/pay_order", Load: u.loadPayOrder}
	h("GET /mp/a/{account}/pay", u.Get(pays, home))
	h("POST /mp/a/{account}/pay/merchant", core.Post(u.UI, pays, core.Form[*payCtx]{View: home, Parse: u.payParse(false), Do: u.payMerchantSave}))
	h("POST /mp/a/{account}/pay/disable", core.Post(u.UI, pays, core.Form[*payCtx]{Parse: u.payParse(true), Do: u.payMerchantDisable}))
	h("POST /mp/a/{account}/pay/payout", core.Post(u.UI, pays, core.Form[*payCtx]{View: home, Parse: u.payParse(true), Do: u.payPayout}))
	h("POST /mp/a/{account}/pay/apikey", u.inPay(pays, u.payAPIKey))
	h("POST /mp/a/{account}/pay/keypair", u.inPay(pays, u.payKeyPair))
	h("POST /mp/a/{account}/pay/pubkey", core.Post(u.UI, pays, core.Form[*payCtx]{View: home, Parse: u.payParse(true), Do: u.payPublicKey}))
	h("GET /mp/a/{account}/pay/products", u.Get(pays, products))
	h("POST /mp/a/{account}/pay/products", core.Post(u.UI, pays, core.Form[*payProductCtx]{View: products, Read: readProduct, Parse: u.payNewProduct, Do: u.payProductSave}))
	h("GET /mp/a/{account}/pay/products/{product}", u.Get(pays, product))
	h("POST /mp/a/{account}/pay/products/{product}", core.Post(u.UI, pays, core.Form[*payProductCtx]{View: product, Read: readProduct, Parse: u.payProductParse, Do: u.payProductSave}))
	h("POST /mp/a/{account}/pay/products/{product}/send", core.Post(u.UI, pays, core.Form[*payProductCtx]{View: product, Parse: u.payProductParse, Do: u.payProductSend}))
	h("POST /mp/a/{account}/pay/products/{product}/order", core.Post(u.UI, pays, core.Form[*payProductCtx]{View: core.View{Template: "mp/pay_product", Load: u.loadConsoleOrderForm}, Parse: u.payProductParse, Do: u.payConsoleOrder}))
	h("GET /mp/a/{account}/pay/products/{product}/image", u.In(pays, u.payProductImage))
	h("GET /mp/a/{account}/pay/orders", u.inPay(pays, u.payOrders))
	h("GET /mp/a/{account}/pay/orders.csv", u.inPay(pays, u.payOrdersCSV))
	h("GET /mp/a/{account}/pay/orders/{order}", u.Get(pays, order))
	h("POST /mp/a/{account}/pay/orders/{order}/refund", core.Post(u.UI, pays, core.Form[*payCtx]{View: order, Parse: u.payParse(true), Do: u.payRefund}))
	h("POST /mp/a/{account}/pay/orders/{order}/close", core.Post(u.UI, pays, core.Form[*payCtx]{Parse: u.payParse(true), Do: u.payClose}))
	h("GET /mp/a/{account}/pay/orders/{order}/qr.png", u.inPay(pays, u.payOrderQR))
	h("GET /mp/a/{account}/pay/settlement", u.Get(pays, core.View{Title: "Settlement", Template: "mp/pay_settlement", Load: u.loadSettlement}))
	u.registerPayBills(h)
}

// payCtx is what every console payments page knows.
type payCtx struct {
	c        *core.ConsoleCtx
	merchant *pay.Merchant // nil until payments are enabled
}

// payOf loads the account's merchant profile; needMerchant refuses
// accounts that have not enabled payments.
func (u *UI) payOf(r *http.Request, c *core.ConsoleCtx, needMerchant bool) (*payCtx, error) {
	pc := &payCtx{c: c}
	m, err := u.Pay.Merchant(r.Context(), c.Account.ID)
	switch {
	case err == nil:
		pc.merchant = m
	case !errors.Is(err, errs.NotFound):
		return nil, err
	case needMerchant:
		return nil, errs.Conflictf("Enable payments first on the Payments page.")
	}
	return pc, nil
}

// payParse reads the merchant a payments form needs.
func (u *UI) payParse(needMerchant bool) func(*http.Request, *core.ConsoleCtx) (*payCtx, error) {
	return func(r *http.Request, c *core.ConsoleCtx) (*payCtx, error) { return u.payOf(r, c, needMerchant) }
}

// inPay runs fn for a payments page of an account that enabled payments.
func (u *UI) inPay(s core.Scope, fn func(w http.ResponseWriter, r *http.Request, pc *payCtx) error) web.HandlerFunc {
	return u.In(s, func(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
		pc, err := u.payOf(r, c, true)
		if err != nil {
			return err
		}
		return fn(w, r, pc)
	})
}

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
	Notes     []*pay.Notification // latest notifications to the merchant's server
	// PlatformSerial names the platform certificate (Wechatpay-Serial).
	PlatformSerial string
}

func (u *UI) loadPayHome(r *http.Request, p *core.Page) error {
	pc, err := u.payOf(r, p.Console, false)
	if err != nil {
		return err
	}
	return u.payHomeData(r, p, pc, &payHomeData{})
}

// renderPayHome shows the payments page with a secret shown once.
func (u *UI) renderPayHome(w http.ResponseWriter, r *http.Request, pc *payCtx, flash string, d *payHomeData) error {
	p := u.NewPage(w, r, "Payments", nil)
	p.Console, p.Flash = pc.c, u.Locale(r).Text(flash)
	if err := u.payHomeData(r, p, pc, d); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "mp/pay", p)
}

func (u *UI) payHomeData(r *http.Request, p *core.Page, pc *payCtx, d *payHomeData) error {
	d.Service, d.Merchant, d.BaseURL = pc.c.Account.IsService(), pc.merchant, u.BaseURL
	if !d.Service {
		d.Reason = core.MessageIn(pay.ErrSubscription, u.Locale(r))
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
		if u.PayKeys != nil {
			if d.Notes, err = u.Pay.Notifications(ctx, pc.c.Account.ID, 10); err != nil {
				return err
			}
			k, err := u.PayKeys.Current(ctx)
			if err != nil {
				return err
			}
			d.PlatformSerial = k.Serial
		}
	}
	p.Data = d
	return nil
}

func (u *UI) payMerchantSave(r *http.Request, c *core.ConsoleCtx, pc *payCtx) (core.Done, error) {
	first := pc.merchant == nil || !pc.merchant.Enabled
	if _, err := u.Pay.EnableMerchant(r.Context(), c.Account, r.PostForm.Get("display_name"), r.PostForm.Get("notify_url")); err != nil {
		return core.Done{}, err
	}
	msg := "Merchant profile saved."
	if first {
		msg = "Payments are on. Add products to sell."
	}
	return core.Done{To: "pay", Flash: msg}, nil
}

func (u *UI) payMerchantDisable(r *http.Request, c *core.ConsoleCtx, _ *payCtx) (core.Done, error) {
	if err := u.Pay.DisableMerchant(r.Context(), c.Account.ID); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "pay", Flash: "Payments are off: no new orders. Paid orders can still be refunded."}, nil
}

func (u *UI) payPayout(r *http.Request, c *core.ConsoleCtx, _ *payCtx) (core.Done, error) {
	amount, err := pay.ParseFen(r.PostForm.Get("amount"), "amount")
	if err == nil {
		err = u.Pay.Payout(r.Context(), web.Person(r).ID, c.Account.ID, amount)
	}
	if err != nil {
		if errors.Is(err, pay.ErrInsufficient) {
			err = errs.FieldInvalid("amount", "The merchant balance is lower than that.")
		}
		return core.Done{}, err
	}
	return core.Done{To: "pay", Flash: u.T(r, "%s paid out to the organisation's bank account.", pay.FormatFen(amount))}, nil
}

func (u *UI) payAPIKey(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
	k, err := u.Pay.ResetAPIv3Key(r.Context(), pc.c.Account.ID)
	if err != nil {
		return err
	}
	pc.merchant.APIv3Key = k
	return u.renderPayHome(w, r, pc, "New APIv3 key made. Copy it now: it is shown only this once.", &payHomeData{Secret: k, SecretFor: u.T(r, "APIv3 key")})
}

// payKeyPair makes an RSA key pair for the merchant, keeps the public half
// and shows the private key once.
func (u *UI) payKeyPair(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
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
	return u.renderPayHome(w, r, pc, "Key pair made. Copy the private key now: Herald does not keep it and shows it only this once.", &payHomeData{Secret: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), SecretFor: u.T(r, "private key (serial %s)", serial)})
}

func (u *UI) payPublicKey(r *http.Request, c *core.ConsoleCtx, _ *payCtx) (core.Done, error) {
	if err := u.Pay.SetMerchantKey(r.Context(), c.Account.ID, r.PostForm.Get("public_key"), r.PostForm.Get("serial")); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "pay", Flash: "Public key saved: requests signed with its private key are accepted."}, nil
}

// Products.

type payProductsData struct {
	Merchant *pay.Merchant
	Products []*pay.Product
	Product  *pay.Product // the one being edited
	OrderNo  string       // out_trade_no for "Create order": a double click is one order
}

func (u *UI) loadPayProducts(r *http.Request, p *core.Page) error {
	pc, err := u.payOf(r, p.Console, true)
	if err != nil {
		return err
	}
	d := &payProductsData{Merchant: pc.merchant, OrderNo: fmt.Sprintf("K%d", id.New())}
	if d.Products, err = u.Pay.Products(r.Context(), pc.c.Account.ID, false); err != nil {
		return err
	}
	p.Data = d
	return nil
}

// payProductCtx is a payments form about one product (nil for a new one).
type payProductCtx struct {
	*payCtx
	product *pay.Product
}

// payProductParse reads the merchant and the account's product named in
// the path.
func (u *UI) payProductParse(r *http.Request, c *core.ConsoleCtx) (*payProductCtx, error) {
	pc, err := u.payOf(r, c, true)
	if err != nil {
		return nil, err
	}
	pr, err := core.InPath(r, c.Account.ID, "product", u.Pay.Product)
	if err != nil {
		return nil, err
	}
	return &payProductCtx{payCtx: pc, product: pr}, nil
}

// payNewProduct reads the merchant a new product is added for.
func (u *UI) payNewProduct(r *http.Request, c *core.ConsoleCtx) (*payProductCtx, error) {
	pc, err := u.payOf(r, c, true)
	if err != nil {
		return nil, err
	}
	return &payProductCtx{payCtx: pc}, nil
}

// loadPayProduct fills one product's page.
func (u *UI) loadPayProduct(r *http.Request, p *core.Page) error {
	pp, err := u.payProductParse(r, p.Console)
	if err != nil {
		return err
	}
	p.Title = pp.product.Name
	p.Data = &payProductsData{Merchant: pp.merchant, Product: pp.product, OrderNo: fmt.Sprintf("K%d", id.New())}
	return nil
}

var productImage = media.Kind{Name: "product image", Types: []string{"image/jpeg", "image/png", "image/webp", "image/gif"}, MaxBytes: 2 << 20}

// readProduct limits the product form (its fields and an image of at most
// 2 MB); payProductSave reads it, so that an image too large is shown on
// the form.
func readProduct(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 3<<20)
	return nil
}

// payProductSave adds a product (pp.product nil) or saves an edit.
func (u *UI) payProductSave(r *http.Request, c *core.ConsoleCtx, pp *payProductCtx) (core.Done, error) {
	current := pp.product
	var pid int64
	if current != nil {
		pid = current.ID
	}
	if err := r.ParseMultipartForm(3 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return core.Done{}, errs.FieldInvalid("image", "The image is larger than 2 MB.")
	}
	in := pay.ProductInput{Name: r.FormValue("name"), Description: r.FormValue("description"), Active: r.FormValue("active") == "1"}
	var err error
	if in.Price, err = pay.ParseFen(r.FormValue("price"), "price"); err != nil {
		return core.Done{}, err
	}
	stock := strings.TrimSpace(r.FormValue("stock"))
	if stock == "" {
		stock = "0"
	}
	if in.Stock, err = strconv.ParseInt(stock, 10, 64); err != nil {
		return core.Done{}, errs.FieldInvalid("stock", "Stock is a whole number from 0 to 1,000,000.")
	}
	if f, _, err := r.FormFile("image"); err == nil {
		defer f.Close()
		saved, err := media.Save(r.Context(), u.Media, fmt.Sprintf("products/%d", c.Account.ID), productImage, f)
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Format != "" && e.Kind != errs.KindInternal {
				// The media error's own format, so that it is translated.
				return core.Done{}, errs.FieldInvalid("image", e.Format, e.Args...)
			}
			return core.Done{}, errs.FieldInvalid("image", "%s", errs.Message(err))
		}
		in.ImageKey, in.ImageType = saved.Key, saved.ContentType
	}
	saved, err := u.Pay.SaveProduct(r.Context(), c.Account.ID, pid, in)
	if err != nil {
		if in.ImageKey != "" {
			_ = u.Media.Delete(r.Context(), in.ImageKey)
		}
		return core.Done{}, err
	}
	if current != nil && in.ImageKey != "" && current.ImageKey != "" {
		_ = u.Media.Delete(r.Context(), current.ImageKey)
	}
	return core.Done{To: fmt.Sprintf("pay/products/%d", saved.ID), Flash: u.T(r, "%s saved.", saved.Name)}, nil
}

func (u *UI) payProductImage(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	pp, err := u.payProductParse(r, c)
	if err != nil {
		return err
	}
	if pp.product.ImageKey == "" {
		return errs.NotFound
	}
	return media.Serve(w, r, u.Media, pp.product.ImageKey, pp.product.ImageType)
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
func (u *UI) payProductSend(r *http.Request, c *core.ConsoleCtx, pp *payProductCtx) (core.Done, error) {
	pr := pp.product
	if !pr.Active {
		return core.Done{}, onField(errs.Conflictf("This product is not on sale; put it on sale first."), "follower")
	}
	person, err := u.PersonNamed(r, "follower", errs.FieldInvalid("follower", "There is no follower with that username."))
	if err != nil {
		return core.Done{}, err
	}
	if _, err := u.Chat.Send(r.Context(), c.Account.ID, person.ID, message.KindProduct, message.SenderAgent, web.Person(r).ID,
		productCard(pr, pp.merchant.DisplayName)); err != nil {
		return core.Done{}, onField(err, "follower")
	}
	return core.Done{To: fmt.Sprintf("pay/products/%d", pr.ID), Flash: u.T(r, "Product card sent to %s.", person.DisplayName)}, nil
}

// onField puts a user error's message on field (or, with field "", over
// the form).
func onField(err error, field string) error {
	e := core.UserError(err)
	if e == nil {
		return err
	}
	return &errs.Error{Kind: e.Kind, Message: e.Message, Field: field, Err: err}
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

func (u *UI) payOrders(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
	var err error
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
func (u *UI) payOrdersCSV(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
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

func (u *UI) loadPayOrder(r *http.Request, p *core.Page) error {
	pc, err := u.payOf(r, p.Console, true)
	if err != nil {
		return err
	}
	o, err := core.InPath(r, pc.c.Account.ID, "order", u.Pay.Order)
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
	return nil
}

func (u *UI) payRefund(r *http.Request, c *core.ConsoleCtx, pc *payCtx) (core.Done, error) {
	oid, err := core.PathID(r, "order")
	if err != nil {
		return core.Done{}, core.AsPage(err)
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
		if e := core.UserError(err); e != nil && e.Field != "amount" && e.Field != "reason" {
			err = onField(err, "") // out_refund_no is a hidden field
		}
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("pay/orders/%d", oid), Flash: u.T(r, "Refunded %s.", pay.FormatFen(amount))}, nil
}

func (u *UI) payClose(r *http.Request, c *core.ConsoleCtx, _ *payCtx) (core.Done, error) {
	oid, err := core.PathID(r, "order")
	if err != nil {
		return core.Done{}, err
	}
	if _, err := u.Pay.Close(r.Context(), c.Account.ID, oid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("pay/orders/%d", oid), Flash: "Order closed."}, nil
}

type paySettlementData struct {
	Days  []pay.Day
	Total pay.Day
	Since string
}

func (u *UI) loadSettlement(r *http.Request, p *core.Page) error {
	pc, err := u.payOf(r, p.Console, true)
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
	p.Data = d
	return nil
}

func urlq(s string) string { return url.QueryEscape(s) }
