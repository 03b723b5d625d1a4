package publish

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
)

// MassJobByMsgID returns the account's mass send whose msg_id (Job.APIID)
// is msgID; db.ErrNotFound for another account's, a plain publish's or an
// unknown number.
func (s *Store) MassJobByMsgID(ctx context.Context, accountID, msgID int64) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.MassJobByMsgID(%d, %d)", accountID, msgID)
	j, err := s.JobByAPIID(ctx, accountID, msgID)
	if err != nil {
		return nil, err
	}
	if j.Mode != ModeMass {
		return nil, db.ErrNotFound
	}
	return j, nil
}

// MassJob returns a mass send of the account (made in the console or
// through the API); db.ErrNotFound for another account's job or a plain
// publish.
func (s *Store) MassJob(ctx context.Context, accountID, jobID int64) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.MassJob(%d, %d)", accountID, jobID)
	j, err := s.Job(ctx, accountID, jobID)
	if err != nil {
		return nil, err
	}
	if j.Mode != ModeMass {
		return nil, db.ErrNotFound
	}
	return j, nil
}

// Mass-send states as the API's mass/get reports them.
const (
	MassSending = "SENDING"
	MassSuccess = "SEND_SUCCESS"
	MassFail    = "SEND_FAIL"
	MassDeleted = "DELETE"
)

// MassStatus is the job's msg_status: DELETE once deleted (mass/delete, or
// its publication deleted in the console), SEND_SUCCESS when done,
// SEND_FAIL when it failed or was cancelled, SENDING before.
func (j *Job) MassStatus() string {
	switch {
	case !j.DeletedAt.IsZero() || (j.PublicationID != 0 && j.pubState == StateDeleted):
		return MassDeleted
	case j.State == JobDone:
		return MassSuccess
	case j.State == JobFailed || j.State == JobCancelled:
		return MassFail
	}
	return MassSending
}

// ErrNotDeletable refuses mass/delete of a send that is not a finished
// publication or video send.
var ErrNotDeletable = errs.Invalidf("Only sent publications and videos can be deleted.")

// ErrNoSuchArticle refuses mass/delete of an article index the send does
// not have.
var ErrNoSuchArticle = errs.FieldInvalid("article_idx", "The send has no such article.")

// DeleteMassSend deletes a finished mass send for everyone (the API's
// mass/delete): articleIdx 0 deletes all of it, 1…8 one article of a
// publication, whose page then says it was deleted. Recipients keep their
// message; the articles behind it are gone. A video send is marked
// deleted. Text, voice and image sends cannot be deleted.
func (s *Store) DeleteMassSend(ctx context.Context, accountID, jobID int64, articleIdx int) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeleteMassSend(%d, %d)", accountID, jobID)
	j, err := s.MassJob(ctx, accountID, jobID)
	if err != nil {
		return err
	}
	if j.State != JobDone {
		return ErrNotDeletable
	}
	now := db.Micro(s.clock.Now())
	if j.PublicationID == 0 {
		if j.Message == nil || j.Message.Kind != message.KindVideo {
			return ErrNotDeletable
		}
		if articleIdx > 1 {
			return ErrNoSuchArticle
		}
		_, err := s.db.Exec(ctx, `UPDATE publish_jobs SET deleted_at = ? WHERE id = ? AND deleted_at = 0`, now, j.ID)
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if articleIdx > 0 {
			res, err := tx.Exec(ctx, `UPDATE articles SET deleted = TRUE WHERE publication_id = ? AND account_id = ? AND idx = ?`, j.PublicationID, accountID, articleIdx-1)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNoSuchArticle
			}
			var left int
			if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM articles WHERE publication_id = ? AND deleted = FALSE`, j.PublicationID), &left); err != nil {
				return err
			}
			if left > 0 {
				return nil
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'deleted', folder_at = 0, updated_at = ? WHERE id = ? AND account_id = ?`,
			now, j.PublicationID, accountID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE articles SET deleted = TRUE WHERE publication_id = ?`, j.PublicationID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE publish_jobs SET deleted_at = ? WHERE id = ? AND deleted_at = 0`, now, j.ID)
		return err
	})
}

// ArticleURLs returns the reading paths of a publication's articles in
// order (for MASSSENDJOBFINISH's ArticleUrlResult).
func (s *Store) ArticleURLs(ctx context.Context, pubID int64) (_ []string, err error) {
	defer errs.Wrap(&err, "publish.Store.ArticleURLs(%d)", pubID)
	rows, err := s.db.Query(ctx, `SELECT id FROM articles WHERE publication_id = ? ORDER BY idx`, pubID)
	return db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var id int64
		if err := r.Scan(&id); err != nil {
			return "", err
		}
		return ArticlePath(id), nil
	})
}

// MassSpeed returns the account's mass-send speed level (mass/speed/get).
func (s *Store) MassSpeed(ctx context.Context, accountID int64) (_ int, err error) {
	defer errs.Wrap(&err, "publish.Store.MassSpeed(%d)", accountID)
	speed := DefaultMassSpeed
	err = db.Get(s.db.QueryRow(ctx, `SELECT speed FROM mass_speed WHERE account_id = ?`, accountID), &speed)
	if err != nil && !errors.Is(err, errs.NotFound) {
		return 0, err
	}
	return speed, nil
}

// SetMassSpeed sets the account's mass-send speed level, 0 … MaxMassSpeed.
func (s *Store) SetMassSpeed(ctx context.Context, accountID int64, speed int) (err error) {
	defer errs.Wrap(&err, "publish.Store.SetMassSpeed(%d)", accountID)
	if speed < 0 || speed > MaxMassSpeed {
		return errs.FieldInvalid("speed", "The speed is a level from 0 to %d.", MaxMassSpeed)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO mass_speed (account_id, speed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET speed = excluded.speed, updated_at = excluded.updated_at`, accountID, speed, db.Micro(s.clock.Now()))
	return err
}

// MassJobOfArticle returns the newest mass send of the account that sent
// the article at url (an address ending in /s/{article}, as
// MASSSENDJOBFINISH's ArticleUrl gives it): mass/delete by url.
func (s *Store) MassJobOfArticle(ctx context.Context, accountID int64, url string) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.MassJobOfArticle(%d)", accountID)
	i := strings.LastIndex(url, "/s/")
	if i < 0 {
		return nil, db.ErrNotFound
	}
	rest := url[i+len("/s/"):]
	if j := strings.IndexAny(rest, "?#/"); j >= 0 {
		rest = rest[:j]
	}
	articleID, err := ParseArticlePath(rest)
	if err != nil {
		return nil, db.ErrNotFound
	}
	var jobID int64
	if err := db.Get(s.db.QueryRow(ctx, `SELECT j.id FROM articles a JOIN publish_jobs j ON j.publication_id = a.publication_id AND j.account_id = a.account_id
		WHERE a.id = ? AND a.account_id = ? AND j.mode = 'mass' ORDER BY j.id DESC LIMIT 1`, articleID, accountID), &jobID); err != nil {
		return nil, err
	}
	return s.MassJob(ctx, accountID, jobID)
}
