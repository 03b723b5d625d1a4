// The types and helpers more than one face uses.

package core

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/user"
)

// MenuButton is one button of an account's custom menu as a follower sees
// it (the shape of menu.Button).
type MenuButton struct {
	Type, Name, Key, URL, MediaID, ArticleID, AppID, PagePath string
	SubButtons                                                []MenuButton
}

// MenuSource gives the menu a follower sees in a conversation (the
// account's default menu, or a conditional one that matches them).
type MenuSource interface {
	ForFollower(ctx context.Context, accountID, personID int64) ([]MenuButton, error)
}

// MenuInStatement is a MenuSource whose choice of menu is also an SQL
// expression, so that a page can read the menu in a statement it runs
// anyway: the conversation page reads it with the account and the follow.
type MenuInStatement interface {
	MenuSource
	// ButtonsSQL is the menu ForFollower chooses, as an SQL expression on
	// the given column expressions of the account's and the person's ids:
	// the buttons' stored text, NULL when the account has no menu.
	ButtonsSQL(accountCol, personCol string) string
	// DecodeButtons returns the buttons of a text ButtonsSQL read ("" for
	// none) as ForFollower returns them.
	DecodeButtons(text string) ([]MenuButton, error)
}

// FolderItem is one publication in a follower's Subscriptions folder or on
// an account's profile.
type FolderItem struct {
	AccountID     int64
	AccountName   string
	AccountAvatar string // the avatar's media key, "" for none
	Verified      bool
	PublicationID int64
	ArticleID     int64  // the first article, read at /s/{ArticleID}
	Title         string // the first article's title
	CoverURL      string // the first article's cover image, "" for none
	Articles      int    // how many articles the publication has
	At            time.Time
	Seen          bool
}

// PublicationSource gives the follower app what the publishing feature
// knows: the Subscriptions folder and an account's recent publications.
type PublicationSource interface {
	// Folder returns the newest publications of the Subscription accounts
	// personID follows, newest first, from cursor ("" for the newest), and
	// the cursor of the next page ("" at the end).
	Folder(ctx context.Context, personID int64, cursor string, limit int) ([]FolderItem, string, error)
	// MarkFolderSeen marks the folder's publications up to now as seen.
	MarkFolderSeen(ctx context.Context, personID int64) error
	// Recent returns an account's newest publications as personID sees
	// them (of an A/B test, the variant they received).
	Recent(ctx context.Context, accountID, personID int64, limit int) ([]FolderItem, error)
}

// FolderTop is a PublicationSource that also reads, with the top of the
// folder, whether personID follows any Subscription account (the chat
// list shows the folder's row only then) and their conversations with the
// Subscription accounts they follow (both the chat list and the folder
// page show them), each asked for.
type FolderTop interface {
	PublicationSource
	// FolderTop is Folder from the top ("" cursor) with what also asks for.
	FolderTop(ctx context.Context, personID int64, limit int, also FolderAlso) (FolderTopPage, error)
}

// FolderAlso is what FolderTop reads besides the folder's items.
type FolderAlso struct {
	Following bool // whether personID follows any Subscription account
	Chats     int  // up to this many of personID's Subscription conversations (0: none)
	// Session, when not nil, is the reader's session, read in the same
	// statement (FolderTopPage.Session): the reader is its person, not
	// personID.
	Session *user.SessionRef
}

// FolderTopPage is what FolderTop read.
type FolderTopPage struct {
	Items     []FolderItem
	Next      string             // the next page's cursor ("" at the end)
	Following bool               // with FolderAlso.Following
	Chats     []SubscriptionChat // with FolderAlso.Chats, newest first
	Session   user.SessionRow    // with FolderAlso.Session: its row, for web.PageSessionRead
}

// SubscriptionChat is personID's conversation with an active Subscription
// account they follow.
type SubscriptionChat struct {
	AccountID     int64
	AccountName   string
	AccountAvatar string // avatar_path ("" for none)
	Verified      bool
	LastAt        time.Time
	Preview       string
	Unread        int
}

// AccountAvatarURL is where an account's avatar is served, "" for none.
func AccountAvatarURL(accountID int64, avatarPath string) string {
	if avatarPath == "" {
		return ""
	}
	return "/a/" + strconv.FormatInt(accountID, 10) + "/avatar"
}

// Developer is what the developer pages need: the developer's
// server settings, the push engine (handshake, replay), the API's cache of
// account state (dropped after a save), web sign-in and QR tickets for
// /q/{ticket}.
type Developer struct {
	Settings *push.Store
	Push     *push.Engine
	API      AccountCache
	OAuth    *oauth.Service
	QR       *qrcode.Store
}

// AccountCache is the developer API's cache of account state
// (wxapi.API): a save of the account's developer settings drops it.
type AccountCache interface {
	ForgetAccount(accountID int64)
}

// AsErr reports whether err is (or wraps) a domain error, setting target.
func AsErr(err error, target **errs.Error) bool { return errors.As(err, target) }

// VerifiedNow reports whether an account carries the verification badge
// now, by the application's clock (template func "verifiedNow").
func (u *UI) VerifiedNow(a *account.Account) bool {
	return a != nil && a.Verified(u.Clock.Now())
}

// PathIDNamed reads a numeric path value, naming what is missing when it is
// not one.
func PathIDNamed(r *http.Request, name, what string) (int64, error) {
	v, err := PathID(r, name)
	if err != nil {
		return 0, errs.NotFoundf("No such %s.", what)
	}
	return v, nil
}

// PersonNamed returns the person whose username (with or without its "@")
// the form's field holds, or the error unknown when there is none.
func (u *UI) PersonNamed(r *http.Request, field string, unknown error) (*user.Person, error) {
	name := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get(field)), "@")
	person, err := u.Users.ByUsername(r.Context(), name)
	if errors.Is(err, errs.NotFound) {
		return nil, unknown
	}
	return person, err
}

// DocSlot is one required document on the application form.
type DocSlot struct {
	Index       int
	Requirement string
	Doc         *review.Document
}

// DocSlots returns the document slots of an application: one for each
// document its region requires, with the one uploaded for it (or nil).
func (u *UI) DocSlots(ctx context.Context, st settings.Platform, a *review.Application) ([]DocSlot, error) {
	docs, err := u.Review.Documents(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	byReq := map[string]*review.Document{}
	for _, doc := range docs {
		byReq[doc.Requirement] = doc
	}
	var slots []DocSlot
	for i, req := range RequirementsOf(st, a.Region) {
		slots = append(slots, DocSlot{Index: i, Requirement: req, Doc: byReq[req]})
	}
	return slots, nil
}

// RequirementsOf lists the documents an application from region needs.
func RequirementsOf(st settings.Platform, region string) []string {
	switch region {
	case account.Domestic:
		return st.DomesticDocuments
	case account.International:
		return st.InternationalDocuments
	}
	return nil
}

// ArticlePage is the reading page's data: the reading's fields are copied
// in, not embedded, because html/template finds a promoted field with
// reflect's FieldByNameFunc, which allocates at every use (some fifty
// allocations per reading page).
type ArticlePage struct {
	Article     *publish.Article
	Publication *publish.Publication
	Account     *account.Account
	Siblings    []*publish.Article
	Comments    []*publish.Comment
	Liked       bool
	Wowed       bool
	Following   bool
	Member      bool
	Preview     bool
	CanComment  bool
	CommentNote string
	Body        template.HTML // sanitised when stored
	ShareURL    string
	Key         string // the preview key the page was opened with
	Comment     string // a comment being re-shown after an error
}

// ArticleData is the reading page's data for rd, opened with the preview
// key (if any).
func (u *UI) ArticleData(rd *publish.Reading, key string) *ArticlePage {
	return &ArticlePage{Article: rd.Article, Publication: rd.Publication, Account: rd.Account, Siblings: rd.Siblings, Comments: rd.Comments,
		Liked: rd.Liked, Wowed: rd.Wowed, Following: rd.Following, Member: rd.Member, Preview: rd.Preview, CanComment: rd.CanComment,
		CommentNote: rd.CommentNote,
		Body:        template.HTML(rd.Article.BodyHTML), // #nosec: sanitised by publish.RenderBody
		ShareURL:    u.BaseURL + rd.Article.Path(), Key: key}
}

// WantsJSON reports whether the request asks for a JSON answer (the
// reading page's and the editor's scripts).
func WantsJSON(r *http.Request) bool {
	return r.Header.Get("Accept") == "application/json"
}

// QueryID reads a numeric query value, 0 when missing or not a number.
func QueryID(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get(name)), 10, 64)
	return v
}
