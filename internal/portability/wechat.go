package portability

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/heraldoa/herald/internal/wxclient"
)

// Moving from WeChat happens in two steps. PullWeChat reads what the
// official API exposes into a work directory, one file per answer, so an
// interrupted pull (a broken connection, WeChat's daily quota) continues
// where it stopped when run again. BuildWeChatArchive then turns the work
// directory into an ordinary account archive, which Import validates whole
// and writes in one transaction like any other archive.

// PullProgress reports a pull's progress: the step, and how far it is.
type PullProgress struct {
	Step  string
	Done  int64
	Total int64 // 0 when not known yet
}

// QuotaError is WeChat's "daily quota reached" (45009) during a pull.
type QuotaError struct {
	Path string
	Dir  string
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("the source's daily quota for %s is used up (errcode 45009). What was read so far is kept in %s: "+
		"run the same import again after the quota resets (midnight, Beijing time, on WeChat) or after clear_quota, and it continues from there", e.Path, e.Dir)
}

// Limits on what a pull downloads.
const (
	maxMaterialBytes = 64 << 20 // a video material
	maxImageBytes    = 10 << 20 // an image inside an article, a cover
	pageSize         = 20       // batchget pages (WeChat's maximum)
	userInfoBatch    = 100      // user/info/batchget (WeChat's maximum)
)

// puller holds one pull's state.
type puller struct {
	c        *wxclient.Client
	dir      string
	progress func(PullProgress)
}

// PullWeChat reads an account's published articles, drafts, permanent
// materials, menus, auto-reply rules, tags, followers (openids, remarks,
// tags, blacklist) and templates from a WeChat-compatible API into dir.
// Files already in dir are kept, so a second run continues the first.
func PullWeChat(ctx context.Context, c *wxclient.Client, dir string, progress func(PullProgress)) error {
	if progress == nil {
		progress = func(PullProgress) {}
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o700); err != nil {
		return err
	}
	p := &puller{c: c, dir: dir, progress: progress}
	if err := p.checkSource(); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"tags", p.tags},
		{"followers", p.followers},
		{"follower details", p.userInfo},
		{"blacklist", p.blacklist},
		{"materials", p.materials},
		{"drafts", func(ctx context.Context) error { return p.pages(ctx, "drafts", "/cgi-bin/draft/batchget") }},
		{"published", func(ctx context.Context) error { return p.pages(ctx, "published", "/cgi-bin/freepublish/batchget") }},
		{"article images", p.images},
		{"menus", p.menus},
		{"auto-replies", p.autoReplies},
		{"templates", p.templates},
	}
	for _, s := range steps {
		progress(PullProgress{Step: s.name})
		if err := s.fn(ctx); err != nil {
			if wxclient.Code(err) == 45009 {
				var ae *wxclient.APIError
				errors.As(err, &ae)
				return &QuotaError{Path: ae.Path, Dir: dir}
			}
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// source.json records which account a work directory holds, so a second
// run cannot mix two accounts.
type pullSource struct {
	BaseURL string `json:"base_url"`
	AppID   string `json:"appid"`
}

func (p *puller) checkSource() error {
	want := pullSource{BaseURL: strings.TrimRight(p.c.BaseURL, "/"), AppID: p.c.AppID}
	var have pullSource
	ok, err := p.load("source.json", &have)
	if err != nil {
		return err
	}
	if ok && have != want {
		return fmt.Errorf("the work directory %s holds a pull of %s from %s, not of %s from %s: use another directory", p.dir, have.AppID, have.BaseURL, want.AppID, want.BaseURL)
	}
	return p.save("source.json", want)
}

// load reads name from the work directory into v; false when absent.
func (p *puller) load(name string, v any) (bool, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s in the work directory is damaged (%v): delete it to read it again", name, err)
	}
	return true, nil
}

// save writes v as name, atomically: a file that exists is complete.
func (p *puller) save(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(p.dir, name), b)
}

// writeAtomic writes a file under a temporary name of its own and renames
// it, so a reader never sees half a file, even with two runs at once.
func writeAtomic(path string, b []byte) error {
	tmp := path + "." + randHex(6) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// blob keeps a downloaded file under its SHA-256 and returns it.
func (p *puller) blob(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	path := filepath.Join(p.dir, "blobs", h)
	if _, err := os.Stat(path); err == nil {
		return h, nil
	}
	return h, writeAtomic(path, data)
}

// cached calls the API once per name: the answer is kept in the work
// directory and read from there afterwards.
func (p *puller) cached(ctx context.Context, name, method, path string, body any, out any) error {
	if ok, err := p.load(name, out); ok || err != nil {
		return err
	}
	var raw json.RawMessage
	if err := p.c.Call(ctx, method, path, nil, body, &raw); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(p.dir, name), raw); err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// optional turns "this account may not use this API" (48001, the API is
// unauthorised for it; 46003, no menu) into an empty answer.
func optional(err error) error {
	switch wxclient.Code(err) {
	case 48001, 46003:
		return nil
	}
	return err
}

// wxTags is tags/get.
type wxTags struct {
	Tags []struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Count int64  `json:"count"`
	} `json:"tags"`
}

func (p *puller) tags(ctx context.Context) error {
	var t wxTags
	return optional(p.cached(ctx, "tags.json", http.MethodGet, "/cgi-bin/tags/get", nil, &t))
}

// wxOpenIDPage is a page of user/get or tags/members/getblacklist.
type wxOpenIDPage struct {
	Total int64 `json:"total"`
	Count int64 `json:"count"`
	Data  struct {
		OpenID []string `json:"openid"`
	} `json:"data"`
	NextOpenID string `json:"next_openid"`
}

// openIDPages walks a list of openids page by page, each page kept as
// prefix-NNNNN.json, and returns every openid in order.
func (p *puller) openIDPages(ctx context.Context, prefix, step string, call func(next string) (wxOpenIDPage, error)) ([]string, error) {
	var all []string
	next := ""
	for n := 0; ; n++ {
		name := fmt.Sprintf("%s-%05d.json", prefix, n)
		var pg wxOpenIDPage
		ok, err := p.load(name, &pg)
		if err != nil {
			return nil, err
		}
		if !ok {
			if pg, err = call(next); err != nil {
				return nil, err
			}
			if err := p.save(name, pg); err != nil {
				return nil, err
			}
		}
		all = append(all, pg.Data.OpenID...)
		p.progress(PullProgress{Step: step, Done: int64(len(all)), Total: pg.Total})
		if pg.Count == 0 || len(pg.Data.OpenID) == 0 || pg.NextOpenID == "" || int64(len(all)) >= pg.Total {
			return all, nil
		}
		next = pg.NextOpenID
	}
}

func (p *puller) followerIDs(ctx context.Context) ([]string, error) {
	return p.openIDPages(ctx, "users", "followers", func(next string) (wxOpenIDPage, error) {
		var pg wxOpenIDPage
		q := map[string][]string{}
		if next != "" {
			q["next_openid"] = []string{next}
		}
		err := p.c.Call(ctx, http.MethodGet, "/cgi-bin/user/get", q, nil, &pg)
		return pg, err
	})
}

func (p *puller) followers(ctx context.Context) error {
	_, err := p.followerIDs(ctx)
	return err
}

// wxUserInfo is one entry of user/info/batchget.
type wxUserInfo struct {
	Subscribe      int     `json:"subscribe"`
	OpenID         string  `json:"openid"`
	Language       string  `json:"language"`
	SubscribeTime  int64   `json:"subscribe_time"`
	Remark         string  `json:"remark"`
	TagIDList      []int64 `json:"tagid_list"`
	SubscribeScene string  `json:"subscribe_scene"`
	QRSceneStr     string  `json:"qr_scene_str"`
}

type wxUserInfoList struct {
	List []wxUserInfo `json:"user_info_list"`
}

func (p *puller) userInfo(ctx context.Context) error {
	ids, err := p.followerIDs(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < len(ids); i += userInfoBatch {
		chunk := ids[i:min(i+userInfoBatch, len(ids))]
		body := struct {
			UserList []map[string]string `json:"user_list"`
		}{}
		for _, o := range chunk {
			body.UserList = append(body.UserList, map[string]string{"openid": o, "lang": "zh_CN"})
		}
		var l wxUserInfoList
		if err := p.cached(ctx, fmt.Sprintf("userinfo-%05d.json", i/userInfoBatch), http.MethodPost, "/cgi-bin/user/info/batchget", body, &l); err != nil {
			return err
		}
		p.progress(PullProgress{Step: "follower details", Done: int64(i + len(chunk)), Total: int64(len(ids))})
	}
	return nil
}

func (p *puller) blacklistIDs(ctx context.Context) ([]string, error) {
	return p.openIDPages(ctx, "blacklist", "blacklist", func(next string) (wxOpenIDPage, error) {
		var pg wxOpenIDPage
		err := p.c.Call(ctx, http.MethodPost, "/cgi-bin/tags/members/getblacklist", nil, map[string]string{"begin_openid": next}, &pg)
		return pg, optional(err)
	})
}

func (p *puller) blacklist(ctx context.Context) error {
	_, err := p.blacklistIDs(ctx)
	return err
}

// wxMaterialPage is a page of material/batchget_material.
type wxMaterialPage struct {
	TotalCount int64 `json:"total_count"`
	ItemCount  int64 `json:"item_count"`
	Item       []struct {
		MediaID    string `json:"media_id"`
		Name       string `json:"name"`
		UpdateTime int64  `json:"update_time"`
		URL        string `json:"url"`
	} `json:"item"`
}

// pulledMaterial is a permanent material kept in the work directory.
type pulledMaterial struct {
	Type        string `json:"type"` // image, voice, video
	MediaID     string `json:"media_id"`
	Name        string `json:"name"`
	UpdateTime  int64  `json:"update_time"`
	Blob        string `json:"blob"` // SHA-256 of the file
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// materialTypes are the permanent material types a pull reads (WeChat's
// "news" materials are the drafts since 2021).
var materialTypes = []string{"image", "voice", "video"}

// materialPages reads the list of one material type.
func (p *puller) materialPages(ctx context.Context, typ string, fn func(wxMaterialPage) error) error {
	for off := int64(0); ; off += pageSize {
		var pg wxMaterialPage
		body := map[string]any{"type": typ, "offset": off, "count": pageSize}
		if err := p.cached(ctx, fmt.Sprintf("materials-%s-%05d.json", typ, off/pageSize), http.MethodPost, "/cgi-bin/material/batchget_material", body, &pg); err != nil {
			return err
		}
		if err := fn(pg); err != nil {
			return err
		}
		if pg.ItemCount == 0 || len(pg.Item) == 0 || off+int64(len(pg.Item)) >= pg.TotalCount {
			return nil
		}
	}
}

// fileName turns an id or URL into a safe file name.
func fileName(prefix, s string) string {
	sum := sha256.Sum256([]byte(s))
	return prefix + "-" + hex.EncodeToString(sum[:12]) + ".json"
}

func (p *puller) materials(ctx context.Context) error {
	for _, typ := range materialTypes {
		var done int64
		err := p.materialPages(ctx, typ, func(pg wxMaterialPage) error {
			for _, it := range pg.Item {
				name := fileName("material", it.MediaID)
				var m pulledMaterial
				if ok, err := p.load(name, &m); err != nil || ok {
					done++
					continue
				}
				m = pulledMaterial{Type: typ, MediaID: it.MediaID, Name: it.Name, UpdateTime: it.UpdateTime}
				body := map[string]string{"media_id": it.MediaID}
				var f *wxclient.File
				var err error
				if typ == "video" {
					var v struct {
						Title       string `json:"title"`
						Description string `json:"description"`
						DownURL     string `json:"down_url"`
					}
					if err = p.c.Call(ctx, http.MethodPost, "/cgi-bin/material/get_material", nil, body, &v); err == nil {
						m.Title, m.Description = v.Title, v.Description
						f, err = p.c.Download(ctx, v.DownURL, maxMaterialBytes)
					}
				} else {
					f, err = p.c.CallFile(ctx, http.MethodPost, "/cgi-bin/material/get_material", nil, body, nil, maxMaterialBytes)
					if err == nil && f == nil {
						err = fmt.Errorf("material %s: the answer is not a file", it.MediaID)
					}
				}
				if err != nil {
					return fmt.Errorf("material %s: %w", it.MediaID, err)
				}
				if m.Blob, err = p.blob(f.Data); err != nil {
					return err
				}
				m.Size, m.ContentType = int64(len(f.Data)), f.ContentType
				if err := p.save(name, m); err != nil {
					return err
				}
				done++
				p.progress(PullProgress{Step: "materials", Done: done, Total: pg.TotalCount})
			}
			return nil
		})
		if err != nil {
			return optional(err)
		}
	}
	return nil
}

// wxNewsItem is one article of draft/batchget or freepublish/batchget.
type wxNewsItem struct {
	Title              string `json:"title"`
	Author             string `json:"author"`
	Digest             string `json:"digest"`
	Content            string `json:"content"`
	ContentSourceURL   string `json:"content_source_url"`
	ThumbMediaID       string `json:"thumb_media_id"`
	ThumbURL           string `json:"thumb_url"`
	ShowCoverPic       int    `json:"show_cover_pic"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
	IsDeleted          bool   `json:"is_deleted"`
	URL                string `json:"url"` // the article's address
}

// wxNewsPage is a page of draft/batchget or freepublish/batchget.
type wxNewsPage struct {
	TotalCount int64 `json:"total_count"`
	ItemCount  int64 `json:"item_count"`
	Item       []struct {
		MediaID   string `json:"media_id"`   // drafts
		ArticleID string `json:"article_id"` // published
		Content   struct {
			NewsItem   []wxNewsItem `json:"news_item"`
			CreateTime int64        `json:"create_time"`
			UpdateTime int64        `json:"update_time"`
		} `json:"content"`
		UpdateTime int64 `json:"update_time"`
	} `json:"item"`
}

// pages reads every page of draft/batchget or freepublish/batchget.
func (p *puller) pages(ctx context.Context, prefix, path string) error {
	_, err := p.newsPages(ctx, prefix, path)
	return optional(err)
}

func (p *puller) newsPages(ctx context.Context, prefix, path string) ([]wxNewsPage, error) {
	var out []wxNewsPage
	var done int64
	for off := int64(0); ; off += pageSize {
		var pg wxNewsPage
		body := map[string]any{"offset": off, "count": pageSize, "no_content": 0}
		if err := p.cached(ctx, fmt.Sprintf("%s-%05d.json", prefix, off/pageSize), http.MethodPost, path, body, &pg); err != nil {
			return out, err
		}
		out = append(out, pg)
		done += int64(len(pg.Item))
		p.progress(PullProgress{Step: prefix, Done: done, Total: pg.TotalCount})
		if pg.ItemCount == 0 || len(pg.Item) == 0 || off+int64(len(pg.Item)) >= pg.TotalCount {
			return out, nil
		}
	}
}

// imgSrc finds image addresses in article HTML: src, and WeChat's lazy
// data-src.
var imgSrc = regexp.MustCompile(`(?i)<img\b[^>]*?\s(?:data-src|src)\s*=\s*["']([^"']+)["']`)

// articleImages lists the image addresses of the pulled articles (inside
// bodies, and covers given only by address), sorted.
func (p *puller) articleImages(ctx context.Context) ([]string, error) {
	set := map[string]bool{}
	for _, pre := range []string{"drafts", "published"} {
		pgs, err := p.loadNews(pre)
		if err != nil {
			return nil, err
		}
		for _, pg := range pgs {
			for _, it := range pg.Item {
				for _, a := range it.Content.NewsItem {
					for _, m := range imgSrc.FindAllStringSubmatch(a.Content, -1) {
						set[unescapeAttr(m[1])] = true
					}
					if a.ThumbURL != "" {
						set[a.ThumbURL] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for u := range set {
		if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out, nil
}

// loadNews reads the kept pages of drafts or published articles.
func (p *puller) loadNews(prefix string) ([]wxNewsPage, error) {
	var out []wxNewsPage
	for n := 0; ; n++ {
		var pg wxNewsPage
		ok, err := p.load(fmt.Sprintf("%s-%05d.json", prefix, n), &pg)
		if err != nil || !ok {
			return out, err
		}
		out = append(out, pg)
	}
}

func unescapeAttr(s string) string {
	return strings.NewReplacer("&amp;", "&", "&quot;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// pulledImage is an image address of an article and what it answered.
type pulledImage struct {
	URL         string `json:"url"`
	Blob        string `json:"blob,omitempty"`
	Size        int64  `json:"size,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Failed      string `json:"failed,omitempty"` // why it could not be read; the image is left out
}

func (p *puller) images(ctx context.Context) error {
	urls, err := p.articleImages(ctx)
	if err != nil {
		return err
	}
	for i, u := range urls {
		name := fileName("image", u)
		var im pulledImage
		if ok, err := p.load(name, &im); err != nil {
			return err
		} else if ok {
			continue
		}
		im.URL = u
		f, err := p.c.Download(ctx, u, maxImageBytes)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			im.Failed = err.Error()
		} else if !strings.HasPrefix(f.ContentType, "image/") {
			im.Failed = fmt.Sprintf("the address answered %q, not an image", f.ContentType)
		} else {
			if im.Blob, err = p.blob(f.Data); err != nil {
				return err
			}
			im.Size, im.ContentType = int64(len(f.Data)), f.ContentType
		}
		if err := p.save(name, im); err != nil {
			return err
		}
		p.progress(PullProgress{Step: "article images", Done: int64(i + 1), Total: int64(len(urls))})
	}
	return nil
}

// pulledMenus holds menu/get, or get_current_selfmenu_info when no menu was
// made through the API.
type pulledMenus struct {
	Menu     json.RawMessage `json:"menu_get,omitempty"`
	SelfMenu json.RawMessage `json:"selfmenu,omitempty"`
}

func (p *puller) menus(ctx context.Context) error {
	var m pulledMenus
	if ok, err := p.load("menus.json", &m); ok || err != nil {
		return err
	}
	var raw json.RawMessage
	err := p.c.Call(ctx, http.MethodGet, "/cgi-bin/menu/get", nil, nil, &raw)
	switch {
	case err == nil:
		m.Menu = raw
	case wxclient.Code(err) == 46003:
		if err := p.c.Call(ctx, http.MethodGet, "/cgi-bin/get_current_selfmenu_info", nil, nil, &raw); optional(err) != nil {
			return err
		} else if err == nil {
			m.SelfMenu = raw
		}
	default:
		return optional(err)
	}
	return p.save("menus.json", m)
}

func (p *puller) autoReplies(ctx context.Context) error {
	var raw json.RawMessage
	return optional(p.cached(ctx, "autoreply.json", http.MethodGet, "/cgi-bin/get_current_autoreply_info", nil, &raw))
}

func (p *puller) templates(ctx context.Context) error {
	var raw json.RawMessage
	if err := optional(p.cached(ctx, "industry.json", http.MethodGet, "/cgi-bin/template/get_industry", nil, &raw)); err != nil {
		return err
	}
	return optional(p.cached(ctx, "templates.json", http.MethodGet, "/cgi-bin/template/get_all_private_template", nil, &raw))
}

// imgTag is a whole <img> tag.
var imgTag = regexp.MustCompile(`(?i)<img\b[^>]*>`)
