package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/emulator"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	mediastore "github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/push"
)

// EmulatorInfo is the JSON `herald emulate` prints on stdout once ready.
type EmulatorInfo struct {
	BaseURL    string  `json:"base_url"`
	ControlURL string  `json:"control_url"`
	DataDir    string  `json:"data_dir"`  // "" with --in-memory
	InMemory   bool    `json:"in_memory"` // database and media in memory
	ReadyMS    float64 `json:"ready_ms"`
	*emulator.Account
}

func emulateCmd(args []string, env Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return emulate(ctx, args, env, true)
}

// Emulate runs `herald emulate` until ctx ends: a throw-away Herald with
// one ready account, its credentials printed as one JSON line on
// env.Stdout, and the emulator's control API under /_emulator/.
func Emulate(ctx context.Context, args []string, env Env) error {
	return emulate(ctx, args, env, false)
}

// emulate is Emulate; ownProcess says the emulator is the process's only
// work (`herald emulate`, `herald-emulator`) rather than a library in a
// bot's test process (package emulator), whose executable's pages are
// left as they are.
func emulate(ctx context.Context, args []string, env Env, ownProcess bool) error {
	start := time.Now()
	setLimit := os.Getenv("GOMEMLIMIT") == ""
	if setLimit {
		// A test helper should stay small: collect sooner than the default
		// GOGC would (docs/emulator.md has the figures). A soft limit only;
		// lower while starting, whose garbage (migrations, templates) would
		// otherwise set the peak.
		debug.SetMemoryLimit(20 << 20)
	}
	// Messages for people (flag help, errors) follow the locale of the
	// environment; the JSON line that bots read never changes.
	loc := emulatorLocale(env.Getenv)
	f, err := parseEmulateFlags(args, env, loc)
	if err != nil {
		return err
	}
	dir, removeDir, err := f.workDir()
	if err != nil {
		return err
	}
	defer removeDir()
	cfg, mstore, err := f.config(dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	cfg.BaseURL = "http://" + ln.Addr().String()
	log := newLogger(cfg, env.Stderr)

	secret, err := cfg.LoadSecret()
	if err != nil {
		return err
	}
	d, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	clk := &clock.Offset{}
	pushes := emulator.PushClient(outbound.NewPolicy(cfg.Outbound).Transport())
	a, err := app.New(cfg, log, d, secret, app.Options{Clock: clk, Media: mstore, AnalyticsBuffer: 1024,
		Push: push.Options{Timeout: f.pushTimeout}, PushClient: pushes})
	if err != nil {
		return err
	}
	acc, err := emulator.CreateAccount(ctx, a, f.account)
	if err != nil {
		return fmt.Errorf("%s: %w", loc.Text("seed the account"), accountError(loc, err))
	}
	emu := emulator.New(a, clk, acc, pushes)

	srv := &http.Server{
		Handler:           emu.Handler(a.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.UI.CloseStreams)
	a.StartJobs()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	if f.inMemory {
		dir = ""
	}
	// Starting (migrations, templates) leaves garbage whose pages would stay
	// resident until the scavenger returns them: return them now.
	debug.FreeOSMemory()
	if ownProcess {
		releaseExecutablePages()
	}
	if setLimit {
		debug.SetMemoryLimit(32 << 20)
	}
	info := EmulatorInfo{BaseURL: cfg.BaseURL, ControlURL: cfg.BaseURL + emulator.Prefix, DataDir: dir, InMemory: f.inMemory,
		ReadyMS: float64(time.Since(start).Microseconds()) / 1000, Account: acc}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(env.Stdout, "%s\n", b); err != nil {
		return err
	}
	return emulatorShutdown(ctx, a, srv, errc)
}

// emulateFlags are the flags of `herald emulate`.
type emulateFlags struct {
	listen, dataDir, allow, logLevel string
	inMemory                         bool
	pushTimeout                      time.Duration
	account                          emulator.AccountOptions
}

// parseEmulateFlags reads and checks the flags, with help and errors in
// loc's language.
func parseEmulateFlags(args []string, env Env, loc *i18n.Locale) (*emulateFlags, error) {
	fs := flag.NewFlagSet("herald emulate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), loc.Text("Usage: herald emulate [flags]"))
		fs.PrintDefaults()
	}
	f := &emulateFlags{}
	o := &f.account
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", loc.Text("address to listen on (port 0: any free port)"))
	fs.StringVar(&f.dataDir, "data", "", loc.Text("data directory (default: a temporary one, removed on exit)"))
	fs.StringVar(&o.Name, "name", "Herald Emulator", loc.Text("account name"))
	fs.StringVar(&o.Type, "type", "service", loc.Text("account type: service or subscription"))
	fs.StringVar(&o.AppID, "appid", "", loc.Text("AppID (default: generated)"))
	fs.StringVar(&o.Secret, "secret", "", loc.Text("AppSecret (default: generated)"))
	fs.StringVar(&o.Token, "token", "", loc.Text("message push Token (default: generated)"))
	fs.StringVar(&o.AESKey, "aes-key", "", loc.Text("message push EncodingAESKey, 43 characters (default: generated)"))
	fs.StringVar(&o.PushURL, "push-url", "", loc.Text("the bot's server URL for message push (default: push off)"))
	fs.StringVar(&o.Mode, "mode", "plaintext", loc.Text("message push mode: plaintext, compatible or safe"))
	fs.StringVar(&f.allow, "outbound-allow", "127.0.0.0/8,::1", loc.Text("CIDR ranges the bot's server may be in (the emulator allows loopback; add e.g. 172.17.0.0/16 for a bot in a container)"))
	fs.StringVar(&f.logLevel, "log-level", "warn", loc.Text("log level: debug, info, warn or error (logs go to stderr)"))
	fs.BoolVar(&f.inMemory, "in-memory", false, loc.Text("keep the database and media in memory: nothing is written to disk"))
	fs.DurationVar(&f.pushTimeout, "push-timeout", push.DefaultTimeout, loc.Text("how long a push waits for the bot's answer (WeChat: 5s); shorten it to make delay faults quick in tests"))
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, errors.New(loc.T("unexpected argument %q", fs.Arg(0)))
	}
	if f.inMemory && f.dataDir != "" {
		return nil, errors.New(loc.Text("--in-memory and --data exclude each other"))
	}
	if f.pushTimeout <= 0 {
		return nil, errors.New(loc.Text("--push-timeout must be positive"))
	}
	if o.Type != account.Service && o.Type != account.Subscription {
		return nil, errors.New(loc.T("--type %q: use service or subscription", o.Type))
	}
	return f, nil
}

// workDir is the data directory: the one --data names, or a temporary one
// that remove deletes.
func (f *emulateFlags) workDir() (dir string, remove func(), err error) {
	switch {
	case f.inMemory:
		return filepath.Join(os.TempDir(), "herald-emulate-in-memory"), func() {}, nil // never written: the database, media and secret are in memory
	case f.dataDir == "":
		tmp, err := os.MkdirTemp("", "herald-emulate-")
		if err != nil {
			return "", nil, err
		}
		return tmp, func() { os.RemoveAll(tmp) }, nil
	}
	return f.dataDir, func() {}, nil
}

// config is the emulator's configuration over dir; in memory, also the
// media store (nil: the data directory's).
func (f *emulateFlags) config(dir string) (*config.Config, mediastore.Store, error) {
	noEnv := func(string) string { return "" } // the emulator never picks up HERALD_* settings
	cfg, err := config.Parse("herald emulate", []string{"--listen", f.listen, "--data", dir, "--log-level", f.logLevel, "--outbound-allow", f.allow}, noEnv, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	if !f.inMemory {
		return cfg, nil, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	cfg.DatabaseURL = db.MemoryURL
	cfg.SecretKey = hex.EncodeToString(key)
	return cfg, mediastore.NewMemory(), nil
}

// emulatorShutdown serves until the server fails or ctx ends, then stops
// the server, the background jobs, the answers to followers and the push
// log.
func emulatorShutdown(ctx context.Context, a *app.App, srv *http.Server, errc <-chan error) error {
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(sctx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	jctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if jerr := a.Jobs.Stop(jctx); jerr != nil {
		err = errors.Join(err, jerr)
	}
	_ = a.Chat.Shutdown(jctx) // answers under way: finished, or cancelled when the time is up
	a.DevSettings.WaitLog()
	return err
}

// emulatorLocale is the language of the emulator's messages for people on
// the command line: the environment's locale (LC_ALL, LC_MESSAGES, LANG).
func emulatorLocale(getenv func(string) string) *i18n.Locale {
	c, err := i18n.Builtin()
	if err != nil {
		return nil // a nil Locale writes the English text
	}
	return c.Locale(i18n.FromEnv(getenv))
}

// flagOfField names the flag that sets each field the account's push
// settings check.
var flagOfField = map[string]string{"url": "--push-url", "token": "--token", "mode": "--mode", "aes_key": "--aes-key"}

// accountError returns err with its messages for people (the push
// settings' checks, shared with the console) in loc's language, each
// naming its flag; err stays what it unwraps to.
func accountError(loc *i18n.Locale, err error) error {
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	for _, e := range all {
		if e.Field == "" || e.Err != nil {
			return err // not a check of a flag's value
		}
	}
	parts := make([]string, len(all))
	for i, e := range all {
		parts[i] = loc.Text(e.Message)
		if f, ok := flagOfField[e.Field]; ok {
			parts[i] = f + ": " + parts[i]
		}
	}
	return &translatedError{msg: strings.Join(parts, "; "), err: err}
}

type translatedError struct {
	msg string
	err error
}

func (e *translatedError) Error() string { return e.msg }
func (e *translatedError) Unwrap() error { return e.err }
