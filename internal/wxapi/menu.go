package wxapi

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

func (api *API) registerMenu() {
	api.handle("/cgi-bin/menu/create", capMenu, api.menuCreate)
	api.handle("/cgi-bin/menu/get", capMenu, api.menuGet)
	api.handle("/cgi-bin/menu/delete", capMenu, api.menuDelete)
	api.handle("/cgi-bin/get_current_selfmenu_info", capBasic, api.selfMenuInfo)
	api.handle("/cgi-bin/menu/addconditional", capCondMenu, api.menuAddConditional)
	api.handle("/cgi-bin/menu/delconditional", capCondMenu, api.menuDelConditional)
	api.handle("/cgi-bin/menu/trymatch", capCondMenu, api.menuTryMatch)
	api.handle("/cgi-bin/get_current_autoreply_info", capBasic, api.autoReplyInfo)
}

// POST /cgi-bin/menu/create {"button":[...]}
func (api *API) menuCreate(c *call) error {
	var in struct {
		Button []menu.Button `json:"button"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := api.Menus.SetDefault(c.r.Context(), c.account.ID, in.Button); err != nil {
		return domainErr(err)
	}
	return c.ok()
}

type menuOut struct {
	Button    []menu.Button   `json:"button"`
	MenuID    int64           `json:"menuid"`
	MatchRule *menu.MatchRule `json:"matchrule,omitempty"`
}

// GET /cgi-bin/menu/get
func (api *API) menuGet(c *call) error {
	def, conds, err := api.Menus.All(c.r.Context(), c.account.ID)
	if err != nil {
		return err
	}
	if def == nil {
		return wxerr.New(46003)
	}
	out := struct {
		Menu            menuOut   `json:"menu"`
		ConditionalMenu []menuOut `json:"conditionalmenu,omitempty"`
	}{Menu: menuOut{Button: def.Buttons, MenuID: def.ID}}
	for _, m := range conds {
		out.ConditionalMenu = append(out.ConditionalMenu, menuOut{Button: m.Buttons, MenuID: m.ID, MatchRule: m.MatchRule})
	}
	return c.json(out)
}

// GET /cgi-bin/menu/delete: the default and every conditional menu.
func (api *API) menuDelete(c *call) error {
	if err := api.Menus.DeleteAll(c.r.Context(), c.account.ID); err != nil {
		return err
	}
	return c.ok()
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
	SubButton *selfSubBtn `json:"sub_button,omitempty"`
}

type selfSubBtn struct {
	List []selfButton `json:"list"`
}

func toSelf(bs []menu.Button) []selfButton {
	out := make([]selfButton, 0, len(bs))
	for _, b := range bs {
		s := selfButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID, PagePath: b.PagePath, ArticleID: b.ArticleID}
		if b.MediaID != "" {
			s.Value = b.MediaID
		}
		if len(b.SubButtons) > 0 {
			s.SubButton = &selfSubBtn{List: toSelf(b.SubButtons)}
		}
		out = append(out, s)
	}
	return out
}

// GET /cgi-bin/get_current_selfmenu_info: the menu as followers see it by
// default, whether set in the console or through the API.
func (api *API) selfMenuInfo(c *call) error {
	def, err := api.Menus.Default(c.r.Context(), c.account.ID)
	open := 1
	var buttons []selfButton
	switch {
	case errors.Is(err, menu.ErrNoMenu):
		open, buttons = 0, []selfButton{}
	case err != nil:
		return err
	default:
		buttons = toSelf(def.Buttons)
	}
	return c.json(struct {
		IsMenuOpen   int `json:"is_menu_open"`
		SelfMenuInfo struct {
			Button []selfButton `json:"button"`
		} `json:"selfmenu_info"`
	}{IsMenuOpen: open, SelfMenuInfo: struct {
		Button []selfButton `json:"button"`
	}{buttons}})
}

// flexString accepts a JSON string or number (SDKs send both for ids).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// POST /cgi-bin/menu/addconditional {"button":[...],"matchrule":{...}}
func (api *API) menuAddConditional(c *call) error {
	var in struct {
		Button    []menu.Button `json:"button"`
		MatchRule struct {
			TagID              flexString `json:"tag_id"`
			GroupID            flexString `json:"group_id"`
			ClientPlatformType flexString `json:"client_platform_type"`
			Sex                flexString `json:"sex"`
			Country            string     `json:"country"`
			Province           string     `json:"province"`
			City               string     `json:"city"`
			Language           string     `json:"language"`
		} `json:"matchrule"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	mr := in.MatchRule
	rule := menu.MatchRule{TagID: string(mr.TagID), GroupID: string(mr.GroupID), ClientPlatformType: string(mr.ClientPlatformType),
		Sex: string(mr.Sex), Country: mr.Country, Province: mr.Province, City: mr.City, Language: mr.Language}
	m, err := api.Menus.AddConditional(c.r.Context(), c.account.ID, in.Button, rule)
	if err != nil {
		return domainErr(err)
	}
	return c.json(struct {
		MenuID string `json:"menuid"`
	}{strconv.FormatInt(m.ID, 10)})
}

// POST /cgi-bin/menu/delconditional {"menuid":"..."}
func (api *API) menuDelConditional(c *call) error {
	var in struct {
		MenuID flexString `json:"menuid"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(in.MenuID)), 10, 64)
	if err != nil {
		return wxerr.New(65301)
	}
	if err := api.Menus.DeleteConditional(c.r.Context(), c.account.ID, id); err != nil {
		return domainErr(err)
	}
	return c.ok()
}

// POST /cgi-bin/menu/trymatch {"user_id":"openid"}
func (api *API) menuTryMatch(c *call) error {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f, err := c.follower(in.UserID)
	if err != nil {
		if errors.Is(err, wxerr.New(wxerr.CodeInvalidOpenID)) {
			return wxerr.New(65302)
		}
		return err
	}
	buttons, err := api.Menus.ForFollower(c.r.Context(), c.account.ID, f.PersonID)
	if err != nil {
		return err
	}
	if len(buttons) == 0 {
		return wxerr.New(46003)
	}
	return c.json(struct {
		Button []menu.Button `json:"button"`
	}{buttons})
}

// GET /cgi-bin/get_current_autoreply_info
func (api *API) autoReplyInfo(c *call) error {
	info, err := api.AutoReplies.Info(c.r.Context(), c.account.ID)
	if err != nil {
		return err
	}
	return c.json(info)
}
