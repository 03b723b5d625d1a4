package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
)

// registerMessaging adds the routes of the messaging-and-automation
// feature: auto-replies, the custom menu editor, the
// customer-service inbox, followers and the account team. See
// docs/messaging.md.
func (u *UI) registerMessaging(h core.Route) {
	if u.Menus == nil && u.MenuStore != nil {
		u.Menus = menuSource{u.MenuStore}
	}
	if u.AutoReplies != nil {
		u.AddNav(core.NavItem{Label: "Auto-replies", Path: "autoreply", Action: account.ActAutoReply, Order: 30})
		u.registerAutoreply(h)
		h("GET /mp/a/{account}/autoreply/media", u.messagingMedia(account.ActAutoReply, "autoreply"))
	}
	if u.MenuStore != nil {
		u.AddNav(core.NavItem{Label: "Custom menu", Path: "menu", Action: account.ActMenu, Order: 32})
		u.registerMenu(h)
		h("GET /mp/a/{account}/menu/media", u.messagingMedia(account.ActMenu, "menu"))
	}
	if u.Inbox != nil {
		u.AddNav(core.NavItem{Label: "Inbox", Path: "inbox", Action: account.ActInbox, Order: 34})
		u.registerInbox(h)
	}
	if u.Audience != nil {
		u.AddNav(core.NavItem{Label: "Followers", Path: "followers", Action: account.ActFollowers, Order: 36})
		u.registerFollowers(h)
	}
	u.registerTeam(h)
}

// menuSource adapts the menu store to the follower app's MenuSource.
type menuSource struct{ s *menu.Store }

func (m menuSource) ForFollower(ctx context.Context, accountID, personID int64) ([]core.MenuButton, error) {
	bs, err := m.s.ForFollower(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	return toMenuButtons(bs), nil
}

func (m menuSource) ButtonsSQL(accountCol, personCol string) string {
	return menu.FollowerButtonsSQL(accountCol, personCol)
}

func (m menuSource) DecodeButtons(text string) ([]core.MenuButton, error) {
	bs, err := menu.DecodeButtons(text)
	if err != nil {
		return nil, err
	}
	return toMenuButtons(bs), nil
}

func toMenuButtons(bs []menu.Button) []core.MenuButton {
	out := make([]core.MenuButton, 0, len(bs))
	for _, b := range bs {
		out = append(out, core.MenuButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, MediaID: b.MediaID, ArticleID: b.ArticleID,
			AppID: b.AppID, PagePath: b.PagePath, SubButtons: toMenuButtons(b.SubButtons)})
	}
	return out
}

// mediaPrefix is where a console feature stores uploads for an account; a
// key is served only to members of that account.
func mediaPrefix(feature string, accountID int64) string {
	return feature + "/" + strconv.FormatInt(accountID, 10) + "/"
}

// messagingMedia serves an image uploaded by a console feature
// (?key=feature/account/...), to members allowed to take action.
func (u *UI) messagingMedia(action, feature string) web.HandlerFunc {
	return u.In(u.Member(action), func(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
		key := r.URL.Query().Get("key")
		prefix := mediaPrefix(feature, c.Account.ID)
		if len(key) <= len(prefix) || key[:len(prefix)] != prefix {
			return errs.NotFoundf("No such image.")
		}
		return media.Serve(w, r, u.Media, key, "")
	})
}

// uploadImage saves the image in the multipart field name, if one was
// sent, under the feature's prefix for the account.
func (u *UI) uploadImage(r *http.Request, field, feature string, accountID int64) (*media.Saved, error) {
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.FieldInvalid(field, "The image could not be read.")
	}
	defer f.Close()
	saved, err := media.Save(r.Context(), u.Media, mediaPrefix(feature, accountID), media.Image, f)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.KindInvalid && e.Field == "" {
			return nil, errs.FieldInvalid(field, "%s", e.Message)
		}
		return nil, err
	}
	return saved, nil
}

// parseMultipart reads a form that may carry an image (at most 11 MiB).
func parseMultipart(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 11<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return core.ParseForm(w, r)
		}
		if core.TooLarge(err) {
			return errs.Invalidf("The form is too large (images: at most 10 MB).")
		}
		return errs.Invalidf("The form could not be read.")
	}
	return nil
}

// httpURL reports whether s is a full http(s) address.
func httpURL(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	pu, err := url.Parse(s)
	return err == nil && (pu.Scheme == "http" || pu.Scheme == "https") && pu.Host != ""
}

// libChoices is what an account's media library and published articles
// offer to auto-replies and menu buttons (empty without publishing).
type libChoices struct {
	Images   []*publish.Asset
	Articles []*publish.Publication
	WebApps  []*webapp.App // linked web apps, for miniprogram buttons
}

func (u *UI) library(r *http.Request, accountID int64) *libChoices {
	lc := &libChoices{}
	if u.WebApps != nil {
		if apps, err := u.WebApps.List(r.Context(), accountID); err == nil {
			lc.WebApps = apps
		}
	}
	if u.Publish == nil {
		return lc
	}
	if imgs, err := u.Publish.Assets(r.Context(), accountID, publish.AssetImage, 50); err == nil {
		lc.Images = imgs
	}
	if pubs, err := u.Publish.List(r.Context(), accountID, []string{publish.StatePublished}, 0, 30); err == nil {
		for _, p := range pubs {
			if p.FirstArticleID != 0 {
				lc.Articles = append(lc.Articles, p)
			}
		}
	}
	return lc
}

// libraryImage returns the account's library image with media_id.
func (u *UI) libraryImage(r *http.Request, accountID int64, mediaID, field string) (*publish.Asset, error) {
	if u.Publish == nil {
		return nil, errs.FieldInvalid(field, "There is no media library.")
	}
	a, err := u.Publish.Asset(r.Context(), accountID, mediaID)
	if err != nil || a.Kind != publish.AssetImage {
		return nil, errs.FieldInvalid(field, "That image is not in the account's media library.")
	}
	return a, nil
}

// libraryArticle returns the card of one of the account's published
// articles (by article id), with absolute links.
func (u *UI) libraryArticle(r *http.Request, accountID int64, articleID, field string) (*message.Article, error) {
	id, err := strconv.ParseInt(articleID, 10, 64)
	if err != nil || u.Publish == nil {
		return nil, errs.FieldInvalid(field, "Choose one of the account's published articles.")
	}
	rd, err := u.Publish.Read(r.Context(), id, 0, "")
	if err != nil || rd.Preview || rd.Account == nil || rd.Account.ID != accountID {
		return nil, errs.FieldInvalid(field, "Choose one of the account's published articles.")
	}
	a := &message.Article{Title: rd.Article.Title, Description: rd.Article.Digest, URL: u.BaseURL + publish.ArticlePath(id)}
	if rd.Article.CoverMediaID != "" {
		a.PicURL = u.BaseURL + rd.Article.CoverURL()
	}
	if len([]rune(a.Description)) > 120 {
		a.Description = string([]rune(a.Description)[:119]) + "…"
	}
	return a, nil
}
