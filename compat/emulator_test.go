package compat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/emulator"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	offconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// TestSDKBotAgainstTheEmulator runs a silenceper/wechat bot against
// `herald emulate` (through the public emulator package) in every push
// mode: each follower action, the clock and each fault.
func TestSDKBotAgainstTheEmulator(t *testing.T) {
	for _, mode := range []string{"plaintext", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			const appID = "wx00e1a7e0b0712345"
			cfg := &offconfig.Config{AppID: appID, AppSecret: "emulatorsecret", Token: devToken, EncodingAESKey: devAESKey, Cache: cache.NewMemory()}
			oa := officialaccount.NewOfficialAccount(cfg)
			var mu sync.Mutex
			var seen []string
			bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srv := oa.GetServer(r, w)
				srv.SetMessageHandler(func(msg *message.MixMessage) *message.Reply {
					mu.Lock()
					seen = append(seen, string(msg.MsgType)+"/"+string(msg.Event))
					mu.Unlock()
					switch {
					case msg.MsgType == message.MsgTypeText:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("You said: " + msg.Content)}
					case msg.MsgType == message.MsgTypeLocation:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("At " + msg.Label)}
					case msg.MsgType == message.MsgTypeLink:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Link " + msg.URL)}
					case msg.MsgType == message.MsgTypeImage:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Nice picture")}
					case msg.Event == message.EventSubscribe:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Welcome " + msg.EventKey)}
					case msg.Event == message.EventScan:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Scanned " + msg.EventKey)}
					case msg.Event == message.EventView:
						return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText("Viewed " + msg.EventKey)}
					case msg.Event == message.EventClick:
						return &message.Reply{MsgType: message.MsgTypeNews, MsgData: message.NewNews([]*message.Article{
							message.NewArticle("Today's menu", "Fresh", "https://example.com/p.png", "https://example.com/today")})}
					}
					return nil
				})
				if err := srv.Serve(); err != nil {
					t.Errorf("SDK server: %v", err)
					return
				}
				srv.Send()
			}))
			defer bot.Close()

			emu, err := emulator.Start(context.Background(), emulator.Options{AppID: appID, Secret: cfg.AppSecret,
				Token: devToken, AESKey: devAESKey, PushURL: bot.URL, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			util.SetURIModifier(func(uri string) string {
				return strings.Replace(uri, "https://api.weixin.qq.com", emu.URL, 1)
			})
			defer util.SetURIModifier(func(uri string) string { return uri })

			one := func(what string, r *emulator.Result, err error, want string) {
				t.Helper()
				if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != want {
					t.Fatalf("%s: follower sees %+v (%v), want %q", what, r, err, want)
				}
			}
			r, err := emu.Follow("ada", "spring")
			one("follow", r, err, "Welcome qrscene_spring")
			ada := r.Follower.OpenID
			r, err = emu.Send(ada, "hello")
			one("text", r, err, "You said: hello")
			r, err = emu.SendLocation(ada, 31.23, 121.47, "The Bund")
			one("location", r, err, "At The Bund")
			r, err = emu.SendLink(ada, "Docs", "", "https://example.com/d")
			one("link", r, err, "Link https://example.com/d")
			r, err = emu.SendMedia(ada, "image", "image/png", pngImage())
			one("image", r, err, "Nice picture")
			r, err = emu.Click(ada, "TODAY")
			one("click", r, err, "Today's menu")
			r, err = emu.View(ada, "https://example.com/m")
			one("view", r, err, "Viewed https://example.com/m")
			r, err = emu.Scan(ada, "autumn")
			one("scan", r, err, "Scanned autumn")

			// Push faults.
			const notice = "This account cannot serve you right now. Please try again later."
			_ = emu.SetFaults(emulator.Faults{FailPushes: 3})
			r, err = emu.Send(ada, "lost")
			one("3 failed attempts", r, err, notice)
			_ = emu.SetFaults(emulator.Faults{FailPushes: 2})
			r, err = emu.Send(ada, "third time")
			one("2 failed attempts", r, err, "You said: third time")
			_ = emu.SetFaults(emulator.Faults{TimeoutPushes: 3})
			r, err = emu.Send(ada, "slow")
			one("timeouts", r, err, notice)
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			_ = emu.SetFaults(emulator.Faults{DuplicatePushes: 1})
			r, err = emu.Send(ada, "twice")
			one("duplicate", r, err, "You said: twice")
			mu.Lock()
			if len(seen)-n != 2 {
				t.Fatalf("duplicated push reached the bot %d times", len(seen)-n)
			}
			mu.Unlock()
			if _, err := emu.Unfollow(ada); err != nil {
				t.Fatal(err)
			}
			chat, err := emu.Chat(ada)
			if err != nil || len(chat) < 20 {
				t.Fatalf("chat: %d messages, %v", len(chat), err)
			}

			// The SDK's API calls: token expiry, invalidation, quota, system
			// error. fresh is the SDK with an empty token cache.
			fresh := func() *officialaccount.OfficialAccount {
				c := *cfg
				c.Cache = cache.NewMemory()
				return officialaccount.NewOfficialAccount(&c)
			}
			api := fresh()
			if _, err := api.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatalf("API call: %v", err)
			}
			_ = emu.Advance(7201 * time.Second)
			if _, err := api.GetBasic().GetAPIDomainIP(); errcode(err) != 42001 {
				t.Fatalf("after 7201 s: %v, want 42001", err)
			}
			api = fresh()
			if _, err := api.GetBasic().GetAPIDomainIP(); err != nil {
				t.Fatalf("with a new token: %v", err)
			}
			_ = emu.InvalidateToken()
			if _, err := api.GetBasic().GetAPIDomainIP(); errcode(err) != 40001 {
				t.Fatalf("invalidated token: %v, want 40001", err)
			}
			api = fresh()
			_ = emu.ExhaustQuota("/cgi-bin/token")
			if _, err := api.GetContext().GetAccessToken(); errcode(err) != 45009 {
				t.Fatalf("exhausted quota: %v, want 45009", err)
			}
			_ = emu.SetFaults(emulator.Faults{APIErrorRate: 1, Seed: 1})
			if _, err := api.GetBasic().GetAPIDomainIP(); errcode(err) != -1 {
				t.Fatalf("error rate 1: %v, want -1", err)
			}
		})
	}
}
