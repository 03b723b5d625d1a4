package follower

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// The follower's side of Herald Pay: a product page (opened from a product
// card), the pay sheet, the order list; and the admin's wallet credits.

func (u *UI) registerPayApp(h core.Route) {
	if u.Pay == nil {
		return
	}
	h("GET /shop/{product}", u.SignedIn(u.shopProduct))
	h("GET /shop/{product}/image", u.SignedIn(u.shopProductImage))
	h("POST /shop/{product}", u.SignedIn(u.shopBuy))
	h("GET /pay/prepay", u.SignedIn(u.payPrepay))
	h("GET /pay/{order}", u.SignedIn(u.paySheet))
	h("POST /pay/{order}", u.SignedIn(u.payConfirm))
	h("GET /me/orders", u.SignedIn(u.myOrders))
}

type shopData struct {
	Product  *pay.Product
	Account  *account.Account
	Merchant *pay.Merchant
	Balance  int64
	OnSale   bool
	Reason   string
	Nonce    string // the order's out_trade_no, so a double click is one order
	From     string // "article" when opened from an article's product link
}

// shopLoad loads a product with its account and merchant, for a follower.
func (u *UI) shopLoad(r *http.Request) (*shopData, error) {
	pid, err := core.PathID(r, "product")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	pr, err := u.Pay.Product(ctx, 0, pid)
	if err != nil {
		return nil, err
	}
	a, err := u.Accounts.ByID(ctx, pr.AccountID)
	if err != nil {
		return nil, err
	}
	m, err := u.Pay.Merchant(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	d := &shopData{Product: pr, Account: a, Merchant: m, Nonce: fmt.Sprintf("C%d", id.New())}
	switch {
	case a.Status != account.StatusActive || !m.Enabled:
		d.Reason = u.T(r, "%s does not take payments at the moment.", m.DisplayName)
	case !pr.Active:
		d.Reason = u.T(r, "This product is no longer on sale.")
	case pr.Stock <= 0:
		d.Reason = u.T(r, "Sold out.")
	default:
		d.OnSale = true
	}
	if d.Balance, err = u.Pay.Balance(ctx, pay.OwnerWallet, web.Person(r).ID); err != nil {
		return nil, err
	}
	return d, nil
}

func (u *UI) shopProduct(w http.ResponseWriter, r *http.Request) error {
	d, err := u.shopLoad(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("from") == "article" {
		d.From = "article"
	}
	return u.Render(w, r, http.StatusOK, "app/pay_product", u.NewPage(w, r, d.Product.Name, d))
}

func (u *UI) shopProductImage(w http.ResponseWriter, r *http.Request) error {
	d, err := u.shopLoad(r)
	if err != nil {
		return err
	}
	if d.Product.ImageKey == "" {
		return errs.NotFound
	}
	return media.Serve(w, r, u.Media, d.Product.ImageKey, d.Product.ImageType)
}

// shopBuy creates the follower's order for the product and opens the pay
// sheet. The form's one-time number makes a double click one order.
func (u *UI) shopBuy(w http.ResponseWriter, r *http.Request) error {
	d, err := u.shopLoad(r)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	qty, _ := strconv.ParseInt(r.PostForm.Get("quantity"), 10, 64)
	src := pay.SourceCard
	if r.PostForm.Get("from") == "article" {
		src = pay.SourceArticle
	}
	o, err := u.Pay.CreateOrder(r.Context(), pay.NewOrder{AccountID: d.Account.ID, PersonID: web.Person(r).ID, ProductID: d.Product.ID, Quantity: qty,
		Source: src, OutTradeNo: r.PostForm.Get("nonce")})
	if err != nil {
		return u.FormError(w, r, "app/pay_product", u.NewPage(w, r, d.Product.Name, d), err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/pay/%d", o.ID), "")
}

type paySheetData struct {
	Order    *pay.Order
	Account  *account.Account
	Merchant *pay.Merchant
	Balance  int64
	Short    bool   // the wallet holds less than the amount
	Return   string // redirect_url: the merchant's web page to return to, "" for the chat
}

func (u *UI) paySheetLoad(r *http.Request) (*paySheetData, error) {
	oid, err := core.PathID(r, "order")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	me := web.Person(r)
	o, err := u.Pay.Order(ctx, 0, oid)
	if err != nil {
		return nil, err
	}
	if o.PersonID != 0 && o.PersonID != me.ID {
		return nil, errs.NotFound // someone else's order
	}
	d := &paySheetData{Order: o}
	if d.Account, err = u.Accounts.ByID(ctx, o.AccountID); err != nil {
		return nil, err
	}
	if d.Merchant, err = u.Pay.Merchant(ctx, o.AccountID); err != nil {
		return nil, err
	}
	if d.Balance, err = u.Pay.Balance(ctx, pay.OwnerWallet, me.ID); err != nil {
		return nil, err
	}
	d.Short = d.Balance < o.Amount
	raw := r.URL.Query().Get("redirect_url")
	if r.Method == http.MethodPost {
		raw = r.PostFormValue("redirect_url")
	}
	if d.Return, err = u.payReturn(r, o.AccountID, raw); err != nil {
		return nil, err
	}
	return d, nil
}

// payReturn checks a pay sheet's redirect_url: the merchant's web page
// that the follower returns to (paid or not; the page queries the order),
// as WeChat Pay's H5 redirect_url. It must be an http(s) address on one
// of the account's web sign-in domains, where its linked web apps live.
func (u *UI) payReturn(r *http.Request, accountID int64, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	pu, err := url.Parse(raw)
	bad := errs.Invalidf("redirect_url must be a page on one of the merchant's web sign-in domains.")
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil || len(raw) > 2048 || u.WebApps == nil {
		return "", bad
	}
	ok, err := u.WebApps.OnDomain(r.Context(), accountID, raw)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bad
	}
	return raw, nil
}

// payCSP lets the pay form's redirect go to the merchant's page (the
// browser checks form-action against redirects too).
func payCSP(w http.ResponseWriter, d *paySheetData) {
	if d.Return == "" {
		return
	}
	if ru, err := url.Parse(d.Return); err == nil {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self' "+ru.Scheme+"://"+ru.Host)
	}
}

func (u *UI) paySheet(w http.ResponseWriter, r *http.Request) error {
	d, err := u.paySheetLoad(r)
	if err != nil {
		return err
	}
	payCSP(w, d)
	return u.Render(w, r, http.StatusOK, "app/pay", u.NewPage(w, r, u.T(r, "Pay %s", d.Merchant.DisplayName), d))
}

// payPrepay is the pay sheet's entry point for a web app's JSAPI order:
// /pay/prepay?prepay_id=wx…&redirect_url=… (prepay_id as
// /v3/pay/transactions/jsapi answered it).
func (u *UI) payPrepay(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	oid, err := strconv.ParseInt(strings.TrimPrefix(q.Get("prepay_id"), "wx"), 10, 64)
	if err != nil || oid <= 0 || !strings.HasPrefix(q.Get("prepay_id"), "wx") {
		return errs.NotFoundf("There is no such prepay_id.")
	}
	target := fmt.Sprintf("/pay/%d", oid)
	if ru := q.Get("redirect_url"); ru != "" {
		target += "?" + url.Values{"redirect_url": {ru}}.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// payConfirm checks the person's password and pays the order.
func (u *UI) payConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	d, err := u.paySheetLoad(r)
	if err != nil {
		return err
	}
	me := web.Person(r)
	p := u.NewPage(w, r, u.T(r, "Pay %s", d.Merchant.DisplayName), d)
	payCSP(w, d)
	key := strconv.FormatInt(me.ID, 10)
	if blocked, err := u.PayPasswordBlocked(r.Context(), key); err != nil || blocked {
		if err != nil {
			return err
		}
		return u.FormError(w, r, "app/pay", p, &errs.Error{Kind: errs.KindTooMany, Field: "password", Message: u.T(r, "Too many wrong passwords. Wait a minute and try again.")})
	}
	if _, err := u.Users.Authenticate(r.Context(), me.Username, r.PostForm.Get("password")); err != nil {
		if errors.Is(err, user.ErrBadCredentials) {
			if err := u.PayPasswordFailed(r.Context(), key); err != nil {
				return err
			}
			return u.FormError(w, r, "app/pay", p, &errs.Error{Kind: errs.KindInvalid, Field: "password", Message: u.T(r, "That password is not right. Nothing was charged.")})
		}
		return err
	}
	o, err := u.Pay.Pay(r.Context(), d.Order.ID, me.ID)
	if err != nil {
		return u.FormError(w, r, "app/pay", p, err)
	}
	if d.Return != "" {
		http.Redirect(w, r, d.Return, http.StatusSeeOther)
		return nil
	}
	return u.Redirect(w, r, fmt.Sprintf("/chat/%d", o.AccountID), u.T(r, "Paid %s to %s.", u.Locale(r).Money(o.Amount), d.Merchant.DisplayName))
}

type myOrdersData struct {
	Orders  []*pay.PersonOrder
	Balance int64
	Moves   []pay.Movement
}

func (u *UI) myOrders(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	d := &myOrdersData{}
	var err error
	if d.Orders, err = u.Pay.PersonOrders(r.Context(), me.ID, 100); err != nil {
		return err
	}
	if d.Balance, err = u.Pay.Balance(r.Context(), pay.OwnerWallet, me.ID); err != nil {
		return err
	}
	if d.Moves, err = u.Pay.Movements(r.Context(), pay.OwnerWallet, me.ID, 20); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "app/pay_orders", u.NewPage(w, r, "Orders and wallet", d))
}

// Admin: wallet credits.
