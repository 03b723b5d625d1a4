package wxapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

// client calls the API as an SDK would.
type client struct {
	t    *testing.T
	base string
}

func newClient(t *testing.T, h *heraldtest.Herald) *client { return &client{t: t, base: h.URL} }

// start runs Herald and returns a client and an access token of its Service
// account.
func start(t *testing.T) (*heraldtest.Herald, *client, string) {
	t.Helper()
	h := heraldtest.New(t)
	c := newClient(t, h)
	return h, c, c.token(h.Service)
}

type result = wxapitest.Result

func (c *client) do(req *http.Request) (result, []byte, *http.Response) {
	c.t.Helper()
	res, b := wxapitest.Fetch(c.t, req)
	if res.StatusCode != 200 {
		return nil, b, res
	}
	var out result
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s: not JSON: %s", req.URL.Path, b)
		}
	}
	return out, b, res
}

func (c *client) get(path string, q url.Values) result {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path+"?"+q.Encode(), nil)
	r, _, _ := c.do(req)
	return r
}

func (c *client) post(path, token string, body any) result {
	c.t.Helper()
	b, _ := json.Marshal(body)
	u := c.base + path
	if token != "" {
		u += "?access_token=" + url.QueryEscape(token)
	}
	req, _ := http.NewRequest("POST", u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	r, _, _ := c.do(req)
	return r
}

func (c *client) token(a *heraldtest.Account) string {
	c.t.Helper()
	r := c.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {a.AppID}, "secret": {a.AppSecret}})
	tok := r.Str("access_token")
	if tok == "" {
		c.t.Fatalf("no token: %v", r)
	}
	return tok
}

func (c *client) call(path, token string, q url.Values) result {
	c.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", token)
	return c.get(path, q)
}

func (c *client) upload(path, token, typ, filename string, data []byte) result {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", filename)
	fw.Write(data)
	mw.Close()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	u := c.base + path + sep + "access_token=" + url.QueryEscape(token)
	if typ != "" {
		u += "&type=" + typ
	}
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r, _, _ := c.do(req)
	return r
}

func wantCode(t *testing.T, what string, r result, code int) {
	t.Helper()
	wxapitest.WantCode(t, what, r, code)
}

func pngImage(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustReq(t *testing.T, method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
