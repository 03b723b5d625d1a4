package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// replySlot is one reply editor on a page: its form-field prefix.
type replySlot struct {
	P       *core.Page
	Prefix  string // "reply" or "reply.N"
	Label   string
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

func (u *UI) autoreplyPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Auto-replies", nil)
	p.Console = c
	return u.renderAutoreply(w, r, p, c, http.StatusOK, "", nil)
}

func (u *UI) renderAutoreply(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int, failedKind string, failErr error) error {
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
	p.Form = form
	for _, s := range []*replySlot{d.Follow, d.Default} {
		s.Type, s.Media = form.Get(s.Prefix+".type"), form.Get(s.Prefix+".media")
	}
	p.Data = d
	if failErr != nil {
		var e *errs.Error
		if errors.As(failErr, &e) && e.Kind != errs.KindInternal {
			if e.Field != "" {
				p.Fields[failedKind+"."+e.Field] = e.Message
				p.Fields[e.Field] = e.Message
			} else {
				p.Error = e.Message
			}
			status = web400(failErr)
		} else {
			return failErr
		}
	}
	return u.Render(w, r, status, "mp/autoreply", p)
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
		return errs.FieldInvalid(field, "%s", e.Message)
	}
	return err
}

func (u *UI) autoreplySpecialSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	kind := r.PathValue("kind")
	if kind != autoreply.KindFollow && kind != autoreply.KindDefault {
		return errs.NotFoundf("Not found.")
	}
	if err := parseMultipart(w, r); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Auto-replies", nil)
	p.Console = c
	back := fmt.Sprintf("/mp/a/%d/autoreply", c.Account.ID)
	if r.PostForm.Get("remove") != "" {
		if err := u.AutoReplies.DeleteSpecial(r.Context(), c.Account.ID, kind); err != nil {
			return err
		}
		return u.Redirect(w, r, back, "Reply removed.")
	}
	rep, used, err := u.readReply(r, kind, c.Account.ID)
	if err == nil && !used {
		err = errs.FieldInvalid(kind, "Choose the kind of reply.")
	}
	if err == nil {
		_, err = u.AutoReplies.SetSpecial(r.Context(), c.Account.ID, kind, r.PostForm.Get(kind+".enabled") != "", rep)
		err = prefixErr(err, kind)
	}
	if err != nil {
		return u.renderAutoreply(w, r, p, c, http.StatusOK, kind, err)
	}
	return u.Redirect(w, r, back, "Auto-reply saved.")
}

func (u *UI) autoreplyRuleForm(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Keyword rule", nil)
	p.Console = c
	form := url.Values{}
	var rule *autoreply.Rule
	if r.PathValue("rule") != "" {
		rid, err := core.PathID(r, "rule")
		if err != nil {
			return err
		}
		if rule, err = u.AutoReplies.Rule(r.Context(), c.Account.ID, rid); err != nil {
			return err
		}
		p.Title = "Rule: " + rule.Name
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
	return u.renderRule(w, r, p, c, rule, http.StatusOK)
}

func (u *UI) renderRule(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, rule *autoreply.Rule, status int) error {
	d := &ruleData{Rule: rule}
	lib := u.library(r, c.Account.ID)
	for i := 0; i < autoreply.MaxKeywords; i++ {
		d.Keywords = append(d.Keywords, i)
	}
	for i := 0; i < autoreply.MaxReplies; i++ {
		pre := fmt.Sprintf("reply.%d", i)
		d.Replies = append(d.Replies, &replySlot{P: p, Prefix: pre, Label: fmt.Sprintf("Reply %d", i+1), Account: c.Account.ID, Lib: lib,
			Type: p.Form.Get(pre + ".type"), Media: p.Form.Get(pre + ".media")})
	}
	p.Data = d
	return u.Render(w, r, status, "mp/autoreply_rule", p)
}

func (u *UI) autoreplyRuleSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	if err := parseMultipart(w, r); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Keyword rule", nil)
	p.Console = c
	rule := &autoreply.Rule{AccountID: c.Account.ID, Name: r.PostForm.Get("name"), Mode: r.PostForm.Get("mode"),
		Enabled: r.PostForm.Get("enabled") != ""}
	var existing *autoreply.Rule
	if r.PathValue("rule") != "" {
		if rule.ID, err = core.PathID(r, "rule"); err != nil {
			return err
		}
		if existing, err = u.AutoReplies.Rule(r.Context(), c.Account.ID, rule.ID); err != nil {
			return err
		}
	}
	for i := 0; i < autoreply.MaxKeywords; i++ {
		rule.Keywords = append(rule.Keywords, autoreply.Keyword{Text: r.PostForm.Get(fmt.Sprintf("kw.%d.text", i)),
			Match: r.PostForm.Get(fmt.Sprintf("kw.%d.match", i))})
	}
	fail := func(err error) error {
		p.Form = r.PostForm
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		if e.Field != "" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message
		}
		return u.renderRule(w, r, p, c, existing, web400(err))
	}
	for i := 0; i < autoreply.MaxReplies; i++ {
		pre := fmt.Sprintf("reply.%d", i)
		rep, used, err := u.readReply(r, pre, c.Account.ID)
		if err != nil {
			return fail(err)
		}
		if used {
			rule.Replies = append(rule.Replies, rep)
		}
	}
	if err := u.AutoReplies.SaveRule(r.Context(), rule); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return err
		}
		return fail(err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/autoreply", c.Account.ID), "Rule “"+rule.Name+"” saved.")
}

func (u *UI) autoreplyRuleDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	rid, err := core.PathID(r, "rule")
	if err != nil {
		return err
	}
	if err := u.AutoReplies.DeleteRule(r.Context(), c.Account.ID, rid); err != nil {
		return err
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/autoreply", c.Account.ID), "Rule deleted.")
}

// web400 is the status a form re-rendered with a user error gets.
func web400(err error) int { return web.Status(err) }
