// Package app wires Herald together: it opens the database, builds every
// store and service with its dependencies, assembles the HTTP routes and
// runs the server with its background jobs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/jobs"
	"github.com/heraldoa/herald/internal/kf"
	"github.com/heraldoa/herald/internal/lease"
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
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
	"github.com/heraldoa/herald/internal/webpush"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wx/wxpath"
	"github.com/heraldoa/herald/internal/wxapi"
	"github.com/heraldoa/herald/internal/wxapi/drafts"
	"github.com/heraldoa/herald/internal/wxapi/mass"
)

// App is one running Herald.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *db.DB
	Clock    clock.Clock
	Secret   []byte
	Registry *Registry
	Jobs     *jobs.Runner
	// Instance names this node in leases (host, process, random).
	Instance string
	// Outbound guards every connection to an address a tenant chose.
	Outbound *outbound.Policy
	// NodeID is the node number leased for ids (internal/id).
	NodeID    int64
	liveNodes atomic.Int64 // nodes holding a number, counted with each renewal

	Media    media.Store
	Settings *settings.Store
	Users    *user.Store
	Sessions *web.Sessions
	Accounts *account.Store
	Follows  *follow.Store
	// Accounts lifecycle: applications, reviews, penalties.
	Review   *review.Store
	Bus      realtime.Bus
	Messages *message.Store
	Chat     *message.Service
	// Messaging and automation.
	Menus       *menu.Store
	AutoReplies *autoreply.Store
	Audience    *audience.Store
	Inbox       *inbox.Store
	// Developer API: tokens, quotas, the developer's server and
	// push log, QR tickets, temporary media and the /cgi-bin/... handler.
	Tokens      *apitoken.Store
	Quotas      *apitoken.Quotas
	DevSettings *push.Store
	Push        *push.Engine
	QR          *qrcode.Store
	TempMedia   *tempmedia.Store
	API         *wxapi.API
	// Publishing: drafts, publications, mass-send jobs.
	Publish       *publish.Store
	Folder        *folder.Store // the Subscriptions folder
	PublishEngine *publish.Engine
	UI            *ui.UI
	// Analytics: Analytics.Record captures events without
	// blocking; AnalyticsStore rolls them up and answers dashboards.
	Analytics      *analytics.Recorder
	AnalyticsStore *analytics.Store
	// Commerce: Herald Pay (wallets, merchants, orders).
	Pay *pay.Store
	// PayAPI is the WeChat Pay v3-shaped merchant API at /v3/.
	PayAPI *wxpay.API
	// Templates: template messages, the library, industries,
	// private templates and message/template/send.
	Templates *tmplmsg.Service
	// Drafts: the drafts and publishing API (draft/*, freepublish/*) and
	// its PUBLISHJOBFINISH pushes.
	Drafts *drafts.Service
	// Mass: the mass-send API and its MASSSENDJOBFINISH.
	Mass *mass.Mass
	// WebApps: linked web apps ("mini-programs") on the web sign-in domains.
	WebApps *webapp.Store
	// Kf: customer-service accounts and sessions of the developer API, on
	// the inbox (kf_*_session events when conversations change hands).
	Kf *kf.Service
	// OAuth is web sign-in: authorize checks, codes and domains.
	OAuth *oauth.Service
	// Queue is the durable work queue every node shares: followers'
	// messages and events on their way to developer servers, and finish
	// events (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH, PUBLISHJOBFINISH).
	Queue *workq.Queue
	// Exports: account exports started from the console.
	Exports *portability.Exports
	// WeChatImports: moves from WeChat started from the console.
	WeChatImports *portability.WeChatImports
	// Moves: the consented move of imported followers to people here.
	Moves *portability.Moves
	// Subscriptions: subscription notifications (wxaapi/newtmpl/*, bizsend,
	// followers' consents and the subscribe_msg_* events).
	Subscriptions *subscribemsg.Service
	// WebPush: followers' subscribed devices, their notification settings,
	// and the notifications of new messages (internal/webpush).
	WebPush *webpush.Service
}

// Options adjust New for tests and the emulator.
type Options struct {
	Clock clock.Clock // default: the real clock
	// Bus carries live events; default: in-process. Several nodes share one
	// over NATS (natsbus.Connect).
	Bus realtime.Bus
	// Media stores uploaded files; default: the data directory's media/.
	Media media.Store
	// AnalyticsBuffer is how many analytics events may wait to be written
	// (default 65536, sized for a server; the emulator needs far fewer).
	AnalyticsBuffer int
	// Publishing tunes the publishing engine (batch size, lease) and gives
	// tests its hooks; zero: production's defaults.
	Publishing publish.EngineOptions
	// Queue tunes the work queue (lease, poll) and gives tests its hook;
	// zero: the defaults.
	Queue workq.Options
	// Push tunes the push engine (timeout, attempts); zero: WeChat's.
	Push push.Options
	// PushClient makes the push engine's requests; default: a client of
	// the outbound policy (the emulator wraps it to inject faults).
	PushClient *http.Client
	// Responders are added at the end of the responder chain (tests' stand-ins
	// for a developer's answers).
	Responders []message.Responder
	// WebPushDelay is how long an account's message may stay unread before
	// it notifies the follower's devices; zero: webpush.DefaultDelay,
	// negative: at once.
	WebPushDelay time.Duration
}

// webPushDelay is the delay Options.WebPushDelay asks for.
func (o Options) webPushDelay() time.Duration {
	switch {
	case o.WebPushDelay == 0:
		return webpush.DefaultDelay
	case o.WebPushDelay < 0:
		return 0
	}
	return o.WebPushDelay
}

// New builds an App on an open, migrated database.
func New(cfg *config.Config, log *slog.Logger, d *db.DB, secret []byte, opts Options) (*App, error) {
	c := opts.Clock
	if c == nil {
		c = clock.Real{}
	}
	instance := lease.Instance()
	// Periodic jobs run on one node of the cluster at a time (leases in
	// the database).
	a := &App{Config: cfg, Log: log, DB: d, Clock: c, Secret: secret, Registry: newRegistry(),
		Jobs: jobs.NewRunner(log, lease.New(d, instance)), Instance: instance}
	ctx := context.Background()
	if err := CheckSecret(ctx, d, secret); err != nil {
		return nil, err
	}
	if err := a.takeNodeID(ctx); err != nil {
		return nil, err
	}

	if err := a.openMedia(ctx, opts.Media); err != nil {
		return nil, err
	}
	a.buildStores(opts)
	pushTriggers := a.buildMessages(opts)
	a.buildPublishing(opts)
	a.buildDeveloper(opts)
	a.buildConversations(opts)
	a.buildPortability()
	a.buildAPI()
	a.shareFollowerWrites() // other nodes drop their cached user/info answers
	a.buildFollowerServices(pushTriggers)
	if err := a.buildUI(); err != nil {
		return nil, err
	}
	return a, nil
}

// Handler returns the complete HTTP handler: probes, metrics, the three
// faces and (routed by path alone) the WeChat-compatible API.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.ready)
	// The WeChat-compatible API, by path prefix on any host.
	for _, p := range wxpath.Prefixes {
		mux.Handle(p, a.API)
	}
	mux.Handle(wxpay.Prefix, a.PayAPI) // Herald Pay merchant API (WeChat Pay v3 shape)

	ui := http.NewServeMux()
	a.UI.Register(ui)
	// Every state-changing browser request must come from our own origin.
	csrf := http.NewCrossOriginProtection()
	// A session that cannot be loaded (an outage) is the UI's 503 page,
	// not "signed out".
	// Live event streams (all of them the UI's) are capped per client.
	uiH := sse.Limit(StreamsPerClient, web.ClientIP,
		csrf.Handler(a.Sessions.Middleware(web.RecordPattern(ui), a.UI.WriteError)))
	mux.Handle("/", uiH)
	// Web sign-in's authorize page is the UI's (it needs the session).
	mux.Handle("/connect/oauth2/authorize", uiH)
	// Bodies must arrive in time (uploads get longer); behind trusted
	// proxies the client is the one X-Forwarded-For names.
	h := web.Observe(a.Log, a.httpMetrics(), apiFirst(mux, a.API, a.API.Paths()))
	h = web.BodyDeadline(BodyTimeout, UploadDeadline, h)
	return web.RealIP(a.Config.Proxies, h)
}

// apiFirst serves the developer API's calls of paths (GET and POST) with
// api directly, and every other request with mux. A path goes straight to
// api only when mux itself would send it there, under the same pattern,
// for both methods and any host (checked here, once): so a call is
// answered, and labelled in the metrics, as through mux. What this skips
// is mux's path cleaning and matching, which for user/info were four
// allocations and a tree walk per call; anything else (another method, an
// unclean or escaped path, a trailing slash) still goes through mux.
func apiFirst(mux *http.ServeMux, api http.Handler, paths []string) http.Handler {
	direct := map[string]string{} // path → the pattern mux matches it with
	for _, p := range paths {
		pattern, ok := "", true
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, host := range []string{"", "herald.invalid"} {
				h, pat := mux.Handler(&http.Request{Method: method, Host: host, URL: &url.URL{Path: p}})
				if h != api || pat == "" || (pattern != "" && pat != pattern) {
					ok = false
				}
				pattern = pat
			}
		}
		if ok {
			direct[p] = pattern
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodPost {
			if pat, ok := direct[r.URL.Path]; ok && r.URL.RawPath == "" {
				r.Pattern = pat
				api.ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// Limits on slow and greedy clients (docs/security.md).
const (
	BodyTimeout       = 30 * time.Second // a request body must arrive within this
	ConnsPerClient    = 256              // open connections per client address (trusted proxies exempt)
	StreamsPerClient  = 16               // open live event streams per client address
	readHeaderTimeout = 10 * time.Second
)

// UploadDeadline bounds a multipart upload's body: 10 minutes, and past
// them as long as it has averaged 128 KiB a second and not paused for a
// minute (an archive of several GB on a steady link).
var UploadDeadline = web.UploadDeadline{Min: 10 * time.Minute, Rate: 128 << 10, Idle: time.Minute}

// MetricsHandler serves the Prometheus metrics; Serve puts it on the
// --metrics-listen address, never on the public listener.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metricsHandler())
	return mux
}

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// The reasons (which name the database's user, host and port) go to
	// the log; the probe's answer is public.
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Error("not ready: database unreachable", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	if err := a.DB.CheckCurrent(ctx); err != nil {
		a.Log.Error("not ready: database schema", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database schema not current\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// StartJobs starts the periodic background work.
func (a *App) StartJobs() {
	// Analytics: the event writer, the rollup (new events into daily and
	// hourly rows; the first run backfills history from domain tables), the
	// demographics and platform snapshots, and raw-event retention.
	// Herald Pay: notifications to merchants, retried with backoff.
	a.Jobs.Every("pay-notify", 5*time.Second, func(ctx context.Context) error {
		_, err := a.PayAPI.DeliverDue(ctx)
		return err
	})
	a.Jobs.Go("node-id", a.keepNodeID) // keep the leased node number
	// Discover's search keys (pinyin, Simplified characters) of accounts
	// that have none: made before the keys existed, or imported.
	a.Jobs.Every("account-search-keys", time.Hour, func(ctx context.Context) error {
		_, err := a.Accounts.FillSearchKeys(ctx)
		return err
	})
	// The durable work queue: work of nodes that died, and retries.
	a.Jobs.Go("work-queue", a.Queue.Run)
	a.Jobs.Go("analytics-writer", a.Analytics.Run)
	a.Jobs.Every("analytics-rollup", time.Minute, func(ctx context.Context) error {
		if _, err := a.AnalyticsStore.Backfill(ctx); err != nil {
			return err
		}
		if _, err := a.AnalyticsStore.ImportPushLog(ctx); err != nil {
			return err
		}
		_, err := a.AnalyticsStore.Rollup(ctx)
		return err
	})
	a.Jobs.Every("analytics-snapshot", 10*time.Minute, func(ctx context.Context) error {
		if err := a.AnalyticsStore.Snapshot(ctx); err != nil {
			return err
		}
		return a.AnalyticsStore.PlatformSnapshot(ctx)
	})
	a.Jobs.Every("analytics-retention", 24*time.Hour, func(ctx context.Context) error {
		_, err := a.AnalyticsStore.Purge(ctx)
		return err
	})
	// Publishing: due scheduled sends, queued mass sends, and jobs whose
	// worker died (resumed from their last committed batch).
	a.Jobs.Go("publishing", func(ctx context.Context) { a.PublishEngine.Worker(ctx, 2*time.Second) })
	a.Jobs.Every("mass-notices", time.Minute, a.Mass.Sweep) // MASSSENDJOBFINISH of sends whose process died first
	// Developer API: drop expired tickets, media ids, old quota counters
	// and old push-log entries.
	// Template messages: settle sends and TEMPLATESENDJOBFINISH pushes a
	// stopped process left unfinished.
	a.Jobs.Every("template-finish", 30*time.Second, a.Templates.Sweep)
	a.Jobs.Every("api-cleanup", time.Hour, func(ctx context.Context) error {
		if _, err := a.TempMedia.DeleteExpired(ctx); err != nil {
			return err
		}
		if _, err := a.QR.DeleteExpired(ctx); err != nil {
			return err
		}
		if _, err := a.Quotas.DeleteBefore(ctx, apitoken.Day(a.Clock.Now().AddDate(0, 0, -2))); err != nil {
			return err
		}
		if _, err := a.OAuth.DeleteExpired(ctx); err != nil {
			return err
		}
		if _, err := a.API.DeleteExpiredShortKeys(ctx); err != nil { // and failed calls kept for rid/get
			return err
		}
		if _, err := a.Publish.ForgetClientMsgIDs(ctx); err != nil { // mass-send clientmsgids past their day
			return err
		}
		if _, err := a.Queue.DeleteFailedBefore(ctx, a.Clock.Now().AddDate(0, 0, -30)); err != nil {
			return err
		}
		_, err := a.DevSettings.DeleteOlderThan(ctx, a.Clock.Now().AddDate(0, 0, -30))
		return err
	})
	a.Jobs.Every("rate-limits-sweep", 10*time.Minute, func(ctx context.Context) error {
		_, err := ratelimit.Sweep(ctx, a.DB, a.Clock)
		return err
	})
	// Scheduled platform backups (admin settings), on one node at a time.
	a.Jobs.Every("backup", 5*time.Minute, func(ctx context.Context) error {
		st, err := a.Settings.Get(ctx)
		if err != nil {
			return err
		}
		file, err := portability.RunScheduled(ctx, a.DB, a.Media, portability.Schedule{
			Every: time.Duration(st.BackupEveryHours) * time.Hour, Keep: st.BackupKeep, Dir: filepath.Join(a.Config.DataDir, "backups")},
			a.Clock.Now(), "herald")
		if file != "" {
			a.Log.Info("platform backup written", slog.String("file", file))
		}
		return err
	})
	// Library files stored before today's checks (and imported ones):
	// re-check image dimensions, mark what published articles use.
	a.Jobs.Every("media-audit", time.Minute, a.Publish.AuditMedia)
	a.Jobs.Every("follower-moves", 10*time.Minute, func(ctx context.Context) error {
		_, _, err := a.Moves.Run(ctx)
		return err
	})
	a.Jobs.Every("expire-sessions", time.Hour, func(ctx context.Context) error {
		_, err := a.Users.DeleteExpiredSessions(ctx)
		return err
	})
	// Accounts lifecycle: record expired penalties (restoring suspended
	// accounts) and lapsed verifications. Reads judge expiry by the clock.
	a.Jobs.Every("lifecycle-sweep", time.Minute, func(ctx context.Context) error {
		_, err := a.Review.Sweep(ctx)
		return err
	})
}

// serveAside serves srv on a listener of its own at addr, the value of
// flag (the metrics' or the profiles' listener, never the public one);
// what names it in the log and in an error sent to errc if it stops
// serving before srv is closed.
func (a *App) serveAside(flag, what, addr string, srv *http.Server, errc chan<- error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s listener: %w", what, err)
		}
	}()
	a.Log.Info(what+" listening", slog.String("addr", ln.Addr().String()))
	return nil
}

// Serve listens on ln until ctx is cancelled, then shuts down gracefully:
// in-flight requests finish (up to 20 s), then background jobs stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.UI.CloseStreams) // live /events streams end at once
	// The server and the two optional listeners.
	errc := make(chan error, 3)
	if addr := a.Config.MetricsListen; addr != "" {
		msrv := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: time.Minute}
		if err := a.serveAside("--metrics-listen", "metrics", addr, msrv, errc); err != nil {
			return err
		}
		defer msrv.Close()
	}
	if addr := a.Config.PprofListen; addr != "" {
		// No read timeout: a CPU profile or a trace answers after the
		// seconds it was asked for.
		psrv := &http.Server{Handler: pprofHandler(), ReadHeaderTimeout: readHeaderTimeout}
		if err := a.serveAside("--pprof-listen", "profiles", addr, psrv, errc); err != nil {
			return err
		}
		defer psrv.Close()
	}
	a.StartJobs()
	ln = web.LimitListener(ln, ConnsPerClient, a.Config.Proxies)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = a.Jobs.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests and jobs")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if jerr := a.Jobs.Stop(sctx); jerr != nil {
		err = errors.Join(err, fmt.Errorf("background jobs: %w", jerr))
	}
	a.Drafts.Wait()    // PUBLISHJOBFINISH pushes under way
	a.Quotas.Release() // API calls reserved and not used: other nodes may use them
	// Answers to followers running in this process: finished, or cancelled
	// when the time is up.
	if cerr := a.Chat.Shutdown(sctx); cerr != nil {
		a.Log.Warn("shutting down: answers to followers cancelled", slog.Any("error", cerr))
	}
	queued := make(chan struct{})
	go func() {
		a.Templates.Wait() // TEMPLATESENDJOBFINISH pushes under way
		a.Queue.Wait()
		close(queued)
	}()
	select {
	case <-queued: // answers and pushes under way finished
	case <-sctx.Done(): // the rest is taken over by another node, or by this one on its next start
	}
	a.DevSettings.WaitLog() // push-log rows still queued
	return err
}
