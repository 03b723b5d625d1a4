package compat

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/draft"
	"github.com/silenceper/wechat/v2/officialaccount/freepublish"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// TestSDKDraftsAndFreePublish drives officialaccount/draft and
// officialaccount/freepublish end to end, with a developer server written
// with the SDK's server package receiving PUBLISHJOBFINISH in safe mode.
func TestSDKDraftsAndFreePublish(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	sub := h.Subscription
	oa := account(sub, false)

	var mu sync.Mutex
	var events []*message.MixMessage
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := oa.GetServer(r, w)
		srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
			mu.Lock()
			events = append(events, msg)
			mu.Unlock()
			return nil
		})
		if err := srv.Serve(); err != nil {
			t.Errorf("SDK server: %v", err)
			return
		}
		srv.Send()
	}))
	defer dev.Close()
	if err := h.SetServer(sub, dev.URL, devToken, devAESKey, "safe"); err != nil {
		t.Fatal(err)
	}

	// The cover is a permanent material added with the SDK; heraldtest's
	// AddImage puts one in the same media library directly.
	thumb, _, err := oa.GetMaterial().AddMaterialFromReader(material.MediaTypeImage, "/tmp/cover.png", bytes.NewReader(pngImage()))
	if err != nil {
		t.Fatal(err)
	}
	thumb2 := h.AddImage(sub, pngImage())
	// An image for the article body, uploaded with media/uploadimg.
	imgFile := t.TempDir() + "/leaf.png"
	if err := os.WriteFile(imgFile, pngImage(), 0o600); err != nil {
		t.Fatal(err)
	}
	leafURL, err := oa.GetMaterial().ImageUpload(imgFile)
	if err != nil || !strings.HasPrefix(leafURL, h.URL+"/cgi-bin/media/pic?media_id=") {
		t.Fatalf("ImageUpload: %q %v", leafURL, err)
	}
	d := oa.GetDraft()
	mediaID, err := d.AddDraft([]*draft.Article{
		{Title: "Green tea", Author: "Lin", Digest: "How to steep it", Content: `<p>Steep at <b>80°C</b>.<img src="` + leafURL + `"></p><script>x()</script>`,
			ContentSourceURL: "https://tea.example/green", ThumbMediaID: thumb, NeedOpenComment: 1, OnlyFansCanComment: 1},
		{Title: "Oolong", Content: "<p>Roasted.</p>", ThumbMediaID: thumb2},
	})
	if err != nil || !strings.HasPrefix(mediaID, "D") {
		t.Fatalf("AddDraft: %q %v", mediaID, err)
	}
	arts, err := d.GetDraft(mediaID)
	if err != nil || len(arts) != 2 || arts[0].Content != `<p>Steep at <b>80°C</b>.<img src="`+leafURL+`"></p>` || arts[0].NeedOpenComment != 1 ||
		arts[0].OnlyFansCanComment != 1 || arts[0].ThumbMediaID != thumb || arts[1].ThumbMediaID != thumb2 || arts[1].Digest != "Roasted." {
		t.Fatalf("GetDraft: %+v %v", arts, err)
	}
	if err := d.UpdateDraft(&draft.Article{Title: "Oolong, roasted", Content: "<p>Darker.</p>", ThumbMediaID: thumb}, mediaID, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.UpdateDraft(&draft.Article{Title: "Too far", Content: "<p>x</p>", ThumbMediaID: thumb}, mediaID, 5); errcode(err) != 40060 {
		t.Fatalf("UpdateDraft index 5: %v", err)
	}
	if _, err := d.AddDraft([]*draft.Article{{Title: strings.Repeat("t", 33), Content: "<p>x</p>", ThumbMediaID: thumb}}); errcode(err) != 45003 {
		t.Fatalf("AddDraft with a long title: %v", err)
	}
	if _, err := d.AddDraft([]*draft.Article{{Title: "No cover", Content: "<p>x</p>"}}); errcode(err) != 40007 {
		t.Fatalf("AddDraft without thumb: %v", err)
	}
	spare, err := d.AddDraft([]*draft.Article{{Title: "Spare", Content: "<p>Spare.</p>", ThumbMediaID: thumb}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.CountDraft(); err != nil || n != 2 {
		t.Fatalf("CountDraft: %d %v", n, err)
	}
	list, err := d.PaginateDraft(0, 20, true)
	if err != nil || list.TotalCount != 2 || list.ItemCount != 2 || list.Item[1].MediaID != mediaID ||
		list.Item[1].Content.NewsItem[1].Title != "Oolong, roasted" || list.Item[1].Content.NewsItem[1].Content != "" {
		t.Fatalf("PaginateDraft: %+v %v", list, err)
	}
	if err := d.DeleteDraft(spare); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetDraft(spare); errcode(err) != 40007 {
		t.Fatalf("GetDraft of a deleted draft: %v", err)
	}

	fp := oa.GetFreePublish()
	publishID, err := fp.Publish(mediaID)
	if err != nil || publishID == 0 {
		t.Fatalf("Publish: %d %v", publishID, err)
	}
	st, err := fp.SelectStatus(publishID)
	if err != nil || st.PublishStatus != freepublish.PublishStatusPublishing {
		t.Fatalf("SelectStatus before the job: %+v %v", st, err)
	}
	if h.RunJobs() != 1 {
		t.Fatal("no publishing job ran")
	}
	st, err = fp.SelectStatus(publishID)
	if err != nil || st.PublishStatus != freepublish.PublishStatusSuccess || st.PublishID != publishID || st.ArticleDetail.Count != 2 ||
		!strings.HasPrefix(st.ArticleID, "A") || st.ArticleDetail.Items[0].Index != 1 || !strings.HasPrefix(st.ArticleDetail.Items[0].ArticleURL, h.URL+"/s/") {
		t.Fatalf("SelectStatus: %+v %v", st, err)
	}

	// The SDK's server decrypted and parsed PUBLISHJOBFINISH.
	mu.Lock()
	if len(events) != 1 || events[0].Event != message.EventPublishJobFinish || events[0].PublishEventInfo.PublishID != publishID ||
		events[0].PublishEventInfo.ArticleID != st.ArticleID || events[0].PublishEventInfo.PublishStatus != freepublish.PublishStatusSuccess ||
		events[0].PublishEventInfo.ArticleDetail.Count != 2 {
		mu.Unlock()
		t.Fatalf("PUBLISHJOBFINISH as the SDK saw it: %+v", events)
	}
	mu.Unlock()

	first, err := fp.First(st.ArticleID)
	if err != nil || len(first) != 2 || first[0].Title != "Green tea" || first[0].URL != st.ArticleDetail.Items[0].ArticleURL || first[0].IsDeleted {
		t.Fatalf("First: %+v %v", first, err)
	}
	// The reading page shows the same HTML (its image addresses relative to
	// Herald), and the uploaded image loads.
	page := string(fetch(t, first[0].URL))
	if want := strings.ReplaceAll(first[0].Content, h.URL, ""); !strings.Contains(page, want) {
		t.Fatalf("the reading page lacks the article's HTML %q", want)
	}
	if img := fetch(t, leafURL); !bytes.Equal(img, pngImage()) {
		t.Fatal("the article image does not load")
	}
	pl, err := fp.Paginate(0, 20, false)
	if err != nil || pl.TotalCount != 1 || pl.Item[0].ArticleID != st.ArticleID || pl.Item[0].Content.NewsItem[1].Title != "Oolong, roasted" {
		t.Fatalf("Paginate: %+v %v", pl, err)
	}
	if err := fp.Delete(st.ArticleID, 2); err != nil {
		t.Fatal(err)
	}
	if first, err = fp.First(st.ArticleID); err != nil || first[0].IsDeleted || !first[1].IsDeleted {
		t.Fatalf("First after deleting article 2: %+v %v", first, err)
	}
	if err := fp.Delete(st.ArticleID, 0); err != nil {
		t.Fatal(err)
	}
	if st, err = fp.SelectStatus(publishID); err != nil || st.PublishStatus != freepublish.PublishStatusUserDeleted {
		t.Fatalf("SelectStatus after deleting all: %+v %v", st, err)
	}
	if err := fp.Delete(st.ArticleID, 0); errcode(err) != 53600 {
		t.Fatalf("Delete twice: %v", err)
	}

	// Another account's ids are invalid for this one.
	other := account(h.Service, false)
	if _, err := other.GetDraft().GetDraft(mediaID); errcode(err) != 40007 {
		t.Fatalf("another account's draft: %v", err)
	}
	if _, err := other.GetFreePublish().SelectStatus(publishID); errcode(err) != 40035 {
		t.Fatalf("another account's publish_id: %v", err)
	}
}
