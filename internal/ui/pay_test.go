package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

const payPW = "a long enough secret"

type payWorld struct {
	s      *apptest.Server
	people map[string]*user.Person
	bank   *account.Account // Service
	lotus  *account.Account // Subscription, another owner
}

func newPayWorld(t *testing.T) *payWorld {
	t.Helper()
	s := apptest.New(t)
	ctx := context.Background()
	w := &payWorld{s: s, people: map[string]*user.Person{}}
	for _, u := range []struct{ name, role string }{{"hana", ""}, {"lin", ""}, {"sam", ""}, {"mei", ""}, {"bob", ""}, {"ada", user.RoleAdmin}, {"rui", user.RoleReviewer}} {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: u.name, DisplayName: strings.ToUpper(u.name[:1]) + u.name[1:], Password: payPW, PlatformRole: u.role})
		if err != nil {
			t.Fatal(err)
		}
		w.people[u.name] = p
	}
	var err error
	if w.bank, err = s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: w.people["hana"].ID}); err != nil {
		t.Fatal(err)
	}
	if w.lotus, err = s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea",
		Status: account.StatusActive, OwnerID: w.people["lin"].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Accounts.Invite(ctx, w.bank.ID, account.RoleOwner, "sam", account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mei", "bob"} {
		if _, err := s.App.Follows.Follow(ctx, w.bank.ID, w.people[f].ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *payWorld) client(t *testing.T, name string) *apptest.Client {
	t.Helper()
	c := w.s.Client(t)
	if r := c.SignIn(name, payPW); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", name, r.Status)
	}
	return c
}

// bankMerchant signs in hana, the bank's owner, and enables payments for
// the bank from its console as "Harbour Bank Shop".
func (w *payWorld) bankMerchant(t *testing.T) *apptest.Client {
	t.Helper()
	hana := w.client(t, "hana")
	if r := hana.PostForm(w.mp(w.bank, "/merchant"), url.Values{"display_name": {"Harbour Bank Shop"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.Status)
	}
	return hana
}

func (w *payWorld) mp(a *account.Account, rest string) string {
	return fmt.Sprintf("/mp/a/%d/pay%s", a.ID, rest)
}

func TestSubscriptionAccountSeesWhyItCannotTakePayments(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	lin := w.client(t, "lin")
	r := lin.Get(w.mp(w.lotus, ""))
	if r.Status != http.StatusOK || !r.Contains("Payments are a Service account feature") || r.Contains("merchant-form") {
		t.Fatalf("Subscription payments page: %d\n%s", r.Status, r.Body)
	}
	r = lin.PostForm(w.mp(w.lotus, "/merchant"), url.Values{"display_name": {"Lotus"}})
	if r.Status != http.StatusConflict || !r.Contains("Service account feature") {
		t.Fatalf("enable on Subscription: %d", r.Status)
	}
	if _, err := w.s.App.Pay.Merchant(context.Background(), w.lotus.ID); err == nil {
		t.Fatal("a merchant profile was stored for a Subscription account")
	}
	// Agents have no payments role; other accounts' owners see nothing.
	if r := w.client(t, "sam").Get(w.mp(w.bank, "")); r.Status != http.StatusForbidden {
		t.Fatalf("agent on payments: %d", r.Status)
	}
	if r := lin.Get(w.mp(w.bank, "")); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
		t.Fatalf("another account's owner on payments: %d", r.Status)
	}
}

var orderLink = regexp.MustCompile(`/pay/(\d+)`)

// TestBuyFlowThroughTheWebFaces: the owner enables payments and adds a
// product (bad input re-renders the form and stores nothing), sends a card
// to a follower, an admin credits the follower's wallet, the follower buys
// and pays with the password, sees the receipt and the order; the owner
// refunds part, exports CSV and sees the settlement; other accounts and
// people see none of it.
func TestBuyFlowThroughTheWebFaces(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	ctx := context.Background()
	hana := w.client(t, "hana")
	if r := hana.PostForm(w.mp(w.bank, "/merchant"), url.Values{"display_name": {"Harbour Bank Shop"}, "notify_url": {"ftp://x"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("must start with https://") {
		t.Fatalf("bad notify URL: %d", r.Status)
	}
	if r := hana.PostForm(w.mp(w.bank, "/merchant"), url.Values{"display_name": {"Harbour Bank Shop"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	// A bad price: the form comes back with the message and the typed name.
	r := postMultipart(t, w.s, hana, w.mp(w.bank, "/products"), url.Values{"name": {"Piggy bank"}, "price": {"12.345"}, "stock": {"5"}, "active": {"1"}}, nil)
	if r.Status != http.StatusUnprocessableEntity || !r.Contains("Enter an amount in yuan") || !r.Contains(`value="Piggy bank"`) {
		t.Fatalf("bad price: %d", r.Status)
	}
	if ps, _ := w.s.App.Pay.Products(ctx, w.bank.ID, false); len(ps) != 0 {
		t.Fatal("a product with a bad price was stored")
	}
	r = postMultipart(t, w.s, hana, w.mp(w.bank, "/products"), url.Values{"name": {"Piggy bank"}, "price": {"25.50"}, "stock": {"5"}, "active": {"1"}},
		map[string]upload{"image": {"pig.png", testPNG()}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add product: %d %s", r.Status, r.Body)
	}
	ps, _ := w.s.App.Pay.Products(ctx, w.bank.ID, false)
	if len(ps) != 1 || ps[0].Price != 2550 || ps[0].ImageKey == "" {
		t.Fatalf("products %+v", ps)
	}
	product := ps[0]

	// The card needs an open window: mei writes first.
	if r := hana.PostForm(w.mp(w.bank, fmt.Sprintf("/products/%d/send", product.ID)), url.Values{"follower": {"mei"}}); r.Status != http.StatusConflict || !r.Contains("48 hours") {
		t.Fatalf("card outside the window: %d", r.Status)
	}
	if _, err := w.s.App.Chat.Receive(ctx, w.bank.ID, w.people["mei"].ID, message.KindText, message.Body{Text: "Do you sell piggy banks?"}); err != nil {
		t.Fatal(err)
	}
	if r := hana.PostForm(w.mp(w.bank, fmt.Sprintf("/products/%d/send", product.ID)), url.Values{"follower": {"mei"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send card: %d %s", r.Status, r.Body)
	}
	mei := w.client(t, "mei")
	chat := mei.Get(fmt.Sprintf("/chat/%d", w.bank.ID))
	if !chat.Contains(fmt.Sprintf(`href="/shop/%d"`, product.ID)) || !chat.Contains("Piggy bank") {
		t.Fatalf("the product card is not in mei's chat:\n%s", chat.Body)
	}

	// Only admins credit wallets; the credit is audited.
	if r := w.client(t, "rui").PostForm("/admin/wallets", url.Values{"username": {"mei"}, "amount": {"100"}}); r.Status != http.StatusForbidden {
		t.Fatalf("reviewer credit: %d", r.Status)
	}
	ada := w.client(t, "ada")
	if r := ada.PostForm("/admin/wallets", url.Values{"username": {"nobody"}, "amount": {"100"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("no person with that username") {
		t.Fatalf("credit to nobody: %d", r.Status)
	}
	if r := ada.PostForm("/admin/wallets", url.Values{"username": {"mei"}, "amount": {"100"}, "memo": {"welcome"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("credit: %d %s", r.Status, r.Body)
	}
	if r := ada.Get("/admin/wallets"); !r.Contains("ledger-ok") || !r.Contains("credit to @mei") {
		t.Fatalf("wallets page:\n%s", r.Body)
	}
	if entries, _ := w.s.App.Review.SearchAudit(ctx, review.AuditFilter{Action: "wallet.credit"}); len(entries) != 1 || !strings.Contains(entries[0].Detail, "¥100.00") {
		t.Fatalf("audit %+v", entries)
	}

	// Mei buys.
	if r := mei.Get(fmt.Sprintf("/shop/%d", product.ID)); !r.Contains("¥25.50") || !r.Contains("Harbour Bank Shop") {
		t.Fatalf("product page:\n%s", r.Body)
	}
	r = mei.PostForm(fmt.Sprintf("/shop/%d", product.ID), url.Values{"quantity": {"2"}, "nonce": {"C-test-0001"}})
	m := orderLink.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("buy: %d %q", r.Status, r.Location)
	}
	if r := mei.PostForm(fmt.Sprintf("/shop/%d", product.ID), url.Values{"quantity": {"9"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("Only 5 left.") {
		t.Fatalf("more than the stock: %d", r.Status)
	}
	// From an article's link, the order records where it came from.
	if r := mei.Get(fmt.Sprintf("/shop/%d?from=article", product.ID)); !r.Contains(`name="from" value="article"`) {
		t.Fatal("the product page opened from an article forgets it")
	}
	ra := mei.PostForm(fmt.Sprintf("/shop/%d", product.ID), url.Values{"quantity": {"1"}, "from": {"article"}})
	if ma := orderLink.FindStringSubmatch(ra.Location); ma == nil {
		t.Fatalf("buy from article: %d", ra.Status)
	} else if oid, _ := strconv.ParseInt(ma[1], 10, 64); true {
		if o, err := w.s.App.Pay.Order(ctx, w.bank.ID, oid); err != nil || o.Source != pay.SourceArticle {
			t.Fatalf("order from an article: %+v %v", o, err)
		}
	}
	// A double click is the same order.
	if r2 := mei.PostForm(fmt.Sprintf("/shop/%d", product.ID), url.Values{"quantity": {"2"}, "nonce": {"C-test-0001"}}); r2.Location != r.Location {
		t.Fatalf("double click made another order: %q vs %q", r2.Location, r.Location)
	}
	sheet := m[0]
	if r := mei.Get(sheet); !r.Contains("¥51.00") || !r.Contains("Harbour Bank Shop") || !r.Contains("¥100.00") {
		t.Fatalf("pay sheet:\n%s", r.Body)
	}
	// Nobody else can see or pay it.
	bo := w.client(t, "bob")
	if r := bo.Get(sheet); r.Status != http.StatusNotFound {
		t.Fatalf("bo opened mei's pay sheet: %d", r.Status)
	}
	if r := bo.PostForm(sheet, url.Values{"password": {payPW}}); r.Status != http.StatusNotFound {
		t.Fatalf("bo paid mei's order: %d", r.Status)
	}
	if r := mei.PostForm(sheet, url.Values{"password": {"wrong password"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("Nothing was charged") {
		t.Fatalf("wrong password: %d", r.Status)
	}
	if b, _ := w.s.App.Pay.Balance(ctx, pay.OwnerWallet, w.people["mei"].ID); b != 10000 {
		t.Fatalf("charged after a wrong password: %d", b)
	}
	r = mei.PostForm(sheet, url.Values{"password": {payPW}})
	if r.Status != http.StatusSeeOther || r.Location != fmt.Sprintf("/chat/%d", w.bank.ID) {
		t.Fatalf("pay: %d %q %s", r.Status, r.Location, r.Body)
	}
	if r := mei.PostForm(sheet, url.Values{"password": {payPW}}); r.Status != http.StatusConflict {
		t.Fatalf("paid twice: %d", r.Status)
	}
	chat = mei.Get(fmt.Sprintf("/chat/%d", w.bank.ID))
	if !chat.Contains("Paid ¥51.00 to Harbour Bank Shop") {
		t.Fatalf("no receipt in the chat:\n%s", chat.Body)
	}
	if r := mei.Get("/me/orders"); !r.Contains("Piggy bank × 2") || !r.Contains("¥49.00") || !r.Contains("paid") {
		t.Fatalf("order list:\n%s", r.Body)
	}
	if r := mei.Get("/me"); !r.Contains(`href="/me/orders"`) {
		t.Fatal("/me does not link to the orders")
	}
	orderID := strings.TrimPrefix(sheet, "/pay/")

	// The owner refunds part; more than what is left is refused.
	orderPage := w.mp(w.bank, "/orders/"+orderID)
	if r := hana.Get(orderPage); !r.Contains("Up to ¥51.00 can be refunded") {
		t.Fatalf("order page:\n%s", r.Body)
	}
	if r := hana.PostForm(orderPage+"/refund", url.Values{"amount": {"60"}, "out_refund_no": {"R-test-1"}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("At most ¥51.00 can still be refunded") {
		t.Fatalf("over-refund: %d", r.Status)
	}
	if r := hana.PostForm(orderPage+"/refund", url.Values{"amount": {"20.5"}, "reason": {"one was cracked"}, "out_refund_no": {"R-test-2"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	// Submitted twice (double click): refunded once.
	hana.PostForm(orderPage+"/refund", url.Values{"amount": {"20.5"}, "reason": {"one was cracked"}, "out_refund_no": {"R-test-2"}})
	if b, _ := w.s.App.Pay.Balance(ctx, pay.OwnerWallet, w.people["mei"].ID); b != 10000-5100+2050 {
		t.Fatalf("wallet after refund %d", b)
	}
	if r := hana.Get(orderPage); !r.Contains("partially_refunded") || !r.Contains("one was cracked") {
		t.Fatalf("order page after refund:\n%s", r.Body)
	}
	// A refused change names the order's state, in the reader's language.
	if r := hana.PostForm(orderPage+"/close", url.Values{}); !r.Contains("This order is partly refunded and cannot be closed.") {
		t.Errorf("closing a partly refunded order: %d\n%s", r.Status, r.Body)
	}
	wantStatus(t, hana.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	if r := hana.PostForm(orderPage+"/close", url.Values{}); !r.Contains("此订单状态为部分退款，无法关闭。") {
		t.Errorf("closing a partly refunded order, in Chinese: %d\n%s", r.Status, r.Body)
	}
	wantStatus(t, hana.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	if chat := mei.Get(fmt.Sprintf("/chat/%d", w.bank.ID)); !chat.Contains("Refund of ¥20.50 from Harbour Bank Shop") {
		t.Fatal("no refund receipt in the chat")
	}
	if r := hana.Get(w.mp(w.bank, "/orders?state=partially_refunded")); !r.Contains("Piggy bank × 2") {
		t.Fatal("state filter lost the order")
	}
	if r := hana.Get(w.mp(w.bank, "/orders?state=closed")); r.Contains("Piggy bank × 2") {
		t.Fatal("state filter shows a partly refunded order as closed")
	}
	csv := hana.Get(w.mp(w.bank, "/orders.csv"))
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.Body, "C-test-0001") || !strings.Contains(csv.Body, ",51.00,20.50") {
		t.Fatalf("csv:\n%s", csv.Body)
	}
	if r := hana.Get(w.mp(w.bank, "/settlement")); !r.Contains("¥51.00") || !r.Contains("¥30.50") {
		t.Fatalf("settlement:\n%s", r.Body)
	}
	// Another account's owner reaches nothing through their own account's
	// URLs either.
	lin := w.client(t, "lin")
	if r := lin.Get(w.mp(w.lotus, "/orders/"+orderID)); r.Status == http.StatusOK {
		t.Fatal("another account's owner opened the order")
	}
	if r := lin.PostForm(w.mp(w.lotus, "/orders/"+orderID+"/refund"), url.Values{"amount": {"1"}}); r.Status == http.StatusSeeOther {
		t.Fatal("another account's owner refunded the order")
	}
	if _, err := w.s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
