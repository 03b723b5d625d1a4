package tmplmsg

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

// DedupeWindow is how long a client_msg_id keeps a second send to the same
// follower from going out (WeChat: 10 minutes).
const DedupeWindow = 10 * time.Minute

// Service sends template messages: into the follower's chat, then
// TEMPLATESENDJOBFINISH to the account's server.
type Service struct {
	*Store
	deps Deps
	wg   sync.WaitGroup
}

// Deps are what a Service works with.
type Deps struct {
	Accounts *account.Store
	Follows  *follow.Store
	Messages *message.Store
	Push     Notifier // nil: no TEMPLATESENDJOBFINISH
	Clock    clock.Clock
	Log      *slog.Logger
	// Gate, when set, refuses accounts under a messaging restriction
	// (review.Store.CheckAllowed with feature "messaging"): 48004.
	Gate func(ctx context.Context, accountID int64, feature string) error
}

// NewService returns the service of the templates and sends in st.
func NewService(st *Store, d Deps) *Service { return &Service{Store: st, deps: d} }

// Notifier tells the account's developer server that a template message
// was settled (TEMPLATESENDJOBFINISH); push.Engine is one.
type Notifier interface {
	// TemplateSendFinishedTx queues the event in tx, the transaction that
	// settles the send, so it exists exactly when the settle commits. It
	// reports false when it cannot queue (no durable queue): the event is
	// then pushed with TemplateSendFinished after the commit.
	TemplateSendFinishedTx(ctx context.Context, tx *db.Tx, accountID int64, openID string, personID, msgID int64, status string, at time.Time) (bool, error)
	TemplateSendFinished(ctx context.Context, a *account.Account, openID string, personID, msgID int64, status string, at time.Time) error
}

// SendRequest is the body of message/template/send.
type SendRequest struct {
	ToUser      string              `json:"touser"`
	TemplateID  string              `json:"template_id"`
	URL         string              `json:"url"`
	ClientMsgID string              `json:"client_msg_id"`
	Data        map[string]DataItem `json:"data"`
	MiniProgram *struct {
		AppID    string `json:"appid"`
		PagePath string `json:"pagepath"`
	} `json:"miniprogram"`
}

// Errors of Send with WeChat's codes.
var (
	ErrInvalidOpenID = coded(40003, errs.NotFoundf("This person does not follow the account."))
	ErrNotFollowing  = coded(43004, errs.Conflictf("This person does not follow the account."))
	ErrBlacklisted   = coded(43019, errs.Forbiddenf("This follower is blacklisted."))
	ErrURLTooLong    = coded(40039, errs.Invalidf("The url is longer than 1024 bytes."))
	ErrScriptURL     = coded(40039, errs.Invalidf("The url may not be a javascript:, vbscript: or data: link."))
	ErrRestricted    = coded(48004, errs.Forbiddenf("The account may not send messages now."))
)

// Send sends a template message from account a and returns its msgid.
// The card is in the follower's chat (or, for a follower who muted the
// account, not: status "failed:user block") when Send returns;
// TEMPLATESENDJOBFINISH follows in the background, queued durably in the
// transaction that settles the send when Push has a durable queue. A second request with
// the same client_msg_id for the same follower within 10 minutes sends
// nothing and returns the first msgid.
func (s *Service) Send(ctx context.Context, a *account.Account, req *SendRequest) (_ int64, err error) {
	defer errs.Wrap(&err, "tmplmsg.Service.Send(%d)", a.ID)
	if req.TemplateID == "" {
		return 0, ErrUnknownTemplate
	}
	t, err := s.Template(ctx, a.ID, req.TemplateID)
	if err != nil {
		return 0, err
	}
	if req.ToUser == "" {
		return 0, ErrInvalidOpenID
	}
	f, err := s.deps.Follows.ByOpenID(ctx, a.ID, req.ToUser)
	if errors.Is(err, errs.NotFound) {
		return 0, ErrInvalidOpenID
	}
	if err != nil {
		return 0, err
	}
	if !f.Following {
		return 0, ErrNotFollowing
	}
	if f.Blocked {
		return 0, ErrBlacklisted
	}
	if k := checkData(req.Data); k != "" {
		return 0, coded(47003, errs.Invalidf("data.%s.value invalid", k))
	}
	if len(req.URL) > 1024 {
		return 0, ErrURLTooLong
	}
	if message.ScriptURL(req.URL) {
		return 0, ErrScriptURL
	}
	if utf8.RuneCountInString(req.ClientMsgID) > 128 {
		return 0, coded(40035, errs.Invalidf("client_msg_id is longer than 128 characters."))
	}
	if s.deps.Gate != nil {
		if err := s.deps.Gate(ctx, a.ID, "messaging"); err != nil {
			return 0, ErrRestricted
		}
	}
	now := s.deps.Clock.Now()
	sd := &Send{MessageID: id.New(), AccountID: a.ID, PersonID: f.PersonID, OpenID: f.OpenID, TemplateID: t.TemplateID, Title: t.Title,
		URL: req.URL, ClientMsgID: req.ClientMsgID, Status: StatusSending, PushState: "waiting", CreatedAt: now}
	first, err := s.claim(ctx, sd)
	if err != nil || first != sd.ID {
		return first, err
	}
	status := StatusSuccess
	if f.Muted {
		// The follower turned the account's messages off: the template
		// message is not delivered (WeChat's "failed:user block").
		status = StatusUserBlock
	} else {
		m := &message.Message{ID: sd.MessageID, AccountID: a.ID, PersonID: f.PersonID, Direction: message.Out, Kind: message.KindTemplate,
			Sender: message.SenderAPI, Body: message.Body{Title: t.Title, URL: linkURL(req.URL), Data: Render(t.Content, req.Data)}}
		if err := s.deps.Messages.Append(context.WithoutCancel(ctx), m); err != nil {
			s.deps.Log.Error("template message: deliver", slog.Int64("account_id", a.ID), slog.Int64("msgid", sd.ID), slog.Any("error", err))
			status = StatusSystemError
		}
	}
	queued, err := s.finishSend(context.WithoutCancel(ctx), sd.ID, status)
	if err != nil {
		return 0, err
	}
	if !queued {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.pushFinish(context.Background(), sd.ID)
		}()
	}
	return sd.ID, nil
}

// linkURL keeps http(s) links only.
func linkURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// claim records the send. With a client_msg_id, a send of the last 10
// minutes to the same follower wins: its id is returned instead.
func (s *Service) claim(ctx context.Context, sd *Send) (int64, error) {
	var first int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if sd.ID, err = db.NextNumber(ctx, tx, "template_msgid"); err != nil {
			return err
		}
		first = sd.ID
		key := ""
		if sd.ClientMsgID != "" {
			key = sd.ClientMsgID
			// Older sends no longer hold the key.
			if _, err := tx.Exec(ctx, `UPDATE template_sends SET dedupe_key = '' WHERE account_id = ? AND openid = ? AND dedupe_key = ? AND created_at <= ?`,
				sd.AccountID, sd.OpenID, key, db.Micro(sd.CreatedAt.Add(-DedupeWindow))); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `INSERT INTO template_sends (id, account_id, person_id, openid, template_id, title, url, client_msg_id, dedupe_key, status, push_state, created_at, message_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sd.ID, sd.AccountID, sd.PersonID, sd.OpenID, sd.TemplateID, sd.Title, sd.URL, sd.ClientMsgID, key, sd.Status, sd.PushState, db.Micro(sd.CreatedAt), sd.MessageID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tx.QueryRow(ctx, `SELECT id FROM template_sends WHERE account_id = ? AND openid = ? AND dedupe_key = ?`, sd.AccountID, sd.OpenID, key).Scan(&first)
		}
		return nil
	})
	return first, err
}

// finishSend settles a send with status. In the same transaction it
// queues the send's TEMPLATESENDJOBFINISH when the notifier has a durable
// queue, and marks the push done: the event then exists exactly when the
// settle commits, and a node that dies right after the commit cannot lose
// it. Otherwise the push is left 'pending' for pushFinish (after the
// commit, or the sweep's). It reports whether the event was queued.
func (s *Service) finishSend(ctx context.Context, sendID int64, status string) (queued bool, err error) {
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		queued = false
		res, err := tx.Exec(ctx, `UPDATE template_sends SET status = ?, push_state = 'pending' WHERE id = ? AND status = 'sending'`, status, sendID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || s.deps.Push == nil {
			return nil // settled before (another node's sweep), or nothing to push
		}
		var accountID, personID int64
		var openID string
		if err := tx.QueryRow(ctx, `SELECT account_id, person_id, openid FROM template_sends WHERE id = ?`, sendID).Scan(&accountID, &personID, &openID); err != nil {
			return err
		}
		ok, err := s.deps.Push.TemplateSendFinishedTx(ctx, tx, accountID, openID, personID, sendID, status, s.deps.Clock.Now())
		if err != nil || !ok {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE template_sends SET push_state = 'done' WHERE id = ?`, sendID); err != nil {
			return err
		}
		queued = true
		return nil
	})
	return queued, err
}

// pushStale is how long a claimed push may take before the sweep takes it
// over (3 attempts of 5 s fit well within it).
const pushStale = 2 * time.Minute

// pushFinish pushes TEMPLATESENDJOBFINISH for a send once: it claims the
// row, pushes when the account has a server, and marks it done.
func (s *Service) pushFinish(ctx context.Context, sendID int64) {
	now := s.deps.Clock.Now()
	res, err := s.db.Exec(ctx, `UPDATE template_sends SET push_state = 'pushing', push_claimed_at = ?
		WHERE id = ? AND (push_state = 'pending' OR (push_state = 'pushing' AND push_claimed_at <= ?))`,
		db.Micro(now), sendID, db.Micro(now.Add(-pushStale)))
	if err != nil {
		s.deps.Log.Error("template message: claim push", slog.Int64("msgid", sendID), slog.Any("error", err))
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return
	}
	if err := s.deliverFinish(ctx, sendID); err != nil {
		s.deps.Log.Error("template message: push TEMPLATESENDJOBFINISH", slog.Int64("msgid", sendID), slog.Any("error", err))
	}
	if _, err := s.db.Exec(ctx, `UPDATE template_sends SET push_state = 'done' WHERE id = ?`, sendID); err != nil {
		s.deps.Log.Error("template message: push done", slog.Int64("msgid", sendID), slog.Any("error", err))
	}
}

func (s *Service) deliverFinish(ctx context.Context, sendID int64) error {
	var accountID int64
	if err := s.db.QueryRow(ctx, `SELECT account_id FROM template_sends WHERE id = ?`, sendID).Scan(&accountID); err != nil {
		return err
	}
	sd, err := s.SendByID(ctx, accountID, sendID)
	if err != nil {
		return err
	}
	if s.deps.Push == nil {
		return nil
	}
	a, err := s.deps.Accounts.ByID(ctx, accountID)
	if err != nil {
		return err
	}
	return s.deps.Push.TemplateSendFinished(ctx, a, sd.OpenID, sd.PersonID, sd.ID, sd.Status, s.deps.Clock.Now())
}

// Sweep finishes what a stopped process left: sends recorded but not
// settled for a minute (delivered if their message exists, else "failed:
// system failed"; settling queues the event as Send does), and
// TEMPLATESENDJOBFINISH pushes left pending (no durable queue). The jobs
// runner calls it every 30 seconds.
func (s *Service) Sweep(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "tmplmsg.Service.Sweep()")
	now := s.deps.Clock.Now()
	ids, err := s.ids(ctx, stuckSendsSQL, db.Micro(now.Add(-time.Minute)))
	if err != nil {
		return err
	}
	for _, sid := range ids {
		status := StatusSystemError
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM messages m JOIN template_sends t ON m.id = t.message_id WHERE t.id = ?`, sid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			status = StatusSuccess
		}
		if _, err := s.finishSend(ctx, sid, status); err != nil {
			return err
		}
	}
	ids, err = s.ids(ctx, `SELECT id FROM template_sends WHERE (push_state = 'pending' AND created_at <= ?) OR (push_state = 'pushing' AND push_claimed_at <= ?)`,
		db.Micro(now.Add(-30*time.Second)), db.Micro(now.Add(-pushStale)))
	if err != nil {
		return err
	}
	for _, sid := range ids {
		s.pushFinish(ctx, sid)
	}
	return nil
}

// stuckSendsSQL finds the sends Sweep settles (with ids's ORDER BY id
// LIMIT). It reads them through template_sends_sending, the partial index
// of the sends in flight, not the whole table of every send made.
const stuckSendsSQL = `SELECT id FROM template_sends WHERE status = 'sending' AND created_at <= ?`

func (s *Service) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.Query(ctx, q+` ORDER BY id LIMIT 500`, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}

// Wait waits for the TEMPLATESENDJOBFINISH pushes under way (tests, shutdown).
func (s *Service) Wait() { s.wg.Wait() }
