package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/db"
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
}

type menuSlot struct {
	P       *core.Page
	Prefix  string // e.g. "b.0" or "b.0.s.3"
	Label   string
	Account int64
	Sub     []menuSlot // top-level only
	IsTop   bool
	Lib     *libChoices
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
}

func newMenuEditor(p *core.Page, prefix string, accountID int64, lib *libChoices) *menuEditor {
	e := &menuEditor{P: p, Prefix: prefix, Account: accountID}
	for i := 0; i < menu.MaxButtons; i++ {
		top := menuSlot{P: p, Prefix: fmt.Sprintf("%s.%d", prefix, i), Label: fmt.Sprintf("Button %d", i+1), Account: accountID, IsTop: true, Lib: lib}
		for j := 0; j < menu.MaxSubButtons; j++ {
			top.Sub = append(top.Sub, menuSlot{P: p, Prefix: fmt.Sprintf("%s.s.%d", top.Prefix, j), Label: fmt.Sprintf("Item %d", j+1), Account: accountID, Lib: lib})
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
	if strings.HasPrefix(b.MediaID, "M") {
		form.Set(prefix+".library", b.MediaID)
	} else {
		form.Set(prefix+".media", b.MediaID)
	}
	for j, s := range b.SubButtons {
		buttonToForm(form, fmt.Sprintf("%s.s.%d", prefix, j), s)
	}
}

// readButton reads one button from the form; ok is false for an unused slot.
func (u *UI) readButton(r *http.Request, prefix string, accountID int64, top bool) (menu.Button, bool, error) {
	f := r.PostForm
	b := menu.Button{Name: strings.TrimSpace(f.Get(prefix + ".name")), Type: f.Get(prefix + ".type")}
	if b.Name == "" && (b.Type == "" || b.Type == "sub") {
		return b, false, nil
	}
	switch b.Type {
	case "sub":
		if !top {
			return b, true, &menu.Error{Code: 40022, Err: errs.Invalidf("Menu items cannot have their own sub-menu.")}
		}
		b.Type = ""
		for j := 0; j < menu.MaxSubButtons; j++ {
			s, ok, err := u.readButton(r, fmt.Sprintf("%s.s.%d", prefix, j), accountID, false)
			if err != nil {
				return b, true, err
			}
			if ok {
				b.SubButtons = append(b.SubButtons, s)
			}
		}
		if len(b.SubButtons) == 0 {
			return b, true, &menu.Error{Code: 40023, Err: errs.Invalidf("The sub-menu of %q has no items.", b.Name)}
		}
	case menu.TypeClick:
		b.Key = strings.TrimSpace(f.Get(prefix + ".key"))
	case menu.TypeView:
		b.URL = strings.TrimSpace(f.Get(prefix + ".url"))
	case menu.TypeMiniProgram:
		b.URL, b.AppID, b.PagePath = strings.TrimSpace(f.Get(prefix+".url")), strings.TrimSpace(f.Get(prefix+".appid")), strings.TrimSpace(f.Get(prefix+".pagepath"))
		if err := u.menuWebApp(r, accountID, prefix, &b); err != nil {
			return b, true, err
		}
	case menu.TypeArticleID:
		b.ArticleID = strings.TrimSpace(f.Get(prefix + ".article_id"))
	case menu.TypeMediaID:
		if mid := f.Get(prefix + ".library"); mid != "" {
			if _, err := u.libraryImage(r, accountID, mid, prefix); err != nil {
				return b, true, &menu.Error{Code: 40007, Err: errs.Invalidf("%s: %s", b.Name, errs.Message(err))}
			}
			b.MediaID, b.Key = mid, mid
			f.Set(prefix+".media", "")
			break
		}
		saved, err := u.uploadImage(r, prefix+".image", "menu", accountID)
		if err != nil {
			return b, true, err
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

func (u *UI) readButtons(r *http.Request, prefix string, accountID int64) ([]menu.Button, error) {
	var out []menu.Button
	for i := 0; i < menu.MaxButtons; i++ {
		b, ok, err := u.readButton(r, fmt.Sprintf("%s.%d", prefix, i), accountID, true)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, b)
		}
	}
	return out, nil
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
	d := &menuData{Default: def, Conditional: conds, TagNames: map[string]string{}}
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
	lib := u.library(r, c.Account.ID)
	d.Editor = newMenuEditor(p, "b", c.Account.ID, lib)
	d.CondEditor = newMenuEditor(p, "c", c.Account.ID, lib)
	if as := strings.TrimSpace(r.URL.Query().Get("as")); as != "" && u.Follows != nil {
		d.PreviewAs = as
		f, err := u.Follows.ByOpenID(ctx, c.Account.ID, as)
		if errors.Is(err, db.ErrNotFound) {
			p.Fields["as"] = "No follower of this account has that openid."
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

// menuFormError shows a menu's error over the whole form, with WeChat's
// error code when it has one.
func menuFormError(err error) error {
	e := core.UserError(err)
	if e == nil {
		return err
	}
	msg := e.Message
	var me *menu.Error
	if errors.As(err, &me) {
		msg = fmt.Sprintf("%s (WeChat error %d)", e.Message, me.Code)
	}
	return &errs.Error{Kind: e.Kind, Message: msg, Err: err}
}

func (u *UI) menuSave(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	buttons, err := u.readButtons(r, "b", c.Account.ID)
	if err == nil {
		_, err = u.MenuStore.SetDefault(authored(r), c.Account.ID, buttons)
	}
	if err != nil {
		return core.Done{}, menuFormError(err)
	}
	return core.Done{To: "menu", Flash: "Menu published. Followers see it the next time they open the conversation."}, nil
}

func (u *UI) menuAddConditional(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	buttons, err := u.readButtons(r, "c", c.Account.ID)
	if err == nil {
		_, err = u.MenuStore.AddConditional(authored(r), c.Account.ID, buttons, menu.MatchRule{TagID: r.PostForm.Get("tag_id")})
	}
	if err != nil {
		return core.Done{}, menuFormError(err)
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
