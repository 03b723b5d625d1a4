package compat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/material"
)

// The silenceper SDK's material package against Herald's permanent
// materials. The SDK has no call that downloads a non-news material
// (GetNews only parses news_item), so get_material is checked with raw
// HTTP, as the SDK would post it.
func TestSDKPermanentMaterials(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	m := account(h.Service, false).GetMaterial()
	img := pngImage()

	imgID, imgURL, err := m.AddMaterialFromReader(material.MediaTypeImage, "/tmp/poster.png", bytes.NewReader(img))
	if err != nil || imgID == "" || !strings.HasPrefix(imgURL, h.URL+"/media/") {
		t.Fatalf("AddMaterial image: %q %q %v", imgID, imgURL, err)
	}
	if got := fetch(t, imgURL); !bytes.Equal(got, img) {
		t.Fatalf("image url serves %d bytes", len(got))
	}
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 1, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'}, make([]byte, 64)...)
	vidID, _, err := m.AddVideoFromReader("/tmp/clip.mp4", "Brewing oolong", "Three steeps.", bytes.NewReader(mp4))
	if err != nil || vidID == "" {
		t.Fatalf("AddVideo: %q %v", vidID, err)
	}
	_, _, err = m.AddMaterialFromReader(material.MediaTypeThumb, "/tmp/t.png", bytes.NewReader(img))
	if errcode(err) != 40005 {
		t.Fatalf("PNG thumb: %v, want 40005", err)
	}

	count, err := m.GetMaterialCount()
	if err != nil || count.ImageCount != 1 || count.VideoCount != 1 || count.VoiceCount != 0 || count.NewsCount != 0 {
		t.Fatalf("GetMaterialCount: %+v %v", count, err)
	}
	list, err := m.BatchGetMaterial(material.PermanentMaterialTypeImage, 0, 20)
	if err != nil || list.TotalCount != 1 || list.ItemCount != 1 || list.Item[0].MediaID != imgID || list.Item[0].Name != "poster.png" || list.Item[0].URL != imgURL {
		t.Fatalf("BatchGetMaterial: %+v %v", list, err)
	}
	if _, err := m.BatchGetMaterial(material.PermanentMaterialTypeImage, 0, 21); errcode(err) != 40035 {
		t.Fatalf("count 21: %v", err)
	}
	if news, err := m.BatchGetMaterial(material.PermanentMaterialTypeNews, 0, 20); err != nil || news.TotalCount != 0 || len(news.Item) != 0 {
		t.Fatalf("news: %+v %v", news, err)
	}

	// get_material, as any SDK posts it.
	tok, _ := account(h.Service, false).GetAccessToken()
	get := func(id string) (*http.Response, []byte) {
		res, err := http.Post(h.URL+"/cgi-bin/material/get_material?access_token="+tok, "application/json", strings.NewReader(`{"media_id":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res, b.Bytes()
	}
	if _, b := get(imgID); !bytes.Equal(b, img) {
		t.Fatalf("get_material image: %d bytes", len(b))
	}
	_, b := get(vidID)
	var v struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		DownURL     string `json:"down_url"`
	}
	if json.Unmarshal(b, &v) != nil || v.Title != "Brewing oolong" || v.Description != "Three steeps." || !bytes.Equal(fetch(t, v.DownURL), mp4) {
		t.Fatalf("get_material video: %s", b)
	}

	// Another account's SDK cannot delete it; the owner can, once.
	if err := account(h.Subscription, false).GetMaterial().DeleteMaterial(imgID); errcode(err) != 40007 {
		t.Fatalf("other account's DeleteMaterial: %v", err)
	}
	if err := m.DeleteMaterial(imgID); err != nil {
		t.Fatalf("DeleteMaterial: %v", err)
	}
	if err := m.DeleteMaterial(imgID); errcode(err) != 40007 {
		t.Fatalf("DeleteMaterial twice: %v", err)
	}
}
