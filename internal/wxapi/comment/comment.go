// Package comment is WeChat's comment API (/cgi-bin/comment/*) over the
// comments readers write on Herald's reading pages (internal/publish): the
// same comments the console moderates, addressed by msg_data_id (the
// publication, publish.MsgDataID), index (the article, 0-based) and
// user_comment_id (the comment's id). Featured comments are WeChat's
// "elected" ones; a reply is the account's reply shown under the comment.
package comment

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// MaxList is comment/list's largest count (88010 beyond).
const MaxList = 50

// Deps are what the endpoints use.
type Deps struct {
	Publish *publish.Store
	Follows *follow.Store
}

// Register adds the endpoints to api.
func Register(api *wxapi.API, d Deps) {
	api.Register("/cgi-bin/comment/open", wxapi.CapBasic, func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return d.setOpen(w, r, a, true)
	})
	api.Register("/cgi-bin/comment/close", wxapi.CapBasic, func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return d.setOpen(w, r, a, false)
	})
	api.Register("/cgi-bin/comment/list", wxapi.CapBasic, d.list)
	api.Register("/cgi-bin/comment/markelect", wxapi.CapBasic, func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return d.elect(w, r, a, true)
	})
	api.Register("/cgi-bin/comment/unmarkelect", wxapi.CapBasic, func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return d.elect(w, r, a, false)
	})
	api.Register("/cgi-bin/comment/delete", wxapi.CapBasic, d.del)
	api.Register("/cgi-bin/comment/reply/add", wxapi.CapBasic, d.replyAdd)
	api.Register("/cgi-bin/comment/reply/delete", wxapi.CapBasic, d.replyDelete)
}

// number is a JSON integer that SDKs send as a number or a string.
type number struct {
	v   int64
	set bool
}

func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if string(b) == "null" || len(b) == 0 {
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return err
	}
	n.v, n.set = v, true
	return nil
}

type request struct {
	MsgDataID     number `json:"msg_data_id"`
	Index         number `json:"index"`
	UserCommentID number `json:"user_comment_id"`
	Begin         number `json:"begin"`
	Count         number `json:"count"`
	Type          number `json:"type"`
	Content       string `json:"content"`
}

// article decodes the body and finds the article: 88001 when the
// msg_data_id is not a published publication of the account or the index
// is past its end, 88002 when the platform took the article down.
func (d Deps) article(w http.ResponseWriter, r *http.Request, a *account.Account) (*request, *publish.Article, error) {
	var in request
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return nil, nil, err
	}
	art, err := d.Publish.CommentArticle(r.Context(), a.ID, in.MsgDataID.v, int(in.Index.v))
	switch {
	case err == publish.ErrTakenDown:
		return nil, nil, wxerr.New(88002)
	case errors.Is(err, errs.NotFound), errors.Is(err, db.ErrNotFound):
		return nil, nil, wxerr.New(88001)
	case err != nil:
		return nil, nil, err
	}
	return &in, art, nil
}

// comment also finds the comment: 88008 when the article has no such
// comment, 88004 when it was deleted.
func (d Deps) comment(w http.ResponseWriter, r *http.Request, a *account.Account) (*request, *publish.APIComment, error) {
	in, art, err := d.article(w, r, a)
	if err != nil {
		return nil, nil, err
	}
	c, err := d.Publish.ArticleComment(r.Context(), a.ID, art.ID, in.UserCommentID.v)
	switch {
	case errors.Is(err, db.ErrNotFound), errors.Is(err, errs.NotFound):
		return nil, nil, wxerr.New(88008)
	case err != nil:
		return nil, nil, err
	case c.Deleted:
		return nil, nil, wxerr.New(88004)
	}
	return in, c, nil
}

// POST /cgi-bin/comment/open|close {"msg_data_id","index"}; opening
// comments the platform restricted answers 88000.
func (d Deps) setOpen(w http.ResponseWriter, r *http.Request, a *account.Account, open bool) error {
	_, art, err := d.article(w, r, a)
	if err != nil {
		return err
	}
	if err := d.Publish.SetCommentsOpen(r.Context(), a.ID, art.ID, open); err != nil {
		if open && errs.KindOf(err) != errs.KindInternal {
			return wxerr.New(88000)
		}
		return err
	}
	wxerr.OK(w)
	return nil
}

type reply struct {
	Content    string `json:"content"`
	CreateTime int64  `json:"create_time"`
}

type item struct {
	UserCommentID int64  `json:"user_comment_id"`
	OpenID        string `json:"openid"`
	CreateTime    int64  `json:"create_time"`
	Content       string `json:"content"`
	CommentType   int    `json:"comment_type"`
	Reply         *reply `json:"reply,omitempty"`
}

// POST /cgi-bin/comment/list {"msg_data_id","index","begin","count","type"}
// → {"total","comment":[...]}, oldest first; count 1–50 (88010), type 0
// all, 1 normal, 2 elected (else 40035).
func (d Deps) list(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	in, art, err := d.article(w, r, a)
	if err != nil {
		return err
	}
	if in.Count.v < 1 || in.Count.v > MaxList {
		return wxerr.New(88010)
	}
	if in.Begin.v < 0 || in.Type.v < 0 || in.Type.v > 2 {
		return wxerr.New(wxerr.CodeInvalidParameter)
	}
	total, list, err := d.Publish.ArticleComments(r.Context(), a.ID, art.ID, publish.CommentFilter(in.Type.v), int(in.Begin.v), int(in.Count.v))
	if err != nil {
		return err
	}
	items := make([]item, 0, len(list))
	for _, c := range list {
		if c.OpenID == "" {
			// A reader who never followed nor signed in gets an openid
			// (not following), as web sign-in gives one.
			if c.OpenID, err = d.Follows.OpenID(r.Context(), a.ID, c.PersonID); err != nil {
				return err
			}
		}
		it := item{UserCommentID: c.ID, OpenID: c.OpenID, CreateTime: c.CreatedAt.Unix(), Content: c.Body}
		if c.Featured {
			it.CommentType = 1
		}
		if c.Reply != "" {
			it.Reply = &reply{Content: c.Reply, CreateTime: c.RepliedAt.Unix()}
		}
		items = append(items, it)
	}
	wxerr.JSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "total": total, "comment": items})
	return nil
}

// POST /cgi-bin/comment/markelect|unmarkelect {"msg_data_id","index","user_comment_id"}
func (d Deps) elect(w http.ResponseWriter, r *http.Request, a *account.Account, on bool) error {
	_, c, err := d.comment(w, r, a)
	if err != nil {
		return err
	}
	if err := d.Publish.FeatureOnArticle(r.Context(), a.ID, c.ArticleID, c.ID, on); err != nil {
		switch {
		case err == publish.ErrFeaturedLimit:
			return wxerr.New(88003)
		case errs.KindOf(err) == errs.KindNotFound:
			return wxerr.New(88008)
		}
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/comment/delete {"msg_data_id","index","user_comment_id"}
func (d Deps) del(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	_, c, err := d.comment(w, r, a)
	if err != nil {
		return err
	}
	if err := d.Publish.DeleteComment(r.Context(), a.ID, c.ID); err != nil {
		if errors.Is(err, db.ErrNotFound) || errs.KindOf(err) == errs.KindNotFound {
			return wxerr.New(88004)
		}
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/comment/reply/add {"msg_data_id","index","user_comment_id","content"}:
// one reply a comment (88005), 1–600 characters (88007).
func (d Deps) replyAdd(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	in, c, err := d.comment(w, r, a)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(in.Content)
	if text == "" || utf8.RuneCountInString(text) > publish.MaxComment {
		return wxerr.New(88007)
	}
	if err := d.Publish.ReplyOnce(r.Context(), a.ID, c.ArticleID, c.ID, text); err != nil {
		if err == publish.ErrAlreadyReplied {
			return wxerr.New(88005)
		}
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/comment/reply/delete {"msg_data_id","index","user_comment_id"}:
// 88009 when the comment has no reply.
func (d Deps) replyDelete(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	_, c, err := d.comment(w, r, a)
	if err != nil {
		return err
	}
	if err := d.Publish.DeleteReply(r.Context(), a.ID, c.ArticleID, c.ID); err != nil {
		if err == publish.ErrNoReply {
			return wxerr.New(88009)
		}
		return err
	}
	wxerr.OK(w)
	return nil
}
