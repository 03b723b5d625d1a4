// Package comment is WeChat's comment API (/cgi-bin/comment/*) over the
// comments readers write on Herald's reading pages (internal/publish): the
// same comments the console moderates, addressed by msg_data_id (the
// publication, publish.MsgDataID), index (the article, 0-based) and
// user_comment_id (the comment's id). Featured comments are WeChat's
// "elected" ones; a reply is the account's reply shown under the comment.
package comment

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
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
	api.Register("/cgi-bin/comment/open", wxapi.CapBasic, wxapi.JSON(d.setOpen(true)))
	api.Register("/cgi-bin/comment/close", wxapi.CapBasic, wxapi.JSON(d.setOpen(false)))
	api.Register("/cgi-bin/comment/list", wxapi.CapBasic, wxapi.JSON(d.list))
	api.Register("/cgi-bin/comment/markelect", wxapi.CapBasic, wxapi.JSON(d.elect(true)))
	api.Register("/cgi-bin/comment/unmarkelect", wxapi.CapBasic, wxapi.JSON(d.elect(false)))
	api.Register("/cgi-bin/comment/delete", wxapi.CapBasic, wxapi.JSON(d.del))
	api.Register("/cgi-bin/comment/reply/add", wxapi.CapBasic, wxapi.JSON(d.replyAdd))
	api.Register("/cgi-bin/comment/reply/delete", wxapi.CapBasic, wxapi.JSON(d.replyDelete))
}

// action is the shape of every comment endpoint.
type action = func(ctx context.Context, a *account.Account, in *request) (any, error)

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

// article finds the article: 88001 when the msg_data_id is not a published
// publication of the account or the index is past its end, 88002 when the
// platform took the article down.
func (d Deps) article(ctx context.Context, a *account.Account, in *request) (*publish.Article, error) {
	art, err := d.Publish.CommentArticle(ctx, a.ID, in.MsgDataID.v, int(in.Index.v))
	switch {
	case err == publish.ErrTakenDown:
		return nil, wxerr.New(88002)
	case errors.Is(err, errs.NotFound):
		return nil, wxerr.New(88001)
	case err != nil:
		return nil, err
	}
	return art, nil
}

// comment also finds the comment: 88008 when the article has no such
// comment, 88004 when it was deleted.
func (d Deps) comment(ctx context.Context, a *account.Account, in *request) (*publish.APIComment, error) {
	art, err := d.article(ctx, a, in)
	if err != nil {
		return nil, err
	}
	c, err := d.Publish.ArticleComment(ctx, a.ID, art.ID, in.UserCommentID.v)
	switch {
	case errors.Is(err, errs.NotFound):
		return nil, wxerr.New(88008)
	case err != nil:
		return nil, err
	case c.Deleted:
		return nil, wxerr.New(88004)
	}
	return c, nil
}

// POST /cgi-bin/comment/open|close {"msg_data_id","index"}; opening
// comments the platform restricted answers 88000.
func (d Deps) setOpen(open bool) action {
	return func(ctx context.Context, a *account.Account, in *request) (any, error) {
		art, err := d.article(ctx, a, in)
		if err != nil {
			return nil, err
		}
		if err := d.Publish.SetCommentsOpen(ctx, a.ID, art.ID, open); err != nil {
			if open && errs.KindOf(err) != errs.KindInternal {
				return nil, wxerr.New(88000)
			}
			return nil, err
		}
		return nil, nil
	}
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
func (d Deps) list(ctx context.Context, a *account.Account, in *request) (any, error) {
	art, err := d.article(ctx, a, in)
	if err != nil {
		return nil, err
	}
	if in.Count.v < 1 || in.Count.v > MaxList {
		return nil, wxerr.New(88010)
	}
	if in.Begin.v < 0 || in.Type.v < 0 || in.Type.v > 2 {
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	total, list, err := d.Publish.ArticleComments(ctx, a.ID, art.ID, publish.CommentFilter(in.Type.v), int(in.Begin.v), int(in.Count.v))
	if err != nil {
		return nil, err
	}
	items := make([]item, 0, len(list))
	for _, c := range list {
		if c.OpenID == "" {
			// A reader who never followed nor signed in gets an openid
			// (not following), as web sign-in gives one.
			if c.OpenID, err = d.Follows.OpenID(ctx, a.ID, c.PersonID); err != nil {
				return nil, err
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
	return map[string]any{"errcode": 0, "errmsg": "ok", "total": total, "comment": items}, nil
}

// POST /cgi-bin/comment/markelect|unmarkelect {"msg_data_id","index","user_comment_id"}
func (d Deps) elect(on bool) action {
	return func(ctx context.Context, a *account.Account, in *request) (any, error) {
		c, err := d.comment(ctx, a, in)
		if err != nil {
			return nil, err
		}
		err = d.Publish.FeatureOnArticle(ctx, a.ID, c.ArticleID, c.ID, on)
		switch {
		case err == publish.ErrFeaturedLimit:
			return nil, wxerr.New(88003)
		case err != nil && errors.Is(err, errs.NotFound):
			return nil, wxerr.New(88008)
		}
		return nil, err
	}
}

// POST /cgi-bin/comment/delete {"msg_data_id","index","user_comment_id"}
func (d Deps) del(ctx context.Context, a *account.Account, in *request) (any, error) {
	c, err := d.comment(ctx, a, in)
	if err != nil {
		return nil, err
	}
	err = d.Publish.DeleteComment(ctx, a.ID, c.ID)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(88004)
	}
	return nil, err
}

// POST /cgi-bin/comment/reply/add {"msg_data_id","index","user_comment_id","content"}:
// one reply a comment (88005), 1–600 characters (88007).
func (d Deps) replyAdd(ctx context.Context, a *account.Account, in *request) (any, error) {
	c, err := d.comment(ctx, a, in)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(in.Content)
	if text == "" || utf8.RuneCountInString(text) > publish.MaxComment {
		return nil, wxerr.New(88007)
	}
	if err := d.Publish.ReplyOnce(ctx, a.ID, c.ArticleID, c.ID, text); err == publish.ErrAlreadyReplied {
		return nil, wxerr.New(88005)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// POST /cgi-bin/comment/reply/delete {"msg_data_id","index","user_comment_id"}:
// 88009 when the comment has no reply.
func (d Deps) replyDelete(ctx context.Context, a *account.Account, in *request) (any, error) {
	c, err := d.comment(ctx, a, in)
	if err != nil {
		return nil, err
	}
	if err := d.Publish.DeleteReply(ctx, a.ID, c.ArticleID, c.ID); err == publish.ErrNoReply {
		return nil, wxerr.New(88009)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}
