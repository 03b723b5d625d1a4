// Package push delivers followers' messages and events to an account's
// developer server, the way WeChat does: signed XML POSTs in plaintext,
// compatible or safe (AES) mode, 5 s timeout, 3 attempts with the same
// body, and the passive reply delivered into the follower's chat. Every
// delivery is recorded in the push log with its checks explained.
package push

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// Modes of message encryption.
const (
	Plaintext  = "plaintext"
	Compatible = "compatible"
	Safe       = "safe"
)

// Settings are an account's developer-server configuration and its API IP
// allowlist.
type Settings struct {
	AccountID   int64
	URL         string
	Token       string
	AESKey      string // EncodingAESKey, 43 characters
	Mode        string
	Enabled     bool
	IPAllowlist string // one address or CIDR prefix a line; empty: any
	VerifiedAt  time.Time
	UpdatedAt   time.Time
}

// Configured reports whether pushes go to the developer's server.
func (s *Settings) Configured() bool { return s != nil && s.Enabled && s.URL != "" }

// Encrypted reports whether pushes carry an Encrypt element.
func (s *Settings) Encrypted() bool { return s.Mode == Compatible || s.Mode == Safe }

// Allowlist parses IPAllowlist.
func (s *Settings) Allowlist() []netip.Prefix {
	list, _ := ParseAllowlist(s.IPAllowlist)
	return list
}

// ParseAllowlist reads one IP address or CIDR prefix per line (commas and
// spaces also separate).
func ParseAllowlist(text string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, errs.FieldInvalid("ip_allowlist", "%q is not an IP address or a CIDR range such as 203.0.113.0/24.", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Allowed reports whether ip may call the API under list (an empty list
// allows everyone).
func Allowed(list []netip.Prefix, ip netip.Addr) bool {
	if len(list) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Validate checks the settings as the console form has them, reporting
// every field that is wrong at once.
func Validate(s *Settings) error {
	s.URL = strings.TrimSpace(s.URL)
	s.Token = strings.TrimSpace(s.Token)
	s.AESKey = strings.TrimSpace(s.AESKey)
	var fe errs.Fields
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s.URL) > 1024 {
			fe.Add(errs.FieldInvalid("url", "Enter the full address of your server, starting with http:// or https://."))
		}
	} else if s.Enabled {
		fe.Add(errs.FieldInvalid("url", "Enter your server's address to turn message push on."))
	}
	if s.URL != "" || s.Token != "" {
		ok := len(s.Token) >= 3 && len(s.Token) <= 32
		for _, r := range s.Token {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				ok = false
			}
		}
		if !ok {
			fe.Add(errs.FieldInvalid("token", "The Token has 3 to 32 letters and digits."))
		}
	}
	switch s.Mode {
	case Plaintext, Compatible, Safe:
	case "":
		s.Mode = Plaintext
	default:
		fe.Add(errs.FieldInvalid("mode", "Choose plaintext, compatible or safe mode."))
	}
	if s.AESKey != "" || s.Encrypted() {
		if err := wxcrypt.ValidateEncodingAESKey(s.AESKey); err != nil {
			fe.Add(errs.FieldInvalid("aes_key", "The EncodingAESKey has exactly 43 letters and digits; use Generate for a new one."))
		}
	}
	if _, err := ParseAllowlist(s.IPAllowlist); err != nil {
		if errs.KindOf(err) == errs.KindInternal {
			return err
		}
		fe.Add(err)
	}
	return fe.Err()
}

// Store reads and writes settings and the push log.
type Store struct {
	db    *db.DB
	clock clock.Clock
	log   *slog.Logger // nil: failed push-log writes after a delivery (RecordAsync) go unheard

	logMu        sync.Mutex
	logIdle      *sync.Cond
	logQueue     []*pendingRecord
	logRunning   bool
	logWaiters   int           // queued records whose Record call waits for the commit
	logFlush     int           // waitLog calls waiting for the writer to finish
	logLingering bool          // the writer waits for more records (writeLog)
	logWake      chan struct{} // ends the writer's wait early
	logCommits   atomic.Int64
	logInserts   [len(insertSizes)]*db.WriteStmt // by insertSizes; made on first use
	logQueues    [len(insertSizes)]*db.WriteStmt // the same, queueing rows for analytics' import
	logArgs      []any                           // the writer's INSERT values, reused (insertDeliveries)
}

// NewStore returns a Store; log hears of push-log writes that failed
// after the delivery had returned (RecordAsync).
func NewStore(d *db.DB, c clock.Clock, log *slog.Logger) *Store {
	return &Store{db: d, clock: c, log: log}
}

// Get returns the account's settings; an account that never saved any
// gets empty, disabled settings in plaintext mode.
func (s *Store) Get(ctx context.Context, accountID int64) (_ *Settings, err error) {
	defer errs.Wrap(&err, "push.Store.Get(%d)", accountID)
	st := &Settings{AccountID: accountID, Mode: Plaintext}
	var verified, updated int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT server_url, token, aes_key, mode, enabled, ip_allowlist, verified_at, updated_at
		FROM dev_settings WHERE account_id = ?`, accountID), &st.URL, &st.Token, &st.AESKey, &st.Mode, &st.Enabled, &st.IPAllowlist, &verified, &updated)
	if errors.Is(err, errs.NotFound) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	st.VerifiedAt, st.UpdatedAt = db.FromMicro(verified), db.FromMicro(updated)
	return st, nil
}

// Save validates and stores the settings. verified says the URL just
// passed the echostr handshake.
func (s *Store) Save(ctx context.Context, st *Settings, verified bool) (err error) {
	defer errs.Wrap(&err, "push.Store.Save(%d)", st.AccountID)
	if err := Validate(st); err != nil {
		return err
	}
	now := s.clock.Now()
	st.UpdatedAt = now
	if verified {
		st.VerifiedAt = now
	}
	_, err = s.db.Exec(ctx, `INSERT INTO dev_settings (account_id, server_url, token, aes_key, mode, enabled, ip_allowlist, verified_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET server_url = excluded.server_url, token = excluded.token, aes_key = excluded.aes_key,
			mode = excluded.mode, enabled = excluded.enabled, ip_allowlist = excluded.ip_allowlist, verified_at = excluded.verified_at,
			updated_at = excluded.updated_at`,
		st.AccountID, st.URL, st.Token, st.AESKey, st.Mode, st.Enabled, st.IPAllowlist, db.Micro(st.VerifiedAt), db.Micro(now))
	return err
}
