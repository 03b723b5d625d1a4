package demo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// seedMessaging gives both demo accounts auto-replies, a menu and tags, and
// Harbour Bank a conversation history with an inbox that has work waiting
// for its agent, sam.
func seedMessaging(ctx context.Context, w *world) error {
	if w.accounts == nil || w.app.AutoReplies == nil {
		return nil
	}
	type rule struct {
		name  string
		mode  string
		words []autoreply.Keyword
		reps  []autoreply.Reply
	}
	text := func(s string) autoreply.Reply { return autoreply.Reply{Type: autoreply.ReplyText, Text: s} }
	exact := func(s string) autoreply.Keyword { return autoreply.Keyword{Match: autoreply.MatchExact, Text: s} }
	contains := func(s string) autoreply.Keyword { return autoreply.Keyword{Match: autoreply.MatchContains, Text: s} }
	setups := []struct {
		key             string
		welcome, dflt   string
		rules           []rule
		buttons         []menu.Button
		tags            []string
		taggedEvery     int
		conversationsOn bool
	}{
		{
			key:     "lotus",
			welcome: "Welcome to Lotus Tea House! Send \"price\" for our prices, \"hours\" for opening hours, or \"tea\" for this month's tea.",
			dflt:    "Thanks for your message! We read every one and answer within a day.",
			rules: []rule{
				{"Prices", autoreply.ModeAll, []autoreply.Keyword{exact("price"), exact("prices"), exact("价格")},
					[]autoreply.Reply{text("A pot of green tea is ¥38, oolong ¥48, pu'er ¥58. Refills are free."),
						{Type: autoreply.ReplyNews, Article: &message.Article{Title: "Our full tea menu", Description: "Every leaf we brew, with tasting notes.", URL: "https://lotus-tea.example/menu"}}}},
				{"Opening hours", autoreply.ModeAll, []autoreply.Keyword{exact("hours"), contains("open")},
					[]autoreply.Reply{text("We are open every day from 10:00 to 22:00.")}},
				{"Tea of the month", autoreply.ModeRandom, []autoreply.Keyword{exact("tea")},
					[]autoreply.Reply{text("This month: Longjing from West Lake."), text("Try our aged Tieguanyin this month."), text("This month's pick: Yunnan black tea.")}},
			},
			buttons: []menu.Button{
				{Name: "Teas", SubButtons: []menu.Button{
					{Type: menu.TypeClick, Name: "Tea of the month", Key: "TEA_OF_MONTH"},
					{Type: menu.TypeView, Name: "Full menu", URL: "https://lotus-tea.example/menu"},
				}},
				{Type: menu.TypeClick, Name: "Opening hours", Key: "HOURS"},
				{Name: "Visit", SubButtons: []menu.Button{
					{Type: menu.TypeView, Name: "Find us", URL: "https://lotus-tea.example/map"},
					{Type: menu.TypeClick, Name: "Book a table", Key: "BOOK"},
				}},
			},
			tags:        []string{"Regulars", "Oolong lovers"},
			taggedEvery: 7,
		},
		{
			key:     "harbour",
			welcome: "Welcome to Harbour Bank. Send \"rates\" for today's rates, \"hours\" for branch hours, or write to us: an agent answers on working days.",
			dflt:    "Thank you. An agent will answer you here shortly (working days 9:00–18:00).",
			rules: []rule{
				{"Rates", autoreply.ModeAll, []autoreply.Keyword{exact("rates"), exact("price"), contains("interest")},
					[]autoreply.Reply{text("Savings 1.35% a year, 1-year deposit 1.75%, 3-year deposit 2.25%.")}},
				{"Branch hours", autoreply.ModeAll, []autoreply.Keyword{exact("hours"), contains("opening")},
					[]autoreply.Reply{text("Branches are open Monday to Friday 9:00–17:00 and Saturday 9:00–12:00.")}},
				{"Lost card", autoreply.ModeAll, []autoreply.Keyword{contains("lost card"), contains("stolen")},
					[]autoreply.Reply{text("If your card is lost or stolen, call 400-800-0000 now to block it. An agent will follow up here.")}},
			},
			buttons: []menu.Button{
				{Name: "Accounts", SubButtons: []menu.Button{
					{Type: menu.TypeClick, Name: "Today's rates", Key: "RATES"},
					{Type: menu.TypeView, Name: "Open an account", URL: "https://harbour-bank.example/open"},
				}},
				{Type: menu.TypeClick, Name: "Branch hours", Key: "HOURS"},
				{Name: "Help", SubButtons: []menu.Button{
					{Type: menu.TypeClick, Name: "Talk to an agent", Key: "AGENT"},
					{Type: menu.TypeView, Name: "Security tips", URL: "https://harbour-bank.example/security"},
				}},
			},
			tags:            []string{"Premium", "Business"},
			taggedEvery:     4,
			conversationsOn: true,
		},
	}
	for _, s := range setups {
		a := w.accounts[s.key]
		if a == nil {
			continue
		}
		if _, err := w.app.AutoReplies.SetSpecial(ctx, a.ID, autoreply.KindFollow, true, text(s.welcome)); err != nil {
			return err
		}
		if _, err := w.app.AutoReplies.SetSpecial(ctx, a.ID, autoreply.KindDefault, true, text(s.dflt)); err != nil {
			return err
		}
		for _, r := range s.rules {
			if err := w.app.AutoReplies.SaveRule(ctx, &autoreply.Rule{AccountID: a.ID, Name: r.name, Enabled: true, Mode: r.mode, Keywords: r.words, Replies: r.reps}); err != nil {
				return err
			}
		}
		if _, err := w.app.Menus.SetDefault(ctx, a.ID, s.buttons); err != nil {
			return err
		}
		// Tags: every n-th follower of the account gets the first tag.
		var firstTag int64
		for i, name := range s.tags {
			t, err := w.app.Audience.CreateTag(ctx, a.ID, name)
			if err != nil {
				return err
			}
			if i == 0 {
				firstTag = t.ID
			}
		}
		var tagged []int64
		for i, p := range w.followers {
			if i%s.taggedEvery == 0 && len(tagged) < 50 {
				if ok, _ := w.app.Follows.IsFollowing(ctx, a.ID, p.ID); ok {
					tagged = append(tagged, p.ID)
				}
			}
		}
		if len(tagged) > 0 {
			if err := w.app.Audience.TagFollowers(ctx, a.ID, firstTag, tagged); err != nil {
				return err
			}
		}
		if s.key == "harbour" {
			// Premium followers see a menu with a private-banking button.
			if _, err := w.app.Menus.AddConditional(ctx, a.ID, []menu.Button{
				{Type: menu.TypeClick, Name: "Private desk", Key: "PRIVATE_DESK"},
				{Type: menu.TypeClick, Name: "Branch hours", Key: "HOURS"},
				{Type: menu.TypeView, Name: "Security tips", URL: "https://harbour-bank.example/security"},
			}, menu.MatchRule{TagID: strconv.FormatInt(firstTag, 10)}); err != nil {
				return err
			}
		}
		if s.conversationsOn {
			if err := seedHarbourConversations(ctx, w, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedHarbourConversations writes a few days of history between Harbour
// Bank and its followers: answered questions, a closed case, one
// conversation sam has taken and one waiting in the queue.
func seedHarbourConversations(ctx context.Context, w *world, a *account.Account) error {
	sam := w.people["sam"]
	if sam != nil {
		if _, err := w.app.Accounts.Role(ctx, a.ID, sam.ID); err != nil {
			if _, err := w.app.Accounts.Invite(ctx, a.ID, account.RoleOwner, sam.Username, account.RoleAgent); err != nil {
				return err
			}
		}
	}
	var fans []*user.Person
	for _, p := range w.followers {
		if ok, _ := w.app.Follows.IsFollowing(ctx, a.ID, p.ID); ok {
			fans = append(fans, p)
		}
		if len(fans) == 4 {
			break
		}
	}
	if len(fans) < 4 {
		return nil
	}
	now := w.app.Clock.Now()
	type line struct {
		ago    time.Duration
		in     bool
		sender string
		text   string
	}
	var agentID int64
	if sam != nil {
		agentID = sam.ID
	}
	convs := [][]line{
		{ // mei: a question answered by the auto-reply, then by sam
			{74 * time.Hour, true, message.SenderFollower, "rates"},
			{74 * time.Hour, false, message.SenderAutoReply, "Savings 1.35% a year, 1-year deposit 1.75%, 3-year deposit 2.25%."},
			{73 * time.Hour, true, message.SenderFollower, "Is the 3-year rate fixed?"},
			{72 * time.Hour, false, message.SenderAgent, "Yes, it is fixed for the whole term. Anything else I can help with?"},
		},
		{ // a closed case
			{50 * time.Hour, true, message.SenderFollower, "How do I raise my card limit?"},
			{50 * time.Hour, false, message.SenderAutoReply, "Thank you. An agent will answer you here shortly (working days 9:00–18:00)."},
			{49 * time.Hour, false, message.SenderAgent, "You can raise it in the app under Cards › Limits, or at any branch."},
		},
		{ // taken by sam, still open
			{3 * time.Hour, true, message.SenderFollower, "My transfer to another bank has not arrived since yesterday."},
			{3 * time.Hour, false, message.SenderAutoReply, "Thank you. An agent will answer you here shortly (working days 9:00–18:00)."},
			{2 * time.Hour, false, message.SenderAgent, "I am checking it with our payments team and will come back to you today."},
		},
		{ // waiting in the queue
			{25 * time.Minute, true, message.SenderFollower, "I think I lost my card at the station"},
			{25 * time.Minute, false, message.SenderAutoReply, "If your card is lost or stolen, call 400-800-0000 now to block it. An agent will follow up here."},
			{20 * time.Minute, true, message.SenderFollower, "I called, it is blocked. Can I get a new one sent to my office?"},
		},
	}
	for i, conv := range convs {
		p := fans[i]
		for _, l := range conv {
			m := &message.Message{AccountID: a.ID, PersonID: p.ID, Kind: message.KindText, Sender: l.sender, Body: message.Body{Text: l.text},
				CreatedAt: now.Add(-l.ago), Direction: message.Out}
			if l.in {
				m.Direction = message.In
			}
			if l.sender == message.SenderAgent {
				m.AgentID = agentID
			}
			if err := w.app.Messages.Append(ctx, m); err != nil {
				return err
			}
		}
	}
	in := w.app.Inbox
	owner := w.people["harbour"]
	if owner == nil || sam == nil {
		return nil
	}
	if err := in.Take(ctx, a.ID, fans[0].ID, sam.ID); err != nil {
		return err
	}
	if err := in.Close(ctx, a.ID, fans[0].ID, sam.ID); err != nil {
		return err
	}
	if err := in.Take(ctx, a.ID, fans[1].ID, owner.ID); err != nil {
		return err
	}
	if err := in.Close(ctx, a.ID, fans[1].ID, owner.ID); err != nil {
		return err
	}
	if err := in.Take(ctx, a.ID, fans[2].ID, sam.ID); err != nil {
		return err
	}
	if _, err := in.AddNote(ctx, a.ID, fans[2].ID, sam.ID, "Payments team ticket PAY-2231. Follow up before 17:00."); err != nil {
		return err
	}
	for _, p := range fans[:3] {
		if err := in.MarkRead(ctx, a.ID, p.ID); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return nil
}
