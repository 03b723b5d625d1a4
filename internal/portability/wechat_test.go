package portability_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/wxclient"
)

// pngOf is a small PNG of one colour.
func pngOf(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := 0; x < 8; x++ {
		for y := 0; y < 6; y++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a file as the multipart "media" field of an API call.
func upload(t *testing.T, c *wxclient.Client, path string, data []byte, out any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("media", "picture.png")
	w.Write(data)
	mw.Close()
	res, err := http.Post(c.BaseURL+path+"&access_token="+url.QueryEscape(c.Token), mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %s", path, b)
	}
}

// apiClient is a developer's client of an account on s.
func apiClient(t *testing.T, s *apptest.Server, a *account.Account) *wxclient.Client {
	t.Helper()
	cred, err := s.App.Accounts.IssueCredentials(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := &wxclient.Client{BaseURL: s.URL, AppID: cred.AppID, Secret: cred.AppSecret, Backoff: time.Millisecond}
	if err := c.FetchToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// call is an API call that must succeed; its answer is decoded as JSON.
func call(t *testing.T, c *wxclient.Client, method, path string, q url.Values, body any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := c.Call(context.Background(), method, path, q, body, &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// fetch reads a file by its address.
func fetch(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, res.StatusCode)
	}
	return b
}

var (
	imgAddr = regexp.MustCompile(`<img[^>]*\ssrc="([^"]+)"`)
	tags    = regexp.MustCompile(`<[^>]*>`)
)

// articlesOf is what a reader sees of an account's publications through
// the API: each article's texts, the text of its body, and the checksums of
// its body's images and cover, in the API's order.
func articlesOf(t *testing.T, c *wxclient.Client, path string) []string {
	t.Helper()
	var out []string
	for off := 0; ; off += 20 {
		var pg struct {
			Total int `json:"total_count"`
			Item  []struct {
				Content struct {
					NewsItem []struct {
						Title, Author, Digest, Content, ThumbURL string
						ContentSourceURL                         string `json:"content_source_url"`
						Thumb                                    string `json:"thumb_url"`
						NeedOpenComment                          int    `json:"need_open_comment"`
					} `json:"news_item"`
				} `json:"content"`
			} `json:"item"`
		}
		if err := c.Call(context.Background(), http.MethodPost, path, nil, map[string]any{"offset": off, "count": 20}, &pg); err != nil {
			t.Fatal(err)
		}
		for _, it := range pg.Item {
			for _, a := range it.Content.NewsItem {
				line := strings.Join([]string{a.Title, a.Author, a.Digest, a.ContentSourceURL, strings.Join(strings.Fields(tags.ReplaceAllString(a.Content, " ")), " ")}, " | ")
				for _, m := range imgAddr.FindAllStringSubmatch(a.Content, -1) {
					sum := sha256.Sum256(fetch(t, m[1]))
					line += " img:" + hex.EncodeToString(sum[:4])
				}
				if a.Thumb != "" {
					sum := sha256.Sum256(fetch(t, a.Thumb))
					line += " cover:" + hex.EncodeToString(sum[:4])
				}
				out = append(out, line)
			}
		}
		if off+len(pg.Item) >= pg.Total || len(pg.Item) == 0 {
			return out
		}
	}
}

// followersOf is each follower's openid, remark, tags and blacklist flag.
func followersOf(t *testing.T, c *wxclient.Client) []string {
	t.Helper()
	ids := call(t, c, http.MethodGet, "/cgi-bin/user/get", nil, nil)
	var list []any
	if d, ok := ids["data"].(map[string]any); ok {
		list, _ = d["openid"].([]any)
	}
	black := map[string]bool{}
	bl := call(t, c, http.MethodPost, "/cgi-bin/tags/members/getblacklist", nil, map[string]string{"begin_openid": ""})
	if d, ok := bl["data"].(map[string]any); ok {
		for _, o := range d["openid"].([]any) {
			black[o.(string)] = true
		}
	}
	var out []string
	for i := 0; i < len(list); i += 100 {
		var req struct {
			UserList []map[string]string `json:"user_list"`
		}
		for _, o := range list[i:min(i+100, len(list))] {
			req.UserList = append(req.UserList, map[string]string{"openid": o.(string)})
		}
		var res struct {
			List []struct {
				OpenID  string  `json:"openid"`
				Remark  string  `json:"remark"`
				Tags    []int64 `json:"tagid_list"`
				Scene   string  `json:"subscribe_scene"`
				Subject int64   `json:"subscribe_time"`
			} `json:"user_info_list"`
		}
		if err := c.Call(context.Background(), http.MethodPost, "/cgi-bin/user/info/batchget", nil, req, &res); err != nil {
			t.Fatal(err)
		}
		for _, u := range res.List {
			b, _ := json.Marshal(u)
			line := string(b)
			if black[u.OpenID] {
				line += " blacklisted"
			}
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out
}

// countingProxy forwards to a Herald, counting calls by path, and answers
// 45009 (daily quota reached) for the paths in quota.
type countingProxy struct {
	mu    sync.Mutex
	calls map[string]int
	quota map[string]bool
	next  http.Handler
}

func (p *countingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.calls[r.URL.Path]++
	over := p.quota[r.URL.Path]
	p.mu.Unlock()
	if over {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errcode":45009,"errmsg":"reach max api daily quota limit"}`)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *countingProxy) reset(quota ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = map[string]int{}
	p.quota = map[string]bool{}
	for _, q := range quota {
		p.quota[q] = true
	}
}

// TestImportFromWeChatThroughTheAPI moves the demo's Service account from
// one Herald, acting as WeChat through its developer API only, into another:
// articles with their images and covers, drafts, materials, menus,
// auto-replies, tags, followers and templates read the same through the
// target's API. The pull stops at a daily quota and continues where it
// stopped.
func TestImportFromWeChatThroughTheAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, accts := seeded(t)
	harbour := accts["harbour"]
	sc := apiClient(t, src, harbour)

	// An image material as a cover, an image inside a draft's body, and a
	// follower blacklisted, so that each travels.
	var mat struct {
		MediaID string `json:"media_id"`
	}
	upload(t, sc, "/cgi-bin/material/add_material?type=image", pngOf(t, color.RGBA{200, 30, 30, 255}), &mat)
	var inline struct {
		URL string `json:"url"`
	}
	upload(t, sc, "/cgi-bin/media/uploadimg?x=1", pngOf(t, color.RGBA{30, 30, 200, 255}), &inline)
	if mat.MediaID == "" || inline.URL == "" {
		t.Fatalf("uploads: %+v %+v", mat, inline)
	}
	call(t, sc, http.MethodPost, "/cgi-bin/draft/add", nil, map[string]any{"articles": []map[string]any{{
		"title": "Our new branch", "author": "Harbour Bank", "digest": "Opening on Monday",
		"content":        `<p>Come and see <b>the new branch</b>.</p><p><img src="` + inline.URL + `"></p>`,
		"thumb_media_id": mat.MediaID, "need_open_comment": 1}}})
	ids := call(t, sc, http.MethodGet, "/cgi-bin/user/get", nil, nil)
	first := ids["data"].(map[string]any)["openid"].([]any)[0].(string)
	call(t, sc, http.MethodPost, "/cgi-bin/tags/members/batchblacklist", nil, map[string]any{"openid_list": []string{first}})
	call(t, sc, http.MethodPost, "/cgi-bin/user/info/updateremark", nil, map[string]any{"openid": first, "remark": "Moved from WeChat"})

	proxy := &countingProxy{next: httputil.NewSingleHostReverseProxy(mustURL(t, src.URL))}
	proxy.reset("/cgi-bin/freepublish/batchget")
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	pc := &wxclient.Client{BaseURL: ps.URL, AppID: sc.AppID, Secret: sc.Secret, Backoff: time.Millisecond}
	dir := t.TempDir()

	// The first run stops at the quota, keeping what it read.
	err := portability.PullWeChat(ctx, pc, dir, nil)
	var qe *portability.QuotaError
	if !errors.As(err, &qe) || !strings.Contains(err.Error(), "45009") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("pull past the quota: %v", err)
	}
	if proxy.calls["/cgi-bin/user/get"] == 0 || proxy.calls["/cgi-bin/draft/batchget"] == 0 {
		t.Fatalf("the first run read nothing before the quota: %v", proxy.calls)
	}
	// The second continues: what was read is not asked again.
	proxy.reset()
	var steps []string
	if err := portability.PullWeChat(ctx, pc, dir, func(p portability.PullProgress) {
		if len(steps) == 0 || steps[len(steps)-1] != p.Step {
			steps = append(steps, p.Step)
		}
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/cgi-bin/user/get", "/cgi-bin/user/info/batchget", "/cgi-bin/draft/batchget", "/cgi-bin/material/get_material", "/cgi-bin/tags/get"} {
		if proxy.calls[p] != 0 {
			t.Errorf("the second run asked %s again (%d times)", p, proxy.calls[p])
		}
	}
	if proxy.calls["/cgi-bin/freepublish/batchget"] == 0 || proxy.calls["/cgi-bin/menu/get"] == 0 {
		t.Errorf("the second run did not read the rest: %v", proxy.calls)
	}
	if len(steps) < 10 {
		t.Errorf("progress steps: %v", steps)
	}
	// Another account's pull cannot go into the same directory.
	other := &wxclient.Client{BaseURL: ps.URL, AppID: "wx0000000000000000", Secret: "x"}
	if err := portability.PullWeChat(ctx, other, dir, nil); err == nil || !strings.Contains(err.Error(), "another directory") {
		t.Errorf("a second account in the same directory: %v", err)
	}

	archive := filepath.Join(t.TempDir(), "harbour.zip")
	rep, err := portability.BuildWeChatArchive(dir, archive, portability.AccountData{Name: "Harbour Bank", Type: account.Service,
		Region: account.International, Timezone: "Asia/Shanghai"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Followers == 0 || rep.Blacklisted != 1 || rep.Materials != 1 || rep.Drafts == 0 || rep.Published == 0 || rep.Images < 2 ||
		rep.MenuButtons == 0 || rep.Rules == 0 || rep.Templates == 0 || rep.Tags == 0 {
		t.Errorf("report: %+v", rep)
	}

	dst := apptest.New(t)
	target := newTarget(t, dst, "Harbour Bank", account.Service, account.International)
	// Verified, as the source is: tags and templates are verified accounts' APIs.
	if _, err := dst.App.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`, time.Now().AddDate(1, 0, 0).UnixMicro(), target.ID); err != nil {
		t.Fatal(err)
	}
	res, err := importFile(t, dst, target.ID, archive)
	if err != nil {
		t.Fatal(err)
	}
	if res.Followers != rep.Followers {
		t.Errorf("imported %d followers, read %d", res.Followers, rep.Followers)
	}
	// The same pull built again is the same archive: importing it changes nothing.
	again := filepath.Join(t.TempDir(), "again.zip")
	if _, err := portability.BuildWeChatArchive(dir, again, portability.AccountData{Name: "Harbour Bank", Type: account.Service,
		Region: account.International, Timezone: "Asia/Shanghai"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := importFile(t, dst, target.ID, again); err != nil || !res.AlreadyImported {
		t.Errorf("second import: %+v %v", res, err)
	}

	// Read back through the target's API, as a developer would, at once:
	// the import gave the files their addresses (no media audit has run).
	var files, untokened int
	if err := dst.App.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN token = '' THEN 1 ELSE 0 END), 0)
		FROM media_assets WHERE account_id = ?`, target.ID).Scan(&files, &untokened); err != nil {
		t.Fatal(err)
	}
	if files == 0 || untokened != 0 {
		t.Errorf("after the import, %d of %d files have no address", untokened, files)
	}
	dc := apiClient(t, dst, target)
	for _, p := range []string{"/cgi-bin/freepublish/batchget", "/cgi-bin/draft/batchget"} {
		want, got := articlesOf(t, sc, p), articlesOf(t, dc, p)
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", p, got, want)
		}
	}
	var sawImages bool
	for _, a := range articlesOf(t, dc, "/cgi-bin/draft/batchget") {
		if strings.Contains(a, "img:") && strings.Contains(a, "cover:") {
			sawImages = true
		}
	}
	if !sawImages {
		t.Error("the draft's image and cover did not travel")
	}
	for _, p := range []string{"/cgi-bin/menu/get", "/cgi-bin/get_current_autoreply_info", "/cgi-bin/tags/get", "/cgi-bin/template/get_all_private_template",
		"/cgi-bin/template/get_industry"} {
		want, got := call(t, sc, http.MethodGet, p, nil, nil), call(t, dc, http.MethodGet, p, nil, nil)
		if b, _ := json.Marshal(want); len(b) < 40 {
			t.Errorf("%s: the source has too little to compare: %s", p, b)
		}
		dropMenuIDs(want)
		dropMenuIDs(got)
		if !reflect.DeepEqual(got, want) {
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			t.Errorf("%s:\n got %s\nwant %s", p, gb, wb)
		}
	}
	if want, got := followersOf(t, sc), followersOf(t, dc); len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("followers differ:\n got %d %q\nwant %d %q", len(got), got[:min(3, len(got))], len(want), want[:min(3, len(want))])
	}
}

// dropMenuIDs drops what differs between platforms by design: menu ids.
func dropMenuIDs(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "menuid")
		for _, e := range x {
			dropMenuIDs(e)
		}
	case []any:
		for _, e := range x {
			dropMenuIDs(e)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
