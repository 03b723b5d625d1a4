package wxapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/qrcode"
)

func openids(r result) []string {
	var out []string
	if d, ok := r["data"].(map[string]any); ok {
		for _, o := range d["openid"].([]any) {
			out = append(out, o.(string))
		}
	}
	return out
}

func TestUsersTagsAndBlacklist(t *testing.T) {
	h, c, tok := start(t)
	svc := h.Service

	r := c.call("/cgi-bin/user/get", tok, nil)
	ids := openids(r)
	if r["total"].(float64) != 3 || len(ids) != 3 {
		t.Fatalf("user/get: %v", r)
	}
	for _, f := range h.Subscription.Followers {
		for _, id := range ids {
			if id == f.OpenID {
				t.Fatal("user/get lists another account's follower")
			}
		}
	}
	// Paging: starting after the last openid gives an empty page.
	r = c.call("/cgi-bin/user/get", tok, url.Values{"next_openid": {r.Str("next_openid")}})
	if r["count"].(float64) != 0 || r.Str("next_openid") != "" {
		t.Fatalf("last page: %v", r)
	}

	f := svc.Followers[0]
	info := c.call("/cgi-bin/user/info", tok, url.Values{"openid": {f.OpenID}, "lang": {"zh_CN"}})
	if info["subscribe"].(float64) != 1 || info.Str("openid") != f.OpenID || info.Str("subscribe_scene") != "ADD_SCENE_SEARCH" || info["subscribe_time"].(float64) == 0 {
		t.Fatalf("user/info: %v", info)
	}
	// Tenant isolation: another account's openid is unknown here.
	other := h.Subscription.Followers[0].OpenID
	wantCode(t, "user/info of another account's follower", c.call("/cgi-bin/user/info", tok, url.Values{"openid": {other}}), 40003)
	wantCode(t, "remark on another account's follower", c.post("/cgi-bin/user/info/updateremark", tok, map[string]string{"openid": other, "remark": "x"}), 40003)

	wantCode(t, "remark", c.post("/cgi-bin/user/info/updateremark", tok, map[string]string{"openid": f.OpenID, "remark": "VIP"}), 0)
	wantCode(t, "remark too long", c.post("/cgi-bin/user/info/updateremark", tok, map[string]string{"openid": f.OpenID, "remark": strings.Repeat("x", 31)}), 40035)
	batch := c.post("/cgi-bin/user/info/batchget", tok, map[string]any{"user_list": []map[string]string{{"openid": f.OpenID}, {"openid": svc.Followers[1].OpenID}}})
	list := batch["user_info_list"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["remark"] != "VIP" {
		t.Fatalf("batchget: %v", batch)
	}

	created := c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]string{"name": "Regulars"}})
	tag := created["tag"].(map[string]any)
	tagID := tag["id"].(float64)
	wantCode(t, "duplicate tag", c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]string{"name": "Regulars"}}), 45157)
	wantCode(t, "long tag", c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]string{"name": strings.Repeat("长", 11)}}), 45158)
	wantCode(t, "tagging another account's follower", c.post("/cgi-bin/tags/members/batchtagging", tok, map[string]any{"openid_list": []string{other}, "tagid": tagID}), 40003)
	wantCode(t, "tagging", c.post("/cgi-bin/tags/members/batchtagging", tok, map[string]any{"openid_list": []string{f.OpenID, svc.Followers[1].OpenID}, "tagid": tagID}), 0)
	idl := c.post("/cgi-bin/tags/getidlist", tok, map[string]string{"openid": f.OpenID})
	if l := idl["tagid_list"].([]any); len(l) != 1 || l[0].(float64) != tagID {
		t.Fatalf("getidlist: %v", idl)
	}
	members := c.post("/cgi-bin/user/tag/get", tok, map[string]any{"tagid": tagID, "next_openid": ""})
	if members["count"].(float64) != 2 {
		t.Fatalf("user/tag/get: %v", members)
	}
	tags := c.call("/cgi-bin/tags/get", tok, nil)["tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["count"].(float64) != 2 {
		t.Fatalf("tags/get: %v", tags)
	}
	// The other account sees no tags, and cannot touch this one.
	otherTok := c.token(h.Subscription)
	if tags := c.call("/cgi-bin/tags/get", otherTok, nil)["tags"].([]any); len(tags) != 0 {
		t.Fatalf("another account sees tags: %v", tags)
	}
	wantCode(t, "deleting another account's tag", c.post("/cgi-bin/tags/delete", otherTok, map[string]any{"tag": map[string]any{"id": tagID}}), 45159)
	wantCode(t, "untag", c.post("/cgi-bin/tags/members/batchuntagging", tok, map[string]any{"openid_list": []string{f.OpenID}, "tagid": tagID}), 0)
	wantCode(t, "rename", c.post("/cgi-bin/tags/update", tok, map[string]any{"tag": map[string]any{"id": tagID, "name": "Friends"}}), 0)
	wantCode(t, "reserved tag", c.post("/cgi-bin/tags/update", tok, map[string]any{"tag": map[string]any{"id": 2, "name": "Stars"}}), 45058)
	if info := c.call("/cgi-bin/user/info", tok, url.Values{"openid": {svc.Followers[1].OpenID}}); len(info["tagid_list"].([]any)) != 1 {
		t.Fatalf("user/info tagid_list: %v", info)
	}
	wantCode(t, "delete tag", c.post("/cgi-bin/tags/delete", tok, map[string]any{"tag": map[string]any{"id": tagID}}), 0)

	wantCode(t, "blacklist", c.post("/cgi-bin/tags/members/batchblacklist", tok, map[string]any{"openid_list": []string{f.OpenID}}), 0)
	bl := c.post("/cgi-bin/tags/members/getblacklist", tok, map[string]string{"begin_openid": ""})
	if got := openids(bl); len(got) != 1 || got[0] != f.OpenID || bl["total"].(float64) != 1 {
		t.Fatalf("getblacklist: %v", bl)
	}
	if bl := c.post("/cgi-bin/tags/members/getblacklist", otherTok, map[string]string{"begin_openid": ""}); len(openids(bl)) != 0 {
		t.Fatalf("another account's blacklist: %v", bl)
	}
	twentyOne := make([]string, 21)
	for i := range twentyOne {
		twentyOne[i] = f.OpenID
	}
	wantCode(t, "21 at once", c.post("/cgi-bin/tags/members/batchblacklist", tok, map[string]any{"openid_list": twentyOne}), 40032)
	wantCode(t, "unblacklist", c.post("/cgi-bin/tags/members/batchunblacklist", tok, map[string]any{"openid_list": []string{f.OpenID}}), 0)

	// Unfollowers are no longer listed and show subscribe 0.
	if err := h.Unfollow(svc, svc.Followers[2]); err != nil {
		t.Fatal(err)
	}
	if r := c.call("/cgi-bin/user/get", tok, nil); r["total"].(float64) != 2 || len(openids(r)) != 2 {
		t.Fatalf("after unfollow: %v", r)
	}
	if info := c.call("/cgi-bin/user/info", tok, url.Values{"openid": {svc.Followers[2].OpenID}}); info["subscribe"].(float64) != 0 {
		t.Fatalf("unfollower: %v", info)
	}
}

func TestMenus(t *testing.T) {
	h, c, tok := start(t)
	wantCode(t, "no menu yet", c.call("/cgi-bin/menu/get", tok, nil), 46003)
	wantCode(t, "conditional before default", c.post("/cgi-bin/menu/addconditional", tok, map[string]any{
		"button": []map[string]string{{"type": "click", "name": "A", "key": "A"}}, "matchrule": map[string]string{"tag_id": "100"}}), 65303)
	four := []map[string]string{}
	for i := 0; i < 4; i++ {
		four = append(four, map[string]string{"type": "click", "name": "B", "key": "K"})
	}
	wantCode(t, "four buttons", c.post("/cgi-bin/menu/create", tok, map[string]any{"button": four}), 40016)
	wantCode(t, "long name", c.post("/cgi-bin/menu/create", tok, map[string]any{"button": []map[string]string{{"type": "click", "name": strings.Repeat("n", 17), "key": "K"}}}), 40018)
	wantCode(t, "bad JSON", c.post("/cgi-bin/menu/create", tok, "not an object"), 47001)
	menu := map[string]any{"button": []any{
		map[string]string{"type": "click", "name": "Today", "key": "V1001_TODAY"},
		map[string]any{"name": "More", "sub_button": []map[string]string{{"type": "view", "name": "Site", "url": "https://example.com/"}}},
	}}
	wantCode(t, "menu/create", c.post("/cgi-bin/menu/create", tok, menu), 0)
	got := c.call("/cgi-bin/menu/get", tok, nil)
	buttons := got["menu"].(map[string]any)["button"].([]any)
	if len(buttons) != 2 || buttons[0].(map[string]any)["key"] != "V1001_TODAY" {
		t.Fatalf("menu/get: %v", got)
	}
	self := c.call("/cgi-bin/get_current_selfmenu_info", tok, nil)
	sb := self["selfmenu_info"].(map[string]any)["button"].([]any)[1].(map[string]any)["sub_button"].(map[string]any)["list"].([]any)
	if self["is_menu_open"].(float64) != 1 || sb[0].(map[string]any)["url"] != "https://example.com/" {
		t.Fatalf("selfmenu: %v", self)
	}
	// Another account's menu is untouched.
	wantCode(t, "other account has no menu", c.call("/cgi-bin/menu/get", c.token(h.Subscription), nil), 46003)

	tag := c.post("/cgi-bin/tags/create", tok, map[string]any{"tag": map[string]string{"name": "VIP"}})["tag"].(map[string]any)["id"].(float64)
	f := h.Service.Followers[0]
	c.post("/cgi-bin/tags/members/batchtagging", tok, map[string]any{"openid_list": []string{f.OpenID}, "tagid": tag})
	add := c.post("/cgi-bin/menu/addconditional", tok, map[string]any{
		"button":    []map[string]string{{"type": "click", "name": "VIP", "key": "VIP"}},
		"matchrule": map[string]any{"tag_id": tag}})
	if add.Str("menuid") == "" {
		t.Fatalf("addconditional: %v", add)
	}
	wantCode(t, "privacy rule", c.post("/cgi-bin/menu/addconditional", tok, map[string]any{
		"button": []map[string]string{{"type": "click", "name": "X", "key": "X"}}, "matchrule": map[string]string{"sex": "1"}}), 65320)
	try := c.post("/cgi-bin/menu/trymatch", tok, map[string]string{"user_id": f.OpenID})
	if try["button"].([]any)[0].(map[string]any)["key"] != "VIP" {
		t.Fatalf("trymatch tagged: %v", try)
	}
	try = c.post("/cgi-bin/menu/trymatch", tok, map[string]string{"user_id": h.Service.Followers[1].OpenID})
	if try["button"].([]any)[0].(map[string]any)["key"] != "V1001_TODAY" {
		t.Fatalf("trymatch untagged: %v", try)
	}
	wantCode(t, "trymatch foreign openid", c.post("/cgi-bin/menu/trymatch", tok, map[string]string{"user_id": h.Subscription.Followers[0].OpenID}), 65302)
	wantCode(t, "delconditional", c.post("/cgi-bin/menu/delconditional", tok, map[string]string{"menuid": add.Str("menuid")}), 0)
	wantCode(t, "delconditional again", c.post("/cgi-bin/menu/delconditional", tok, map[string]string{"menuid": add.Str("menuid")}), 65301)
	wantCode(t, "menu/delete", c.call("/cgi-bin/menu/delete", tok, nil), 0)
	wantCode(t, "after delete", c.call("/cgi-bin/menu/get", tok, nil), 46003)
	if info := c.call("/cgi-bin/get_current_autoreply_info", tok, nil); info.Code() != 0 {
		t.Fatalf("autoreply info: %v", info)
	}
}

func TestCustomerServiceWindow(t *testing.T) {
	h, c, tok := start(t)
	svc := h.Service
	f := svc.Followers[0]
	text := func(to, s string) map[string]any {
		return map[string]any{"touser": to, "msgtype": "text", "text": map[string]string{"content": s}}
	}
	wantCode(t, "no window", c.post("/cgi-bin/message/custom/send", tok, text(f.OpenID, "hi")), 45015)
	if _, err := h.Send(svc, f, "hello"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		wantCode(t, "within window", c.post("/cgi-bin/message/custom/send", tok, text(f.OpenID, "reply")), 0)
	}
	wantCode(t, "sixth", c.post("/cgi-bin/message/custom/send", tok, text(f.OpenID, "one more")), 45047)
	conv, _ := h.Conversation(svc, f)
	api := 0
	for _, m := range conv {
		if m.Sender == "api" && m.Text == "reply" {
			api++
		}
	}
	if api != 5 {
		t.Fatalf("follower received %d API messages, want 5: %v", api, conv)
	}
	wantCode(t, "foreign openid", c.post("/cgi-bin/message/custom/send", tok, text(h.Subscription.Followers[0].OpenID, "x")), 40003)
	wantCode(t, "two news articles", c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": f.OpenID, "msgtype": "news",
		"news": map[string]any{"articles": []map[string]string{{"title": "a"}, {"title": "b"}}}}), 45008)
	for _, bad := range []map[string]string{{"title": "a", "url": "javascript:alert(1)"}, {"title": "a", "url": "java\nscript:alert(1)"},
		{"title": "a", "url": "https://example.com", "picurl": "data:image/svg+xml,<svg onload=alert(1)>"}, {"title": "a", "url": "VBScript:msgbox(1)"}} {
		wantCode(t, "news "+bad["url"]+bad["picurl"], c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": f.OpenID, "msgtype": "news",
			"news": map[string]any{"articles": []map[string]string{bad}}}), 40039)
	}
	wantCode(t, "music javascript:", c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": f.OpenID, "msgtype": "music",
		"music": map[string]string{"title": "t", "musicurl": "javascript:alert(1)"}}), 40039)
	wantCode(t, "unknown media", c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": f.OpenID, "msgtype": "image",
		"image": map[string]string{"media_id": "nope"}}), 40007)
	wantCode(t, "typing", c.post("/cgi-bin/message/custom/typing", tok, map[string]string{"touser": f.OpenID, "command": "Typing"}), 0)
	// Window over after 48 hours.
	h.Advance(49 * time.Hour)
	tok = c.token(svc)
	if _, err := h.Send(svc, svc.Followers[1], "hi"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "after 48 h", c.post("/cgi-bin/message/custom/send", tok, text(f.OpenID, "late")), 45015)
	if err := h.Unfollow(svc, svc.Followers[1]); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "unfollowed", c.post("/cgi-bin/message/custom/send", tok, text(svc.Followers[1].OpenID, "x")), 43004)
}

func TestTemporaryMedia(t *testing.T) {
	h, c, tok := start(t)
	img := pngImage(t)
	up := c.upload("/cgi-bin/media/upload", tok, "image", "a.png", img)
	id := up.Str("media_id")
	if id == "" || up.Str("type") != "image" || up["created_at"].(float64) == 0 {
		t.Fatalf("upload: %v", up)
	}
	wantCode(t, "bad type", c.upload("/cgi-bin/media/upload", tok, "sticker", "a.png", img), 40004)
	wantCode(t, "not an image", c.upload("/cgi-bin/media/upload", tok, "image", "a.png", []byte("hello, this is text")), 40005)
	wantCode(t, "thumb must be JPEG", c.upload("/cgi-bin/media/upload", tok, "thumb", "a.png", img), 40005)
	wantCode(t, "voice too large", c.upload("/cgi-bin/media/upload", tok, "voice", "a.amr", append([]byte("#!AMR\n"), make([]byte, 2<<20)...)), 40010)

	req := mustReq(t, "GET", h.URL+"/cgi-bin/media/get?access_token="+url.QueryEscape(tok)+"&media_id="+url.QueryEscape(id))
	_, body, res := c.do(req)
	if !bytes.Equal(body, img) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("media/get: %d %q", len(body), res.Header.Get("Content-Disposition"))
	}
	// Another account cannot fetch it.
	wantCode(t, "other account's media", c.call("/cgi-bin/media/get", c.token(h.Subscription), url.Values{"media_id": {id}}), 40007)
	img2 := c.upload("/cgi-bin/media/uploadimg", tok, "", "b.png", img)
	if !strings.Contains(img2.Str("url"), "/cgi-bin/media/pic?media_id=") {
		t.Fatalf("uploadimg: %v", img2)
	}
	h.Advance(72*time.Hour + time.Minute)
	tok = c.token(h.Service)
	wantCode(t, "after 3 days", c.call("/cgi-bin/media/get", tok, url.Values{"media_id": {id}}), 40007)
	// uploadimg images stay.
	_, body, res = c.do(mustReq(t, "GET", img2.Str("url")))
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, img) {
		t.Fatalf("uploadimg URL: %d", res.StatusCode)
	}
}

func TestQRCodes(t *testing.T) {
	h, c, tok := start(t)
	tmp := c.post("/cgi-bin/qrcode/create", tok, map[string]any{"expire_seconds": 600, "action_name": "QR_SCENE",
		"action_info": map[string]any{"scene": map[string]any{"scene_id": 123}}})
	if tmp.Str("ticket") == "" || tmp["expire_seconds"].(float64) != 600 || !strings.HasPrefix(tmp.Str("url"), h.URL+"/q/") {
		t.Fatalf("QR_SCENE: %v", tmp)
	}
	def := c.post("/cgi-bin/qrcode/create", tok, map[string]any{"action_name": "QR_STR_SCENE",
		"action_info": map[string]any{"scene": map[string]any{"scene_str": "shop"}}})
	if def["expire_seconds"].(float64) != 30 {
		t.Fatalf("default expiry: %v", def)
	}
	perm := c.post("/cgi-bin/qrcode/create", tok, map[string]any{"action_name": "QR_LIMIT_STR_SCENE",
		"action_info": map[string]any{"scene": map[string]any{"scene_str": "poster"}}})
	if _, ok := perm["expire_seconds"]; ok || perm.Str("ticket") == "" {
		t.Fatalf("permanent: %v", perm)
	}
	wantCode(t, "permanent scene_id 0", c.post("/cgi-bin/qrcode/create", tok, map[string]any{"action_name": "QR_LIMIT_SCENE",
		"action_info": map[string]any{"scene": map[string]any{"scene_id": 0}}}), 40035)
	wantCode(t, "expire too long", c.post("/cgi-bin/qrcode/create", tok, map[string]any{"action_name": "QR_SCENE", "expire_seconds": 2592001,
		"action_info": map[string]any{"scene": map[string]any{"scene_id": 1}}}), 40035)
	wantCode(t, "unknown action", c.post("/cgi-bin/qrcode/create", tok, map[string]any{"action_name": "QR_CARD"}), 40035)

	_, body, res := c.do(mustReq(t, "GET", h.URL+"/cgi-bin/showqrcode?ticket="+url.QueryEscape(tmp.Str("ticket"))))
	if res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("showqrcode: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	img, err := jpeg.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// Scanning it gives the code's url: the follower app's page for it.
	if content, err := qrcode.Decode(img); err != nil || content != tmp.Str("url") {
		t.Fatalf("scanned %q (%v), want %q", content, err, tmp.Str("url"))
	}
	_, _, res = c.do(mustReq(t, "GET", h.URL+"/cgi-bin/showqrcode?ticket=nope"))
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown ticket: %d", res.StatusCode)
	}
	h.Advance(11 * time.Minute)
	_, _, res = c.do(mustReq(t, "GET", h.URL+"/cgi-bin/showqrcode?ticket="+url.QueryEscape(tmp.Str("ticket"))))
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("expired ticket: %d", res.StatusCode)
	}
	_, _, res = c.do(mustReq(t, "GET", h.URL+"/cgi-bin/showqrcode?ticket="+url.QueryEscape(perm.Str("ticket"))))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("permanent ticket: %d", res.StatusCode)
	}
}

// Every call made with a valid token reaches analytics as an api_call
// event of its path, failed when it answered an errcode.
func TestCallsAreObservedForAnalytics(t *testing.T) {
	h, c, tok := start(t)
	app := h.Internal().App
	c.call("/cgi-bin/user/get", tok, nil)
	c.call("/cgi-bin/user/info", tok, url.Values{"openid": {"nobody"}})
	want := "cgi-bin/token false|cgi-bin/user/get false|cgi-bin/user/info true"
	ctx := context.Background()
	var seen []string
	for i := 0; i < 200; i++ { // the event is recorded once the handler returns, just after the answer
		if err := app.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := app.DB.Query(ctx, `SELECT surface, failed FROM analytics_events WHERE account_id = ? AND kind = ? ORDER BY id`,
			h.Service.ID, analytics.KindAPICall)
		seen, err = db.Collect(rows, err, func(r *sql.Rows) (string, error) {
			var surface string
			var failed bool
			err := r.Scan(&surface, &failed)
			return fmt.Sprintf("%s %v", surface, failed), err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) >= 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if strings.Join(seen, "|") != want {
		t.Fatalf("api_call events %q, want %q", seen, want)
	}
}
