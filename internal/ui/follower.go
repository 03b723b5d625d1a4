package ui

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/web"
)

// The follower app (issue #5): discover and follow accounts, the chat list
// with the Subscriptions folder, conversations with the account's menu, and
// live updates over server-sent events. See docs/follower-app.md.
//
// No follower URL carries a person id: every page and action is about the
// signed-in person, so nobody can open another follower's conversation.

// registerFollower adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerFollower(h route) {
	h("GET /discover", u.signedIn(u.discover))
	h("GET /a/{account}", u.signedIn(u.accountProfile))
	h("GET /a/{account}/avatar", u.accountAvatar)
	h("POST /a/{account}/follow", u.signedIn(u.followAccount))
	h("POST /a/{account}/unfollow", u.signedIn(u.unfollowAccount))
	h("POST /a/{account}/mute", u.signedIn(u.muteAccount))

	h("GET /chat/{account}", u.signedIn(u.chatPage))
	h("POST /chat/{account}/send", u.signedIn(u.chatSend))
	h("POST /chat/{account}/click", u.signedIn(u.chatClick))
	h("GET /chat/{account}/view", u.signedIn(u.chatView))
	h("POST /chat/{account}/read", u.signedIn(u.chatRead))
	h("GET /chat/{account}/media/{message}", u.signedIn(u.chatMedia))

	h("GET /subscriptions", u.signedIn(u.subscriptions))
	h("GET /events", u.signedIn(u.events))

	h("POST /me/avatar", u.signedIn(u.meAvatar))
	h("GET /me/avatar", u.signedIn(u.meAvatarImage))
	h("GET /me/accounts", u.signedIn(u.meAccounts))
}

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
	// Recent returns an account's newest publications.
	Recent(ctx context.Context, accountID int64, limit int) ([]FolderItem, error)
}

// pathAccount loads the account named in the URL as a follower may see it:
// active accounts, and suspended or terminated ones the person still has a
// relation with (to read the history). Pending and rejected accounts do
// not exist for followers.
func (u *UI) pathAccount(r *http.Request) (*account.Account, error) {
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return nil, errs.NotFoundf("No such account.")
	}
	a, err := u.Accounts.ByID(r.Context(), accountID)
	if err != nil {
		return nil, err
	}
	switch a.Status {
	case account.StatusActive:
		return a, nil
	case account.StatusSuspended, account.StatusTerminated:
		if me := web.Person(r); me != nil {
			if f, err := u.Follows.Get(r.Context(), a.ID, me.ID); err == nil && f.Following {
				return a, nil
			}
		}
	}
	return nil, errs.NotFoundf("No such account.")
}

// accountAvatarURL is where an account's avatar is served, "" for none.
func accountAvatarURL(accountID int64, avatarPath string) string {
	if avatarPath == "" {
		return ""
	}
	return "/a/" + strconv.FormatInt(accountID, 10) + "/avatar"
}

// events streams the signed-in person's live updates (new messages, read
// markers) as server-sent events, with a heartbeat every 25 s, until the
// request ends. Only the person's own topic is ever streamed.
func (u *UI) events(w http.ResponseWriter, r *http.Request) error {
	if u.Bus == nil {
		return errs.NotFoundf("Live updates are off.")
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-u.live.closing():
			cancel()
		case <-ctx.Done():
		}
	}()
	return sse.Stream(w, r.WithContext(ctx), u.Bus, realtime.PersonTopic(web.Person(r).ID), sse.Heartbeat)
}

// liveStreams is the follower app's own state in the UI: it lets a
// shutting-down server end the open event streams, which would otherwise
// hold a graceful shutdown until its deadline, and it limits how fast one
// person may send.
type liveStreams struct {
	mu     sync.Mutex
	done   chan struct{}
	closed bool
}

func (l *liveStreams) closing() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		l.done = make(chan struct{})
	}
	return l.done
}

// CloseStreams ends every open /events stream (browsers reconnect to
// another node or after the restart). Register it with
// http.Server.RegisterOnShutdown.
func (u *UI) CloseStreams() {
	u.live.closing()
	u.live.mu.Lock()
	defer u.live.mu.Unlock()
	if !u.live.closed {
		u.live.closed = true
		close(u.live.done)
	}
}
