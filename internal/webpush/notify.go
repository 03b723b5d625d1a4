package webpush

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	wp "github.com/SherClockHolmes/webpush-go"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/workq"
)

// Job kinds in the work queue.
const (
	KindNotify = "webpush.notify" // decide whether one message notifies one person; queue a delivery per device
	KindSend   = "webpush.send"   // deliver one notification to one device
	KindMass   = "webpush.mass"   // a mass send ended: queue a notify job per subscribed recipient
)

// DefaultDelay is how long a message may stay unread before its
// notification goes out. The open follower app marks a conversation read
// as soon as the message arrives on the screen, so a message read within
// the delay notifies nobody: notifications are for when the app is closed.
const DefaultDelay = 3 * time.Second

// SendAttempts is how often one notification is offered to a push service
// (across every node) before it is given up.
const SendAttempts = 3

// TTL is how long a push service keeps a notification for a device that is
// offline.
const TTL = 24 * time.Hour

// Service stores subscriptions and settings and sends notifications. New
// makes one; a literal without Triggers only reads and writes the VAPID
// key, subscriptions and settings.
type Service struct {
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	Queue    *workq.Queue
	Accounts *account.Store
	Messages *message.Store
	// Secret seals the VAPID private key (the secret key every node shares).
	Secret []byte
	// Client sends to push services: the outbound guard's client.
	Client *http.Client
	// BaseURL is Herald's public URL; an https one is the VAPID contact
	// ("sub"), else Subscriber must name one.
	BaseURL string
	// Subscriber is the VAPID contact: an https URL or an email address.
	Subscriber string

	triggers *Triggers
	mu       sync.Mutex
	keys     *vapid
}

// Triggers queues the notification work inside the transactions that store
// an account's message and end a mass send, so that the work exists exactly
// when the message does. It needs nothing that reads messages, so it is
// built before the message store that calls it (message.NewStoreWith) and
// handed to New afterwards.
type Triggers struct {
	queue *workq.Queue
	clock clock.Clock
	delay time.Duration
}

// NewTriggers returns the triggers queuing on q. delay is how long a
// message may stay unread before it notifies (zero: at once).
func NewTriggers(q *workq.Queue, c clock.Clock, delay time.Duration) *Triggers {
	return &Triggers{queue: q, clock: c, delay: delay}
}

// Deps are what a Service works with.
type Deps struct {
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	Accounts *account.Store
	Messages *message.Store
	// Triggers are the ones given to the message store; the Service runs
	// the work they queue, on their queue.
	Triggers   *Triggers
	Secret     []byte
	Client     *http.Client
	BaseURL    string
	Subscriber string // optional: see Service.Subscriber
}

// New returns a Service that runs the queued notification work (its queue
// handlers are added here) and, when engine is not nil, hears the end of
// every mass send.
func New(d Deps, engine *publish.Engine) *Service {
	s := &Service{DB: d.DB, Clock: d.Clock, Log: d.Log, Queue: d.Triggers.queue, Accounts: d.Accounts, Messages: d.Messages,
		Secret: d.Secret, Client: d.Client, BaseURL: d.BaseURL, Subscriber: d.Subscriber, triggers: d.Triggers}
	s.Queue.Handle(KindNotify, s.notify)
	s.Queue.Handle(KindSend, s.send)
	s.Queue.Handle(KindMass, s.mass)
	if engine != nil {
		engine.OnFinishTx(d.Triggers.MassEndedTx)
	}
	return s
}

type notifyJob struct {
	PersonID  int64 `json:"person_id,string"`
	AccountID int64 `json:"account_id,string"`
	MessageID int64 `json:"message_id,string"`
	Mass      bool  `json:"mass,omitempty"`
}

type sendJob struct {
	SubID   int64         `json:"sub_id,string"`
	Topic   string        `json:"topic"`
	Payload *Notification `json:"payload"`
}

type massJob struct {
	JobID     int64 `json:"job_id,string"`
	AccountID int64 `json:"account_id,string"`
	From      int64 `json:"from"` // created_at of the send's messages, microseconds, inclusive
	To        int64 `json:"to"`
}

// Notification is what the service worker receives (decrypted) and shows.
type Notification struct {
	Title     string `json:"title"` // the account's name
	Body      string `json:"body"`  // a short preview, or "New message" when previews are off
	URL       string `json:"url"`   // the conversation to open
	Tag       string `json:"tag"`   // one notification per conversation on the device
	AccountID string `json:"account_id"`
	MessageID string `json:"message_id"`
}

// MessageStoredTx runs in the transaction that stores an account's message
// in a conversation: when the person has a subscribed device, it queues the
// decision (after the delay) in the same transaction, so the notification
// exists exactly when the message does, on whichever node runs it.
func (t *Triggers) MessageStoredTx(ctx context.Context, tx *db.Tx, m *message.Message) (err error) {
	defer errs.Wrap(&err, "webpush.Triggers.MessageStoredTx(%d)", m.ID)
	var n int
	if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM push_subscriptions WHERE person_id = ?`, m.PersonID), &n); err != nil || n == 0 {
		return err
	}
	_, err = t.queue.EnqueueTx(ctx, tx, KindNotify, m.AccountID, notifyJob{PersonID: m.PersonID, AccountID: m.AccountID, MessageID: m.ID},
		t.clock.Now().Add(t.delay))
	return err
}

// MassEndedTx runs in the transaction that ends a mass send: when it wrote
// chat messages, one job finds the recipients with subscribed devices.
func (t *Triggers) MassEndedTx(ctx context.Context, tx *db.Tx, j *publish.Job) (err error) {
	defer errs.Wrap(&err, "webpush.Triggers.MassEndedTx(%d)", j.ID)
	if j.State != publish.JobDone || j.SentCount == 0 {
		return nil
	}
	from := j.StartedAt
	if from.IsZero() {
		from = j.CreatedAt
	}
	_, err = t.queue.EnqueueTx(ctx, tx, KindMass, j.AccountID, massJob{JobID: j.ID, AccountID: j.AccountID,
		From: db.Micro(from), To: db.Micro(t.clock.Now())}, time.Time{})
	return err
}

// mass queues a notify job for every subscribed person who got a message
// of the send, once (the step is recorded with the jobs it queued).
func (s *Service) mass(ctx context.Context, j *workq.Job) (err error) {
	defer errs.Wrap(&err, "webpush.Service.mass(%d)", j.ID)
	var p massJob
	if err := j.Decode(&p); err != nil {
		return nil // unreadable: nothing to do again
	}
	// A Service account's send is stored once (broadcasts, one
	// broadcast_recipients row per recipient); a Subscription account's plain
	// message is a chat message per recipient, sent within the job's run.
	rows, err := s.DB.Query(ctx, `SELECT r.person_id, MAX(b.id) FROM broadcasts b
			JOIN broadcast_recipients r ON r.send_id = b.send_id
			JOIN (SELECT DISTINCT person_id FROM push_subscriptions) s ON s.person_id = r.person_id
		WHERE b.job_id = ? AND b.account_id = ?
		GROUP BY r.person_id
		UNION ALL
		SELECT s.person_id, MAX(m.id) FROM (SELECT DISTINCT person_id FROM push_subscriptions) s
			JOIN messages m ON m.account_id = ? AND m.person_id = s.person_id AND m.sender = 'mass' AND m.created_at >= ? AND m.created_at <= ?
		GROUP BY s.person_id`, p.JobID, p.AccountID, p.AccountID, p.From, p.To)
	type hit struct{ person, msg int64 }
	hits, err := db.Collect(rows, err, func(r *sql.Rows) (hit, error) {
		var h hit
		return h, r.Scan(&h.person, &h.msg)
	})
	if err != nil {
		return err
	}
	at := s.Clock.Now().Add(s.triggers.delay)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		if ok, err := j.MarkStep(ctx, tx, 1); err != nil || !ok {
			return err
		}
		for _, h := range hits {
			if _, err := s.Queue.EnqueueTx(ctx, tx, KindNotify, p.AccountID, notifyJob{PersonID: h.person, AccountID: p.AccountID, MessageID: h.msg, Mass: true}, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// notify decides whether a message notifies its person, and queues one
// delivery per subscribed device (once: the step is recorded with them).
// Nothing is sent when the person no longer follows the account, muted it,
// turned its notifications off (or, for a mass send, to messages only),
// or has read the conversation since (the app was open).
func (s *Service) notify(ctx context.Context, j *workq.Job) (err error) {
	defer errs.Wrap(&err, "webpush.Service.notify(%d)", j.ID)
	var p notifyJob
	if err := j.Decode(&p); err != nil {
		return nil
	}
	n, err := s.decide(ctx, p)
	if err != nil || n == nil {
		return err
	}
	subs, err := s.Subscriptions(ctx, p.PersonID)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		if ok, err := j.MarkStep(ctx, tx, 1); err != nil || !ok {
			return err
		}
		for _, sub := range subs {
			if _, err := s.Queue.EnqueueTx(ctx, tx, KindSend, p.AccountID, sendJob{SubID: sub.ID, Topic: "a" + strconv.FormatInt(p.AccountID, 10), Payload: n}, time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// decide returns the notification for p, or nil when none is due.
func (s *Service) decide(ctx context.Context, p notifyJob) (*Notification, error) {
	var following, muted, blocked bool
	err := db.Get(s.DB.QueryRow(ctx, `SELECT following, muted, blocked FROM follows WHERE account_id = ? AND person_id = ?`, p.AccountID, p.PersonID),
		&following, &muted, &blocked)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !following || muted || blocked {
		return nil, nil
	}
	prefs, err := s.Prefs(ctx, p.PersonID)
	if err != nil {
		return nil, err
	}
	switch prefs.Level(p.AccountID) {
	case NotifyNone:
		return nil, nil
	case NotifyMessages:
		if p.Mass {
			return nil, nil
		}
	}
	m, err := s.Messages.InConversation(ctx, p.AccountID, p.PersonID, p.MessageID)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Still unread? The open app marks the conversation read as soon as a
	// message shows: the conversation's own messages by its unread count, a
	// Service account's broadcasts by the read mark (the newest one read).
	var unread, readID, broadcast int64
	if err := db.Get(s.DB.QueryRow(ctx, `SELECT follower_unread, follower_read_id FROM conversations WHERE account_id = ? AND person_id = ?`,
		p.AccountID, p.PersonID), &unread, &readID); err != nil && !errors.Is(err, errs.NotFound) {
		return nil, err
	}
	if p.Mass {
		if err := db.Get(s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM broadcasts WHERE id = ? AND account_id = ?`, m.ID, p.AccountID), &broadcast); err != nil {
			return nil, err
		}
	}
	if broadcast > 0 {
		if m.ID <= readID {
			return nil, nil
		}
	} else if unread == 0 {
		return nil, nil
	}
	a, err := s.Accounts.ByID(ctx, p.AccountID)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a.Status != account.StatusActive {
		return nil, nil
	}
	body := "New message"
	if prefs.ShowPreviews {
		if pv := m.Preview(); pv != "" {
			body = pv
		}
	}
	aid := strconv.FormatInt(a.ID, 10)
	return &Notification{Title: a.Name, Body: body, URL: "/chat/" + aid, Tag: "chat-" + aid, AccountID: aid,
		MessageID: strconv.FormatInt(m.ID, 10)}, nil
}

// send delivers one notification to one device: at most SendAttempts
// times across every node; a 404 or 410 from the push service removes the
// subscription (the browser unsubscribed or the subscription expired).
func (s *Service) send(ctx context.Context, j *workq.Job) (err error) {
	defer errs.Wrap(&err, "webpush.Service.send(%d)", j.ID)
	var p sendJob
	if err := j.Decode(&p); err != nil || p.Payload == nil {
		return nil
	}
	sub, err := s.subscription(ctx, p.SubID)
	if errors.Is(err, errs.NotFound) {
		return nil // unsubscribed meanwhile
	}
	if err != nil {
		return err
	}
	keys, err := s.vapid(ctx)
	if err != nil {
		return err
	}
	if _, ok, err := j.TakeAttempt(ctx, SendAttempts); err != nil || !ok {
		return err
	}
	body, err := json.Marshal(p.Payload)
	if err != nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	res, err := wp.SendNotificationWithContext(rctx, body, &wp.Subscription{Endpoint: sub.Endpoint, Keys: wp.Keys{Auth: sub.Auth, P256dh: sub.P256dh}},
		&wp.Options{HTTPClient: s.Client, Subscriber: s.subscriber(), VAPIDPublicKey: keys.public, VAPIDPrivateKey: keys.private,
			TTL: int(TTL / time.Second), Topic: p.Topic, Urgency: wp.UrgencyNormal, VapidExpiration: s.Clock.Now().Add(12 * time.Hour)})
	if err != nil {
		if _, blocked := outbound.Blocked(err); blocked {
			s.warn("push service refused by the outbound guard; subscription removed", sub, err)
			_, _ = s.DB.Exec(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, sub.ID)
			return nil
		}
		return fmt.Errorf("webpush: %s", outbound.Describe(err))
	}
	excerpt, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		_, err := s.DB.Exec(ctx, `UPDATE push_subscriptions SET last_ok_at = ? WHERE id = ?`, db.Micro(s.Clock.Now()), sub.ID)
		return err
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone:
		_, err := s.DB.Exec(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, sub.ID)
		return err
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("webpush: push service answered %d: %s", res.StatusCode, outbound.Excerpt(excerpt, 200))
	}
	// Any other answer (400, 403, 413) will not change on a retry.
	s.warn(fmt.Sprintf("push service answered %d: %s", res.StatusCode, outbound.Excerpt(excerpt, 200)), sub, nil)
	return nil
}

func (s *Service) warn(msg string, sub *Subscription, err error) {
	if s.Log == nil {
		return
	}
	host := ""
	if u, perr := url.Parse(sub.Endpoint); perr == nil {
		host = u.Host
	}
	s.Log.Warn("webpush: "+msg, slog.String("push_service", host), slog.Int64("subscription", sub.ID), slog.Any("error", err))
}

// subscriber is the VAPID contact.
func (s *Service) subscriber() string {
	if s.Subscriber != "" {
		return s.Subscriber
	}
	if u, err := url.Parse(s.BaseURL); err == nil && u.Scheme == "https" && u.Host != "" {
		return "https://" + u.Host
	}
	host := "localhost"
	if u, err := url.Parse(s.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "postmaster@" + host
}
