package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/ui/core"
)

// Orders created by staff from the console's catalogue (source "console"):
// the order has no payer yet, so whoever opens its pay link pays it. Staff
// send the link in chat or show its QR code at a counter.

// payConsoleOrder creates an order for a product, through the same
// pay.Store.CreateOrder as every other order.
func (u *UI) payConsoleOrder(r *http.Request, c *core.ConsoleCtx, pp *payProductCtx) (core.Done, error) {
	in := pay.NewOrder{AccountID: c.Account.ID, ProductID: pp.product.ID, Source: pay.SourceConsole,
		OutTradeNo: strings.TrimSpace(r.PostForm.Get("nonce")), Description: r.PostForm.Get("note")}
	q := strings.TrimSpace(r.PostForm.Get("quantity"))
	if q == "" {
		q = "1"
	}
	var err error
	if in.Quantity, err = strconv.ParseInt(q, 10, 64); err != nil || in.Quantity < 1 {
		return core.Done{}, errs.FieldInvalid("quantity", "Choose a quantity from 1 to 99.")
	}
	o, err := u.Pay.CreateOrder(r.Context(), in)
	if err != nil {
		// The order form's fields: quantity and note; anything else shows
		// over the form.
		if e := core.UserError(err); e != nil {
			switch e.Field {
			case "quantity":
			case "description":
				err = onField(err, "note")
			default:
				err = onField(err, "order")
			}
		}
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("pay/orders/%d", o.ID), Flash: "Order created. Send its link or show its QR code to the buyer."}, nil
}

// loadConsoleOrderForm is the product's page re-shown after its order form
// failed: the product's edit form on the same page keeps the product's
// values.
func (u *UI) loadConsoleOrderForm(r *http.Request, p *core.Page) error {
	if err := u.loadPayProduct(r, p); err != nil {
		return err
	}
	pr := p.Data.(*payProductsData).Product
	p.Form = url.Values{"name": {pr.Name}, "price": {strings.TrimPrefix(pay.FormatFen(pr.Price), "¥")}, "stock": {strconv.FormatInt(pr.Stock, 10)},
		"description": {pr.Description}, "quantity": {r.PostForm.Get("quantity")}, "note": {r.PostForm.Get("note")}}
	return nil
}

// consolePayURL is the pay sheet's address for an open console order, ""
// for any other order.
func (u *UI) consolePayURL(o *pay.Order) string {
	if o.Source != pay.SourceConsole || o.State != pay.StateCreated || o.PersonID != 0 {
		return ""
	}
	return fmt.Sprintf("%s/pay/%d", strings.TrimRight(u.BaseURL, "/"), o.ID)
}

// payOrderQR is the PNG QR code of an open console order's pay link.
func (u *UI) payOrderQR(w http.ResponseWriter, r *http.Request, pc *payCtx) error {
	o, err := core.InPath(r, pc.c.Account.ID, "order", u.Pay.Order)
	if err != nil {
		return err
	}
	link := u.consolePayURL(o)
	if link == "" {
		return errs.NotFound
	}
	code, err := qrcode.Encode([]byte(link))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(code.PNG(8))
	return err
}
