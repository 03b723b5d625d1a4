package wxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// sizeCodes are the "invalid size" errcodes per type.
var sizeCodes = map[string]int{tempmedia.Image: 40009, tempmedia.Voice: 40010, tempmedia.Video: 40011, tempmedia.Thumb: 40012}

// upload reads the multipart field "media" and checks it against kind:
// 41005 when missing, 44001 when empty, 40005 for the wrong type, sizeCode
// when too large (bytes, or an image's declared dimensions:
// media.CheckImage). It returns the bytes, their type and the file name.
func (c *call) upload(kind media.Kind, sizeCode int) ([]byte, string, string, error) {
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, kind.MaxBytes+1<<20)
	f, fh, err := c.r.FormFile("media")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", "", wxerr.New(sizeCode)
		}
		return nil, "", "", wxerr.New(41005)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, kind.MaxBytes+1))
	if err != nil {
		return nil, "", "", wxerr.New(41005)
	}
	if len(b) == 0 {
		return nil, "", "", wxerr.New(44001)
	}
	if int64(len(b)) > kind.MaxBytes {
		return nil, "", "", wxerr.New(sizeCode)
	}
	ct := media.Sniff(b[:min(len(b), 512)])
	for _, t := range kind.Types {
		if t != ct {
			continue
		}
		// An image declaring more pixels than Herald takes is refused as
		// too large; one whose header cannot be read, as not an image.
		if err := media.CheckImage(bytes.NewReader(b), ct, kind.Name); errors.Is(err, media.ErrImageSize) {
			return nil, "", "", wxerr.New(sizeCode)
		} else if err != nil {
			return nil, "", "", wxerr.New(40005)
		}
		return b, ct, fh.Filename, nil
	}
	return nil, "", "", wxerr.New(40005)
}

// POST /cgi-bin/media/upload?type=image|voice|video|thumb, multipart "media".
func (api *API) mediaUpload(c *call) error {
	typ := c.query("type")
	kind, ok := tempmedia.Kinds[typ]
	if !ok {
		return wxerr.New(40004)
	}
	b, _, _, err := c.upload(kind, sizeCodes[typ])
	if err != nil {
		return err
	}
	saved, err := media.Save(c.r.Context(), api.Media, "api/"+typ, kind, bytes.NewReader(b))
	if err != nil {
		return wxerr.New(40005)
	}
	it, err := api.TempMedia.Add(c.r.Context(), c.account.ID, typ, saved.Key, saved.ContentType, saved.Size)
	if err != nil {
		return err
	}
	out := map[string]any{"type": typ, "created_at": it.CreatedAt.Unix()}
	if typ == tempmedia.Thumb {
		out["thumb_media_id"] = it.MediaID
	} else {
		out["media_id"] = it.MediaID
	}
	return c.json(out)
}

// GET /cgi-bin/media/get?media_id=: the file (or {"video_url"} for video);
// 40007 for an unknown, foreign or expired media_id.
func (api *API) mediaGet(c *call) error {
	it, err := api.TempMedia.Get(c.r.Context(), c.account.ID, c.query("media_id"))
	if err != nil {
		return wxerr.New(wxerr.CodeInvalidMediaID)
	}
	if it.Type == tempmedia.Video {
		return c.json(map[string]string{"video_url": api.pictureURL(it.MediaID)})
	}
	c.w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": it.MediaID[:16] + path.Ext(it.Key)}))
	return media.Serve(c.w, c.r, api.Media, it.Key, it.ContentType)
}

func (api *API) pictureURL(mediaID string) string {
	return strings.TrimSuffix(api.BaseURL, "/") + "/cgi-bin/media/pic?media_id=" + url.QueryEscape(mediaID)
}

// uploadImgTTL keeps article images "permanently".
const uploadImgTTL = 100 * 365 * 24 * time.Hour

// POST /cgi-bin/media/uploadimg, multipart "media" (jpg/png < 1 MB) → {"url"}
func (api *API) mediaUploadImg(c *call) error {
	kind := media.Kind{Name: "image", Types: []string{"image/jpeg", "image/png"}, MaxBytes: 1 << 20}
	b, _, _, err := c.upload(kind, 40009)
	if err != nil {
		return err
	}
	saved, err := media.Save(c.r.Context(), api.Media, "api/img", kind, bytes.NewReader(b))
	if err != nil {
		return wxerr.New(40005)
	}
	it, err := api.TempMedia.AddFor(c.r.Context(), c.account.ID, tempmedia.Image, saved.Key, saved.ContentType, saved.Size, uploadImgTTL)
	if err != nil {
		return err
	}
	return c.json(map[string]string{"url": api.pictureURL(it.MediaID)})
}

// GET /cgi-bin/media/pic?media_id=: a temporary image without token.
func (api *API) mediaPic(c *call) error {
	it, err := api.TempMedia.Get(c.r.Context(), 0, c.query("media_id"))
	if err != nil || (it.Type != tempmedia.Image && it.Type != tempmedia.Thumb && it.Type != tempmedia.Video) {
		http.NotFound(c.w, c.r)
		return nil
	}
	return media.Serve(c.w, c.r, api.Media, it.Key, it.ContentType)
}

type qrCreateIn struct {
	ExpireSeconds *int64 `json:"expire_seconds"`
	ActionName    string `json:"action_name"`
	ActionInfo    struct {
		Scene struct {
			SceneID  json.Number `json:"scene_id"`
			SceneStr string      `json:"scene_str"`
		} `json:"scene"`
	} `json:"action_info"`
}

// POST /cgi-bin/qrcode/create
func (api *API) qrCreate(ctx context.Context, a *account.Account, in *qrCreateIn) (any, error) {
	var sceneID int64
	if in.ActionInfo.Scene.SceneID != "" {
		n, err := in.ActionInfo.Scene.SceneID.Int64()
		if err != nil {
			return nil, wxerr.New(wxerr.CodeInvalidParameter)
		}
		sceneID = n
	}
	var expire time.Duration
	if in.ExpireSeconds != nil {
		expire = time.Duration(*in.ExpireSeconds) * time.Second
		if *in.ExpireSeconds <= 0 {
			expire = 0
		}
	}
	t, err := api.QR.Create(ctx, a.ID, in.ActionName, sceneID, in.ActionInfo.Scene.SceneStr, expire)
	if err != nil {
		return nil, domainErr(err)
	}
	out := map[string]any{"ticket": t.Ticket, "url": api.ScanURL(t.Ticket)}
	if !t.Permanent() {
		out["expire_seconds"] = int64(t.ExpiresAt.Sub(t.CreatedAt) / time.Second)
	}
	return out, nil
}

// ScanURL is the content of a QR code: the follower app's page for the
// ticket, which follows (or scans) with the code's scene.
func (api *API) ScanURL(ticket string) string {
	return strings.TrimSuffix(api.BaseURL, "/") + "/q/" + url.PathEscape(ticket)
}

// GET /cgi-bin/showqrcode?ticket=: the QR code as a JPEG, as WeChat
// serves it; 404 for an
// unknown or expired ticket.
func (api *API) showQR(c *call) error {
	t, err := api.QR.Get(c.r.Context(), c.query("ticket"))
	if err != nil {
		http.Error(c.w, "ticket not found", http.StatusNotFound)
		return nil
	}
	code, err := qrcode.Encode([]byte(api.ScanURL(t.Ticket)))
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "image/jpeg")
	c.w.Header().Set("Cache-Control", "private, max-age=600")
	_, _ = c.w.Write(code.JPEG(8))
	return nil
}
