package message

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/workq"
)

// Events a follower's action produces (names as in WeChat's push).
const (
	EventSubscribe   = "subscribe"
	EventUnsubscribe = "unsubscribe"
	EventScan        = "SCAN"
	EventClick       = "CLICK"
	EventView        = "VIEW"
	EventLocation    = "LOCATION"
)

// Inbound is what responders see: a follower's message, or an event.
type Inbound struct {
	Account *account.Account
	Follow  *follow.Follow
	Message *Message // nil for an event
	Event   string   // "" for a message
	Key     string   // EventKey: menu key, view URL, QR scene
	Ticket  string   // QR ticket for subscribe/SCAN by QR
	MenuID  string   // VIEW: the id of the menu the button belongs to
	// LOCATION reports: where the follower is, and how precisely (metres).
	Lat, Lng, Precision float64
	// At is when the event happened (its CreateTime); zero: now.
	At time.Time
}

// Reply is a message a responder wants delivered to the follower.
type Reply struct {
	Kind   string
	Sender string // SenderAutoReply, SenderDeveloper or SenderSystem
	Body   Body
}

// Outcome is what a responder did.
type Outcome struct {
	Handled bool    // true: later responders are skipped
	Replies []Reply // delivered in order
}

// Responder answers followers. The developer-push responder runs first when
// the account has a server configured (its reply wins, as on WeChat); the
// auto-reply responder runs otherwise.
type Responder interface {
	Respond(ctx context.Context, in *Inbound) (Outcome, error)
}

// Gate reports whether an account may use a feature now (nil: allowed). The
// compliance workflow provides it; messaging asks for feature "messaging".
type Gate func(ctx context.Context, accountID int64, feature string) error

// Service runs conversations: it stores what followers send, passes it to
// the responders and delivers their replies, and sends the account's own
// messages within WeChat's limits. NewService makes one.
type Service struct {
	Store    *Store
	Accounts *account.Store
	Follows  *follow.Store
	Log      *slog.Logger
	Gate     Gate
	// Media keeps the files of followers' image, voice and video messages.
	Media      media.Store
	responders []Responder
	queue      *workq.Queue
	answering  sync.WaitGroup // answers running in this process's goroutines
	// life is the service's lifetime: answers running in the background
	// (after the request that asked for them) run on it, and Shutdown
	// ends it.
	life context.Context
	end  context.CancelFunc
}

// Deps are what a Service works with.
type Deps struct {
	Store    *Store
	Accounts *account.Store
	Follows  *follow.Store
	Log      *slog.Logger
	Gate     Gate        // optional: nil allows every account to send
	Media    media.Store // optional without image, voice and video messages
	// Queue, when set, makes answers durable: an answer nobody waits for is queued
	// there (the handler is registered on it), so that a node's death hands
	// a follower's message to another node. Nil: answers run in this
	// process's goroutines.
	Queue *workq.Queue
}

// NewService returns a Service whose responder chain is responders, in the
// order they run: the first that handles a message ends the chain.
func NewService(d Deps, responders ...Responder) *Service {
	s := &Service{Store: d.Store, Accounts: d.Accounts, Follows: d.Follows, Log: d.Log, Gate: d.Gate, Media: d.Media,
		responders: append([]Responder(nil), responders...), queue: d.Queue}
	s.life, s.end = context.WithCancel(context.Background())
	if s.queue != nil {
		s.queue.Handle(JobRespond, s.runRespond)
	}
	return s
}

// Wait returns when the answers this process runs in the background (not
// queued, or still running when Post or Act stopped waiting) are
// delivered.
func (s *Service) Wait() { s.answering.Wait() }

// Shutdown waits, after the last request, for the answers this process
// runs in the background until ctx ends; those still running then are
// cancelled (a queued one is taken over by another node, or by this one on
// its next start), and Shutdown returns once they have stopped.
func (s *Service) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.answering.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.end()
		return nil
	case <-ctx.Done():
	}
	s.end()
	<-done
	return ctx.Err()
}

// owned is a context for work that outlives the request whose ctx it
// keeps the values of: it ends with the service (Shutdown), not with the
// request. Call release when the work is done.
func (s *Service) owned(ctx context.Context) (_ context.Context, release func()) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(s.life, cancel)
	return c, func() {
		stop()
		cancel()
	}
}

// JobRespond is the work-queue kind that answers a follower.
const JobRespond = "chat.respond"

// respondJob is what a queued answer needs to rebuild its Inbound.
type respondJob struct {
	PersonID  int64   `json:"person_id"`
	MessageID int64   `json:"message_id,omitempty"`
	Event     string  `json:"event,omitempty"`
	Key       string  `json:"key,omitempty"`
	Ticket    string  `json:"ticket,omitempty"`
	MenuID    string  `json:"menu_id,omitempty"`
	Lat       float64 `json:"lat,omitempty"`
	Lng       float64 `json:"lng,omitempty"`
	Precision float64 `json:"precision,omitempty"`
	At        int64   `json:"at"`
}

func (s *Service) runRespond(ctx context.Context, j *workq.Job) error {
	if j.Step >= stepReplied {
		return nil // a node that stopped before deleting the job stored the replies
	}
	var p respondJob
	if err := j.Decode(&p); err != nil {
		return nil // unreadable: nothing to retry
	}
	a, err := s.Accounts.ByID(ctx, j.AccountID)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	f, err := s.Follows.Get(ctx, j.AccountID, p.PersonID)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	in := &Inbound{Account: a, Follow: f, Event: p.Event, Key: p.Key, Ticket: p.Ticket, MenuID: p.MenuID,
		Lat: p.Lat, Lng: p.Lng, Precision: p.Precision, At: db.FromMicro(p.At)}
	if p.MessageID != 0 {
		if in.Message, err = s.Store.ByID(ctx, j.AccountID, p.MessageID); errors.Is(err, errs.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if _, err := s.Respond(ctx, in); err != nil {
		return err
	}
	return ctx.Err()
}

// Responders returns the chain, in the order it runs.
func (s *Service) Responders() []Responder { return append([]Responder(nil), s.responders...) }

// ErrBlocked is returned when a blacklisted follower tries to message.
var ErrBlocked = errs.Forbiddenf("This account is not accepting your messages.")

// Limits of a follower's message.
const (
	MaxTextRunes      = 2000
	MaxLabelRunes     = 100
	MaxLinkTitleRunes = 100
	MaxLinkDescRunes  = 300
	MaxLinkURLBytes   = 2048
)

// ValidateInbound checks a follower's message before it is stored. An
// error about one field names it (text, lat, lng, label, url, title,
// description, or the media kind).
func ValidateInbound(kind string, b Body) error {
	switch kind {
	case KindText:
		t := strings.TrimSpace(b.Text)
		if t == "" {
			return errs.FieldInvalid("text", "Write a message first.")
		}
		if utf8.RuneCountInString(t) > MaxTextRunes {
			return errs.FieldInvalid("text", "A message has at most %d characters.", MaxTextRunes)
		}
	case KindImage, KindVoice, KindVideo:
		if b.MediaKey == "" {
			return errs.FieldInvalid(kind, "%s", missingFile[kind])
		}
	case KindLocation:
		if math.IsNaN(b.Lat) || b.Lat < -90 || b.Lat > 90 {
			return errs.FieldInvalid("lat", "Latitude is a number from -90 to 90.")
		}
		if math.IsNaN(b.Lng) || b.Lng < -180 || b.Lng > 180 {
			return errs.FieldInvalid("lng", "Longitude is a number from -180 to 180.")
		}
		if utf8.RuneCountInString(b.Label) > MaxLabelRunes {
			return errs.FieldInvalid("label", "A place name has at most %d characters.", MaxLabelRunes)
		}
	case KindLink:
		u, err := url.Parse(b.URL)
		switch {
		case b.URL == "":
			return errs.FieldInvalid("url", "A link needs a URL.")
		case len(b.URL) > MaxLinkURLBytes:
			return errs.FieldInvalid("url", "A link has at most %d characters.", MaxLinkURLBytes)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return errs.FieldInvalid("url", "A link starts with http:// or https://.")
		case strings.TrimSpace(b.Title) == "":
			return errs.FieldInvalid("title", "A link needs a title.")
		case utf8.RuneCountInString(b.Title) > MaxLinkTitleRunes:
			return errs.FieldInvalid("title", "A link title has at most %d characters.", MaxLinkTitleRunes)
		case utf8.RuneCountInString(b.Description) > MaxLinkDescRunes:
			return errs.FieldInvalid("description", "A link description has at most %d characters.", MaxLinkDescRunes)
		}
	default:
		return errs.Invalidf("Followers cannot send %s messages.", kind)
	}
	return nil
}

// participants loads the account and the follow, checking that the person
// follows the account and is not blacklisted.
func (s *Service) participants(ctx context.Context, accountID, personID int64) (*account.Account, *follow.Follow, error) {
	a, err := s.Accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.Follows.Get(ctx, accountID, personID)
	if errors.Is(err, errs.NotFound) || (err == nil && !f.Following) {
		return nil, nil, errs.Forbiddenf("Follow %s to message it.", a.Name)
	}
	if err != nil {
		return nil, nil, err
	}
	if f.Blocked {
		return nil, nil, ErrBlocked
	}
	return a, f, nil
}

// Receive stores a follower's message whose file, if any, is already in
// the media store, without answering it. Faces use Post, which also stores
// the file and answers; Receive is for seeding conversations.
func (s *Service) Receive(ctx context.Context, accountID, personID int64, kind string, body Body) (_ *Inbound, err error) {
	defer errs.Wrap(&err, "message.Service.Receive(%d, %d)", accountID, personID)
	if err := ValidateInbound(kind, body); err != nil {
		return nil, err
	}
	a, f, err := s.participants(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	if err := checkReceiving(a); err != nil {
		return nil, err
	}
	m, err := s.store(ctx, accountID, personID, kind, body)
	if err != nil {
		return nil, err
	}
	return &Inbound{Account: a, Follow: f, Message: m}, nil
}

// checkReceiving reports whether the account takes followers' messages now.
func checkReceiving(a *account.Account) error {
	if a.Status != account.StatusActive {
		return errs.Conflictf("%s cannot receive messages right now.", a.Name)
	}
	return nil
}

// store appends a follower's valid message to the conversation.
func (s *Service) store(ctx context.Context, accountID, personID int64, kind string, body Body) (*Message, error) {
	body.Text = strings.TrimSpace(body.Text)
	m := &Message{AccountID: accountID, PersonID: personID, Direction: In, Kind: kind, Sender: SenderFollower, Body: body}
	if err := s.Store.Append(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Event records a follower's action (follow, menu click, scan, ...) for the
// responders, without answering it. Clicks, follows and scans open a short
// customer-service window. Faces use Act, which also answers; Event is for
// tests of the responders.
func (s *Service) Event(ctx context.Context, accountID, personID int64, event, key, ticket string) (_ *Inbound, err error) {
	defer errs.Wrap(&err, "message.Service.Event(%d, %d)", accountID, personID)
	a, err := s.Accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	f, err := s.Follows.Get(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	switch event {
	case EventSubscribe, EventScan, EventClick:
		if err := s.Store.OpenWindow(ctx, accountID, personID, ActionWindow, ActionWindowCount); err != nil {
			return nil, err
		}
	}
	return &Inbound{Account: a, Follow: f, Event: event, Key: key, Ticket: ticket}, nil
}

// Respond runs the responder chain for in and delivers the replies. It
// returns the messages delivered. A blacklisted follower gets no replies.
func (s *Service) Respond(ctx context.Context, in *Inbound) (_ []*Message, err error) {
	defer errs.Wrap(&err, "message.Service.Respond()")
	if in.Follow == nil || in.Follow.Blocked || (in.Event == "" && !in.Follow.Following) {
		return nil, nil
	}
	var replies []*Message
	for _, r := range s.responders {
		out, err := r.Respond(ctx, in)
		if err != nil {
			s.Log.Error("responder failed", slog.Int64("account_id", in.Account.ID), slog.Any("error", err))
			continue
		}
		for _, rep := range out.Replies {
			if in.Event == EventUnsubscribe {
				break // nobody to deliver to
			}
			replies = append(replies, &Message{AccountID: in.Account.ID, PersonID: in.Follow.PersonID, Direction: Out, Kind: rep.Kind, Sender: rep.Sender, Body: rep.Body})
		}
		if out.Handled {
			break
		}
	}
	if len(replies) == 0 {
		return nil, nil
	}
	// Queued work stores the replies with the job's step: a node that takes
	// the job over after this commit finds the step done and stores nothing.
	var guard func(tx *db.Tx) (bool, error)
	if j := workq.FromContext(ctx); j != nil {
		guard = func(tx *db.Tx) (bool, error) { return j.MarkStep(ctx, tx, stepReplied) }
	}
	stored, err := s.Store.AppendAll(ctx, replies, guard)
	if err != nil || !stored {
		return nil, err
	}
	return replies, nil
}

// stepReplied is the step of a queued answer whose replies are stored.
const stepReplied = 1

// respondAsync runs Respond in the background, on the service's lifetime,
// logging failures. With a durable queue (Deps.Queue) the work is stored
// first: if this node dies before the answer is delivered, another node
// delivers it.
func (s *Service) respondAsync(in *Inbound) {
	if s.queue != nil {
		_, err := s.queue.Submit(s.life, JobRespond, in.Account.ID, s.respondPayload(in))
		if err == nil {
			return
		}
		s.Log.Error("queue a reply; answering from memory", slog.Any("error", err))
	}
	s.answering.Add(1)
	go func() {
		defer s.answering.Done()
		if _, err := s.Respond(s.life, in); err != nil {
			s.Log.Error("deliver replies", slog.Any("error", err))
		}
	}()
}

// respondPayload is the queued job that answers in.
func (s *Service) respondPayload(in *Inbound) respondJob {
	if in.At.IsZero() {
		in.At = s.Store.clock.Now()
	}
	p := respondJob{PersonID: in.Follow.PersonID, Event: in.Event, Key: in.Key, Ticket: in.Ticket, MenuID: in.MenuID,
		Lat: in.Lat, Lng: in.Lng, Precision: in.Precision, At: db.Micro(in.At)}
	if in.Message != nil {
		p.MessageID = in.Message.ID
	}
	return p
}

// Send delivers a free-form message from the account (an agent in the
// inbox, or the customer-service API): the follower must follow, must not
// be blacklisted, and the customer-service window must be open.
func (s *Service) Send(ctx context.Context, accountID, personID int64, kind, sender string, agentID int64, body Body) (_ *Message, err error) {
	defer errs.Wrap(&err, "message.Service.Send(%d, %d, %d)", accountID, personID, agentID)
	a, _, err := s.participants(ctx, accountID, personID)
	if err != nil {
		if errors.Is(err, ErrBlocked) {
			return nil, errs.Forbiddenf("This follower is blacklisted.")
		}
		if errs.KindOf(err) == errs.KindForbidden {
			return nil, errs.Conflictf("This person does not follow the account.")
		}
		return nil, err
	}
	if a.Status != account.StatusActive {
		return nil, errs.Conflictf("The account is %s and cannot send messages.", errs.Text(a.Status))
	}
	if s.Gate != nil {
		if err := s.Gate(ctx, accountID, "messaging"); err != nil {
			return nil, err
		}
	}
	if kind == KindText {
		body.Text = strings.TrimSpace(body.Text)
		if body.Text == "" {
			return nil, errs.FieldInvalid("text", "Write a message first.")
		}
		if len(body.Text) > 2048 {
			return nil, errs.FieldInvalid("text", "A message has at most 2048 bytes.")
		}
	}
	if err := s.Store.ConsumeWindow(ctx, accountID, personID); err != nil {
		return nil, err
	}
	m := &Message{AccountID: accountID, PersonID: personID, Direction: Out, Kind: kind, Sender: sender, AgentID: agentID, Body: body}
	if err := s.Store.Append(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Notice delivers a message from the platform itself into a conversation
// (for example: the account's server cannot answer now).
func (s *Service) Notice(ctx context.Context, accountID, personID int64, text string) (_ *Message, err error) {
	defer errs.Wrap(&err, "message.Service.Notice(%d, %d)", accountID, personID)
	m := &Message{AccountID: accountID, PersonID: personID, Direction: Out, Kind: KindNotice, Sender: SenderSystem, Body: Body{Text: text}}
	return m, s.Store.Append(ctx, m)
}
