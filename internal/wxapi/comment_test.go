package wxapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// postNum posts JSON and decodes the answer keeping numbers exact (Herald's
// msg_data_id and user_comment_id are 64-bit).
func (c *client) postNum(path, token string, body any) map[string]any {
	c.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(c.base+path+"?access_token="+url.QueryEscape(token), "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		c.t.Fatalf("%s: %v", path, err)
	}
	return out
}

func numCode(t *testing.T, what string, r map[string]any, want int) {
	t.Helper()
	got := int64(0)
	if n, ok := r["errcode"].(json.Number); ok {
		got, _ = n.Int64()
	}
	if got != int64(want) {
		t.Fatalf("%s: errcode %d (%v), want %d", what, got, r["errmsg"], want)
	}
	if want != 0 && !strings.Contains(r["errmsg"].(string), " rid: ") {
		t.Fatalf("%s: errmsg %q lacks the rid", what, r["errmsg"])
	}
}

func readingPage(t *testing.T, h *heraldtest.Herald, articleID int64) string {
	t.Helper()
	res, err := http.Get(h.URL + publish.ArticlePath(articleID))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("reading page: %d", res.StatusCode)
	}
	return string(b)
}

func TestComments(t *testing.T) {
	h, c, tok := start(t)
	app := h.Internal().App
	ctx := context.Background()

	// Publish two articles through the API; freepublish answers the
	// msg_data_id the comment API takes.
	thumb := h.AddImage(h.Service, pngImage(t))
	art := func(title string) map[string]any {
		return map[string]any{"title": title, "content": "<p>About " + title + ".</p>", "thumb_media_id": thumb, "need_open_comment": 1}
	}
	draft := c.postNum("/cgi-bin/draft/add", tok, map[string]any{"articles": []any{art("Oolong"), art("Pu-erh")}})
	sub := c.postNum("/cgi-bin/freepublish/submit", tok, map[string]any{"media_id": draft["media_id"]})
	numCode(t, "freepublish/submit", sub, 0)
	msg := sub["msg_data_id"].(json.Number)
	h.RunJobs()
	msgID, _ := msg.Int64()
	first, err := app.Publish.MsgDataArticle(ctx, h.Service.ID, msgID, 0)
	if err != nil || first.Title != "Oolong" {
		t.Fatalf("msg_data_id %s does not name the publication: %v %v", msg, first, err)
	}
	second, _ := app.Publish.MsgDataArticle(ctx, h.Service.ID, msgID, 1)

	// Readers comment on the reading page: two followers and a passer-by.
	f0, f1 := h.Service.Followers[0], h.Service.Followers[1]
	walker := h.NewPerson("walker")
	for _, w := range []struct {
		who  int64
		text string
	}{{f0.PersonID, "Lovely first steep."}, {f1.PersonID, "Too bitter for me."}, {walker.PersonID, "Where can I buy it?"}} {
		if _, err := app.Publish.AddComment(ctx, first.ID, w.who, w.text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Publish.AddComment(ctx, second.ID, f0.PersonID, "On the second article."); err != nil {
		t.Fatal(err)
	}

	list := func(index, typ int) (int64, []map[string]any) {
		t.Helper()
		r := c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": index, "begin": 0, "count": 50, "type": typ})
		numCode(t, "comment/list", r, 0)
		total, _ := r["total"].(json.Number).Int64()
		var out []map[string]any
		for _, x := range r["comment"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return total, out
	}
	total, all := list(0, 0)
	if total != 3 || len(all) != 3 || all[0]["content"] != "Lovely first steep." || all[0]["openid"] != f0.OpenID || all[1]["openid"] != f1.OpenID {
		t.Fatalf("comment/list: %d %v", total, all)
	}
	if oid, _ := all[2]["openid"].(string); oid == "" || oid == f0.OpenID || all[2]["comment_type"] != json.Number("0") || all[2]["create_time"] == json.Number("0") {
		t.Fatalf("a passer-by's comment: %v", all[2])
	}
	if n, other := list(1, 0); n != 1 || other[0]["content"] != "On the second article." {
		t.Fatalf("index 1: %v", other)
	}
	// Paging, as SDKs page.
	p := c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 0, "begin": 1, "count": 1, "type": 0})
	if p["total"] != json.Number("3") || len(p["comment"].([]any)) != 1 || p["comment"].([]any)[0].(map[string]any)["content"] != "Too bitter for me." {
		t.Fatalf("begin 1 count 1: %v", p)
	}
	id0, id1, id2 := all[0]["user_comment_id"], all[1]["user_comment_id"], all[2]["user_comment_id"]
	ref := func(id any) map[string]any {
		return map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id}
	}

	// Elect the second comment: listed as elected, featured first on the page.
	numCode(t, "markelect", c.postNum("/cgi-bin/comment/markelect", tok, ref(id1)), 0)
	if n, el := list(0, 2); n != 1 || el[0]["user_comment_id"] != id1 || el[0]["comment_type"] != json.Number("1") {
		t.Fatalf("elected: %v", el)
	}
	if n, _ := list(0, 1); n != 2 {
		t.Fatalf("normal: %d", n)
	}
	page := readingPage(t, h, first.ID)
	if !strings.Contains(page, `class="comment featured"`) || strings.Index(page, "Too bitter for me.") > strings.Index(page, "Lovely first steep.") {
		t.Fatal("the elected comment is not featured first on the reading page")
	}

	// A reply appears under the comment on the page; one reply per comment.
	numCode(t, "reply/add", c.postNum("/cgi-bin/comment/reply/add", tok, map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id0, "content": "Thank you! Try 95°C."}), 0)
	if page := readingPage(t, h, first.ID); !strings.Contains(page, "Thank you! Try 95°C.") {
		t.Fatal("the API's reply is not on the reading page")
	}
	if _, l := list(0, 0); l[0]["reply"].(map[string]any)["content"] != "Thank you! Try 95°C." || l[1]["reply"] != nil {
		t.Fatalf("replies in the list: %v", l)
	}
	numCode(t, "second reply", c.postNum("/cgi-bin/comment/reply/add", tok, map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id0, "content": "Again"}), 88005)
	numCode(t, "empty reply", c.postNum("/cgi-bin/comment/reply/add", tok, map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id1, "content": "  "}), 88007)
	numCode(t, "long reply", c.postNum("/cgi-bin/comment/reply/add", tok, map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id1, "content": strings.Repeat("茶", publish.MaxComment+1)}), 88007)
	numCode(t, "reply/delete", c.postNum("/cgi-bin/comment/reply/delete", tok, ref(id0)), 0)
	numCode(t, "reply/delete again", c.postNum("/cgi-bin/comment/reply/delete", tok, ref(id0)), 88009)
	if page := readingPage(t, h, first.ID); strings.Contains(page, "Thank you! Try 95°C.") {
		t.Fatal("a deleted reply is still on the page")
	}
	numCode(t, "unmarkelect", c.postNum("/cgi-bin/comment/unmarkelect", tok, ref(id1)), 0)
	if n, _ := list(0, 2); n != 0 {
		t.Fatalf("elected after unmarkelect: %d", n)
	}

	// Delete a comment: gone from the page and the list.
	numCode(t, "delete", c.postNum("/cgi-bin/comment/delete", tok, ref(id2)), 0)
	if page := readingPage(t, h, first.ID); strings.Contains(page, "Where can I buy it?") {
		t.Fatal("a deleted comment is still on the page")
	}
	if n, _ := list(0, 0); n != 2 {
		t.Fatalf("after delete: %d", n)
	}
	numCode(t, "delete again", c.postNum("/cgi-bin/comment/delete", tok, ref(id2)), 88004)
	numCode(t, "markelect deleted", c.postNum("/cgi-bin/comment/markelect", tok, ref(id2)), 88004)
	numCode(t, "unknown comment", c.postNum("/cgi-bin/comment/markelect", tok, ref(12345)), 88008)
	numCode(t, "comment of another article", c.postNum("/cgi-bin/comment/markelect", tok, map[string]any{"msg_data_id": msg, "index": 1, "user_comment_id": id0}), 88008)

	// Close and open: readers are refused while closed.
	numCode(t, "close", c.postNum("/cgi-bin/comment/close", tok, map[string]any{"msg_data_id": msg, "index": 0}), 0)
	if _, err := app.Publish.AddComment(ctx, first.ID, f0.PersonID, "Closed?"); err == nil {
		t.Fatal("commented on a closed article")
	}
	numCode(t, "open", c.postNum("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": msg, "index": 0}), 0)
	if _, err := app.Publish.AddComment(ctx, first.ID, f0.PersonID, "Open again."); err != nil {
		t.Fatal(err)
	}

	// Addressing and ranges.
	numCode(t, "index past the end", c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 2, "begin": 0, "count": 10, "type": 0}), 88001)
	numCode(t, "unknown msg_data_id", c.postNum("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": 12345, "index": 0}), 88001)
	numCode(t, "no msg_data_id", c.postNum("/cgi-bin/comment/close", tok, map[string]any{"index": 0}), 88001)
	numCode(t, "msg_data_id as a string", c.postNum("/cgi-bin/comment/close", tok, map[string]any{"msg_data_id": msg.String(), "index": "0"}), 0)
	numCode(t, "count 0", c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 0, "begin": 0, "count": 0, "type": 0}), 88010)
	numCode(t, "count 51", c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 0, "begin": 0, "count": 51, "type": 0}), 88010)
	numCode(t, "type 3", c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 0, "begin": 0, "count": 5, "type": 3}), 40035)
	numCode(t, "not JSON", c.postNum("/cgi-bin/comment/list", tok, "list"), 47001)
	unpublished := c.postNum("/cgi-bin/draft/add", tok, map[string]any{"articles": []any{art("Draft only")}})
	d, _ := app.Publish.Draft(ctx, h.Service.ID, unpublished["media_id"].(string))
	numCode(t, "a draft's msg_data_id", c.postNum("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": d.MsgDataID, "index": 0}), 88001)

	// Tenant isolation: another account's token cannot reach these comments.
	other := c.token(h.Subscription)
	for _, path := range []string{"/cgi-bin/comment/list", "/cgi-bin/comment/open", "/cgi-bin/comment/close", "/cgi-bin/comment/markelect",
		"/cgi-bin/comment/unmarkelect", "/cgi-bin/comment/delete", "/cgi-bin/comment/reply/add", "/cgi-bin/comment/reply/delete"} {
		numCode(t, "other account: "+path, c.postNum(path, other, map[string]any{"msg_data_id": msg, "index": 0, "user_comment_id": id0,
			"begin": 0, "count": 10, "type": 0, "content": "mine"}), 88001)
	}

	// Platform restrictions: comments restricted (88000 on open), the
	// article taken down (88002).
	rv := h.Internal().CreatePerson(t, "rui", "reviewer-pass-1234", user.RoleReviewer)
	if _, err := app.Review.ApplyPenalty(ctx, rv, review.NewPenalty{AccountID: h.Service.ID, Kind: review.Restrict, Feature: review.FeatureComments,
		Days: 3, Rule: "Abuse", Evidence: "Insults in replies to readers."}); err != nil {
		t.Fatal(err)
	}
	numCode(t, "open while restricted", c.postNum("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": msg, "index": 0}), 88000)
	numCode(t, "close while restricted", c.postNum("/cgi-bin/comment/close", tok, map[string]any{"msg_data_id": msg, "index": 1}), 0)
	if _, err := app.Review.ApplyPenalty(ctx, rv, review.NewPenalty{AccountID: h.Service.ID, Kind: review.Takedown, ArticleID: first.ID,
		Rule: "Misleading", Evidence: "Claims the tea cures illnesses."}); err != nil {
		t.Fatal(err)
	}
	numCode(t, "taken down", c.postNum("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": msg, "index": 0, "begin": 0, "count": 10, "type": 0}), 88002)
	if n, _ := list(1, 0); n != 1 {
		t.Fatalf("the other article stays: %d", n)
	}
}
