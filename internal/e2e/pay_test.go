package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/user"
)

// TestBuyFlow: the owner enables payments and adds a product, sends its card
// to a follower; the follower opens the card, buys, pays in the pay sheet
// with the password and sees the receipt in the chat; the owner refunds
// part of the order. Everything on a 360 px phone.
func TestBuyFlow(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	people := map[string]*user.Person{}
	for u, dn := range map[string]string{"hana": "Hana Harbour", "mei": "Mei Lin", "ada": "Ada Admin"} {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: u, DisplayName: dn, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		people[u] = p
	}
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: people["hana"].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, people["mei"].ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Chat.Receive(ctx, bank.ID, people["mei"].ID, message.KindText, message.Body{Text: "Do you sell piggy banks?"}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Pay.TopUp(ctx, people["ada"].ID, people["mei"].ID, 10000, "welcome"); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("%s/mp/a/%d/pay", s.URL, bank.ID)

	owner := Browser(t)
	signIn(t, owner, s, "hana", pw, fmt.Sprintf("/mp/a/%d/pay", bank.ID), `[data-testid=merchant-form]`)
	do(t, owner, "enable payments",
		chromedp.Click(byText("button", "Enable payments")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=merchant-balance]`)),
	)
	fitsWidth(t, owner, PhoneWidth, "the payments page")
	do(t, owner, "add a product",
		chromedp.Navigate(base+"/products"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=product-form] input[name=name]`), "Piggy bank"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=product-form] input[name=price]`), "25.50"),
		chromedp.Click(byText("button", "Add product")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@data-testid="product-name"][normalize-space()="Piggy bank"]`)),
	)
	fitsWidth(t, owner, PhoneWidth, "the product page")
	do(t, owner, "send the card to mei",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-card] input[name=follower]`), "mei"),
		chromedp.Click(byText("button", "Send product card")),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(., "Product card sent to Mei Lin.")]`)),
	)

	fan := Browser(t)
	signIn(t, fan, s, "mei", pw, fmt.Sprintf("/chat/%d", bank.ID), `[data-testid=menubar], ol[data-testid=messages]`)
	do(t, fan, "open the product card and buy",
		chromedp.Click(chromedp.Search(`//ol[@data-testid="messages"]//a[contains(@href, "/shop/")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@data-testid="shop-price"][normalize-space()="¥25.50"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=buy]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@data-testid="pay-amount"][normalize-space()="¥25.50"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[@data-testid="wallet-balance"][normalize-space()="¥100.00"]`)),
	)
	fitsWidth(t, fan, PhoneWidth, "the pay sheet")
	do(t, fan, "a wrong password charges nothing",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=pay-form] input[name=password]`), "not my password"),
		chromedp.Click(chromedp.CSS(`[data-testid=pay-confirm]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=pay-field-error]`)),
	)
	do(t, fan, "pay with the password and see the receipt",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=pay-form] input[name=password]`), pw),
		chromedp.Click(chromedp.CSS(`[data-testid=pay-confirm]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//li[@data-kind="receipt"][contains(., "Paid ¥25.50 to Harbour Bank")]`)),
	)
	fitsWidth(t, fan, PhoneWidth, "the chat with the receipt")
	do(t, fan, "see the order in the profile",
		chromedp.Navigate(s.URL+"/me"),
		chromedp.Click(chromedp.CSS(`[data-testid=me-orders]`)),
		chromedp.WaitVisible(chromedp.Search(`//ul[@data-testid="my-orders"]//strong[normalize-space()="Piggy bank"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[@data-testid="wallet"][normalize-space()="¥74.50"]`)),
	)

	do(t, owner, "refund part of the order",
		chromedp.Navigate(base+"/orders"),
		chromedp.Click(chromedp.Search(`//table[@data-testid="orders"]//a[normalize-space()="Piggy bank"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=refund-form] input[name=amount]`), "10"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=refund-form] input[name=reason]`), "scratched"),
		chromedp.Click(byText("button", "Refund")),
		chromedp.WaitVisible(chromedp.Search(`//span[@data-testid="order-state"][normalize-space()="partly refunded"]`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[@data-testid="order-refunded"][normalize-space()="¥10.00"]`)),
	)
	fitsWidth(t, owner, PhoneWidth, "the order page")
	if b, _ := s.App.Pay.Balance(ctx, pay.OwnerWallet, people["mei"].ID); b != 10000-2550+1000 {
		t.Fatalf("mei's wallet holds %d fen after the refund", b)
	}
	do(t, fan, "see the refund receipt",
		chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//li[@data-kind="receipt"][contains(., "Refund of ¥10.00 from Harbour Bank")]`)),
	)
	// Every payments page fits a 360 px phone.
	for _, b := range []struct {
		ctx   context.Context
		pages []string
	}{
		{owner, []string{base, base + "/products", base + "/orders", base + "/settlement"}},
		{fan, []string{s.URL + "/me/orders", s.URL + fmt.Sprintf("/chat/%d", bank.ID)}},
	} {
		do(t, b.ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
		for _, pg := range b.pages {
			do(t, b.ctx, "open "+pg, chromedp.Navigate(pg), chromedp.WaitVisible(chromedp.CSS(`main, body`)))
			fitsWidth(t, b.ctx, SmallPhoneWidth, strings.TrimPrefix(pg, s.URL))
		}
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
