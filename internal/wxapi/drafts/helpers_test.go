package drafts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

const (
	ownerPW  = "drafts owner password 1"
	devToken = "draftsToken7"
)

var devAESKey = wxcrypt.GenerateEncodingAESKey()

// acct is an active account with an owner signed in to the console and a
// developer access token.
type acct struct {
	*account.Account
	console *apptest.Client
	token   string
	secret  string
}

type env struct {
	t   *testing.T
	s   *apptest.Server
	ctx context.Context
}

func newEnv(t *testing.T) *env { return newEnvWith(t, app.Options{}) }

// newEnvWith starts the platform with the test's options (engine hooks).
func newEnvWith(t *testing.T, opts app.Options) *env {
	return &env{t: t, s: apptest.NewWith(t, opts), ctx: context.Background()}
}

func (e *env) account(username, name, typ string) *acct {
	e.t.Helper()
	p := e.s.CreatePerson(e.t, username, ownerPW, user.RoleNone)
	a, err := e.s.App.Accounts.Create(e.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name,
		Status: account.StatusActive, OwnerID: p.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	cred, err := e.s.App.Accounts.IssueCredentials(e.ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	a, _ = e.s.App.Accounts.ByID(e.ctx, a.ID)
	c := e.s.Client(e.t)
	c.SignIn(username, ownerPW)
	ac := &acct{Account: a, console: c, secret: cred.AppSecret}
	r := e.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {cred.AppID}, "secret": {cred.AppSecret}})
	if ac.token = r.str("access_token"); ac.token == "" {
		e.t.Fatalf("no token: %v", r)
	}
	return ac
}

// page fetches a web page (an article's preview or reading page) and
// returns its status and body.
func (e *env) page(url string) (int, string) {
	e.t.Helper()
	res, err := http.Get(url)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// msgDataID is the msg_data_id of the account's publication pubID.
func (e *env) msgDataID(a *acct, pubID int64) int64 {
	e.t.Helper()
	n, err := e.s.App.Publish.MsgDataID(e.ctx, a.ID, pubID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// mediaURL is the address Herald hands out for a library asset.
func (e *env) mediaURL(a *acct, mediaID string) string {
	e.t.Helper()
	as, err := e.s.App.Publish.Asset(e.ctx, a.ID, mediaID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as.URL()
}

// image adds a PNG to the account's media library (a permanent material).
func (e *env) image(a *acct) string {
	e.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	as, err := e.s.App.Publish.Upload(e.ctx, a.ID, publish.AssetImage, "cover.png", &b)
	if err != nil {
		e.t.Fatal(err)
	}
	return as.MediaID
}

type result map[string]any

func (r result) code() int {
	v, _ := r["errcode"].(json.Number)
	n, _ := v.Int64()
	return int(n)
}

func (r result) str(k string) string { s, _ := r[k].(string); return s }

func (r result) num(k string) float64 {
	v, _ := r[k].(json.Number)
	f, _ := v.Float64()
	return f
}

// id reads an integer exactly.
func (r result) id(k string) int64 {
	v, _ := r[k].(json.Number)
	n, _ := v.Int64()
	return n
}

func (r result) list(k string) []any { v, _ := r[k].([]any); return v }

func (r result) obj(k string) result { v, _ := r[k].(map[string]any); return v }

func (e *env) do(req *http.Request) result {
	e.t.Helper()
	res, b := wxapitest.Fetch(e.t, req)
	out, err := wxapitest.Decode(b)
	if err != nil {
		e.t.Fatalf("%s: not JSON (%d): %s", req.URL.Path, res.StatusCode, b)
	}
	return result(out)
}

func (e *env) get(path string, q url.Values) result {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.s.URL+path+"?"+q.Encode(), nil)
	return e.do(req)
}

// post sends body (marshalled unless it is a string) to the API.
func (e *env) post(a *acct, path string, body any) result {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest("POST", e.s.URL+path+sep+"access_token="+url.QueryEscape(a.token), wxapitest.Body(body))
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func wantCode(t *testing.T, what string, r result, code int) {
	t.Helper()
	wxapitest.WantCode(t, what, wxapitest.Result(r), code)
}

// runJobs runs the publishing jobs that are due, as the server's worker
// does, and waits for their PUBLISHJOBFINISH pushes.
func (e *env) runJobs() {
	e.t.Helper()
	if _, err := e.s.App.PublishEngine.RunDue(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	e.s.App.Drafts.Wait() // PUBLISHJOBFINISH pushes, queued
	e.s.App.Queue.Wait()  // and sent
}

// devServer starts a developer's server in safe mode and makes it a's.
func (e *env) devServer(a *acct) *wxapitest.DevServer {
	e.t.Helper()
	d := wxapitest.NewDevServer(e.t, a.AppID, devToken, devAESKey)
	set := &push.Settings{AccountID: a.ID, URL: d.URL, Token: devToken, AESKey: devAESKey, Mode: push.Safe, Enabled: true}
	if _, err := e.s.App.Push.Verify(e.ctx, a.Account, set); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.App.DevSettings.Save(e.ctx, set, true); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// article is a valid API article.
func article(title, thumb string) map[string]any {
	return map[string]any{"title": title, "author": "Lin", "content": "<p>About <strong>" + title + "</strong>.</p>",
		"thumb_media_id": thumb, "need_open_comment": 1}
}
