package wxapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

type menuIn struct {
	Button []menu.Button `json:"button"`
}

// byAPI is the context of a menu change made through the API: its
// version's author is "API".
func byAPI(ctx context.Context) context.Context { return confver.WithAuthor(ctx, confver.API) }

// POST /cgi-bin/menu/create {"button":[...]}
func (api *API) menuCreate(ctx context.Context, a *account.Account, in *menuIn) (any, error) {
	if err := menu.CheckAPI(in.Button); err != nil {
		return nil, domainErr(err)
	}
	_, err := api.Menus.SetDefault(byAPI(ctx), a.ID, in.Button)
	return nil, domainErr(err)
}

type menuOut struct {
	Button    []menu.Button   `json:"button"`
	MenuID    int64           `json:"menuid"`
	MatchRule *menu.MatchRule `json:"matchrule,omitempty"`
}

// GET /cgi-bin/menu/get
func (api *API) menuGet(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	def, conds, err := api.Menus.All(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if def == nil {
		return nil, wxerr.New(46003)
	}
	out := struct {
		Menu            menuOut   `json:"menu"`
		ConditionalMenu []menuOut `json:"conditionalmenu,omitempty"`
	}{Menu: menuOut{Button: menu.ForAPI(def.Buttons), MenuID: def.ID}}
	for _, m := range conds {
		out.ConditionalMenu = append(out.ConditionalMenu, menuOut{Button: menu.ForAPI(m.Buttons), MenuID: m.ID, MatchRule: m.MatchRule})
	}
	return out, nil
}

// GET /cgi-bin/menu/delete: the default and every conditional menu.
func (api *API) menuDelete(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	return nil, api.Menus.DeleteAll(byAPI(ctx), a.ID)
}

// selfButton is a button in get_current_selfmenu_info's shape, where
// sub-buttons sit in {"list":[...]}.
type selfButton struct {
	Type      string      `json:"type,omitempty"`
	Name      string      `json:"name"`
	Key       string      `json:"key,omitempty"`
	URL       string      `json:"url,omitempty"`
	Value     string      `json:"value,omitempty"`
	AppID     string      `json:"appid,omitempty"`
	PagePath  string      `json:"pagepath,omitempty"`
	ArticleID string      `json:"article_id,omitempty"`
	NewsInfo  *selfNews   `json:"news_info,omitempty"`
	SubButton *selfSubBtn `json:"sub_button,omitempty"`
}

// selfNews is a news button's article card in get_current_selfmenu_info.
type selfNews struct {
	List []selfNewsItem `json:"list"`
}

type selfNewsItem struct {
	Title      string `json:"title"`
	Author     string `json:"author"`
	Digest     string `json:"digest"`
	ShowCover  int    `json:"show_cover"`
	CoverURL   string `json:"cover_url"`
	ContentURL string `json:"content_url"`
	SourceURL  string `json:"source_url"`
}

type selfSubBtn struct {
	List []selfButton `json:"list"`
}

// toSelf turns buttons into get_current_selfmenu_info's shape. Buttons set
// in the console that send a message show it as WeChat shows them: type
// text / img / news with the text or media id in value, and a news
// button's article card in news_info.
func (api *API) toSelf(ctx context.Context, accountID int64, bs []menu.Button) ([]selfButton, error) {
	out := make([]selfButton, 0, len(bs))
	for _, b := range bs {
		s := selfButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID, PagePath: b.PagePath, ArticleID: b.ArticleID}
		if b.MediaID != "" {
			s.Value = b.MediaID
		}
		if menu.ConsoleTypes[b.Type] {
			s.Key, s.Value = "", b.Value
		}
		if b.Type == menu.TypeNews && api.MenuArticle != nil {
			art, err := api.MenuArticle(ctx, accountID, b.Value)
			if err != nil && errs.KindOf(err) == errs.KindInternal && !errors.Is(err, errs.NotFound) {
				return nil, err
			}
			if err == nil {
				base := strings.TrimSuffix(api.BaseURL, "/")
				item := selfNewsItem{Title: art.Title, Digest: art.Description, ContentURL: base + art.URL}
				if art.PicURL != "" {
					item.ShowCover, item.CoverURL = 1, base+art.PicURL
				}
				s.NewsInfo = &selfNews{List: []selfNewsItem{item}}
			}
		}
		if len(b.SubButtons) > 0 {
			sub, err := api.toSelf(ctx, accountID, b.SubButtons)
			if err != nil {
				return nil, err
			}
			s.SubButton = &selfSubBtn{List: sub}
		}
		out = append(out, s)
	}
	return out, nil
}

// GET /cgi-bin/get_current_selfmenu_info: the menu as followers see it by
// default, whether set in the console or through the API.
func (api *API) selfMenuInfo(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	def, err := api.Menus.Default(ctx, a.ID)
	open := 1
	var buttons []selfButton
	switch {
	case errors.Is(err, menu.ErrNoMenu):
		open, buttons = 0, []selfButton{}
	case err != nil:
		return nil, err
	default:
		if buttons, err = api.toSelf(ctx, a.ID, def.Buttons); err != nil {
			return nil, err
		}
	}
	return struct {
		IsMenuOpen   int `json:"is_menu_open"`
		SelfMenuInfo struct {
			Button []selfButton `json:"button"`
		} `json:"selfmenu_info"`
	}{IsMenuOpen: open, SelfMenuInfo: struct {
		Button []selfButton `json:"button"`
	}{buttons}}, nil
}

// FlexString reads a value that SDKs send as a JSON string or a number
// (ids, industry codes), as the string.
type FlexString string

func (f *FlexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = FlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = FlexString(n.String())
	return nil
}

type conditionalIn struct {
	Button    []menu.Button `json:"button"`
	MatchRule struct {
		TagID              FlexString `json:"tag_id"`
		GroupID            FlexString `json:"group_id"`
		ClientPlatformType FlexString `json:"client_platform_type"`
		Sex                FlexString `json:"sex"`
		Country            string     `json:"country"`
		Province           string     `json:"province"`
		City               string     `json:"city"`
		Language           string     `json:"language"`
	} `json:"matchrule"`
}

// POST /cgi-bin/menu/addconditional {"button":[...],"matchrule":{...}}
func (api *API) menuAddConditional(ctx context.Context, a *account.Account, in *conditionalIn) (any, error) {
	if err := menu.CheckAPI(in.Button); err != nil {
		return nil, domainErr(err)
	}
	mr := in.MatchRule
	rule := menu.MatchRule{TagID: string(mr.TagID), GroupID: string(mr.GroupID), ClientPlatformType: string(mr.ClientPlatformType),
		Sex: string(mr.Sex), Country: mr.Country, Province: mr.Province, City: mr.City, Language: mr.Language}
	m, err := api.Menus.AddConditional(byAPI(ctx), a.ID, in.Button, rule)
	if err != nil {
		return nil, domainErr(err)
	}
	return struct {
		MenuID string `json:"menuid"`
	}{strconv.FormatInt(m.ID, 10)}, nil
}

type menuIDIn struct {
	MenuID FlexString `json:"menuid"`
	UserID string     `json:"user_id"`
}

// POST /cgi-bin/menu/delconditional {"menuid":"..."}
func (api *API) menuDelConditional(ctx context.Context, a *account.Account, in *menuIDIn) (any, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(string(in.MenuID)), 10, 64)
	if err != nil {
		return nil, wxerr.New(65301)
	}
	return nil, domainErr(api.Menus.DeleteConditional(byAPI(ctx), a.ID, id))
}

// POST /cgi-bin/menu/trymatch {"user_id":"openid"}
func (api *API) menuTryMatch(ctx context.Context, a *account.Account, in *menuIDIn) (any, error) {
	f, err := api.follower(ctx, a, in.UserID)
	if err != nil {
		if errors.Is(err, wxerr.New(wxerr.CodeInvalidOpenID)) {
			return nil, wxerr.New(65302)
		}
		return nil, err
	}
	buttons, err := api.Menus.ForFollower(ctx, a.ID, f.PersonID)
	if err != nil {
		return nil, err
	}
	if len(buttons) == 0 {
		return nil, wxerr.New(46003)
	}
	return menuIn{Button: menu.ForAPI(buttons)}, nil
}

// GET /cgi-bin/get_current_autoreply_info
func (api *API) autoReplyInfo(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	return api.AutoReplies.Info(ctx, a.ID)
}
