package ui_test

import (
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/qrcode"
)

var consoleOrderLoc = regexp.MustCompile(`/pay/orders/(\d+)$`)

// TestStaffCreateAnOrderFromTheCatalogue: the owner creates an order for a
// product; its page shows a pay link and a QR code of that link; a
// follower who opens the link pays it in the pay sheet and the orders list
// shows it paid, from the console. Agents, other accounts' products,
// products not on sale or sold out, and a disabled merchant are refused.
func TestStaffCreateAnOrderFromTheCatalogue(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	ctx := context.Background()
	hana := w.bankMerchant(t)
	tea, err := w.s.App.Pay.SaveProduct(ctx, w.bank.ID, 0, pay.ProductInput{Name: "Tea tin", Price: 1250, Stock: 3, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := w.s.App.Pay.SaveProduct(ctx, w.bank.ID, 0, pay.ProductInput{Name: "Old mug", Price: 900, Stock: 4, Active: false})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := w.s.App.Pay.SaveProduct(ctx, w.bank.ID, 0, pay.ProductInput{Name: "Umbrella", Price: 3000, Stock: 0, Active: true})
	if err != nil {
		t.Fatal(err)
	}

	if r := hana.Get(w.mp(w.bank, "/products")); !r.Contains(fmt.Sprintf(`/products/%d#order`, tea.ID)) {
		t.Fatal("the catalogue has no Create order action")
	}
	if r := hana.Get(w.mp(w.bank, fmt.Sprintf("/products/%d", tea.ID))); !r.Contains(`data-testid="create-order"`) {
		t.Fatal("the product page has no Create order form")
	}
	path := func(pid int64) string { return w.mp(w.bank, fmt.Sprintf("/products/%d/order", pid)) }
	countOrders := func() int {
		os, err := w.s.App.Pay.Orders(ctx, w.bank.ID, pay.OrderFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(os)
	}

	// Refusals show the store's reason on the form and store nothing.
	if r := hana.PostForm(path(gone.ID), url.Values{"quantity": {"1"}, "nonce": {"K-test-gone"}}); r.Status != http.StatusConflict || !r.Contains("Old mug is no longer on sale.") || !r.Contains(`value="Old mug"`) {
		t.Fatalf("inactive product: %d\n%s", r.Status, r.Body)
	}
	if r := hana.PostForm(path(empty.ID), url.Values{"quantity": {"1"}, "nonce": {"K-test-empty"}}); r.Status != http.StatusConflict || !r.Contains("Umbrella is sold out.") {
		t.Fatalf("sold-out product: %d", r.Status)
	}
	if r := hana.PostForm(path(tea.ID), url.Values{"quantity": {"5"}, "nonce": {"K-test-many"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("Only 3 left.") || !r.Contains(`value="5"`) {
		t.Fatalf("more than the stock: %d", r.Status)
	}
	// Agents have no payments role; another account's product is not found.
	if r := w.client(t, "sam").PostForm(path(tea.ID), url.Values{"quantity": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("agent created an order: %d", r.Status)
	}
	other, err := w.s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Pier Cafe",
		Status: account.StatusActive, OwnerID: w.people["lin"].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.App.Pay.EnableMerchant(ctx, other, "Pier Cafe", ""); err != nil {
		t.Fatal(err)
	}
	cake, err := w.s.App.Pay.SaveProduct(ctx, other.ID, 0, pay.ProductInput{Name: "Cake", Price: 500, Stock: 9, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := hana.PostForm(path(cake.ID), url.Values{"quantity": {"1"}}); r.Status != http.StatusNotFound {
		t.Fatalf("another account's product: %d", r.Status)
	}
	if n := countOrders(); n != 0 {
		t.Fatalf("refused requests stored %d orders", n)
	}
	if os, _ := w.s.App.Pay.Orders(ctx, other.ID, pay.OrderFilter{Limit: 10}); len(os) != 0 {
		t.Fatal("an order was made for another account's product")
	}

	// The owner creates an order for two tins with a note.
	form := url.Values{"quantity": {"2"}, "note": {"Two tins for table 4"}, "nonce": {"K-test-0001"}}
	r := hana.PostForm(path(tea.ID), form)
	m := consoleOrderLoc.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q %s", r.Status, r.Location, r.Body)
	}
	// A double click is the same order.
	if r2 := hana.PostForm(path(tea.ID), form); r2.Location != r.Location {
		t.Fatalf("double click made another order: %q vs %q", r2.Location, r.Location)
	}
	var oid int64
	fmt.Sscan(m[1], &oid)
	o, err := w.s.App.Pay.Order(ctx, w.bank.ID, oid)
	if err != nil || o.Source != pay.SourceConsole || o.Amount != 2500 || o.Quantity != 2 || o.Description != "Two tins for table 4" || o.PersonID != 0 {
		t.Fatalf("order %+v %v", o, err)
	}
	link := fmt.Sprintf("%s/pay/%d", w.s.URL, oid)
	page := hana.Get(r.Location)
	if !page.Contains(`href="`+link+`"`) || !page.Contains(`data-testid="pay-qr"`) {
		t.Fatalf("order page has no pay link:\n%s", page.Body)
	}
	qr := hana.Get(r.Location + "/qr.png")
	if qr.Status != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: %d %q", qr.Status, qr.Header.Get("Content-Type"))
	}
	img, err := png.Decode(strings.NewReader(qr.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := qrcode.Decode(img); err != nil || got != link {
		t.Fatalf("the QR code reads %q (%v), want %q", got, err, link)
	}
	// Nobody outside the account reaches the QR code.
	if r := w.client(t, "sam").Get(r.Location + "/qr.png"); r.Status != http.StatusForbidden {
		t.Fatalf("agent QR: %d", r.Status)
	}
	if r := w.client(t, "lin").Get(w.mp(other, fmt.Sprintf("/orders/%d/qr.png", oid))); r.Status != http.StatusNotFound {
		t.Fatalf("another account's QR: %d", r.Status)
	}

	// Mei opens the link and pays in the pay sheet.
	ada := w.client(t, "ada")
	if r := ada.PostForm("/admin/wallets", url.Values{"username": {"mei"}, "amount": {"100"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("credit: %d", r.Status)
	}
	mei := w.client(t, "mei")
	sheet := strings.TrimPrefix(link, w.s.URL)
	if r := mei.Get(sheet); r.Status != http.StatusOK || !r.Contains("¥25.00") || !r.Contains("Harbour Bank Shop") {
		t.Fatalf("pay sheet: %d\n%s", r.Status, r.Body)
	}
	if r := mei.PostForm(sheet, url.Values{"password": {payPW}}); r.Status != http.StatusSeeOther {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	// Paid once: nobody else pays it again.
	if r := w.client(t, "bob").PostForm(sheet, url.Values{"password": {payPW}}); r.Status == http.StatusSeeOther {
		t.Fatal("bob paid mei's paid order")
	}
	if b, _ := w.s.App.Pay.Balance(ctx, pay.OwnerWallet, w.people["mei"].ID); b != 10000-2500 {
		t.Fatalf("mei's wallet %d", b)
	}
	list := hana.Get(w.mp(w.bank, "/orders?state=paid"))
	if !list.Contains("Two tins for table 4") || !list.Contains("K-test-0001 · console") {
		t.Fatalf("orders list:\n%s", list.Body)
	}
	// Once paid, the link and QR code are gone from the order page.
	if r := hana.Get(r.Location); r.Contains(`data-testid="pay-qr"`) || !r.Contains("Mei") {
		t.Fatal("the paid order still offers its pay link, or has no buyer")
	}
	if r := hana.Get(r.Location + "/qr.png"); r.Status != http.StatusNotFound {
		t.Fatalf("QR of a paid order: %d", r.Status)
	}

	// A disabled merchant takes no new orders; a Subscription account has no catalogue.
	if r := hana.PostForm(w.mp(w.bank, "/disable"), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if r := hana.PostForm(path(tea.ID), url.Values{"quantity": {"1"}}); r.Status != http.StatusConflict || !r.Contains("does not take payments at the moment") {
		t.Fatalf("disabled merchant: %d", r.Status)
	}
	if r := w.client(t, "lin").PostForm(w.mp(w.lotus, fmt.Sprintf("/products/%d/order", tea.ID)), url.Values{"quantity": {"1"}}); r.Status == http.StatusSeeOther {
		t.Fatal("a Subscription account created an order")
	}
	if n := countOrders(); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	if _, err := w.s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
