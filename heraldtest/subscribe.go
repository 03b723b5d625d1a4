package heraldtest

import (
	"context"

	"github.com/heraldoa/herald/internal/subscribemsg"
)

// SubscribeKeyword is one keyword of a library template: its name, rule
// (thing, number, time, amount, ...) and an example value.
type SubscribeKeyword struct{ Name, Rule, Example string }

// AddSubscribeTemplate adds a template to the platform's public library of
// subscription notifications (what an administrator does at
// /admin/subscribe-templates) and returns its tid. oneTime picks type 2
// (one-time) over 3 (long-term); category is one of
// subscribemsg.Categories (307–315). Keywords get kids 1, 2, ...
func (h *Herald) AddSubscribeTemplate(title string, oneTime bool, category int, keywords ...SubscribeKeyword) (int64, error) {
	t := &subscribemsg.LibraryTemplate{Title: title, Type: subscribemsg.LongTerm, CategoryID: category}
	if oneTime {
		t.Type = subscribemsg.OneTime
	}
	for i, k := range keywords {
		t.Keywords = append(t.Keywords, subscribemsg.Keyword{KID: i + 1, Name: k.Name, Rule: k.Rule, Example: k.Example})
	}
	err := h.s.App.Subscriptions.SaveLibrary(context.Background(), t)
	return t.TID, err
}

// Subscribe makes the follower answer the consent sheet for the account's
// templates (priTmplIds): accept or reject each, from a web page (scene 1)
// or an article (scene 2), with "always allow" or not.
func (h *Herald) Subscribe(a *Account, f *Follower, accept map[string]bool, always bool, scene int) error {
	app := h.s.App
	acc, err := app.Accounts.ByID(context.Background(), a.ID)
	if err != nil {
		return err
	}
	var ds []subscribemsg.Decision
	for id, ok := range accept {
		ds = append(ds, subscribemsg.Decision{TemplateID: id, Accept: ok})
	}
	return app.Subscriptions.Subscribe(context.Background(), acc, f.PersonID, ds, always, scene)
}

// Unsubscribe makes the follower turn a template's notifications off.
func (h *Herald) Unsubscribe(a *Account, f *Follower, priTmplID string) error {
	app := h.s.App
	acc, err := app.Accounts.ByID(context.Background(), a.ID)
	if err != nil {
		return err
	}
	return app.Subscriptions.Withdraw(context.Background(), acc, f.PersonID, priTmplID)
}

// ConfirmOneTime makes the follower confirm (or cancel) a legacy one-time
// subscription of templateID in scene (the subscribemsg page).
func (h *Herald) ConfirmOneTime(a *Account, f *Follower, templateID, scene string, accept bool) error {
	app := h.s.App
	acc, err := app.Accounts.ByID(context.Background(), a.ID)
	if err != nil {
		return err
	}
	return app.Subscriptions.ConfirmLegacy(context.Background(), acc, f.PersonID, templateID, scene, accept)
}
