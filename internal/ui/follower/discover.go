package follower

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
)

// accountCard is an account as the follower app lists it.
type accountCard struct {
	Acct         *account.Account // for the accounts feature's "badge" partial
	ID           int64
	Name         string
	AvatarURL    string
	Verified     bool
	Organisation string
	Type         string // "Service account" or "Subscription account"
	IsService    bool
	Region       string
	Description  string
	Followers    int64
	Following    bool
	Muted        bool
	Status       string
}

func (u *UI) card(a *account.Account) *accountCard {
	c := &accountCard{Acct: a, ID: a.ID, Name: a.Name, AvatarURL: core.AccountAvatarURL(a.ID, a.AvatarPath), Verified: a.Verified(u.Clock.Now()),
		Organisation: a.Organisation, IsService: a.IsService(), Description: a.Description, Followers: a.FollowerCount, Status: a.Status}
	c.Type = "Subscription account"
	if a.IsService() {
		c.Type = "Service account"
	}
	c.Region = "Mainland China"
	if a.Region == account.International {
		c.Region = "International"
	}
	return c
}

type discoverData struct {
	Query    string
	Searched bool
	Results  []*accountCard
	Followed []*accountCard
}

// discover searches accounts by name (normalised, partial; verified first)
// and, without a query, lists the accounts the person follows.
func (u *UI) discover(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > 60 {
		q = string([]rune(q)[:60])
	}
	d := &discoverData{Query: q}
	following := map[int64]bool{}
	followed, err := u.Follows.Followed(r.Context(), me.ID)
	if err != nil {
		return err
	}
	for _, a := range followed {
		following[a.ID] = true
	}
	if q != "" {
		d.Searched = true
		found, err := u.Accounts.Search(r.Context(), q, 30)
		if err != nil {
			return err
		}
		for _, a := range found {
			c := u.card(a)
			c.Following = following[a.ID]
			d.Results = append(d.Results, c)
		}
	} else {
		for _, a := range followed {
			if a.Status == account.StatusActive {
				c := u.card(a)
				c.Following = true
				d.Followed = append(d.Followed, c)
			}
		}
	}
	return u.Render(w, r, http.StatusOK, "app/discover", u.NewPage(w, r, "Discover", d))
}

type profileData struct {
	Account      *accountCard
	Publications []core.FolderItem
	ReportURL    string
	WebApps      []*webapp.App // linked web apps
}

func (u *UI) accountProfile(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	d := &profileData{Account: u.card(a), ReportURL: fmt.Sprintf("/report?target_type=account&target_id=%d", a.ID)}
	if f, err := u.Follows.Get(r.Context(), a.ID, me.ID); err == nil {
		d.Account.Following, d.Account.Muted = f.Following, f.Muted
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if u.Publications != nil {
		if d.Publications, err = u.Publications.Recent(r.Context(), a.ID, 10); err != nil {
			return err
		}
	}
	if d.WebApps, err = u.accountWebApps(r, a); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "app/profile", u.NewPage(w, r, a.Name, d))
}

// accountAvatar serves an account's avatar to anyone who may see the account.
func (u *UI) accountAvatar(w http.ResponseWriter, r *http.Request) error {
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	if a.AvatarPath == "" {
		return errs.NotFoundf("This account has no avatar.")
	}
	return media.Serve(w, r, u.Media, a.AvatarPath, "")
}

// backTo is where a follow, unfollow or mute form returns: the page it was
// on (a local path), else the account's profile.
func backTo(r *http.Request, accountID int64) string {
	return web.SafeNext(r.PostForm.Get("next"), fmt.Sprintf("/a/%d", accountID))
}

func (u *UI) followAccount(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	source := r.PostForm.Get("source")
	if source != follow.SourceSearch {
		source = follow.SourceProfile
	}
	res, err := u.Follows.Follow(r.Context(), a.ID, me.ID, source, "")
	if err != nil {
		if errs.KindOf(err) == errs.KindConflict {
			return u.Redirect(w, r, backTo(r, a.ID), errs.Message(err))
		}
		return err
	}
	if res.New && u.Chat != nil {
		// On-follow auto-replies and the developer push.
		in, err := u.Chat.Event(r.Context(), a.ID, me.ID, message.EventSubscribe, "", "")
		if err != nil {
			return err
		}
		u.Chat.RespondAsync(in)
	}
	return u.Redirect(w, r, backTo(r, a.ID), "You follow "+a.Name+".")
}

func (u *UI) unfollowAccount(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	was, err := u.Follows.Unfollow(r.Context(), a.ID, me.ID)
	if err != nil {
		return err
	}
	if was && u.Chat != nil {
		in, err := u.Chat.Event(r.Context(), a.ID, me.ID, message.EventUnsubscribe, "", "")
		if err != nil {
			return err
		}
		u.Chat.RespondAsync(in)
	}
	return u.Redirect(w, r, backTo(r, a.ID), "You no longer follow "+a.Name+".")
}

// muteAccount toggles muting: a muted account's messages still arrive, but
// its row shows a dot instead of a count, and its template messages are
// refused (the account hears "failed:user block").
func (u *UI) muteAccount(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	f, err := u.Follows.Get(r.Context(), a.ID, me.ID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !f.Following) {
		return u.Redirect(w, r, backTo(r, a.ID), "You do not follow "+a.Name+".")
	}
	if err != nil {
		return err
	}
	if err := u.Follows.SetMuted(r.Context(), a.ID, me.ID, !f.Muted); err != nil {
		return err
	}
	msg := a.Name + " is muted: its messages arrive quietly, and its template notifications are refused."
	if f.Muted {
		msg = a.Name + " is no longer muted."
	}
	return u.Redirect(w, r, backTo(r, a.ID), msg)
}
