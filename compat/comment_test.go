package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/draft"
)

// silenceper/wechat v2.1.10 has no comment client, so the comment API is
// called with raw HTTP in the SDK's own style (POST JSON with the SDK's
// access token); the article is made with the SDK's draft package.
func TestCommentsOverRawHTTP(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	oa := account(h.Service, false)
	tok, err := oa.GetAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		res, err := http.Post(h.URL+path+"?access_token="+tok, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		dec := json.NewDecoder(res.Body)
		dec.UseNumber()
		var out map[string]any
		if err := dec.Decode(&out); err != nil {
			t.Fatal(err)
		}
		if code, _ := out["errcode"].(json.Number); code != "" && code != "0" {
			t.Fatalf("%s: %v", path, out)
		}
		return out
	}

	thumb := h.AddImage(h.Service, pngImage())
	mediaID, err := oa.GetDraft().AddDraft([]*draft.Article{{Title: "Oolong", Content: "<p>Steep it three times.</p>", ThumbMediaID: thumb, NeedOpenComment: 1}})
	if err != nil {
		t.Fatal(err)
	}
	msg := post("/cgi-bin/freepublish/submit", map[string]string{"media_id": mediaID})["msg_data_id"].(json.Number)
	h.RunJobs()
	msgID, _ := msg.Int64()
	art, err := h.Internal().App.Publish.MsgDataArticle(context.Background(), h.Service.ID, msgID, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := h.Service.Followers[0]
	if _, err := h.Internal().App.Publish.AddComment(context.Background(), art.ID, f.PersonID, "Lovely."); err != nil {
		t.Fatal(err)
	}

	list := post("/cgi-bin/comment/list", map[string]any{"msg_data_id": msg, "index": 0, "begin": 0, "count": 50, "type": 0})
	c := list["comment"].([]any)[0].(map[string]any)
	if list["total"] != json.Number("1") || c["openid"] != f.OpenID || c["content"] != "Lovely." {
		t.Fatalf("comment/list: %v", list)
	}
	id := c["user_comment_id"]
	post("/cgi-bin/comment/markelect", map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id})
	post("/cgi-bin/comment/reply/add", map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id, "content": "Thank you!"})
	// The reading page is in the reader's language; ask for English.
	req, err := http.NewRequest("GET", h.URL+"/s/"+strconv.FormatInt(art.ID, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(res.Body)
	res.Body.Close()
	if !strings.Contains(page.String(), "Featured") || !strings.Contains(page.String(), "Thank you!") {
		t.Fatal("the elected comment and the reply are not on the reading page")
	}
}
