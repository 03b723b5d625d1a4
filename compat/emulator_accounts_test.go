package compat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/emulator"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// sdkBot is a silenceper/wechat bot: it answers each push with a text
// describing it and remembers what it saw.
type sdkBot struct {
	oa  *officialaccount.OfficialAccount
	cfg *offconfig.Config
	srv *httptest.Server

	mu    sync.Mutex
	seen  []string
	media []string // MediaId of pushed media messages
}

func newSDKBot(t *testing.T, appID, secret string) *sdkBot {
	b := &sdkBot{cfg: &offconfig.Config{AppID: appID, AppSecret: secret, Token: devToken, EncodingAESKey: devAESKey, Cache: cache.NewMemory()}}
	b.oa = officialaccount.NewOfficialAccount(b.cfg)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := b.oa.GetServer(r, w)
		srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
			b.mu.Lock()
			b.seen = append(b.seen, string(msg.MsgType)+"/"+string(msg.Event))
			if msg.MediaID != "" {
				b.media = append(b.media, msg.MediaID)
			}
			b.mu.Unlock()
			text := func(s string) *message.Reply {
				return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText(s)}
			}
			switch {
			case msg.MsgType == message.MsgTypeText:
				return text(appID + " says: " + msg.Content)
			case msg.MsgType == message.MsgTypeImage:
				return text("Nice picture")
			case msg.Event == message.EventClick:
				return text("Clicked " + msg.EventKey)
			case msg.Event == message.EventView:
				return text("Viewed " + msg.EventKey + " in menu " + msg.MenuID)
			case msg.Event == message.EventLocation:
				lat, _ := strconv.ParseFloat(msg.Latitude, 64)
				lng, _ := strconv.ParseFloat(msg.Longitude, 64)
				p, _ := strconv.ParseFloat(msg.Precision, 64)
				return text(fmt.Sprintf("You are at %g,%g ±%g", lat, lng, p))
			case msg.Event == message.EventSubscribe:
				return text("Welcome")
			}
			return nil
		})
		if err := srv.Serve(); err != nil {
			t.Errorf("SDK server: %v", err)
			return
		}
		srv.Send()
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *sdkBot) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.seen)
}

// fresh is the bot's API client with an empty token cache.
func (b *sdkBot) fresh() *officialaccount.OfficialAccount {
	c := *b.cfg
	c.Cache = cache.NewMemory()
	return officialaccount.NewOfficialAccount(&c)
}

// TestSDKBotsOnTwoEmulatorAccounts runs two silenceper/wechat bots on two
// accounts of one in-memory emulator, in every push mode: menu taps with
// MenuId (default and conditional menu), LOCATION reports, the delay
// fault (a real timeout of the push engine, then WeChat's retries),
// faults on one account leaving the other alone, publishing to followers,
// comments, and media kept in memory.
func TestSDKBotsOnTwoEmulatorAccounts(t *testing.T) {
	for _, mode := range []string{"plaintext", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			botA := newSDKBot(t, "wx00e1a7e0b07aaaaa", "secretA")
			botB := newSDKBot(t, "wx00e1a7e0b07bbbbb", "secretB")
			// A short push timeout keeps the delay faults quick; the
			// engine still really waits for it.
			emu, err := emulator.Start(context.Background(), emulator.Options{AppID: botA.cfg.AppID, Secret: botA.cfg.AppSecret,
				Token: devToken, AESKey: devAESKey, PushURL: botA.srv.URL, Mode: mode, InMemory: true, PushTimeout: 400 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			if !emu.InMemory || emu.DataDir != "" {
				t.Fatalf("in memory: %v, data dir %q", emu.InMemory, emu.DataDir)
			}
			b, err := emu.AddAccount(emulator.AccountOptions{Name: "Tea Weekly", Type: "subscription", AppID: botB.cfg.AppID,
				Secret: botB.cfg.AppSecret, Token: devToken, AESKey: devAESKey, PushURL: botB.srv.URL, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if b.AppID != botB.cfg.AppID || b.Type != "subscription" || b.OriginalID == emu.OriginalID {
				t.Fatalf("second account: %+v", b.Info)
			}
			if _, err := emu.AddAccount(emulator.AccountOptions{AppID: botB.cfg.AppID}); err == nil {
				t.Fatal("a second account with a taken appid")
			}
			util.SetURIModifier(func(uri string) string { return strings.Replace(uri, "https://api.weixin.qq.com", emu.URL, 1) })
			defer util.SetURIModifier(func(uri string) string { return uri })

			one := func(what string, r *emulator.Result, err error, want string) {
				t.Helper()
				if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != want {
					t.Fatalf("%s: follower sees %+v (%v), want %q", what, r, err, want)
				}
			}
			r, err := emu.Follow("ada", "")
			one("follow A", r, err, "Welcome")
			adaA := r.Follower.OpenID
			r, err = b.Follow("ada", "")
			one("follow B", r, err, "Welcome")
			adaB := r.Follower.OpenID
			if adaA == adaB {
				t.Fatal("one openid for two accounts")
			}
			if _, err := b.Send(adaA, "hi"); err == nil {
				t.Fatal("account B knows account A's openid")
			}

			// Menus: the bot sets them through the SDK; the follower taps.
			api := botA.fresh()
			err = api.GetMenu().SetMenu([]*menu.Button{
				{Type: "click", Name: "Today", Key: "TODAY"},
				{Name: "More", SubButtons: []*menu.Button{{Type: "view", Name: "Site", URL: "https://example.com/site"}}},
			})
			if err != nil {
				t.Fatalf("menu/create: %v", err)
			}
			got, err := api.GetMenu().GetMenu()
			if err != nil || got.Menu.MenuID == 0 {
				t.Fatalf("menu/get: %+v %v", got, err)
			}
			defMenu := strconv.FormatInt(got.Menu.MenuID, 10)
			r, err = emu.Tap(adaA, "Today")
			one("tap click", r, err, "Clicked TODAY")
			r, err = emu.Tap(adaA, "More/Site")
			one("tap view", r, err, "Viewed https://example.com/site in menu "+defMenu)
			r, err = emu.View(adaA, "https://example.com/site")
			one("view of a menu link", r, err, "Viewed https://example.com/site in menu "+defMenu)
			r, err = emu.View(adaA, "https://elsewhere.example/x")
			one("view of another link", r, err, "Viewed https://elsewhere.example/x in menu ")
			if _, err := emu.Tap(adaA, "More"); err == nil {
				t.Fatal("tapped a button that only opens sub-buttons")
			}
			if _, err := emu.Tap(adaA, "Nope"); err == nil {
				t.Fatal("tapped a button the menu does not have")
			}
			if _, err := b.Tap(adaB, "Today"); err == nil {
				t.Fatal("account B has account A's menu")
			}
			// A conditional menu for a tag: ada, tagged, sees it, with its own MenuId.
			tag, err := api.GetUser().CreateTag("vip")
			if err != nil {
				t.Fatalf("tags/create: %v", err)
			}
			if err := api.GetUser().BatchTag([]string{adaA}, tag.ID); err != nil {
				t.Fatalf("batchtagging: %v", err)
			}
			// (The SDK's MatchRule has only the old group_id; tag_id by JSON.)
			if err := api.GetMenu().AddConditionalByJSON(fmt.Sprintf(`{"button":[{"type":"view","name":"VIP","url":"https://example.com/vip"}],`+
				`"matchrule":{"tag_id":"%d"}}`, tag.ID)); err != nil {
				t.Fatalf("addconditional: %v", err)
			}
			got, _ = api.GetMenu().GetMenu()
			if len(got.Conditionalmenu) != 1 {
				t.Fatalf("conditional menus: %+v", got.Conditionalmenu)
			}
			r, err = emu.Tap(adaA, "VIP")
			one("tap in the conditional menu", r, err, "Viewed https://example.com/vip in menu "+strconv.FormatInt(got.Conditionalmenu[0].MenuID, 10))

			// LOCATION reports.
			r, err = emu.ReportLocation(adaA, 31.2304, 121.4737, 65)
			one("report location", r, err, "You are at 31.2304,121.4737 ±65")

			// The delay fault: the bot answers at once, the answer is held
			// past the push timeout, the engine gives up and retries.
			const notice = "This account cannot serve you right now. Please try again later."
			n := botA.count()
			_ = emu.SetFaults(emulator.Faults{DelayPushes: 3})
			r, err = emu.Send(adaA, "slow")
			one("3 delayed attempts", r, err, notice)
			if d := botA.count() - n; d != 3 {
				t.Fatalf("3 delayed attempts reached the bot %d times", d)
			}
			n = botA.count()
			_ = emu.SetFaults(emulator.Faults{DelayPushes: 2})
			r, err = emu.Send(adaA, "late")
			one("2 delayed attempts", r, err, botA.cfg.AppID+" says: late")
			if d := botA.count() - n; d != 3 {
				t.Fatalf("2 delayed attempts then an answer: the bot saw %d pushes", d)
			}
			_ = emu.SetFaults(emulator.Faults{DelayPushes: 1, Delay: 10 * time.Millisecond})
			r, err = emu.Send(adaA, "in time")
			one("a delay within the timeout", r, err, botA.cfg.AppID+" says: in time")
			_ = emu.SetFaults(emulator.Faults{DuplicatePushes: 1})
			n = botA.count()
			r, err = emu.Send(adaA, "twice")
			one("duplicate", r, err, botA.cfg.AppID+" says: twice")
			if d := botA.count() - n; d != 2 {
				t.Fatalf("a duplicated push reached the bot %d times", d)
			}

			// Faults are per account: A's do not touch B, B's do not touch A.
			_ = emu.SetFaults(emulator.Faults{FailPushes: 3})
			r, err = b.Send(adaB, "to B")
			one("B while A fails", r, err, botB.cfg.AppID+" says: to B")
			if f, err := b.Faults(); err != nil || f != (emulator.Faults{}) {
				t.Fatalf("B's faults: %+v %v", f, err)
			}
			if f, _ := emu.Faults(); f.FailPushes != 3 {
				t.Fatalf("A's faults after B's push: %+v", f)
			}
			r, err = emu.Send(adaA, "to A")
			one("A fails", r, err, notice)
			apiA, apiB := botA.fresh(), botB.fresh()
			if _, err := apiA.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatal(err)
			}
			if _, err := apiB.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatal(err)
			}
			_ = b.SetFaults(emulator.Faults{APIErrorRate: 1, Seed: 3})
			if _, err := apiB.GetBasic().GetAPIDomainIP(); errcode(err) != -1 {
				t.Fatalf("B with error rate 1: %v, want -1", err)
			}
			if _, err := apiA.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatalf("A while B errs: %v", err)
			}
			_ = b.SetFaults(emulator.Faults{})
			_ = emu.InvalidateToken()
			if _, err := apiA.GetBasic().GetAPIDomainIP(); errcode(err) != 40001 {
				t.Fatalf("A's invalidated token: %v, want 40001", err)
			}
			if _, err := apiB.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatalf("B's token after A's was invalidated: %v", err)
			}
			_ = b.ExhaustQuota("/cgi-bin/token")
			if _, err := botB.fresh().GetContext().GetAccessToken(); errcode(err) != 45009 {
				t.Fatalf("B's exhausted token quota: %v, want 45009", err)
			}
			if _, err := botA.fresh().GetContext().GetAccessToken(); err != nil {
				t.Fatalf("A's token quota after B's ran out: %v", err)
			}

			// Publishing: B (Subscription) to the followers' folder; A
			// (Service) into their chat. Then a comment.
			p, err := b.Publish("", emulator.NewArticle{Title: "Spring tea", Author: "Lin", Content: "Green tea *season*.", CommentsOpen: true})
			if err != nil || p.State != "done" || p.SentCount != 1 || len(p.ArticleIDs) != 1 {
				t.Fatalf("publish on B: %+v %v", p, err)
			}
			folder, err := b.Folder(adaB)
			if err != nil || len(folder) != 1 || folder[0].Title != "Spring tea" || folder[0].AccountName != "Tea Weekly" {
				t.Fatalf("folder: %+v %v", folder, err)
			}
			c, err := b.Comment(adaB, p.ArticleIDs[0], "Lovely")
			if err != nil || c.Text != "Lovely" || c.ArticleID != p.ArticleIDs[0] {
				t.Fatalf("comment: %+v %v", c, err)
			}
			if _, err := b.Comment(adaB, p.ArticleIDs[0], ""); err == nil {
				t.Fatal("an empty comment")
			}
			if _, err := emu.Publish("", emulator.NewArticle{Title: "Menu of the week", Content: "Noodles."}); err != nil {
				t.Fatalf("publish on A: %v", err)
			}
			chat, err := emu.Chat(adaA)
			if err != nil || len(chat) == 0 || chat[len(chat)-1].Kind != "publication" || chat[len(chat)-1].Body.Articles[0].Title != "Menu of the week" {
				t.Fatalf("A's mass send in the chat: %+v %v", chat[len(chat)-1], err)
			}

			// Media in memory: the bot fetches the follower's picture.
			r, err = emu.SendMedia(adaA, "image", "image/png", pngImage())
			one("image", r, err, "Nice picture")
			botA.mu.Lock()
			mediaID := botA.media[len(botA.media)-1]
			botA.mu.Unlock()
			tok, err := botA.fresh().GetContext().GetAccessToken()
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.Get(emu.URL + "/cgi-bin/media/get?access_token=" + url.QueryEscape(tok) + "&media_id=" + url.QueryEscape(mediaID))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(body) != string(pngImage()) {
				t.Fatalf("media/get: HTTP %d, %d bytes", res.StatusCode, len(body))
			}
		})
	}
}
