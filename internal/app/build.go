package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/kf"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/ratelimit"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
	"github.com/heraldoa/herald/internal/webpush"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wxapi"
	"github.com/heraldoa/herald/internal/wxapi/comment"
	"github.com/heraldoa/herald/internal/wxapi/datacube"
	"github.com/heraldoa/herald/internal/wxapi/drafts"
	"github.com/heraldoa/herald/internal/wxapi/mass"
	"github.com/heraldoa/herald/internal/wxapi/material"
	"github.com/heraldoa/herald/internal/wxapi/subscribe"
	"github.com/heraldoa/herald/internal/wxapi/templatemsg"
)

// The steps of New, in the order it runs them: each builds one part of
// the platform on the parts built before it.

// openMedia uses m, or opens the media store the configuration names.
func (a *App) openMedia(ctx context.Context, m media.Store) error {
	a.Media = m
	if a.Media != nil {
		return nil
	}
	m, err := media.OpenURL(ctx, a.Config.MediaURL, filepath.Join(a.Config.DataDir, "media"))
	if err != nil {
		return fmt.Errorf("app: media store: %w", err)
	}
	a.Media = m
	return nil
}

// buildStores builds the stores everything else stands on: settings,
// people, analytics, accounts, follows, the account lifecycle and the
// live-event bus.
func (a *App) buildStores(opts Options) {
	d, c, log := a.DB, a.Clock, a.Log
	a.Settings = settings.NewStore(d, c)
	a.Users = user.NewStore(d, c)
	a.Analytics = analytics.NewRecorder(d, c, log, opts.AnalyticsBuffer)
	a.AnalyticsStore = analytics.NewStore(d, c, a.Settings, log)
	a.registerMetrics()
	a.Accounts = account.NewStore(d, c)
	a.Follows = follow.NewStore(d, c)
	a.Review = review.NewStore(d, c, a.Accounts, a.Settings, a.Media)
	a.Bus = opts.Bus
	if a.Bus == nil {
		a.Bus = realtime.NewLocal()
	}
}

// buildMessages builds the durable work queue and the message store, and
// returns the Web Push triggers the store calls (for buildFollowerServices).
func (a *App) buildMessages(opts Options) *webpush.Triggers {
	a.Queue = workq.NewWith(a.DB, a.Clock, a.Log, opts.Queue)
	// Web Push queues a notification in the transaction that stores an
	// account's message; the service that sends it is built later.
	pushTriggers := webpush.NewTriggers(a.Queue, a.Clock, opts.webPushDelay())
	a.Messages = message.NewStoreWith(a.DB, a.Clock, a.Bus, pushTriggers.MessageStoredTx)
	return pushTriggers
}

// buildPublishing builds the publishing store and engine, the folder, the
// menus, the auto-replies and the audience.
func (a *App) buildPublishing(opts Options) {
	d, c := a.DB, a.Clock
	// Penalties gate publishing, mass sends and comments, and hide taken-down
	// articles (accounts lifecycle, docs/accounts.md).
	a.Publish = publish.NewStore(d, c, publish.Deps{Media: a.Media, Settings: a.Settings, Messages: a.Messages, Bus: a.Bus,
		Gate: a.Review.CheckAllowed, GateAt: a.Review.CheckAllowedAt, TakenDown: a.Review.TakenDown, TakenDownSQL: review.TakenDownSQL, FlagContent: a.Review.FlagContent})
	a.Folder = folder.NewStore(d, c)
	// An A/B test's winner roll-out gets its publication and recipients when
	// the engine starts it, and the test ends with it.
	abTests := abtest.NewStore(d, c, a.Publish)
	a.PublishEngine = publish.NewEngineWith(a.Publish, a.Log, opts.Publishing, abTests.Hooks())
	a.Menus = menu.NewStore(d, c)
	a.AutoReplies = autoreply.NewStore(d, c, a.libraryImage) // imports of auto-reply versions name library images
	a.Audience = audience.NewStore(d, c, a.Follows)
}

// buildDeveloper builds what developers' programs use: tokens and quotas,
// push settings, temporary media, QR codes, the outbound policy and the
// push engine.
func (a *App) buildDeveloper(opts Options) {
	d, c := a.DB, a.Clock
	a.Tokens = apitoken.NewStore(d, c)
	a.Quotas = apitoken.NewQuotas(d, c)
	a.DevSettings = push.NewStore(d, c, a.Log)
	a.TempMedia = tempmedia.NewStore(d, c)
	a.QR = qrcode.NewStore(d, c)
	// Every request to a tenant-chosen URL goes through one outbound policy
	// (private addresses refused unless --outbound-allow names them).
	a.Outbound = outbound.NewPolicy(a.Config.Outbound)
	pushClient := opts.PushClient
	var fast *fasthttp.Client // pushes, on the sending goroutine
	if pushClient == nil {
		pushClient = a.Outbound.Client(0)
		fast = a.Outbound.FastClient(push.MaxResponse)
	}
	a.Push = push.NewEngine(push.Deps{Store: a.DevSettings, Accounts: a.Accounts, TempMedia: a.TempMedia, Media: a.Media, Clock: c, Log: a.Log,
		BaseURL: a.Config.BaseURL, Client: pushClient, Fast: fast, Nodes: a.nodeCount, Queue: a.Queue}, opts.Push)
}

// buildConversations builds the chat service, the inbox and kf.
func (a *App) buildConversations(opts Options) {
	d, c, log := a.DB, a.Clock, a.Log
	// A follower's message or event is answered by the responder chain
	// (responders.go), through the durable queue.
	a.Chat = message.NewService(message.Deps{Store: a.Messages, Accounts: a.Accounts, Follows: a.Follows, Media: a.Media, Log: log, Queue: a.Queue},
		append(a.responders(), opts.Responders...)...)
	// The inbox tells the developer's server of conversations changing
	// hands (kf_*_session); kf.Service then works on the inbox.
	kfEvents := kf.NewEvents(d, c, a.Accounts, a.Push, log)
	a.Inbox = inbox.NewStore(d, c, a.Bus, a.Chat, kfEvents.SessionChanged)
	a.Kf = &kf.Service{DB: d, Clock: c, Inbox: a.Inbox, Accts: a.Accounts, Log: log}
}

// buildPortability builds account exports, moves from WeChat and the
// moves of imported followers.
func (a *App) buildPortability() {
	d, c, log, cfg := a.DB, a.Clock, a.Log, a.Config
	// Account exports started from the console run as queue jobs on any node.
	a.Exports = portability.NewExports(portability.Exports{DB: d, Media: a.Media, Queue: a.Queue, Clock: c, Log: log, BaseURL: cfg.BaseURL,
		Generator: "herald", WorkDir: filepath.Join(cfg.DataDir, "exports")})
	// Moves from WeChat pull through an API address the owner gives, so
	// every connection passes the outbound policy.
	a.WeChatImports = portability.NewWeChatImports(portability.WeChatImports{DB: d, Media: a.Media, Queue: a.Queue, Clock: c, Log: log,
		HTTP: a.Outbound.Client(2 * time.Minute), WorkDir: filepath.Join(cfg.DataDir, "wechat-imports")})
	// Followers who came with an imported account move to people of this
	// platform with the same email address, after a notice and an opt-out window.
	a.Moves = &portability.Moves{DB: d, Messages: a.Messages, Clock: c, Log: log, BaseURL: cfg.BaseURL}
}

// buildAPI builds the developer API with its endpoint groups and the
// services behind them (web sign-in, web apps, template and subscription
// messages, drafts, materials, comments, mass sends).
func (a *App) buildAPI() {
	d, c, log, cfg := a.DB, a.Clock, a.Log, a.Config
	a.WebApps = webapp.NewStore(d, c)
	a.OAuth = &oauth.Service{DB: d, Accounts: a.Accounts, Follows: a.Follows, Clock: c}
	a.API = &wxapi.API{DB: d, Accounts: a.Accounts, Follows: a.Follows, Tokens: a.Tokens, Quotas: a.Quotas, Settings: a.DevSettings,
		Chat: a.Chat, Bus: a.Bus, Menus: a.Menus, Audience: a.Audience, AutoReplies: a.AutoReplies, TempMedia: a.TempMedia, QR: a.QR,
		Media: a.Media, Clock: c, Log: log, BaseURL: cfg.BaseURL, MenuArticle: a.menuArticle,
		Kf:      a.Kf,
		OAuth:   a.OAuth,
		WebApps: a.WebApps,           // miniprogrampage custom messages open linked web apps
		Frozen:  a.Review.FrozenCode, // suspended or terminated: errcode 50007
		// Developer API calls feed analytics (api_call); push deliveries reach it
		// through AnalyticsStore.ImportPushLog, so push.Engine.Observe stays unset.
		Observe: func(accountID int64, path string, failed bool, took time.Duration) {
			a.Analytics.Record(analytics.Event{AccountID: accountID, Kind: analytics.KindAPICall, Surface: path[1:], Value: took.Milliseconds(), Failed: failed})
		}}
	datacube.Register(a.API, a.AnalyticsStore) // /datacube/* from the analytics rollups
	a.Templates = tmplmsg.NewService(tmplmsg.NewStore(d, c), tmplmsg.Deps{Accounts: a.Accounts, Follows: a.Follows, Messages: a.Messages,
		Push: a.Push, Clock: c, Log: log, Gate: a.Review.CheckAllowed})
	templatemsg.Register(a.API, a.Templates) // /cgi-bin/template/*, message/template/send
	a.Subscriptions = &subscribemsg.Service{DB: d, Clock: c, Accounts: a.Accounts, Follows: a.Follows, Messages: a.Messages,
		Push: a.Push, Log: log, Gate: a.Review.CheckAllowed}
	subscribe.Register(a.API, a.Subscriptions) // wxaapi/newtmpl/*, message/subscribe/bizsend, message/template/subscribe
	// draft/* and freepublish/* on the console's drafts; PUBLISHJOBFINISH when a publish job ends.
	a.Drafts = drafts.NewService(drafts.Deps{Store: a.Publish, Engine: a.PublishEngine, Accounts: a.Accounts, Follows: a.Follows,
		Push: a.Push, BaseURL: cfg.BaseURL, Log: log})
	drafts.Register(a.API, a.Drafts)
	// /cgi-bin/material/*: permanent materials are the media library
	material.Register(a.API, material.Deps{Publish: a.Publish, Menus: a.Menus, AutoReplies: a.AutoReplies, BaseURL: cfg.BaseURL})
	// /cgi-bin/comment/*: the reading pages' comments
	comment.Register(a.API, comment.Deps{Publish: a.Publish, Follows: a.Follows})
	// /cgi-bin/message/mass/*: API mass sends are the console's jobs; the
	// engine tells mass when one ends (MASSSENDJOBFINISH).
	a.Mass = mass.New(mass.Deps{Publish: a.Publish, Engine: a.PublishEngine, TempMedia: a.TempMedia, Quotas: a.Quotas,
		Accounts: a.Accounts, Settings: a.DevSettings, Push: a.Push, Clock: c, Log: log, BaseURL: cfg.BaseURL})
	mass.Register(a.API, a.Mass)
}

// buildFollowerServices builds Web Push (on the triggers the message store
// calls), browser sessions and Herald Pay with its merchant API.
func (a *App) buildFollowerServices(pushTriggers *webpush.Triggers) {
	d, c, log, cfg := a.DB, a.Clock, a.Log, a.Config
	// Web Push: followers' devices are notified of account messages and
	// mass sends while the app is closed (queued jobs, outbound guard).
	a.WebPush = webpush.New(webpush.Deps{DB: d, Clock: c, Log: log, Accounts: a.Accounts, Messages: a.Messages, Triggers: pushTriggers,
		Secret: a.Secret, Client: a.Outbound.Client(0), BaseURL: cfg.BaseURL}, a.PublishEngine)
	// The follower's chat list and folder read the session in their own
	// first statement (one statement fewer per page).
	a.Sessions = &web.Sessions{Store: a.Users, Secure: cfg.Secure(), Log: log, Deferred: ui.ReadsOwnSession}
	a.Pay = pay.NewStore(d, c, &pay.Receipts{Messages: a.Messages, Analytics: a.Analytics, Log: log}) // receipts in chat, payment events
	a.PayAPI = wxpay.NewAPI(wxpay.API{Pay: a.Pay, Accounts: a.Accounts, Follows: a.Follows, Keys: &pay.PlatformKeys{DB: d, Secret: a.Secret}, Clock: c, Log: log, BaseURL: cfg.BaseURL,
		HTTP: a.Outbound.Client(10 * time.Second)}) // with payment and refund notifications to merchants
}

// buildUI builds the web UI's three faces on everything else.
func (a *App) buildUI() error {
	d, c, cfg := a.DB, a.Clock, a.Config
	var err error
	a.UI, err = ui.New(ui.Deps{Log: a.Log, Clock: c, Users: a.Users, Sessions: a.Sessions,
		Review:   a.Review,
		Accounts: a.Accounts, Follows: a.Follows, Settings: a.Settings, Media: a.Media, BaseURL: cfg.BaseURL,
		Bus: a.Bus, Messages: a.Messages, Chat: a.Chat, Publish: a.Publish, Folder: a.Folder, PublishEngine: a.PublishEngine,
		Analytics: a.Analytics, AnalyticsStore: a.AnalyticsStore,
		MenuStore: a.Menus, AutoReplies: a.AutoReplies, Audience: a.Audience, Inbox: a.Inbox,
		Developer: ui.Developer{Settings: a.DevSettings, Push: a.Push, API: a.API, OAuth: a.OAuth, QR: a.QR},
		Pay:       a.Pay, PayKeys: a.PayAPI.Keys,
		Templates:     a.Templates,
		WebApps:       a.WebApps,
		Subscriptions: a.Subscriptions,
		Exports:       a.Exports,
		WeChatImports: a.WeChatImports,
		Moves:         a.Moves,
		Feeds:         feed.NewStore(d, c, a.Publish),
		WebPush:       a.WebPush,

		MaxArchiveUpload: cfg.ArchiveUploadLimit,
		Limits: ui.NewLimits(func(prefix string, interval time.Duration, burst int) *ratelimit.Limiter {
			return ratelimit.New(d, c, prefix, interval, burst)
		})})
	if err != nil {
		return fmt.Errorf("app: build UI: %w", err)
	}
	return nil
}
