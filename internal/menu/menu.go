// Package menu holds an account's custom menus: the default menu, the
// conditional menus that apply to followers with a tag, their validation
// against WeChat's limits (each failure carries WeChat's errcode), and the
// record of menu clicks used by analytics.
//
// A menu is WeChat's button tree and marshals to WeChat's JSON exactly, so
// the developer API (menu/create, menu/get, addconditional, trymatch) can
// pass it through.
package menu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/jsonmemo"
)

// Button types, as on WeChat.
const (
	TypeClick              = "click"
	TypeView               = "view"
	TypeMiniProgram        = "miniprogram" // Herald: a linked web app (appid + pagepath, url as fallback)
	TypeScanPush           = "scancode_push"
	TypeScanWait           = "scancode_waitmsg"
	TypePicSysPhoto        = "pic_sysphoto"
	TypePicPhotoOrAlbum    = "pic_photo_or_album"
	TypePicWeixin          = "pic_weixin"
	TypeLocationSelect     = "location_select"
	TypeMediaID            = "media_id"
	TypeViewLimited        = "view_limited"
	TypeArticleID          = "article_id"
	TypeArticleViewLimited = "article_view_limited"

	// Buttons that send a message configured in the console, needing no
	// developer server: WeChat's menu editor calls them "send a message",
	// and get_current_selfmenu_info shows them with these types and the
	// message in value (news: also news_info). The developer API's
	// menu/create does not accept them (see CheckAPI).
	TypeText = "text" // Value: the text
	TypeImg  = "img"  // Value: the media library's image (media_id "M…")
	TypeNews = "news" // Value: the article (first article's numeric id, or an "A…" article_id)
)

// ConsoleTypes are the button types only the console's editor sets.
var ConsoleTypes = map[string]bool{TypeText: true, TypeImg: true, TypeNews: true}

// MaxTextBytes is the longest text a text button sends (a text message's
// limit).
const MaxTextBytes = 2048

// keyTypes need a key.
var keyTypes = map[string]bool{TypeClick: true, TypeScanPush: true, TypeScanWait: true, TypePicSysPhoto: true,
	TypePicPhotoOrAlbum: true, TypePicWeixin: true, TypeLocationSelect: true}

// Limits, as on WeChat.
const (
	MaxButtons        = 3
	MaxSubButtons     = 5
	MaxNameBytes      = 16 // top-level
	MaxSubNameBytes   = 60
	MaxKeyBytes       = 128
	MaxURLBytes       = 1024
	MaxDomains        = 3  // across every menu of an account
	MaxConditional    = 20 // conditional menus per account
	MaxMediaIDBytes   = 128
	MaxArticleIDBytes = 128
)

// Button is one menu button; a button has either a Type or SubButtons.
type Button struct {
	Type       string   `json:"type,omitempty"`
	Name       string   `json:"name"`
	Key        string   `json:"key,omitempty"`
	URL        string   `json:"url,omitempty"`
	MediaID    string   `json:"media_id,omitempty"`
	ArticleID  string   `json:"article_id,omitempty"`
	AppID      string   `json:"appid,omitempty"`
	PagePath   string   `json:"pagepath,omitempty"`
	Value      string   `json:"value,omitempty"` // text, img, news: the message the button sends
	SubButtons []Button `json:"sub_button,omitempty"`
}

// MatchRule says which followers a conditional menu is for. Only tag_id and
// client_platform_type remain on WeChat; the privacy-sensitive conditions are
// refused with 65320.
type MatchRule struct {
	TagID              string `json:"tag_id,omitempty"`
	ClientPlatformType string `json:"client_platform_type,omitempty"`
	// Refused conditions, kept so that a payload using them is rejected.
	Sex      string `json:"sex,omitempty"`
	Country  string `json:"country,omitempty"`
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
	Language string `json:"language,omitempty"`
	GroupID  string `json:"group_id,omitempty"` // old name of tag_id
}

// Menu is a stored menu: the default one (Conditional false) or a
// conditional one with its rule.
type Menu struct {
	ID          int64      `json:"menuid"`
	AccountID   int64      `json:"-"`
	Conditional bool       `json:"-"`
	Buttons     []Button   `json:"button"`
	MatchRule   *MatchRule `json:"matchrule,omitempty"`
	CreatedAt   time.Time  `json:"-"`
}

// Error is a validation failure with WeChat's errcode; it unwraps to an
// *errs.Error with a message for the console.
type Error struct {
	Code int
	Err  *errs.Error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the domain error.
func (e *Error) Unwrap() error { return e.Err }

// WXCode returns the WeChat errcode.
func (e *Error) WXCode() int { return e.Code }

func invalid(code int, field, format string, args ...any) *Error {
	return &Error{Code: code, Err: errs.FieldInvalid(field, format, args...)}
}

// Errors a developer-API caller can match with errors.Is.
var (
	ErrNoDefault      = &Error{Code: 65303, Err: errs.Conflictf("Publish a default menu before adding conditional menus.")}
	ErrNoConditional  = &Error{Code: 65301, Err: errs.NotFoundf("There is no such conditional menu.")}
	ErrNoMenu         = &Error{Code: 46003, Err: errs.NotFoundf("The account has no menu.")}
	ErrEmptyMatchRule = &Error{Code: 65304, Err: errs.FieldInvalid("tag_id", "Choose the tag this menu is for.")}
	ErrPrivacyRule    = &Error{Code: 65320, Err: errs.FieldInvalid("tag_id", "Menus cannot be matched by gender, region or language; use a tag.")}
	ErrTooManyMenus   = &Error{Code: 65305, Err: errs.Conflictf("An account has at most %d conditional menus.", MaxConditional)}
	ErrTooManyDomains = &Error{Code: 65316, Err: errs.Invalidf("The links of all menus together may point to at most %d domains.", MaxDomains)}
	ErrUnknownTag     = &Error{Code: 45159, Err: errs.FieldInvalid("tag_id", "There is no such tag.")}
)

// Validate checks a button tree against WeChat's limits and reports every
// fault it finds (an errs.List when there are several; the first is what
// the developer API answers, as before). Field names in the errors are
// "button.N" / "button.N.M" (zero-based) followed by the part at fault:
// "name", "type", "key", "url", "appid", "pagepath", "media", "article_id",
// "text", "img" or "news", for the editor. It gives every button that
// sends a console-configured message (text, img, news) its click key,
// derived from the message (MessageKey): the follower app sends clicks by
// key.
func Validate(buttons []Button) error {
	var fe errs.Fields
	if len(buttons) < 1 || len(buttons) > MaxButtons {
		fe.Add(invalid(40016, "button", "A menu has 1 to %d buttons.", MaxButtons))
	}
	for i := range buttons {
		b := &buttons[i]
		f := fmt.Sprintf("button.%d", i)
		fe.Add(checkName(b.Name, MaxNameBytes, 40018, f))
		if len(b.SubButtons) > 0 {
			if len(b.SubButtons) > MaxSubButtons {
				fe.Add(invalid(40023, f+".type", "%q has more than %d sub-buttons.", b.Name, MaxSubButtons))
			}
			for j := range b.SubButtons {
				s := &b.SubButtons[j]
				sf := fmt.Sprintf("%s.%d", f, j)
				fe.Add(checkName(s.Name, MaxSubNameBytes, 40025, sf))
				if len(s.SubButtons) > 0 {
					fe.Add(invalid(40022, sf+".type", "Sub-buttons cannot have their own sub-buttons."))
					continue
				}
				fe.Add(checkAction(s, sf, true))
			}
			continue
		}
		fe.Add(checkAction(b, f, false))
	}
	return fe.Err()
}

func checkName(name string, max, code int, field string) error {
	if strings.TrimSpace(name) == "" {
		return invalid(code, field+".name", "Every button needs a name.")
	}
	if len(name) > max {
		return invalid(code, field+".name", "The button name %q is longer than %d bytes (about %d Chinese characters).", name, max, max/3)
	}
	return nil
}

// checkAction checks a button that acts (has no sub-buttons); field names
// the button.
func checkAction(b *Button, field string, sub bool) error {
	code := func(top, subc int) int {
		if sub {
			return subc
		}
		return top
	}
	switch {
	case keyTypes[b.Type]:
		if b.Key == "" || len(b.Key) > MaxKeyBytes {
			return invalid(code(40019, 40026), field+".key", "The button %q needs a key of 1 to %d bytes.", b.Name, MaxKeyBytes)
		}
	case b.Type == TypeView:
		return checkURL(b, field, code(40020, 40027))
	case b.Type == TypeMiniProgram:
		if err := checkURL(b, field, code(40020, 40027)); err != nil {
			return err
		}
		if b.AppID == "" || b.AppID != strings.ToLower(b.AppID) || len(b.AppID) > 64 {
			return invalid(40013, field+".appid", "The button %q needs the linked app's appid (lower case).", b.Name)
		}
		if b.PagePath == "" || len(b.PagePath) > MaxURLBytes {
			return invalid(41030, field+".pagepath", "The button %q needs the page path in the linked app.", b.Name)
		}
	case b.Type == TypeMediaID || b.Type == TypeViewLimited:
		if b.MediaID == "" || len(b.MediaID) > MaxMediaIDBytes {
			return invalid(40118, field+".media", "Choose the image or message the button %q sends.", b.Name)
		}
	case b.Type == TypeArticleID || b.Type == TypeArticleViewLimited:
		if b.ArticleID == "" || len(b.ArticleID) > MaxArticleIDBytes {
			return invalid(53600, field+".article_id", "Choose the article the button %q opens.", b.Name)
		}
	case b.Type == TypeText:
		if strings.TrimSpace(b.Value) == "" {
			return invalid(code(40017, 40024), field+".text", "Write the message the button %q sends.", b.Name)
		}
		if len(b.Value) > MaxTextBytes {
			return invalid(45002, field+".text", "The message of %q is longer than %d bytes.", b.Name, MaxTextBytes)
		}
		b.Key = MessageKey(*b)
	case b.Type == TypeImg:
		if b.Value == "" || len(b.Value) > MaxMediaIDBytes {
			return invalid(40118, field+".img", "Choose the image the button %q sends.", b.Name)
		}
		b.Key = MessageKey(*b)
	case b.Type == TypeNews:
		if b.Value == "" || len(b.Value) > MaxArticleIDBytes {
			return invalid(53600, field+".news", "Choose the article the button %q sends.", b.Name)
		}
		b.Key = MessageKey(*b)
	case b.Type == "":
		if sub {
			return invalid(40024, field+".type", "The button %q needs a type.", b.Name)
		}
		return invalid(40017, field+".type", "The button %q needs a type or sub-buttons.", b.Name)
	default:
		return invalid(code(40017, 40024), field+".type", "The button %q has an unknown type %q.", b.Name, b.Type)
	}
	return nil
}

// MessageKey is the click key of a button that sends a console-configured
// message: its type and a digest of the message, so that the same message
// keeps its key across saves and two different messages never share one.
func MessageKey(b Button) string {
	sum := sha256.Sum256([]byte(b.Value))
	return b.Type + ":" + hex.EncodeToString(sum[:10])
}

// CheckAPI refuses, with WeChat's errcode for an unknown type (40017, or
// 40024 for a sub-button), the button types that only the console sets:
// WeChat's menu/create does not know them.
func CheckAPI(buttons []Button) error {
	for i, b := range buttons {
		if ConsoleTypes[b.Type] {
			return invalid(40017, fmt.Sprintf("button.%d.type", i), "The button %q has an unknown type %q.", b.Name, b.Type)
		}
		for j, s := range b.SubButtons {
			if ConsoleTypes[s.Type] {
				return invalid(40024, fmt.Sprintf("button.%d.%d.type", i, j), "The button %q has an unknown type %q.", s.Name, s.Type)
			}
		}
	}
	return nil
}

// ForAPI returns buttons as the developer API shows them: the derived
// click keys of console-configured message buttons left out, as WeChat
// shows such buttons by their value alone.
func ForAPI(buttons []Button) []Button {
	out := make([]Button, len(buttons))
	for i, b := range buttons {
		if ConsoleTypes[b.Type] {
			b.Key = ""
		}
		if len(b.SubButtons) > 0 {
			b.SubButtons = ForAPI(b.SubButtons)
		}
		out[i] = b
	}
	return out
}

func checkURL(b *Button, field string, code int) error {
	if b.URL == "" || len(b.URL) > MaxURLBytes {
		return invalid(code, field+".url", "The button %q needs a link of at most %d bytes.", b.Name, MaxURLBytes)
	}
	u, err := url.Parse(b.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(65317, field+".url", "The link of %q must be a full http:// or https:// address.", b.Name)
	}
	return nil
}

// domains returns the distinct link hosts of buttons.
func domains(buttons []Button, into map[string]bool) {
	for _, b := range buttons {
		if b.Type == TypeView || b.Type == TypeMiniProgram {
			if u, err := url.Parse(b.URL); err == nil && u.Host != "" {
				into[strings.ToLower(u.Hostname())] = true
			}
		}
		domains(b.SubButtons, into)
	}
}

// Find returns the button whose key, media_id or article_id is key (for
// view buttons: whose url is key), searching sub-buttons too.
func Find(buttons []Button, key string) (Button, bool) {
	for _, b := range buttons {
		if len(b.SubButtons) > 0 {
			if s, ok := Find(b.SubButtons, key); ok {
				return s, true
			}
			continue
		}
		if key != "" && (b.Key == key || b.MediaID == key || b.ArticleID == key || b.URL == key) {
			return b, true
		}
	}
	return Button{}, false
}

// Store reads and writes menus and clicks.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

const cols = `id, account_id, conditional, tag_id, client_platform_type, buttons, created_at`

func scan(sc interface{ Scan(...any) error }) (*Menu, error) {
	var tag int64
	return scanWith(sc, &tag)
}

// scanWith scans a row of cols followed by the given extra columns, and
// sets *tag to the menu's tag id (0: none).
func scanWith(sc interface{ Scan(...any) error }, tag *int64, extra ...any) (*Menu, error) {
	var m Menu
	var platform, buttons string
	var created int64
	if err := sc.Scan(append([]any{&m.ID, &m.AccountID, &m.Conditional, tag, &platform, &buttons, &created}, extra...)...); err != nil {
		return nil, err
	}
	if err := menuButtons.Decode(buttons, &m.Buttons); err != nil {
		return nil, err
	}
	if m.Conditional {
		m.MatchRule = &MatchRule{ClientPlatformType: platform}
		if *tag != 0 {
			m.MatchRule.TagID = fmt.Sprint(*tag)
		}
	}
	m.CreatedAt = db.FromMicro(created)
	return &m, nil
}

// menuButtons keeps the decoded buttons of menus read before (every view
// of a conversation reads its account's menus), by their text, so never
// stale.
var menuButtons = jsonmemo.New(1024, 16384, cloneButtons)

// cloneButtons copies buttons and their sub-buttons.
func cloneButtons(bs []Button) []Button {
	if bs == nil {
		return nil
	}
	out := make([]Button, len(bs))
	for i, b := range bs {
		b.SubButtons = cloneButtons(b.SubButtons)
		out[i] = b
	}
	return out
}

// All returns the account's default menu (nil when none) and its
// conditional menus, newest first.
func (s *Store) All(ctx context.Context, accountID int64) (_ *Menu, _ []*Menu, err error) {
	defer errs.Wrap(&err, "menu.Store.All(%d)", accountID)
	return s.all(ctx, s.db, accountID)
}

func (s *Store) all(ctx context.Context, q db.Querier, accountID int64) (*Menu, []*Menu, error) {
	rows, err := q.Query(ctx, `SELECT `+cols+` FROM menus WHERE account_id = ? ORDER BY conditional, id DESC`, accountID)
	list, err := db.Collect(rows, err, func(r *sqlRows) (*Menu, error) { return scan(r) })
	if err != nil {
		return nil, nil, err
	}
	var def *Menu
	var conds []*Menu
	for _, m := range list {
		if m.Conditional {
			conds = append(conds, m)
		} else if def == nil {
			def = m
		}
	}
	return def, conds, nil
}

// Default returns the default menu, or ErrNoMenu.
func (s *Store) Default(ctx context.Context, accountID int64) (_ *Menu, err error) {
	defer errs.Wrap(&err, "menu.Store.Default(%d)", accountID)
	def, _, err := s.All(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if def == nil {
		return nil, ErrNoMenu
	}
	return def, nil
}

// SetDefault validates buttons and replaces the account's default menu
// (menu/create). Conditional menus stay. The change is a new version.
func (s *Store) SetDefault(ctx context.Context, accountID int64, buttons []Button) (_ *Menu, err error) {
	defer errs.Wrap(&err, "menu.Store.SetDefault(%d)", accountID)
	if err := Validate(buttons); err != nil {
		return nil, err
	}
	m := &Menu{ID: id.New(), AccountID: accountID, Buttons: buttons, CreatedAt: s.clock.Now()}
	err = s.change(ctx, accountID, "Default menu saved", func(tx *db.Tx) error {
		_, conds, err := s.all(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := checkDomains(buttons, conds, 0); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM menus WHERE account_id = ? AND conditional = FALSE`, accountID); err != nil {
			return err
		}
		err = insertMenu(ctx, tx, m, 0)
		if db.IsUniqueViolation(err) {
			return errs.Conflictf("Someone else published the menu at the same moment. Look at it and publish again.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// insertMenu stores one menu row (tag: the conditional menu's tag id).
func insertMenu(ctx context.Context, tx *db.Tx, m *Menu, tag int64) error {
	body, err := json.Marshal(m.Buttons)
	if err != nil {
		return err
	}
	platform := ""
	if m.MatchRule != nil {
		platform = m.MatchRule.ClientPlatformType
	}
	_, err = tx.Exec(ctx, `INSERT INTO menus (id, account_id, conditional, tag_id, client_platform_type, buttons, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.AccountID, m.Conditional, tag, platform, string(body), db.Micro(m.CreatedAt))
	return err
}

func checkDomains(buttons []Button, others []*Menu, skipID int64) error {
	seen := map[string]bool{}
	domains(buttons, seen)
	for _, o := range others {
		if o.ID != skipID {
			domains(o.Buttons, seen)
		}
	}
	if len(seen) > MaxDomains {
		return ErrTooManyDomains
	}
	return nil
}

// checkRule checks a conditional menu's rule and returns its tag id (0:
// none); the tag's existence is checked by the caller.
func checkRule(rule *MatchRule) (int64, error) {
	if rule.Sex != "" || rule.Country != "" || rule.Province != "" || rule.City != "" || rule.Language != "" {
		return 0, ErrPrivacyRule
	}
	if rule.TagID == "" {
		rule.TagID = rule.GroupID
	}
	rule.GroupID = ""
	if rule.TagID == "" && rule.ClientPlatformType == "" {
		return 0, ErrEmptyMatchRule
	}
	var tag int64
	if rule.TagID != "" {
		if _, err := fmt.Sscan(rule.TagID, &tag); err != nil || tag <= 0 {
			return 0, ErrUnknownTag
		}
	}
	switch rule.ClientPlatformType {
	case "", "1", "2", "3":
	default:
		return 0, invalid(40035, "client_platform_type", "client_platform_type is 1 (iOS), 2 (Android) or 3 (other).")
	}
	return tag, nil
}

func tagExists(ctx context.Context, q db.Querier, accountID, tag int64) (bool, error) {
	var n int
	err := db.Get(q.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ? AND id = ?`, accountID, tag), &n)
	return n > 0, err
}

// AddConditional validates and adds a conditional menu
// (menu/addconditional). The rule's tag must exist in the account. The
// change is a new version.
func (s *Store) AddConditional(ctx context.Context, accountID int64, buttons []Button, rule MatchRule) (_ *Menu, err error) {
	defer errs.Wrap(&err, "menu.Store.AddConditional(%d)", accountID)
	var fe errs.Fields
	tag, err := checkRule(&rule)
	fe.Add(err)
	fe.Add(Validate(buttons))
	if err := fe.Err(); err != nil {
		return nil, err
	}
	m := &Menu{ID: id.New(), AccountID: accountID, Conditional: true, Buttons: buttons, CreatedAt: s.clock.Now(),
		MatchRule: &MatchRule{TagID: rule.TagID, ClientPlatformType: rule.ClientPlatformType}}
	err = s.change(ctx, accountID, "Conditional menu added", func(tx *db.Tx) error {
		def, conds, err := s.all(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if def == nil {
			return ErrNoDefault
		}
		if len(conds) >= MaxConditional {
			return ErrTooManyMenus
		}
		all := append([]*Menu{def}, conds...)
		if err := checkDomains(buttons, all, 0); err != nil {
			return err
		}
		if tag != 0 {
			if ok, err := tagExists(ctx, tx, accountID, tag); err != nil || !ok {
				if err == nil {
					err = ErrUnknownTag
				}
				return err
			}
		}
		return insertMenu(ctx, tx, m, tag)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteConditional removes one conditional menu (menu/delconditional).
// The change is a new version.
func (s *Store) DeleteConditional(ctx context.Context, accountID, menuID int64) (err error) {
	defer errs.Wrap(&err, "menu.Store.DeleteConditional(%d, %d)", accountID, menuID)
	return s.change(ctx, accountID, "Conditional menu deleted", func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM menus WHERE account_id = ? AND id = ? AND conditional = TRUE`, accountID, menuID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoConditional
		}
		return nil
	})
}

// DeleteAll removes the default menu and every conditional menu
// (menu/delete). The change is a new version.
func (s *Store) DeleteAll(ctx context.Context, accountID int64) (err error) {
	defer errs.Wrap(&err, "menu.Store.DeleteAll(%d)", accountID)
	return s.change(ctx, accountID, "All menus deleted", func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM menus WHERE account_id = ?`, accountID)
		return err
	})
}

// ForFollower returns the menu that applies to a follower: the newest
// conditional menu whose tag the follower carries (and whose platform is
// empty or 3, "other", which is what Herald's web client is), else the
// default menu; an empty slice when the account has none (menu/trymatch).
func (s *Store) ForFollower(ctx context.Context, accountID, personID int64) (_ []Button, err error) {
	defer errs.Wrap(&err, "menu.Store.ForFollower(%d, %d)", accountID, personID)
	m, err := s.MenuFor(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return []Button{}, nil
	}
	return m.Buttons, nil
}

// MenuFor returns the menu that applies to a follower, as ForFollower
// chooses it, with its id (the MenuId of VIEW events); nil when the
// account has no menu.
func (s *Store) MenuFor(ctx context.Context, accountID, personID int64) (_ *Menu, err error) {
	defer errs.Wrap(&err, "menu.Store.MenuFor(%d, %d)", accountID, personID)
	// One statement: the account's menus, each conditional one with
	// whether the follower carries its tag (a primary-key probe of
	// tag_members), instead of the menus and then the follower's tags.
	rows, err := s.db.Query(ctx, `SELECT `+cols+`, conditional AND tag_id <> 0 AND EXISTS (SELECT 1 FROM tag_members t
			WHERE t.account_id = m.account_id AND t.tag_id = m.tag_id AND t.person_id = ?)
		FROM menus m WHERE account_id = ? ORDER BY conditional, id DESC`, personID, accountID)
	tags := map[int64]bool{}
	list, err := db.Collect(rows, err, func(r *sqlRows) (*Menu, error) {
		var tag int64
		var carried bool
		m, err := scanWith(r, &tag, &carried)
		if err == nil && carried {
			tags[tag] = true
		}
		return m, err
	})
	if err != nil {
		return nil, err
	}
	var def *Menu
	for _, m := range list {
		if !m.Conditional {
			def = m
			break
		}
	}
	if def == nil {
		return nil, nil
	}
	for _, m := range list {
		if m.Conditional && Matches(m.MatchRule, tags) {
			return m, nil
		}
	}
	return def, nil
}

// FollowerButtonsSQL is the buttons (as stored, JSON) of the menu
// ForFollower chooses for the person personCol at the account accountCol,
// as one SQL expression on those two column expressions of the caller's
// statement: NULL when the account has no menu. It
// lets a page read the menu in a statement it runs anyway (the
// conversation page reads it with the account and the follow) instead of
// in one of its own. The account's menus are read newest first along
// menus_account, conditional ones before the default, and the first that
// applies is taken: a conditional menu whose platform is empty or 3 and
// whose tag (if any) the person carries, else the default; none at all
// without a default. TestFollowerButtonsSQLIsForFollower holds it to
// ForFollower.
func FollowerButtonsSQL(accountCol, personCol string) string {
	return `(SELECT m.buttons FROM menus m WHERE m.account_id = ` + accountCol + `
		AND (m.conditional = FALSE OR m.client_platform_type IN ('', '3') AND (m.tag_id = 0 OR EXISTS (SELECT 1 FROM tag_members t
			WHERE t.account_id = m.account_id AND t.tag_id = m.tag_id AND t.person_id = ` + personCol + `)))
		AND EXISTS (SELECT 1 FROM menus d WHERE d.account_id = m.account_id AND d.conditional = FALSE)
		ORDER BY m.conditional DESC, m.id DESC LIMIT 1)`
}

// DecodeButtons returns the buttons of a text FollowerButtonsSQL read, as
// ForFollower returns them: an empty slice for "" (no menu). The decoded
// buttons of texts read before are kept (menuButtons).
func DecodeButtons(text string) ([]Button, error) {
	if text == "" {
		return []Button{}, nil
	}
	var bs []Button
	if err := menuButtons.Decode(text, &bs); err != nil {
		return nil, fmt.Errorf("menu.DecodeButtons: %w", err)
	}
	return bs, nil
}

// Matches reports whether a conditional menu's rule applies to a follower
// with the given tags.
func Matches(rule *MatchRule, tags map[int64]bool) bool {
	if rule == nil {
		return false
	}
	if rule.ClientPlatformType != "" && rule.ClientPlatformType != "3" {
		return false
	}
	if rule.TagID == "" {
		return true
	}
	var tag int64
	if _, err := fmt.Sscan(rule.TagID, &tag); err != nil {
		return false
	}
	return tags[tag]
}

func (s *Store) followerTags(ctx context.Context, accountID, personID int64) (map[int64]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT tag_id FROM tag_members WHERE account_id = ? AND person_id = ?`, accountID, personID)
	ids, err := db.Collect(rows, err, func(r *sqlRows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]bool, len(ids))
	for _, v := range ids {
		m[v] = true
	}
	return m, nil
}
