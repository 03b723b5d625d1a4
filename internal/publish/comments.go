package publish

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Comment is a reader's comment on an article.
type Comment struct {
	ID           int64
	ArticleID    int64
	AccountID    int64
	PersonID     int64
	Author       string // the commenter's display name
	Body         string
	Featured     bool
	Reply        string // the account's reply
	RepliedAt    time.Time
	CreatedAt    time.Time
	ArticleTitle string // in console lists
}

// comments lists comments with their authors' names.
func (s *Store) comments(ctx context.Context, where string, args []any, order string, limit int) ([]*Comment, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.article_id, c.account_id, c.person_id, pe.display_name, c.body, c.featured, c.reply, c.replied_at,
			c.created_at, ar.title
		FROM article_comments c JOIN people pe ON pe.id = c.person_id JOIN articles ar ON ar.id = c.article_id
		WHERE c.deleted = FALSE AND `+where+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Comment, error) {
		var c Comment
		var replied, created int64
		if err := r.Scan(&c.ID, &c.ArticleID, &c.AccountID, &c.PersonID, &c.Author, &c.Body, &c.Featured, &c.Reply, &replied, &created, &c.ArticleTitle); err != nil {
			return nil, err
		}
		c.RepliedAt, c.CreatedAt = db.FromMicro(replied), db.FromMicro(created)
		return &c, nil
	})
}

// UnansweredComments counts the account's comments made since since that
// have no reply yet, counting at most limit (the console home shows
// "limit+" beyond), so the count reads a bounded slice of the index.
func (s *Store) UnansweredComments(ctx context.Context, accountID int64, since time.Time, limit int) (_ int, err error) {
	defer errs.Wrap(&err, "publish.Store.UnansweredComments(%d)", accountID)
	var n int
	err = db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM article_comments
		WHERE account_id = ? AND deleted = FALSE AND reply = '' AND created_at >= ? LIMIT ?) c`, accountID, db.Micro(since), limit), &n)
	return n, err
}

// AddComment adds a reader's comment, if the article takes comments from
// them (open comments, followers-only respected, not blacklisted, the
// account's comments not restricted).
func (s *Store) AddComment(ctx context.Context, articleID, personID int64, body string) (_ *Comment, err error) {
	defer errs.Wrap(&err, "publish.Store.AddComment(%d, %d)", articleID, personID)
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, errs.FieldInvalid("body", "Write a comment first.")
	}
	if n := utf8.RuneCountInString(body); n > MaxComment {
		return nil, errs.FieldInvalid("body", "A comment has at most %d characters (this one has %d).", MaxComment, n)
	}
	c := &Comment{ID: id.New(), ArticleID: articleID, PersonID: personID, Body: body, CreatedAt: s.clock.Now()}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		a, status, err := s.published(ctx, tx, articleID)
		if err != nil {
			return err
		}
		c.AccountID = a.AccountID
		if !a.CommentsOpen {
			return errs.Forbiddenf("Comments are closed on this article.")
		}
		if status != account.StatusActive {
			return errs.Forbiddenf("This account cannot take comments right now.")
		}
		if err := s.gate(ctx, a.AccountID, FeatureComments); err != nil {
			return err
		}
		var following, blocked bool
		err = db.Get(tx.QueryRow(ctx, `SELECT following, blocked FROM follows WHERE account_id = ? AND person_id = ?`, a.AccountID, personID), &following, &blocked)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return err
		}
		if blocked {
			return errs.Forbiddenf("This account does not accept your comments.")
		}
		if a.FansOnlyComments && !following {
			return errs.Forbiddenf("Only followers can comment on this article. Follow the account first.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO article_comments (id, article_id, account_id, person_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, articleID, a.AccountID, personID, body, db.Micro(c.CreatedAt)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count + 1 WHERE id = ?`, articleID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AccountComments lists comments on the account's articles for moderation
// (articleID 0: all articles), newest first.
func (s *Store) AccountComments(ctx context.Context, accountID, articleID int64, limit int) (_ []*Comment, err error) {
	defer errs.Wrap(&err, "publish.Store.AccountComments(%d, %d)", accountID, articleID)
	if limit <= 0 || limit > 200 {
		limit = 100
	}
	where, args := `c.account_id = ?`, []any{accountID}
	if articleID != 0 {
		where += ` AND c.article_id = ?`
		args = append(args, articleID)
	}
	return s.comments(ctx, where, args, `c.id DESC`, limit)
}

// Feature marks a comment of the account's articles as featured (shown
// first) or not.
func (s *Store) Feature(ctx context.Context, accountID, commentID int64, featured bool) (err error) {
	defer errs.Wrap(&err, "publish.Store.Feature(%d, %d)", accountID, commentID)
	return s.moderate(ctx, accountID, commentID, `featured = ?`, featured)
}

// Reply sets the account's reply to a comment ("" removes it).
func (s *Store) Reply(ctx context.Context, accountID, commentID int64, text string) (err error) {
	defer errs.Wrap(&err, "publish.Store.Reply(%d, %d)", accountID, commentID)
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > MaxComment {
		return errs.FieldInvalid("reply", "A reply has at most %d characters (this one has %d).", MaxComment, n)
	}
	at := int64(0)
	if text != "" {
		at = db.Micro(s.clock.Now())
	}
	return s.moderate(ctx, accountID, commentID, `reply = ?, replied_at = ?`, text, at)
}

// DeleteComment removes a comment from the account's article.
func (s *Store) DeleteComment(ctx context.Context, accountID, commentID int64) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeleteComment(%d, %d)", accountID, commentID)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var articleID int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT article_id FROM article_comments WHERE id = ? AND account_id = ? AND deleted = FALSE`, commentID, accountID), &articleID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE article_comments SET deleted = TRUE WHERE id = ?`, commentID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count - 1 WHERE id = ? AND comment_count > 0`, articleID)
		return err
	})
}

func (s *Store) moderate(ctx context.Context, accountID, commentID int64, set string, args ...any) error {
	res, err := s.db.Exec(ctx, `UPDATE article_comments SET `+set+` WHERE id = ? AND account_id = ? AND deleted = FALSE`,
		append(args, commentID, accountID)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("No such comment.")
	}
	return nil
}
