package publish

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

// Reactions.
const (
	ReactLike = "like"
	ReactWow  = "wow"
)

// MaxComment is the longest comment, in characters.
const MaxComment = 600

// Reading is everything the reading page shows.
type Reading struct {
	Article     *Article
	Publication *Publication // without Articles
	Account     *account.Account
	Siblings    []*Article // the publication's articles (id, idx, title only)
	Comments    []*Comment // featured first, then newest
	Liked       bool
	Wowed       bool
	Following   bool
	Member      bool   // the viewer is a member of the account
	Preview     bool   // not published: shown through a preview link or to a member
	CanComment  bool   // the viewer may comment now
	CommentNote string // why not, when comments are open but the viewer may not
}

// ErrTakenDown is shown for articles the platform removed.
var ErrTakenDown = errs.NotFoundf("This article was removed for violating the platform's rules.")

// Read loads an article for its reading page. Published articles are
// public; drafts only through their preview link or for members of the
// account. viewerID 0 is an anonymous reader.
func (s *Store) Read(ctx context.Context, articleID, viewerID int64, previewKey string) (_ *Reading, err error) {
	defer errs.Wrap(&err, "publish.Store.Read(%d, %d)", articleID, viewerID)
	return s.read(ctx, articleID, viewerID, previewKey, nil, nil)
}

// ReadAs is Read for the person of a sign-in session, read in the same
// statement into sess (user.SessionRow, for user.Store.CheckSession)
// instead of in one of its own before it: a session that is not valid
// (absent or expired) reads the article as an anonymous reader does.
// With an error, sess may not have been read.
func (s *Store) ReadAs(ctx context.Context, articleID int64, ref user.SessionRef, sess *user.SessionRow, previewKey string) (_ *Reading, err error) {
	defer errs.Wrap(&err, "publish.Store.ReadAs(%d)", articleID)
	return s.read(ctx, articleID, 0, previewKey, &ref, sess)
}

func (s *Store) read(ctx context.Context, articleID, viewerID int64, previewKey string, ref *user.SessionRef, sess *user.SessionRow) (_ *Reading, err error) {
	// The article, its publication and its account with what the viewer
	// is to them, in one statement (with the viewer's session, given one).
	rd := &Reading{}
	var role string
	var following, blocked int
	var down bool // taken down, when the statement asks (Deps.TakenDownSQL)
	query, args := s.readingQuery, []any{viewerID, viewerID, viewerID, viewerID, viewerID}
	if ref != nil {
		query, args = s.readingSessionQuery, []any{ref.Now, ref.Now, ref.Now, ref.Now, ref.Now}
	}
	extra := []any{&role, &following, &blocked, &rd.Liked, &rd.Wowed}
	if s.deps.TakenDownSQL != "" {
		args = append(args, articleID)
		extra = append(extra, &down)
	}
	if ref != nil {
		args = append(args, ref.Hash)
		extra = append(extra, sess.Dest()...)
	}
	args = append(args, articleID)
	row := s.db.QueryRow(ctx, query, args...)
	rd.Article, err = scanArticle(scanFunc(func(ad ...any) error {
		var err error
		rd.Publication, err = scanPublication(scanFunc(func(pd ...any) error {
			var err error
			rd.Account, err = account.Scan(scanFunc(func(cd ...any) error {
				dest := make([]any, 0, len(ad)+len(pd)+len(cd)+len(extra))
				dest = append(append(append(dest, ad...), pd...), cd...)
				return row.Scan(append(dest, extra...)...)
			}))
			return err
		}))
		return err
	}))
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("There is no such article.")
	}
	if err != nil {
		return nil, err
	}
	if ref != nil && sess.Found && sess.Expires > ref.Now {
		viewerID = sess.Person.ID
	}
	art, pub := rd.Article, rd.Publication
	acct := rd.Account
	rd.Member, rd.Following = role != "", following == 1
	switch {
	case art.Deleted || pub.State == StateDeleted:
		return nil, errs.NotFoundf("This article was deleted by its author.")
	case pub.State != StatePublished:
		okKey := previewKey != "" && subtle.ConstantTimeCompare([]byte(previewKey), []byte(pub.PreviewKey)) == 1
		if !okKey && !rd.Member {
			return nil, errs.NotFoundf("There is no such article.")
		}
		rd.Preview = true
	case down || s.deps.TakenDownSQL == "" && s.takenDown(ctx, art.ID):
		return nil, ErrTakenDown
	case acct.Status != account.StatusActive && !rd.Member:
		return nil, errs.NotFoundf("This article is not available: the account is %s.", errs.Text(acct.Status))
	}
	pub.Articles = []*Article{art} // for the addresses of its media only
	err = s.withMediaPaths(ctx, pub)
	pub.Articles = nil
	if err != nil {
		return nil, err
	}
	if pub.ArticleCount == 1 {
		// A publication of one article has no other: article_count is
		// how many articles it was made with, and deleting one of them
		// does not lower it.
		rd.Siblings = []*Article{{ID: art.ID, Idx: art.Idx, Title: art.Title}}
	} else {
		rows, err := s.db.Query(ctx, `SELECT id, idx, title FROM articles WHERE publication_id = ? AND deleted = FALSE ORDER BY idx`, pub.ID)
		rd.Siblings, err = db.Collect(rows, err, func(r *sql.Rows) (*Article, error) {
			var a Article
			return &a, r.Scan(&a.ID, &a.Idx, &a.Title)
		})
		if err != nil {
			return nil, err
		}
	}
	if rd.Comments, err = s.comments(ctx, `c.article_id = ?`, []any{art.ID}, `c.featured DESC, c.id DESC`, 100); err != nil {
		return nil, err
	}
	switch {
	case rd.Preview || !art.CommentsOpen:
	case viewerID == 0:
		rd.CommentNote = "Sign in to comment."
	case blocked == 1:
		rd.CommentNote = "This account does not accept your comments."
	case art.FansOnlyComments && !rd.Following && !rd.Member:
		rd.CommentNote = "Only followers of " + acct.Name + " can comment."
	default:
		rd.CanComment = true
	}
	return rd, nil
}

// readingQuery reads an article (articleCols), its publication (pubCols)
// and its account (account.Cols), then the viewer's role in the account,
// whether they follow it unblocked, whether it blocked them, and their
// like and wow of the article. Arguments: the viewer five times, then the
// article.
var readingQuery = readingColumns + readingFrom

// readingQueryFor is readingQuery with a last column, whether the article
// is taken down (Deps.TakenDownSQL), bound to the article's id before the
// WHERE clause's.
func readingQueryFor(takenDownSQL string) string {
	if takenDownSQL == "" {
		return readingQuery
	}
	return readingColumns + ",\n\t" + takenDownSQL + readingFrom
}

// readingSessionQueryFor is readingQueryFor for the viewer of a session
// (ReadAs): the viewer is the session's person while the session is
// unexpired (arguments: now five times in place of the viewer), and the
// session's columns (user.SessionColsSQL) come last, joined by the
// token's hash, bound before the article's id.
func readingSessionQueryFor(takenDownSQL string) string {
	q := readingColumnsOf(`CASE WHEN us.expires_at > ? THEN us.person_id END`)
	if takenDownSQL != "" {
		q += ",\n\t" + takenDownSQL
	}
	return q + `, ` + user.SessionColsSQL + `
	FROM articles ar JOIN publications p ON p.id = ar.publication_id JOIN accounts a ON a.id = ar.account_id` + user.SessionJoinSQL + `
	WHERE ar.id = ?`
}

var readingColumns = readingColumnsOf("?")

// readingColumnsOf is readingColumns with the viewer given by viewer, an
// SQL expression.
func readingColumnsOf(viewer string) string {
	return `SELECT ` + qualify("ar.", articleCols) + `, ` + qualify("p.", pubCols) + `, ` + account.Cols + `,
	COALESCE((SELECT role FROM account_members m WHERE m.account_id = a.id AND m.person_id = ` + viewer + `), ''),
	COALESCE((SELECT CASE WHEN f.following AND NOT f.blocked THEN 1 ELSE 0 END FROM follows f WHERE f.account_id = a.id AND f.person_id = ` + viewer + `), 0),
	COALESCE((SELECT CASE WHEN f.blocked THEN 1 ELSE 0 END FROM follows f WHERE f.account_id = a.id AND f.person_id = ` + viewer + `), 0),
	EXISTS (SELECT 1 FROM article_reactions r WHERE r.article_id = ar.id AND r.person_id = ` + viewer + ` AND r.kind = 'like'),
	EXISTS (SELECT 1 FROM article_reactions r WHERE r.article_id = ar.id AND r.person_id = ` + viewer + ` AND r.kind = 'wow')`
}

const readingFrom = `
	FROM articles ar JOIN publications p ON p.id = ar.publication_id JOIN accounts a ON a.id = ar.account_id
	WHERE ar.id = ?`

// qualify puts prefix before each column of a column list such as
// articleCols: "id, COALESCE(x, 0)" becomes "ar.id, COALESCE(ar.x, 0)".
func qualify(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		c = strings.TrimSpace(c)
		switch {
		case strings.HasPrefix(c, "COALESCE("):
			c = "COALESCE(" + prefix + strings.TrimPrefix(c, "COALESCE(")
		case strings.Trim(c, "abcdefghijklmnopqrstuvwxyz0123456789_") == "":
			c = prefix + c
		}
		parts[i] = c
	}
	return strings.Join(parts, ", ")
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// published loads what reacting and commenting need, refusing articles
// that are not readable.
func (s *Store) published(ctx context.Context, q db.Querier, articleID int64) (*Article, string, error) {
	var a Article
	var pubState, status string
	err := db.Get(q.QueryRow(ctx, `SELECT ar.id, ar.account_id, ar.comments_open, ar.fans_only_comments, ar.deleted, p.state, acc.status
		FROM articles ar JOIN publications p ON p.id = ar.publication_id JOIN accounts acc ON acc.id = ar.account_id WHERE ar.id = ?`, articleID),
		&a.ID, &a.AccountID, &a.CommentsOpen, &a.FansOnlyComments, &a.Deleted, &pubState, &status)
	if err != nil {
		return nil, "", err
	}
	if a.Deleted || pubState != StatePublished {
		return nil, "", errs.NotFoundf("There is no such article.")
	}
	if s.takenDown(ctx, a.ID) {
		return nil, "", ErrTakenDown
	}
	return &a, status, nil
}

// React turns a like or "wow" on or off and returns the new counts.
func (s *Store) React(ctx context.Context, articleID, personID int64, kind string, on bool) (likes, wows int64, err error) {
	defer errs.Wrap(&err, "publish.Store.React(%d, %d)", articleID, personID)
	if kind != ReactLike && kind != ReactWow {
		return 0, 0, errs.Invalidf("Unknown reaction.")
	}
	col := kind + "_count"
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, _, err := s.published(ctx, tx, articleID); err != nil {
			return err
		}
		var res sql.Result
		var err error
		delta := 1
		if on {
			res, err = tx.Exec(ctx, `INSERT INTO article_reactions (article_id, person_id, kind, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (article_id, person_id, kind) DO NOTHING`, articleID, personID, kind, db.Micro(s.clock.Now()))
		} else {
			delta = -1
			res, err = tx.Exec(ctx, `DELETE FROM article_reactions WHERE article_id = ? AND person_id = ? AND kind = ?`, articleID, personID, kind)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.Exec(ctx, `UPDATE articles SET `+col+` = `+col+` + ? WHERE id = ?`, delta, articleID); err != nil {
				return err
			}
		}
		return db.Get(tx.QueryRow(ctx, `SELECT like_count, wow_count FROM articles WHERE id = ?`, articleID), &likes, &wows)
	})
	return likes, wows, err
}

// AllTakenDown reports whether the platform took down every article of p
// (which must have its articles loaded).
func (s *Store) AllTakenDown(ctx context.Context, p *Publication) bool {
	if len(p.Articles) == 0 {
		return false
	}
	for _, a := range p.Articles {
		if !s.takenDown(ctx, a.ID) {
			return false
		}
	}
	return true
}

// ArticleTakenDown reports whether the platform took the article down.
func (s *Store) ArticleTakenDown(ctx context.Context, articleID int64) bool {
	return s.takenDown(ctx, articleID)
}
