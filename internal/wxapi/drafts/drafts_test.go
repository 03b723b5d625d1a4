package drafts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// A draft goes through add, get, update, count, batchget and delete with
// WeChat's shapes; its HTML is sanitised once and read back as stored.
func TestDraftLifecycle(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	thumb := e.image(a)
	inline := e.image(a)

	first := article("Green tea", thumb)
	first["content"] = `<p onclick="x()">Steep <b>gently</b>.<script>alert(1)</script><img src="http://evil.example/x.png">` +
		`<img src="` + e.s.URL + `/media/` + inline + `"></p>`
	first["digest"] = "How to steep green tea."
	first["content_source_url"] = "https://tea.example/green"
	first["pic_crop_235_1"] = "0.1_0_0.9_0.5"
	first["only_fans_can_comment"] = 1
	second := article("Oolong", thumb)
	second["need_open_comment"] = 0
	r := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{first, second}})
	wantCode(t, "add", r, 0)
	mediaID := r.str("media_id")
	if !strings.HasPrefix(mediaID, "D") {
		t.Fatalf("media_id = %q", mediaID)
	}

	r = e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID})
	wantCode(t, "get", r, 0)
	items := r.list("news_item")
	if len(items) != 2 {
		t.Fatalf("news_item = %v", r)
	}
	it := result(items[0].(map[string]any))
	// The plain address the developer pasted comes back as the
	// unguessable one (the plain one serves only published images).
	wantContent := `<p>Steep <b>gently</b>.<img src="` + e.s.URL + e.mediaURL(a, inline) + `"></p>`
	if got := it.str("content"); got != wantContent {
		t.Errorf("content = %q, want %q", got, wantContent)
	}
	if it.str("title") != "Green tea" || it.str("author") != "Lin" || it.str("digest") != "How to steep green tea." ||
		it.str("content_source_url") != "https://tea.example/green" || it.str("thumb_media_id") != thumb ||
		it.num("need_open_comment") != 1 || it.num("only_fans_can_comment") != 1 || it.str("pic_crop_235_1") != "0.1_0_0.9_0.5" ||
		it.str("thumb_url") != e.s.URL+e.mediaURL(a, thumb) || it.str("article_type") != "news" {
		t.Errorf("first article = %v", it)
	}
	if _, ok := it["is_deleted"]; ok {
		t.Errorf("a draft says is_deleted: %v", it)
	}
	// The url is the draft's preview link: it opens before publishing.
	status, page := e.page(it.str("url"))
	if status != 200 || !strings.Contains(page, "Steep <b>gently</b>.") || strings.Contains(page, "evil.example") {
		t.Errorf("preview %s: %d", it.str("url"), status)
	}
	second2 := result(items[1].(map[string]any))
	if second2.num("need_open_comment") != 0 || second2.num("only_fans_can_comment") != 0 || second2.str("digest") != "About Oolong." {
		t.Errorf("second article = %v", second2)
	}

	// Update replaces article 1 (from 0) and leaves article 0 alone.
	upd := article("Oolong, roasted", thumb)
	r = e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": mediaID, "index": 1, "articles": upd})
	wantCode(t, "update", r, 0)
	r = e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID})
	items = r.list("news_item")
	if len(items) != 2 || result(items[0].(map[string]any)).str("content") != wantContent ||
		result(items[1].(map[string]any)).str("title") != "Oolong, roasted" {
		t.Fatalf("after update: %v", r)
	}

	// A second draft; batchget lists the most recently changed first.
	r = e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("Pu'er", thumb)}})
	wantCode(t, "add 2", r, 0)
	second3 := r.str("media_id")
	req, _ := http.NewRequest("GET", e.s.URL+"/cgi-bin/draft/count?access_token="+a.token, nil)
	if r = e.do(req); r.num("total_count") != 2 {
		t.Fatalf("count = %v", r)
	}
	r = e.post(a, "/cgi-bin/draft/batchget", map[string]any{"offset": 0, "count": 1, "no_content": 0})
	wantCode(t, "batchget", r, 0)
	if r.num("total_count") != 2 || r.num("item_count") != 1 {
		t.Fatalf("batchget = %v", r)
	}
	item := result(r.list("item")[0].(map[string]any))
	if item.str("media_id") != second3 || item.num("update_time") == 0 {
		t.Errorf("batchget item = %v", item)
	}
	// no_content, as true or 1, leaves the bodies out; offset pages on.
	for _, nc := range []any{true, 1} {
		r = e.post(a, "/cgi-bin/draft/batchget", map[string]any{"offset": 1, "count": 20, "no_content": nc})
		item = result(r.list("item")[0].(map[string]any))
		news := item.obj("content").list("news_item")
		if r.num("item_count") != 1 || item.str("media_id") != mediaID || len(news) != 2 ||
			result(news[0].(map[string]any)).str("content") != "" || result(news[0].(map[string]any)).str("title") != "Green tea" {
			t.Errorf("batchget no_content=%v: %v", nc, r)
		}
	}

	if r = e.post(a, "/cgi-bin/draft/switch?checkonly=1", ""); r.code() != 0 || r.num("is_open") != 1 {
		t.Errorf("draft/switch = %v", r)
	}
	wantCode(t, "delete", e.post(a, "/cgi-bin/draft/delete", map[string]any{"media_id": mediaID}), 0)
	wantCode(t, "get deleted", e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID}), 40007)
	wantCode(t, "delete twice", e.post(a, "/cgi-bin/draft/delete", map[string]any{"media_id": mediaID}), 40007)
	if r = e.do(req); r.num("total_count") != 1 {
		t.Fatalf("count after delete = %v", r)
	}
}

// Every rule answers its errcode and stores nothing.
func TestDraftErrcodes(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	b := e.account("boris", "Other Tea", account.Subscription)
	thumb := e.image(a)
	foreign := e.image(b)

	with := func(k string, v any) map[string]any {
		x := article("Tea", thumb)
		if v == nil {
			delete(x, k)
		} else {
			x[k] = v
		}
		return map[string]any{"articles": []any{x}}
	}
	nine := []any{}
	for i := range 9 {
		nine = append(nine, article(fmt.Sprint("Tea ", i), thumb))
	}
	cases := []struct {
		name string
		body any
		code int
	}{
		{"empty body", "", 44002},
		{"not JSON", "{articles:", 47001},
		{"no articles", map[string]any{"articles": []any{}}, 44003},
		{"nine articles", map[string]any{"articles": nine}, 45008},
		{"no title", with("title", ""), 44003},
		{"no content", with("content", nil), 44003},
		{"title of 33", with("title", strings.Repeat("茶", 33)), 45003},
		{"author of 17", with("author", strings.Repeat("a", 17)), 45110},
		{"digest of 129", with("digest", strings.Repeat("d", 129)), 45004},
		{"content of 20000", with("content", strings.Repeat("c", 20000)), 45002},
		{"source URL over 1 KB", with("content_source_url", "https://tea.example/"+strings.Repeat("x", 1010)), 45005},
		{"source URL not http", with("content_source_url", "javascript:alert(1)"), 40035},
		{"no thumb", with("thumb_media_id", nil), 40007},
		{"unknown thumb", with("thumb_media_id", "Mzzzzzz"), 40007},
		{"another account's thumb", with("thumb_media_id", foreign), 40007},
		{"a draft as thumb", with("thumb_media_id", "D1"), 40007},
		{"bad crop", with("pic_crop_1_1", "0_0_2_1"), 40035},
		{"bad article_type", with("article_type", "video"), 40035},
		{"newspic without images", with("article_type", "newspic"), 44003},
	}
	for _, c := range cases {
		wantCode(t, c.name, e.post(a, "/cgi-bin/draft/add", c.body), c.code)
	}
	// Exactly at the limits is fine.
	ok := with("title", strings.Repeat("茶", 32))
	ok["articles"].([]any)[0].(map[string]any)["author"] = strings.Repeat("a", 16)
	ok["articles"].([]any)[0].(map[string]any)["content"] = strings.Repeat("c", 19999)
	r := e.post(a, "/cgi-bin/draft/add", ok)
	wantCode(t, "at the limits", r, 0)
	mediaID := r.str("media_id")
	if n, _ := e.s.App.Publish.CountDrafts(e.ctx, a.ID); n != 1 {
		t.Fatalf("%d drafts stored; the refused ones must store nothing", n)
	}

	// update, get, delete and batchget rules.
	wantCode(t, "update index 1 of 1", e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": mediaID, "index": 1, "articles": article("X", thumb)}), 40060)
	wantCode(t, "update index -1", e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": mediaID, "index": -1, "articles": article("X", thumb)}), 40060)
	wantCode(t, "update without article", e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": mediaID, "index": 0}), 44003)
	wantCode(t, "update with a long title", e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": mediaID, "index": 0,
		"articles": with("title", strings.Repeat("t", 33))["articles"].([]any)[0]}), 45003)
	wantCode(t, "update unknown", e.post(a, "/cgi-bin/draft/update", map[string]any{"media_id": "Dzz", "index": 0, "articles": article("X", thumb)}), 40007)
	got := e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID})
	if title := result(got.list("news_item")[0].(map[string]any)).str("title"); title != strings.Repeat("茶", 32) {
		t.Errorf("a refused update changed the draft: title %q", title)
	}
	for _, id := range []string{"", "garbage", "D", "M1", "A1", "Dzzzzzz"} {
		wantCode(t, "get "+id, e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": id}), 40007)
		wantCode(t, "delete "+id, e.post(a, "/cgi-bin/draft/delete", map[string]any{"media_id": id}), 40007)
	}
	for _, n := range []int{0, 21, -1} {
		wantCode(t, fmt.Sprint("batchget count ", n), e.post(a, "/cgi-bin/draft/batchget", map[string]any{"offset": 0, "count": n}), 40035)
		wantCode(t, fmt.Sprint("freepublish batchget count ", n), e.post(a, "/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": n}), 40035)
	}
	wantCode(t, "batchget offset -1", e.post(a, "/cgi-bin/draft/batchget", map[string]any{"offset": -1, "count": 5}), 40035)
	wantCode(t, "no token", e.post(&acct{}, "/cgi-bin/draft/count", "{}"), 41001)
}

// Another account's ids are invalid, never its data.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	b := e.account("boris", "Other Tea", account.Service)
	thumb := e.image(a)
	r := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("Secret blend", thumb), article("Second", thumb)}})
	draft := r.str("media_id")
	r = e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("Published blend", thumb)}})
	pub := r.str("media_id")
	r = e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": pub})
	wantCode(t, "submit", r, 0)
	publishID := r.id("publish_id")
	e.runJobs()
	articleID := e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}).str("article_id")
	if articleID == "" {
		t.Fatal("no article_id")
	}

	wantCode(t, "get", e.post(b, "/cgi-bin/draft/get", map[string]any{"media_id": draft}), 40007)
	wantCode(t, "update", e.post(b, "/cgi-bin/draft/update", map[string]any{"media_id": draft, "index": 0, "articles": article("Mine", e.image(b))}), 40007)
	wantCode(t, "delete", e.post(b, "/cgi-bin/draft/delete", map[string]any{"media_id": draft}), 40007)
	wantCode(t, "submit", e.post(b, "/cgi-bin/freepublish/submit", map[string]any{"media_id": draft}), 40007)
	wantCode(t, "publish get", e.post(b, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}), 40035)
	wantCode(t, "getarticle", e.post(b, "/cgi-bin/freepublish/getarticle", map[string]any{"article_id": articleID}), 53600)
	wantCode(t, "publish delete", e.post(b, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID}), 53600)
	for _, path := range []string{"/cgi-bin/draft/batchget", "/cgi-bin/freepublish/batchget"} {
		r = e.post(b, path, map[string]any{"offset": 0, "count": 20})
		wantCode(t, path, r, 0)
		if r.num("total_count") != 0 || len(r.list("item")) != 0 {
			t.Errorf("%s shows another account's items: %v", path, r)
		}
	}
	// Nothing changed for the owner.
	if r = e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": draft}); len(r.list("news_item")) != 2 {
		t.Errorf("owner's draft after the other account's attempts: %v", r)
	}
	if r = e.post(a, "/cgi-bin/freepublish/getarticle", map[string]any{"article_id": articleID}); len(r.list("news_item")) != 1 {
		t.Errorf("owner's publication after the other account's attempts: %v", r)
	}
}

var articlePage = regexp.MustCompile(`/s/(\d+)$`)

// freepublish/submit runs as a job; when it ends the developer's server (in
// safe mode) receives PUBLISHJOBFINISH; the article reads the same on its
// page and through getarticle; deleting one article and then all follow
// WeChat's statuses.
func TestFreePublishAndEvent(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	dev := e.devServer(a)
	thumb := e.image(a)
	content := `<h2>Brewing</h2><p>Water at <em>80°C</em>, <a href="https://tea.example">three minutes</a>.</p><script>x()</script>`
	first := article("Green tea", thumb)
	first["content"] = content
	r := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{first, article("Oolong", thumb)}})
	mediaID := r.str("media_id")

	r = e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": mediaID})
	wantCode(t, "submit", r, 0)
	publishID := r.id("publish_id")
	if pubID, _ := publish.ParseID("D", mediaID); publishID == 0 || publishID >= 1<<53 || r.id("msg_data_id") != e.msgDataID(a, pubID) {
		t.Fatalf("submit = %v", r)
	}
	// Submitted: publishing (1), and out of the draft box.
	r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID})
	if r.num("publish_status") != 1 || r.str("article_id") != "" {
		t.Fatalf("before the job ran: %v", r)
	}
	wantCode(t, "get a submitted draft", e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID}), 40007)
	wantCode(t, "submit twice", e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": mediaID}), 40007)
	if got, _ := dev.Messages(); len(got) != 0 {
		t.Fatalf("pushed before the job ended: %v", got)
	}

	e.runJobs()
	// publish_id as a string (the docs) or a number (silenceper) both work.
	r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": fmt.Sprint(publishID)})
	wantCode(t, "get", r, 0)
	articleID := r.str("article_id")
	detail := r.obj("article_detail")
	if r.num("publish_status") != 0 || !strings.HasPrefix(articleID, "A") || detail.num("count") != 2 || r.id("publish_id") != publishID {
		t.Fatalf("after the job: %v", r)
	}
	var urls []string
	for i, x := range detail.list("item") {
		it := result(x.(map[string]any))
		if int(it.num("idx")) != i+1 || !articlePage.MatchString(it.str("article_url")) || !strings.HasPrefix(it.str("article_url"), e.s.URL) {
			t.Errorf("detail item %d = %v", i, it)
		}
		urls = append(urls, it.str("article_url"))
	}

	// The developer's server got PUBLISHJOBFINISH with the same facts.
	got, plain := dev.Messages()
	if len(got) != 1 {
		t.Fatalf("pushed %d messages, want 1 PUBLISHJOBFINISH", len(got))
	}
	m := got[0]
	info := m.PublishEventInfo
	if m.MsgType != wxmsg.TypeEvent || m.Event != "PUBLISHJOBFINISH" || m.ToUserName != a.OriginalID || info == nil ||
		info.PublishID != publishID || info.PublishStatus != 0 || info.ArticleID != articleID || info.ArticleDetail == nil ||
		info.ArticleDetail.Count != 2 || info.ArticleDetail.Items[1].Idx != 2 || info.ArticleDetail.Items[1].ArticleURL != urls[1] {
		t.Fatalf("PUBLISHJOBFINISH = %+v %+v\n%s", m, info, plain[0])
	}
	// The owner published through the API: FromUserName is their openid.
	if !strings.HasPrefix(m.FromUserName, "o") || m.FromUserName == a.OriginalID {
		t.Errorf("FromUserName = %q", m.FromUserName)
	}
	for _, want := range []string{"<publish_id>", "<publish_status>0</publish_status>", "<article_id><![CDATA[" + articleID + "]]></article_id>",
		"<article_detail><count>2</count><item><idx>1</idx><article_url><![CDATA[" + urls[0] + "]]></article_url></item>"} {
		if !strings.Contains(plain[0], want) {
			t.Errorf("pushed XML lacks %q:\n%s", want, plain[0])
		}
	}

	// The reading page shows exactly the sanitised HTML that getarticle returns.
	r = e.post(a, "/cgi-bin/freepublish/getarticle", map[string]any{"article_id": articleID})
	wantCode(t, "getarticle", r, 0)
	items := r.list("news_item")
	it := result(items[0].(map[string]any))
	if len(items) != 2 || it.str("url") != urls[0] || it["is_deleted"] != false || strings.Contains(it.str("content"), "script") {
		t.Fatalf("getarticle = %v", r)
	}
	status, page := e.page(urls[0])
	if status != 200 || !strings.Contains(page, it.str("content")) {
		t.Fatalf("reading page %d lacks the article's HTML %q", status, it.str("content"))
	}

	// freepublish/batchget lists it.
	r = e.post(a, "/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": 10, "no_content": 1})
	if r.num("total_count") != 1 || result(r.list("item")[0].(map[string]any)).str("article_id") != articleID {
		t.Fatalf("freepublish batchget = %v", r)
	}

	// Delete article 2 (from 1): its page goes, the other stays.
	wantCode(t, "delete index 3", e.post(a, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID, "index": 3}), 40060)
	wantCode(t, "delete index 2", e.post(a, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID, "index": 2}), 0)
	wantCode(t, "delete index 2 again", e.post(a, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID, "index": 2}), 40060)
	if res, _ := http.Get(urls[1]); res.StatusCode != 404 {
		t.Errorf("deleted article's page: %d", res.StatusCode)
	}
	r = e.post(a, "/cgi-bin/freepublish/getarticle", map[string]any{"article_id": articleID})
	items = r.list("news_item")
	if result(items[0].(map[string]any))["is_deleted"] != false || result(items[1].(map[string]any))["is_deleted"] != true {
		t.Errorf("after deleting article 2: %v", r)
	}
	if r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}); r.num("publish_status") != 0 {
		t.Errorf("one article left, status %v", r)
	}
	// Delete the rest (index 0): status 5, the article_id is gone for delete.
	wantCode(t, "delete all", e.post(a, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID}), 0)
	if r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}); r.num("publish_status") != 5 {
		t.Errorf("all deleted, status %v", r)
	}
	wantCode(t, "delete all again", e.post(a, "/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID}), 53600)
	if r = e.post(a, "/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": 10}); r.num("total_count") != 0 {
		t.Errorf("deleted publication still listed: %v", r)
	}
	for _, id := range []string{"", "A", "Azzzzz", "D1"} {
		wantCode(t, "getarticle "+id, e.post(a, "/cgi-bin/freepublish/getarticle", map[string]any{"article_id": id}), 53600)
	}
	wantCode(t, "get unknown publish_id", e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": 12345}), 40035)
	wantCode(t, "submit unknown", e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": "Dzzzz"}), 40007)
}

// A publish job that fails answers status 3 and is pushed as such; the
// draft is back in the draft box.
func TestFailedPublishIsStatus3(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Service)
	dev := e.devServer(a)
	thumb := e.image(a)
	mediaID := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("Doomed", thumb)}}).str("media_id")
	r := e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": mediaID})
	publishID := r.id("publish_id")
	// The platform suspends the account for a day before the job runs.
	rv := e.s.CreatePerson(t, "rui", ownerPW, user.RoleReviewer)
	if _, err := e.s.App.Review.ApplyPenalty(e.ctx, rv, review.NewPenalty{AccountID: a.ID, Kind: review.Suspend, Days: 1,
		Rule: "Fraud", Evidence: "Asked followers for deposits."}); err != nil {
		t.Fatal(err)
	}
	e.runJobs()
	// The day passes and the suspension ends; the API answers again.
	e.s.Clock.Advance(25 * time.Hour)
	if _, err := e.s.App.Review.Sweep(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.s.App.API.ForgetAccount(a.ID)
	r = e.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {a.AppID}, "secret": {a.secret}})
	if a.token = r.str("access_token"); a.token == "" {
		t.Fatalf("no token after the suspension: %v", r)
	}
	r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID})
	if r.num("publish_status") != 3 || r.str("article_id") != "" {
		t.Fatalf("failed job: %v", r)
	}
	got, _ := dev.Messages()
	if len(got) != 1 || got[0].PublishEventInfo == nil || got[0].PublishEventInfo.PublishStatus != 3 || got[0].PublishEventInfo.ArticleID != "" {
		t.Fatalf("pushed %+v", got)
	}
	wantCode(t, "draft is back", e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID}), 0)
}

// Console and API drafts are the same objects: a console draft (Markdown)
// reads through the API as its rendered HTML, and an API draft is edited
// and published in the console, keeping the fields the console has no
// input for, and its end is pushed as PUBLISHJOBFINISH.
func TestConsoleAndAPIShareDrafts(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	dev := e.devServer(a)
	thumb := e.image(a)
	base := fmt.Sprintf("/mp/a/%d", a.ID)

	// Console → API.
	form := map[string][]string{"kind": {"news"}, "n": {"1"}, "op": {"save"}, "title_0": {"Console tea"},
		"body_0": {"Steep **slowly**.\n\n<script>x()</script>"}, "cover_0": {thumb}, "comments_0": {"1"}}
	res := a.console.PostForm(base+"/publish/save", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("console save: %d\n%s", res.Status, res.Body)
	}
	r := e.post(a, "/cgi-bin/draft/batchget", map[string]any{"offset": 0, "count": 20})
	if r.num("total_count") != 1 {
		t.Fatalf("console draft not listed: %v", r)
	}
	item := result(r.list("item")[0].(map[string]any))
	it := result(item.obj("content").list("news_item")[0].(map[string]any))
	if it.str("title") != "Console tea" || it.str("content") != "<p>Steep <strong>slowly</strong>.</p>" || it.str("thumb_media_id") != thumb ||
		it.num("need_open_comment") != 1 {
		t.Fatalf("console draft through the API: %v", it)
	}
	consoleDraft := item.str("media_id")
	wantCode(t, "API deletes a console draft", e.post(a, "/cgi-bin/draft/delete", map[string]any{"media_id": consoleDraft}), 0)

	// API → console.
	x := article("API tea", thumb)
	x["pic_crop_1_1"] = "0_0_1_1"
	x["show_cover_pic"] = 1
	mediaID := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{x}}).str("media_id")
	pubID, err := publish.ParseID("D", mediaID)
	if err != nil {
		t.Fatal(err)
	}
	res = a.console.Get(base + "/publish")
	if !res.Contains("API tea") {
		t.Fatalf("API draft not in the console's drafts:\n%s", res.Body)
	}
	res = a.console.Get(fmt.Sprintf("%s/publish/d/%d", base, pubID))
	if res.Status != 200 || !res.Contains("API tea") || !res.Contains(`name="crop11_0" value="0_0_1_1"`) {
		t.Fatalf("console editor: %d\n%s", res.Status, res.Body)
	}
	// Edit the title in the console, sending back every field the editor has.
	edit := map[string][]string{"kind": {"news"}, "n": {"1"}, "op": {"save"}, "draft": {fmt.Sprint(pubID)}, "title_0": {"API tea, edited"},
		"author_0": {"Lin"}, "body_0": {"<p>About <strong>API tea</strong>.</p>"}, "format_0": {"html"}, "cover_0": {thumb},
		"comments_0": {"1"}, "show_cover_0": {"1"}, "crop235_0": {""}, "crop11_0": {"0_0_1_1"}, "images_0": {""}}
	res = a.console.PostForm(base+"/publish/save", edit)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("console edit: %d\n%s", res.Status, res.Body)
	}
	r = e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID})
	it = result(r.list("news_item")[0].(map[string]any))
	if it.str("title") != "API tea, edited" || it.str("pic_crop_1_1") != "0_0_1_1" || it.num("show_cover_pic") != 1 ||
		it.str("content") != "<p>About <strong>API tea</strong>.</p>" {
		t.Fatalf("after the console edit: %v", it)
	}
	// Publish from the console.
	res = a.console.PostForm(fmt.Sprintf("%s/publish/d/%d/send", base, pubID), map[string][]string{"mode": {"publish"}, "when": {"now"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("console publish: %d\n%s", res.Status, res.Body)
	}
	r = e.post(a, "/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": 20})
	if r.num("total_count") != 1 {
		t.Fatalf("console publish not listed: %v", r)
	}
	item = result(r.list("item")[0].(map[string]any))
	if item.str("article_id") != publish.ArticleID(pubID) || result(item.obj("content").list("news_item")[0].(map[string]any)).str("title") != "API tea, edited" {
		t.Fatalf("published item: %v", item)
	}
	e.s.App.Drafts.Wait()
	e.s.App.Queue.Wait()
	got, _ := dev.Messages()
	if len(got) != 1 || got[0].PublishEventInfo == nil || got[0].PublishEventInfo.ArticleID != publish.ArticleID(pubID) || got[0].PublishEventInfo.PublishStatus != 0 {
		t.Fatalf("console publish pushed %+v", got)
	}
}

// A newspic (image post) keeps its images and plain-text content.
func TestNewsPic(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	img1, img2 := e.image(a), e.image(a)
	pic := map[string]any{"article_type": "newspic", "title": "Tea garden", "content": "Morning light.\nMist on the hills.",
		"image_info": map[string]any{"image_list": []any{map[string]any{"image_media_id": img1}, map[string]any{"image_media_id": img2}}}}
	r := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{pic}})
	wantCode(t, "add newspic", r, 0)
	mediaID := r.str("media_id")
	it := result(e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID}).list("news_item")[0].(map[string]any))
	list := it.obj("image_info").list("image_list")
	if it.str("article_type") != "newspic" || it.str("content") != "Morning light.\nMist on the hills." || it.str("digest") != "Morning light. Mist on the hills." || len(list) != 2 ||
		result(list[1].(map[string]any)).str("image_media_id") != img2 || it.str("thumb_media_id") != img1 {
		t.Fatalf("newspic = %v", it)
	}
	// Its page shows the images.
	if _, page := e.page(it.str("url")); !strings.Contains(page, `src="`+e.mediaURL(a, img2)+`"`) {
		t.Errorf("newspic page lacks its images")
	}
	if res, err := http.Get(e.s.URL + e.mediaURL(a, img2)); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("the preview's image: %v %v", res.Status, err)
	} else {
		res.Body.Close()
	}
	bad := map[string]any{"article_type": "newspic", "title": "Bad", "image_info": map[string]any{"image_list": []any{map[string]any{"image_media_id": "Mnope"}}}}
	wantCode(t, "newspic with an unknown image", e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{bad}}), 40007)
	wantCode(t, "newspic among news", e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{pic, article("News", img1)}}), 45008)
}

// A restricted account may not submit (48001, the draft stays a draft);
// articles the platform took down all answer status 6.
func TestRestrictedAndTakenDown(t *testing.T) {
	e := newEnv(t)
	a := e.account("lin", "Lotus Tea House", account.Subscription)
	thumb := e.image(a)
	mediaID := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("Banned tea", thumb), article("Also banned", thumb)}}).str("media_id")

	owner, err := e.s.App.Users.ByUsername(e.ctx, "lin")
	if err != nil {
		t.Fatal(err)
	}
	rv, rv2 := e.s.CreatePerson(t, "rui", ownerPW, user.RoleReviewer), e.s.CreatePerson(t, "mei", ownerPW, user.RoleReviewer)
	penalise := func(in review.NewPenalty) *review.Penalty {
		t.Helper()
		in.AccountID, in.Rule = a.ID, "Spam"
		pen, err := e.s.App.Review.ApplyPenalty(e.ctx, rv, in)
		if err != nil {
			t.Fatal(err)
		}
		return pen
	}
	restriction := penalise(review.NewPenalty{Kind: review.Restrict, Feature: review.FeaturePublishing, Days: 3, Evidence: "Forty identical posts in an hour."})
	wantCode(t, "restricted submit", e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": mediaID}), 48001)
	wantCode(t, "still a draft", e.post(a, "/cgi-bin/draft/get", map[string]any{"media_id": mediaID}), 0)
	// The owner appeals and another reviewer lifts the restriction.
	if _, err := e.s.App.Review.Appeal(e.ctx, owner, restriction.ID, "These were a timetable, not spam."); err != nil {
		t.Fatal(err)
	}
	if err := e.s.App.Review.DecideAppeal(e.ctx, rv2, restriction.ID, true, "A timetable, posted once per stop."); err != nil {
		t.Fatal(err)
	}

	r := e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": mediaID})
	wantCode(t, "submit", r, 0)
	publishID := r.id("publish_id")
	e.runJobs()
	r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID})
	wantCode(t, "get", r, 0)
	if _, ok := r["publish_status"]; !ok || r.num("publish_status") != 0 {
		t.Fatalf("published: %v", r)
	}
	p, err := e.s.App.Publish.Published(e.ctx, a.ID, r.str("article_id"))
	if err != nil {
		t.Fatal(err)
	}
	penalise(review.NewPenalty{Kind: review.Takedown, ArticleID: p.Articles[0].ID, Evidence: "Copy of a competitor's article."})
	if r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}); r.num("publish_status") != 0 {
		t.Errorf("one of two taken down: %v", r)
	}
	penalise(review.NewPenalty{Kind: review.Takedown, ArticleID: p.Articles[1].ID, Evidence: "Copy of a competitor's article."})
	if r = e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}); r.num("publish_status") != 6 {
		t.Errorf("all taken down: %v", r)
	}
}

// PUBLISHJOBFINISH is stored in the transaction that ends the publish job:
// a node whose work stops right after that commit (its process shutting
// down, before anything else runs) still has the event pushed.
func TestPublishJobFinishSurvivesAStopRightAfterTheEnd(t *testing.T) {
	// The node stops as soon as the transaction that ends the job commits.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	e := newEnvWith(t, app.Options{Publishing: publish.EngineOptions{Ended: func(context.Context, *publish.Job) { stop() }}})
	a := e.account("wen", "Stone Bridge Tea", account.Subscription)
	dev := e.devServer(a)
	r := e.post(a, "/cgi-bin/draft/add", map[string]any{"articles": []any{article("White tea", e.image(a))}})
	r = e.post(a, "/cgi-bin/freepublish/submit", map[string]any{"media_id": r.str("media_id")})
	wantCode(t, "submit", r, 0)
	publishID := r.id("publish_id")

	_, _ = e.s.App.PublishEngine.RunDue(ctx)
	if r := e.post(a, "/cgi-bin/freepublish/get", map[string]any{"publish_id": publishID}); r.num("publish_status") != 0 {
		t.Fatalf("the job did not end: %v", r)
	}
	e.s.App.Drafts.Wait()
	e.s.App.Queue.Wait()
	got, _ := dev.Messages()
	if len(got) != 1 || got[0].Event != wxmsg.EventPublishFinish || got[0].PublishEventInfo == nil || got[0].PublishEventInfo.PublishID != publishID {
		t.Fatalf("pushed %+v, want one PUBLISHJOBFINISH of publish_id %d", got, publishID)
	}
}
