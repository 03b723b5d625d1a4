package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
)

// demoArticle is one article of a demo publication.
type demoArticle struct {
	title, author, digest, body string
}

// demoPublication is a publication of the demo and how it went out.
type demoPublication struct {
	daysAgo  int
	mass     bool // mass-sent (else only published)
	articles []demoArticle
	// comments and reply: the followers' comments and the account's reply
	// to the featured one; the English ones when empty.
	comments []string
	reply    string
}

var lotusPublications = []demoPublication{
	{daysAgo: 12, mass: true, articles: []demoArticle{
		{"Oolong, from leaf to cup", "Lin", "Why oolong sits between green and black tea, and how to brew it well.", `Oolong is a *partly oxidised* tea: the leaves are bruised and left to darken for a while, then fired to stop the change. That is why one oolong can taste of orchids and another of roasted nuts.

## Brewing

1. Warm the pot and the cups with hot water.
2. Use about **5 g of leaves** for 100 ml of water at 90–95 °C.
3. Rinse the leaves for five seconds and pour the water away.
4. Steep for 30 seconds, then add 10 seconds for every later infusion.

Good oolong gives six or seven infusions. Watch the leaves unfurl: by the last cup they are whole again.

> Tea is nought but this: first you heat the water, then you make the tea. — Sen no Rikyū`},
		{"Choosing a teapot", "Lin", "Clay, porcelain or glass: what each does to your tea.", `A **Yixing clay** pot keeps heat and slowly takes on the taste of the tea you brew in it, so keep one pot for one kind of tea.

**Porcelain** does not hold flavours: it is the honest choice for tasting. **Glass** lets you watch the leaves, which is half the pleasure of green tea.

Whatever you pick, never wash a clay pot with soap — hot water is enough.`},
	}},
	{daysAgo: 9, mass: true, articles: []demoArticle{
		{"Spring harvest: Longjing has arrived", "Lotus Tea House", "This year's pre-Qingming Dragon Well is in the shop.", `The first **Longjing** of the year was picked before Qingming, when the buds are small and sweet.

Brew it in a glass at 80 °C — boiling water scalds the leaves and makes them bitter. The leaves should stand upright in the glass, like a small forest.

We have 40 tins this spring. Members of our tea club can reserve one by replying *Longjing* in the chat.`},
	}},
	{daysAgo: 6, mass: false, articles: []demoArticle{
		{"Our tea house rules", "Lotus Tea House", "Opening hours, reservations and the quiet room.", `- Open every day from 10:00 to 22:00.
- The quiet room upstairs is for reading and tasting: please keep phones silent.
- Groups of six or more, please reserve a table a day ahead.

Thank you for keeping the tea house calm.`},
	}},
	{daysAgo: 3, mass: true, articles: []demoArticle{
		{"Pu-erh for beginners", "Mei Chen", "Raw or ripe, cake or loose: a short guide.", `Pu-erh comes from Yunnan and is often pressed into cakes that keep for decades.

| Kind | Taste | Brew |
|---|---|---|
| Raw (sheng) | bright, astringent, fruity | 90 °C, short steeps |
| Ripe (shou) | earthy, smooth, sweet | boiling, short steeps |

Break a few grams off the cake with a pick, rinse twice, and enjoy many infusions.`},
		{"Tea and food: three pairings", "Lin", "Which teas to serve with dim sum, cheese and chocolate.", `- **Dim sum** loves a roasted oolong: it cuts through the fat.
- **Hard cheese** meets its match in a ripe pu-erh.
- **Dark chocolate** and a smoky Lapsang Souchong are old friends.`},
		{"Workshop: cupping with the team", "Lotus Tea House", "Saturday afternoon: taste six teas side by side.", `Join us on Saturday at 15:00 to taste six teas side by side, the way buyers do. Seats are limited to twelve; tea and snacks included.`},
	}},
	{daysAgo: 1, mass: true, articles: []demoArticle{
		{"Why water matters", "Lin", "Soft water, fresh water, the right temperature.", `Tea is 99 % water, so the water decides a lot. Use **fresh, soft water**, never water boiled twice.

Green and white teas like 75–85 °C; oolongs 90–95 °C; black and pu-erh want it boiling. A kettle with a thermometer is the best tea accessory you can buy.`},
	}},
}

var harbourPublications = []demoPublication{
	{daysAgo: 10, mass: true, articles: []demoArticle{
		{"Five habits of good savers", "Harbour Bank", "Small habits that add up over a year.", `1. **Pay yourself first**: move a fixed amount to savings on payday.
2. Keep an emergency fund of three to six months of expenses.
3. Review subscriptions every quarter and cancel what you do not use.
4. Round up card payments into a savings pot.
5. Set a goal with a date — saving *for something* is easier.

Open a goal in the Harbour app under **Savings → Goals**.`},
		{"How compound interest works", "Harbour Bank", "Why starting early beats saving more later.", `Interest earns interest. 1,000 saved at 3 % a year becomes about **1,344 in ten years** and 1,806 in twenty, without adding a cent.

Start early, even with small amounts: time does most of the work.`},
	}},
	{daysAgo: 5, mass: false, articles: []demoArticle{
		{"Branch opening hours in December", "Harbour Bank", "Holiday hours for all branches.", `All branches are open **09:00–17:00** on weekdays in December, and closed on 25 and 26 December and 1 January.

The app and card services work as usual, day and night.`},
	}},
	{daysAgo: 2, mass: true, articles: []demoArticle{
		{"Protect your card from scams", "Harbour Bank Security", "We will never ask for your PIN or a verification code.", `Scammers pretend to be the bank. Remember:

- Harbour Bank **never** asks for your PIN, password or a verification code — not by phone, not in chat.
- Do not click links in text messages about "blocked cards".
- If in doubt, call the number on the back of your card.

You can freeze your card at once in the app under **Cards → Freeze**.`},
	}},
}

var demoComments = []string{
	"Thank you, very clear!",
	"I tried this yesterday and it worked.",
	"Could you write more about this?",
	"Saved for later.",
	"Great tips, sharing with my family.",
}

// seedPublishing gives Lotus Tea House and Harbour Bank a history of
// publications (most mass-sent, a few only published), with likes, "wow"s
// and comments from demo followers, some featured and answered.
func seedPublishing(ctx context.Context, w *world) error {
	a := w.app
	if a.Publish == nil || a.PublishEngine == nil {
		return nil
	}
	for _, spec := range []struct {
		key  string
		pubs []demoPublication
	}{{"lotus", lotusPublications}, {"harbour", harbourPublications}} {
		acct := w.accounts[spec.key]
		owner := w.people[spec.key]
		if acct == nil || owner == nil {
			continue
		}
		for n, dp := range spec.pubs {
			if err := seedOnePublication(ctx, w, acct, owner.ID, n, dp); err != nil {
				return fmt.Errorf("demo publishing (%s): %w", spec.key, err)
			}
		}
	}
	return nil
}

func seedOnePublication(ctx context.Context, w *world, acct *account.Account, ownerID int64, n int, dp demoPublication) error {
	a := w.app
	var in publish.DraftInput
	for _, da := range dp.articles {
		in.Articles = append(in.Articles, publish.ArticleInput{Title: da.title, Author: da.author, Digest: da.digest, Body: da.body, CommentsOpen: true})
	}
	draft, err := a.Publish.SaveDraft(ctx, acct.ID, ownerID, 0, in)
	if err != nil {
		return err
	}
	mode := publish.ModePublish
	if dp.mass {
		mode = publish.ModeMass
	}
	job, err := a.Publish.Send(ctx, acct.ID, ownerID, draft.ID, publish.SendOptions{Mode: mode})
	if err != nil {
		return err
	}
	if job, err = a.PublishEngine.Run(ctx, job.ID); err != nil {
		return err
	}
	if job.State != publish.JobDone {
		return fmt.Errorf("%s: job %s (%s)", draft.Title, job.State, job.Error)
	}
	// Backdate it, so the demo has a history (the folder and lists sort by these).
	at := a.Clock.Now().Add(-time.Duration(dp.daysAgo)*24*time.Hour + time.Duration(n)*time.Minute).UnixMicro()
	folder := "0"
	if dp.mass && !acct.IsService() {
		folder = "?"
	}
	args := []any{at, at}
	if folder == "?" {
		args = append(args, at)
	}
	if _, err := a.DB.Exec(ctx, `UPDATE publications SET published_at = ?, updated_at = ?, folder_at = `+folder+` WHERE id = ?`, append(args, draft.ID)...); err != nil {
		return err
	}
	if _, err := a.DB.Exec(ctx, `UPDATE publish_jobs SET run_at = ?, created_at = ?, started_at = ?, finished_at = ? WHERE id = ?`, at, at, at, at, job.ID); err != nil {
		return err
	}
	if _, err := a.DB.Exec(ctx, `UPDATE messages SET created_at = ? WHERE account_id = ? AND sender = 'mass' AND created_at > ?`, at, acct.ID, at); err != nil {
		return err
	}
	if _, err := a.DB.Exec(ctx, `UPDATE broadcasts SET created_at = ? WHERE job_id = ?`, at, job.ID); err != nil {
		return err
	}
	// Reactions and comments from followers.
	pub, err := a.Publish.Publication(ctx, acct.ID, draft.ID)
	if err != nil {
		return err
	}
	followers := w.followers
	for i, art := range pub.Articles {
		likes := 40 - 7*i - 3*n
		for k := 0; k < likes && k < len(followers); k++ {
			if _, _, err := a.Publish.React(ctx, art.ID, followers[(k*7+n)%len(followers)].ID, publish.ReactLike, true); err != nil {
				return err
			}
			if k%4 == 0 {
				if _, _, err := a.Publish.React(ctx, art.ID, followers[(k*7+n)%len(followers)].ID, publish.ReactWow, true); err != nil {
					return err
				}
			}
		}
		if i > 0 {
			continue
		}
		for k := range 3 {
			comments, reply := demoComments, "Thank you for reading!"
			if len(dp.comments) > 0 {
				comments, reply = dp.comments, dp.reply
			}
			c, err := a.Publish.AddComment(ctx, art.ID, followers[(k*11+n*3)%len(followers)].ID, comments[(k+n)%len(comments)])
			if err != nil {
				return err
			}
			if k == 1 {
				if err := a.Publish.Feature(ctx, acct.ID, c.ID, true); err != nil {
					return err
				}
				if err := a.Publish.Reply(ctx, acct.ID, c.ID, reply); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
