package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Orders created by staff from the console's catalogue (source "console"):
// the order has no payer yet, so whoever opens its pay link pays it. Staff
// send the link in chat or show its QR code at a counter.

// payConsoleOrder creates an order for a product, through the same
// pay.Store.CreateOrder as every other order.
func (u *UI) payConsoleOrder(w http.ResponseWriter, r *http.Request) error {
	pc, pr, err := u.payConsoleProduct(r)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	in := pay.NewOrder{AccountID: pc.c.Account.ID, ProductID: pr.ID, Source: pay.SourceConsole,
		OutTradeNo: strings.TrimSpace(r.PostForm.Get("nonce")), Description: r.PostForm.Get("note")}
	q := strings.TrimSpace(r.PostForm.Get("quantity"))
	if q == "" {
		q = "1"
	}
	if in.Quantity, err = strconv.ParseInt(q, 10, 64); err != nil || in.Quantity < 1 {
		err = errs.FieldInvalid("quantity", "Choose a quantity from 1 to 99.")
	} else {
		var o *pay.Order
		if o, err = u.Pay.CreateOrder(r.Context(), in); err == nil {
			return u.Redirect(w, r, fmt.Sprintf("%s/orders/%d", pc.base(), o.ID), "Order created. Send its link or show its QR code to the buyer.")
		}
	}
	var e *errs.Error
	if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	p := u.NewPage(w, r, pr.Name, nil)
	p.Console = pc.c
	// The product's edit form on the same page keeps the product's values.
	p.Form = url.Values{"name": {pr.Name}, "price": {strings.TrimPrefix(pay.FormatFen(pr.Price), "¥")}, "stock": {strconv.FormatInt(pr.Stock, 10)},
		"description": {pr.Description}, "quantity": {r.PostForm.Get("quantity")}, "note": {r.PostForm.Get("note")}}
	switch e.Field {
	case "quantity":
		p.Fields["quantity"] = e.Message
	case "description":
		p.Fields["note"] = e.Message
	default:
		p.Fields["order"] = e.Message
	}
	return u.renderPayProducts(w, r, p, pc, pr, web.Status(err))
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
func (u *UI) payOrderQR(w http.ResponseWriter, r *http.Request) error {
	pc, err := u.payConsole(r, true)
	if err != nil {
		return err
	}
	oid, err := core.PathID(r, "order")
	if err != nil {
		return err
	}
	o, err := u.Pay.Order(r.Context(), pc.c.Account.ID, oid)
	if err != nil {
		return err
	}
	link := u.consolePayURL(o)
	if link == "" {
		return db.ErrNotFound
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
