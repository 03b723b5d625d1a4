package wxapi_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/media/mediatest"
	"github.com/heraldoa/herald/internal/publish"
)

func jpegImage(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mp4File is the smallest file Go's sniffer calls video/mp4.
func mp4File() []byte {
	return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 1, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'}, make([]byte, 64)...)
}

// uploadVideo posts a video with the description field.
func (c *client) uploadVideo(token, description string, data []byte) result {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", "clip.mp4")
	fw.Write(data)
	if description != "" {
		mw.WriteField("description", description)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/cgi-bin/material/add_material?type=video&access_token="+url.QueryEscape(token), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r, _, _ := c.do(req)
	return r
}

func TestPermanentMaterials(t *testing.T) {
	h, c, tok := start(t)
	app := h.Internal().App
	ctx := context.Background()
	const add = "/cgi-bin/material/add_material"

	// Uploads: an image answers its URL, others only the media_id.
	img := pngImage(t)
	up := c.upload(add, tok, "image", "tea.png", img)
	imgID := up.Str("media_id")
	if !strings.HasPrefix(imgID, "M") || !regexp.MustCompile(`/media/`+imgID+`-[0-9a-f]{32}$`).MatchString(up.Str("url")) {
		t.Fatalf("add image (its url carries a token): %v", up)
	}
	res, err := http.Get(up.Str("url"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("image url: %v %v", res, err)
	}
	res.Body.Close()
	// The plain address of an unpublished image is not served.
	if res, err = http.Get(h.URL + publish.MediaPath(imgID)); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("plain image address: %v %v", res, err)
	}
	res.Body.Close()
	thumb := c.upload(add, tok, "thumb", "t.jpg", jpegImage(t))
	voice := c.upload(add, tok, "voice", "hello.amr", append([]byte("#!AMR\n"), make([]byte, 100)...))
	wav := c.upload(add, tok, "voice", "hello.wav", append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 100)...))
	video := c.uploadVideo(tok, `{"title":"Brewing oolong","introduction":"Three steeps, one pot."}`, mp4File())
	for name, r := range map[string]result{"thumb": thumb, "voice": voice, "wav": wav, "video": video} {
		if r.Str("media_id") == "" || r.Str("url") != "" {
			t.Fatalf("add %s: %v", name, r)
		}
	}

	// Errors, each storing nothing.
	wantCode(t, "unknown type", c.upload(add, tok, "news", "a.png", img), 40004)
	wantCode(t, "no type", c.upload(add, tok, "", "a.png", img), 40004)
	wantCode(t, "text as image", c.upload(add, tok, "image", "a.png", []byte("hello, this is text")), 40005)
	wantCode(t, "webp is not a permanent image", c.upload(add, tok, "image", "a.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")), 40005)
	wantCode(t, "png thumb", c.upload(add, tok, "thumb", "t.png", img), 40005)
	wantCode(t, "image as voice", c.upload(add, tok, "voice", "v.amr", img), 40005)
	wantCode(t, "empty file", c.upload(add, tok, "image", "a.png", nil), 44001)
	wantCode(t, "large image", c.upload(add, tok, "image", "a.png", append(img, make([]byte, 10<<20)...)), 40009)
	wantCode(t, "large voice", c.upload(add, tok, "voice", "v.amr", append([]byte("#!AMR\n"), make([]byte, 2<<20)...)), 40010)
	wantCode(t, "large video", c.uploadVideo(tok, "", append(mp4File(), make([]byte, 10<<20)...)), 40011)
	wantCode(t, "large thumb", c.upload(add, tok, "thumb", "t.jpg", append(jpegImage(t), make([]byte, 64<<10)...)), 40012)
	longAMR := append([]byte("#!AMR\n"), bytes.Repeat(append([]byte{7 << 3}, make([]byte, 31)...), 3001)...) // 60.02 s
	wantCode(t, "voice over 60 s", c.upload(add, tok, "voice", "long.amr", longAMR), 45007)
	wantCode(t, "bad description", c.uploadVideo(tok, "{not json", mp4File()), 47001)
	wantCode(t, "long video title", c.uploadVideo(tok, `{"title":"`+strings.Repeat("茶", 65)+`"}`, mp4File()), 45003)
	wantCode(t, "long introduction", c.uploadVideo(tok, `{"title":"t","introduction":"`+strings.Repeat("i", 121)+`"}`, mp4File()), 45004)
	req, _ := http.NewRequest("POST", h.URL+add+"?type=image&access_token="+url.QueryEscape(tok), strings.NewReader("x"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=zz")
	r, _, _ := c.do(req)
	wantCode(t, "no media field", r, 41005)
	// Images declaring more pixels than Herald takes (decompression bombs of
	// a few hundred bytes) are too large; a broken header is no image.
	bomb := mediatest.PNG(50000, 50000)
	wantCode(t, "image declaring 50000²", c.upload(add, tok, "image", "bomb.png", bomb), 40009)
	wantCode(t, "thumb declaring 30000²", c.upload(add, tok, "thumb", "bomb.jpg", mediatest.JPEG(30000, 30000)), 40012)
	wantCode(t, "image with a broken header", c.upload(add, tok, "image", "broken.png", []byte("\x89PNG\r\n\x1a\n"+strings.Repeat("x", 100))), 40005)
	wantCode(t, "temporary image declaring 50000²", c.upload("/cgi-bin/media/upload", tok, "image", "bomb.png", bomb), 40009)
	wantCode(t, "uploadimg declaring 50000²", c.upload("/cgi-bin/media/uploadimg", tok, "", "bomb.png", bomb), 40009)
	if _, err := app.Publish.Upload(ctx, h.Service.ID, publish.AssetImage, "bomb.png", bytes.NewReader(bomb)); !errors.Is(err, media.ErrImageSize) {
		t.Fatalf("console upload of a bomb: %v", err)
	}

	// The console's library and the API are one: a console upload is listed.
	consoleImg, err := app.Publish.Upload(ctx, h.Service.ID, publish.AssetImage, "from-console.png", bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	count := c.call("/cgi-bin/material/get_materialcount", tok, nil)
	if count["image_count"] != 3.0 || count["voice_count"] != 2.0 || count["video_count"] != 1.0 || count["news_count"] != 0.0 {
		t.Fatalf("counts (2 images + 1 thumb, 2 voices, 1 video): %v", count)
	}
	list := c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "image", "offset": 0, "count": 20})
	items := list["item"].([]any)
	if list["total_count"] != 3.0 || list["item_count"] != 3.0 || len(items) != 3 {
		t.Fatalf("batchget image: %v", list)
	}
	first := items[0].(map[string]any)
	if first["media_id"] != consoleImg.MediaID || first["name"] != "from-console.png" || first["update_time"].(float64) == 0 ||
		first["url"] != h.URL+consoleImg.URL() {
		t.Fatalf("newest first, the console's upload: %v", first)
	}
	page := c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "image", "offset": 1, "count": 1})
	if page["total_count"] != 3.0 || page["item_count"] != 1.0 || page["item"].([]any)[0].(map[string]any)["media_id"] != thumb.Str("media_id") {
		t.Fatalf("offset 1 count 1: %v", page)
	}
	vids := c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "video", "offset": 0, "count": 5})
	if vids["total_count"] != 1.0 || vids["item"].([]any)[0].(map[string]any)["media_id"] != video.Str("media_id") {
		t.Fatalf("batchget video: %v", vids)
	}
	news := c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "news", "offset": 0, "count": 20})
	if news["total_count"] != 0.0 || news["item_count"] != 0.0 || len(news["item"].([]any)) != 0 {
		t.Fatalf("batchget news: %v", news)
	}
	wantCode(t, "count 0", c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "image", "offset": 0, "count": 0}), 40035)
	wantCode(t, "count 21", c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "image", "offset": 0, "count": 21}), 40035)
	wantCode(t, "negative offset", c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "image", "offset": -1, "count": 1}), 40035)
	wantCode(t, "batchget type", c.post("/cgi-bin/material/batchget_material", tok, map[string]any{"type": "thumbs", "offset": 0, "count": 1}), 40004)
	wantCode(t, "batchget not an object", c.post("/cgi-bin/material/batchget_material", tok, "not an object"), 47001)

	// get_material: the file itself, or a video's description.
	req, _ = http.NewRequest("POST", h.URL+"/cgi-bin/material/get_material?access_token="+url.QueryEscape(tok), strings.NewReader(`{"media_id":"`+imgID+`"}`))
	_, body, res := c.do(req)
	if !bytes.Equal(body, img) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("get_material image: %d bytes, %v", len(body), res.Header)
	}
	v := c.post("/cgi-bin/material/get_material", tok, map[string]string{"media_id": video.Str("media_id")})
	if v.Str("title") != "Brewing oolong" || v.Str("description") != "Three steeps, one pot." || !strings.Contains(v.Str("down_url"), video.Str("media_id")) {
		t.Fatalf("get_material video: %v", v)
	}
	_, body, _ = c.do(mustReq(t, "GET", v.Str("down_url")))
	if !bytes.Equal(body, mp4File()) {
		t.Fatalf("down_url serves %d bytes", len(body))
	}
	wantCode(t, "get unknown", c.post("/cgi-bin/material/get_material", tok, map[string]string{"media_id": "Mzzzzzz"}), 40007)
	wantCode(t, "get temporary media_id", c.post("/cgi-bin/material/get_material", tok, map[string]string{"media_id": "nonsense"}), 40007)
	wantCode(t, "get without media_id", c.post("/cgi-bin/material/get_material", tok, map[string]string{}), 41006)

	// Tenant isolation: the other account sees none of it.
	other := c.token(h.Subscription)
	wantCode(t, "other account's get", c.post("/cgi-bin/material/get_material", other, map[string]string{"media_id": imgID}), 40007)
	wantCode(t, "other account's delete", c.post("/cgi-bin/material/del_material", other, map[string]string{"media_id": imgID}), 40007)
	if n := c.call("/cgi-bin/material/get_materialcount", other, nil); n["image_count"] != 0.0 {
		t.Fatalf("other account's counts: %v", n)
	}
	if l := c.post("/cgi-bin/material/batchget_material", other, map[string]any{"type": "image", "offset": 0, "count": 20}); l["total_count"] != 0.0 || len(l["item"].([]any)) != 0 {
		t.Fatalf("other account's list: %v", l)
	}

	// In use by a menu button (a sub-button here) or an auto-reply: 48005.
	wantCode(t, "menu/create", c.post("/cgi-bin/menu/create", tok, map[string]any{"button": []any{
		map[string]any{"name": "More", "sub_button": []map[string]string{{"type": "media_id", "name": "Poster", "media_id": imgID}}}}}), 0)
	wantCode(t, "used by the menu", c.post("/cgi-bin/material/del_material", tok, map[string]string{"media_id": imgID}), 48005)
	if _, err := app.AutoReplies.SetSpecial(ctx, h.Service.ID, autoreply.KindFollow, true, autoreply.Reply{Type: autoreply.ReplyImage,
		MediaID: consoleImg.MediaID, MediaKey: consoleImg.Key, MediaType: consoleImg.ContentType}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "used by the follow reply", c.post("/cgi-bin/material/del_material", tok, map[string]string{"media_id": consoleImg.MediaID}), 48005)
	wantCode(t, "menu/delete", c.call("/cgi-bin/menu/delete", tok, nil), 0)
	wantCode(t, "no longer in a menu", c.post("/cgi-bin/material/del_material", tok, map[string]string{"media_id": imgID}), 0)
	wantCode(t, "deleted twice", c.post("/cgi-bin/material/del_material", tok, map[string]string{"media_id": imgID}), 40007)
	if _, err := app.Publish.Asset(ctx, h.Service.ID, imgID); err == nil {
		t.Fatal("the console's library still has the deleted material")
	}
	if n := c.call("/cgi-bin/material/get_materialcount", tok, nil); n["image_count"] != 2.0 {
		t.Fatalf("count after delete: %v", n)
	}
	// A console deletion leaves the API's list too.
	if err := app.Publish.DeleteAsset(ctx, h.Service.ID, voice.Str("media_id")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleted in the console", c.post("/cgi-bin/material/get_material", tok, map[string]string{"media_id": voice.Str("media_id")}), 40007)

	// Quotas: 1000 of a kind other than images (45034), nothing stored.
	if _, err := app.DB.Exec(ctx, `UPDATE media_asset_counts SET n = 1000 WHERE account_id = ? AND kind = 'video'`, h.Service.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "video quota", c.uploadVideo(tok, "", mp4File()), 45034)
	var rows int
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM media_assets WHERE account_id = ? AND kind = 'video'`, h.Service.ID).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("videos stored after a refused upload: %d %v", rows, err)
	}
	if _, err := app.Publish.Upload(ctx, h.Service.ID, publish.AssetVideo, "c.mp4", bytes.NewReader(mp4File())); err == nil {
		t.Fatal("the console uploaded past the quota")
	}
	if got := publish.MaterialLimit(publish.AssetImage); got != 100000 {
		t.Fatalf("image limit %d", got)
	}
	q := c.post("/cgi-bin/openapi/quota/get", tok, map[string]string{"cgi_path": add})
	if quota, _ := q["quota"].(map[string]any); quota == nil || quota["daily_limit"] != 5000.0 || quota["used"].(float64) < 20 {
		t.Fatalf("add_material quota: %v", q)
	}
}
