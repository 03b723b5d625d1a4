package mass_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

// exact reads a JSON number the way JavaScript's JSON.parse does (a
// float64) and fails unless it is a positive integer that came through
// with every digit (below 2^53).
func exact(t *testing.T, what string, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s: %v (%T), want a number", what, v, v)
	}
	n := int64(f)
	if f <= 0 || f >= 1<<53 || float64(n) != f {
		t.Fatalf("%s: %v does not survive float64", what, f)
	}
	return n
}

// js posts body and decodes the answer as JSON.parse does: every number a
// float64.
func (c *client) js(path, tok string, body any) result {
	c.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(c.h.URL+path+"?access_token="+url.QueryEscape(tok), "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var r result
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || res.StatusCode != 200 {
		c.t.Fatalf("%s: HTTP %d %v", path, res.StatusCode, err)
	}
	return r
}

// pushed returns the number in <tag>…</tag> of the first push that has
// one, read as a float64 (as a JavaScript server would), or 0.
func pushed(t *testing.T, d *wxapitest.DevServer, tag string) int64 {
	t.Helper()
	re := regexp.MustCompile(`<` + tag + `>(?:<!\[CDATA\[)?(\d+)`)
	_, raw := d.Messages()
	for _, x := range raw {
		if m := re.FindStringSubmatch(x); m != nil {
			f, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			if strconv.FormatFloat(f, 'f', -1, 64) != m[1] {
				t.Fatalf("pushed %s %s does not survive float64", tag, m[1])
			}
			return int64(f)
		}
	}
	return 0
}

// Every publish_id, msg_id and msg_data_id the API answers or pushes is
// read exactly by JSON.parse (float64) and works when sent back, as a
// number or a string; another account's number stays invalid.
func TestPublicIDsSurviveFloat64(t *testing.T) {
	h, c := start(t)
	svc := h.Service
	d := wxapitest.Serve(t, h, svc, devToken, wxcrypt.GenerateEncodingAESKey())
	tok := c.token(svc)
	subTok := c.token(h.Subscription)
	str := func(n int64) string { return strconv.FormatInt(n, 10) }

	// freepublish/submit, /get and PUBLISHJOBFINISH.
	r := c.js("/cgi-bin/freepublish/submit", tok, map[string]any{"media_id": h.NewDraft(svc, "Green tea", "Oolong")})
	wantCode(t, "submit", r, 0)
	publishID := exact(t, "submit publish_id", r["publish_id"])
	pubData := exact(t, "submit msg_data_id", r["msg_data_id"])
	if h.RunJobs() == 0 {
		t.Fatal("no job ran")
	}
	for _, in := range []any{publishID, str(publishID)} {
		r = c.js("/cgi-bin/freepublish/get", tok, map[string]any{"publish_id": in})
		if exact(t, "get publish_id", r["publish_id"]) != publishID || r["publish_status"] != float64(0) {
			t.Fatalf("freepublish/get %v: %v", in, r)
		}
	}
	wantCode(t, "another account's publish_id", c.js("/cgi-bin/freepublish/get", subTok, map[string]any{"publish_id": publishID}), 40035)
	h.Internal().App.Drafts.Wait()
	if got := pushed(t, d, "publish_id"); got != publishID {
		t.Fatalf("PUBLISHJOBFINISH publish_id %d, want %d", got, publishID)
	}

	// The comment API takes the msg_data_id as read.
	wantCode(t, "comment/open", c.js("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": pubData, "index": 0}), 0)
	wantCode(t, "comment/list", c.js("/cgi-bin/comment/list", tok, map[string]any{"msg_data_id": str(pubData), "index": 1, "begin": 0, "count": 10, "type": 0}), 0)
	wantCode(t, "another account's msg_data_id", c.js("/cgi-bin/comment/open", subTok, map[string]any{"msg_data_id": pubData, "index": 0}), 88001)

	// message/mass/sendall (mpnews), /get, MASSSENDJOBFINISH, /delete.
	r = c.js("/cgi-bin/message/mass/sendall", tok, map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "mpnews",
		"mpnews": map[string]any{"media_id": h.NewDraft(svc, "Savings tips")}})
	wantCode(t, "sendall", r, 0)
	msgID := exact(t, "sendall msg_id", r["msg_id"])
	massData := exact(t, "sendall msg_data_id", r["msg_data_id"])
	if msgID == publishID || massData == pubData {
		t.Fatalf("numbers reused: msg_id %d publish_id %d, msg_data_id %d and %d", msgID, publishID, massData, pubData)
	}
	run(t, h, msgID)
	for _, in := range []any{msgID, str(msgID)} {
		r = c.js("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": in})
		if exact(t, "mass/get msg_id", r["msg_id"]) != msgID || r["msg_status"] != "SEND_SUCCESS" {
			t.Fatalf("mass/get %v: %v", in, r)
		}
	}
	if got := pushed(t, d, "MsgID"); got != msgID {
		t.Fatalf("MASSSENDJOBFINISH MsgID %d, want %d", got, msgID)
	}
	wantCode(t, "comment/open on the mass send", c.js("/cgi-bin/comment/open", tok, map[string]any{"msg_data_id": massData, "index": 0}), 0)
	wantCode(t, "another account's msg_id", c.js("/cgi-bin/message/mass/get", subTok, map[string]any{"msg_id": msgID}), 40035)
	wantCode(t, "delete another account's msg_id", c.js("/cgi-bin/message/mass/delete", subTok, map[string]any{"msg_id": msgID}), 40035)
	wantCode(t, "a publish_id is no msg_id", c.js("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": publishID}), 40035)
	wantCode(t, "mass/delete", c.js("/cgi-bin/message/mass/delete", tok, map[string]any{"msg_id": str(msgID), "article_idx": 0}), 0)
	if r := c.js("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": msgID}); r["msg_status"] != "DELETE" {
		t.Fatalf("after delete: %v", r)
	}

	// message/mass/send (text).
	r = c.js("/cgi-bin/message/mass/send", tok, map[string]any{"touser": []string{svc.Followers[0].OpenID, svc.Followers[1].OpenID}, "msgtype": "text", "text": map[string]any{"content": "hi"}})
	wantCode(t, "mass/send", r, 0)
	sendID := exact(t, "mass/send msg_id", r["msg_id"])
	run(t, h, sendID)
	r = c.js("/cgi-bin/message/mass/preview", tok, map[string]any{"touser": svc.Followers[0].OpenID, "msgtype": "text", "text": map[string]any{"content": "preview"}})
	wantCode(t, "mass/preview", r, 0)
	if p := exact(t, "preview msg_id", r["msg_id"]); p == sendID || p == msgID {
		t.Fatalf("preview msg_id %d is a send's", p)
	}
	r = c.js("/cgi-bin/message/mass/get", tok, map[string]any{"msg_id": sendID})
	if exact(t, "mass/get msg_id", r["msg_id"]) != sendID {
		t.Fatalf("mass/get: %v", r)
	}
}
