// Package config reads Herald's boot configuration: what is needed before
// the database opens. Everything an administrator edits later lives in the
// database (platform settings), not here.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/outbound"
)

// Config is the boot configuration.
type Config struct {
	Listen      string // address to listen on
	DataDir     string // SQLite database, uploaded media, secret key
	DatabaseURL string // postgres://... switches to PostgreSQL
	BaseURL     string // public URL of this server, for links and cookies
	SecretKey   string // 64 hex characters; generated into DataDir when empty
	LogFormat   string // text or json
	LogLevel    string // debug, info, warn, error
	Demo        bool   // seed a demo platform on first run
	// NATS carries live events between nodes: NATSURL is one URL or
	// several (comma-separated, the servers of a NATS cluster); the rest
	// authenticate and secure the connection.
	NATSURL      string
	NATSUser     string
	NATSPassword string
	NATSToken    string
	NATSNKey     string // file holding an NKey seed
	NATSCreds    string // .creds file (JWT and NKey seed)
	NATSCA       string // PEM file of CAs that signed the servers' certificates
	NATSCert     string // client certificate (PEM), with NATSKey
	NATSKey      string
	MediaURL     string // s3://bucket?endpoint=...: uploaded media in object storage
	// OutboundAllow lists CIDR ranges of private addresses that developers'
	// servers and notify URLs may use (on-premise bots); parsed into
	// Outbound by Validate. Empty: public addresses only.
	OutboundAllow string
	Outbound      []netip.Prefix
	// TrustedProxies lists the reverse proxies (CIDR ranges) whose
	// X-Forwarded-For and X-Forwarded-Proto headers are believed; parsed
	// into Proxies by Validate. Empty: the TCP peer is the client.
	TrustedProxies string
	Proxies        []netip.Prefix
	// MetricsListen is the address of a separate listener for /metrics.
	// Empty: metrics are not served (never on the public listener).
	MetricsListen string
	// PprofListen is the loopback address of a separate listener for Go's
	// profiles (/debug/pprof/). Empty: profiling is off.
	PprofListen string
	// MaxArchiveUpload is the largest account archive the console takes
	// ("8GB", "512MB"); parsed into ArchiveUploadLimit by Validate.
	MaxArchiveUpload   string
	ArchiveUploadLimit int64
}

// Option describes one setting: its flag, environment variable and default.
type Option struct {
	Flag, Env, Default, Usage string
	target                    *string
	boolTarget                *bool
}

// Options returns the table of options bound to c.
func (c *Config) Options() []Option {
	return []Option{
		{Flag: "listen", Env: "HERALD_LISTEN", Default: "127.0.0.1:8080", Usage: "address to listen on", target: &c.Listen},
		{Flag: "data", Env: "HERALD_DATA", Default: "./herald-data", Usage: "data directory (SQLite database, media, secret key)", target: &c.DataDir},
		{Flag: "database-url", Env: "HERALD_DATABASE_URL", Default: "", Usage: "postgres://user@host/db to use PostgreSQL instead of SQLite", target: &c.DatabaseURL},
		{Flag: "base-url", Env: "HERALD_BASE_URL", Default: "", Usage: "public base URL (default http://<listen>)", target: &c.BaseURL},
		{Flag: "secret-key", Env: "HERALD_SECRET_KEY", Default: "", Usage: "64 hex characters; generated into the data directory when empty", target: &c.SecretKey},
		{Flag: "log-format", Env: "HERALD_LOG_FORMAT", Default: "text", Usage: "log format: text or json", target: &c.LogFormat},
		{Flag: "log-level", Env: "HERALD_LOG_LEVEL", Default: "info", Usage: "log level: debug, info, warn or error", target: &c.LogLevel},
		{Flag: "nats", Env: "HERALD_NATS", Default: "", Usage: "NATS URL(s), comma-separated (nats://host:4222, tls://…), that carry live events between Herald nodes (default: in-process)", target: &c.NATSURL},
		{Flag: "nats-user", Env: "HERALD_NATS_USER", Default: "", Usage: "NATS user name (with --nats-password)", target: &c.NATSUser},
		{Flag: "nats-password", Env: "HERALD_NATS_PASSWORD", Default: "", Usage: "NATS password (prefer the environment variable)", target: &c.NATSPassword},
		{Flag: "nats-token", Env: "HERALD_NATS_TOKEN", Default: "", Usage: "NATS authentication token (prefer the environment variable)", target: &c.NATSToken},
		{Flag: "nats-nkey", Env: "HERALD_NATS_NKEY", Default: "", Usage: "file holding the NATS NKey seed of this node", target: &c.NATSNKey},
		{Flag: "nats-creds", Env: "HERALD_NATS_CREDS", Default: "", Usage: "NATS .creds file (user JWT and NKey seed)", target: &c.NATSCreds},
		{Flag: "nats-ca", Env: "HERALD_NATS_CA", Default: "", Usage: "PEM file of the CAs that signed the NATS servers' certificates (turns TLS on)", target: &c.NATSCA},
		{Flag: "nats-cert", Env: "HERALD_NATS_CERT", Default: "", Usage: "client certificate (PEM) for NATS servers that require one", target: &c.NATSCert},
		{Flag: "nats-key", Env: "HERALD_NATS_KEY", Default: "", Usage: "private key (PEM) of --nats-cert", target: &c.NATSKey},
		{Flag: "media-url", Env: "HERALD_MEDIA_URL", Default: "", Usage: "where uploaded media lives: s3://bucket[/prefix]?endpoint=host:port&region=... (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or a directory (default: media/ in the data directory)", target: &c.MediaURL},
		{Flag: "outbound-allow", Env: "HERALD_OUTBOUND_ALLOW", Default: "", Usage: "comma-separated CIDR ranges of private addresses developers' servers and notify URLs may use (default: public addresses only)", target: &c.OutboundAllow},
		{Flag: "trusted-proxies", Env: "HERALD_TRUSTED_PROXIES", Default: "", Usage: "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto headers are believed (default: none)", target: &c.TrustedProxies},
		{Flag: "metrics-listen", Env: "HERALD_METRICS_LISTEN", Default: "", Usage: "address of a separate listener for Prometheus /metrics, such as 127.0.0.1:9090 (default: metrics off)", target: &c.MetricsListen},
		{Flag: "pprof-listen", Env: "HERALD_PPROF_LISTEN", Default: "", Usage: "loopback address of a separate listener for Go's profiles at /debug/pprof/, such as 127.0.0.1:6060 (default: off)", target: &c.PprofListen},
		{Flag: "max-archive-upload", Env: "HERALD_MAX_ARCHIVE_UPLOAD", Default: "8GB", Usage: "largest account archive the console takes, such as 8GB or 500MB (it streams to a temporary file; larger ones import with herald import)", target: &c.MaxArchiveUpload},
		{Flag: "demo", Env: "HERALD_DEMO", Default: "false", Usage: "seed a demo platform when the database is empty", boolTarget: &c.Demo},
	}
}

// Bind registers the configuration flags on fs, with defaults taken from
// the environment (through getenv) and then from the table. Call Validate
// after fs.Parse. Flags win over the environment.
func Bind(fs *flag.FlagSet, getenv func(string) string) *Config {
	c := &Config{}
	for _, o := range c.Options() {
		def := o.Default
		if v := getenv(o.Env); v != "" {
			def = v
		}
		usage := fmt.Sprintf("%s (env %s)", o.Usage, o.Env)
		if o.boolTarget != nil {
			fs.BoolVar(o.boolTarget, o.Flag, def == "true" || def == "1", usage)
		} else {
			fs.StringVar(o.target, o.Flag, def, usage)
		}
	}
	return c
}

// Parse reads the configuration flags from args (and nothing else).
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	c := Bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.Validate()
}

// Validate checks the values and fills in derived defaults (the base URL).
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen %q: %w", c.Listen, err)
	}
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.Listen)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q must be an http:// or https:// URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errors.New("--database-url must start with postgres:// (leave it empty for SQLite)")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format %q: use text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if c.NATSURL == "" && (c.NATSUser != "" || c.NATSPassword != "" || c.NATSToken != "" || c.NATSNKey != "" || c.NATSCreds != "" || c.NATSCA != "" || c.NATSCert != "" || c.NATSKey != "") {
		return errors.New("NATS options need --nats (the NATS server URLs)")
	}
	for _, u := range strings.Split(c.NATSURL, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if scheme, _, ok := strings.Cut(u, "://"); ok && scheme != "nats" && scheme != "tls" {
			return fmt.Errorf("--nats %q: use nats://host:port, tls://host:port or host:port", u)
		}
	}
	if (c.NATSCert == "") != (c.NATSKey == "") {
		return errors.New("--nats-cert and --nats-key go together")
	}
	if c.NATSUser != "" && c.NATSToken != "" {
		return errors.New("--nats-user and --nats-token: use one way of signing in to NATS")
	}
	allow, err := outbound.ParseAllow(c.OutboundAllow)
	if err != nil {
		return fmt.Errorf("--outbound-allow: %w", err)
	}
	c.Outbound = allow
	if c.Proxies, err = outbound.ParseAllow(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return fmt.Errorf("--metrics-listen %q: %w", c.MetricsListen, err)
		}
		if c.MetricsListen == c.Listen {
			return errors.New("--metrics-listen must differ from --listen: metrics stay off the public listener")
		}
	}
	if c.PprofListen != "" {
		if err := checkLoopback(c.PprofListen); err != nil {
			return fmt.Errorf("--pprof-listen %q: %w", c.PprofListen, err)
		}
		if c.PprofListen == c.Listen || c.PprofListen == c.MetricsListen {
			return errors.New("--pprof-listen must differ from --listen and --metrics-listen")
		}
	}
	if c.ArchiveUploadLimit, err = ParseSize(c.MaxArchiveUpload); err != nil {
		return fmt.Errorf("--max-archive-upload: %w", err)
	}
	if c.SecretKey != "" {
		if b, err := hex.DecodeString(c.SecretKey); err != nil || len(b) != 32 {
			return errors.New("--secret-key must be 64 hexadecimal characters")
		}
	}
	return nil
}

// Secure reports whether cookies should carry the Secure flag.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// LoadSecret returns the secret key as bytes, generating and saving one in
// the data directory (readable by the owner only) when none was configured.
func (c *Config) LoadSecret() ([]byte, error) {
	if c.SecretKey != "" {
		return hex.DecodeString(c.SecretKey)
	}
	p := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(p); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s is damaged: it should hold 64 hexadecimal characters", p)
		}
		return key, nil
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("save secret key: %w", err)
	}
	return key, nil
}

// ParseSize reads a size such as "8GB", "500MB" or "1TB" (binary units:
// 1 GB is 1024 MB); a bare number is bytes. Empty is 0 (the default).
func ParseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return 0, nil
	}
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		return 0, fmt.Errorf("%q is not a size (use a whole number of MB, GB or TB, such as 8GB)", s)
	}
	return n * unit, nil
}

// checkLoopback accepts host:port whose host is a loopback IP address or
// "localhost". Profiles name the program's functions and can stall it (a
// 30-second CPU profile, an execution trace), so they are never offered to
// another machine: reach them through an SSH tunnel.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return errors.New("the host must be a loopback address such as 127.0.0.1, [::1] or localhost")
	}
	return nil
}
