package portability

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/tmplmsg"
)

// WeChatReport says what a pull became in the archive, and what could not
// be carried.
type WeChatReport struct {
	Followers   int64
	Blacklisted int64
	Tags        int
	Materials   int
	Drafts      int
	Published   int
	Articles    int
	Images      int // article images and covers stored
	MenuButtons int
	Rules       int
	Templates   int
	LeftOut     []LeftOut // each thing left out, and why
	// Skipped is what a move reported before LeftOut: one English line
	// for each thing left out, shown as written.
	Skipped []string `json:",omitempty"`
}

func (r *WeChatReport) skip(code string, args ...string) {
	r.LeftOut = append(r.LeftOut, LeftOut{Code: code, Args: args})
}

// LeftOut is one thing a move from WeChat left out, and why: a code and
// its values, written in the reader's language when shown (In), from the
// catalogue's domain.json. Codes are stored: never change one's meaning.
type LeftOut struct {
	Code string   `json:"code"`
	Args []string `json:"args,omitempty"`
}

// In writes l in lo's language; a nil lo writes English.
func (l LeftOut) In(lo *i18n.Locale) string {
	f, ok := leftOutTexts[l.Code]
	if !ok {
		return strings.Join(append([]string{l.Code}, l.Args...), " ")
	}
	args := make([]any, strings.Count(f, "%"))
	for i := range args {
		args[i] = ""
		if i < len(l.Args) {
			args[i] = l.Args[i]
		}
	}
	return lo.T(f, args...)
}

// English is l in English (the command line).
func (l LeftOut) English() string { return l.In(nil) }

// leftOutTexts are the codes of LeftOut and their texts (keys of
// locales/*/domain.json).
var leftOutTexts = map[string]string{
	"material":           "Image material %s (%s): %s",
	"article.image":      "Article image %s: %s",
	"button.empty":       "Menu button %q: none of its sub-buttons could be carried",
	"button.material":    "Menu button %q: its material %s was not pulled",
	"button.image":       "Menu button %q: its image %s was not pulled",
	"button.article":     "Menu button %q: its article %s was not pulled",
	"button.type":        "Menu button %q: WeChat console type %q has no equivalent here",
	"conditional.tag":    "Conditional menu for tag %q: not a tag id",
	"follow.image":       "The reply to new followers: its image %s was not pulled",
	"follow.type":        "The reply to new followers: a %q reply has no equivalent here",
	"default.image":      "The default reply: its image %s was not pulled",
	"default.type":       "The default reply: a %q reply has no equivalent here",
	"rule.image":         "Auto-reply %q: its image %s was not pulled",
	"rule.type":          "Auto-reply %q: a %q reply has no equivalent here",
	"rule.replies":       "Auto-reply %q: %s replies, only the first %s kept",
	"industry.primary":   "The account's primary industry: %q / %q is not in this platform's table",
	"industry.secondary": "The account's secondary industry: %q / %q is not in this platform's table",
	"industry.template":  "Template %s: industry %q / %q is not in this platform's table",
}

// builder turns a work directory into archive files.
type builder struct {
	dir    string
	parts  string
	now    int64
	report *WeChatReport
	nextID int64

	files []FileInfo
	media map[string]MediaEntry // archive media key → entry
	blobs map[string]string     // media key → blob in the work directory

	// assetByBlob is the library asset already made for a file, so an image
	// that is both a material and inside an article is stored once.
	assetByBlob map[string]asset
	// mediaIDs maps the source's media_ids (materials) to the archive's.
	mediaIDs map[string]asset
	// images maps an article image address to its asset.
	images map[string]asset
	// articles maps what names a pulled article on the source (a
	// published article_id or draft media_id: its first article; an
	// article's address, and the path of that address) to its archive id.
	articles map[string]int64
	assets   []assetRow
}

type asset struct {
	id  int64
	key string
	ct  string
}

func (a asset) mediaID() string { return publish.MediaID(a.id) }

type assetRow struct {
	asset
	kind, name, title, intro string
	size, created            int64
}

// id hands out the archive's row ids: large enough that they print as the
// media_ids and decimal ids the importer rewrites inside text.
func (b *builder) id() int64 {
	b.nextID++
	return b.nextID
}

// BuildWeChatArchive writes an account archive at out from a work directory
// that PullWeChat filled. acct gives the account's profile (name, type,
// region, time zone...); the follower count and tag numbering come from the
// pull. The archive's id is derived from its contents, so importing the same
// pull twice changes nothing the second time.
func BuildWeChatArchive(dir, out string, acct AccountData, now time.Time) (*WeChatReport, error) {
	var src pullSource
	if b, err := os.ReadFile(filepath.Join(dir, "source.json")); err != nil {
		return nil, fmt.Errorf("%s holds no pull (source.json: %v)", dir, err)
	} else if err := json.Unmarshal(b, &src); err != nil {
		return nil, fmt.Errorf("%s/source.json: %v", dir, err)
	}
	parts := filepath.Join(dir, "archive")
	if err := os.RemoveAll(parts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(parts, 0o700); err != nil {
		return nil, err
	}
	b := &builder{dir: dir, parts: parts, now: now.UnixMicro(), report: &WeChatReport{}, nextID: 1_000_000_000_000_000,
		media: map[string]MediaEntry{}, blobs: map[string]string{}, assetByBlob: map[string]asset{}, mediaIDs: map[string]asset{},
		images: map[string]asset{}, articles: map[string]int64{}}
	steps := []func() error{b.materials, b.articleImages, b.publications, b.menus, b.autoReplies, b.templates}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if err := b.writeAssets(); err != nil {
		return nil, err
	}
	followers, tagNext, err := b.followers()
	if err != nil {
		return nil, err
	}
	acct.FollowerCount = followers
	acct.TagNextID = tagNext
	acct.Avatar = ""
	acct.AppID, acct.OriginalID = "", ""
	if acct.Status == "" {
		acct.Status = "active"
	}
	if acct.CreatedAt == 0 {
		acct.CreatedAt = b.now
	}
	ab, err := json.Marshal(acct)
	if err != nil {
		return nil, err
	}
	if err := b.writeFile("account.json", func(w io.Writer) error { _, err := w.Write(append(ab, '\n')); return err }); err != nil {
		return nil, err
	}
	archiveID, err := pullID(dir, ab)
	if err != nil {
		return nil, err
	}
	if err := b.assemble(out, archiveID, src); err != nil {
		return nil, err
	}
	return b.report, nil
}

// writeFile writes one archive file into the parts directory and records
// its size, lines and checksum.
func (b *builder) writeFile(name string, fill func(w io.Writer) error) error {
	f, err := os.Create(filepath.Join(b.parts, name))
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	hw := newHashWriter(bw)
	if err := fill(hw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	b.files = append(b.files, FileInfo{Name: name, Rows: hw.lines, Bytes: hw.n, SHA256: hw.sum()})
	return f.Close()
}

// rowWriter writes the rows of one table, each with exactly its fields.
type rowWriter struct {
	t *table
	w io.Writer
}

func (rw rowWriter) row(vals map[string]any) error {
	fields := rw.t.fields()
	if len(vals) != len(fields) {
		return fmt.Errorf("%s: a row has %d fields, want %d", rw.t.file, len(vals), len(fields))
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range fields {
		v, ok := vals[f]
		if !ok {
			return fmt.Errorf("%s: a row lacks %q", rw.t.file, f)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f)
		buf.Write(k)
		buf.WriteByte(':')
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(vb)
	}
	buf.WriteString("}\n")
	_, err := rw.w.Write(buf.Bytes())
	return err
}

// writeTable writes one table file with the rows fill gives.
func (b *builder) writeTable(file string, fill func(rowWriter) error) error {
	t := tableByFile(file)
	return b.writeFile(file, func(w io.Writer) error { return fill(rowWriter{t: t, w: w}) })
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// store adds a pulled file to the archive's media under a key made from its
// checksum, and returns the key.
func (b *builder) store(blob, ct string) (string, error) {
	info, err := os.Stat(filepath.Join(b.dir, "blobs", blob))
	if err != nil {
		return "", fmt.Errorf("the pulled file %s is missing from %s/blobs: delete the work directory's entry for it and pull again", blob, b.dir)
	}
	key := "wechat/" + blob[:2] + "/" + blob + media.Extension(ct)
	b.media[key] = MediaEntry{Key: key, Bytes: info.Size(), SHA256: blob}
	b.blobs[key] = blob
	return key, nil
}

// sniff settles a file's content type: the one given when specific, else
// what its first bytes say.
func (b *builder) sniff(blob, ct string) string {
	if ct != "" && ct != "application/octet-stream" {
		return ct
	}
	f, err := os.Open(filepath.Join(b.dir, "blobs", blob))
	if err != nil {
		return ct
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return strings.TrimSuffix(strings.SplitN(http.DetectContentType(head[:n]), ";", 2)[0], " ")
}

// imageOK applies the platform's image checks (format, declared size) to a
// pulled image.
func (b *builder) imageOK(blob, ct string) error {
	f, err := os.Open(filepath.Join(b.dir, "blobs", blob))
	if err != nil {
		return err
	}
	defer f.Close()
	return media.CheckImage(f, ct, "image")
}

// newAsset makes a library asset for a pulled file, or returns the one
// already made for the same file.
func (b *builder) newAsset(kind, blob, ct, name, title, intro string, size, created int64) (asset, error) {
	if a, ok := b.assetByBlob[blob]; ok {
		return a, nil
	}
	key, err := b.store(blob, ct)
	if err != nil {
		return asset{}, err
	}
	a := asset{id: b.id(), key: key, ct: ct}
	b.assetByBlob[blob] = a
	b.assets = append(b.assets, assetRow{asset: a, kind: kind, name: name, title: title, intro: intro, size: size, created: created})
	return a, nil
}

// eachKept calls fn for every work-directory file whose name starts with
// prefix, in name order.
func (b *builder) eachKept(prefix string, fn func(name string, data []byte) error) error {
	names, err := filepath.Glob(filepath.Join(b.dir, prefix+"*.json"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return err
		}
		if err := fn(filepath.Base(n), data); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) materials() error {
	return b.eachKept("material-", func(name string, data []byte) error {
		var m pulledMaterial
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		ct := b.sniff(m.Blob, m.ContentType)
		if m.Type == "image" {
			if err := b.imageOK(m.Blob, ct); err != nil {
				b.report.skip("material", m.MediaID, m.Name, err.Error())
				return nil
			}
		}
		a, err := b.newAsset(m.Type, m.Blob, ct, m.Name, m.Title, m.Description, m.Size, m.UpdateTime*1_000_000)
		if err != nil {
			return err
		}
		b.mediaIDs[m.MediaID] = a
		b.report.Materials++
		return nil
	})
}

func (b *builder) articleImages() error {
	return b.eachKept("image-", func(name string, data []byte) error {
		var im pulledImage
		if err := json.Unmarshal(data, &im); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if im.Failed != "" {
			b.report.skip("article.image", im.URL, im.Failed)
			return nil
		}
		ct := b.sniff(im.Blob, im.ContentType)
		if err := b.imageOK(im.Blob, ct); err != nil {
			b.report.skip("article.image", im.URL, err.Error())
			return nil
		}
		a, err := b.newAsset("image", im.Blob, ct, pathBase(im.URL), "", "", im.Size, b.now)
		if err != nil {
			return err
		}
		b.images[im.URL] = a
		b.report.Images++
		return nil
	})
}

// pathBase is the last part of an address's path, as a file name.
func pathBase(u string) string {
	u, _, _ = strings.Cut(u, "?")
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		u = u[i+1:]
	}
	if len(u) > 100 {
		u = u[:100]
	}
	return u
}

// body rewrites an article's HTML: every image becomes the library image
// it was stored as (an image that could not be read is left out).
func (b *builder) body(content string) string {
	return imgTag.ReplaceAllStringFunc(content, func(tag string) string {
		m := imgSrc.FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		a, ok := b.images[unescapeAttr(m[1])]
		if !ok {
			return ""
		}
		return `<img src="` + publish.MediaPath(a.mediaID()) + `" alt="">`
	})
}

// cover is an article's cover: its material, or the image its address gave.
func (b *builder) cover(it wxNewsItem) string {
	if a, ok := b.mediaIDs[it.ThumbMediaID]; ok && it.ThumbMediaID != "" {
		return a.mediaID()
	}
	if a, ok := b.images[it.ThumbURL]; ok && it.ThumbURL != "" {
		return a.mediaID()
	}
	return ""
}

func (b *builder) publications() error {
	var pubs, arts []map[string]any
	add := func(state string, pg wxNewsPage) error {
		for _, it := range pg.Item {
			var items []wxNewsItem
			for _, a := range it.Content.NewsItem {
				if !a.IsDeleted {
					items = append(items, a)
				}
			}
			if len(items) == 0 {
				continue
			}
			pubID := b.id()
			updated := it.UpdateTime
			if updated == 0 {
				updated = it.Content.UpdateTime
			}
			created := it.Content.CreateTime
			if created == 0 {
				created = updated
			}
			var firstID int64
			for i, a := range items {
				aid := b.id()
				if i == 0 {
					firstID = aid
					for _, name := range []string{it.ArticleID, it.MediaID} {
						if name != "" {
							b.articles[name] = aid
						}
					}
				}
				if a.URL != "" {
					b.articles[a.URL] = aid
					if u, err := url.Parse(a.URL); err == nil && u.Path != "" && u.Path != "/" {
						b.articles[u.Path] = aid
					}
				}
				src := b.body(a.Content)
				h, err := publish.RenderBody(publish.FormatHTML, src)
				if err != nil {
					return err
				}
				arts = append(arts, map[string]any{"id": idStr(aid), "publication_id": idStr(pubID), "idx": i, "title": a.Title,
					"author": a.Author, "digest": a.Digest, "cover_media_id": b.cover(a), "body_format": publish.FormatHTML,
					"body_source": src, "body_html": h, "source_url": a.ContentSourceURL, "comments_open": a.NeedOpenComment == 1,
					"fans_only_comments": a.OnlyFansCanComment == 1, "like_count": 0, "wow_count": 0, "comment_count": 0,
					"deleted": false, "created_at": created * 1_000_000, "updated_at": updated * 1_000_000,
					"show_cover_pic": a.ShowCoverPic == 1, "pic_crop_235_1": "", "pic_crop_1_1": "", "image_media_ids": ""})
				b.report.Articles++
			}
			row := map[string]any{"id": idStr(pubID), "kind": "news", "state": state, "title": items[0].Title,
				"cover_media_id": b.cover(items[0]), "video_media_id": "", "article_count": len(items), "first_article_id": idStr(firstID),
				"preview_key": randHex(12), "mass_sent": false, "published_at": int64(0), "folder_at": int64(0),
				"created_at": created * 1_000_000, "updated_at": updated * 1_000_000, "msg_data_id": nil}
			if state == "published" {
				row["published_at"] = updated * 1_000_000
				row["msg_data_id"] = 1 // a fresh number is given on import
				b.report.Published++
			} else {
				b.report.Drafts++
			}
			pubs = append(pubs, row)
		}
		return nil
	}
	for _, s := range []struct{ prefix, state string }{{"published", "published"}, {"drafts", "draft"}} {
		p := &puller{dir: b.dir}
		pgs, err := p.loadNews(s.prefix)
		if err != nil {
			return err
		}
		for _, pg := range pgs {
			if err := add(s.state, pg); err != nil {
				return err
			}
		}
	}
	if err := b.writeTable("publications.jsonl", func(rw rowWriter) error { return eachRow(rw, pubs) }); err != nil {
		return err
	}
	return b.writeTable("articles.jsonl", func(rw rowWriter) error { return eachRow(rw, arts) })
}

func eachRow(rw rowWriter, rows []map[string]any) error {
	for _, r := range rows {
		if err := rw.row(r); err != nil {
			return err
		}
	}
	return nil
}

// mapButtons carries a menu's buttons over: material media_ids become the
// archive's; buttons of types Herald's menus lack are left out.
func (b *builder) mapButtons(in []menu.Button) []menu.Button {
	var out []menu.Button
	for _, bt := range in {
		if len(bt.SubButtons) > 0 {
			bt.SubButtons = b.mapButtons(bt.SubButtons)
			if len(bt.SubButtons) == 0 {
				b.report.skip("button.empty", bt.Name)
				continue
			}
			out = append(out, bt)
			continue
		}
		if bt.MediaID != "" {
			a, ok := b.mediaIDs[bt.MediaID]
			if !ok {
				b.report.skip("button.material", bt.Name, bt.MediaID)
				continue
			}
			bt.MediaID = a.mediaID()
		}
		switch bt.Type {
		case menu.TypeImg: // sends a library image: the value is its media_id
			a, ok := b.mediaIDs[bt.Value]
			if !ok {
				b.report.skip("button.image", bt.Name, bt.Value)
				continue
			}
			bt.Value = a.mediaID()
		case menu.TypeNews: // sends an article
			aid, ok := b.article(bt.Value)
			if !ok {
				b.report.skip("button.article", bt.Name, bt.Value)
				continue
			}
			bt.Value = idStr(aid)
		}
		b.report.MenuButtons++
		out = append(out, bt)
	}
	return out
}

// article finds a pulled article by what a news button names: a published
// article_id or a draft's media_id, the article's address (news_info's
// content_url), or a decimal article id as Herald's own menus give it (its
// address is /s/<id>).
func (b *builder) article(ref string) (int64, bool) {
	if ref == "" {
		return 0, false
	}
	if aid, ok := b.articles[ref]; ok {
		return aid, true
	}
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		if aid, ok := b.articles[u.Path]; ok {
			return aid, true
		}
	}
	if _, err := strconv.ParseInt(ref, 10, 64); err == nil {
		aid, ok := b.articles["/s/"+ref]
		return aid, ok
	}
	return 0, false
}

// selfMenu is get_current_selfmenu_info: the menu as set in WeChat's console.
type selfMenu struct {
	IsMenuOpen   int `json:"is_menu_open"`
	SelfMenuInfo struct {
		Button []selfButton `json:"button"`
	} `json:"selfmenu_info"`
}

type selfButton struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Key      string `json:"key"`
	URL      string `json:"url"`
	Value    string `json:"value"`
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
	NewsInfo *struct {
		List []struct {
			ContentURL string `json:"content_url"`
		} `json:"list"`
	} `json:"news_info"`
	SubButton *struct {
		List []selfButton `json:"list"`
	} `json:"sub_button"`
}

// button converts a console-made button to a menu button. The buttons
// that send a message keep their console type: text with its text, img
// with its image's media_id, news with the article (its article_id or
// media_id, else its address from news_info; mapButtons finds the pulled
// article). A voice or video button sends its material (type media_id).
func (sb selfButton) button(b *builder) (menu.Button, bool) {
	bt := menu.Button{Type: sb.Type, Name: sb.Name, Key: sb.Key, URL: sb.URL, AppID: sb.AppID, PagePath: sb.PagePath}
	if sb.SubButton != nil && len(sb.SubButton.List) > 0 {
		bt.Type = ""
		for _, s := range sb.SubButton.List {
			if c, ok := s.button(b); ok {
				bt.SubButtons = append(bt.SubButtons, c)
			}
		}
		return bt, len(bt.SubButtons) > 0
	}
	switch sb.Type {
	case "click", "view", "miniprogram", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select":
		return bt, true
	case menu.TypeText, menu.TypeImg:
		bt.Value = sb.Value
		return bt, true
	case menu.TypeNews:
		bt.Value = sb.Value
		if _, ok := b.article(sb.Value); !ok && sb.NewsInfo != nil && len(sb.NewsInfo.List) > 0 {
			bt.Value = sb.NewsInfo.List[0].ContentURL
		}
		return bt, true
	case "voice", "video":
		bt.Type, bt.MediaID = "media_id", sb.Value
		return bt, true
	}
	b.report.skip("button.type", sb.Name, sb.Type)
	return bt, false
}

func (b *builder) menus() error {
	var pm pulledMenus
	data, err := os.ReadFile(filepath.Join(b.dir, "menus.json"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &pm); err != nil {
			return fmt.Errorf("menus.json: %v", err)
		}
	}
	var sn menu.Snapshot
	switch {
	case len(pm.Menu) > 0:
		if err := json.Unmarshal(pm.Menu, &sn); err != nil {
			return fmt.Errorf("menus.json: %v", err)
		}
	case len(pm.SelfMenu) > 0:
		var sm selfMenu
		if err := json.Unmarshal(pm.SelfMenu, &sm); err != nil {
			return fmt.Errorf("menus.json: %v", err)
		}
		if sm.IsMenuOpen == 1 {
			m := &menu.SnapshotMenu{}
			for _, s := range sm.SelfMenuInfo.Button {
				if bt, ok := s.button(b); ok {
					m.Button = append(m.Button, bt)
				}
			}
			if len(m.Button) > 0 {
				sn.Menu = m
			}
		}
	}
	var rows []map[string]any
	add := func(m menu.SnapshotMenu, conditional bool) {
		buttons := b.mapButtons(m.Button)
		if len(buttons) == 0 {
			return
		}
		bj, _ := json.Marshal(buttons)
		row := map[string]any{"id": idStr(b.id()), "conditional": conditional, "tag_id": int64(0), "client_platform_type": "",
			"buttons": string(bj), "created_at": b.now}
		if m.MatchRule != nil {
			tid := m.MatchRule.TagID
			if tid == "" {
				tid = m.MatchRule.GroupID
			}
			if tid != "" {
				n, err := strconv.ParseInt(tid, 10, 64)
				if err != nil {
					b.report.skip("conditional.tag", tid)
					return
				}
				row["tag_id"] = n
			}
			row["client_platform_type"] = m.MatchRule.ClientPlatformType
		}
		rows = append(rows, row)
	}
	if sn.Menu != nil {
		add(*sn.Menu, false)
	}
	for _, c := range sn.ConditionalMenu {
		add(c, true)
	}
	return b.writeTable("menus.jsonl", func(rw rowWriter) error { return eachRow(rw, rows) })
}

// reply converts one reply of get_current_autoreply_info.
// replies carries the replies of what: "follow", "default" or "rule" (the
// rule's name in name), the prefix of what a left-out reply reports.
func (b *builder) replies(what, name string, in autoreply.InfoReply) []autoreply.Reply {
	subject := []string{}
	if what == "rule" {
		subject = []string{name}
	}
	switch in.Type {
	case "text":
		return []autoreply.Reply{{Type: autoreply.ReplyText, Text: in.Content}}
	case "img":
		a, ok := b.mediaIDs[in.Content]
		if !ok {
			b.report.skip(what+".image", append(subject, in.Content)...)
			return nil
		}
		return []autoreply.Reply{{Type: autoreply.ReplyImage, MediaKey: a.key, MediaType: a.ct, MediaID: a.mediaID()}}
	case "news":
		var out []autoreply.Reply
		if in.NewsInfo != nil {
			for _, n := range in.NewsInfo.List {
				out = append(out, autoreply.Reply{Type: autoreply.ReplyNews, Article: &message.Article{Title: n.Title, Description: n.Digest,
					URL: n.ContentURL, PicURL: n.CoverURL}})
			}
		}
		return out
	}
	b.report.skip(what+".type", append(subject, in.Type)...)
	return nil
}

func (b *builder) autoReplies() error {
	var info autoreply.CurrentInfo
	data, err := os.ReadFile(filepath.Join(b.dir, "autoreply.json"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &info); err != nil {
			return fmt.Errorf("autoreply.json: %v", err)
		}
	}
	var rows []map[string]any
	add := func(kind, name string, enabled bool, mode string, kws []autoreply.Keyword, reps []autoreply.Reply, created int64) {
		if len(reps) == 0 {
			return
		}
		if len(reps) > autoreply.MaxReplies {
			b.report.skip("rule.replies", name, strconv.Itoa(len(reps)), strconv.Itoa(autoreply.MaxReplies))
			reps = reps[:autoreply.MaxReplies]
		}
		if kws == nil {
			kws = []autoreply.Keyword{}
		}
		kj, _ := json.Marshal(kws)
		rj, _ := json.Marshal(reps)
		rows = append(rows, map[string]any{"id": idStr(b.id()), "kind": kind, "name": name, "enabled": enabled, "reply_mode": mode,
			"keywords": string(kj), "replies": string(rj), "created_at": created, "updated_at": created})
		b.report.Rules++
	}
	if r := info.AddFriendAutoreply; r != nil {
		add(autoreply.KindFollow, "", info.IsAddFriendReplyOpen == 1, autoreply.ModeAll, nil, b.replies("follow", "", *r), b.now)
	}
	if r := info.MessageDefault; r != nil {
		add(autoreply.KindDefault, "", info.IsAutoreplyOpen == 1, autoreply.ModeAll, nil, b.replies("default", "", *r), b.now)
	}
	if info.KeywordAutoreply != nil {
		for _, r := range info.KeywordAutoreply.List {
			var kws []autoreply.Keyword
			for _, k := range r.KeywordListInfo {
				m := autoreply.MatchExact
				if k.MatchMode == "contain" {
					m = autoreply.MatchContains
				}
				kws = append(kws, autoreply.Keyword{Match: m, Text: k.Content})
			}
			var reps []autoreply.Reply
			for _, rep := range r.ReplyListInfo {
				reps = append(reps, b.replies("rule", r.RuleName, rep)...)
			}
			mode := autoreply.ModeAll
			if r.ReplyMode == "random_one" {
				mode = autoreply.ModeRandom
			}
			created := b.now
			if r.CreateTime > 0 {
				created = r.CreateTime * 1_000_000
			}
			add(autoreply.KindKeyword, r.RuleName, true, mode, kws, reps, created)
		}
	}
	return b.writeTable("autoreply_rules.jsonl", func(rw rowWriter) error { return eachRow(rw, rows) })
}

// industryCode finds a template industry by its class names; 0 when this
// platform's table lacks it.
// industryCode is the code of an industry; what says whose it is for a
// report that leaves it out: "primary", "secondary" or a template's id.
func (b *builder) industryCode(first, second, what string) int {
	if first == "" && second == "" {
		return 0
	}
	i, ok := tmplmsg.IndustryByName(first, second)
	if !ok {
		switch what {
		case "primary", "secondary":
			b.report.skip("industry."+what, first, second)
		default:
			b.report.skip("industry.template", what, first, second)
		}
		return 0
	}
	return i.Code
}

func (b *builder) templates() error {
	type class struct {
		First  string `json:"first_class"`
		Second string `json:"second_class"`
	}
	var ind struct {
		Primary   class `json:"primary_industry"`
		Secondary class `json:"secondary_industry"`
	}
	if data, err := os.ReadFile(filepath.Join(b.dir, "industry.json")); err == nil {
		if err := json.Unmarshal(data, &ind); err != nil {
			return fmt.Errorf("industry.json: %v", err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	i1 := b.industryCode(ind.Primary.First, ind.Primary.Second, "primary")
	i2 := b.industryCode(ind.Secondary.First, ind.Secondary.Second, "secondary")
	err := b.writeTable("template_industries.jsonl", func(rw rowWriter) error {
		if i1 == 0 && i2 == 0 {
			return nil
		}
		return rw.row(map[string]any{"industry1": i1, "industry2": i2, "changed_at": b.now})
	})
	if err != nil {
		return err
	}
	var tl struct {
		List []struct {
			TemplateID string `json:"template_id"`
			Title      string `json:"title"`
			Primary    string `json:"primary_industry"`
			Deputy     string `json:"deputy_industry"`
			Content    string `json:"content"`
			Example    string `json:"example"`
		} `json:"template_list"`
	}
	data, err := os.ReadFile(filepath.Join(b.dir, "templates.json"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &tl); err != nil {
			return fmt.Errorf("templates.json: %v", err)
		}
	}
	return b.writeTable("templates.jsonl", func(rw rowWriter) error {
		for _, t := range tl.List {
			if t.TemplateID == "" {
				continue
			}
			// The platform's library does not know WeChat's templates: each
			// becomes a retired library entry of its own text on import.
			code := b.industryCode(t.Primary, t.Deputy, t.TemplateID)
			if err := rw.row(map[string]any{"id": idStr(b.id()), "template_id": t.TemplateID, "library": "", "industry": code,
				"title": t.Title, "content": t.Content, "example": t.Example, "created_at": b.now}); err != nil {
				return err
			}
			b.report.Templates++
		}
		return nil
	})
}

func (b *builder) writeAssets() error {
	counts := map[string]int64{}
	err := b.writeTable("media_assets.jsonl", func(rw rowWriter) error {
		for _, a := range b.assets {
			counts[a.kind]++
			if err := rw.row(map[string]any{"id": idStr(a.id), "kind": a.kind, "media_key": a.key, "content_type": a.ct, "size": a.size,
				"name": a.name, "created_at": a.created, "title": a.title, "introduction": a.intro}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return b.writeTable("media_asset_counts.jsonl", func(rw rowWriter) error {
		for _, k := range kinds {
			if err := rw.row(map[string]any{"kind": k, "n": counts[k]}); err != nil {
				return err
			}
		}
		return nil
	})
}

// followSource maps WeChat's subscribe_scene to how a follow began.
func followSource(scene string) string {
	switch scene {
	case "ADD_SCENE_SEARCH":
		return "search"
	case "ADD_SCENE_QR_CODE":
		return "qr"
	case "ADD_SCENE_PROFILE_CARD", "ADD_SCENE_PROFILE_LINK", "ADD_SCENE_PROFILE_ITEM":
		return "profile"
	case "ADD_SCENE_ACCOUNT_MIGRATION", "ADD_SCENE_PAID", "ADD_SCENE_WECHAT_ADVERTISEMENT", "ADD_SCENE_REPRINT", "ADD_SCENE_LIVESTREAM", "ADD_SCENE_CHANNELS":
		return "other"
	}
	if strings.Contains(scene, "ARTICLE") || strings.Contains(scene, "MSG") {
		return "article"
	}
	return "other"
}

// followers writes followers.jsonl, tag_members.jsonl and tags.jsonl, and
// returns the number of followers and the next tag id.
func (b *builder) followers() (int64, int64, error) {
	var tags wxTags
	if data, err := os.ReadFile(filepath.Join(b.dir, "tags.json")); err == nil {
		if err := json.Unmarshal(data, &tags); err != nil {
			return 0, 0, fmt.Errorf("tags.json: %v", err)
		}
	} else if !os.IsNotExist(err) {
		return 0, 0, err
	}
	known := map[int64]bool{}
	next := int64(100)
	for _, t := range tags.Tags {
		if t.ID < 100 { // 0–2 are WeChat's own groups (the star group); 100 up are the account's
			continue
		}
		known[t.ID] = true
		if t.ID >= next {
			next = t.ID + 1
		}
	}
	black := map[string]bool{}
	err := b.eachKept("blacklist-", func(name string, data []byte) error {
		var pg wxOpenIDPage
		if err := json.Unmarshal(data, &pg); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		for _, o := range pg.Data.OpenID {
			black[o] = true
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	members := map[int64]int64{}
	var n int64
	seen := map[string]bool{}
	mf, err := os.Create(filepath.Join(b.parts, "tag_members.jsonl"))
	if err != nil {
		return 0, 0, err
	}
	defer mf.Close()
	mbw := bufio.NewWriter(mf)
	mhw := newHashWriter(mbw)
	mrw := rowWriter{t: tableByFile("tag_members.jsonl"), w: mhw}
	err = b.writeFile("followers.jsonl", func(w io.Writer) error {
		return b.eachKept("userinfo-", func(name string, data []byte) error {
			var l wxUserInfoList
			if err := json.Unmarshal(data, &l); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			for _, u := range l.List {
				if u.OpenID == "" || seen[u.OpenID] || u.Subscribe != 1 {
					continue
				}
				seen[u.OpenID] = true
				at := u.SubscribeTime * 1_000_000
				if at == 0 {
					at = b.now
				}
				line, err := json.Marshal(follower{OpenID: u.OpenID, Following: true, Source: followSource(u.SubscribeScene), Scene: u.QRSceneStr,
					SubscribedAt: at, Blacklisted: black[u.OpenID], Remark: u.Remark, CreatedAt: at, Language: u.Language})
				if err != nil {
					return err
				}
				if _, err := w.Write(append(line, '\n')); err != nil {
					return err
				}
				n++
				if black[u.OpenID] {
					b.report.Blacklisted++
				}
				for _, tid := range u.TagIDList {
					if !known[tid] {
						continue
					}
					members[tid]++
					if err := mrw.row(map[string]any{"tag_id": tid, "follower": u.OpenID, "created_at": at}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return 0, 0, err
	}
	if err := mbw.Flush(); err != nil {
		return 0, 0, err
	}
	b.files = append(b.files, FileInfo{Name: "tag_members.jsonl", Rows: mhw.lines, Bytes: mhw.n, SHA256: mhw.sum()})
	b.report.Followers = n
	err = b.writeTable("tags.jsonl", func(rw rowWriter) error {
		for _, t := range tags.Tags {
			if !known[t.ID] {
				continue
			}
			if err := rw.row(map[string]any{"id": t.ID, "name": t.Name, "name_key": audience.TagKey(t.Name), "follower_count": members[t.ID],
				"created_at": b.now}); err != nil {
				return err
			}
			b.report.Tags++
		}
		return nil
	})
	return n, next, err
}

// pullID is the archive_id of an archive built from a work directory: the
// checksum of every answer the pull kept and of the account's profile, so the
// same pull built twice is recognised as one archive on import.
func pullID(dir string, profile []byte) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s %x\n", filepath.Base(n), sum)
	}
	// The profile without its creation time, which is the build's.
	var ad AccountData
	if err := json.Unmarshal(profile, &ad); err != nil {
		return "", err
	}
	ad.CreatedAt = 0
	pb, _ := json.Marshal(ad)
	h.Write(pb)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// assemble zips the parts directory and the media into out, under the
// given archive_id.
func (b *builder) assemble(out, archiveID string, src pullSource) error {
	keys := make([]string, 0, len(b.media))
	for k := range b.media {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err := b.writeFile("media.jsonl", func(w io.Writer) error {
		for _, k := range keys {
			line, err := json.Marshal(b.media[k])
			if err != nil {
				return err
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(b.files, func(i, j int) bool { return fileOrder(b.files[i].Name) < fileOrder(b.files[j].Name) })
	m := Manifest{Format: FormatName, SchemaVersion: SchemaVersion, ArchiveID: archiveID, CreatedAt: b.now,
		Generator: "herald import --from-wechat", Source: Source{BaseURL: src.BaseURL, AccountID: src.AppID, Name: "WeChat " + src.AppID},
		Files: b.files}

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	zw := zip.NewWriter(bw)
	modified := time.UnixMicro(b.now).UTC()
	copyIn := func(name, path string, method uint16) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: modified})
		if err != nil {
			return err
		}
		r, err := os.Open(path)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(w, r)
		return err
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	if _, err := w.Write(append(mb, '\n')); err != nil {
		return err
	}
	for _, fi := range b.files {
		if err := copyIn(fi.Name, filepath.Join(b.parts, fi.Name), zip.Deflate); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := copyIn("media/"+k, filepath.Join(b.dir, "blobs", b.blobs[k]), zip.Store); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// fileOrder puts account.json and followers.jsonl first, then the tables
// in import order, then media.jsonl, as an export lists them.
func fileOrder(name string) int {
	switch name {
	case "account.json":
		return 0
	case "followers.jsonl":
		return 1
	case "media.jsonl":
		return 1000
	}
	for i, t := range tables {
		if t.file == name {
			return 2 + i
		}
	}
	return 999
}
