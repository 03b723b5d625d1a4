package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

// MassMessage is the chat message of a mass send without a publication (the
// developer API's text, voice, image and mpvideo sends): every recipient
// gets one message of Kind per part, in order (a send of several images is
// several image messages).
type MassMessage struct {
	Kind  string         `json:"kind"` // message.KindText, KindImage, KindVoice or KindVideo
	Parts []message.Body `json:"parts"`
}

// Summary names the message in one line for lists.
func (m *MassMessage) Summary() string {
	if len(m.Parts) == 0 {
		return ""
	}
	s := (&message.Message{Kind: m.Kind, Body: m.Parts[0]}).Preview()
	if len(m.Parts) > 1 {
		s += fmt.Sprintf(" ×%d", len(m.Parts))
	}
	return s
}

// API mass-send limits.
const (
	MaxClientMsgID   = 64                 // bytes of a clientmsgid (45067 beyond)
	ClientMsgIDTTL   = 24 * time.Hour     // a clientmsgid is remembered this long (45065)
	ClientMsgIDRetry = time.Minute        // a retry this soon is "too fast" (45066)
	MinOpenIDs       = 2                  // mass/send needs at least 2 openids
	MaxOpenIDs       = 10000              // and at most 10,000
	MaxMassSpeed     = 4                  // speed levels 0 (fastest) … 4
	DefaultMassSpeed = 0                  // until mass/speed/set
	clientMsgIDKeep  = ClientMsgIDTTL * 2 // rows older than this are cleaned up
)

// RealSpeed is the delivery rate of each speed level in units of 10,000
// messages a minute, as WeChat documents it (0 = 800,000/min … 4 = 100,000/min).
var RealSpeed = [MaxMassSpeed + 1]int{80, 60, 45, 30, 10}

// MassSend is a mass send made through the developer API.
type MassSend struct {
	MsgType       string       // mpnews, text, voice, image, mpvideo
	PublicationID int64        // mpnews: the draft to send
	Message       *MassMessage // the other msgtypes
	Target        string       // TargetAll, TargetTag or TargetOpenIDs
	TagID         int64        // TargetTag
	PersonIDs     []int64      // TargetOpenIDs: followers of the account
	ClientMsgID   string       // optional; dedupes within ClientMsgIDTTL
}

// DuplicateError refuses a send whose clientmsgid the account used within
// ClientMsgIDTTL: JobID is the send made with it (MsgID its msg_id,
// Job.APIID), TooFast says the retry came within ClientMsgIDRetry.
type DuplicateError struct {
	JobID   int64
	MsgID   int64
	TooFast bool
}

func (e *DuplicateError) Error() string {
	if e.TooFast {
		return fmt.Sprintf("publish: clientmsgid retried within a minute (msg_id %d)", e.MsgID)
	}
	return fmt.Sprintf("publish: clientmsgid already used (msg_id %d)", e.MsgID)
}

// SendAPI queues a mass send made through the developer API. It is the same
// kind of job as the console's (Send): it takes one send from the same
// monthly quota, is run by the same engine, and shows in the console's list.
// A draft (mpnews) is published by it as a console mass send publishes it.
func (s *Store) SendAPI(ctx context.Context, accountID int64, in MassSend) (*Job, error) {
	if (in.PublicationID == 0) == (in.Message == nil) {
		return nil, errs.Invalidf("A mass send has either a publication or a message.")
	}
	if in.Message != nil && len(in.Message.Parts) == 0 {
		return nil, errs.Invalidf("The message is empty.")
	}
	switch in.Target {
	case TargetAll, TargetTag:
	case TargetOpenIDs:
		if len(in.PersonIDs) == 0 {
			return nil, errs.Invalidf("Name the recipients.")
		}
	default:
		return nil, errs.Invalidf("Unknown target %q.", in.Target)
	}
	if len(in.ClientMsgID) > MaxClientMsgID {
		return nil, errs.FieldInvalid("clientmsgid", "A clientmsgid has at most %d bytes.", MaxClientMsgID)
	}
	now := s.clock.Now()
	j := &Job{ID: id.New(), AccountID: accountID, PublicationID: in.PublicationID, Mode: ModeMass, Target: in.Target, TagID: in.TagID,
		State: JobQueued, RunAt: now, CreatedAt: now, Source: SourceAPI, MsgType: in.MsgType, Message: in.Message, ClientMsgID: in.ClientMsgID}
	if in.Target != TargetTag {
		j.TagID = 0
	}
	var msg string
	if in.Message != nil {
		raw, err := json.Marshal(in.Message)
		if err != nil {
			return nil, err
		}
		msg = string(raw)
		j.Title = in.Message.Summary()
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := s.account(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := s.checkAccount(ctx, a, ModeMass); err != nil {
			return err
		}
		if in.ClientMsgID != "" {
			if err := s.takeClientMsgID(ctx, tx, accountID, in.ClientMsgID, j.ID, now); err != nil {
				return err
			}
		}
		if in.PublicationID != 0 {
			var pubState, title string
			var count int
			if err := db.Get(tx.QueryRow(ctx, `SELECT state, article_count, title FROM publications WHERE id = ? AND account_id = ?`, in.PublicationID, accountID),
				&pubState, &count, &title); err != nil {
				return err
			}
			if pubState != StateDraft {
				return errs.Conflictf("This publication is %s already; only drafts can be sent.", pubState)
			}
			if count == 0 {
				return errs.Invalidf("A publication needs at least one article.")
			}
			j.Title = title
		}
		if in.Target == TargetTag {
			if _, err := tagName(ctx, tx, accountID, in.TagID); err != nil {
				return err
			}
		}
		if j.QuotaMonth, err = s.takeQuota(ctx, tx, a, now); err != nil {
			return err
		}
		var pub any
		if in.PublicationID != 0 {
			pub = in.PublicationID
			if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'scheduled', updated_at = ? WHERE id = ?`, db.Micro(now), in.PublicationID); err != nil {
				return err
			}
		}
		if j.APIID, err = db.NextNumber(ctx, tx, counterJob); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO publish_jobs (id, account_id, publication_id, mode, target, tag_id, state, run_at, quota_month, created_by, created_at,
			source, msgtype, message, client_msg_id, api_id) VALUES (?, ?, ?, 'mass', ?, ?, ?, ?, ?, 0, ?, 'api', ?, ?, ?, ?)`,
			j.ID, accountID, pub, j.Target, j.TagID, j.State, db.Micro(now), j.QuotaMonth, db.Micro(now), j.MsgType, msg, j.ClientMsgID, j.APIID); err != nil {
			return err
		}
		return insertRecipients(ctx, tx, j.ID, in.PersonIDs)
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// takeClientMsgID records that the account used clientmsgid for jobID, or
// refuses with a *DuplicateError when it did within ClientMsgIDTTL. The
// conditional upsert holds the row, so two concurrent sends with the same
// clientmsgid cannot both pass.
func (s *Store) takeClientMsgID(ctx context.Context, tx *db.Tx, accountID int64, clientMsgID string, jobID int64, now time.Time) error {
	res, err := tx.Exec(ctx, `INSERT INTO mass_client_msgids (account_id, client_msg_id, job_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, client_msg_id) DO UPDATE SET job_id = excluded.job_id, created_at = excluded.created_at
		WHERE mass_client_msgids.created_at <= ?`,
		accountID, clientMsgID, jobID, db.Micro(now), db.Micro(now.Add(-ClientMsgIDTTL)))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var prev, msgID, at int64
	if err := db.Get(tx.QueryRow(ctx, `SELECT m.job_id, COALESCE(j.api_id, 0), m.created_at FROM mass_client_msgids m
		LEFT JOIN publish_jobs j ON j.id = m.job_id WHERE m.account_id = ? AND m.client_msg_id = ?`, accountID, clientMsgID),
		&prev, &msgID, &at); err != nil {
		return err
	}
	return &DuplicateError{JobID: prev, MsgID: msgID, TooFast: now.Sub(db.FromMicro(at)) < ClientMsgIDRetry}
}

// ForgetClientMsgIDs removes clientmsgids older than twice their lifetime.
func (s *Store) ForgetClientMsgIDs(ctx context.Context) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM mass_client_msgids WHERE created_at < ?`, db.Micro(s.clock.Now().Add(-clientMsgIDKeep)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func insertRecipients(ctx context.Context, tx *db.Tx, jobID int64, people []int64) error {
	for start := 0; start < len(people); start += 500 {
		chunk := people[start:min(len(people), start+500)]
		var q strings.Builder
		q.WriteString(`INSERT INTO mass_recipients (job_id, person_id) VALUES `)
		args := make([]any, 0, 2*len(chunk))
		for i, p := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, jobID, p)
		}
		q.WriteString(` ON CONFLICT (job_id, person_id) DO NOTHING`)
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// MassJobByMsgID returns the account's mass send whose msg_id (Job.APIID)
// is msgID; db.ErrNotFound for another account's, a plain publish's or an
// unknown number.
func (s *Store) MassJobByMsgID(ctx context.Context, accountID, msgID int64) (*Job, error) {
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
func (s *Store) MassJob(ctx context.Context, accountID, jobID int64) (*Job, error) {
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
func (s *Store) DeleteMassSend(ctx context.Context, accountID, jobID int64, articleIdx int) error {
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
func (s *Store) ArticleURLs(ctx context.Context, pubID int64) ([]string, error) {
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
func (s *Store) MassSpeed(ctx context.Context, accountID int64) (int, error) {
	speed := DefaultMassSpeed
	err := db.Get(s.db.QueryRow(ctx, `SELECT speed FROM mass_speed WHERE account_id = ?`, accountID), &speed)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return 0, err
	}
	return speed, nil
}

// SetMassSpeed sets the account's mass-send speed level, 0 … MaxMassSpeed.
func (s *Store) SetMassSpeed(ctx context.Context, accountID int64, speed int) error {
	if speed < 0 || speed > MaxMassSpeed {
		return errs.FieldInvalid("speed", "The speed is a level from 0 to %d.", MaxMassSpeed)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO mass_speed (account_id, speed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET speed = excluded.speed, updated_at = excluded.updated_at`, accountID, speed, db.Micro(s.clock.Now()))
	return err
}

// PreviewTo delivers a mass send's preview to one follower at once (the
// API's mass/preview): a draft as a card whose links open the unpublished
// draft, or the message itself. It returns the preview's msg_id (a small
// public number, from its own counter: no job has it). It takes no quota.
func (s *Store) PreviewTo(ctx context.Context, accountID, personID, pubID int64, msg *MassMessage) (int64, error) {
	if s.Messages == nil {
		return 0, errs.Conflictf("Previews cannot be sent on this server.")
	}
	var out []*message.Message
	if pubID != 0 {
		p, err := s.Publication(ctx, accountID, pubID)
		if err != nil {
			return 0, err
		}
		if len(p.Articles) == 0 {
			return 0, errs.Invalidf("Save the draft with at least one article first.")
		}
		out = append(out, &message.Message{Kind: message.KindPublication, Body: previewBody(p)})
	} else {
		if msg == nil || len(msg.Parts) == 0 {
			return 0, errs.Invalidf("The message is empty.")
		}
		for _, b := range msg.Parts {
			out = append(out, &message.Message{Kind: msg.Kind, Body: b})
		}
	}
	for _, m := range out {
		m.AccountID, m.PersonID, m.Direction, m.Sender = accountID, personID, message.Out, message.SenderMass
		if err := s.Messages.Append(ctx, m); err != nil {
			return 0, err
		}
	}
	var msgID int64
	err := s.db.Tx(ctx, func(tx *db.Tx) (err error) {
		msgID, err = db.NextNumber(ctx, tx, counterPreview)
		return err
	})
	return msgID, err
}

// ClaimFinishNotice marks an ended API mass send as told (its
// MASSSENDJOBFINISH is being pushed) and reports whether this caller is the
// one to tell it: true once per job, whoever asks first (the engine's
// OnFinish hook or a sweep after a crash).
func (s *Store) ClaimFinishNotice(ctx context.Context, jobID int64) (bool, error) {
	return s.claimFinishNotice(ctx, s.db, jobID)
}

// ClaimFinishNoticeTx is ClaimFinishNotice inside tx (the transaction that
// ends the job, which queues the notice there).
func (s *Store) ClaimFinishNoticeTx(ctx context.Context, tx *db.Tx, jobID int64) (bool, error) {
	return s.claimFinishNotice(ctx, tx, jobID)
}

func (s *Store) claimFinishNotice(ctx context.Context, x interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}, jobID int64) (bool, error) {
	res, err := x.Exec(ctx, `UPDATE publish_jobs SET notified_at = ? WHERE id = ? AND source = 'api' AND mode = 'mass'
		AND notified_at = 0 AND state IN ('done', 'failed')`, db.Micro(s.clock.Now()), jobID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UntoldAPISends returns up to limit API mass sends that ended without
// being told (their process died between the end and the notice).
func (s *Store) UntoldAPISends(ctx context.Context, limit int) ([]*Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.source = 'api' AND j.mode = 'mass' AND j.notified_at = 0
		AND j.state IN ('done', 'failed') ORDER BY j.id LIMIT ?`, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Job, error) { return scanJob(r) })
}

// MassJobOfArticle returns the newest mass send of the account that sent
// the article at url (an address ending in /s/{article}, as
// MASSSENDJOBFINISH's ArticleUrl gives it): mass/delete by url.
func (s *Store) MassJobOfArticle(ctx context.Context, accountID int64, url string) (*Job, error) {
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
