package follower

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// The follower app: discover and follow accounts, the chat list
// with the Subscriptions folder, conversations with the account's menu, and
// live updates over server-sent events. See docs/follower-app.md.
//
// No follower URL carries a person id: every page and action is about the
// signed-in person, so nobody can open another follower's conversation.

// registerFollower adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerFollower(h core.Route) {
	h("GET /discover", u.SignedIn(u.discover))
	h("GET /a/{account}", u.accountPage) // the public profile when not signed in
	h("GET /a/{account}/avatar", u.accountAvatar)
	h("POST /a/{account}/follow", u.SignedIn(u.followAccount))
	h("POST /a/{account}/unfollow", u.SignedIn(u.unfollowAccount))
	h("POST /a/{account}/mute", u.SignedIn(u.muteAccount))

	h("GET /chat/{account}", core.ShortReads(core.SignedInOwnSession(u.chatPage)))
	h("POST /chat/{account}/send", u.SignedIn(u.chatSend))
	h("POST /chat/{account}/click", u.SignedIn(u.chatClick))
	h("GET /chat/{account}/view", u.SignedIn(u.chatView))
	h("POST /chat/{account}/read", u.SignedIn(u.chatRead))
	h("GET /chat/{account}/media/{message}", u.SignedIn(u.chatMedia))

	h("GET /subscriptions", core.ShortReads(core.SignedInOwnSession(u.subscriptions)))
	h("GET /events", u.SignedIn(u.events))

	h("POST /me/avatar", u.SignedIn(u.meAvatar))
	h("GET /me/avatar", u.SignedIn(u.meAvatarImage))
	h("GET /me/accounts", u.SignedIn(u.meAccounts))
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

// pathAccountFollow is pathAccount for a signed-in person, with their
// relation to the account (nil when they never followed), read in one
// statement instead of two: the conversation page needs both on every view.
// The same statement reads what marking the conversation read checks first
// (message.ReadStateSQL; "" when they never followed, and MarkReadFrom then
// reads it itself) and, when the menu source allows it, the menu the
// person sees when they follow the account (core.MenuInStatement's text,
// "" for none), returned as menu; menu is nil when it was not read, and the
// page reads it on its own.
func (u *UI) pathAccountFollow(r *http.Request) (_ *account.Account, _ *follow.Follow, menu *string, readState string, _ error) {
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return nil, nil, nil, "", errs.NotFoundf("No such account.")
	}
	t := u.chatAccountTexts()
	dests := []*string{&readState}
	if t.menu {
		menu = new(string)
		dests = append(dests, menu)
	}
	var a *account.Account
	var f *follow.Follow
	// The statement reads the person's session too when the page is left
	// to read it (web.PageSession).
	if ref, ok := web.PageSession(r); ok {
		var row user.SessionRow
		a, f, err = u.Follows.WithAccountSession(r.Context(), accountID, ref, &row, t.texts, dests...)
		if err != nil {
			return nil, nil, nil, "", err
		}
		me, err := web.PageSessionRead(r, ref, &row)
		if err != nil {
			return nil, nil, nil, "", err
		}
		if me == nil {
			return nil, nil, nil, "", errs.Unauthorized
		}
	} else {
		if me := web.Person(r); me == nil {
			return nil, nil, nil, "", errs.Unauthorized
		}
		a, f, err = u.Follows.WithAccountAnd(r.Context(), accountID, web.Person(r).ID, t.texts, dests...)
	}
	if err != nil {
		return nil, nil, nil, "", err
	}
	switch a.Status {
	case account.StatusActive:
		return a, f, menu, readState, nil
	case account.StatusSuspended, account.StatusTerminated:
		if f != nil && f.Following {
			return a, f, menu, readState, nil
		}
	}
	return nil, nil, nil, "", errs.NotFoundf("No such account.")
}

// chatAccountTexts is what the conversation page reads with the account
// and the follow: the read state, and the menu when menu is set.
type chatAccountTexts struct {
	texts *follow.AndTexts
	menu  bool
}

// chatAccountTexts returns the conversation page's texts, made once: the
// read state (message.ReadStateSQL) and, when the menu source can say it
// in SQL, the menu a follower sees, read only for a person following the
// account.
func (u *UI) chatAccountTexts() chatAccountTexts {
	u.chatSQL.Do(func() {
		read := message.ReadStateSQL("a.id", "f.person_id")
		if m, ok := u.Menus.(core.MenuInStatement); ok {
			u.chatTexts = chatAccountTexts{menu: true,
				texts: follow.WithTexts(read, "CASE WHEN f.following THEN "+m.ButtonsSQL("a.id", "f.person_id")+" END")}
		} else {
			u.chatTexts = chatAccountTexts{texts: follow.WithTexts(read)}
		}
	})
	return u.chatTexts
}

// postedAccount starts a follower's form action on an account: it parses
// the form and returns the signed-in person and the account in the URL, as
// pathAccount lets them see it.
func (u *UI) postedAccount(w http.ResponseWriter, r *http.Request) (*user.Person, *account.Account, error) {
	if err := core.ParseForm(w, r); err != nil {
		return nil, nil, err
	}
	a, err := u.pathAccount(r)
	if err != nil {
		return nil, nil, err
	}
	return web.Person(r), a, nil
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
	me := web.Person(r).ID
	return sse.StreamFrom(w, r.WithContext(ctx), u.Bus, realtime.PersonTopic(me), sse.Heartbeat, u.personReplay(me))
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
