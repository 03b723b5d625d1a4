package publish

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// What the developer API's comment/* calls need: the same comments the
// reading page shows and the console moderates, addressed by msg_data_id,
// article index and comment id.

// MaxFeatured bounds the featured ("elected") comments of one article
// through the API (88003 beyond it).
const MaxFeatured = 100

// CommentFilter selects comments for ArticleComments.
type CommentFilter int

// Comment filters, numbered as comment/list's type.
const (
	CommentsAll        CommentFilter = 0
	CommentsNormal     CommentFilter = 1 // not featured
	CommentsFeaturedOn CommentFilter = 2 // featured
)

// APIComment is a comment with what comment/list shows.
type APIComment struct {
	Comment
	OpenID  string // the commenter's openid in the account ("" if they have none yet)
	Deleted bool
}

// CommentArticle returns article index of the account's published
// msg_data_id for the comment API: errs.NotFound when there is none (another
// account's, a draft, deleted), ErrTakenDown when the platform took it down.
func (s *Store) CommentArticle(ctx context.Context, accountID, msgDataID int64, index int) (_ *Article, err error) {
	defer errs.Wrap(&err, "publish.Store.CommentArticle(%d, %d)", accountID, msgDataID)
	a, err := s.MsgDataArticle(ctx, accountID, msgDataID, index)
	if err != nil {
		return nil, err
	}
	if s.takenDown(ctx, a.ID) {
		return nil, ErrTakenDown
	}
	return a, nil
}

// SetCommentsOpen opens or closes comments on an article of the account.
// Opening asks the compliance gate (a refusal is returned as is).
func (s *Store) SetCommentsOpen(ctx context.Context, accountID, articleID int64, open bool) (err error) {
	defer errs.Wrap(&err, "publish.Store.SetCommentsOpen(%d, %d)", accountID, articleID)
	if open {
		if err := s.gate(ctx, accountID, FeatureComments); err != nil {
			return err
		}
	}
	res, err := s.db.Exec(ctx, `UPDATE articles SET comments_open = ? WHERE id = ? AND account_id = ? AND deleted = FALSE`, open, articleID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("No such article.")
	}
	return nil
}

const apiCommentCols = `c.id, c.article_id, c.account_id, c.person_id, c.body, c.featured, c.reply, c.replied_at, c.created_at, c.deleted,
	COALESCE((SELECT f.openid FROM follows f WHERE f.account_id = c.account_id AND f.person_id = c.person_id), '')`

func scanAPIComment(sc interface{ Scan(...any) error }) (*APIComment, error) {
	var c APIComment
	var replied, created int64
	err := sc.Scan(&c.ID, &c.ArticleID, &c.AccountID, &c.PersonID, &c.Body, &c.Featured, &c.Reply, &replied, &created, &c.Deleted, &c.OpenID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.RepliedAt, c.CreatedAt = db.FromMicro(replied), db.FromMicro(created)
	return &c, nil
}

// ArticleComments lists an article's comments oldest first, from offset,
// with the total matching the filter.
func (s *Store) ArticleComments(ctx context.Context, accountID, articleID int64, filter CommentFilter, offset, limit int) (_ int64, _ []*APIComment, err error) {
	defer errs.Wrap(&err, "publish.Store.ArticleComments(%d, %d)", accountID, articleID)
	where := `c.article_id = ? AND c.account_id = ? AND c.deleted = FALSE`
	switch filter {
	case CommentsNormal:
		where += ` AND c.featured = FALSE`
	case CommentsFeaturedOn:
		where += ` AND c.featured = TRUE`
	}
	var total int64
	if err := db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM article_comments c WHERE `+where, articleID, accountID), &total); err != nil {
		return 0, nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+apiCommentCols+` FROM article_comments c WHERE `+where+` ORDER BY c.id LIMIT ? OFFSET ?`,
		articleID, accountID, limit, max(offset, 0))
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*APIComment, error) { return scanAPIComment(r) })
	return total, list, err
}

// ArticleComment returns one comment of an article of the account, deleted
// ones included (Deleted set); db.ErrNotFound when there is no such comment
// on that article.
func (s *Store) ArticleComment(ctx context.Context, accountID, articleID, commentID int64) (_ *APIComment, err error) {
	defer errs.Wrap(&err, "publish.Store.ArticleComment(%d, %d, %d)", accountID, articleID, commentID)
	return scanAPIComment(s.db.QueryRow(ctx, `SELECT `+apiCommentCols+` FROM article_comments c
		WHERE c.id = ? AND c.article_id = ? AND c.account_id = ?`, commentID, articleID, accountID))
}

// ErrFeaturedLimit refuses featuring more than MaxFeatured comments.
var ErrFeaturedLimit = errs.Conflictf("An article has at most %d featured comments.", MaxFeatured)

// FeatureOnArticle features a comment (or not), at most MaxFeatured per
// article.
func (s *Store) FeatureOnArticle(ctx context.Context, accountID, articleID, commentID int64, featured bool) (err error) {
	defer errs.Wrap(&err, "publish.Store.FeatureOnArticle(%d, %d, %d)", accountID, articleID, commentID)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if featured {
			var n int64
			if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM article_comments WHERE article_id = ? AND deleted = FALSE AND featured = TRUE AND id <> ?`,
				articleID, commentID), &n); err != nil {
				return err
			}
			if n >= MaxFeatured {
				return ErrFeaturedLimit
			}
		}
		res, err := tx.Exec(ctx, `UPDATE article_comments SET featured = ? WHERE id = ? AND article_id = ? AND account_id = ? AND deleted = FALSE`,
			featured, commentID, articleID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("No such comment.")
		}
		return nil
	})
}

// ErrAlreadyReplied refuses a second reply to a comment.
var ErrAlreadyReplied = errs.Conflictf("This comment already has a reply.")

// ReplyOnce sets the account's reply to a comment that has none
// (ErrAlreadyReplied otherwise).
func (s *Store) ReplyOnce(ctx context.Context, accountID, articleID, commentID int64, text string) (err error) {
	defer errs.Wrap(&err, "publish.Store.ReplyOnce(%d, %d, %d)", accountID, articleID, commentID)
	text = strings.TrimSpace(text)
	res, err := s.db.Exec(ctx, `UPDATE article_comments SET reply = ?, replied_at = ?
		WHERE id = ? AND article_id = ? AND account_id = ? AND deleted = FALSE AND reply = ''`,
		text, db.Micro(s.clock.Now()), commentID, articleID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrAlreadyReplied
	}
	return nil
}

// ErrNoReply is returned when deleting a reply that is not there.
var ErrNoReply = errs.NotFoundf("This comment has no reply.")

// DeleteReply removes the account's reply to a comment (ErrNoReply when it
// has none).
func (s *Store) DeleteReply(ctx context.Context, accountID, articleID, commentID int64) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeleteReply(%d, %d, %d)", accountID, articleID, commentID)
	res, err := s.db.Exec(ctx, `UPDATE article_comments SET reply = '', replied_at = 0
		WHERE id = ? AND article_id = ? AND account_id = ? AND deleted = FALSE AND reply <> ''`, commentID, articleID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoReply
	}
	return nil
}
