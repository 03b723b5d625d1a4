package publish

import (
	"context"
	"database/sql"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// This file holds what the developer API's draft/* and freepublish/* need
// beyond the console's calls; the objects are the same.

// PlainText strips tags from sanitised HTML.
func PlainText(h string) string { return plainText(h) }

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
	return nil
}

// DraftPage returns the account's drafts (most recently changed first) with
// their articles, and how many drafts there are.
func (s *Store) DraftPage(ctx context.Context, accountID int64, offset, count int) ([]*Publication, int, error) {
	return s.page(ctx, accountID, `state = 'draft'`, `updated_at DESC, id DESC`, offset, count)
}

// PublishedPage returns the account's published publications (newest
// first) with their articles, and how many there are. Publications whose
// articles were all deleted are not listed.
func (s *Store) PublishedPage(ctx context.Context, accountID int64, offset, count int) ([]*Publication, int, error) {
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
func (s *Store) Published(ctx context.Context, accountID int64, articleID string) (*Publication, error) {
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
func (s *Store) DeletePublishedArticle(ctx context.Context, accountID, pubID int64, number int) error {
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

// Operator returns who a job's events name as their sender: the person who
// started it, or for jobs started through the developer API the account's
// owner (0 when there is none).
func (s *Store) Operator(ctx context.Context, j *Job) (int64, error) {
	if j.CreatedBy != 0 {
		return j.CreatedBy, nil
	}
	var pid int64
	err := db.Get(s.db.QueryRow(ctx, `SELECT person_id FROM account_members WHERE account_id = ? AND role = 'owner' ORDER BY person_id LIMIT 1`,
		j.AccountID), &pid)
	if err == db.ErrNotFound {
		return 0, nil
	}
	return pid, err
}
