package compat

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/basic"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

const (
	devToken  = "compatToken42"
	devAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// pointAt sends every SDK request for WeChat's hosts to Herald instead:
// the only change a bot needs.
func pointAt(h *heraldtest.Herald) func(string) string {
	rewrite := func(uri string) string {
		for _, host := range []string{"https://api.weixin.qq.com", "https://mp.weixin.qq.com"} {
			if strings.HasPrefix(uri, host) {
				return h.URL + uri[len(host):]
			}
		}
		return uri
	}
	util.SetURIModifier(rewrite)
	return rewrite
}

func account(a *heraldtest.Account, stable bool) *officialaccount.OfficialAccount {
	return officialaccount.NewOfficialAccount(&offconfig.Config{AppID: a.AppID, AppSecret: a.AppSecret, Token: devToken,
		EncodingAESKey: devAESKey, Cache: cache.NewMemory(), UseStableAK: stable})
}

// errcode digs WeChat's errcode out of an SDK error (the SDK returns
// *util.CommonError or formats the code into its message).
func errcode(err error) int {
	var cp *util.CommonError
	if errors.As(err, &cp) {
		return int(cp.ErrCode)
	}
	if err != nil {
		if m := codeRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return -2
}

var codeRE = regexp.MustCompile(`errcode"?\s*[=:]\s*(-?\d+)`)

func TestSDKDrivesTheAPI(t *testing.T) {
	h := heraldtest.New(t)
	rewrite := pointAt(h)
	svc := h.Service

	for _, stable := range []bool{false, true} {
		tok, err := account(svc, stable).GetAccessToken()
		if err != nil || len(tok) < 100 {
			t.Fatalf("token (stable=%v): %q %v", stable, tok, err)
		}
	}
	oa := account(svc, false)
	u := oa.GetUser()
	ids, err := u.ListAllUserOpenIDs()
	if err != nil || len(ids) != 3 {
		t.Fatalf("ListAllUserOpenIDs: %v %v", ids, err)
	}
	f := svc.Followers[0]
	info, err := u.GetUserInfo(f.OpenID)
	if err != nil || info.Subscribe != 1 || info.OpenID != f.OpenID || info.SubscribeScene != "ADD_SCENE_SEARCH" {
		t.Fatalf("GetUserInfo: %+v %v", info, err)
	}
	if _, err := u.GetUserInfo(h.Subscription.Followers[0].OpenID); err == nil {
		t.Fatal("GetUserInfo of another account's follower succeeded")
	}
	if err := u.UpdateRemark(f.OpenID, "friend"); err != nil {
		t.Fatal(err)
	}
	tag, err := u.CreateTag("Regulars")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.BatchTag([]string{f.OpenID}, tag.ID); err != nil {
		t.Fatal(err)
	}
	tids, err := u.UserTidList(f.OpenID)
	if err != nil || len(tids) != 1 || tids[0] != tag.ID {
		t.Fatalf("UserTidList: %v %v", tids, err)
	}
	byTag, err := u.OpenIDListByTag(tag.ID)
	if err != nil || byTag.Count != 1 || byTag.Data.OpenIDs[0] != f.OpenID {
		t.Fatalf("OpenIDListByTag: %+v %v", byTag, err)
	}
	tags, err := u.GetTag()
	if err != nil || len(tags) != 1 || tags[0].Count != 1 {
		t.Fatalf("GetTag: %v %v", tags, err)
	}
	if err := u.BatchBlackList(svc.Followers[1].OpenID); err != nil {
		t.Fatal(err)
	}
	bl, err := u.GetAllBlackList()
	if err != nil || len(bl) != 1 || bl[0] != svc.Followers[1].OpenID {
		t.Fatalf("GetAllBlackList: %v %v", bl, err)
	}
	if err := u.BatchUnBlackList(svc.Followers[1].OpenID); err != nil {
		t.Fatal(err)
	}

	m := oa.GetMenu()
	buttons := []*menu.Button{{Type: "click", Name: "Today", Key: "TODAY"}, {Name: "More", SubButtons: []*menu.Button{{Type: "view", Name: "Site", URL: "https://example.com/"}}}}
	if err := m.SetMenu(buttons); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetMenu()
	if err != nil || len(got.Menu.Button) != 2 || got.Menu.Button[0].Key != "TODAY" {
		t.Fatalf("GetMenu: %+v %v", got, err)
	}
	if err := m.AddConditional([]*menu.Button{{Type: "click", Name: "VIP", Key: "VIP"}}, &menu.MatchRule{GroupID: itoa(tag.ID)}); err != nil {
		t.Fatal(err)
	}
	tried, err := m.MenuTryMatch(f.OpenID)
	if err != nil || len(tried) != 1 || tried[0].Key != "VIP" {
		t.Fatalf("MenuTryMatch: %+v %v", tried, err)
	}
	self, err := m.GetCurrentSelfMenuInfo()
	if err != nil || self.IsMenuOpen != 1 || len(self.SelfMenuInfo.Button) != 2 {
		t.Fatalf("GetCurrentSelfMenuInfo: %+v %v", self, err)
	}
	if err := m.DeleteMenu(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetMenu(); errcode(err) != 46003 {
		t.Fatalf("GetMenu after delete: %v", err)
	}

	// Customer service: closed until the follower writes.
	cm := oa.GetCustomerMessageManager()
	if err := cm.Send(message.NewCustomerTextMessage(f.OpenID, "hello?")); errcode(err) != 45015 {
		t.Fatalf("Send outside the window: %v", err)
	}
	if _, err := h.Send(svc, f, "hi there"); err != nil {
		t.Fatal(err)
	}
	if err := cm.Send(message.NewCustomerTextMessage(f.OpenID, "thanks for writing")); err != nil {
		t.Fatal(err)
	}

	// Temporary media: upload, download, send.
	mat := oa.GetMaterial()
	up, err := mat.MediaUploadFromReader(material.MediaTypeImage, "pic.png", bytes.NewReader(pngImage()))
	if err != nil || up.MediaID == "" {
		t.Fatalf("MediaUpload: %+v %v", up, err)
	}
	mediaURL, _ := mat.GetMediaURL(up.MediaID)
	if b := fetch(t, rewrite(mediaURL)); !bytes.Equal(b, pngImage()) {
		t.Fatalf("media/get returned %d bytes", len(b))
	}
	if err := cm.Send(message.NewCustomerImgMessage(f.OpenID, up.MediaID)); err != nil {
		t.Fatal(err)
	}
	conv, _ := h.Conversation(svc, f)
	if last := conv[len(conv)-1]; last.Kind != "image" || last.Sender != "api" {
		t.Fatalf("last message %+v", last)
	}

	// QR codes and the image behind showqrcode.
	b := oa.GetBasic()
	tk, err := b.GetQRTicket(basic.NewTmpQrRequest(time.Hour, 123))
	if err != nil || tk.Ticket == "" || tk.ExpireSeconds != 3600 {
		t.Fatalf("GetQRTicket: %+v %v", tk, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(fetch(t, rewrite(basic.ShowQRCode(tk)))))
	if err != nil || img.Bounds().Dx() < 100 {
		t.Fatalf("showqrcode: %v", err)
	}
	if _, err := b.GetQRTicket(basic.NewLimitQrRequest("poster")); err != nil {
		t.Fatal(err)
	}
	if ips, err := b.GetCallbackIP(); err != nil || len(ips) == 0 {
		t.Fatalf("GetCallbackIP: %v %v", ips, err)
	}
	if err := b.ClearQuota(); err != nil {
		t.Fatal(err)
	}

	// An unverified Subscription account may not use the menu API.
	plain := h.NewAccount("Unverified Subscription", "subscription", false)
	if err := account(plain, false).GetMenu().SetMenu(buttons); errcode(err) != 48001 {
		t.Fatalf("unverified SetMenu: %v", err)
	}
}

// TestSDKDeveloperServer runs a developer server written with the SDK's
// server package and checks every mode end to end: Herald pushes, the SDK
// validates and decrypts, the SDK's reply reaches the follower.
func TestSDKDeveloperServer(t *testing.T) {
	for _, mode := range []string{"plaintext", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			h := heraldtest.New(t)
			pointAt(h)
			svc := h.Service
			oa := account(svc, false)
			var mu sync.Mutex
			var seen []string
			dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srv := oa.GetServer(r, w)
				srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
					mu.Lock()
					seen = append(seen, string(msg.MsgType)+"/"+string(msg.Event)+"/"+msg.EventKey+"/"+msg.Content)
					mu.Unlock()
					switch {
					case msg.MsgType == message.MsgTypeText:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("You said: " + msg.Content)}
					case msg.Event == message.EventSubscribe:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Welcome! scene " + msg.EventKey)}
					case msg.Event == message.EventClick:
						return &message.Reply{MsgType: message.MsgTypeNews, MsgData: message.NewNews([]*message.Article{
							message.NewArticle("Today's menu", "Fresh", "https://example.com/p.png", "https://example.com/today")})}
					}
					return nil // "success" / empty: no reply
				})
				if err := srv.Serve(); err != nil {
					t.Errorf("SDK server: %v", err)
					return
				}
				srv.Send()
			}))
			defer dev.Close()
			if err := h.SetServer(svc, dev.URL, devToken, devAESKey, mode); err != nil {
				t.Fatal(err)
			}
			f := svc.Followers[0]
			replies, err := h.Send(svc, f, "hello")
			if err != nil || len(replies) != 1 || replies[0].Text != "You said: hello" || replies[0].Sender != "developer" {
				t.Fatalf("text reply: %+v %v", replies, err)
			}
			p := h.NewPerson("scanner")
			replies, err = h.Follow(svc, p, "spring", "gQticket")
			if err != nil || len(replies) != 1 || replies[0].Text != "Welcome! scene qrscene_spring" {
				t.Fatalf("subscribe reply: %+v %v", replies, err)
			}
			replies, err = h.Click(svc, f, "TODAY")
			if err != nil || len(replies) != 1 || replies[0].Kind != "news" || replies[0].Title != "Today's menu" {
				t.Fatalf("click reply: %+v %v", replies, err)
			}
			replies, err = h.SendLocation(svc, f, 31.23, 121.47, "The Bund")
			if err != nil || len(replies) != 0 {
				t.Fatalf("no-reply: %+v %v", replies, err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{"text//" + "/hello", "event/subscribe/qrscene_spring/", "event/CLICK/TODAY/", "location///"}
			if strings.Join(seen, "|") != strings.Join(want, "|") {
				t.Fatalf("SDK saw %q, want %q", seen, want)
			}
		})
	}
}

func itoa(n int32) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func fetch(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return b
}

func pngImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{0, 128, 255, 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
