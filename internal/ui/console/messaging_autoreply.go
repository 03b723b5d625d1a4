package console

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/ui/core"
)

// replySlot is one reply editor on a page: its form-field prefix.
type replySlot struct {
	P       *core.Page
	Prefix  string // "reply" or "reply.N"
	Label   string // the heading of a special reply (a catalogue key)
	Num     int    // a rule's reply: its number, "Reply 2"
	Account int64
	Media   string // the form's media key for this slot, for the preview
	Type    string
	Action  string // form action for the slot's own form (special replies)
	Kind    string
	Enabled bool
	Exists  bool
	Lib     *libChoices
}

type autoreplyData struct {
	Follow, Default *replySlot
	Rules           []*autoreply.Rule
	MaxRules        int
}

type ruleData struct {
	Rule     *autoreply.Rule // nil for a new rule
	Keywords []int
	Replies  []*replySlot
}

func (u *UI) registerAutoreply(h core.Route) {
	ar := u.Member(account.ActAutoReply)
	page := core.View{Title: "Auto-replies", Template: "mp/autoreply", Load: u.loadAutoreply}
	rule := core.View{Title: "Keyword rule", Template: "mp/autoreply_rule", Load: u.loadRule}
	h("GET /mp/a/{account}/autoreply", u.Get(ar, page))
	h("POST /mp/a/{account}/autoreply/special/{kind}", core.Post(u.UI, ar, core.Form[string]{View: page, Read: parseMultipart, Parse: specialKind, Do: u.autoreplySpecialSave}))
	h("GET /mp/a/{account}/autoreply/rules/new", u.Get(ar, rule))
	h("POST /mp/a/{account}/autoreply/rules", core.Post(u.UI, ar, core.Form[*autoreply.Rule]{View: rule, Read: parseMultipart, Parse: u.ruleInPath, Do: u.autoreplyRuleSave}))
	h("GET /mp/a/{account}/autoreply/rules/{rule}", u.Get(ar, rule))
	h("POST /mp/a/{account}/autoreply/rules/{rule}", core.Post(u.UI, ar, core.Form[*autoreply.Rule]{View: rule, Read: parseMultipart, Parse: u.ruleInPath, Do: u.autoreplyRuleSave}))
	h("POST /mp/a/{account}/autoreply/rules/{rule}/delete", core.Post(u.UI, ar, core.Form[int64]{Parse: ruleID, Do: u.autoreplyRuleDelete}))
}

// loadAutoreply fills the auto-replies page from the stored rules; when the
// form of a special reply ({kind} in the path) is re-shown with an error,
// that slot keeps what was submitted and carries the message.
func (u *UI) loadAutoreply(r *http.Request, p *core.Page) error {
	c := p.Console
	failedKind := ""
	if p.Form != nil {
		failedKind = r.PathValue("kind")
	}
	rules, err := u.AutoReplies.Rules(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	d := &autoreplyData{MaxRules: autoreply.MaxRules}
	lib := u.library(r, c.Account.ID)
	form := url.Values{}
	for _, kind := range []string{autoreply.KindFollow, autoreply.KindDefault} {
		slot := &replySlot{P: p, Prefix: kind, Account: c.Account.ID, Kind: kind, Lib: lib,
			Action: fmt.Sprintf("/mp/a/%d/autoreply/special/%s", c.Account.ID, kind)}
		for _, rule := range rules {
			if rule.Kind == kind {
				slot.Exists, slot.Enabled = true, rule.Enabled
				if len(rule.Replies) > 0 {
					replyToForm(form, kind, rule.Replies[0])
				}
			}
		}
		if kind == failedKind {
			for k, v := range r.PostForm {
				form[k] = v
			}
			slot.Enabled = r.PostForm.Get(kind+".enabled") != ""
		}
		if kind == autoreply.KindFollow {
			slot.Label, d.Follow = "Reply to new followers", slot
		} else {
			slot.Label, d.Default = "Reply to anything else", slot
		}
	}
	for _, rule := range rules {
		if rule.Kind == autoreply.KindKeyword {
			d.Rules = append(d.Rules, rule)
		}
	}
	if failedKind != autoreply.KindDefault {
		window, err := u.AutoReplies.DefaultReplyWindow(r.Context(), c.Account.ID)
		if err != nil {
			return err
		}
		form.Set("default.window", strconv.FormatInt(int64(window/time.Minute), 10))
	}
	p.Form = form
	for _, s := range []*replySlot{d.Follow, d.Default} {
		s.Type, s.Media = form.Get(s.Prefix+".type"), form.Get(s.Prefix+".media")
	}
	if failedKind != "" {
		for field, msg := range maps.Clone(p.Fields) {
			p.Fields[failedKind+"."+field] = msg
		}
	}
	p.Data = d
	return nil
}

// replyToForm writes a stored reply into form fields under prefix.
func replyToForm(form url.Values, prefix string, rep autoreply.Reply) {
	form.Set(prefix+".type", rep.Type)
	switch rep.Type {
	case autoreply.ReplyText:
		form.Set(prefix+".text", rep.Text)
	case autoreply.ReplyImage:
		if rep.MediaID != "" {
			form.Set(prefix+".library", rep.MediaID)
			break
		}
		form.Set(prefix+".media", rep.MediaKey)
		form.Set(prefix+".media_type", rep.MediaType)
	case autoreply.ReplyNews:
		if a := rep.Article; a != nil {
			form.Set(prefix+".title", a.Title)
			form.Set(prefix+".description", a.Description)
			form.Set(prefix+".url", a.URL)
			form.Set(prefix+".picurl", a.PicURL)
		}
	}
}

// readReply reads the reply under prefix from a submitted form, saving an
// uploaded image. used is false when the slot's type is empty.
func (u *UI) readReply(r *http.Request, prefix string, accountID int64) (autoreply.Reply, bool, error) {
	f := r.PostForm
	rep := autoreply.Reply{Type: f.Get(prefix + ".type")}
	switch rep.Type {
	case "":
		return rep, false, nil
	case autoreply.ReplyText:
		rep.Text = f.Get(prefix + ".text")
	case autoreply.ReplyImage:
		if mid := f.Get(prefix + ".library"); mid != "" {
			asset, err := u.libraryImage(r, accountID, mid, prefix)
			if err != nil {
				return rep, true, err
			}
			rep.MediaID, rep.MediaKey, rep.MediaType = asset.MediaID, asset.Key, asset.ContentType
			break
		}
		saved, err := u.uploadImage(r, prefix+".image", "autoreply", accountID)
		if err != nil {
			return rep, true, err
		}
		if saved != nil {
			rep.MediaKey, rep.MediaType = saved.Key, saved.ContentType
			f.Set(prefix+".media", saved.Key)
			f.Set(prefix+".media_type", saved.ContentType)
		} else {
			rep.MediaKey, rep.MediaType = f.Get(prefix+".media"), f.Get(prefix+".media_type")
			prefixKey := mediaPrefix("autoreply", accountID)
			if rep.MediaKey != "" && (len(rep.MediaKey) <= len(prefixKey) || rep.MediaKey[:len(prefixKey)] != prefixKey) {
				rep.MediaKey = "" // only this account's uploads
			}
		}
	case autoreply.ReplyNews:
		if aid := f.Get(prefix + ".article"); aid != "" {
			a, err := u.libraryArticle(r, accountID, aid, prefix)
			if err != nil {
				return rep, true, err
			}
			rep.Article = a
			break
		}
		rep.Article = &message.Article{Title: f.Get(prefix + ".title"), Description: f.Get(prefix + ".description"),
			URL: f.Get(prefix + ".url"), PicURL: f.Get(prefix + ".picurl")}
	default:
		return rep, true, errs.FieldInvalid(prefix, "A reply is text, an image or an article card.")
	}
	return rep, true, nil
}

// prefixErr moves a reply validation error onto the slot's field.
func prefixErr(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindInvalid {
		if e.Format != "" {
			return errs.FieldInvalid(field, e.Format, e.Args...) // so that the page writes it in its language
		}
		return errs.FieldInvalid(field, "%s", e.Message)
	}
	return err
}

// specialKind reads the special reply ({kind}: follow or default) a form saves.
func specialKind(r *http.Request, _ *core.ConsoleCtx) (string, error) {
	kind := r.PathValue("kind")
	if kind != autoreply.KindFollow && kind != autoreply.KindDefault {
		return "", errs.NotFoundf("Not found.")
	}
	return kind, nil
}

func (u *UI) autoreplySpecialSave(r *http.Request, c *core.ConsoleCtx, kind string) (core.Done, error) {
	if r.PostForm.Get("remove") != "" {
		if err := u.AutoReplies.DeleteSpecial(authored(r), c.Account.ID, kind); err != nil {
			return core.Done{}, core.AsPage(err)
		}
		return core.Done{To: "autoreply", Flash: "Reply removed."}, nil
	}
	if v := strings.TrimSpace(r.PostForm.Get("default.window")); kind == autoreply.KindDefault && v != "" {
		// The interval is saved first: a bad one leaves the reply as it
		// was. A form without it keeps the current interval.
		minutes, err := strconv.Atoi(v)
		if err != nil {
			return core.Done{}, errs.FieldInvalid("default.window", "Give the interval in whole minutes.")
		}
		if err := u.AutoReplies.SetDefaultReplyWindow(r.Context(), c.Account.ID, time.Duration(minutes)*time.Minute); err != nil {
			return core.Done{}, prefixErr(err, "default.window")
		}
	}
	rep, used, err := u.readReply(r, kind, c.Account.ID)
	if err == nil && !used {
		err = errs.FieldInvalid(kind, "Choose the kind of reply.")
	}
	if err == nil {
		_, err = u.AutoReplies.SetSpecial(authored(r), c.Account.ID, kind, r.PostForm.Get(kind+".enabled") != "", rep)
		err = prefixErr(err, kind)
	}
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "autoreply", Flash: "Auto-reply saved."}, nil
}

// ruleInPath reads the keyword rule named in the path, nil on the new
// rule's page.
func (u *UI) ruleInPath(r *http.Request, c *core.ConsoleCtx) (*autoreply.Rule, error) {
	if r.PathValue("rule") == "" {
		return nil, nil
	}
	return core.InPath(r, c.Account.ID, "rule", u.AutoReplies.Rule)
}

// loadRule fills a keyword rule's page, the form with the stored rule (or
// a new rule's defaults) when it is first shown.
func (u *UI) loadRule(r *http.Request, p *core.Page) error {
	c := p.Console
	rule, err := u.ruleInPath(r, c)
	if err != nil {
		return err
	}
	if p.Form == nil {
		form := url.Values{}
		if rule != nil {
			p.Title = u.T(r, "Rule: %s", rule.Name)
			form.Set("name", rule.Name)
			form.Set("mode", rule.Mode)
			if rule.Enabled {
				form.Set("enabled", "on")
			}
			for i, k := range rule.Keywords {
				form.Set(fmt.Sprintf("kw.%d.text", i), k.Text)
				form.Set(fmt.Sprintf("kw.%d.match", i), k.Match)
			}
			for i, rep := range rule.Replies {
				replyToForm(form, fmt.Sprintf("reply.%d", i), rep)
			}
		} else {
			form.Set("enabled", "on")
			form.Set("reply.0.type", autoreply.ReplyText)
		}
		p.Form = form
	}
	d := &ruleData{Rule: rule}
	lib := u.library(r, c.Account.ID)
	for i := 0; i < autoreply.MaxKeywords; i++ {
		d.Keywords = append(d.Keywords, i)
	}
	for i := 0; i < autoreply.MaxReplies; i++ {
		pre := fmt.Sprintf("reply.%d", i)
		d.Replies = append(d.Replies, &replySlot{P: p, Prefix: pre, Num: i + 1, Account: c.Account.ID, Lib: lib,
			Type: p.Form.Get(pre + ".type"), Media: p.Form.Get(pre + ".media")})
	}
	p.Data = d
	return nil
}

// autoreplyRuleSave saves a new rule (existing nil) or an edit.
func (u *UI) autoreplyRuleSave(r *http.Request, c *core.ConsoleCtx, existing *autoreply.Rule) (core.Done, error) {
	rule := &autoreply.Rule{AccountID: c.Account.ID, Name: r.PostForm.Get("name"), Mode: r.PostForm.Get("mode"),
		Enabled: r.PostForm.Get("enabled") != ""}
	if existing != nil {
		rule.ID = existing.ID
	}
	for i := 0; i < autoreply.MaxKeywords; i++ {
		rule.Keywords = append(rule.Keywords, autoreply.Keyword{Text: r.PostForm.Get(fmt.Sprintf("kw.%d.text", i)),
			Match: r.PostForm.Get(fmt.Sprintf("kw.%d.match", i))})
	}
	for i := 0; i < autoreply.MaxReplies; i++ {
		rep, used, err := u.readReply(r, fmt.Sprintf("reply.%d", i), c.Account.ID)
		if err != nil {
			return core.Done{}, err
		}
		if used {
			rule.Replies = append(rule.Replies, rep)
		}
	}
	if err := u.AutoReplies.SaveRule(authored(r), rule); err != nil {
		if errors.Is(err, errs.NotFound) {
			return core.Done{}, core.AsPage(err)
		}
		return core.Done{}, err
	}
	return core.Done{To: "autoreply", Flash: u.T(r, "Rule “%s” saved.", rule.Name)}, nil
}

func ruleID(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return core.PathID(r, "rule") }

func (u *UI) autoreplyRuleDelete(r *http.Request, c *core.ConsoleCtx, rid int64) (core.Done, error) {
	if err := u.AutoReplies.DeleteRule(authored(r), c.Account.ID, rid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "autoreply", Flash: "Rule deleted."}, nil
}
