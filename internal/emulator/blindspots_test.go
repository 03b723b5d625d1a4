package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

type blind struct {
	t      *testing.T
	base   string // emulator server
	ctl    string // control API
	acc    *Account
	pushes chan *wxmsg.Message
	tok    string
}

func setupBlind(t *testing.T) (*blind, *apptest.Server) {
	s := apptest.New(t)
	b := &blind{t: t, pushes: make(chan *wxmsg.Message, 64)}
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("signature") != wxcrypt.Signature("blindtoken", q.Get("timestamp"), q.Get("nonce")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, q.Get("echostr"))
			return
		}
		raw, _ := io.ReadAll(r.Body)
		if m, err := wxmsg.ParseMessage(raw); err == nil {
			b.pushes <- m
		}
		io.WriteString(w, "success")
	}))
	t.Cleanup(dev.Close)
	acc, err := CreateAccount(context.Background(), s.App, AccountOptions{Token: "blindtoken", PushURL: dev.URL})
	if err != nil {
		t.Fatal(err)
	}
	b.acc = acc
	e := New(s.App, s.Clock, acc, nil)
	srv := httptest.NewServer(e.Handler(s.HTTP.Config.Handler))
	t.Cleanup(srv.Close)
	b.base, b.ctl = srv.URL, srv.URL+Prefix
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	b.get("/cgi-bin/token?grant_type=client_credential&appid="+acc.AppID+"&secret="+acc.Secret, &tok)
	b.tok = tok.AccessToken
	return b, s
}

func (b *blind) get(path string, out any) {
	b.t.Helper()
	res, err := http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		b.t.Fatal(err)
	}
}

// api calls the developer API and fails on a non-zero errcode.
func (b *blind) api(path string, body any) map[string]any {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	res, err := http.Post(b.base+path+"?access_token="+b.tok, "application/json", bytes.NewReader(raw))
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if c, _ := out["errcode"].(float64); c != 0 {
		b.t.Fatalf("%s: %v", path, out)
	}
	return out
}

// next returns the next push that is not of the skipped events.
func (b *blind) next(want func(*wxmsg.Message) bool) *wxmsg.Message {
	b.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-b.pushes:
			if want(m) {
				return m
			}
		case <-deadline:
			b.t.Fatal("the expected push did not reach the developer's server")
			return nil
		}
	}
}

func TestTicketOnlyScanAndFollowCarryTheScene(t *testing.T) {
	b, s := setupBlind(t)
	tk, err := s.App.QR.Create(context.Background(), b.acc.ID, qrcode.StrScene, 0, "spring-poster", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	post(t, b.ctl+"followers", `{"name":"ada"}`, &r)
	post(t, b.ctl+"followers/ada/follow", `{"ticket":"`+tk.Ticket+`"}`, &r)
	m := b.next(func(m *wxmsg.Message) bool { return m.Event == wxmsg.EventSubscribe })
	if m.EventKey != "qrscene_spring-poster" || m.Ticket != tk.Ticket {
		t.Fatalf("subscribe push: EventKey %q Ticket %q", m.EventKey, m.Ticket)
	}
	post(t, b.ctl+"followers/ada/scan", `{"ticket":"`+tk.Ticket+`"}`, &r)
	m = b.next(func(m *wxmsg.Message) bool { return m.Event == wxmsg.EventScan })
	if m.EventKey != "spring-poster" {
		t.Fatalf("SCAN push: EventKey %q", m.EventKey)
	}
	res, _ := http.Post(b.ctl+"followers/ada/scan", "application/json", strings.NewReader(`{"ticket":"nosuchticket"}`))
	if res.StatusCode != 400 {
		t.Fatalf("scan of an unknown ticket: HTTP %d", res.StatusCode)
	}
	res.Body.Close()
}

func TestTemplateSentInTheEmulatorReachesTheFollower(t *testing.T) {
	b, _ := setupBlind(t)
	var r Result
	post(t, b.ctl+"followers", `{"name":"ada","follow":true}`, &r)
	var lib map[string]any
	post(t, b.ctl+"templates", `{"short_id":"TM00015","title":"Order shipped","industry":1,"content":"Order: {{keyword1.DATA}}\nCarrier: {{keyword2.DATA}}"}`, &lib)
	b.api("/cgi-bin/template/api_set_industry", map[string]string{"industry_id1": "1", "industry_id2": "2"})
	id := b.api("/cgi-bin/template/api_add_template", map[string]any{"template_id_short": "TM00015"})["template_id"].(string)
	b.api("/cgi-bin/message/template/send", map[string]any{"touser": r.Follower.OpenID, "template_id": id,
		"data": map[string]any{"keyword1": map[string]string{"value": "A1024"}, "keyword2": map[string]string{"value": "SF Express"}}})
	res, _ := http.Get(b.ctl + "followers/ada/chat")
	var chat Result
	json.NewDecoder(res.Body).Decode(&chat)
	res.Body.Close()
	last := chat.Messages[len(chat.Messages)-1]
	if last.Kind != "template" || last.Body.Title != "Order shipped" {
		t.Fatalf("the follower's chat ends with %+v", last)
	}
}

func TestOAuthCodeForAVirtualFollower(t *testing.T) {
	b, _ := setupBlind(t)
	var r Result
	post(t, b.ctl+"followers", `{"name":"ada","follow":true}`, &r)
	var d map[string]any
	post(t, b.ctl+"web-domains", `{"domains":["app.example.com"]}`, &d)
	res, _ := http.Post(b.ctl+"followers/ada/oauth", "application/json", strings.NewReader(`{"redirect_uri":"https://elsewhere.example/cb","scope":"snsapi_base"}`))
	if res.StatusCode != 400 {
		t.Fatalf("a redirect_uri off the web sign-in domains: HTTP %d", res.StatusCode)
	}
	res.Body.Close()
	var code struct{ Code, State, Redirect string }
	post(t, b.ctl+"followers/ada/oauth", `{"redirect_uri":"https://app.example.com/cb","scope":"snsapi_userinfo","state":"xyz"}`, &code)
	if code.Code == "" || !strings.HasPrefix(code.Redirect, "https://app.example.com/cb?code="+url.QueryEscape(code.Code)) || code.State != "xyz" {
		t.Fatalf("oauth: %+v", code)
	}
	var tok map[string]any
	b.get("/sns/oauth2/access_token?appid="+b.acc.AppID+"&secret="+b.acc.Secret+"&code="+code.Code+"&grant_type=authorization_code", &tok)
	if tok["openid"] != r.Follower.OpenID || tok["scope"] != "snsapi_userinfo" {
		t.Fatalf("access_token: %v", tok)
	}
	var info map[string]any
	b.get("/sns/userinfo?access_token="+tok["access_token"].(string)+"&openid="+r.Follower.OpenID, &info)
	if info["nickname"] != "ada" {
		t.Fatalf("userinfo: %v", info)
	}
}

func TestSubscriptionConsentAndSampleMedia(t *testing.T) {
	b, _ := setupBlind(t)
	var r Result
	post(t, b.ctl+"followers", `{"name":"ada","follow":true}`, &r)
	var lib struct{ TID int64 }
	post(t, b.ctl+"subscribe-templates", `{"title":"Parcel","type":"one-time","category":308,"keywords":[{"name":"Parcel","rule":"character_string"},{"name":"Arrives","rule":"time"}]}`, &lib)
	pri := b.api("/wxaapi/newtmpl/addtemplate", map[string]any{"tid": lib.TID, "kidList": []int{1, 2}})["priTmplId"].(string)
	var cs struct {
		Accepted []struct {
			TemplateID string `json:"template_id"`
			Remaining  int
		}
	}
	post(t, b.ctl+"followers/ada/subscribe-notifications", `{"templates":{"`+pri+`":true},"scene":"article"}`, &cs)
	if len(cs.Accepted) != 1 || cs.Accepted[0].TemplateID != pri || cs.Accepted[0].Remaining != 1 {
		t.Fatalf("consents: %+v", cs)
	}
	m := b.next(func(m *wxmsg.Message) bool { return m.Event == wxmsg.EventSubscribeMsgPopup })
	if m.SubscribeMsgPopupEvent[0].PopupScene != 2 {
		t.Fatalf("popup: %+v", m.SubscribeMsgPopupEvent)
	}
	b.api("/cgi-bin/message/subscribe/bizsend", map[string]any{"touser": r.Follower.OpenID, "template_id": pri,
		"data": map[string]any{"character_string1": map[string]string{"value": "SF1"}, "time2": map[string]string{"value": "15:00"}}})

	// A voice message without a file: a real WAV the API serves back.
	post(t, b.ctl+"followers/ada/send", `{"kind":"voice"}`, &r)
	v := b.next(func(m *wxmsg.Message) bool { return m.MsgType == wxmsg.TypeVoice })
	res, err := http.Get(b.base + "/cgi-bin/media/get?access_token=" + b.tok + "&media_id=" + v.MediaID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(raw, []byte("RIFF")) || !bytes.Contains(raw[:16], []byte("WAVE")) || len(raw) < 8000 {
		t.Fatalf("media/get of the voice: %d bytes %q", len(raw), raw[:min(len(raw), 16)])
	}
	post(t, b.ctl+"followers/ada/send", `{"kind":"link","title":"Rates","description":"New rates","url":"https://example.com/rates"}`, &r)
	l := b.next(func(m *wxmsg.Message) bool { return m.MsgType == wxmsg.TypeLink })
	if l.Title != "Rates" || l.URL != "https://example.com/rates" {
		t.Fatalf("link push: %+v", l)
	}
}
