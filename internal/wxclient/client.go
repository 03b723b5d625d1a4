// Package wxclient calls a WeChat-compatible developer API (WeChat's own,
// or another Herald's) as a developer's program would: it fetches and renews
// the access_token, spaces its calls, retries what WeChat says is transient
// and returns WeChat's errcode answers as *APIError.
package wxclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is WeChat's API.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Client is a developer's client of one account. The zero value is not
// usable: set BaseURL, and AppID and Secret (or Token).
type Client struct {
	BaseURL string
	AppID   string
	Secret  string
	Token   string       // an access_token to start with; fetched with AppID + Secret when empty or expired
	HTTP    *http.Client // http.DefaultClient when nil
	// Interval is the least time between two requests (0: no spacing).
	Interval time.Duration
	// Retries is how many times a transient failure (errcode -1 or 45011,
	// HTTP 5xx, a broken connection) is tried again, with a doubling pause
	// from Backoff. 0 means 4.
	Retries int
	Backoff time.Duration // first pause between retries; 0 means 1 s

	mu   sync.Mutex
	next time.Time // when the next request may go
}

// APIError is an errcode answer.
type APIError struct {
	Path    string
	Code    int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: errcode %d: %s", e.Path, e.Code, e.Message)
}

// Code returns the errcode of err when it is an *APIError, else 0.
func Code(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// MaxAnswer bounds a JSON answer; Download takes its own limit.
const MaxAnswer = 16 << 20

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// wait spaces requests by Interval.
func (c *Client) wait(ctx context.Context) error {
	if c.Interval <= 0 {
		return ctx.Err()
	}
	if d := time.Until(c.reserve(time.Now())); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// reserve books the next request's start: now, or Interval after the
// previous one, whichever is later.
func (c *Client) reserve(now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.next
	if at.Before(now) {
		at = now
	}
	c.next = at.Add(c.Interval)
	return at
}

// sleep pauses for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transient reports whether err is worth another try: WeChat's "system
// busy" (-1), its frequency limit (45011), a 5xx, or a failed connection.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var e *APIError
	if errors.As(err, &e) {
		return e.Code == -1 || e.Code == 45011
	}
	var he *httpError
	if errors.As(err, &he) {
		return he.status >= 500
	}
	var ne *netError
	return errors.As(err, &ne) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// netError is a request that got no answer.
type netError struct {
	path string
	err  error
}

func (e *netError) Error() string { return e.path + ": " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// expiredToken reports the errcodes of a token that is no longer good.
func expiredToken(code int) bool { return code == 40001 || code == 40014 || code == 42001 }

type httpError struct {
	path   string
	status int
}

func (e *httpError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.path, e.status) }

// Call sends one API request and decodes its JSON answer into out (when not
// nil). body, when not nil, is sent as JSON. The access_token is added and
// renewed as needed; transient failures are retried.
func (c *Client) Call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	_, err := c.do(ctx, method, path, q, body, out, 0)
	return err
}

// File is a downloaded file.
type File struct {
	Data        []byte
	ContentType string
	Name        string // from Content-Disposition, when given
}

// CallFile sends an API request whose answer is a file (material/get_material
// for an image or voice, media/get): a JSON answer is decoded into out
// instead, or returned as *APIError. limit bounds the file.
func (c *Client) CallFile(ctx context.Context, method, path string, q url.Values, body, out any, limit int64) (*File, error) {
	return c.do(ctx, method, path, q, body, out, limit)
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any, fileLimit int64) (*File, error) {
	retries := c.Retries
	if retries <= 0 {
		retries = 4
	}
	pause := c.Backoff
	if pause <= 0 {
		pause = time.Second
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		if c.Token == "" && path != "/cgi-bin/token" {
			if err := c.FetchToken(ctx); err != nil {
				return nil, err
			}
		}
		f, err := c.once(ctx, method, path, q, body, out, fileLimit)
		if err == nil {
			return f, nil
		}
		if code := Code(err); expiredToken(code) && !renewed && c.Secret != "" {
			renewed = true
			c.Token = ""
			continue
		}
		if !transient(err) || attempt >= retries {
			return nil, err
		}
		if err := sleep(ctx, pause); err != nil {
			return nil, err
		}
		pause *= 2
	}
}

func (c *Client) once(ctx context.Context, method, path string, q url.Values, body, out any, fileLimit int64) (*File, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if c.Token != "" && path != "/cgi-bin/token" {
		v.Set("access_token", c.Token)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &netError{path: path, err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return nil, &httpError{path: path, status: res.StatusCode}
	}
	ct := res.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	isJSON := mt == "application/json" || mt == "text/plain" || mt == ""
	if fileLimit > 0 && !isJSON {
		b, err := io.ReadAll(io.LimitReader(res.Body, fileLimit+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if int64(len(b)) > fileLimit {
			return nil, fmt.Errorf("%s: the file is larger than %d bytes", path, fileLimit)
		}
		f := &File{Data: b, ContentType: mt}
		if _, p, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err == nil {
			f.Name = p["filename"]
		}
		return f, nil
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var e struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%s: the answer is not JSON: %w", path, err)
	}
	if e.ErrCode != 0 {
		return nil, &APIError{Path: path, Code: e.ErrCode, Message: e.ErrMsg}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil, nil
}

// FetchToken gets a new access_token with the AppID and AppSecret.
func (c *Client) FetchToken(ctx context.Context) error {
	if c.AppID == "" || c.Secret == "" {
		return errors.New("no access_token, and no AppID and AppSecret to get one")
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.AppID}, "secret": {c.Secret}}
	if _, err := c.do(ctx, http.MethodGet, "/cgi-bin/token", q, nil, &out, 0); err != nil {
		return err
	}
	if out.AccessToken == "" {
		return errors.New("/cgi-bin/token gave no access_token")
	}
	c.Token = out.AccessToken
	return nil
}

// Download fetches a file by its full URL (an image address inside an
// article, a video's down_url), with the client's spacing and retries.
func (c *Client) Download(ctx context.Context, rawURL string, limit int64) (*File, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) address", rawURL)
	}
	retries := c.Retries
	if retries <= 0 {
		retries = 4
	}
	pause := c.Backoff
	if pause <= 0 {
		pause = time.Second
	}
	for attempt := 0; ; attempt++ {
		f, err := c.download(ctx, u.String(), limit)
		if err == nil || !transient(err) || attempt >= retries {
			return f, err
		}
		if err := sleep(ctx, pause); err != nil {
			return nil, err
		}
		pause *= 2
	}
}

func (c *Client) download(ctx context.Context, u string, limit int64) (*File, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &netError{path: u, err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return nil, &httpError{path: u, status: res.StatusCode}
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: the file is larger than %d bytes", u, limit)
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return &File{Data: b, ContentType: mt}, nil
}
