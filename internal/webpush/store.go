// Package webpush notifies followers on their devices while the follower
// app is closed: Web Push (RFC 8030) with VAPID (RFC 8292) and message
// encryption (RFC 8291, aes128gcm) through github.com/SherClockHolmes/webpush-go.
//
// The platform's VAPID key pair is made once and kept in the database, so
// every node of a cluster signs with the same key and browsers' subscriptions
// stay valid whichever node sends. A subscription is one browser of one
// person. When an account's message is stored in a conversation, or a mass
// send ends, a job in the durable work queue (internal/workq) decides
// whether the person is notified — following, not muted, the account's
// notification setting, and the message still unread after a short delay
// (the open app marks it read at once) — and queues one delivery per device.
// Deliveries go through the outbound guard; a push service answering 404 or
// 410 removes the subscription.
package webpush

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Notification levels of one account for one person.
const (
	NotifyAll      = "all"      // conversation messages and mass sends
	NotifyMessages = "messages" // conversation messages only
	NotifyNone     = "none"     // nothing
)

// MaxDevices is how many browsers one person may have subscribed; a new
// one beyond it replaces the oldest.
const MaxDevices = 20

// Subscription is one subscribed browser of a person.
type Subscription struct {
	ID        int64
	PersonID  int64
	Endpoint  string
	P256dh    string // the browser's public key, base64url
	Auth      string // the browser's authentication secret, base64url
	Device    string // a label for the person ("Chrome on Android")
	CreatedAt time.Time
	LastOKAt  time.Time
}

// NewSubscription is what a browser's PushSubscription.toJSON() gives.
type NewSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// ParseSubscription reads and checks a browser's PushSubscription JSON: the
// endpoint is an https URL (plain http only on a loopback host, for tests
// and local push services), p256dh a P-256 public key and auth 16 bytes.
func ParseSubscription(raw []byte) (*NewSubscription, error) {
	var in NewSubscription
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&in); err != nil {
		return nil, errs.Invalidf("The subscription is not valid JSON.")
	}
	if err := checkEndpoint(in.Endpoint); err != nil {
		return nil, err
	}
	key, err := decodeKey(in.Keys.P256dh)
	if err != nil || len(key) != 65 {
		return nil, errs.Invalidf("The subscription's p256dh key is not a P-256 public key.")
	}
	if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return nil, errs.Invalidf("The subscription's p256dh key is not a P-256 public key.")
	}
	auth, err := decodeKey(in.Keys.Auth)
	if err != nil || len(auth) != 16 {
		return nil, errs.Invalidf("The subscription's auth secret must be 16 bytes.")
	}
	// Stored in one form (unpadded base64url), whatever the browser sent.
	in.Keys.P256dh = base64.RawURLEncoding.EncodeToString(key)
	in.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	return &in, nil
}

func checkEndpoint(s string) error {
	if s == "" || len(s) > 2048 || !utf8.ValidString(s) {
		return errs.Invalidf("The subscription needs an endpoint URL of at most 2048 characters.")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return errs.Invalidf("The subscription's endpoint is not a URL.")
	}
	switch u.Scheme {
	case "https":
	case "http":
		switch u.Hostname() {
		case "127.0.0.1", "::1", "localhost":
		default:
			return errs.Invalidf("The subscription's endpoint must use https.")
		}
	default:
		return errs.Invalidf("The subscription's endpoint must use https.")
	}
	return nil
}

// decodeKey reads base64url with or without padding (browsers send it
// unpadded; some libraries pad).
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// Subscribe stores a browser's subscription for a person. A browser that
// was subscribed for someone else (a shared device) now belongs to this
// person only. Beyond MaxDevices the oldest subscription goes.
func (s *Service) Subscribe(ctx context.Context, personID int64, in *NewSubscription, device string) (_ *Subscription, err error) {
	defer errs.Wrap(&err, "webpush.Service.Subscribe(%d)", personID)
	if r := []rune(device); len(r) > 80 {
		device = string(r[:80])
	}
	now := s.Clock.Now()
	sub := &Subscription{ID: id.New(), PersonID: personID, Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth, Device: device, CreatedAt: now}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := db.Get(tx.QueryRow(ctx, `INSERT INTO push_subscriptions (id, person_id, endpoint, p256dh, auth, device, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (endpoint) DO UPDATE SET person_id = excluded.person_id, p256dh = excluded.p256dh, auth = excluded.auth,
				device = excluded.device, created_at = excluded.created_at
			RETURNING id`, sub.ID, personID, sub.Endpoint, sub.P256dh, sub.Auth, device, db.Micro(now)), &sub.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM push_subscriptions WHERE person_id = ? AND id NOT IN
			(SELECT id FROM push_subscriptions WHERE person_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)`, personID, personID, MaxDevices)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe removes a person's subscription by its endpoint; removing
// one that is not there is not an error.
func (s *Service) Unsubscribe(ctx context.Context, personID int64, endpoint string) (err error) {
	defer errs.Wrap(&err, "webpush.Service.Unsubscribe(%d)", personID)
	_, err = s.DB.Exec(ctx, `DELETE FROM push_subscriptions WHERE person_id = ? AND endpoint = ?`, personID, endpoint)
	return err
}

// DeviceCookie names the cookie that tells the server which subscription
// is this browser's (its id), so that signing out removes it even when the
// page's script did not run.
const DeviceCookie = "herald_push"

// ForgetDevice removes the subscription of the browser a person signs out
// of: the one with the given id (the id the browser was told when it
// subscribed) and the one with the given endpoint (what the page's script
// read from the browser), either of which may be empty. Only the person's
// own subscriptions go.
func (s *Service) ForgetDevice(ctx context.Context, personID, subID int64, endpoint string) error {
	if subID == 0 && endpoint == "" {
		return nil
	}
	_, err := s.DB.Exec(ctx, `DELETE FROM push_subscriptions WHERE person_id = ? AND (id = ? OR endpoint = ?)`, personID, subID, endpoint)
	return err
}

const subCols = `id, person_id, endpoint, p256dh, auth, device, created_at, last_ok_at`

func scanSub(sc interface{ Scan(...any) error }) (*Subscription, error) {
	var sub Subscription
	var created, ok int64
	if err := sc.Scan(&sub.ID, &sub.PersonID, &sub.Endpoint, &sub.P256dh, &sub.Auth, &sub.Device, &created, &ok); err != nil {
		return nil, err
	}
	sub.CreatedAt = db.FromMicro(created)
	if ok > 0 {
		sub.LastOKAt = db.FromMicro(ok)
	}
	return &sub, nil
}

// Subscriptions lists a person's subscribed browsers, newest first.
func (s *Service) Subscriptions(ctx context.Context, personID int64) (_ []*Subscription, err error) {
	defer errs.Wrap(&err, "webpush.Service.Subscriptions(%d)", personID)
	rows, err := s.DB.Query(ctx, `SELECT `+subCols+` FROM push_subscriptions WHERE person_id = ? ORDER BY created_at DESC, id DESC`, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Subscription, error) { return scanSub(r) })
}

func (s *Service) subscription(ctx context.Context, subID int64) (*Subscription, error) {
	sub, err := scanSub(s.DB.QueryRow(ctx, `SELECT `+subCols+` FROM push_subscriptions WHERE id = ?`, subID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	return sub, err
}

// Prefs are a person's notification settings.
type Prefs struct {
	ShowPreviews bool
	Accounts     map[int64]string // account → level; absent: NotifyAll
}

// Level is the person's notification level for an account.
func (p *Prefs) Level(accountID int64) string {
	if l, ok := p.Accounts[accountID]; ok {
		return l
	}
	return NotifyAll
}

// Prefs returns a person's notification settings.
func (s *Service) Prefs(ctx context.Context, personID int64) (_ *Prefs, err error) {
	defer errs.Wrap(&err, "webpush.Service.Prefs(%d)", personID)
	p := &Prefs{ShowPreviews: true, Accounts: map[int64]string{}}
	err = db.Get(s.DB.QueryRow(ctx, `SELECT show_previews FROM push_prefs WHERE person_id = ?`, personID), &p.ShowPreviews)
	if err != nil && !errors.Is(err, errs.NotFound) {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT account_id, notify FROM push_account_prefs WHERE person_id = ?`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a int64
		var l string
		if err := rows.Scan(&a, &l); err != nil {
			return nil, err
		}
		p.Accounts[a] = l
	}
	return p, rows.Err()
}

// SetShowPreviews sets whether notifications show what a message says.
func (s *Service) SetShowPreviews(ctx context.Context, personID int64, show bool) (err error) {
	defer errs.Wrap(&err, "webpush.Service.SetShowPreviews(%d)", personID)
	_, err = s.DB.Exec(ctx, `INSERT INTO push_prefs (person_id, show_previews, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET show_previews = excluded.show_previews, updated_at = excluded.updated_at`,
		personID, show, db.Micro(s.Clock.Now()))
	return err
}

// SetAccountLevel sets what of an account notifies the person.
func (s *Service) SetAccountLevel(ctx context.Context, personID, accountID int64, level string) (err error) {
	defer errs.Wrap(&err, "webpush.Service.SetAccountLevel(%d, %d)", personID, accountID)
	switch level {
	case NotifyAll, NotifyMessages, NotifyNone:
	default:
		return errs.FieldInvalid(fmt.Sprintf("notify_%d", accountID), "Choose all, messages only or nothing.")
	}
	_, err = s.DB.Exec(ctx, `INSERT INTO push_account_prefs (person_id, account_id, notify, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (person_id, account_id) DO UPDATE SET notify = excluded.notify, updated_at = excluded.updated_at`,
		personID, accountID, level, db.Micro(s.Clock.Now()))
	return err
}

// ParseEndpoint reads {"endpoint": …}, what a browser sends to unsubscribe.
func ParseEndpoint(raw []byte) (string, error) {
	var in struct {
		Endpoint string `json:"endpoint"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", errs.Invalidf("The request is not valid JSON.")
	}
	if err := checkEndpoint(in.Endpoint); err != nil {
		return "", err
	}
	return in.Endpoint, nil
}
