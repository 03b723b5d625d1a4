package console

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The inbox is two panes on a desktop: the queue on the left and, on the
// right, the conversation chosen in it (app.js loads it there without
// leaving the page); on a phone one pane at a time. Both the inbox and a
// conversation's page carry the queue, so either can be opened directly.

// inboxQueue is the queue of one view (open, waiting, mine, taken, closed).
type inboxQueue struct {
	AccountID int64
	View      string
	Rows      []*inbox.Row
	Counts    inbox.Counts
	Open      int64 // the conversation shown beside the queue, 0 for none
	Now       time.Time
}

// Link is the address of a row's conversation, in the queue's view.
func (q *inboxQueue) Link(personID int64) string {
	l := fmt.Sprintf("/mp/a/%d/inbox/%d", q.AccountID, personID)
	if q.View != "" {
		l += "?view=" + q.View
	}
	return l
}

type inboxData struct {
	Queue *inboxQueue
}

// loadQueue reads the queue of the view the request asks for.
func (u *UI) loadQueue(r *http.Request, c *core.ConsoleCtx, open int64) (*inboxQueue, error) {
	me := web.Person(r)
	view := r.URL.Query().Get("view")
	switch view {
	case "waiting", "mine", "assigned", "closed":
	default:
		view = ""
	}
	q := &inboxQueue{AccountID: c.Account.ID, View: view, Open: open, Now: u.Clock.Now()}
	var err error
	if q.Rows, err = u.Inbox.Queue(r.Context(), c.Account.ID, inbox.Filter{View: view, AssigneeID: me.ID}); err != nil {
		return nil, err
	}
	q.Counts, err = u.Inbox.Counts(r.Context(), c.Account.ID, me.ID)
	return q, err
}

func (u *UI) registerInbox(h core.Route) {
	in := u.Member(account.ActInbox)
	conv := core.View{Title: "Conversation", Template: "mp/inbox_conversation", Load: u.loadConversation}
	act := func(fn func(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error)) core.Form[int64] {
		return core.Form[int64]{View: conv, Parse: personInPath, Do: func(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
			flash, err := fn(r, c, pid)
			if err != nil {
				return core.Done{}, notFoundIsPage(err)
			}
			return core.Done{To: fmt.Sprintf("inbox/%d#latest", pid), Flash: flash}, nil
		}}
	}
	reply := act(u.inboxReply)
	reply.Read = parseMultipart
	h("GET /mp/a/{account}/inbox", u.Get(in, core.View{Title: "Inbox", Template: "mp/inbox", Load: u.loadInbox}))
	h("GET /mp/a/{account}/inbox/events", u.In(in, u.inboxEvents))
	h("GET /mp/a/{account}/inbox/{person}", u.Get(in, conv))
	h("POST /mp/a/{account}/inbox/{person}/take", core.Post(u.UI, in, act(u.inboxTake)))
	h("POST /mp/a/{account}/inbox/{person}/reply", core.Post(u.UI, in, reply))
	h("POST /mp/a/{account}/inbox/{person}/note", core.Post(u.UI, in, act(u.inboxNote)))
	h("POST /mp/a/{account}/inbox/{person}/transfer", core.Post(u.UI, in, act(u.inboxTransfer)))
	h("POST /mp/a/{account}/inbox/{person}/close", core.Post(u.UI, in, act(u.inboxClose)))
	h("GET /mp/a/{account}/inbox/{person}/media/{message}", u.In(in, u.inboxMedia))
}

func (u *UI) loadInbox(r *http.Request, p *core.Page) error {
	q, err := u.loadQueue(r, p.Console, 0)
	p.Data = &inboxData{Queue: q}
	return err
}

// inboxEvents streams the account's live events (new messages, inbox
// changes) to the inbox pages as server-sent events.
func (u *UI) inboxEvents(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	// A page that reconnects gets what was stored meanwhile (inbox_replay.go).
	return sse.StreamResumable(w, r, u.Bus, realtime.AccountTopic(c.Account.ID), sse.Heartbeat, u.inboxReplay(c.Account.ID), u.inboxCursor(c.Account.ID))
}

type inboxMsg struct {
	*message.Message
	MediaURL string // image, voice, video
	ThumbURL string // video: its cover
}

type conversationData struct {
	Row      *inbox.Row
	Messages []*inboxMsg
	Notes    []*inbox.Note
	History  []*inbox.Event
	Agents   []inbox.Agent
	MeID     int64
	Window   bool // free-form replies allowed now
	Now      time.Time
	Tab      string
	Queue    *inboxQueue
}

// loadConversation fills a conversation's page; opening it marks it read.
func (u *UI) loadConversation(r *http.Request, p *core.Page) error {
	c := p.Console
	ctx := r.Context()
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	row, err := u.Inbox.Conversation(ctx, c.Account.ID, pid)
	if err != nil {
		return err
	}
	msgs, err := u.Messages.History(ctx, c.Account.ID, pid, 0, 100)
	if err != nil {
		return err
	}
	d := &conversationData{Row: row, MeID: web.Person(r).ID, Now: u.Clock.Now(), Tab: "text"}
	d.Window = row.WindowOpen(d.Now)
	for _, m := range msgs {
		im := &inboxMsg{Message: m}
		if m.Body.MediaKey != "" {
			im.MediaURL = fmt.Sprintf("/mp/a/%d/inbox/%d/media/%d", c.Account.ID, pid, m.ID)
			if m.Body.ThumbKey != "" {
				im.ThumbURL = im.MediaURL + "?thumb=1"
			}
		}
		d.Messages = append(d.Messages, im)
	}
	if d.Notes, err = u.Inbox.Notes(ctx, c.Account.ID, pid); err != nil {
		return err
	}
	if d.History, err = u.Inbox.History(ctx, c.Account.ID, pid); err != nil {
		return err
	}
	if d.Agents, err = u.Inbox.Agents(ctx, c.Account.ID); err != nil {
		return err
	}
	if t := p.Form.Get("kind"); t != "" {
		d.Tab = t
	}
	if r.Method == http.MethodGet {
		if err := u.Inbox.MarkRead(ctx, c.Account.ID, pid); err != nil {
			return err
		}
	}
	// After marking it read, so that its row in the queue is read too.
	if d.Queue, err = u.loadQueue(r, c, pid); err != nil {
		return err
	}
	p.Title = row.Name()
	p.Data = d
	return nil
}

func (u *UI) inboxTake(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error) {
	return "You took this conversation.", u.Inbox.Take(r.Context(), c.Account.ID, pid, web.Person(r).ID)
}

func (u *UI) inboxClose(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error) {
	return "Conversation closed.", u.Inbox.Close(r.Context(), c.Account.ID, pid, web.Person(r).ID)
}

func (u *UI) inboxTransfer(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error) {
	to, err := strconv.ParseInt(r.PostForm.Get("to"), 10, 64)
	if err != nil {
		return "", inbox.ErrNotAgent
	}
	return "Conversation transferred.", u.Inbox.Transfer(r.Context(), c.Account.ID, pid, web.Person(r).ID, to)
}

func (u *UI) inboxNote(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error) {
	_, err := u.Inbox.AddNote(r.Context(), c.Account.ID, pid, web.Person(r).ID, r.PostForm.Get("note"))
	return "Note added.", err
}

func (u *UI) inboxReply(r *http.Request, c *core.ConsoleCtx, pid int64) (string, error) {
	f := r.PostForm
	kind := f.Get("kind")
	var body message.Body
	switch kind {
	case "", message.KindText:
		kind, body.Text = message.KindText, f.Get("text")
	case message.KindImage:
		saved, err := u.uploadImage(r, "image", "inbox", c.Account.ID)
		if err != nil {
			return "", err
		}
		if saved == nil {
			return "", errs.FieldInvalid("image", "Choose an image to send.")
		}
		body.MediaKey, body.MediaType = saved.Key, saved.ContentType
	case message.KindNews:
		a := message.Article{Title: f.Get("title"), Description: f.Get("description"), URL: f.Get("url"), PicURL: f.Get("picurl")}
		if a.Title == "" || !httpURL(a.URL) {
			return "", errs.FieldInvalid("url", "An article card needs a title and a full http:// or https:// link.")
		}
		body.Articles = []message.Article{a}
	default:
		return "", errs.Invalidf("Agents reply with text, an image or an article card.")
	}
	_, err := u.Inbox.Reply(r.Context(), c.Account.ID, pid, web.Person(r).ID, kind, body)
	return "", err
}

// inboxMedia serves the image, voice or video of a message in one of the
// account's conversations.
func (u *UI) inboxMedia(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	m, err := core.InPath(r, c.Account.ID, "message", u.Messages.ByID)
	if err != nil {
		return err
	}
	if m.PersonID != pid || m.Body.MediaKey == "" {
		return errs.NotFoundf("No such file.")
	}
	if r.URL.Query().Get("thumb") != "" {
		if m.Body.ThumbKey == "" {
			return errs.NotFoundf("No such file.")
		}
		return media.Serve(w, r, u.Media, m.Body.ThumbKey, m.Body.ThumbType)
	}
	return media.Serve(w, r, u.Media, m.Body.MediaKey, m.Body.MediaType)
}
