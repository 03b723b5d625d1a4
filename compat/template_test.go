package compat

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// TestSDKTemplateMessages drives template messages with the SDK's
// message.Template (Add, List, Send, Delete). The SDK has no industry
// calls, so api_set_industry and get_industry go over raw HTTP with the
// SDK's access token. A developer server written with the SDK's server
// package (safe mode) receives TEMPLATESENDJOBFINISH.
func TestSDKTemplateMessages(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	svc := h.Service
	if err := h.AddLibraryTemplate("TM00015", "Order shipped", 13, "{{first.DATA}}\nOrder number: {{keyword1.DATA}}\nCarrier: {{keyword2.DATA}}\n{{remark.DATA}}"); err != nil {
		t.Fatal(err)
	}
	oa := account(svc, false)
	finished := make(chan *message.MixMessage, 4)
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := oa.GetServer(r, w)
		srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
			if msg.Event == message.EventTemplateSendJobFinish {
				finished <- msg
			}
			return nil
		})
		if err := srv.Serve(); err != nil {
			t.Errorf("SDK server: %v", err)
			return
		}
		srv.Send()
	}))
	defer dev.Close()
	if err := h.SetServer(svc, dev.URL, devToken, devAESKey, "safe"); err != nil {
		t.Fatal(err)
	}

	// Industry over raw HTTP with the SDK's token.
	tok, err := oa.GetAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	raw := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, h.URL+path+"?access_token="+tok, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if r := raw("POST", "/cgi-bin/template/api_set_industry", `{"industry_id1":"13","industry_id2":"10"}`); r["errcode"] != float64(0) {
		t.Fatalf("api_set_industry: %v", r)
	}
	if r := raw("GET", "/cgi-bin/template/get_industry", ""); r["primary_industry"].(map[string]any)["second_class"] != "快递" {
		t.Fatalf("get_industry: %v", r)
	}

	tpl := oa.GetTemplate()
	if _, err := tpl.Add("TM99999", nil); errcode(err) != 40037 {
		t.Fatalf("Add of an unknown short id: %v", err)
	}
	id, err := tpl.Add("TM00015", nil)
	if err != nil || len(id) != 43 {
		t.Fatalf("Add: %q %v", id, err)
	}
	list, err := tpl.List()
	if err != nil || len(list) != 1 || list[0].TemplateID != id || list[0].Title != "Order shipped" || list[0].PrimaryIndustry != "运输与仓储" ||
		list[0].DeputyIndustry != "快递" || !strings.Contains(list[0].Content, "{{keyword1.DATA}}") {
		t.Fatalf("List: %+v %v", list, err)
	}

	f := svc.Followers[0]
	msgID, err := tpl.Send(&message.TemplateMessage{ToUser: f.OpenID, TemplateID: id, URL: "https://shop.example/orders/A-1001",
		Data: map[string]*message.TemplateDataItem{
			"first":    {Value: "Your parcel is on its way"},
			"keyword1": {Value: "A-1001", Color: "#173177"},
			"keyword2": {Value: "Swift Post"},
		}})
	if err != nil || msgID == 0 {
		t.Fatalf("Send: %d %v", msgID, err)
	}
	conv, err := h.Conversation(svc, f)
	if err != nil || len(conv) == 0 || conv[len(conv)-1].Kind != "template" || conv[len(conv)-1].Title != "Order shipped" ||
		conv[len(conv)-1].URL != "https://shop.example/orders/A-1001" {
		t.Fatalf("the follower's chat: %+v %v", conv, err)
	}
	select {
	case m := <-finished:
		if m.TemplateMsgID != msgID || m.Status != "success" || string(m.FromUserName) != f.OpenID {
			t.Fatalf("TEMPLATESENDJOBFINISH: MsgID %d Status %q From %q, want %d success %s", m.TemplateMsgID, m.Status, m.FromUserName, msgID, f.OpenID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SDK's server got no TEMPLATESENDJOBFINISH")
	}
	if _, err := tpl.Send(&message.TemplateMessage{ToUser: h.Subscription.Followers[0].OpenID, TemplateID: id}); errcode(err) != 40003 {
		t.Fatalf("Send to another account's follower: %v", err)
	}

	if err := tpl.Delete(id); err != nil {
		t.Fatal(err)
	}
	if err := tpl.Delete(id); errcode(err) != 40037 {
		t.Fatalf("Delete twice: %v", err)
	}
	if _, err := tpl.Send(&message.TemplateMessage{ToUser: f.OpenID, TemplateID: id}); errcode(err) != 40037 {
		t.Fatalf("Send with a deleted template: %v", err)
	}
	// A Subscription account may not use template messages.
	if _, err := account(h.Subscription, false).GetTemplate().List(); errcode(err) != 48001 {
		t.Fatalf("List for a Subscription account: %v", err)
	}
}
