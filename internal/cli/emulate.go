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
	"syscall"
	"time"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/emulator"
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
	return Emulate(ctx, args, env)
}

// Emulate runs `herald emulate` until ctx ends: a throw-away Herald with
// one ready account, its credentials printed as one JSON line on
// env.Stdout, and the emulator's control API under /_emulator/.
func Emulate(ctx context.Context, args []string, env Env) error {
	start := time.Now()
	setLimit := os.Getenv("GOMEMLIMIT") == ""
	if setLimit {
		// A test helper should stay small: collect sooner than the default
		// GOGC would (docs/emulator.md has the figures). A soft limit only;
		// lower while starting, whose garbage (migrations, templates) would
		// otherwise set the peak.
		debug.SetMemoryLimit(20 << 20)
	}
	fs := flag.NewFlagSet("herald emulate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	dataDir := fs.String("data", "", "data directory (default: a temporary one, removed on exit)")
	var o emulator.AccountOptions
	fs.StringVar(&o.Name, "name", "Herald Emulator", "account name")
	fs.StringVar(&o.Type, "type", "service", "account type: service or subscription")
	fs.StringVar(&o.AppID, "appid", "", "AppID (default: generated)")
	fs.StringVar(&o.Secret, "secret", "", "AppSecret (default: generated)")
	fs.StringVar(&o.Token, "token", "", "message push Token (default: generated)")
	fs.StringVar(&o.AESKey, "aes-key", "", "message push EncodingAESKey, 43 characters (default: generated)")
	fs.StringVar(&o.PushURL, "push-url", "", "the bot's server URL for message push (default: push off)")
	fs.StringVar(&o.Mode, "mode", "plaintext", "message push mode: plaintext, compatible or safe")
	allow := fs.String("outbound-allow", "127.0.0.0/8,::1", "CIDR ranges the bot's server may be in (the emulator allows loopback; add e.g. 172.17.0.0/16 for a bot in a container)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error (logs go to stderr)")
	inMemory := fs.Bool("in-memory", false, "keep the database and media in memory: nothing is written to disk")
	pushTimeout := fs.Duration("push-timeout", push.DefaultTimeout, "how long a push waits for the bot's answer (WeChat: 5s); shorten it to make delay faults quick in tests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *inMemory && *dataDir != "" {
		return errors.New("--in-memory and --data exclude each other")
	}
	if *pushTimeout <= 0 {
		return errors.New("--push-timeout must be positive")
	}
	dir := *dataDir
	switch {
	case *inMemory:
		dir = filepath.Join(os.TempDir(), "herald-emulate-in-memory") // never written: the database, media and secret are in memory
	case dir == "":
		tmp, err := os.MkdirTemp("", "herald-emulate-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	noEnv := func(string) string { return "" } // the emulator never picks up HERALD_* settings
	cfg, err := config.Parse("herald emulate", []string{"--listen", *listen, "--data", dir, "--log-level", *logLevel, "--outbound-allow", *allow}, noEnv, io.Discard)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	cfg.BaseURL = "http://" + ln.Addr().String()
	var mstore mediastore.Store
	if *inMemory {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		cfg.DatabaseURL = db.MemoryURL
		cfg.SecretKey = hex.EncodeToString(key)
		mstore = mediastore.NewMemory()
	}
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
		Push: push.Options{Timeout: *pushTimeout}, PushClient: pushes})
	if err != nil {
		return err
	}
	acc, err := emulator.CreateAccount(ctx, a, o)
	if err != nil {
		return fmt.Errorf("seed the account: %w", err)
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

	if *inMemory {
		dir = ""
	}
	// Starting (migrations, templates) leaves garbage whose pages would stay
	// resident until the scavenger returns them: return them now.
	debug.FreeOSMemory()
	if setLimit {
		debug.SetMemoryLimit(32 << 20)
	}
	info := EmulatorInfo{BaseURL: cfg.BaseURL, ControlURL: cfg.BaseURL + emulator.Prefix, DataDir: dir, InMemory: *inMemory,
		ReadyMS: float64(time.Since(start).Microseconds()) / 1000, Account: acc}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(env.Stdout, "%s\n", b); err != nil {
		return err
	}

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
	a.DevSettings.WaitLog()
	return err
}
