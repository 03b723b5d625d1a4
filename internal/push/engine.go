package push

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// NoticeText is what a follower sees when the developer's server failed
// to answer their message.
const NoticeText = "This account cannot serve you right now. Please try again later."

// Defaults, as on WeChat.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultAttempts = 3
	// DefaultMaxPerEndpoint is how many pushes one node has in flight to
	// one developer server at most.
	DefaultMaxPerEndpoint = 32
	MaxResponse           = 1 << 20 // bytes of an answer read at most
)

// Engine pushes to developer servers. It is the message.Responder that
// runs before auto-replies: when an account has a server configured and
// enabled, that server's reply (or silence) is final, as on WeChat. Make
// one with NewEngine.
type Engine struct {
	deps Deps
	opts Options

	endpoints sync.Map // scheme://host → *endpointSlots
	urlSlots  sync.Map // a pushed-to URL → its server's *endpointSlots
	nURLSlots atomic.Int32
	ciphers   sync.Map // cipherKey → *wxcrypt.Cipher (derived values only)
	nCiphers  atomic.Int32
}

// cipherKey names the cipher of an EncodingAESKey and an AppID.
type cipherKey struct{ key, appID string }

// Deps are what an Engine works with.
type Deps struct {
	Store     *Store
	Accounts  *account.Store
	TempMedia *tempmedia.Store
	Media     media.Store
	Clock     clock.Clock
	Log       *slog.Logger
	BaseURL   string // Herald's public address, for PicUrl
	// Client makes every request to developers' servers (app.New gives it
	// the platform's outbound policy). Nil: a client that refuses private
	// addresses and does not follow redirects.
	Client *http.Client
	// Fast, when set, makes message and event pushes instead of Client
	// (app.New gives it outbound.Policy.FastClient unless a client was
	// given); Client still makes the URL handshake.
	Fast *fasthttp.Client
	// Nodes, when set, says how many nodes share Options.MaxPerEndpoint
	// (the live node number leases); nil or below 1 counts as one node.
	Nodes func() int
	// Queue, when set, makes pushes durable: finish events (Notify) and
	// followers' messages (through message.Service) are rows in the work
	// queue before they are sent, and a node's death hands them to another
	// node with the attempts already made counted. NewEngine registers the
	// engine's handlers on it.
	Queue *workq.Queue
	// Observe, when set, hears of every message and event delivery
	// (analytics: getinterfacesummary). msgType is the pushed MsgType, or
	// the event name for events.
	Observe func(accountID, personID int64, msgType string, ok bool, took time.Duration)
}

// Options tune an Engine; zero values are WeChat's.
type Options struct {
	Timeout  time.Duration // one attempt's wait for an answer (DefaultTimeout)
	Attempts int           // attempts of a message push (DefaultAttempts)
	// MaxPerEndpoint caps the requests the cluster has open to one developer
	// server (scheme and host) at once; more wait their turn. Default 32.
	// Each node takes its share: MaxPerEndpoint divided by Deps.Nodes(),
	// rounded up, at least one.
	MaxPerEndpoint int
}

// NewEngine returns an engine; with d.Queue set its pushes are durable.
func NewEngine(d Deps, o Options) *Engine {
	e := &Engine{deps: d, opts: o}
	if d.Queue != nil {
		d.Queue.Handle(JobEvent, e.runEvent)
		e.HandleEvent(JobTemplateFinish, e.buildTemplateFinish)
	}
	return e
}

// Durable says whether pushes go through the work queue (Deps.Queue).
func (e *Engine) Durable() bool { return e.deps.Queue != nil }

// Timeout is how long one attempt waits for the developer's server.
func (e *Engine) Timeout() time.Duration { return e.timeout() }

var defaultClient = sync.OnceValue(func() *http.Client { return outbound.NewPolicy(nil).Client(0) })

func (e *Engine) client() *http.Client {
	if e.deps.Client != nil {
		return e.deps.Client
	}
	return defaultClient()
}

func (e *Engine) timeout() time.Duration {
	if e.opts.Timeout > 0 {
		return e.opts.Timeout
	}
	return DefaultTimeout
}

func (e *Engine) attempts() int {
	if e.opts.Attempts > 0 {
		return e.opts.Attempts
	}
	return DefaultAttempts
}

func nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[:])), 10)
}

// maxCiphers bounds the ciphers kept for reuse; past it the cache starts over.
const maxCiphers = 1024

// cipher returns the AES cipher of key and appID, made once and kept: its
// key schedule costs about as much as encrypting a short message. A Cipher
// holds nothing but the key's derived values and is safe for concurrent use,
// so a changed key simply finds (or makes) another entry.
func (e *Engine) cipher(key, appID string) (*wxcrypt.Cipher, error) {
	k := cipherKey{key, appID}
	if v, ok := e.ciphers.Load(k); ok {
		return v.(*wxcrypt.Cipher), nil
	}
	c, err := wxcrypt.NewCipher(key, appID)
	if err != nil {
		return nil, err
	}
	if e.nCiphers.Add(1) > maxCiphers {
		e.ciphers.Clear()
		e.nCiphers.Store(1)
	}
	e.ciphers.Store(k, c)
	return c, nil
}

// pushQuery is the query string of a push, as url.Values.Encode would
// write it (keys sorted): signature, timestamp, nonce and openid, and with
// msgSig set encrypt_type=aes and msg_signature too.
func pushQuery(sig, ts, nonce, openid, msgSig string) string {
	var b strings.Builder
	b.Grow(160 + len(openid))
	if msgSig != "" {
		b.WriteString("encrypt_type=aes&msg_signature=")
		b.WriteString(url.QueryEscape(msgSig))
		b.WriteByte('&')
	}
	b.WriteString("nonce=")
	b.WriteString(url.QueryEscape(nonce))
	b.WriteString("&openid=")
	b.WriteString(url.QueryEscape(openid))
	b.WriteString("&signature=")
	b.WriteString(url.QueryEscape(sig))
	b.WriteString("&timestamp=")
	b.WriteString(url.QueryEscape(ts))
	return b.String()
}

// Respond implements message.Responder.
func (e *Engine) Respond(ctx context.Context, in *message.Inbound) (_ message.Outcome, err error) {
	defer errs.Wrap(&err, "push.Engine.Respond(%d)", in.Account.ID)
	set, err := e.deps.Store.Get(ctx, in.Account.ID)
	if err != nil || !set.Configured() {
		return message.Outcome{}, err
	}
	msg, kind, err := e.Build(ctx, in)
	if err != nil {
		return message.Outcome{}, err
	}
	if msg == nil {
		return message.Outcome{Handled: true}, nil
	}
	d, replies := e.Deliver(ctx, in.Account, set, msg, in.Follow.PersonID, kind, 0)
	out := message.Outcome{Handled: true}
	switch {
	case !d.OK && kind == KindMessage:
		out.Replies = []message.Reply{{Kind: message.KindNotice, Sender: message.SenderSystem, Body: message.Body{Text: NoticeText}}}
	case d.OK && in.Event != message.EventUnsubscribe:
		out.Replies = replies
	}
	return out, nil
}

// Build turns a follower's message or event into the XML message pushed
// for it. Follower media gets a temporary media_id the developer can fetch.
func (e *Engine) Build(ctx context.Context, in *message.Inbound) (_ *wxmsg.Message, _ string, err error) {
	defer errs.Wrap(&err, "push.Engine.Build(%d)", in.Account.ID)
	to, from := in.Account.OriginalID, in.Follow.OpenID
	if m := in.Message; m != nil {
		ct, mid := m.CreatedAt.Unix(), m.ID
		b := m.Body
		switch m.Kind {
		case message.KindText:
			return wxmsg.NewText(to, from, ct, mid, b.Text), KindMessage, nil
		case message.KindImage, message.KindVoice, message.KindVideo:
			mediaID, err := e.mediaID(ctx, in.Account.ID, m.Kind, b)
			if err != nil {
				return nil, "", err
			}
			switch m.Kind {
			case message.KindImage:
				return wxmsg.NewImage(to, from, ct, mid, e.PictureURL(mediaID), mediaID), KindMessage, nil
			case message.KindVoice:
				// The stored file's own format: amr, mp3, wav, wma, or
				// ogg / webm for voice recorded in a browser.
				return wxmsg.NewVoice(to, from, ct, mid, mediaID, media.Format(b.MediaType)), KindMessage, nil
			}
			thumbID, err := e.thumbID(ctx, in.Account.ID, b)
			if err != nil {
				return nil, "", err
			}
			if b.Short {
				return wxmsg.NewShortVideo(to, from, ct, mid, mediaID, thumbID), KindMessage, nil
			}
			return wxmsg.NewVideo(to, from, ct, mid, mediaID, thumbID), KindMessage, nil
		case message.KindLocation:
			return wxmsg.NewLocation(to, from, ct, mid, b.Lat, b.Lng, b.Scale, b.Label), KindMessage, nil
		case message.KindLink:
			return wxmsg.NewLink(to, from, ct, mid, b.Title, b.Description, b.URL), KindMessage, nil
		}
		return nil, "", nil // nothing a follower can send otherwise
	}
	now := e.deps.Clock.Now().Unix()
	if !in.At.IsZero() {
		now = in.At.Unix() // the same CreateTime on every attempt and node
	}
	switch in.Event {
	case message.EventSubscribe:
		return wxmsg.NewSubscribe(to, from, now, strings.TrimPrefix(in.Key, wxmsg.QRScenePrefix), in.Ticket), KindEvent, nil
	case message.EventScan:
		return wxmsg.NewScan(to, from, now, in.Key, in.Ticket), KindEvent, nil
	case message.EventClick:
		return wxmsg.NewClick(to, from, now, in.Key), KindEvent, nil
	case message.EventView:
		return wxmsg.NewView(to, from, now, in.Key, in.MenuID), KindEvent, nil
	case message.EventLocation:
		return wxmsg.NewLocationEvent(to, from, now, in.Lat, in.Lng, in.Precision), KindEvent, nil
	default:
		m := wxmsg.NewEvent(to, from, now, in.Event)
		m.EventKey = in.Key
		return m, KindEvent, nil
	}
}

func (e *Engine) mediaID(ctx context.Context, accountID int64, kind string, b message.Body) (string, error) {
	if b.MediaID != "" {
		return b.MediaID, nil
	}
	var size int64
	if e.deps.Media != nil {
		if f, err := e.deps.Media.Open(ctx, b.MediaKey); err == nil {
			size = f.Size()
			f.Close()
		}
	}
	it, err := e.deps.TempMedia.Add(ctx, accountID, kind, b.MediaKey, b.MediaType, size)
	if err != nil {
		return "", err
	}
	return it.MediaID, nil
}

// thumbID is a temporary media_id for a video's cover ("" without one).
func (e *Engine) thumbID(ctx context.Context, accountID int64, b message.Body) (string, error) {
	if b.ThumbKey == "" {
		return "", nil
	}
	return e.mediaID(ctx, accountID, tempmedia.Thumb, message.Body{MediaKey: b.ThumbKey, MediaType: b.ThumbType})
}

// PictureURL is the public address of a temporary image (PicUrl).
func (e *Engine) PictureURL(mediaID string) string {
	return strings.TrimSuffix(e.deps.BaseURL, "/") + "/cgi-bin/media/pic?media_id=" + url.QueryEscape(mediaID)
}

// summary describes a message in one line for the log.
func summary(m *wxmsg.Message) Note {
	switch m.MsgType {
	case wxmsg.TypeEvent:
		s := m.Event
		if m.EventKey != "" {
			s += " " + m.EventKey
		}
		return note("m.event", s)
	case wxmsg.TypeText:
		return note("m.text", m.Content)
	case wxmsg.TypeLink:
		return note("m.link", m.Title)
	case wxmsg.TypeLocation:
		return note("m.location", fmt.Sprintf("%g, %g %s", m.LocationX, m.LocationY, m.Label))
	case wxmsg.TypeImage, wxmsg.TypeVoice, wxmsg.TypeVideo, wxmsg.TypeShortVideo:
		return note("m." + m.MsgType)
	}
	return note("m.other", m.MsgType)
}

// Deliver pushes msg to the account's server with up to Attempts tries of
// the identical request, reads the passive reply and records the delivery.
// It returns the replies to deliver to the follower (none when the server
// said "success" or nothing).
func (e *Engine) Deliver(ctx context.Context, a *account.Account, set *Settings, msg *wxmsg.Message, personID int64, kind string, replayOf int64) (*Delivery, []message.Reply) {
	return e.deliverXML(ctx, a, set, msg, nil, personID, kind, replayOf)
}

// deliverXML is Deliver; plain, when set, is the message XML to send as it
// is (a queued push sends the bytes it was queued with).
func (e *Engine) deliverXML(ctx context.Context, a *account.Account, set *Settings, msg *wxmsg.Message, plain []byte, personID int64, kind string, replayOf int64) (*Delivery, []message.Reply) {
	start := time.Now()
	d := &Delivery{AccountID: a.ID, PersonID: personID, OpenID: msg.FromUserName, Kind: kind, Summary: summary(msg),
		DedupeKey: msg.DedupeKey(), Mode: set.Mode, URL: set.URL, ReplayOf: replayOf}
	replies := e.deliver(ctx, a, set, msg, plain, d)
	d.Duration = time.Since(start)
	if workq.FromContext(ctx) != nil {
		// Durable work: the log entry is committed before the job is done,
		// so a node's death loses no entry.
		if err := e.deps.Store.Record(context.WithoutCancel(ctx), d); err != nil && e.deps.Log != nil {
			e.deps.Log.Error("push log", slog.Int64("account_id", a.ID), slog.Any("error", err))
		}
	} else {
		e.deps.Store.RecordAsync(d)
	}
	if e.deps.Observe != nil && replayOf == 0 {
		t := msg.MsgType
		if msg.MsgType == wxmsg.TypeEvent {
			t = msg.Event
		}
		e.deps.Observe(a.ID, personID, t, d.OK, d.Duration)
	}
	return d, replies
}

// fail records a failed check, which is also the delivery's error.
func (e *Engine) fail(d *Delivery, code string, args ...string) {
	c := check(false, code, args...)
	d.OK = false
	d.Error = c.Note()
	d.Checks = append(d.Checks, c)
}

// why is err as a note: the reason Herald wrote (a noteError), a refused
// address, or the error in its own words.
func why(err error) Note {
	var ne *noteError
	if errors.As(err, &ne) {
		return ne.n
	}
	if b, ok := outbound.Blocked(err); ok {
		return note("why.blocked", b.Addr.String(), b.Reason)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return note("why.late")
	}
	return note("why.error", outbound.Describe(err))
}

// noteError is an error that says why as a Note.
type noteError struct{ n Note }

func (e *noteError) Error() string { return e.n.English() }

func noteErr(code string, args ...string) error { return &noteError{note(code, args...)} }

// nest is args followed by n's code and values, for a nested note.
func nest(n Note, args ...string) []string {
	return append(append(args, n.Code), n.Args...)
}

func (e *Engine) deliver(ctx context.Context, a *account.Account, set *Settings, msg *wxmsg.Message, plain []byte, d *Delivery) []message.Reply {
	var err error
	// The documents are built as strings: they are logged as they are
	// sent, without a copy.
	if plain == nil {
		if d.Plain, err = msg.MarshalString(); err != nil {
			e.fail(d, "build", err.Error())
			return nil
		}
	} else {
		d.Plain = string(plain)
	}
	ts := strconv.FormatInt(e.deps.Clock.Now().Unix(), 10)
	n := nonce()
	sig := wxcrypt.Signature(set.Token, ts, n)
	d.Checks = make([]Check, 0, 5)
	d.Checks = append(d.Checks, check(true, "sign")) // its values are the query's (withQuery)
	body := d.Plain
	var cipher *wxcrypt.Cipher
	var msgSig string // safe and compatible modes
	if set.Encrypted() {
		cipher, err = e.cipher(set.AESKey, a.AppID)
		if err != nil {
			e.fail(d, "key", err.Error())
			return nil
		}
		var enc string
		if set.Mode == Safe {
			// The envelope and its Encrypt value in one allocation.
			body, enc, err = wxmsg.SealPushString(cipher, msg.ToUserName, d.Plain)
		} else if enc, err = cipher.EncryptString(d.Plain); err == nil {
			m2 := *msg
			m2.Encrypt = enc
			body, err = m2.MarshalString()
		}
		if err != nil {
			e.fail(d, "encrypt.no", err.Error())
			return nil
		}
		msgSig = wxcrypt.MsgSignature(set.Token, ts, n, enc)
		d.Checks = append(d.Checks, check(true, "encrypt", strconv.Itoa(len(d.Plain)), a.AppID)) // and the query's msg_signature
	}
	d.Body = body
	d.Query = pushQuery(sig, ts, n, msg.FromUserName, msgSig)
	target := set.URL
	if strings.Contains(target, "?") {
		target += "&" + d.Query
	} else {
		target += "?" + d.Query
	}

	var resp []byte
	var failure Note // why the last attempt failed
	job := workq.FromContext(ctx)
	for i := 1; i <= e.attempts(); i++ {
		if job != nil {
			// Attempts are counted in the job across nodes: one that died
			// after two attempts leaves this node one.
			n, ok, err := job.TakeAttempt(ctx, e.attempts())
			if err != nil {
				failure = note("why.count", err.Error())
				break
			}
			if !ok {
				if d.Attempts == 0 {
					d.Attempts = job.Attempts
					failure = note("why.spent", strconv.Itoa(e.attempts()))
				}
				break
			}
			i = n
		}
		d.Attempts = i
		t0 := time.Now()
		status, b, err := e.post(ctx, target, d.Body)
		took := time.Since(t0).Round(time.Millisecond).String()
		try := strconv.Itoa(i)
		if err != nil {
			failure = why(err)
			d.Checks = append(d.Checks, check(false, "try.error", nest(failure, try, took)...))
			continue
		}
		d.StatusCode = status
		d.Response = string(b)
		if status != http.StatusOK {
			d.Response = outbound.Excerpt(b, excerptLen)
			code := strconv.Itoa(status)
			d.Checks = append(d.Checks, check(false, "try.status", try, code, took))
			failure = note("why.status", code)
			continue
		}
		d.Checks = append(d.Checks, check(true, "try", try, took, strconv.Itoa(len(b))))
		resp = b
		failure = Note{}
		break
	}
	if d.StatusCode != http.StatusOK || !failure.IsZero() {
		e.fail(d, "delivery", nest(failure, strconv.Itoa(d.Attempts))...)
		return nil
	}
	reply, err := e.readReply(set, cipher, msg, resp, d)
	if err != nil {
		d.Response = outbound.Excerpt(resp, excerptLen) // not a reply: show only its beginning
		return nil
	}
	d.OK = true
	if reply == nil {
		d.Reply = note("r.none")
		return nil
	}
	replies, err := e.toMessages(ctx, a, reply)
	if err != nil {
		var ne *noteError
		if errors.As(err, &ne) {
			e.fail(d, ne.n.Code, ne.n.Args...)
		} else {
			e.fail(d, "reply.type", err.Error())
		}
		return nil
	}
	d.Reply = describeReply(reply)
	d.Checks = append(d.Checks, check(true, "reply", nest(d.Reply)...))
	return replies
}

// slot waits for one of this node's request slots to target's server.
func (e *Engine) slot(ctx context.Context, target string) (func(), error) {
	slots, key := e.endpoint(target)
	for {
		slots.mu.Lock()
		if slots.used < e.perNode() {
			slots.used++
			slots.mu.Unlock()
			return slots.release, nil
		}
		freed := slots.freed
		slots.waiting++
		slots.mu.Unlock()
		var err error
		select {
		case <-freed:
		case <-ctx.Done():
			err = noteErr("why.busy", key, ctx.Err().Error())
		}
		slots.mu.Lock()
		slots.waiting--
		slots.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// maxURLSlots bounds the URLs whose server endpoint resolves is kept; past
// it the cache starts over.
const maxURLSlots = 1024

// endpoint returns the slots of target's server (scheme and host) and its
// name. The server of a URL (without its query, which changes at every
// push) is looked up once and kept.
func (e *Engine) endpoint(target string) (*endpointSlots, string) {
	base, _, _ := strings.Cut(target, "?") // url.Parse cuts the query off before it reads the host, too
	if v, ok := e.urlSlots.Load(base); ok {
		return v.(*endpointSlots), v.(*endpointSlots).key
	}
	key := target
	if u, err := url.Parse(target); err == nil {
		key = u.Scheme + "://" + u.Host
	}
	v, ok := e.endpoints.Load(key)
	if !ok {
		v, _ = e.endpoints.LoadOrStore(key, &endpointSlots{key: key, freed: make(chan struct{})})
	}
	if e.nURLSlots.Add(1) > maxURLSlots {
		e.urlSlots.Clear()
		e.nURLSlots.Store(1)
	}
	e.urlSlots.Store(base, v)
	return v.(*endpointSlots), key
}

// perNode is this node's share of MaxPerEndpoint: the cap divided by the
// live nodes, rounded up, at least one. It is read at every request, so a
// node joining or leaving changes the share without a restart.
func (e *Engine) perNode() int {
	n := e.opts.MaxPerEndpoint
	if n <= 0 {
		n = DefaultMaxPerEndpoint
	}
	nodes := 1
	if e.deps.Nodes != nil {
		nodes = max(e.deps.Nodes(), 1)
	}
	return max((n+nodes-1)/nodes, 1)
}

// endpointSlots counts the requests open to one developer server; freed is
// closed (and replaced) whenever one ends while others wait, waking them.
type endpointSlots struct {
	key     string // scheme://host
	mu      sync.Mutex
	used    int
	waiting int
	freed   chan struct{}
}

func (s *endpointSlots) release() {
	s.mu.Lock()
	s.used--
	if s.waiting > 0 {
		close(s.freed)
		s.freed = make(chan struct{})
	}
	s.mu.Unlock()
}

func (e *Engine) post(ctx context.Context, target string, body string) (int, []byte, error) {
	release, err := e.slot(ctx, target)
	if err != nil {
		return 0, nil, err
	}
	defer release()
	if e.deps.Fast != nil {
		return e.postFast(ctx, target, body)
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = pushHeader // read only: neither the client nor the transport changes a request's header
	res, err := e.client().Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, noteErr("why.timeout", e.timeout().String())
		}
		return 0, nil, err // why() describes it
	}
	defer res.Body.Close()
	b, err := readResponse(res)
	if err != nil {
		return 0, nil, noteErr("why.read", err.Error())
	}
	return res.StatusCode, b, nil
}

// postFast is post over the fasthttp client. fasthttp cannot abort a
// request, so under a context that can end the request runs on its own
// goroutine and post returns when either ends; a request left behind
// ends by its deadline and frees its connection then.
func (e *Engine) postFast(ctx context.Context, target string, body string) (int, []byte, error) {
	req, res := fastRequest(target, body), fasthttp.AcquireResponse()
	deadline := time.Now().Add(e.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	do := func() (int, []byte, error) {
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(res)
		if err := e.deps.Fast.DoDeadline(req, res, deadline); err != nil {
			switch {
			case errors.Is(err, fasthttp.ErrTimeout):
				return 0, nil, noteErr("why.timeout", e.timeout().String())
			case errors.Is(err, fasthttp.ErrBodyTooLarge):
				return 0, nil, noteErr("why.read", err.Error())
			case errors.Is(err, fasthttp.ErrConnectionClosed):
				return 0, nil, io.EOF // as net/http says it
			}
			return 0, nil, err // why() describes it
		}
		b := res.Body()
		if bytes.EqualFold(res.Header.ContentEncoding(), []byte("gzip")) {
			// Asked for (Accept-Encoding above), so undone here as net/http
			// does, to at most MaxResponse bytes.
			z, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return 0, nil, noteErr("why.read", err.Error())
			}
			b, err = io.ReadAll(io.LimitReader(z, MaxResponse))
			if err != nil {
				return 0, nil, noteErr("why.read", err.Error())
			}
			return res.StatusCode(), b, nil
		}
		return res.StatusCode(), append([]byte(nil), b...), nil
	}
	if ctx.Done() == nil {
		return do()
	}
	type result struct {
		status int
		b      []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		status, b, err := do()
		done <- result{status, b, err}
	}()
	select {
	case r := <-done:
		return r.status, r.b, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, nil, noteErr("why.timeout", e.timeout().String())
		}
		return 0, nil, ctx.Err()
	}
}

// fastRequest is a push's request for the fasthttp client (released by
// the caller): the header as net/http writes it, field for field and in
// its order (fasthttp's own order differs): Host, User-Agent,
// Content-Length (filled in when the request is written), Content-Type,
// Accept-Encoding.
func fastRequest(target, body string) *fasthttp.Request {
	req := fasthttp.AcquireRequest()
	req.Header.DisableSpecialHeader()
	req.SetRequestURI(target)
	req.Header.SetMethod(http.MethodPost)
	req.Header.Set("Host", string(req.URI().Host()))
	req.Header.Set("User-Agent", "Mozilla/4.0")
	req.Header.Set("Content-Length", "0")
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept-Encoding", "gzip")
	req.SetBodyString(body)
	return req
}

// pushHeader is the header of every push, as WeChat sends it.
var pushHeader = http.Header{"Content-Type": {"text/xml"}, "User-Agent": {"Mozilla/4.0"}}

// readResponse reads the answer's body, at most MaxResponse bytes, into a
// buffer of its announced length when it has one: most answers are
// "success" or a short reply.
func readResponse(res *http.Response) ([]byte, error) {
	n := int64(512)
	if res.ContentLength >= 0 && res.ContentLength < MaxResponse {
		n = res.ContentLength + 1 // and room to see the end
	}
	b := make([]byte, 0, n)
	r := io.LimitReader(res.Body, MaxResponse)
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
	}
}

// readReply interprets the server's answer by mode, explaining each check.
func (e *Engine) readReply(set *Settings, cipher *wxcrypt.Cipher, in *wxmsg.Message, body []byte, d *Delivery) (*wxmsg.Reply, error) {
	if wxmsg.IsNoReply(body) {
		d.Checks = append(d.Checks, check(true, "read.none"))
		return nil, nil
	}
	plain := body
	if set.Encrypted() {
		env, err := wxmsg.ParseEncryptedReply(body)
		switch {
		case errors.Is(err, wxmsg.ErrNotEncrypted) && set.Mode == Compatible:
			d.Checks = append(d.Checks, check(true, "read.plain"))
		case errors.Is(err, wxmsg.ErrNotEncrypted):
			e.fail(d, "read.safe")
			return nil, err
		case err != nil:
			e.fail(d, "read.xml", err.Error())
			return nil, err
		default:
			want := wxcrypt.MsgSignature(set.Token, env.TimeStamp, env.Nonce, env.Encrypt)
			if !wxcrypt.CheckMsgSignature(set.Token, env.TimeStamp, env.Nonce, env.Encrypt, env.MsgSignature) {
				e.fail(d, "msgsig.bad", env.TimeStamp, env.Nonce, want, env.MsgSignature)
				return nil, wxmsg.ErrBadSignature
			}
			d.Checks = append(d.Checks, check(true, "msgsig", want))
			p, appid, err := cipher.Decrypt(env.Encrypt)
			if err != nil {
				e.fail(d, "decrypt.no", err.Error())
				return nil, err
			}
			if err := wxcrypt.CheckAppID(cipher.AppID(), appid); err != nil {
				e.fail(d, "decrypt.app", appid, cipher.AppID())
				return nil, err
			}
			d.Checks = append(d.Checks, check(true, "decrypt", strconv.Itoa(len(p)), appid))
			plain = p
			if wxmsg.IsNoReply(plain) {
				d.Checks = append(d.Checks, check(true, "read.empty"))
				return nil, nil
			}
		}
	}
	r, err := wxmsg.ParseReply(plain)
	if err == nil {
		err = r.ValidateFor(in)
	}
	if err != nil {
		e.fail(d, "parse.no", err.Error())
		return nil, err
	}
	if r.ToUserName != "" && r.ToUserName != in.FromUserName {
		d.Checks = append(d.Checks, check(true, "parse.to", r.ToUserName, in.FromUserName))
	} else {
		d.Checks = append(d.Checks, check(true, "parse", r.MsgType))
	}
	return r, nil
}

func describeReply(r *wxmsg.Reply) Note {
	switch r.MsgType {
	case wxmsg.TypeText:
		return note("r.text", r.Content)
	case wxmsg.TypeNews:
		return note("r.news", strconv.Itoa(len(r.Articles)))
	case wxmsg.TypeTransferCustomerService:
		return note("r.transfer")
	case wxmsg.TypeImage, wxmsg.TypeVoice, wxmsg.TypeVideo, wxmsg.TypeMusic:
		return note("r." + r.MsgType)
	}
	return note("r.other", r.MsgType)
}

// toMessages turns a passive reply into what the follower receives.
func (e *Engine) toMessages(ctx context.Context, a *account.Account, r *wxmsg.Reply) ([]message.Reply, error) {
	rep := message.Reply{Sender: message.SenderDeveloper}
	mediaBody := func(mediaID string) (message.Body, error) {
		it, err := e.deps.TempMedia.Get(ctx, a.ID, mediaID)
		if err != nil {
			return message.Body{}, noteErr("reply.media", mediaID)
		}
		return message.Body{MediaKey: it.Key, MediaType: it.ContentType, MediaID: mediaID}, nil
	}
	var err error
	switch r.MsgType {
	case wxmsg.TypeText:
		rep.Kind, rep.Body = message.KindText, message.Body{Text: r.Content}
	case wxmsg.TypeImage:
		rep.Kind = message.KindImage
		rep.Body, err = mediaBody(r.Image.MediaID)
	case wxmsg.TypeVoice:
		rep.Kind = message.KindVoice
		rep.Body, err = mediaBody(r.Voice.MediaID)
	case wxmsg.TypeVideo:
		rep.Kind = message.KindVideo
		rep.Body, err = mediaBody(r.Video.MediaID)
		rep.Body.Title, rep.Body.Description = r.Video.Title, r.Video.Description
	case wxmsg.TypeMusic:
		rep.Kind = message.KindMusic
		rep.Body = message.Body{Title: r.Music.Title, Description: r.Music.Description, URL: r.Music.MusicURL}
	case wxmsg.TypeNews:
		rep.Kind = message.KindNews
		for _, it := range r.Articles {
			rep.Body.Articles = append(rep.Body.Articles, message.Article{Title: it.Title, Description: it.Description, URL: it.URL, PicURL: it.PicURL})
		}
	case wxmsg.TypeTransferCustomerService:
		return nil, nil // the conversation waits in the inbox
	default:
		return nil, noteErr("reply.type", r.MsgType)
	}
	if err != nil {
		return nil, err
	}
	return []message.Reply{rep}, nil
}

// Verify runs the URL handshake: GET url?signature&timestamp&nonce&echostr,
// which must answer with the echostr. It records the attempt and returns a
// form error on the url field explaining a failure.
func (e *Engine) Verify(ctx context.Context, a *account.Account, set *Settings) (_ *Delivery, err error) {
	defer errs.Wrap(&err, "push.Engine.Verify(%d)", a.ID)
	start := time.Now()
	ts := strconv.FormatInt(e.deps.Clock.Now().Unix(), 10)
	n := nonce()
	echo := nonce() + nonce()
	q := url.Values{}
	q.Set("signature", wxcrypt.Signature(set.Token, ts, n))
	q.Set("echostr", echo)
	q.Set("timestamp", ts)
	q.Set("nonce", n)
	d := &Delivery{AccountID: a.ID, Kind: KindVerify, Summary: note("m.verify"), Mode: set.Mode, URL: set.URL, Query: q.Encode(), Attempts: 1}
	d.Checks = append(d.Checks, check(true, "sign"))
	target := set.URL
	if strings.Contains(target, "?") {
		target += "&" + d.Query
	} else {
		target += "?" + d.Query
	}
	var problem Note
	var refusal *errs.Error // the form's error, one message of the catalogue per kind of failure
	cctx, cancel := context.WithTimeout(ctx, e.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, target, nil)
	if err == nil {
		req.Header.Set("User-Agent", "Mozilla/4.0")
		var res *http.Response
		res, err = e.client().Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			res.Body.Close()
			d.StatusCode, d.Response = res.StatusCode, outbound.Excerpt(b, excerptLen)
			switch {
			case res.StatusCode != http.StatusOK:
				problem = note("echo.status", strconv.Itoa(res.StatusCode))
				refusal = errs.FieldInvalid("url", "URL verification failed: your server answered HTTP %s. It must answer 200 with the echostr.", strconv.Itoa(res.StatusCode))
			case strings.TrimSpace(string(b)) != echo:
				problem = note("echo.wrong", clipShort(string(b)), echo)
				refusal = errs.FieldInvalid("url", "URL verification failed: your server answered %q, but it must answer exactly the echostr %q. Check that it uses the same Token.", clipShort(string(b)), echo)
			}
		}
	}
	if err != nil {
		problem = note("echo.down", nest(why(err))...)
		refusal = unreachable(err)
	}
	d.Duration = time.Since(start)
	if !problem.IsZero() {
		e.fail(d, problem.Code, problem.Args...)
	} else {
		d.OK = true
		d.Checks = append(d.Checks, check(true, "echo"))
	}
	if rerr := e.deps.Store.Record(context.WithoutCancel(ctx), d); rerr != nil && e.deps.Log != nil {
		e.deps.Log.Error("push log", slog.Int64("account_id", a.ID), slog.Any("error", rerr))
	}
	if !problem.IsZero() {
		return d, refusal
	}
	return d, nil
}

// unreachable is the form's error for a handshake that got no answer, one
// message per kind of failure so that each reads whole in the viewer's
// language; an unforeseen failure says the server could not be reached,
// with the error in Go's words quoted after it (content, in English).
func unreachable(err error) *errs.Error {
	var dns *net.DNSError
	switch b, blocked := outbound.Blocked(err); {
	case blocked && b.Addr.IsValid():
		return errs.FieldInvalid("url", "URL verification failed: Herald does not connect to %s, which is not a public address. Use a public address (the platform operator can allow private ranges with --outbound-allow).", b.Addr.String())
	case blocked:
		return errs.FieldInvalid("url", "URL verification failed: Herald connects only to public addresses over TCP. Use a public address (the platform operator can allow private ranges with --outbound-allow).")
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return errs.FieldInvalid("url", "URL verification failed: your server did not answer in time.")
	case errors.As(err, &dns):
		return errs.FieldInvalid("url", "URL verification failed: the name %s could not be found. Check the URL's host name.", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return errs.FieldInvalid("url", "URL verification failed: your server refused the connection. Check that it listens on the URL's port.")
	case isTLS(err):
		return errs.FieldInvalid("url", "URL verification failed: the secure connection to your server failed. Check its HTTPS certificate.")
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errs.FieldInvalid("url", "URL verification failed: your server closed the connection before answering.")
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH):
		return errs.FieldInvalid("url", "URL verification failed: the network of your server cannot be reached.")
	}
	// The error in Go's words, quoted after the sentence (in English).
	return errs.FieldInvalid("url", "URL verification failed: your server could not be reached: %s", errs.Quote(outbound.Describe(err)))
}

// isTLS reports whether err is a failure of the TLS handshake or of the
// server's certificate.
func isTLS(err error) bool {
	var rec tls.RecordHeaderError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &rec) || errors.As(err, &cert) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// excerptLen is how much of an answer that is not a valid reply the push
// log keeps: enough to recognise a mistake, never a whole page.
const excerptLen = 200

func clipShort(s string) string { return outbound.Excerpt([]byte(s), 80) }

// Replay sends a logged delivery again with the account's current
// settings (freshly signed and encrypted, same message and dedupe key).
// The reply is shown in the log only; the follower does not receive it.
func (e *Engine) Replay(ctx context.Context, accountID, deliveryID int64) (_ *Delivery, err error) {
	defer errs.Wrap(&err, "push.Engine.Replay(%d, %d)", accountID, deliveryID)
	old, err := e.deps.Store.Delivery(ctx, accountID, deliveryID)
	if err != nil {
		return nil, err
	}
	a, err := e.deps.Accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	set, err := e.deps.Store.Get(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if set.URL == "" {
		return nil, errs.Conflictf("Set your server's URL first.")
	}
	if old.Kind == KindVerify {
		d, err := e.Verify(ctx, a, set)
		if err != nil && d == nil {
			return nil, err
		}
		return d, nil
	}
	msg, err := wxmsg.ParseMessage([]byte(old.Plain))
	if err != nil {
		return nil, errs.Conflictf("This delivery cannot be replayed: %v", err)
	}
	d, _ := e.Deliver(ctx, a, set, msg, old.PersonID, old.Kind, old.ID)
	return d, nil
}
