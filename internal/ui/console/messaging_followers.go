package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type followersData struct {
	Query     audience.Query
	Q         string
	Tags      []audience.Tag
	TagNames  map[int64]string
	Followers []*audience.Follower
	Page      int
	Prev      int // 0: none
	Next      int
	More      bool
	MaxTags   int
}

const followersPerPage = 50

func (u *UI) followersPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Followers", nil)
	p.Console = c
	return u.renderFollowers(w, r, p, c, http.StatusOK)
}

func (u *UI) renderFollowers(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
	q := r.URL.Query()
	d := &followersData{Q: strings.TrimSpace(q.Get("q")), TagNames: map[int64]string{}, MaxTags: audience.MaxTags}
	pg := core.QueryPage(r, followersPerPage)
	d.Page = pg.Page
	tagID, _ := strconv.ParseInt(q.Get("tag"), 10, 64)
	d.Query = audience.Query{Search: d.Q, TagID: tagID, Blocked: q.Get("blacklist") != "", Offset: pg.Offset, Limit: followersPerPage + 1}
	var err error
	if d.Tags, err = u.Audience.Tags(r.Context(), c.Account.ID); err != nil {
		return err
	}
	for _, t := range d.Tags {
		d.TagNames[t.ID] = t.Name
	}
	if d.Followers, err = u.Audience.Followers(r.Context(), c.Account.ID, d.Query); err != nil {
		return err
	}
	if len(d.Followers) > followersPerPage {
		d.Followers, d.More = d.Followers[:followersPerPage], true
	}
	d.Prev, d.Next = d.Page-1, d.Page+1
	p.Data = d
	return u.Render(w, r, status, "mp/followers", p)
}

func (u *UI) followersFail(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, err error) error {
	var e *errs.Error
	if !core.AsErr(err, &e) || e.Kind == errs.KindInternal || e.Kind == errs.KindNotFound {
		return err
	}
	p := u.NewPage(w, r, "Followers", nil)
	p.Console = c
	p.Form = r.PostForm
	if e.Field != "" {
		p.Fields[e.Field] = e.Message
	} else {
		p.Error = e.Message
	}
	return u.renderFollowers(w, r, p, c, web.Status(err))
}

func (u *UI) followersBack(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, flash string) error {
	back := fmt.Sprintf("/mp/a/%d/followers", c.Account.ID)
	if ret := r.PostForm.Get("return"); strings.HasPrefix(ret, "?") {
		back += ret
	}
	return u.Redirect(w, r, back, flash)
}

func (u *UI) followersTagCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	t, err := u.Audience.CreateTag(r.Context(), c.Account.ID, r.PostForm.Get("name"))
	if err != nil {
		return u.followersFail(w, r, c, err)
	}
	return u.followersBack(w, r, c, "Tag “"+t.Name+"” created.")
}

func (u *UI) followersTagRename(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	tid, err := core.PathID(r, "tag")
	if err != nil {
		return err
	}
	if err := u.Audience.RenameTag(r.Context(), c.Account.ID, tid, r.PostForm.Get("name")); err != nil {
		return u.followersFail(w, r, c, err)
	}
	return u.followersBack(w, r, c, "Tag renamed.")
}

func (u *UI) followersTagDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	tid, err := core.PathID(r, "tag")
	if err != nil {
		return err
	}
	if err := u.Audience.DeleteTag(r.Context(), c.Account.ID, tid); err != nil {
		return u.followersFail(w, r, c, err)
	}
	return u.followersBack(w, r, c, "Tag deleted.")
}

// followersBulk tags, untags, blacklists or un-blacklists the followers
// checked in the list.
func (u *UI) followersBulk(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["person"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	tagID, _ := strconv.ParseInt(r.PostForm.Get("tag"), 10, 64)
	ctx := r.Context()
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
		if errs.KindOf(err) == errs.KindNotFound {
			err = &errs.Error{Kind: errs.KindInvalid, Message: errs.Message(err)}
		}
		return u.followersFail(w, r, c, err)
	}
	return u.followersBack(w, r, c, fmt.Sprintf("Done for %d follower(s).", len(ids)))
}

type followerData struct {
	F        *audience.Follower
	Tags     []audience.Tag
	Has      map[int64]bool
	MaxTags  int
	InboxURL string
}

func (u *UI) followerPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Follower", nil)
	p.Console = c
	return u.renderFollower(w, r, p, c, http.StatusOK)
}

func (u *UI) renderFollower(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	f, err := u.Audience.Follower(r.Context(), c.Account.ID, pid)
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
	if c.Can(account.ActInbox) {
		d.InboxURL = fmt.Sprintf("/mp/a/%d/inbox/%d", c.Account.ID, pid)
	}
	p.Title = f.DisplayName
	p.Data = d
	return u.Render(w, r, status, "mp/followers_one", p)
}

func (u *UI) followerSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	var tags []int64
	for _, v := range r.PostForm["tag"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			tags = append(tags, id)
		}
	}
	err = u.Follows.SetRemark(r.Context(), c.Account.ID, pid, r.PostForm.Get("remark"))
	if err == nil {
		err = u.Audience.SetTags(r.Context(), c.Account.ID, pid, tags)
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.KindInternal || k == errs.KindNotFound {
			return err
		}
		p := u.NewPage(w, r, "Follower", nil)
		p.Console = c
		p.Form = r.PostForm
		var e *errs.Error
		if core.AsErr(err, &e) {
			if e.Field != "" {
				p.Fields[e.Field] = e.Message
			} else {
				p.Error = e.Message
			}
		}
		return u.renderFollower(w, r, p, c, web.Status(err))
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/followers/%d", c.Account.ID, pid), "Saved.")
}

func (u *UI) followerBlacklist(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	block := r.PostForm.Get("blocked") == "1"
	if err := u.Follows.SetBlocked(r.Context(), c.Account.ID, pid, block); err != nil {
		return err
	}
	msg := "Removed from the blacklist."
	if block {
		msg = "Blacklisted: this follower can no longer message the account and receives nothing from it."
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/followers/%d", c.Account.ID, pid), msg)
}

// followerAvatar serves a follower's profile picture to the account's team
// (only for people who follow or followed the account).
func (u *UI) followerAvatar(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActFollowers)
	if err != nil {
		return err
	}
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	f, err := u.Audience.Follower(r.Context(), c.Account.ID, pid)
	if err != nil {
		return err
	}
	if f.AvatarPath == "" {
		return errs.NotFoundf("No profile picture.")
	}
	return media.Serve(w, r, u.Media, f.AvatarPath, "")
}
