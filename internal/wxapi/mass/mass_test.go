package mass_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

type result = wxapitest.Result

type client struct {
	t *testing.T
	h *heraldtest.Herald
}

// start starts Herald and a client of its API.
func start(t *testing.T) (*heraldtest.Herald, *client) {
	h := heraldtest.New(t)
	return h, &client{t: t, h: h}
}

func (c *client) token(a *heraldtest.Account) string {
	return wxapitest.Token(c.t, c.h.URL, a)
}

// post sends body (a string is sent as is) and decodes the answer keeping
// 64-bit numbers exact.
func (c *client) post(path, tok string, body any) result {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.h.URL+path+"?access_token="+url.QueryEscape(tok), wxapitest.Body(body))
	req.Header.Set("Content-Type", "application/json")
	res, raw := wxapitest.Fetch(c.t, req)
	if res.StatusCode != 200 {
		c.t.Fatalf("%s: HTTP %d", path, res.StatusCode)
	}
	out, err := wxapitest.Decode(raw)
	if err != nil {
		c.t.Fatalf("%s: %s", path, raw)
	}
	if n, ok := out["errcode"].(json.Number); ok {
		f, _ := n.Float64()
		out["errcode"] = f
	}
	return out
}

func wantCode(t *testing.T, what string, r result, code int) {
	t.Helper()
	wxapitest.WantCode(t, what, r, code)
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func text(s string) map[string]any {
	return map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "text", "text": map[string]any{"content": s}}
}

// run runs a queued send to its end, as the server's worker would.
func run(t *testing.T, h *heraldtest.Herald, msgID int64) *publish.Job {
	t.Helper()
	var jobID int64
	if err := h.Internal().App.DB.QueryRow(context.Background(), `SELECT id FROM publish_jobs WHERE api_id = ?`, msgID).Scan(&jobID); err != nil {
		t.Fatalf("msg_id %v: %v", msgID, err)
	}
	j, err := h.Internal().App.PublishEngine.Run(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	h.Internal().App.Queue.Wait() // MASSSENDJOBFINISH is queued work
	return j
}

func draft(t *testing.T, h *heraldtest.Herald, a *heraldtest.Account, titles ...string) *publish.Publication {
	t.Helper()
	var in publish.DraftInput
	for _, ti := range titles {
		in.Articles = append(in.Articles, publish.ArticleInput{Title: ti, Body: "About " + ti, CommentsOpen: true})
	}
	p, err := h.Internal().App.Publish.SaveDraft(context.Background(), a.ID, 0, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (c *client) status(tok string, msgID int64) string {
	c.t.Helper()
	r := c.post("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": strconv.FormatInt(msgID, 10)})
	if r.Num("msg_id") != msgID {
		c.t.Fatalf("mass/get: %v", r)
	}
	return r["msg_status"].(string)
}

func TestSendAllToEveryoneAndToATag(t *testing.T) {
	h, c := start(t)
	svc := h.Service
	tok := c.token(svc)
	extra := h.NewFollower(svc)
	// The blacklisted follower is counted but filtered out.
	wantCode(t, "blacklist", c.post("/cgi-bin/tags/members/batchblacklist", tok, map[string]any{"openid_list": []string{extra.OpenID}}), 0)

	r := c.post("/cgi-bin/message/mass/sendall", tok, text("Branch hours change on Monday."))
	wantCode(t, "sendall text", r, 0)
	if r["errmsg"] != "send job submission success" || r.Num("msg_id") == 0 || r["msg_data_id"] != nil {
		t.Fatalf("sendall: %v", r)
	}
	id := r.Num("msg_id")
	if s := c.status(tok, id); s != "SENDING" {
		t.Fatalf("before the run: %s", s)
	}
	j := run(t, h, id)
	if j.TotalCount != 4 || j.FilterCount != 3 || j.SentCount != 3 || j.ErrorCount != 0 || j.Source != publish.SourceAPI {
		t.Fatalf("job: %s", j)
	}
	if s := c.status(tok, id); s != "SEND_SUCCESS" {
		t.Fatalf("after the run: %s", s)
	}
	for _, f := range svc.Followers {
		conv, _ := h.Conversation(svc, f)
		got := len(conv) == 1 && conv[0].Kind == "text" && conv[0].Sender == "mass" && conv[0].Text == "Branch hours change on Monday."
		if got == (f == extra) {
			t.Fatalf("%s (blacklisted %v) sees %+v", f.Name, f == extra, conv)
		}
	}
	// Another account's follower got nothing.
	if conv, _ := h.Conversation(h.Subscription, h.Subscription.Followers[0]); len(conv) != 0 {
		t.Fatalf("other account: %+v", conv)
	}

	// To a tag: only its members.
	tr := c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]any{"name": "VIP"}})
	tag := tr["tag"].(map[string]any)["id"]
	wantCode(t, "tag", c.post("/cgi-bin/tags/members/batchtagging", tok, map[string]any{"tagid": tag, "openid_list": []string{svc.Followers[0].OpenID}}), 0)
	p := draft(t, h, svc, "Savings tips", "Card safety")
	r = c.post("/cgi-bin/message/mass/sendall", tok, map[string]any{"filter": map[string]any{"is_to_all": false, "tag_id": tag},
		"msgtype": "mpnews", "mpnews": map[string]any{"media_id": p.MediaID()}, "send_ignore_reprint": 0})
	wantCode(t, "sendall mpnews to a tag", r, 0)
	if r.Num("msg_data_id") != p.MsgDataID {
		t.Fatalf("msg_data_id: %v, want the publication's %d", r, p.MsgDataID)
	}
	j = run(t, h, r.Num("msg_id"))
	if j.TotalCount != 1 || j.SentCount != 1 || j.Title != "Savings tips" {
		t.Fatalf("tag job: %s %q", j, j.Title)
	}
	conv, _ := h.Conversation(svc, svc.Followers[1])
	if len(conv) != 1 {
		t.Fatalf("a follower outside the tag got the card: %+v", conv)
	}
	conv, _ = h.Conversation(svc, svc.Followers[0])
	if len(conv) != 2 || conv[1].Kind != "publication" || conv[1].Title != "Savings tips" {
		t.Fatalf("tag member: %+v", conv)
	}
	// The draft is published now: sending it again is an invalid media_id.
	wantCode(t, "sent draft again", c.post("/cgi-bin/message/mass/sendall", tok, map[string]any{"filter": map[string]any{"is_to_all": true},
		"msgtype": "mpnews", "mpnews": map[string]any{"media_id": p.MediaID()}}), 40007)

	// The console lists both API sends with their reports.
	jobs, err := h.Internal().App.Publish.Jobs(context.Background(), svc.ID, 10)
	if err != nil || len(jobs) != 2 || jobs[0].MsgType != "mpnews" || jobs[1].MsgType != "text" || jobs[1].Title != "Branch hours change on Monday." {
		t.Fatalf("console jobs: %+v %v", jobs, err)
	}
}

func TestErrcodesAndTenantIsolation(t *testing.T) {
	h, c := start(t)
	svc, sub := h.Service, h.Subscription
	tok, subTok := c.token(svc), c.token(sub)
	const sendall, send = "/cgi-bin/message/mass/sendall", "/cgi-bin/message/mass/send"

	wantCode(t, "empty body", c.post(sendall, tok, ""), 44002)
	wantCode(t, "not JSON", c.post(sendall, tok, "{"), 47001)
	wantCode(t, "no filter", c.post(sendall, tok, map[string]any{"msgtype": "text", "text": map[string]any{"content": "x"}}), 47001)
	wantCode(t, "no msgtype", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}}), 47001)
	wantCode(t, "unknown msgtype", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "fax"}), 40008)
	wantCode(t, "wxcard", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "wxcard", "wxcard": map[string]any{"card_id": "c"}}), 48008)
	wantCode(t, "empty text", c.post(sendall, tok, text("  ")), 44004)
	wantCode(t, "long text", c.post(sendall, tok, text(strings.Repeat("x", 2049))), 45002)
	wantCode(t, "mpnews without media_id", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews", "mpnews": map[string]any{}}), 41006)
	wantCode(t, "mpnews of a bad id", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews", "mpnews": map[string]any{"media_id": "Dzzzz"}}), 40007)
	theirs := draft(t, h, sub, "Theirs")
	wantCode(t, "another account's draft", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews", "mpnews": map[string]any{"media_id": theirs.MediaID()}}), 40007)
	wantCode(t, "voice of an unknown media_id", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "voice", "voice": map[string]any{"media_id": "nope"}}), 40007)
	wantCode(t, "long clientmsgid", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "text", "text": map[string]any{"content": "x"},
		"clientmsgid": strings.Repeat("c", 65)}), 45067)
	wantCode(t, "tag without tag_id", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": false}, "msgtype": "text", "text": map[string]any{"content": "x"}}), 40035)
	// Another account's tag is an invalid tag id here.
	tr := c.post("/cgi-bin/tags/create", subTok, map[string]any{"tag": map[string]any{"name": "Theirs"}})
	wantCode(t, "another account's tag", c.post(sendall, tok, map[string]any{"filter": map[string]any{"is_to_all": false, "tag_id": tr["tag"].(map[string]any)["id"]},
		"msgtype": "text", "text": map[string]any{"content": "x"}}), 45159)

	// mass/send: 2..10000 openids of this account; Service accounts only.
	f := svc.Followers
	wantCode(t, "one openid", c.post(send, tok, map[string]any{"touser": []string{f[0].OpenID}, "msgtype": "text", "text": map[string]any{"content": "x"}}), 40032)
	wantCode(t, "touser not a list", c.post(send, tok, map[string]any{"touser": f[0].OpenID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 40031)
	wantCode(t, "another account's openid", c.post(send, tok, map[string]any{"touser": []string{f[0].OpenID, sub.Followers[0].OpenID}, "msgtype": "text", "text": map[string]any{"content": "x"}}), 40003)
	wantCode(t, "Subscription account mass/send", c.post(send, subTok, map[string]any{"touser": []string{sub.Followers[0].OpenID, sub.Followers[1].OpenID}, "msgtype": "text", "text": map[string]any{"content": "x"}}), 48001)
	unverified := h.NewAccount("Unverified Service", "service", false)
	h.NewFollower(unverified)
	wantCode(t, "unverified sendall", c.post(sendall, c.token(unverified), text("x")), 48001)
	r := c.post(send, tok, map[string]any{"touser": []string{f[0].OpenID, f[1].OpenID, f[1].OpenID}, "msgtype": "text", "text": map[string]any{"content": "Just you two"}})
	wantCode(t, "mass/send", r, 0)
	j := run(t, h, r.Num("msg_id"))
	if j.TotalCount != 2 || j.SentCount != 2 || j.Target != publish.TargetOpenIDs {
		t.Fatalf("openid send: %s", j)
	}
	if conv, _ := h.Conversation(svc, f[2]); len(conv) != 0 {
		t.Fatalf("an unlisted follower got it: %+v", conv)
	}

	// get and delete: another account's msg_id is invalid here.
	wantCode(t, "get another account's msg_id", c.post("/cgi-bin/message/mass/get", subTok, map[string]any{"msg_id": j.APIID}), 40035)
	wantCode(t, "delete another account's msg_id", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": j.APIID}), 40035)
	wantCode(t, "get without msg_id", c.post("/cgi-bin/message/mass/get", tok, map[string]any{}), 40035)
	wantCode(t, "delete a text send", c.post("/cgi-bin/message/mass/delete", tok, map[string]any{"msg_id": j.APIID}), 40035)
	// A console publish (not a mass send) has no msg_status either.
	pub := draft(t, h, svc, "Just published")
	pj, err := h.Internal().App.Publish.Send(context.Background(), svc.ID, 0, pub.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "get a plain publish", c.post("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": pj.APIID}), 40035)
}

func TestDedupeQuotaPreviewDeleteSpeed(t *testing.T) {
	h, c := start(t)
	svc, sub := h.Service, h.Subscription
	tok, subTok := c.token(svc), c.token(sub)
	app := h.Internal().App
	ctx := context.Background()
	const sendall = "/cgi-bin/message/mass/sendall"

	// clientmsgid: a retry within a minute is 45066, within a day 45065, both
	// naming the first send; nothing more is sent.
	req := text("Once only")
	req["clientmsgid"] = "promo-7"
	first := c.post(sendall, tok, req)
	wantCode(t, "first", first, 0)
	r := c.post(sendall, tok, req)
	wantCode(t, "retry within a minute", r, 45066)
	if r.Num("msg_id") != first.Num("msg_id") {
		t.Fatalf("45066 names %v, want %v", r["msg_id"], first["msg_id"])
	}
	h.Advance(2 * time.Minute)
	r = c.post(sendall, tok, req)
	wantCode(t, "retry within a day", r, 45065)
	if r.Num("msg_id") != first.Num("msg_id") || r["errmsg"].(string)[:len("clientmsgid exist")] != "clientmsgid exist" {
		t.Fatalf("45065: %v", r)
	}
	// Another account may use the same clientmsgid.
	wantCode(t, "same clientmsgid, other account", c.post(sendall, subTok, req), 0)

	// Quota: the console and the API share the Service account's 4 a month.
	p := draft(t, h, svc, "Console send")
	if _, err := app.Publish.Send(ctx, svc.ID, 0, p.ID, publish.SendOptions{Mode: publish.ModeMass}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "third", c.post(sendall, tok, text("three")), 0)
	wantCode(t, "fourth", c.post(sendall, tok, text("four")), 0)
	r = c.post(sendall, tok, text("five"))
	wantCode(t, "fifth this month", r, 45028)
	acc, _ := app.Accounts.ByID(ctx, svc.ID)
	if q, _ := app.Publish.Quota(ctx, acc); q.Used != 4 || q.Left != 0 {
		t.Fatalf("console quota: %+v", q)
	}
	if _, err := app.Publish.Send(ctx, svc.ID, 0, draft(t, h, svc, "One more").ID, publish.SendOptions{Mode: publish.ModeMass}); err == nil {
		t.Fatal("the console sent past the quota the API used")
	}

	// Preview: to one follower at once, by openid or WeChat ID, no quota.
	f := svc.Followers[2]
	r = c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": f.OpenID, "msgtype": "text", "text": map[string]any{"content": "Preview me"}})
	wantCode(t, "preview", r, 0)
	if r["errmsg"] != "preview success" || r.Num("msg_id") == 0 {
		t.Fatalf("preview: %v", r)
	}
	d := draft(t, h, svc, "Draft news")
	wantCode(t, "preview by wxname", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"towxname": f.Name, "msgtype": "mpnews", "mpnews": map[string]any{"media_id": d.MediaID()}}), 0)
	conv, _ := h.Conversation(svc, f)
	if len(conv) != 2 || conv[0].Text != "Preview me" || conv[1].Kind != "publication" || conv[1].Title != "Draft news" || !strings.Contains(conv[1].URL, "?k=") {
		t.Fatalf("previews: %+v", conv)
	}
	wantCode(t, "preview to another account's follower", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": sub.Followers[0].OpenID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 40003)
	wantCode(t, "preview to an unknown wxname", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"towxname": "nobody-here", "msgtype": "text", "text": map[string]any{"content": "x"}}), 40132)
	wantCode(t, "preview to nobody", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"msgtype": "text", "text": map[string]any{"content": "x"}}), 41009)
	if err := h.Unfollow(svc, svc.Followers[1]); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "preview to a former follower", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": svc.Followers[1].OpenID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 43004)
	wantCode(t, "blacklist", c.post("/cgi-bin/tags/members/batchblacklist", tok, map[string]any{"openid_list": []string{svc.Followers[0].OpenID}}), 0)
	wantCode(t, "preview to a blacklisted follower", c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": svc.Followers[0].OpenID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 43019)

	// Delete: a Subscription account's news send, one article then all.
	sp := draft(t, h, sub, "Morning tea", "Evening tea")
	r = c.post(sendall, subTok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews", "mpnews": map[string]any{"media_id": sp.MediaID()}})
	wantCode(t, "sub mpnews", r, 0)
	id := r.Num("msg_id")
	wantCode(t, "delete before it ran", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": id}), 40035)
	run(t, h, id)
	wantCode(t, "delete article 9", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": id, "article_idx": 9}), 40060)
	wantCode(t, "delete article 3 of 2", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": id, "article_idx": 3}), 40060)
	wantCode(t, "delete article 2", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": id, "article_idx": 2}), 0)
	if s := c.status(subTok, id); s != "SEND_SUCCESS" {
		t.Fatalf("after deleting one article: %s", s)
	}
	wantCode(t, "delete all", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": id, "article_idx": 0}), 0)
	if s := c.status(subTok, id); s != "DELETE" {
		t.Fatalf("after deleting all: %s", s)
	}

	// Speed: per account, 0–4.
	sp0 := c.post("/cgi-bin/message/mass/speed/get", tok, map[string]any{})
	if sp0.Num("speed") != 0 || sp0.Num("realspeed") != 80 {
		t.Fatalf("default speed: %v", sp0)
	}
	wantCode(t, "speed missing", c.post("/cgi-bin/message/mass/speed/set", tok, map[string]any{}), 45084)
	wantCode(t, "speed 5", c.post("/cgi-bin/message/mass/speed/set", tok, map[string]any{"speed": 5}), 45083)
	wantCode(t, "speed -1", c.post("/cgi-bin/message/mass/speed/set", tok, map[string]any{"speed": -1}), 45083)
	wantCode(t, "speed 2", c.post("/cgi-bin/message/mass/speed/set", tok, map[string]any{"speed": 2}), 0)
	if r := c.post("/cgi-bin/message/mass/speed/get", tok, map[string]any{}); r.Num("speed") != 2 || r.Num("realspeed") != 45 {
		t.Fatalf("speed after set: %v", r)
	}
	if r := c.post("/cgi-bin/message/mass/speed/get", subTok, map[string]any{}); r.Num("speed") != 0 {
		t.Fatalf("another account's speed changed: %v", r)
	}
}

const devToken = "masstoken"

func TestMassSendJobFinishPushedInSafeMode(t *testing.T) {
	h, c := start(t)
	svc := h.Service
	d := wxapitest.Serve(t, h, svc, devToken, wxcrypt.GenerateEncodingAESKey())
	tok := c.token(svc)
	extra := h.NewFollower(svc)
	wantCode(t, "blacklist", c.post("/cgi-bin/tags/members/batchblacklist", tok, map[string]any{"openid_list": []string{extra.OpenID}}), 0)

	p := draft(t, h, svc, "Savings tips", "Card safety")
	r := c.post("/cgi-bin/message/mass/sendall", tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews", "mpnews": map[string]any{"media_id": p.MediaID()}})
	wantCode(t, "sendall", r, 0)
	id := r.Num("msg_id")
	if len(d.Events(wxmsg.EventMassSendFinish)) != 0 {
		t.Fatal("MASSSENDJOBFINISH before the send ran")
	}
	run(t, h, id)
	ev := d.Events(wxmsg.EventMassSendFinish)
	if len(ev) != 1 {
		t.Fatalf("%d MASSSENDJOBFINISH events, want 1", len(ev))
	}
	m := ev[0]
	if m.JobMsgID != id || m.Status != "send success" || m.TotalCount != 4 || m.FilterCount != 3 || m.SentCount != 3 || m.ErrorCount != 0 || m.ToUserName != svc.OriginalID {
		t.Fatalf("event: %+v", m)
	}
	if m.ArticleURLResult == nil || m.ArticleURLResult.Count != 2 || m.ArticleURLResult.ResultList[1].ArticleIdx != 2 ||
		!strings.HasPrefix(m.ArticleURLResult.ResultList[0].ArticleURL, h.URL+"/s/") {
		t.Fatalf("ArticleUrlResult: %+v", m.ArticleURLResult)
	}
	if m.CopyrightCheckResult == nil || m.CopyrightCheckResult.CheckState != 1 {
		t.Fatalf("CopyrightCheckResult: %+v", m.CopyrightCheckResult)
	}
	// The article URL opens the published article.
	res, err := http.Get(m.ArticleURLResult.ResultList[0].ArticleURL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("article URL: %v %v", res, err)
	}
	res.Body.Close()
	// The ArticleUrl names the send for mass/delete without a msg_id; another
	// account's article URL is unknown there.
	subTok := c.token(h.Subscription)
	wantCode(t, "delete by another account", c.post("/cgi-bin/message/mass/delete", subTok, map[string]any{"url": m.ArticleURLResult.ResultList[1].ArticleURL}), 40035)
	wantCode(t, "delete by a bad url", c.post("/cgi-bin/message/mass/delete", tok, map[string]any{"url": h.URL + "/s/x"}), 40035)
	wantCode(t, "delete by url", c.post("/cgi-bin/message/mass/delete", tok, map[string]any{"url": m.ArticleURLResult.ResultList[1].ArticleURL, "article_idx": 2}), 0)
	if res, err := http.Get(m.ArticleURLResult.ResultList[1].ArticleURL); err != nil || !strings.Contains(readAll(res), "deleted by its author") {
		t.Fatalf("article 2 after delete by url: %v", err)
	}
	if s := c.status(tok, id); s != "SEND_SUCCESS" {
		t.Fatalf("after deleting article 2: %s", s)
	}

	// A text send: no article containers. Running it again pushes nothing.
	r = c.post("/cgi-bin/message/mass/send", tok, map[string]any{"touser": []string{svc.Followers[0].OpenID, extra.OpenID}, "msgtype": "text", "text": map[string]any{"content": "hi"}})
	wantCode(t, "send", r, 0)
	run(t, h, r.Num("msg_id"))
	run(t, h, r.Num("msg_id"))
	ev = d.Events(wxmsg.EventMassSendFinish)
	if len(ev) != 2 || ev[1].JobMsgID != r.Num("msg_id") || ev[1].TotalCount != 2 || ev[1].FilterCount != 1 || ev[1].SentCount != 1 || ev[1].ArticleURLResult != nil {
		t.Fatalf("text send event: %d events, %+v", len(ev), ev[len(ev)-1])
	}
	// The push log shows the event.
	log, err := h.Internal().App.DevSettings.Deliveries(context.Background(), svc.ID, 0, false, 10)
	if err != nil || len(log) == 0 {
		t.Fatalf("push log: %v", err)
	}
}
