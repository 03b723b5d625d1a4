package publish

import (
	"context"
	"database/sql"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// withArticles loads the articles of pubs with one query.
func (s *Store) withArticles(ctx context.Context, pubs []*Publication) error {
	if len(pubs) == 0 {
		return nil
	}
	byID := make(map[int64]*Publication, len(pubs))
	args := make([]any, 0, len(pubs))
	for _, p := range pubs {
		byID[p.ID] = p
		args = append(args, p.ID)
	}
	rows, err := s.db.Query(ctx, `SELECT `+articleCols+` FROM articles WHERE publication_id IN (?`+strings.Repeat(", ?", len(pubs)-1)+`)
		ORDER BY publication_id, idx`, args...)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Article, error) { return scanArticle(r) })
	if err != nil {
		return err
	}
	for _, a := range list {
		p := byID[a.PublicationID]
		p.Articles = append(p.Articles, a)
	}
	return s.withMediaPaths(ctx, pubs...)
}

// DraftPage returns the account's drafts (most recently changed first) with
// their articles, and how many drafts there are.
func (s *Store) DraftPage(ctx context.Context, accountID int64, offset, count int) (_ []*Publication, _ int, err error) {
	defer errs.Wrap(&err, "publish.Store.DraftPage(%d)", accountID)
	return s.page(ctx, accountID, `state = 'draft'`, `updated_at DESC, id DESC`, offset, count)
}

// PublishedPage returns the account's published publications (newest
// first) with their articles, and how many there are. Publications whose
// articles were all deleted are not listed.
func (s *Store) PublishedPage(ctx context.Context, accountID int64, offset, count int) (_ []*Publication, _ int, err error) {
	defer errs.Wrap(&err, "publish.Store.PublishedPage(%d)", accountID)
	return s.page(ctx, accountID, `state = 'published'`, `published_at DESC, id DESC`, offset, count)
}

func (s *Store) page(ctx context.Context, accountID int64, where, order string, offset, count int) ([]*Publication, int, error) {
	var total int
	if err := db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM publications WHERE account_id = ? AND `+where, accountID), &total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+pubCols+` FROM publications WHERE account_id = ? AND `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		accountID, count, max(offset, 0))
	pubs, err := db.Collect(rows, err, func(r *sql.Rows) (*Publication, error) { return scanPublication(r) })
	if err != nil {
		return nil, 0, err
	}
	return pubs, total, s.withArticles(ctx, pubs)
}

// Published returns a publication of the account by its article_id, with
// its articles, once it has been published (also after it was deleted);
// drafts and scheduled publications are not found.
func (s *Store) Published(ctx context.Context, accountID int64, articleID string) (_ *Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.Published(%d, %q)", accountID, articleID)
	v, err := ParseID("A", articleID)
	if err != nil {
		return nil, err
	}
	p, err := s.Publication(ctx, accountID, v)
	if err != nil {
		return nil, err
	}
	if p.PublishedAt.IsZero() || (p.State != StatePublished && p.State != StateDeleted) {
		return nil, errs.NotFoundf("No such published publication.")
	}
	return p, nil
}

// DeletePublishedArticle deletes article number (counting from 1) of a
// published publication of the account; number 0 deletes them all. Its
// page then says it was deleted; when no article is left the publication
// is deleted and leaves the profile and the folder.
func (s *Store) DeletePublishedArticle(ctx context.Context, accountID, pubID int64, number int) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeletePublishedArticle(%d, %d)", accountID, pubID)
	if number == 0 {
		return s.DeletePublished(ctx, accountID, pubID)
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var state string
		var count int
		if err := db.Get(tx.QueryRow(ctx, `SELECT state, article_count FROM publications WHERE id = ? AND account_id = ?`, pubID, accountID),
			&state, &count); err != nil {
			return err
		}
		if state != StatePublished {
			return errs.NotFoundf("No such published publication.")
		}
		if number < 0 || number > count {
			return errs.FieldInvalid("index", "The publication has %d articles.", count)
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET deleted = TRUE WHERE publication_id = ? AND idx = ?`, pubID, number-1); err != nil {
			return err
		}
		var left int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM articles WHERE publication_id = ? AND deleted = FALSE`, pubID), &left); err != nil {
			return err
		}
		now := db.Micro(s.clock.Now())
		if left == 0 {
			_, err := tx.Exec(ctx, `UPDATE publications SET state = 'deleted', folder_at = 0, updated_at = ? WHERE id = ?`, now, pubID)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE publications SET updated_at = ? WHERE id = ?`, now, pubID)
		return err
	})
}
