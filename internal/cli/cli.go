// Package cli implements the herald command: parsing, logging set-up and the
// subcommands (serve, migrate, admin create, version).
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/user"
)

// closingBus is a live-event bus shared by several nodes (NATS).
type closingBus interface {
	realtime.Bus
	Close() error
}

// Env is the outside world the command talks to.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Version        string
}

const usage = `herald — a self-hosted Official Accounts platform

Usage:
  herald [serve] [flags]        run the server (the default)
  herald migrate [flags]        apply database migrations and exit
  herald admin create [flags]   create a platform administrator or reviewer
  herald bench [flags]          measure publishing at scale (docs/performance.md)
  herald emulate [flags]        a throw-away emulator for bot tests (docs/emulator.md)
  herald export [flags]         write an account's archive (docs/portability.md)
  herald import [flags]         import an account archive
  herald followers [flags]      export or import an account's followers as CSV (remarks, blacklist, tags)
  herald menu apply|get [flags] apply an account's menus from a JSON file, or print them, through the developer API
  herald backup [flags]         write a consistent backup of the whole platform while it serves
  herald restore [flags]        restore a backup into an empty data directory or database
  herald version                print the version

Run "herald serve -h" for the configuration flags; each also reads a HERALD_* environment variable.
`

// Main runs the command and returns the process exit code.
func Main(args []string, env Env) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, env)
	case "migrate":
		err = migrate(args, env)
	case "admin":
		err = admin(args, env)
	case "bench":
		err = benchCmd(args, env)
	case "emulate":
		err = emulateCmd(args, env)
	case "export":
		err = exportCmd(args, env)
	case "import":
		err = importCmd(args, env)
	case "followers":
		err = followersCmd(args, env)
	case "menu":
		err = menuCmd(args, env)
	case "backup":
		err = backupCmd(args, env)
	case "restore":
		err = restoreCmd(args, env)
	case "version":
		fmt.Fprintln(env.Stdout, "herald", Version(env.Version))
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "herald: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitCode("herald "+cmd, err, env)
}

// EmulateMain runs `herald emulate` with args and returns the process exit
// code: the herald-emulator command, a build of the emulator alone.
func EmulateMain(args []string, env Env) int {
	return exitCode("herald-emulator", emulateCmd(args, env), env)
}

// exitCode reports err, if any, on standard error and returns the exit code.
func exitCode(name string, err error, env Env) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// Version returns the build version: the -ldflags value, else the module
// version or VCS revision recorded by the Go toolchain.
func Version(v string) string {
	if v != "" {
		return v
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open opens and migrates the database named by cfg.
func open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", slog.Int("applied", n), slog.Int("version", db.LatestVersion()), slog.String("engine", d.Dialect().String()))
	}
	return d, nil
}

func serve(args []string, env Env) error {
	start := time.Now()
	cfg, err := config.Parse("herald serve", args, env.Getenv, env.Stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Fewer collections while the live heap is small (GOGC overrides).
	defer heapFloor(floorFor(serveHeapFloor, cgroupMemoryLimit()))()

	secret, err := cfg.LoadSecret()
	if err != nil {
		return err
	}
	d, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	var opts app.Options
	if cfg.NATSURL != "" {
		bus, err := connectNATS(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer bus.Close()
		opts.Bus = bus
	}
	a, err := app.New(cfg, log, d, secret, opts)
	if err != nil {
		return err
	}
	var creds []demo.Credential
	if cfg.Demo {
		creds, err = demo.Seed(ctx, a)
		if err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	printBanner(env.Stdout, cfg, d, creds, time.Since(start))
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("engine", d.Dialect().String()))
	return a.Serve(ctx, ln)
}

func printBanner(w io.Writer, cfg *config.Config, d *db.DB, creds []demo.Credential, took time.Duration) {
	where := cfg.DataDir
	mediaAt := cfg.DataDir
	if cfg.MediaURL != "" {
		mediaAt = cfg.MediaURL
		if i := strings.IndexByte(mediaAt, '?'); i > 0 {
			mediaAt = mediaAt[:i]
		}
		where += ", media in " + mediaAt
	}
	if d.Dialect() == db.Postgres {
		where = "PostgreSQL (media in " + mediaAt + ")"
	}
	fmt.Fprintf(w, "Herald is running (%s, ready in %s)\n\n", where, took.Round(time.Millisecond))
	fmt.Fprintf(w, "  Follower app     %s/\n", cfg.BaseURL)
	fmt.Fprintf(w, "  Account console  %s/mp/\n", cfg.BaseURL)
	fmt.Fprintf(w, "  Platform admin   %s/admin/\n", cfg.BaseURL)
	fmt.Fprintf(w, "  Developer API    %s/cgi-bin/...\n\n", cfg.BaseURL)
	if len(creds) > 0 {
		fmt.Fprintln(w, "Demo sign-ins (username / password):")
		for _, c := range creds {
			fmt.Fprintf(w, "  %-22s %s / %s\n", c.Role, c.Username, c.Password)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "No platform administrator yet? Create one with: herald admin create --username NAME")
		fmt.Fprintln(w)
	}
}

func migrate(args []string, env Env) error {
	cfg, err := config.Parse("herald migrate", args, env.Getenv, env.Stderr)
	if err != nil {
		return err
	}
	ctx := context.Background()
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer d.Close()
	before, err := d.Version(ctx)
	if err != nil {
		return err
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s database: schema version %d → %d (%d migrations applied)\n", d.Dialect(), before, before+n, n)
	return nil
}

func admin(args []string, env Env) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(`usage: herald admin create --username NAME [--email ADDRESS] [--role admin|reviewer] [--password-stdin] [config flags]`)
	}
	fs := flag.NewFlagSet("herald admin create", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	username := fs.String("username", "", "username of the new administrator (required)")
	email := fs.String("email", "", "email address (optional)")
	role := fs.String("role", user.RoleAdmin, "platform role: admin or reviewer")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input, without a prompt")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("--username is required")
	}
	if *role != user.RoleAdmin && *role != user.RoleReviewer {
		return fmt.Errorf("--role %q: use admin or reviewer", *role)
	}
	password, err := readPassword(env, *fromStdin)
	if err != nil {
		return err
	}
	ctx := context.Background()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	users := user.NewStore(d, clock.Real{})
	p, err := users.Create(ctx, user.NewPerson{Username: *username, Email: *email, Password: password, PlatformRole: *role})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Created platform %s %q. Sign in at %s/login\n", *role, p.Username, cfg.BaseURL)
	return nil
}

func readPassword(env Env, fromStdin bool) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Password again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
