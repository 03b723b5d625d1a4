// Package material is the permanent-materials API (/cgi-bin/material/*):
// WeChat's add_material, get_material, del_material, get_materialcount and
// batchget_material over the account's media library (internal/publish), so
// a file uploaded in the console is a material of the API and the other way
// round. Herald has no permanent news (WeChat retired it for drafts in
// 2022): news_count is 0 and type=news lists nothing; drafts and published
// articles are served by draft/* and freepublish/*.
package material

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/inuse"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Kinds are the files add_material takes per type, with WeChat's formats
// and sizes for permanent materials (image bmp/png/jpeg/gif 10 MB, voice
// mp3/wma/wav/amr 2 MB, video mp4 10 MB, thumb jpg 64 KB), checked by
// content.
var Kinds = map[string]media.Kind{
	publish.AssetImage: {Name: "image", Types: []string{"image/bmp", "image/png", "image/jpeg", "image/gif"}, MaxBytes: 10 << 20},
	publish.AssetVoice: {Name: "voice", Types: []string{"audio/mpeg", "audio/x-ms-wma", "audio/wave", "audio/amr"}, MaxBytes: 2 << 20},
	publish.AssetVideo: {Name: "video", Types: []string{"video/mp4"}, MaxBytes: 10 << 20},
	publish.AssetThumb: {Name: "thumb", Types: []string{"image/jpeg"}, MaxBytes: 64 << 10},
}

// Limits of a video's description.
const (
	MaxVideoTitle = 64  // characters (45003)
	MaxVideoIntro = 120 // characters (45004)
	MaxBatch      = 20  // batchget_material count
)

// Deps are what the endpoints use.
type Deps struct {
	Publish     *publish.Store
	Menus       *menu.Store
	AutoReplies *autoreply.Store
	BaseURL     string // Herald's public address, for image and video URLs
}

// Register adds the endpoints to api.
func Register(api *wxapi.API, d Deps) {
	api.Register("/cgi-bin/material/add_material", wxapi.CapBasic, d.add)
	api.Register("/cgi-bin/material/get_material", wxapi.CapBasic, wxapi.JSON(d.get))
	api.Register("/cgi-bin/material/del_material", wxapi.CapBasic, wxapi.JSON(d.del))
	api.Register("/cgi-bin/material/get_materialcount", wxapi.CapBasic, wxapi.Query(d.count))
	api.Register("/cgi-bin/material/batchget_material", wxapi.CapBasic, wxapi.JSON(d.batchget))
}

// url is an asset's unguessable address, absolute.
func (d Deps) url(a *publish.Asset) string {
	return strings.TrimSuffix(d.BaseURL, "/") + a.URL()
}

// POST /cgi-bin/material/add_material?type=image|voice|video|thumb,
// multipart "media" (+ "description" {"title","introduction"} for video)
// → {"media_id"} (+ "url" for images).
func (d Deps) add(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	typ := r.URL.Query().Get("type")
	kind, ok := Kinds[typ]
	if !ok {
		return wxerr.New(40004)
	}
	b, ct, filename, err := wxapi.ReadUpload(w, r, kind, wxapi.SizeCode(typ))
	if err != nil {
		return err
	}
	if typ == publish.AssetVoice {
		if d, ok := voiceDuration(b, ct); ok && d > MaxVoice {
			return wxerr.New(45007)
		}
	}
	var desc struct {
		Title        string `json:"title"`
		Introduction string `json:"introduction"`
	}
	if typ == publish.AssetVideo {
		if raw := strings.TrimSpace(formField(r, "description")); raw != "" {
			if err := json.Unmarshal([]byte(raw), &desc); err != nil {
				return wxerr.New(wxerr.CodeDataFormatError)
			}
		}
		desc.Title, desc.Introduction = strings.TrimSpace(desc.Title), strings.TrimSpace(desc.Introduction)
		if utf8.RuneCountInString(desc.Title) > MaxVideoTitle {
			return wxerr.New(45003)
		}
		if utf8.RuneCountInString(desc.Introduction) > MaxVideoIntro {
			return wxerr.New(45004)
		}
	}
	asset, err := d.Publish.UploadMaterial(r.Context(), a.ID, typ, filename, desc.Title, desc.Introduction, bytes.NewReader(b))
	if err != nil {
		var full *publish.LibraryFullError
		if !errors.As(err, &full) && errs.KindOf(err) == errs.KindInvalid {
			return wxerr.New(40005) // the library's own check of the content
		}
		return err
	}
	out := map[string]any{"media_id": asset.MediaID}
	if typ == publish.AssetImage {
		out["url"] = d.url(asset)
	} else {
		out["item"] = []any{}
	}
	wxerr.JSON(w, out)
	return nil
}

// formField is a multipart field sent either as a value or, as the
// silenceper SDK sends add_material's description, as a file part.
func formField(r *http.Request, name string) string {
	if v := r.FormValue(name); v != "" || r.MultipartForm == nil {
		return v
	}
	fhs := r.MultipartForm.File[name]
	if len(fhs) == 0 {
		return ""
	}
	f, err := fhs[0].Open()
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	return string(b)
}

// mediaRequest is the body of get_material and del_material.
type mediaRequest struct {
	MediaID string `json:"media_id"`
}

// asset loads the material in names: 41006 when missing, 40007 when it is
// not a material of the account (another account's included).
func (d Deps) asset(ctx context.Context, a *account.Account, in *mediaRequest) (*publish.Asset, error) {
	if in.MediaID == "" {
		return nil, wxerr.New(41006)
	}
	asset, err := d.Publish.Asset(ctx, a.ID, in.MediaID)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(wxerr.CodeInvalidMediaID)
	}
	return asset, err
}

// POST /cgi-bin/material/get_material {"media_id"}: a video's
// {"title","description","down_url"}; any other file itself.
func (d Deps) get(ctx context.Context, a *account.Account, in *mediaRequest) (any, error) {
	asset, err := d.asset(ctx, a, in)
	if err != nil {
		return nil, err
	}
	if asset.Kind == publish.AssetVideo {
		title := asset.Title
		if title == "" {
			title = asset.Name
		}
		return map[string]string{"title": title, "description": asset.Intro, "down_url": d.url(asset)}, nil
	}
	return &wxapi.Attachment{Store: d.Publish.MediaStore(), Key: asset.Key, ContentType: asset.ContentType, Name: fileName(asset)}, nil
}

// fileName is the name an asset downloads under: its uploaded name, or its
// media_id with the stored file's extension.
func fileName(as *publish.Asset) string {
	if as.Name != "" {
		return as.Name
	}
	return as.MediaID + path.Ext(as.Key)
}

// POST /cgi-bin/material/del_material {"media_id"}: 48005 while a menu
// button or an auto-reply uses it.
func (d Deps) del(ctx context.Context, a *account.Account, in *mediaRequest) (any, error) {
	asset, err := d.asset(ctx, a, in)
	if err != nil {
		return nil, err
	}
	used, err := inuse.Checker{Menus: d.Menus, AutoReplies: d.AutoReplies}.Asset(ctx, a.ID, asset)
	if err != nil {
		return nil, err
	}
	if used {
		return nil, wxerr.New(48005)
	}
	err = d.Publish.DeleteAsset(ctx, a.ID, asset.MediaID)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(wxerr.CodeInvalidMediaID)
	}
	return nil, err
}

// counts are the API's counts: thumbnails are pictures, counted and listed
// with the images (WeChat's types are image, voice, video and news).
func (d Deps) counts(ctx context.Context, accountID int64) (map[string]int64, error) {
	n, err := d.Publish.AssetCounts(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"image": n[publish.AssetImage] + n[publish.AssetThumb], "voice": n[publish.AssetVoice],
		"video": n[publish.AssetVideo], "news": 0}, nil
}

// GET /cgi-bin/material/get_materialcount
func (d Deps) count(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	n, err := d.counts(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"voice_count": n["voice"], "video_count": n["video"], "image_count": n["image"], "news_count": n["news"]}, nil
}

// batchRequest is the body of batchget_material.
type batchRequest struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Count  int    `json:"count"`
}

type item struct {
	MediaID    string `json:"media_id"`
	Name       string `json:"name"`
	UpdateTime int64  `json:"update_time"`
	URL        string `json:"url"`
}

// POST /cgi-bin/material/batchget_material {"type","offset","count"}:
// newest first; count 1–20 and offset ≥ 0 (else 40035); unknown type 40004.
func (d Deps) batchget(ctx context.Context, a *account.Account, in *batchRequest) (any, error) {
	var kinds []string
	switch in.Type {
	case "image":
		kinds = []string{publish.AssetImage, publish.AssetThumb}
	case "voice", "video":
		kinds = []string{in.Type}
	case "news":
	default:
		return nil, wxerr.New(40004)
	}
	if in.Count < 1 || in.Count > MaxBatch || in.Offset < 0 {
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	n, err := d.counts(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	items := []item{}
	if len(kinds) > 0 {
		list, err := d.Publish.AssetsPage(ctx, a.ID, kinds, in.Offset, in.Count)
		if err != nil {
			return nil, err
		}
		for _, as := range list {
			it := item{MediaID: as.MediaID, Name: fileName(as), UpdateTime: as.CreatedAt.Unix()}
			if as.Kind == publish.AssetImage || as.Kind == publish.AssetThumb {
				it.URL = d.url(as)
			}
			items = append(items, it)
		}
	}
	return map[string]any{"total_count": n[in.Type], "item_count": len(items), "item": items}, nil
}
