package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/ui/core"
)

// menuEditor is one button-tree editor on the menu page.
type menuEditor struct {
	P       *core.Page
	Prefix  string // "b" (default menu) or "c" (new conditional menu)
	Account int64
	Top     []menuSlot
	Lib     *libChoices
}

type menuSlot struct {
	P       *core.Page
	Prefix  string // e.g. "b.0" or "b.0.s.3"
	Num     int    // the label's number: "Button 2", "Item 3"
	Account int64
	Sub     []menuSlot // top-level only
	IsTop   bool
	Lib     *libChoices
	// Unanswered holds the click keys nothing answers (no developer server,
	// no keyword rule matching the key).
	Unanswered map[string]bool
}

type menuData struct {
	Default     *menu.Menu
	Conditional []*menu.Menu
	Tags        []audience.Tag
	TagNames    map[string]string
	Editor      *menuEditor
	CondEditor  *menuEditor
	Preview     []menu.Button
	PreviewAs   string // the follower previewed
	Followers   []*audience.Follower
	Clicks      []menu.ButtonClicks
	ButtonNames map[string]string // click key or link → the button's name
	Unanswered  map[string]bool   // click keys nothing answers
	// UnansweredNames names the buttons of the saved menus whose click
	// keys nothing answers.
	UnansweredNames []string
	HasServer       bool
	accountID       int64
}

func newMenuEditor(p *core.Page, prefix string, accountID int64, lib *libChoices, unanswered map[string]bool) *menuEditor {
	e := &menuEditor{P: p, Prefix: prefix, Account: accountID, Lib: lib}
	for i := 0; i < menu.MaxButtons; i++ {
		top := menuSlot{P: p, Prefix: fmt.Sprintf("%s.%d", prefix, i), Num: i + 1, Account: accountID, IsTop: true, Lib: lib, Unanswered: unanswered}
		for j := 0; j < menu.MaxSubButtons; j++ {
			top.Sub = append(top.Sub, menuSlot{P: p, Prefix: fmt.Sprintf("%s.s.%d", top.Prefix, j), Num: j + 1, Account: accountID, Lib: lib, Unanswered: unanswered})
		}
		e.Top = append(e.Top, top)
	}
	return e
}

// buttonToForm writes a button's fields under prefix.
func buttonToForm(form url.Values, prefix string, b menu.Button) {
	form.Set(prefix+".name", b.Name)
	t := b.Type
	if len(b.SubButtons) > 0 {
		t = "sub"
	}
	form.Set(prefix+".type", t)
	form.Set(prefix+".key", b.Key)
	form.Set(prefix+".url", b.URL)
	form.Set(prefix+".appid", b.AppID)
	form.Set(prefix+".pagepath", b.PagePath)
	form.Set(prefix+".article_id", b.ArticleID)
	switch b.Type {
	case menu.TypeText:
		form.Set(prefix+".text", b.Value)
	case menu.TypeImg:
		form.Set(prefix+".img", b.Value)
	case menu.TypeNews:
		form.Set(prefix+".news", b.Value)
	}
	if strings.HasPrefix(b.MediaID, "M") {
		form.Set(prefix+".library", b.MediaID)
	} else {
		form.Set(prefix+".media", b.MediaID)
	}
	for j, s := range b.SubButtons {
		buttonToForm(form, fmt.Sprintf("%s.s.%d", prefix, j), s)
	}
}

// menuForm is a menu read from an editor: its buttons, and the form prefix
// each came from, so that the validation's field names, which count the
// buttons ("button.0.1.url"), can name the editor's fields ("b.2.s.3.url").
type menuForm struct {
	Buttons []menu.Button
	slots   map[string]string // "button.0" → "b.2", "button.0.1" → "b.2.s.3"
	faults  errs.Fields       // what reading the form found wrong, named by the form's fields
	bad     map[string]bool   // slots (form prefixes) with a fault found in reading
}

// fault records a user error of the slot at prefix and returns nil; any
// other error is returned, to stop the reading.
func (mf *menuForm) fault(prefix string, err error) error {
	if err == nil || core.UserError(err) == nil {
		return err
	}
	mf.faults.Add(err)
	mf.bad[prefix] = true
	return nil
}

// readButton reads one button from the form, named name for the
// validation; ok is false for an unused slot.
func (u *UI) readButton(r *http.Request, mf *menuForm, prefix, name string, accountID int64, top bool) (b menu.Button, ok bool, err error) {
	f := r.PostForm
	b = menu.Button{Name: strings.TrimSpace(f.Get(prefix + ".name")), Type: f.Get(prefix + ".type")}
	if b.Name == "" && (b.Type == "" || b.Type == "sub") {
		return b, false, nil
	}
	mf.slots[name] = prefix
	switch b.Type {
	case "sub":
		if !top {
			return b, true, mf.fault(prefix, &menu.Error{Code: 40022, Err: errs.FieldInvalid(prefix+".type", "Menu items cannot have their own sub-menu.")})
		}
		b.Type = ""
		for j := 0; j < menu.MaxSubButtons; j++ {
			s, ok, err := u.readButton(r, mf, fmt.Sprintf("%s.s.%d", prefix, j), fmt.Sprintf("%s.%d", name, len(b.SubButtons)), accountID, false)
			if err != nil {
				return b, true, err
			}
			if ok {
				b.SubButtons = append(b.SubButtons, s)
			}
		}
		if len(b.SubButtons) == 0 {
			return b, true, mf.fault(prefix, &menu.Error{Code: 40023, Err: errs.FieldInvalid(prefix+".type", "The sub-menu of %q has no items.", b.Name)})
		}
	case menu.TypeClick:
		b.Key = strings.TrimSpace(f.Get(prefix + ".key"))
	case menu.TypeView:
		b.URL = strings.TrimSpace(f.Get(prefix + ".url"))
	case menu.TypeMiniProgram:
		b.URL, b.AppID, b.PagePath = strings.TrimSpace(f.Get(prefix+".url")), strings.TrimSpace(f.Get(prefix+".appid")), strings.TrimSpace(f.Get(prefix+".pagepath"))
		return b, true, mf.fault(prefix, u.menuWebApp(r, accountID, prefix, &b))
	case menu.TypeArticleID:
		b.ArticleID = strings.TrimSpace(f.Get(prefix + ".article_id"))
	case menu.TypeText:
		b.Value = strings.TrimSpace(strings.ReplaceAll(f.Get(prefix+".text"), "\r\n", "\n"))
	case menu.TypeImg:
		if b.Value = f.Get(prefix + ".img"); b.Value != "" {
			if _, err := u.libraryImage(r, accountID, b.Value, prefix+".img"); err != nil {
				return b, true, mf.fault(prefix, libraryFault(40007, prefix+".img", b.Name, err))
			}
		}
	case menu.TypeNews:
		if b.Value = f.Get(prefix + ".news"); b.Value != "" {
			if _, err := u.libraryArticle(r, accountID, b.Value, prefix+".news"); err != nil {
				return b, true, mf.fault(prefix, libraryFault(53600, prefix+".news", b.Name, err))
			}
		}
	case menu.TypeMediaID:
		if mid := f.Get(prefix + ".library"); mid != "" {
			if _, err := u.libraryImage(r, accountID, mid, prefix+".library"); err != nil {
				return b, true, mf.fault(prefix, libraryFault(40007, prefix+".library", b.Name, err))
			}
			b.MediaID, b.Key = mid, mid
			f.Set(prefix+".media", "")
			break
		}
		saved, err := u.uploadImage(r, prefix+".image", "menu", accountID)
		if err != nil {
			return b, true, mf.fault(prefix, err)
		}
		if saved != nil {
			b.MediaID = saved.Key
			f.Set(prefix+".media", saved.Key)
		} else if k := f.Get(prefix + ".media"); strings.HasPrefix(k, mediaPrefix("menu", accountID)) {
			b.MediaID = k
		}
		// The follower app sends clicks by key: give the button one.
		b.Key = b.MediaID
	}
	return b, true, nil
}

// libraryFault is the menu error of a button whose chosen library item is
// not there, on field; other errors are returned as they are.
func libraryFault(code int, field, button string, err error) error {
	if core.UserError(err) == nil {
		return err
	}
	return &menu.Error{Code: code, Err: errs.FieldInvalid(field, "%s: %s", button, errs.Message(err))}
}

// readMenu reads the editor whose fields start with prefix. A user error
// names every fault at once: those found in reading, and what the
// validation finds in the other buttons.
func (u *UI) readMenu(r *http.Request, prefix string, accountID int64) (*menuForm, error) {
	mf := &menuForm{slots: map[string]string{}, bad: map[string]bool{}}
	for i := 0; i < menu.MaxButtons; i++ {
		b, ok, err := u.readButton(r, mf, fmt.Sprintf("%s.%d", prefix, i), fmt.Sprintf("button.%d", len(mf.Buttons)), accountID, true)
		if err != nil {
			return nil, err
		}
		if ok {
			mf.Buttons = append(mf.Buttons, b)
		}
	}
	if mf.faults.Err() == nil {
		return mf, nil
	}
	var all errs.Fields
	all.Add(mf.faults.Err())
	for _, x := range listOf(menu.Validate(slices.Clone(mf.Buttons))) {
		if e := core.UserError(x); e != nil && !mf.bad[mf.slots[slotOf(e.Field)]] {
			all.Add(x)
		}
	}
	return nil, mf.formError(all.Err())
}

// listOf returns the errors in err, each of an errs.List.
func listOf(err error) []error {
	var l errs.List
	switch {
	case err == nil:
		return nil
	case errors.As(err, &l):
		return l
	}
	return []error{err}
}

// slotOf returns the button a validation field names ("button.0.1" of
// "button.0.1.url"); "" when it names no button.
func slotOf(field string) string {
	parts := strings.Split(field, ".")
	n := 1
	for n < len(parts) && parts[n] != "" && strings.Trim(parts[n], "0123456789") == "" {
		n++
	}
	if parts[0] != "button" || n == 1 {
		return ""
	}
	return strings.Join(parts[:n], ".")
}

// formError names the editor's fields in every user error of err (a fault
// found in reading has its name already) and adds WeChat's error code to
// each message; any other error is returned as it is.
func (mf *menuForm) formError(err error) error {
	if core.UserError(err) == nil {
		return err
	}
	var fe errs.Fields
	for _, x := range listOf(err) {
		e := core.UserError(x)
		if e == nil {
			return x
		}
		msg, field := e.Message, e.Field
		var me *menu.Error
		if errors.As(x, &me) {
			msg = fmt.Sprintf("%s (WeChat error %d)", e.Message, me.Code)
		}
		if b := slotOf(field); b != "" {
			part := strings.TrimPrefix(field, b+".")
			if part == "media" {
				part = "image"
			}
			field = ""
			if p, ok := mf.slots[b]; ok {
				field = p + "." + part
			}
		} else if field == "button" {
			field = ""
		}
		fe.Add(&errs.Error{Kind: e.Kind, Field: field, Message: msg, Err: x})
	}
	return fe.Err()
}

func (u *UI) registerMenu(h core.Route) {
	m := u.Member(account.ActMenu)
	page := core.View{Title: "Custom menu", Template: "mp/menu", Load: u.loadMenu}
	h("GET /mp/a/{account}/menu", u.Get(m, page))
	h("POST /mp/a/{account}/menu", core.Post(u.UI, m, core.Form[core.None]{View: page, Read: parseMultipart, Do: u.menuSave}))
	h("POST /mp/a/{account}/menu/conditional", core.Post(u.UI, m, core.Form[core.None]{View: page, Read: parseMultipart, Do: u.menuAddConditional}))
	h("POST /mp/a/{account}/menu/conditional/{menu}/delete", core.Post(u.UI, m, core.Form[int64]{Parse: menuID, Do: u.menuDeleteConditional}))
	h("POST /mp/a/{account}/menu/delete", core.Post(u.UI, m, core.Form[core.None]{Do: u.menuDeleteAll}))
}

// loadMenu fills the menu page: the editors hold the default menu, or what
// was submitted when a form is re-shown with an error.
func (u *UI) loadMenu(r *http.Request, p *core.Page) error {
	c := p.Console
	ctx := r.Context()
	def, conds, err := u.MenuStore.All(ctx, c.Account.ID)
	if err != nil {
		return err
	}
	d := &menuData{Default: def, Conditional: conds, TagNames: map[string]string{}, accountID: c.Account.ID}
	if u.Audience != nil {
		if d.Tags, err = u.Audience.Tags(ctx, c.Account.ID); err != nil {
			return err
		}
		for _, t := range d.Tags {
			d.TagNames[strconv.FormatInt(t.ID, 10)] = t.Name
		}
		if d.Followers, err = u.Audience.Followers(ctx, c.Account.ID, audience.Query{Limit: 30}); err != nil {
			return err
		}
	}
	form := url.Values{}
	if def != nil {
		for i, b := range def.Buttons {
			buttonToForm(form, fmt.Sprintf("b.%d", i), b)
		}
	}
	for k, v := range p.Form {
		form[k] = v
	}
	p.Form = form
	if err := u.findUnanswered(r, d, def, conds, form); err != nil {
		return err
	}
	lib := u.library(r, c.Account.ID)
	d.Editor = newMenuEditor(p, "b", c.Account.ID, lib, d.Unanswered)
	d.CondEditor = newMenuEditor(p, "c", c.Account.ID, lib, d.Unanswered)
	if as := strings.TrimSpace(r.URL.Query().Get("as")); as != "" && u.Follows != nil {
		d.PreviewAs = as
		f, err := u.Follows.ByOpenID(ctx, c.Account.ID, as)
		if errors.Is(err, errs.NotFound) {
			p.Fields["as"] = u.T(r, "No follower of this account has that openid.")
		} else if err != nil {
			return err
		} else if d.Preview, err = u.MenuStore.ForFollower(ctx, c.Account.ID, f.PersonID); err != nil {
			return err
		}
	} else if def != nil {
		d.Preview = def.Buttons
	}
	now := u.Clock.Now()
	if d.Clicks, err = u.MenuStore.ClicksByButton(ctx, c.Account.ID, now.Add(-30*24*time.Hour), now.Add(time.Second)); err != nil {
		return err
	}
	p.Data = d
	return nil
}

// findUnanswered fills the names of the menus' buttons (for the clicks
// table) and the click keys that nothing answers: with no developer server,
// a click is answered only by a keyword rule matching its key (the menu
// responder's keyword step), so a key no rule matches does nothing. Keys in
// the form being edited are checked too.
func (u *UI) findUnanswered(r *http.Request, d *menuData, def *menu.Menu, conds []*menu.Menu, form url.Values) error {
	ctx := r.Context()
	accountID := d.accountID
	d.ButtonNames, d.Unanswered = map[string]string{}, map[string]bool{}
	if u.Developer.Settings != nil {
		set, err := u.Developer.Settings.Get(ctx, accountID)
		if err != nil {
			return err
		}
		d.HasServer = set.Configured()
	}
	var rules []*autoreply.Rule
	if u.AutoReplies != nil {
		all, err := u.AutoReplies.Rules(ctx, accountID)
		if err != nil {
			return err
		}
		for _, rule := range all {
			if rule.Kind == autoreply.KindKeyword {
				rules = append(rules, rule)
			}
		}
	}
	answered := func(key string) bool {
		return d.HasServer || len(autoreply.Match(rules, key, func(int) int { return 0 })) > 0
	}
	var walk func(bs []menu.Button)
	walk = func(bs []menu.Button) {
		for _, b := range bs {
			walk(b.SubButtons)
			switch {
			case b.Type == menu.TypeView:
				d.ButtonNames[b.URL] = b.Name
			case b.Key != "":
				d.ButtonNames[b.Key] = b.Name
			}
			if b.Type == menu.TypeClick && b.Key != "" && !answered(b.Key) {
				if !d.Unanswered[b.Key] {
					d.UnansweredNames = append(d.UnansweredNames, b.Name)
				}
				d.Unanswered[b.Key] = true
			}
		}
	}
	if def != nil {
		walk(def.Buttons)
	}
	for _, m := range conds {
		walk(m.Buttons)
	}
	for k, v := range form {
		if strings.HasSuffix(k, ".type") && len(v) > 0 && v[0] == menu.TypeClick {
			if key := strings.TrimSpace(form.Get(strings.TrimSuffix(k, ".type") + ".key")); key != "" && !answered(key) {
				d.Unanswered[key] = true
			}
		}
	}
	return nil
}

func (u *UI) menuSave(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	mf, err := u.readMenu(r, "b", c.Account.ID)
	if err != nil {
		return core.Done{}, err
	}
	if _, err := u.MenuStore.SetDefault(authored(r), c.Account.ID, mf.Buttons); err != nil {
		return core.Done{}, mf.formError(err)
	}
	return core.Done{To: "menu", Flash: "Menu published. Followers see it the next time they open the conversation."}, nil
}

func (u *UI) menuAddConditional(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	mf, err := u.readMenu(r, "c", c.Account.ID)
	if err != nil {
		return core.Done{}, err
	}
	if _, err := u.MenuStore.AddConditional(authored(r), c.Account.ID, mf.Buttons, menu.MatchRule{TagID: r.PostForm.Get("tag_id")}); err != nil {
		return core.Done{}, mf.formError(err)
	}
	return core.Done{To: "menu", Flash: "Conditional menu added."}, nil
}

func menuID(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return core.PathID(r, "menu") }

func (u *UI) menuDeleteConditional(r *http.Request, c *core.ConsoleCtx, mid int64) (core.Done, error) {
	if err := u.MenuStore.DeleteConditional(authored(r), c.Account.ID, mid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "menu", Flash: "Conditional menu deleted."}, nil
}

func (u *UI) menuDeleteAll(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if err := u.MenuStore.DeleteAll(authored(r), c.Account.ID); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "menu", Flash: "All menus deleted."}, nil
}
