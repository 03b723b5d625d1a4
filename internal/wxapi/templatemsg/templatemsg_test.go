package templatemsg_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

type result = wxapitest.Result

type caller struct {
	t     *testing.T
	h     *heraldtest.Herald
	a     *heraldtest.Account
	token string
}

func newCaller(t *testing.T, h *heraldtest.Herald, a *heraldtest.Account) *caller {
	c := &caller{t: t, h: h, a: a}
	c.refresh()
	return c
}

func (c *caller) refresh() {
	c.t.Helper()
	c.token = wxapitest.Token(c.t, c.h.URL, c.a)
}

func (c *caller) call(method, path string, body any) result {
	c.t.Helper()
	return wxapitest.Call(c.t, c.h.URL, method, path, url.Values{"access_token": {c.token}}, body)
}

func (c *caller) post(path string, body any) result { return c.call("POST", path, body) }
func (c *caller) get(path string) result            { return c.call("GET", path, nil) }

func (c *caller) want(code int, r result, what string) {
	c.t.Helper()
	if r.Code() != code {
		c.t.Fatalf("%s: errcode %d (%s), want %d", what, r.Code(), r.Str("errmsg"), code)
	}
}

// finished accepts TEMPLATESENDJOBFINISH.
var finished = wxapitest.Event(wxmsg.EventTemplateSendFinish)

const shipped = "{{first.DATA}}\nOrder number: {{keyword1.DATA}}\nCarrier: {{keyword2.DATA}}\n{{remark.DATA}}"

func library(t *testing.T, h *heraldtest.Herald) {
	t.Helper()
	for _, l := range []struct {
		short, title string
		industry     int
		content      string
	}{
		{"TM00015", "Order shipped", 13, shipped},
		{"TM00100", "Table ready", 10, "{{first.DATA}}\nTable: {{keyword1.DATA}}\n{{remark.DATA}}"},
		{"TM00200", "Payment received", 7, "Amount: {{keyword1.DATA}}"},
	} {
		if err := h.AddLibraryTemplate(l.short, l.title, l.industry, l.content); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTemplateEndpointsAndErrcodes(t *testing.T) {
	h := heraldtest.New(t)
	library(t, h)
	svc := newCaller(t, h, h.Service)

	// Subscription accounts and unverified Service accounts: 48001.
	sub := newCaller(t, h, h.Subscription)
	unverified := newCaller(t, h, h.NewAccount("Unverified Service", "service", false))
	for _, p := range []string{"/cgi-bin/template/api_set_industry", "/cgi-bin/template/get_industry", "/cgi-bin/template/api_add_template",
		"/cgi-bin/template/get_all_private_template", "/cgi-bin/template/del_private_template", "/cgi-bin/message/template/send"} {
		sub.want(48001, sub.post(p, map[string]any{}), "Subscription "+p)
		unverified.want(48001, unverified.post(p, map[string]any{}), "unverified Service "+p)
	}

	// Industry.
	r := svc.get("/cgi-bin/template/get_industry")
	if pi, _ := r["primary_industry"].(map[string]any); pi == nil || pi["first_class"] != "" {
		t.Fatalf("get_industry before any: %v", r)
	}
	svc.want(40037, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"}), "add before an industry")
	svc.want(40035, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "99", "industry_id2": "1"}), "unknown industry")
	svc.want(44002, svc.post("/cgi-bin/template/api_set_industry", nil), "empty body")
	svc.want(47001, svc.call("POST", "/cgi-bin/template/api_set_industry", "not an object"), "not JSON of the shape")
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "13", "industry_id2": 10}), "set industry")
	r = svc.get("/cgi-bin/template/get_industry")
	pi, _ := r["primary_industry"].(map[string]any)
	si, _ := r["secondary_industry"].(map[string]any)
	// WeChat's own names, as its get_industry gives them.
	if pi["first_class"] != "运输与仓储" || pi["second_class"] != "快递" || si["first_class"] != "餐饮" || si["second_class"] != "餐饮" {
		t.Fatalf("get_industry: %v", r)
	}
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "13", "industry_id2": "10"}), "the same industry again")
	svc.want(43100, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "7", "industry_id2": "10"}), "a second change this month")

	// Adding templates.
	svc.want(40035, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": ""}), "no short id")
	svc.want(40037, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM99999"}), "unknown short id")
	svc.want(40037, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00200"}), "outside the industries")
	svc.want(40035, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015", "keyword_name_list": []string{"Nope"}}), "unknown keyword name")
	r = svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015", "keyword_name_list": []string{"Order number"}})
	svc.want(0, r, "add with keyword_name_list")
	picked := r.Str("template_id")
	r = svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"})
	svc.want(0, r, "add")
	tplID := r.Str("template_id")
	if len(tplID) != 43 || tplID == picked {
		t.Fatalf("template_id %q (and %q)", tplID, picked)
	}
	r = svc.get("/cgi-bin/template/get_all_private_template")
	list, _ := r["template_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("get_all_private_template: %v", r)
	}
	first := list[0].(map[string]any)
	second := list[1].(map[string]any)
	if first["template_id"] != picked || strings.Contains(first["content"].(string), "Carrier") || !strings.Contains(first["content"].(string), "Order number") ||
		second["content"] != shipped || second["title"] != "Order shipped" || second["primary_industry"] != "运输与仓储" || second["deputy_industry"] != "快递" {
		t.Fatalf("template_list: %v", list)
	}

	// Another account's templates are invisible.
	other := newCaller(t, h, h.NewAccount("Other Service", "service", true))
	other.want(0, other.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "10", "industry_id2": "13"}), "other: industry")
	r = other.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00100"})
	other.want(0, r, "other: add")
	othersID := r.Str("template_id")
	svc.want(40037, svc.post("/cgi-bin/template/del_private_template", map[string]any{"template_id": othersID}), "delete another account's template")
	f := h.Service.Followers[0]
	svc.want(40037, svc.post("/cgi-bin/message/template/send", map[string]any{"touser": f.OpenID, "template_id": othersID}), "send another account's template")
	if r := other.get("/cgi-bin/template/get_all_private_template"); len(r["template_list"].([]any)) != 1 {
		t.Fatalf("other account's list: %v", r)
	}

	// Sending: errcodes.
	send := func(c *caller, body map[string]any) result { return c.post("/cgi-bin/message/template/send", body) }
	data := map[string]any{"first": map[string]any{"value": "Your parcel is on its way"}, "keyword1": map[string]any{"value": "A-1001", "color": "#173177"},
		"keyword2": map[string]any{"value": "Swift Post"}, "remark": map[string]any{"value": "Thank you"}}
	svc.want(40037, send(svc, map[string]any{"touser": f.OpenID, "data": data}), "no template_id")
	svc.want(40037, send(svc, map[string]any{"touser": f.OpenID, "template_id": "nope", "data": data}), "unknown template_id")
	svc.want(40003, send(svc, map[string]any{"touser": h.Subscription.Followers[0].OpenID, "template_id": tplID, "data": data}), "another account's follower")
	svc.want(40003, send(svc, map[string]any{"touser": "", "template_id": tplID, "data": data}), "no touser")
	for _, bad := range []string{"javascript:alert(document.cookie)", " JaVa\tScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"} {
		svc.want(40039, send(svc, map[string]any{"touser": f.OpenID, "template_id": tplID, "url": bad, "data": data}), "url "+bad)
	}
	svc.want(47003, send(svc, map[string]any{"touser": f.OpenID, "template_id": tplID, "data": map[string]any{"keyword1": map[string]any{"value": strings.Repeat("x", 201)}}}), "a value too long")
	gone := h.Service.Followers[1]
	if err := h.Unfollow(h.Service, gone); err != nil {
		t.Fatal(err)
	}
	svc.want(43004, send(svc, map[string]any{"touser": gone.OpenID, "template_id": tplID, "data": data}), "a former follower")
	blocked := h.Service.Followers[2]
	if err := h.Internal().App.Follows.SetBlocked(context.Background(), h.Service.ID, blocked.PersonID, true); err != nil {
		t.Fatal(err)
	}
	svc.want(43019, send(svc, map[string]any{"touser": blocked.OpenID, "template_id": tplID, "data": data}), "a blacklisted follower")

	// Deleting.
	svc.want(0, svc.post("/cgi-bin/template/del_private_template", map[string]any{"template_id": picked}), "delete")
	svc.want(40037, svc.post("/cgi-bin/template/del_private_template", map[string]any{"template_id": picked}), "delete again")
	svc.want(40037, send(svc, map[string]any{"touser": f.OpenID, "template_id": picked, "data": data}), "send a deleted template")

	// 25 templates at most.
	for i := 1; i < tmplmsg.MaxTemplates; i++ {
		svc.want(0, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00100"}), "fill the slots")
	}
	svc.want(45026, svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00100"}), "a 26th template")
	if r := svc.get("/cgi-bin/template/get_all_private_template"); len(r["template_list"].([]any)) != tmplmsg.MaxTemplates {
		t.Fatalf("after the cap: %d templates", len(r["template_list"].([]any)))
	}

	// Next month the industry may change; templates of the old industry go.
	h.Advance(32 * 24 * time.Hour)
	svc.refresh()
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "7", "industry_id2": "10"}), "change next month")
	r = svc.get("/cgi-bin/template/get_all_private_template")
	for _, it := range r["template_list"].([]any) {
		if it.(map[string]any)["title"] != "Table ready" {
			t.Fatalf("a template of the old industry survived the change: %v", it)
		}
	}
	if n := len(r["template_list"].([]any)); n != tmplmsg.MaxTemplates-1 {
		t.Fatalf("%d templates after the change, want %d", n, tmplmsg.MaxTemplates-1)
	}
}

func TestTemplateSendDeliversAndPushesResult(t *testing.T) {
	h := heraldtest.New(t)
	library(t, h)
	dev := wxapitest.Serve(t, h, h.Service, "tmpltoken", "")
	svc := newCaller(t, h, h.Service)
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "13", "industry_id2": "10"}), "industry")
	tplID := svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"}).Str("template_id")
	f := h.Service.Followers[0]
	body := map[string]any{"touser": f.OpenID, "template_id": tplID, "url": "https://shop.example/orders/A-1001",
		"miniprogram": map[string]any{"appid": "", "pagepath": ""}, "client_msg_id": "order-A-1001",
		"data": map[string]any{"first": map[string]any{"value": "Your parcel is on its way"}, "keyword1": map[string]any{"value": "A-1001", "color": "#173177"},
			"keyword2": map[string]any{"value": "Swift Post", "color": "red;background:url(x)"}, "remark": map[string]any{"value": "Thank you"}}}
	r := svc.post("/cgi-bin/message/template/send", body)
	svc.want(0, r, "send")
	if r.Str("errmsg") != "ok" {
		t.Fatalf("send answered %v", r)
	}
	msgID := int64(r["msgid"].(float64))
	if msgID < 200000000 || msgID >= 1<<53 {
		t.Fatalf("msgid %d: not a small number like WeChat's", msgID)
	}

	// The card is in the follower's chat.
	ms, err := h.Internal().App.Messages.History(context.Background(), h.Service.ID, f.PersonID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var card *message.Message
	for _, m := range ms {
		if m.Kind == message.KindTemplate {
			card = m
		}
	}
	if card == nil || card.Body.Title != "Order shipped" || card.Body.URL != "https://shop.example/orders/A-1001" || card.Direction != message.Out {
		t.Fatalf("no template card in the chat: %+v", ms)
	}
	lines, _ := json.Marshal(card.Body.Data)
	want := `[{"value":"Your parcel is on its way"},{"color":"#173177","label":"Order number","value":"A-1001"},{"label":"Carrier","value":"Swift Post"},{"value":"Thank you"}]`
	if string(lines) != want {
		t.Fatalf("card lines %s, want %s", lines, want)
	}

	// TEMPLATESENDJOBFINISH reaches the developer's server.
	ev := dev.Next(t, finished)
	if ev.JobMsgID != msgID || ev.Status != tmplmsg.StatusSuccess || ev.FromUserName != f.OpenID || ev.ToUserName != h.Service.OriginalID {
		t.Fatalf("TEMPLATESENDJOBFINISH %+v, want MsgID %d success from %s", ev, msgID, f.OpenID)
	}

	// The same client_msg_id again within 10 minutes: the same msgid, no second card.
	r = svc.post("/cgi-bin/message/template/send", body)
	svc.want(0, r, "send again")
	if int64(r["msgid"].(float64)) != msgID {
		t.Fatalf("a repeated client_msg_id got msgid %v, want %d", r["msgid"], msgID)
	}
	conv, _ := h.Conversation(h.Service, f)
	if n := countKind(conv, message.KindTemplate); n != 1 {
		t.Fatalf("%d template cards after a repeated client_msg_id, want 1", n)
	}
	// After 10 minutes the id may be used again.
	h.Advance(11 * time.Minute)
	r = svc.post("/cgi-bin/message/template/send", body)
	svc.want(0, r, "send after 10 minutes")
	if int64(r["msgid"].(float64)) == msgID {
		t.Fatal("client_msg_id still deduplicated after 10 minutes")
	}
	dev.Next(t, finished)
	conv, _ = h.Conversation(h.Service, f)
	if n := countKind(conv, message.KindTemplate); n != 2 {
		t.Fatalf("%d template cards, want 2", n)
	}

	// A follower who muted the account: failed:user block, nothing in the chat.
	muted := h.Service.Followers[1]
	if err := h.Mute(h.Service, muted); err != nil {
		t.Fatal(err)
	}
	body["touser"], body["client_msg_id"] = muted.OpenID, ""
	r = svc.post("/cgi-bin/message/template/send", body)
	svc.want(0, r, "send to a muted follower")
	ev = dev.Next(t, finished)
	if ev.JobMsgID != int64(r["msgid"].(float64)) || ev.Status != "failed:user block" || ev.FromUserName != muted.OpenID {
		t.Fatalf("TEMPLATESENDJOBFINISH for a muted follower: %+v", ev)
	}
	conv, _ = h.Conversation(h.Service, muted)
	if n := countKind(conv, message.KindTemplate); n != 0 {
		t.Fatalf("a muted follower got %d template cards", n)
	}

	// The send log.
	sends, err := h.Internal().App.Templates.Sends(context.Background(), h.Service.ID, 0, 10)
	if err != nil || len(sends) != 3 || sends[0].Status != tmplmsg.StatusUserBlock || sends[2].Status != tmplmsg.StatusSuccess || sends[2].ClientMsgID != "order-A-1001" {
		t.Fatalf("send log: %+v %v", sends, err)
	}
	h.Internal().App.Templates.Wait()
	if s, _ := h.Internal().App.Templates.SendByID(context.Background(), h.Service.ID, msgID); s.PushState != "done" {
		t.Fatalf("push state %q, want done", s.PushState)
	}
}

func TestTemplateSendQuota(t *testing.T) {
	h := heraldtest.New(t)
	library(t, h)
	old := apitoken.DailyLimits["/cgi-bin/message/template/send"]
	apitoken.DailyLimits["/cgi-bin/message/template/send"] = 1
	t.Cleanup(func() { apitoken.DailyLimits["/cgi-bin/message/template/send"] = old })
	svc := newCaller(t, h, h.Service)
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "13", "industry_id2": "10"}), "industry")
	tplID := svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"}).Str("template_id")
	body := map[string]any{"touser": h.Service.Followers[0].OpenID, "template_id": tplID, "data": map[string]any{"keyword1": map[string]any{"value": "A-1"}}}
	svc.want(0, svc.post("/cgi-bin/message/template/send", body), "first send of the day")
	svc.want(45009, svc.post("/cgi-bin/message/template/send", body), "over the daily quota")
}

func countKind(ms []heraldtest.Message, kind string) int {
	n := 0
	for _, m := range ms {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

// TestSweepFinishesWhatAStoppedProcessLeft: a send recorded but never
// settled (the process stopped before its card was stored) ends "failed:
// system failed" and its TEMPLATESENDJOBFINISH is pushed once; a send whose
// push never happened is pushed once.
func TestSweepFinishesWhatAStoppedProcessLeft(t *testing.T) {
	h := heraldtest.New(t)
	dev := wxapitest.Serve(t, h, h.Service, "tmpltoken", "")
	app := h.Internal().App
	ctx := context.Background()
	f := h.Service.Followers[0]
	now := h.Internal().Clock.Now().UnixMicro()
	for _, row := range []struct {
		id                int64
		status, pushState string
	}{
		{900000001, "sending", "waiting"},
		{900000002, "success", "pending"},
	} {
		if _, err := app.DB.Exec(ctx, `INSERT INTO template_sends (id, account_id, person_id, openid, template_id, title, status, push_state, created_at, message_id)
			VALUES (?, ?, ?, ?, 'tpl', 'Order shipped', ?, ?, ?, 42)`, row.id, h.Service.ID, f.PersonID, f.OpenID, row.status, row.pushState, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Templates.Sweep(ctx); err != nil { // too recent: left alone
		t.Fatal(err)
	}
	if got := dev.Events(wxmsg.EventTemplateSendFinish); len(got) != 0 {
		t.Fatalf("a fresh send was swept: %+v", got[0])
	}
	h.Advance(2 * time.Minute)
	if err := app.Templates.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for range 2 {
		m := dev.Next(t, finished)
		got[m.JobMsgID] = m.Status
	}
	if got[900000001] != tmplmsg.StatusSystemError || got[900000002] != tmplmsg.StatusSuccess {
		t.Fatalf("swept pushes %v", got)
	}
	if err := app.Templates.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := dev.Events(wxmsg.EventTemplateSendFinish); len(got) != 2 {
		t.Fatalf("pushed %d times, want once each of two sends", len(got))
	}
	for _, id := range []int64{900000001, 900000002} {
		if s, err := app.Templates.SendByID(ctx, h.Service.ID, id); err != nil || s.PushState != "done" {
			t.Fatalf("send %d: %+v %v", id, s, err)
		}
	}
}

// failingSettle is the push engine, except that the transaction settling a
// send fails after the event was queued in it (a database error at the
// last moment), so the settle rolls back.
type failingSettle struct {
	tmplmsg.Notifier
	fail bool
}

func (f *failingSettle) TemplateSendFinishedTx(ctx context.Context, tx *db.Tx, accountID int64, openID string, personID, msgID int64, status string, at time.Time) (bool, error) {
	ok, err := f.Notifier.TemplateSendFinishedTx(ctx, tx, accountID, openID, personID, msgID, status, at)
	if err == nil && f.fail {
		return false, errors.New("the database went away")
	}
	return ok, err
}

// TestTemplateFinishIsQueuedWithTheSettle: TEMPLATESENDJOBFINISH is queued
// in the transaction that settles the send. A settle that rolls back leaves
// no event (the send stays unsettled); when the sweep settles it later, the
// event is queued with it and pushed once; a settled send is never pushed
// again by the sweep.
func TestTemplateFinishIsQueuedWithTheSettle(t *testing.T) {
	h := heraldtest.New(t)
	library(t, h)
	dev := wxapitest.Serve(t, h, h.Service, "tmpltoken", "")
	app := h.Internal().App
	ctx := context.Background()
	svc := newCaller(t, h, h.Service)
	svc.want(0, svc.post("/cgi-bin/template/api_set_industry", map[string]any{"industry_id1": "13", "industry_id2": "10"}), "industry")
	tplID := svc.post("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"}).Str("template_id")
	f := h.Service.Followers[0]
	body := map[string]any{"touser": f.OpenID, "template_id": tplID, "data": map[string]any{"keyword1": map[string]any{"value": "A-1"}}}
	queued := func() int {
		t.Helper()
		var n int
		if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM work_jobs WHERE kind = ?`, push.JobTemplateFinish).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// The same service over the same store, whose settles fail.
	fs := &failingSettle{Notifier: app.Push, fail: true}
	flaky := tmplmsg.NewService(app.Templates.Store, tmplmsg.Deps{Accounts: app.Accounts, Follows: app.Follows, Messages: app.Messages,
		Push: fs, Clock: app.Clock, Log: app.Log})
	acc, err := app.Accounts.ByID(ctx, h.Service.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flaky.Send(ctx, acc, &tmplmsg.SendRequest{ToUser: f.OpenID, TemplateID: tplID,
		Data: map[string]tmplmsg.DataItem{"keyword1": {Value: "A-1"}}}); err == nil {
		t.Fatal("a send whose settle failed succeeded")
	}
	flaky.Wait()
	sends, err := app.Templates.Sends(ctx, h.Service.ID, 0, 10)
	if err != nil || len(sends) != 1 {
		t.Fatalf("sends %+v %v", sends, err)
	}
	failed := sends[0]
	if failed.Status != tmplmsg.StatusSending || failed.PushState != "waiting" {
		t.Fatalf("after a rolled-back settle the send is %q/%q, want sending/waiting", failed.Status, failed.PushState)
	}
	if n := queued(); n != 0 {
		t.Fatalf("%d TEMPLATESENDJOBFINISH queued by a settle that rolled back", n)
	}

	// The database is back: the sweep settles the send (its card is in the
	// chat) and queues its event in that transaction.
	fs.fail = false
	h.Advance(2 * time.Minute)
	if err := app.Templates.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	ev := dev.Next(t, finished)
	if ev.JobMsgID != failed.ID || ev.Status != tmplmsg.StatusSuccess {
		t.Fatalf("swept TEMPLATESENDJOBFINISH %+v, want msgid %d success", ev, failed.ID)
	}

	// A send that settles at once queues its event with the settle; the
	// send's push is then done, and sweeps push nothing more.
	r := svc.post("/cgi-bin/message/template/send", body)
	svc.want(0, r, "send")
	msgID := int64(r["msgid"].(float64))
	s, err := app.Templates.SendByID(ctx, h.Service.ID, msgID)
	if err != nil || s.Status != tmplmsg.StatusSuccess || s.PushState != "done" {
		t.Fatalf("settled send %+v %v, want success with its push handed to the queue", s, err)
	}
	if ev := dev.Next(t, finished); ev.JobMsgID != msgID {
		t.Fatalf("TEMPLATESENDJOBFINISH for msgid %d, want %d", ev.JobMsgID, msgID)
	}
	h.Advance(5 * time.Minute)
	if err := app.Templates.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	app.Queue.Wait()
	app.Templates.Wait()
	count := map[int64]int{}
	for _, m := range dev.Events(wxmsg.EventTemplateSendFinish) {
		count[m.JobMsgID]++
	}
	if len(count) != 2 || count[failed.ID] != 1 || count[msgID] != 1 {
		t.Fatalf("TEMPLATESENDJOBFINISH pushed per msgid %v, want once each for %d and %d", count, failed.ID, msgID)
	}
	if n := queued(); n != 0 {
		t.Fatalf("%d TEMPLATESENDJOBFINISH left in the queue after delivery", n)
	}
}
