package console

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/ui/core"
)

type followersData struct {
	Query     audience.Query
	Q         string
	Tags      []audience.Tag
	TagNames  map[int64]string
	Followers []*audience.Follower
	// The pager's links (query strings, "" for none): the newest page,
	// the page before this one and the page after it. Here is this page,
	// for the bulk form to come back to.
	First, Prev, Next, Here string
	MaxTags                 int
}

const followersPerPage = 50

func (u *UI) registerFollowers(h core.Route) {
	fs := u.Member(account.ActFollowers)
	list := core.View{Title: "Followers", Template: "mp/followers", Load: u.loadFollowers}
	one := core.View{Title: "Follower", Template: "mp/followers_one", Load: u.loadFollower}
	h("GET /mp/a/{account}/followers", u.Get(fs, list))
	h("POST /mp/a/{account}/tags", core.Post(u.UI, fs, core.Form[core.None]{View: list, Do: u.followersTagCreate}))
	h("POST /mp/a/{account}/tags/{tag}", core.Post(u.UI, fs, core.Form[int64]{View: list, Parse: tagID, Do: u.followersTagRename}))
	h("POST /mp/a/{account}/tags/{tag}/delete", core.Post(u.UI, fs, core.Form[int64]{View: list, Parse: tagID, Do: u.followersTagDelete}))
	h("POST /mp/a/{account}/followers/bulk", core.Post(u.UI, fs, core.Form[core.None]{View: list, Do: u.followersBulk}))
	h("GET /mp/a/{account}/followers/{person}", u.Get(fs, one))
	h("POST /mp/a/{account}/followers/{person}", core.Post(u.UI, fs, core.Form[int64]{View: one, Parse: personInPath, Do: u.followerSave}))
	h("POST /mp/a/{account}/followers/{person}/blacklist", core.Post(u.UI, fs, core.Form[int64]{Parse: personInPath, Do: u.followerBlacklist}))
	h("GET /mp/a/{account}/followers/{person}/avatar", u.In(fs, u.followerAvatar))
}

// loadFollowers lists a page of followers, newest first. A page is found
// by key: ?after= (the older ones after a follower) or ?before= (the newer
// ones before one), each "subscribed_at.person_id" of the follower at the
// edge of the page it came from; a page costs its own rows however deep it
// is. Anything else (a link with the old ?page=N, a place that does not
// parse) lists the newest page.
func (u *UI) loadFollowers(r *http.Request, p *core.Page) error {
	c := p.Console
	ctx := r.Context()
	q := r.URL.Query()
	d := &followersData{Q: strings.TrimSpace(q.Get("q")), TagNames: map[int64]string{}, MaxTags: audience.MaxTags}
	tagID, _ := strconv.ParseInt(q.Get("tag"), 10, 64)
	d.Query = audience.Query{Search: d.Q, TagID: tagID, Blocked: q.Get("blacklist") != "", Limit: followersPerPage + 1}
	if at, ok := audience.ParseCursor(q.Get("after")); ok {
		d.Query.After = &at
	} else if at, ok := audience.ParseCursor(q.Get("before")); ok {
		d.Query.Before = &at
	}
	var err error
	if d.Tags, err = u.Audience.Tags(ctx, c.Account.ID); err != nil {
		return err
	}
	for _, t := range d.Tags {
		d.TagNames[t.ID] = t.Name
	}
	if d.Followers, err = u.Audience.Followers(ctx, c.Account.ID, d.Query); err != nil {
		return err
	}
	// One row more than a page tells whether there is another page that
	// way: after this one for After and the newest page, before it for
	// Before (whose rows come newest first, so the extra one is the first).
	more := len(d.Followers) > followersPerPage
	if d.Query.Before != nil && !more {
		// Nothing before the followers before the place: this is the
		// newest page, which may hold more than what was before the
		// place when the link was made (followers who left since).
		d.Query.Before = nil
		if d.Followers, err = u.Audience.Followers(ctx, c.Account.ID, d.Query); err != nil {
			return err
		}
		more = len(d.Followers) > followersPerPage
	}
	older := more // a page after this one
	if d.Query.Before != nil {
		d.Followers = d.Followers[1:]
		older = true // the place the page was asked before
	} else if more {
		d.Followers = d.Followers[:followersPerPage]
	}
	filter := url.Values{}
	if d.Q != "" {
		filter.Set("q", d.Q)
	}
	if tagID != 0 {
		filter.Set("tag", strconv.FormatInt(tagID, 10))
	}
	if d.Query.Blocked {
		filter.Set("blacklist", "1")
	}
	link := func(key string, at audience.Cursor) string {
		v := maps.Clone(filter)
		v.Set(key, at.String())
		return "?" + v.Encode()
	}
	d.Here = "?" + filter.Encode()
	switch {
	case d.Query.After != nil:
		d.Here = link("after", *d.Query.After)
	case d.Query.Before != nil:
		d.Here = link("before", *d.Query.Before)
	}
	if d.Query.After != nil || d.Query.Before != nil {
		d.First = "?" + filter.Encode()
		if len(d.Followers) > 0 {
			d.Prev = link("before", d.Followers[0].Cursor())
		} else {
			d.Prev = link("before", *d.Query.After) // past the end: back from where it was asked
		}
	}
	if older && len(d.Followers) > 0 {
		d.Next = link("after", d.Followers[len(d.Followers)-1].Cursor())
	}
	p.Data = d
	return nil
}

// notFoundIsPage shows a thing that is not there (a tag, a follower) as
// an error page rather than on the form.
func notFoundIsPage(err error) error {
	if errors.Is(err, errs.NotFound) {
		return core.AsPage(err)
	}
	return err
}

// followersBack returns to the followers list as it was filtered.
func followersBack(r *http.Request, flash string) core.Done {
	back := "followers"
	if ret := r.PostForm.Get("return"); strings.HasPrefix(ret, "?") {
		back += ret
	}
	return core.Done{To: back, Flash: flash}
}

func tagID(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return core.PathID(r, "tag") }

func (u *UI) followersTagCreate(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	t, err := u.Audience.CreateTag(r.Context(), c.Account.ID, r.PostForm.Get("name"))
	if err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	return followersBack(r, u.T(r, "Tag “%s” created.", t.Name)), nil
}

func (u *UI) followersTagRename(r *http.Request, c *core.ConsoleCtx, tid int64) (core.Done, error) {
	if err := u.Audience.RenameTag(r.Context(), c.Account.ID, tid, r.PostForm.Get("name")); err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	return followersBack(r, "Tag renamed."), nil
}

func (u *UI) followersTagDelete(r *http.Request, c *core.ConsoleCtx, tid int64) (core.Done, error) {
	if err := u.Audience.DeleteTag(r.Context(), c.Account.ID, tid); err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	return followersBack(r, "Tag deleted."), nil
}

// followersBulk tags, untags, blacklists or un-blacklists the followers
// checked in the list.
func (u *UI) followersBulk(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	var ids []int64
	for _, v := range r.PostForm["person"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	tagID, _ := strconv.ParseInt(r.PostForm.Get("tag"), 10, 64)
	ctx := r.Context()
	var err error
	switch r.PostForm.Get("do") {
	case "tag":
		err = u.Audience.TagFollowers(ctx, c.Account.ID, tagID, ids)
	case "untag":
		err = u.Audience.UntagFollowers(ctx, c.Account.ID, tagID, ids)
	case "blacklist":
		err = u.Audience.SetBlacklisted(ctx, c.Account.ID, ids, true)
	case "unblacklist":
		err = u.Audience.SetBlacklisted(ctx, c.Account.ID, ids, false)
	default:
		err = errs.Invalidf("Choose what to do with the selected followers.")
	}
	if err != nil {
		if errors.Is(err, errs.NotFound) {
			err = &errs.Error{Kind: errs.KindInvalid, Message: errs.Message(err)}
		}
		return core.Done{}, err
	}
	return followersBack(r, u.T(r, "Done for %d followers.", len(ids))), nil
}

type followerData struct {
	F        *audience.Follower
	Tags     []audience.Tag
	Has      map[int64]bool
	MaxTags  int
	InboxURL string
}

// loadFollower fills one follower's page, the form with their remark when
// it is first shown.
func (u *UI) loadFollower(r *http.Request, p *core.Page) error {
	c := p.Console
	f, err := core.InPath(r, c.Account.ID, "person", u.Audience.Follower)
	if err != nil {
		return err
	}
	d := &followerData{F: f, Has: map[int64]bool{}, MaxTags: audience.MaxTagsPerPerson}
	if d.Tags, err = u.Audience.Tags(r.Context(), c.Account.ID); err != nil {
		return err
	}
	for _, t := range f.TagIDs {
		d.Has[t] = true
	}
	if p.Form == nil {
		p.Form = url.Values{"remark": {f.Remark}}
	}
	// The conversation link, when there is a conversation to open (a
	// follower who never wrote to a Subscription account has none).
	if c.Can(account.ActInbox) && u.Inbox != nil {
		if _, err := u.Inbox.Conversation(r.Context(), c.Account.ID, f.PersonID); err == nil {
			d.InboxURL = fmt.Sprintf("/mp/a/%d/inbox/%d", c.Account.ID, f.PersonID)
		} else if !errors.Is(err, errs.NotFound) {
			return err
		}
	}
	p.Title = f.DisplayName
	p.Data = d
	return nil
}

func (u *UI) followerSave(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	var tags []int64
	for _, v := range r.PostForm["tag"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			tags = append(tags, id)
		}
	}
	err := u.Follows.SetRemark(r.Context(), c.Account.ID, pid, r.PostForm.Get("remark"))
	if err == nil {
		err = u.Audience.SetTags(r.Context(), c.Account.ID, pid, tags)
	}
	if err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	return core.Done{To: fmt.Sprintf("followers/%d", pid), Flash: "Saved."}, nil
}

func (u *UI) followerBlacklist(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	block := r.PostForm.Get("blocked") == "1"
	if err := u.Follows.SetBlocked(r.Context(), c.Account.ID, pid, block); err != nil {
		return core.Done{}, err
	}
	msg := "Removed from the blacklist."
	if block {
		msg = "Blacklisted: this follower can no longer message the account and receives nothing from it."
	}
	return core.Done{To: fmt.Sprintf("followers/%d", pid), Flash: msg}, nil
}

// followerAvatar serves a follower's profile picture to the account's team
// (only for people who follow or followed the account).
func (u *UI) followerAvatar(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	f, err := core.InPath(r, c.Account.ID, "person", u.Audience.Follower)
	if err != nil {
		return err
	}
	if f.AvatarPath == "" {
		return errs.NotFoundf("No profile picture.")
	}
	return media.Serve(w, r, u.Media, f.AvatarPath, "")
}
