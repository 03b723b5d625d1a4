package wxapi_test

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

func TestShortKeys(t *testing.T) {
	h, c, tok := start(t)
	r := c.post("/cgi-bin/shorten/gen", tok, map[string]any{"long_data": "order=A1024&from=poster", "expire_seconds": 3600})
	wantCode(t, "gen", r, 0)
	key := r.Str("short_key")
	if len(key) != 15 {
		t.Fatalf("short_key %q", key)
	}
	r = c.post("/cgi-bin/shorten/fetch", tok, map[string]string{"short_key": key})
	if r.Str("long_data") != "order=A1024&from=poster" || r["expire_seconds"].(float64) < 3590 || r["create_time"].(float64) == 0 {
		t.Fatalf("fetch: %v", r)
	}
	wantCode(t, "too long", c.post("/cgi-bin/shorten/gen", tok, map[string]any{"long_data": strings.Repeat("x", 4097)}), 9410010)
	wantCode(t, "too far", c.post("/cgi-bin/shorten/gen", tok, map[string]any{"long_data": "x", "expire_seconds": 2592001}), 9410011)
	wantCode(t, "other account", c.post("/cgi-bin/shorten/fetch", c.token(h.Subscription), map[string]string{"short_key": key}), 9410012)
	h.Advance(3601 * time.Second)
	wantCode(t, "expired", c.post("/cgi-bin/shorten/fetch", tok, map[string]string{"short_key": key}), 9410012)
}

func TestRidLooksUpAFailedCall(t *testing.T) {
	h, c, tok := start(t)
	r := c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": "nobody", "msgtype": "text", "text": map[string]string{"content": "hi"}})
	wantCode(t, "send to nobody", r, 40003)
	rid := r.Str("errmsg")[strings.Index(r.Str("errmsg"), "rid: ")+5:]
	got := c.post("/cgi-bin/openapi/rid/get", tok, map[string]string{"rid": rid})
	wantCode(t, "rid/get", got, 0)
	req := got["request"].(map[string]any)
	if !strings.Contains(req["request_body"].(string), `"touser":"nobody"`) || !strings.Contains(req["response_body"].(string), rid) ||
		req["request_url"] != "/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN" || req["client_ip"] != "127.0.0.1" {
		t.Fatalf("rid/get: %v", req)
	}
	wantCode(t, "another account's rid", c.post("/cgi-bin/openapi/rid/get", c.token(h.Subscription), map[string]string{"rid": rid}), 76200)
	wantCode(t, "unknown rid", c.post("/cgi-bin/openapi/rid/get", tok, map[string]string{"rid": "00000000-00000000-00000000"}), 76200)
}

func TestChangeOpenID(t *testing.T) {
	h := heraldtest.New(t)
	c := newClient(t, h)
	svc, sub := h.Service, h.Subscription
	// Mei follows both accounts; Bob only the Subscription account.
	mei := h.NewPerson("meilin")
	var openids []string
	for _, a := range []*heraldtest.Account{svc, sub} {
		if _, err := h.Follow(a, mei, "", ""); err != nil {
			t.Fatal(err)
		}
		openids = append(openids, mei.OpenID)
	}
	newMei, oriMei := openids[0], openids[1]
	bob := sub.Followers[0]
	body := map[string]any{"from_appid": sub.AppID, "openid_list": []string{oriMei, bob.OpenID}}
	wantCode(t, "no common owner", c.post("/cgi-bin/changeopenid", c.token(svc), body), 40013)
	h.NewAgent(svc, "olga", "owner")
	if _, err := h.Internal().App.Accounts.Invite(t.Context(), sub.ID, "owner", "olga", "owner"); err != nil {
		t.Fatal(err)
	}
	r := c.post("/cgi-bin/changeopenid", c.token(svc), body)
	wantCode(t, "changeopenid", r, 0)
	list := r["result_list"].([]any)
	m0, m1 := list[0].(map[string]any), list[1].(map[string]any)
	if m0["ori_openid"] != oriMei || m0["new_openid"] != newMei || m0["err_msg"] != "ok" || m1["err_msg"] != "ori_openid error" || m1["new_openid"] != nil {
		t.Fatalf("result_list: %v", list)
	}
}

func TestCallbackCheck(t *testing.T) {
	h, c, tok := start(t)
	wantCode(t, "no server", c.post("/cgi-bin/callback/check", tok, map[string]string{"action": "all", "check_operator": "DEFAULT"}), 40066)
	wxapitest.Serve(t, h, h.Service, "evtoken", "")
	wantCode(t, "bad action", c.post("/cgi-bin/callback/check", tok, map[string]string{"action": "trace"}), 47001)
	r := c.post("/cgi-bin/callback/check", tok, map[string]string{"action": "all", "check_operator": "UNICOM"})
	dns, ping := r["dns"].([]any), r["ping"].([]any)
	if len(dns) != 1 || dns[0].(map[string]any)["ip"] != "127.0.0.1" || dns[0].(map[string]any)["real_operator"] != "UNICOM" ||
		len(ping) != 1 || ping[0].(map[string]any)["package_loss"] != "0%" || !strings.HasSuffix(ping[0].(map[string]any)["time"].(string), "ms") {
		t.Fatalf("callback/check: %v", r)
	}
	// A server that is down: every connection lost.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := h.SetServer(h.Service, "http://"+addr+"/wx", "evtoken", "", "plaintext"); err == nil {
		r = c.post("/cgi-bin/callback/check", tok, map[string]string{"action": "ping"})
		if p := r["ping"].([]any); len(p) != 1 || p[0].(map[string]any)["package_loss"] != "100%" || len(r["dns"].([]any)) != 0 {
			t.Fatalf("callback/check of a dead server: %v", r)
		}
	}
}

func TestLegacyUploadNewsAndVideo(t *testing.T) {
	h, c, tok := start(t)
	thumb := c.upload("/cgi-bin/material/add_material", tok, "image", "t.png", pngImage(t)).Str("media_id")
	r := c.post("/cgi-bin/media/uploadnews", tok, map[string]any{"articles": []map[string]any{{"thumb_media_id": thumb, "title": "Spring rates",
		"content": "<p>New rates from Monday.</p>", "digest": "Rates", "show_cover_pic": 1}}})
	wantCode(t, "uploadnews", r, 0)
	if r.Str("type") != "news" || r["created_at"].(float64) == 0 {
		t.Fatalf("uploadnews: %v", r)
	}
	got := c.post("/cgi-bin/draft/get", tok, map[string]string{"media_id": r.Str("media_id")})
	if items, _ := got["news_item"].([]any); len(items) != 1 || items[0].(map[string]any)["title"] != "Spring rates" {
		t.Fatalf("the uploaded news is not a draft: %v", got)
	}
	wantCode(t, "uploadnews empty", c.post("/cgi-bin/media/uploadnews", tok, map[string]any{"articles": []any{}}), 44003)

	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{7}, 5000)...)
	vid := c.upload("/cgi-bin/media/upload", tok, "video", "v.mp4", video).Str("media_id")
	r = c.post("/cgi-bin/media/uploadvideo", tok, map[string]string{"media_id": vid, "title": "Tour", "description": "Our branch"})
	wantCode(t, "uploadvideo", r, 0)
	if r.Str("type") != "video" || r.Str("media_id") == "" || r.Str("media_id") == vid {
		t.Fatalf("uploadvideo: %v", r)
	}
	wantCode(t, "uploadvideo of an image", c.post("/cgi-bin/media/uploadvideo", tok, map[string]string{"media_id": thumb}), 40007)
	mpv := c.post("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": h.Service.Followers[0].OpenID, "msgtype": "mpvideo",
		"mpvideo": map[string]string{"media_id": r.Str("media_id")}})
	wantCode(t, "preview the converted video", mpv, 0)
}

func TestMiniProgramPageCard(t *testing.T) {
	h, c, tok := start(t)
	svc := h.Service
	if err := h.SetWebDomains(svc, "shop.example.com"); err != nil {
		t.Fatal(err)
	}
	appid, err := h.LinkWebApp(svc, "Shop", "https://shop.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	mei := svc.Followers[0]
	if _, err := h.Send(svc, mei, "where is my order"); err != nil {
		t.Fatal(err)
	}
	send := func(appid string) result {
		return c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": mei.OpenID, "msgtype": "miniprogrampage",
			"miniprogrampage": map[string]string{"title": "Your order", "appid": appid, "pagepath": "orders/A1024"}})
	}
	wantCode(t, "unknown app", send("wxnotanapp"), 40013)
	wantCode(t, "miniprogrampage", send(appid), 0)
	conv, _ := h.Conversation(svc, mei)
	card := conv[len(conv)-1]
	if card.Kind != "news" || card.Title != "Your order" || !strings.Contains(card.URL, "/w/"+appid+"?") {
		t.Fatalf("card: %+v", card)
	}
	// The card's link opens the web app at the page.
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Get(card.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "https://shop.example.com/orders/A1024" {
		t.Fatalf("opening the card: %d %q", res.StatusCode, loc)
	}
	_ = httptest.NewRecorder
}
