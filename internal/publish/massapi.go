package publish

import (
	"context"
	"encoding/json"
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
func (s *Store) SendAPI(ctx context.Context, accountID int64, in MassSend) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.SendAPI(%d)", accountID)
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
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
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
func (s *Store) ForgetClientMsgIDs(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "publish.Store.ForgetClientMsgIDs()")
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
