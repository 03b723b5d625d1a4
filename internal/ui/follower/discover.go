package follower

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/tmplmsg"
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
	// A suspended or terminated account shows no badge anywhere.
	c := &accountCard{Acct: a, ID: a.ID, Name: a.Name, AvatarURL: core.AccountAvatarURL(a.ID, a.AvatarPath),
		Verified:     a.Status == account.StatusActive && a.Verified(u.Clock.Now()),
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
	Query     string
	Searched  bool
	Results   []*accountCard
	Followed  []*accountCard
	Suggested []*suggestGroup // before any search: accounts to follow, by category
}

// suggestGroup is one category of Discover's suggestions.
type suggestGroup struct {
	Name     string
	Accounts []*accountCard
	top      int64 // the group's largest follower count, to order groups
}

// Discover's suggestions: how many accounts it reads, and shows per group
// and in groups.
const (
	suggestRead     = 60
	suggestPerGroup = 4
	suggestGroups   = 6
)

// categoryOf names an account's category: the first class of the industry
// it set for template messages, else its kind of account.
func categoryOf(sg follow.Suggestion) string {
	if ind, ok := tmplmsg.IndustryByCode(sg.Industry); ok && ind.First != "Other" {
		return ind.First
	}
	if sg.Account.IsService() {
		return "Service accounts"
	}
	return "Subscription accounts"
}

// suggest groups the accounts the person does not follow by category:
// verified accounts first in each group, then by followers; the groups
// with the best-followed accounts first.
func (u *UI) suggest(r *http.Request, personID int64) ([]*suggestGroup, error) {
	list, err := u.Follows.Suggestions(r.Context(), personID, suggestRead)
	if err != nil {
		return nil, err
	}
	byName := map[string]*suggestGroup{}
	var groups []*suggestGroup
	for _, sg := range list {
		name := categoryOf(sg)
		g := byName[name]
		if g == nil {
			g = &suggestGroup{Name: name}
			byName[name] = g
			groups = append(groups, g)
		}
		g.Accounts = append(g.Accounts, u.card(sg.Account))
		g.top = max(g.top, sg.Account.FollowerCount)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.Accounts, func(a, b *accountCard) int {
			if a.Verified != b.Verified {
				if a.Verified {
					return -1
				}
				return 1
			}
			return cmp.Compare(b.Followers, a.Followers)
		})
		g.Accounts = g.Accounts[:min(len(g.Accounts), suggestPerGroup)]
	}
	slices.SortStableFunc(groups, func(a, b *suggestGroup) int {
		if c := cmp.Compare(b.top, a.top); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return groups[:min(len(groups), suggestGroups)], nil
}

// discover searches accounts by name (normalised, partial; verified first)
// and, without a query, suggests accounts to follow by category and lists
// the accounts the person follows.
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
		if d.Suggested, err = u.suggest(r, me.ID); err != nil {
			return err
		}
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
	Unavailable  string // why an account that is not active cannot be followed or messaged
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
	if d.Unavailable, err = u.unavailable(r, a); err != nil {
		return err
	}
	if d.Unavailable != "" {
		d.Unavailable += " " + u.T(r, "It cannot be followed or messaged now; you can still read your conversation.")
	}
	if f, err := u.Follows.Get(r.Context(), a.ID, me.ID); err == nil {
		d.Account.Following, d.Account.Muted = f.Following, f.Muted
	} else if !errors.Is(err, errs.NotFound) {
		return err
	}
	if u.Publications != nil {
		if d.Publications, err = u.Publications.Recent(r.Context(), a.ID, me.ID, 10); err != nil {
			return err
		}
	}
	if d.WebApps, err = u.accountWebApps(r, a); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "app/profile", u.NewPage(w, r, a.Name, d))
}

// accountAvatar serves an account's avatar to anyone who may see the
// account, and to its members whatever its state (their console shows it
// while it is pending review or suspended).
func (u *UI) accountAvatar(w http.ResponseWriter, r *http.Request) error {
	a, err := u.pathAccount(r)
	if errors.Is(err, errs.NotFound) {
		a, err = u.memberAccount(r)
	}
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
	me, a, err := u.postedAccount(w, r)
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
			return u.Redirect(w, r, backTo(r, a.ID), core.MessageIn(err, u.Locale(r)))
		}
		return err
	}
	if res.New && u.Chat != nil {
		// On-follow auto-replies and the developer push.
		if err := u.sendEvent(r, a.ID, me.ID, message.EventSubscribe, ""); err != nil {
			return err
		}
	}
	return u.Redirect(w, r, backTo(r, a.ID), u.T(r, "You follow %s.", a.Name))
}

func (u *UI) unfollowAccount(w http.ResponseWriter, r *http.Request) error {
	me, a, err := u.postedAccount(w, r)
	if err != nil {
		return err
	}
	was, err := u.Follows.Unfollow(r.Context(), a.ID, me.ID)
	if err != nil {
		return err
	}
	if was && u.Chat != nil {
		if err := u.sendEvent(r, a.ID, me.ID, message.EventUnsubscribe, ""); err != nil {
			return err
		}
	}
	return u.Redirect(w, r, backTo(r, a.ID), u.T(r, "You no longer follow %s.", a.Name))
}

// muteAccount toggles muting: a muted account's messages still arrive, but
// its row shows a dot instead of a count, and its template messages are
// refused (the account hears "failed:user block").
func (u *UI) muteAccount(w http.ResponseWriter, r *http.Request) error {
	me, a, err := u.postedAccount(w, r)
	if err != nil {
		return err
	}
	f, err := u.Follows.Get(r.Context(), a.ID, me.ID)
	if errors.Is(err, errs.NotFound) || (err == nil && !f.Following) {
		return u.Redirect(w, r, backTo(r, a.ID), u.T(r, "You do not follow %s.", a.Name))
	}
	if err != nil {
		return err
	}
	if err := u.Follows.SetMuted(r.Context(), a.ID, me.ID, !f.Muted); err != nil {
		return err
	}
	msg := u.T(r, "%s is muted: its messages arrive quietly, and its template notifications are refused.", a.Name)
	if f.Muted {
		msg = u.T(r, "%s is no longer muted.", a.Name)
	}
	return u.Redirect(w, r, backTo(r, a.ID), msg)
}

// memberAccount returns the account in the path when the signed-in person
// is one of its members, else not found.
func (u *UI) memberAccount(r *http.Request) (*account.Account, error) {
	me := web.Person(r)
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if me == nil || err != nil {
		return nil, errs.NotFoundf("No such account.")
	}
	if _, err := u.Accounts.Role(r.Context(), accountID, me.ID); err != nil {
		return nil, errs.NotFoundf("No such account.")
	}
	return u.Accounts.ByID(r.Context(), accountID)
}

// unavailable says why an account that is not active cannot be followed or
// messaged: suspended or closed by the platform, with the rule it broke
// when a penalty in force says so, quoted after the sentence as the
// reviewer wrote it (marked for core.Rich); "" for an active account.
func (u *UI) unavailable(r *http.Request, a *account.Account) (string, error) {
	l := u.Locale(r)
	var what, because string // without and with the rule broken
	switch a.Status {
	case account.StatusActive:
		return "", nil
	case account.StatusSuspended:
		what, because = "%s has been suspended by the platform.", "%s has been suspended by the platform for breaking a rule:"
	case account.StatusTerminated:
		what, because = "%s has been closed by the platform.", "%s has been closed by the platform for breaking a rule:"
	default:
		return l.T("%s is not available.", a.Name), nil
	}
	if u.Review != nil {
		ps, err := u.Review.PenaltiesFor(r.Context(), a.ID)
		if err != nil {
			return "", err
		}
		now := u.Clock.Now()
		for _, p := range ps {
			if (p.Kind == review.Suspend || p.Kind == review.Terminate) && p.InForce(now) && p.Rule != "" {
				return l.T(because, a.Name) + " " + core.PageValues.Quote(p.Rule), nil
			}
		}
	}
	return l.T(what, a.Name), nil
}
