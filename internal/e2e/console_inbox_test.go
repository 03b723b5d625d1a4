package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

// TestInboxUnreadRowsAreWholeRows: on a desktop screen, a conversation with
// unread messages is a row like the others, as tall as a read one and as
// wide as the queue, with its name, preview and Take button side by side
// inside it (the chat list's red unread badge must not restyle it).
func TestInboxUnreadRowsAreWholeRows(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	people := map[string]*user.Person{}
	for u, dn := range map[string]string{"hana": "Hana Harbour", "mei": "Mei Lin", "kai": "Kai Wong"} {
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
	for _, u := range []string{"mei", "kai"} {
		if _, err := s.App.Follows.Follow(ctx, bank.ID, people[u].ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Chat.Receive(ctx, bank.ID, people[u].ID, "text", messageBody("Hello from "+u+", is the branch open on Sunday?")); err != nil {
			t.Fatal(err)
		}
	}
	tab := Browser(t)
	do(t, tab, "use a 1280 px desktop screen", chromedp.EmulateViewport(1280, 900))
	msgSignIn(t, tab, s, "hana", pw)
	base := fmt.Sprintf("%s/mp/a/%d/inbox", s.URL, bank.ID)
	// Opening Kai's conversation reads it; Mei's stays unread.
	do(t, tab, "read Kai's conversation", chromedp.Navigate(fmt.Sprintf("%s/%d", base, people["kai"].ID)), chromedp.WaitVisible(chromedp.CSS(`nav.accountnav`)))
	do(t, tab, "open the inbox", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS(`[data-testid=inbox-queue]`)))
	type box struct{ Height, Width, Queue, Take, NameBottom, PreviewTop float64 }
	measure := func(sel string) box {
		return run(t, tab, "measure "+sel, chromedp.Evaluate[box](`(() => {
			const row = document.querySelector(`+"`"+sel+"`"+`);
			if (!row) return {};
			const r = row.getBoundingClientRect(), q = row.parentElement.getBoundingClientRect();
			const take = row.querySelector("form button"), name = row.querySelector("strong"), preview = row.querySelector(".queue-preview");
			return {Height: r.height, Width: r.width, Queue: q.width, Take: take ? take.getBoundingClientRect().height : 0,
				NameBottom: name.getBoundingClientRect().bottom, PreviewTop: preview.getBoundingClientRect().top};
		})()`))
	}
	unread, read := measure(`li.queue-row.unread`), measure(`li.queue-row:not(.unread)`)
	if unread.Height == 0 || read.Height == 0 {
		t.Fatalf("want one unread and one read row; got unread %+v, read %+v", unread, read)
	}
	if unread.Height < read.Height {
		t.Errorf("the unread row is %.0f px tall, the read one %.0f px: unread rows must not collapse", unread.Height, read.Height)
	}
	if unread.Height < unread.Take {
		t.Errorf("the unread row (%.0f px) is shorter than its Take button (%.0f px)", unread.Height, unread.Take)
	}
	if unread.Width < unread.Queue-1 {
		t.Errorf("the unread row is %.0f px wide in a %.0f px queue", unread.Width, unread.Queue)
	}
	if unread.PreviewTop < unread.NameBottom-1 {
		t.Errorf("the unread row's preview (top %.0f) overlaps its name (bottom %.0f)", unread.PreviewTop, unread.NameBottom)
	}
	bg := run(t, tab, "read the unread row's background", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("li.queue-row.unread")).backgroundColor`))
	if read := run(t, tab, "read the read row's background", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("li.queue-row:not(.unread)")).backgroundColor`)); bg != read {
		t.Errorf("the unread row's background is %s, a read row's %s: it must not turn into a badge", bg, read)
	}
}
