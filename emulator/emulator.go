// Package emulator starts `herald emulate` in-process for a bot's tests and
// wraps its control API (docs/emulator.md):
//
//	emu, err := emulator.Start(ctx, emulator.Options{PushURL: bot.URL, Token: "tok", Mode: "safe", AESKey: key})
//	defer emu.Close()
//	// point the SDK at emu.URL with emu.AppID / emu.Secret, then:
//	res, err := emu.Follow("ada", "")        // subscribe event → the bot
//	res, err = emu.Send(res.Follower.OpenID, "hello")
//	fmt.Println(res.Messages[0].Text)        // the bot's passive reply
//	emu.Advance(7201 * time.Second)          // the access token has expired
package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/cli"
)

// Options set the account's credentials and message push; empty ones are
// generated (push stays off without PushURL).
type Options struct {
	Name    string
	Type    string // "service" (default) or "subscription"
	AppID   string
	Secret  string
	Token   string
	AESKey  string // EncodingAESKey, 43 characters
	PushURL string
	Mode    string // "plaintext" (default), "compatible" or "safe"
	DataDir string // default: a temporary directory, removed on Close
	// InMemory keeps the database and media in memory (nothing on disk);
	// it excludes DataDir.
	InMemory bool
	// PushTimeout is how long a push waits for the bot's answer; default
	// WeChat's 5 s. Shorten it to make delay faults quick in tests.
	PushTimeout time.Duration
}

// AccountOptions describe another account (AddAccount); empty
// credentials are generated.
type AccountOptions struct {
	Name    string `json:"name,omitempty"`
	Type    string `json:"type,omitempty"` // "service" (default) or "subscription"
	AppID   string `json:"appid,omitempty"`
	Secret  string `json:"secret,omitempty"`
	Token   string `json:"token,omitempty"`
	AESKey  string `json:"encoding_aes_key,omitempty"`
	PushURL string `json:"push_url,omitempty"`
	Mode    string `json:"mode,omitempty"`
}

// Info is what the emulator printed when ready.
type Info struct {
	BaseURL        string  `json:"base_url"`
	ControlURL     string  `json:"control_url"`
	DataDir        string  `json:"data_dir"`
	InMemory       bool    `json:"in_memory"`
	ReadyMS        float64 `json:"ready_ms"`
	AccountID      string  `json:"account_id"`
	Name           string  `json:"name"`
	Type           string  `json:"type"`
	AppID          string  `json:"appid"`
	Secret         string  `json:"secret"`
	OriginalID     string  `json:"original_id"`
	Token          string  `json:"token"`
	EncodingAESKey string  `json:"encoding_aes_key"`
	PushURL        string  `json:"push_url"`
	Mode           string  `json:"mode"`
}

// Emulator is a running emulator, its control API addressing one of its
// accounts: the first one, or the one AddAccount or For returned.
type Emulator struct {
	Info
	URL string // the base URL: point the SDK's api.weixin.qq.com here

	appid  string // the account addressed ("": the default one)
	root   bool   // Close stops the emulator
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

// Start starts an emulator; Close stops it.
func Start(ctx context.Context, o Options) (*Emulator, error) {
	var args []string
	add := func(flag, v string) {
		if v != "" {
			args = append(args, "--"+flag, v)
		}
	}
	add("name", o.Name)
	add("type", o.Type)
	add("appid", o.AppID)
	add("secret", o.Secret)
	add("token", o.Token)
	add("aes-key", o.AESKey)
	add("push-url", o.PushURL)
	add("mode", o.Mode)
	add("data", o.DataDir)
	if o.InMemory {
		args = append(args, "--in-memory")
	}
	if o.PushTimeout > 0 {
		args = append(args, "--push-timeout", o.PushTimeout.String())
	}
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	e := &Emulator{root: true, cancel: cancel, done: make(chan error, 1), client: &http.Client{Timeout: 120 * time.Second}}
	go func() {
		err := cli.Emulate(ctx, args, cli.Env{Stdout: pw, Stderr: &stderr, Getenv: func(string) string { return "" }})
		pw.CloseWithError(fmt.Errorf("emulator stopped: %v", err))
		e.done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		<-e.done
		return nil, fmt.Errorf("emulator: %w: %s", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err := json.Unmarshal([]byte(line), &e.Info); err != nil {
		cancel()
		<-e.done
		return nil, err
	}
	e.URL = e.BaseURL
	return e, nil
}

// Close stops the emulator and removes its temporary data. On a handle
// from AddAccount or For it does nothing: close the one Start returned.
func (e *Emulator) Close() error {
	if !e.root {
		return nil
	}
	e.cancel()
	return <-e.done
}

// AddAccount creates another ready account in the emulator and returns a
// handle whose methods act on it (its followers, its faults); the clock
// is shared.
func (e *Emulator) AddAccount(o AccountOptions) (*Emulator, error) {
	var info Info
	if err := e.call("POST", "accounts", o, &info); err != nil {
		return nil, err
	}
	return e.with(info), nil
}

// For returns a handle on the emulator's account with this AppID.
func (e *Emulator) For(appid string) (*Emulator, error) {
	c := *e
	c.appid, c.root = appid, false
	var info Info
	if err := c.call("GET", "account", nil, &info); err != nil {
		return nil, err
	}
	return e.with(info), nil
}

func (e *Emulator) with(info Info) *Emulator {
	c := *e
	c.root = false
	c.appid = info.AppID
	info.BaseURL, info.ControlURL, info.DataDir, info.InMemory, info.ReadyMS = e.BaseURL, e.ControlURL, e.DataDir, e.InMemory, e.ReadyMS
	c.Info = info
	return &c
}

// Message is one message of a chat, as the follower sees it.
type Message struct {
	Direction string `json:"direction"` // "in" (follower → account) or "out"
	Kind      string `json:"kind"`      // text, image, news, notice, ...
	Sender    string `json:"sender"`    // follower, developer, autoreply, system, ...
	Body      struct {
		Text     string `json:"text"`
		Title    string `json:"title"`
		URL      string `json:"url"`
		MediaID  string `json:"media_id"`
		Articles []struct {
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"articles"`
	} `json:"body"`
	// Text is Body.Text, or the first article's title for news.
	Text string `json:"-"`
}

// Follower is a virtual follower.
type Follower struct {
	PersonID  string `json:"person_id"`
	Name      string `json:"name"`
	OpenID    string `json:"openid"`
	Following bool   `json:"following"`
}

// Result is what an action returns: the messages the follower then sees
// (the passive reply, an auto-reply, or the notice when push failed).
type Result struct {
	Follower *Follower `json:"follower"`
	Messages []Message `json:"messages"`
	Error    string    `json:"error"`
}

// Faults are the faults armed on the account (see docs/emulator.md).
type Faults struct {
	FailPushes      int           `json:"fail_pushes"`      // the next N attempts get HTTP 500 without reaching the bot
	DuplicatePushes int           `json:"duplicate_pushes"` // the next N pushes are sent twice
	TimeoutPushes   int           `json:"timeout_pushes"`   // the next N attempts reach the bot but count as timed out at once
	DelayPushes     int           `json:"delay_pushes"`     // the next N attempts reach the bot, whose answer is held Delay
	Delay           time.Duration `json:"-"`                // 0: past the push timeout (the attempt times out)
	APIErrorRate    float64       `json:"api_error_rate"`   // share of API calls answered with errcode -1
	Seed            uint64        `json:"seed"`             // seed of that draw
}

// MarshalJSON sends Delay as delay_ms.
func (f Faults) MarshalJSON() ([]byte, error) {
	type plain Faults
	return json.Marshal(struct {
		plain
		DelayMS int64 `json:"delay_ms"`
	}{plain(f), f.Delay.Milliseconds()})
}

func (e *Emulator) call(method, path string, in, out any) error {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	if e.appid != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "appid=" + url.QueryEscape(e.appid)
	}
	req, err := http.NewRequest(method, e.ControlURL+path, rd)
	if err != nil {
		return err
	}
	res, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var x struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(b, &x)
		return fmt.Errorf("emulator %s %s: HTTP %d: %s", method, path, res.StatusCode, x.Error)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return err
	}
	if r, ok := out.(*Result); ok {
		for i := range r.Messages {
			m := &r.Messages[i]
			m.Text = m.Body.Text
			if m.Text == "" && len(m.Body.Articles) > 0 {
				m.Text = m.Body.Articles[0].Title
			}
		}
		if r.Error != "" {
			return errors.New(r.Error)
		}
	}
	return nil
}

// NewFollower creates a person who does not follow the account yet
// (name may be empty).
func (e *Emulator) NewFollower(name string) (*Follower, error) {
	var r Result
	if err := e.call("POST", "followers", map[string]any{"name": name}, &r); err != nil {
		return nil, err
	}
	return r.Follower, nil
}

// Follow creates the person when needed and makes them follow the account
// (by QR code when scene is not empty): a subscribe event.
func (e *Emulator) Follow(name, scene string) (*Result, error) {
	var r Result
	if err := e.call("POST", "followers/"+url.PathEscape(name)+"/follow", map[string]any{"scene": scene}, &r); err == nil {
		return &r, nil
	}
	if err := e.call("POST", "followers", map[string]any{"name": name, "follow": true, "scene": scene}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Do runs an action ("follow", "unfollow", "send", "click", "view",
// "tap", "report-location", "scan") of a follower (openid or name) on the
// account; body is the action's JSON.
func (e *Emulator) Do(follower, action string, body any) (*Result, error) {
	var r Result
	if err := e.call("POST", "followers/"+url.PathEscape(follower)+"/"+action, body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Send sends a text message.
func (e *Emulator) Send(follower, text string) (*Result, error) {
	return e.Do(follower, "send", map[string]any{"text": text})
}

// SendLocation shares a location.
func (e *Emulator) SendLocation(follower string, lat, lng float64, label string) (*Result, error) {
	return e.Do(follower, "send", map[string]any{"kind": "location", "lat": lat, "lng": lng, "label": label})
}

// SendLink shares a link.
func (e *Emulator) SendLink(follower, title, description, link string) (*Result, error) {
	return e.Do(follower, "send", map[string]any{"kind": "link", "title": title, "description": description, "url": link})
}

// SendMedia sends an image, voice, video or shortvideo (kind) file; with
// data nil, the emulator's own sample. The type is read from the file
// (contentType is not used).
func (e *Emulator) SendMedia(follower, kind, contentType string, data []byte) (*Result, error) {
	return e.Do(follower, "send", map[string]any{"kind": kind, "content_type": contentType, "data": data})
}

// Click taps a menu click button.
func (e *Emulator) Click(follower, key string) (*Result, error) {
	return e.Do(follower, "click", map[string]any{"key": key})
}

// View opens a menu link button.
func (e *Emulator) View(follower, link string) (*Result, error) {
	return e.Do(follower, "view", map[string]any{"url": link})
}

// Scan scans a parametric QR code while already following.
func (e *Emulator) Scan(follower, scene string) (*Result, error) {
	return e.Do(follower, "scan", map[string]any{"scene": scene})
}

// Unfollow unfollows (an unsubscribe event).
func (e *Emulator) Unfollow(follower string) (*Result, error) {
	return e.Do(follower, "unfollow", nil)
}

// Chat returns the follower's conversation, oldest first.
func (e *Emulator) Chat(follower string) ([]Message, error) {
	var r Result
	if err := e.call("GET", "followers/"+url.PathEscape(follower)+"/chat", nil, &r); err != nil {
		return nil, err
	}
	return r.Messages, nil
}

// Advance moves the emulator's clock forward.
func (e *Emulator) Advance(d time.Duration) error {
	return e.call("POST", "clock/advance", map[string]any{"seconds": d.Seconds()}, nil)
}

// SetFaults arms faults, replacing those armed before.
func (e *Emulator) SetFaults(f Faults) error { return e.call("POST", "faults", f, nil) }

// InvalidateToken ends the account's access tokens now (40001 next).
func (e *Emulator) InvalidateToken() error {
	return e.call("POST", "faults/invalidate-token", nil, nil)
}

// ExhaustQuota uses up today's quota of an API path (45009 next).
func (e *Emulator) ExhaustQuota(path string) error {
	return e.call("POST", "faults/exhaust-quota", map[string]any{"path": path}, nil)
}

// FolderItem is one publication of a follower's Subscriptions folder.
type FolderItem struct {
	AccountID      string    `json:"account_id"`
	AccountName    string    `json:"account_name"`
	PublicationID  string    `json:"publication_id"`
	Title          string    `json:"title"`
	FirstArticleID string    `json:"first_article_id"`
	ArticleCount   int       `json:"article_count"`
	Path           string    `json:"path"`
	CreatedAt      time.Time `json:"created_at"`
	Seen           bool      `json:"seen"`
}

// Article is what a follower sees of an article they read or liked.
type Article struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Account   string `json:"account"`
	Liked     bool   `json:"liked"`
	Following bool   `json:"following"`
	Likes     int64  `json:"likes"` // after a like
	Wows      int64  `json:"wows"`
}

// Folder returns the follower's Subscriptions folder, newest first.
func (e *Emulator) Folder(follower string) ([]FolderItem, error) {
	var out struct {
		Items []FolderItem `json:"items"`
	}
	if err := e.call("GET", "followers/"+url.PathEscape(follower)+"/folder", nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// Read opens an article as the follower.
func (e *Emulator) Read(follower, articleID string) (*Article, error) {
	var out struct {
		Article *Article `json:"article"`
	}
	err := e.call("POST", "followers/"+url.PathEscape(follower)+"/read", map[string]any{"article_id": articleID}, &out)
	return out.Article, err
}

// Like likes (on) or unlikes an article as the follower.
func (e *Emulator) Like(follower, articleID string, on bool) (*Article, error) {
	var out struct {
		Article *Article `json:"article"`
	}
	err := e.call("POST", "followers/"+url.PathEscape(follower)+"/like", map[string]any{"article_id": articleID, "on": on}, &out)
	return out.Article, err
}

// Tap taps a button of the menu the follower sees, by name
// ("Parent/Child" for a sub-button): CLICK with its key, or VIEW with its
// URL and MenuId.
func (e *Emulator) Tap(follower, button string) (*Result, error) {
	return e.Do(follower, "tap", map[string]any{"button": button})
}

// ReportLocation sends a LOCATION event (the follower's position,
// precision in metres).
func (e *Emulator) ReportLocation(follower string, lat, lng, precision float64) (*Result, error) {
	return e.Do(follower, "report-location", map[string]any{"lat": lat, "lng": lng, "precision": precision})
}

// Comment is a follower's comment on an article.
type Comment struct {
	ID        string    `json:"id"`
	ArticleID string    `json:"article_id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Comment writes a comment on an article as the follower.
func (e *Emulator) Comment(follower, articleID, text string) (*Comment, error) {
	var out struct {
		Comment *Comment `json:"comment"`
	}
	err := e.call("POST", "followers/"+url.PathEscape(follower)+"/comment", map[string]any{"article_id": articleID, "text": text}, &out)
	return out.Comment, err
}

// NewArticle is one article to publish.
type NewArticle struct {
	Title            string `json:"title"`
	Author           string `json:"author,omitempty"`
	Digest           string `json:"digest,omitempty"`
	Content          string `json:"content"`
	ContentFormat    string `json:"content_format,omitempty"` // "markdown" (default) or "html"
	SourceURL        string `json:"content_source_url,omitempty"`
	CommentsOpen     bool   `json:"comments_open,omitempty"`
	FansOnlyComments bool   `json:"fans_only_comments,omitempty"`
}

// Publication is a publication made by Publish.
type Publication struct {
	ID         string   `json:"publication_id"`
	ArticleIDs []string `json:"article_ids"`
	Path       string   `json:"path"`
	Mode       string   `json:"mode"`
	State      string   `json:"state"`
	TotalCount int64    `json:"total_count"`
	SentCount  int64    `json:"sent_count"`
	Error      string   `json:"error"`
}

// Publish publishes articles from the account now. mode "mass" (or "")
// sends them to every follower (the Subscriptions folder of a
// Subscription account's followers, the chat of a Service account's), within the
// month's mass-send quota; "publish" puts them on the profile only.
func (e *Emulator) Publish(mode string, articles ...NewArticle) (*Publication, error) {
	var p Publication
	if err := e.call("POST", "publish", map[string]any{"mode": mode, "articles": articles}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Faults returns the faults still armed on the account.
func (e *Emulator) Faults() (Faults, error) {
	var f struct {
		Faults
		DelayMS int64 `json:"delay_ms"`
	}
	err := e.call("GET", "faults", nil, &f)
	f.Faults.Delay = time.Duration(f.DelayMS) * time.Millisecond
	return f.Faults, err
}
