package subscribe_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

type result = wxapitest.Result

type client struct {
	t    *testing.T
	base string
	tok  string
}

func (c *client) do(method, path string, q url.Values, body any) result {
	c.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", c.tok)
	return wxapitest.Call(c.t, c.base, method, path, q, body)
}

func (c *client) want(what string, r result, code int) {
	c.t.Helper()
	if r.Code() != code {
		c.t.Fatalf("%s: errcode %d (%v), want %d", what, r.Code(), r["errmsg"], code)
	}
}

func TestSubscriptionNotifications(t *testing.T) {
	h := heraldtest.New(t)
	svc := h.Service
	c := &client{t: t, base: h.URL, tok: wxapitest.Token(t, h.URL, svc)}
	dev := wxapitest.Serve(t, h, svc, "subtoken", "")
	ev := func(m *wxmsg.Message) bool { return strings.HasPrefix(m.Event, "subscribe_msg_") }
	shipped, err := h.AddSubscribeTemplate("Order shipped", true, 308,
		heraldtest.SubscribeKeyword{Name: "Order number", Rule: "character_string", Example: "A1024"},
		heraldtest.SubscribeKeyword{Name: "Item", Rule: "thing", Example: "Green tea"},
		heraldtest.SubscribeKeyword{Name: "Shipped at", Rule: "time", Example: "2026-12-05 10:00"})
	if err != nil {
		t.Fatal(err)
	}
	outage, err := h.AddSubscribeTemplate("Service outage", false, 314,
		heraldtest.SubscribeKeyword{Name: "Area", Rule: "thing", Example: "North district"},
		heraldtest.SubscribeKeyword{Name: "Until", Rule: "time", Example: "18:00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddSubscribeTemplate("Bad", true, 308, heraldtest.SubscribeKeyword{Name: "X", Rule: "nonsense"}, heraldtest.SubscribeKeyword{Name: "Y", Rule: "thing"}); err == nil {
		t.Fatal("the library took an unknown rule")
	}

	// The library.
	cats := c.do("GET", "/wxaapi/newtmpl/getcategory", nil, nil)
	if len(cats["data"].([]any)) < 5 {
		t.Fatalf("getcategory: %v", cats)
	}
	c.want("titles without ids", c.do("GET", "/wxaapi/newtmpl/getpubtemplatetitles", url.Values{"start": {"0"}, "limit": {"10"}}, nil), 200018)
	c.want("titles limit", c.do("GET", "/wxaapi/newtmpl/getpubtemplatetitles", url.Values{"ids": {"308"}, "start": {"0"}, "limit": {"31"}}, nil), 200017)
	titles := c.do("GET", "/wxaapi/newtmpl/getpubtemplatetitles", url.Values{"ids": {"308,314"}, "start": {"0"}, "limit": {"1"}}, nil)
	data := titles["data"].([]any)
	if titles["count"].(float64) != 2 || len(data) != 1 || data[0].(map[string]any)["title"] != "Order shipped" ||
		data[0].(map[string]any)["categoryId"] != "308" || data[0].(map[string]any)["type"].(float64) != 2 {
		t.Fatalf("getpubtemplatetitles: %v", titles)
	}
	kw := c.do("GET", "/wxaapi/newtmpl/getpubtemplatekeywords", url.Values{"tid": {itoa(shipped)}}, nil)
	if k := kw["data"].([]any); len(k) != 3 || k[1].(map[string]any)["rule"] != "thing" || k[1].(map[string]any)["kid"].(float64) != 2 {
		t.Fatalf("getpubtemplatekeywords: %v", kw)
	}
	c.want("keywords of nothing", c.do("GET", "/wxaapi/newtmpl/getpubtemplatekeywords", url.Values{"tid": {"1"}}, nil), 200014)

	// Private templates.
	c.want("one keyword", c.do("POST", "/wxaapi/newtmpl/addtemplate", nil, map[string]any{"tid": itoa(shipped), "kidList": []int{1}}), 200020)
	c.want("unknown kid", c.do("POST", "/wxaapi/newtmpl/addtemplate", nil, map[string]any{"tid": itoa(shipped), "kidList": []int{1, 9}}), 200020)
	c.want("long scene", c.do("POST", "/wxaapi/newtmpl/addtemplate", nil, map[string]any{"tid": itoa(shipped), "kidList": []int{1, 2}, "sceneDesc": strings.Repeat("x", 16)}), 200021)
	add := c.do("POST", "/wxaapi/newtmpl/addtemplate", nil, map[string]any{"tid": itoa(shipped), "kidList": []int{1, 2, 3}, "sceneDesc": "orders"})
	c.want("add", add, 0)
	once := add["priTmplId"].(string)
	add = c.do("POST", "/wxaapi/newtmpl/addtemplate", nil, map[string]any{"tid": outage, "kidList": []string{"1", "2"}})
	c.want("add long-term", add, 0)
	always := add["priTmplId"].(string)
	list := c.do("GET", "/wxaapi/newtmpl/gettemplate", nil, nil)["data"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["content"] != "Order number:{{character_string1.DATA}}\nItem:{{thing2.DATA}}\nShipped at:{{time3.DATA}}" ||
		list[1].(map[string]any)["type"].(float64) != 3 {
		t.Fatalf("gettemplate: %v", list)
	}
	other := &client{t: t, base: h.URL, tok: wxapitest.Token(t, h.URL, h.Subscription)}
	other.want("subscription account", other.do("GET", "/wxaapi/newtmpl/gettemplate", nil, nil), 48001)

	mei := svc.Followers[0]
	send := func(tmpl string, data map[string]string) result {
		d := map[string]any{}
		for k, v := range data {
			d[k] = map[string]string{"value": v}
		}
		return c.do("POST", "/cgi-bin/message/subscribe/bizsend", nil, map[string]any{"touser": mei.OpenID, "template_id": tmpl,
			"page": "https://example.com/orders/A1024", "data": d})
	}
	good := map[string]string{"character_string1": "A1024", "thing2": "Green tea", "time3": "2026-12-05 10:00"}
	c.want("no consent", send(once, good), 43101)

	// The follower accepts once on a web page: one send.
	if err := h.Subscribe(svc, mei, map[string]bool{once: true, always: false}, false, 1); err != nil {
		t.Fatal(err)
	}
	e := dev.Next(t, ev)
	if e.Event != wxmsg.EventSubscribeMsgPopup || len(e.SubscribeMsgPopupEvent) != 2 || e.FromUserName != mei.OpenID {
		t.Fatalf("popup event: %+v", e)
	}
	for _, it := range e.SubscribeMsgPopupEvent {
		want := map[string]string{once: "accept", always: "reject"}[it.TemplateID]
		if it.SubscribeStatusString != want || it.PopupScene != 1 {
			t.Fatalf("popup item: %+v", it)
		}
	}
	bad := map[string]string{"character_string1": "A1024", "thing2": strings.Repeat("长", 21), "time3": "2026-12-05 10:00"}
	r := send(once, bad)
	c.want("thing too long", r, 47003)
	if !strings.HasPrefix(r.Str("errmsg"), "argument invalid! data.thing2.value invalid rid: ") {
		t.Fatalf("thing too long: errmsg %q does not name the keyword", r.Str("errmsg"))
	}
	c.want("missing keyword", send(once, map[string]string{"character_string1": "A1024"}), 47003)
	c.want("send", send(once, good), 0)
	e = dev.Next(t, ev)
	if e.Event != wxmsg.EventSubscribeMsgSent || e.SubscribeMsgSentEvent[0].TemplateID != once || e.SubscribeMsgSentEvent[0].ErrorStatus != "success" ||
		e.SubscribeMsgSentEvent[0].MsgID == 0 {
		t.Fatalf("sent event: %+v", e)
	}
	conv, _ := h.Conversation(svc, mei)
	card := conv[len(conv)-1]
	if card.Kind != "template" || card.Title != "Order shipped" || card.URL != "https://example.com/orders/A1024" {
		t.Fatalf("notification card: %+v", card)
	}
	c.want("second send on one consent", send(once, good), 43101)
	c.want("rejected long-term", send(always, map[string]string{"thing1": "North", "time2": "18:00"}), 43101)

	// Long-term from an article with always allow: every send, until withdrawn.
	if err := h.Subscribe(svc, mei, map[string]bool{always: true}, true, 2); err != nil {
		t.Fatal(err)
	}
	if e := dev.Next(t, ev); e.SubscribeMsgPopupEvent[0].PopupScene != 2 {
		t.Fatalf("popup: %+v", e)
	}
	for i := 0; i < 3; i++ {
		c.want("long-term send", send(always, map[string]string{"thing1": "North district", "time2": "18:00~20:00"}), 0)
		dev.Next(t, ev)
	}
	if err := h.Unsubscribe(svc, mei, always); err != nil {
		t.Fatal(err)
	}
	if e := dev.Next(t, ev); e.Event != wxmsg.EventSubscribeMsgChange || e.SubscribeMsgChangeEvent[0].SubscribeStatusString != "reject" {
		t.Fatalf("change event: %+v", e)
	}
	c.want("withdrawn", send(always, map[string]string{"thing1": "North", "time2": "18:00"}), 43101)
	c.want("another account's template", other.do("POST", "/cgi-bin/message/subscribe/bizsend", nil, map[string]any{"touser": mei.OpenID, "template_id": once}), 48001)

	c.want("del", c.do("POST", "/wxaapi/newtmpl/deltemplate", nil, map[string]string{"priTmplId": once}), 0)
	c.want("del again", c.do("POST", "/wxaapi/newtmpl/deltemplate", nil, map[string]string{"priTmplId": once}), 40037)

	// Legacy one-time subscription: one send per confirmation and scene.
	legacy := func() result {
		return c.do("POST", "/cgi-bin/message/template/subscribe", nil, map[string]any{"touser": mei.OpenID, "template_id": "LEGACY1",
			"scene": "7", "title": "Reminder", "data": map[string]any{"content": map[string]string{"value": "Your table is ready."}}})
	}
	c.want("legacy without consent", legacy(), 43101)
	if err := h.ConfirmOneTime(svc, mei, "LEGACY1", "7", true); err != nil {
		t.Fatal(err)
	}
	c.want("legacy", legacy(), 0)
	c.want("legacy twice", legacy(), 43101)
	conv, _ = h.Conversation(svc, mei)
	if last := conv[len(conv)-1]; last.Title != "Reminder" {
		t.Fatalf("legacy card: %+v", last)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
