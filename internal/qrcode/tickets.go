package qrcode

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Actions of qrcode/create.
const (
	Scene         = "QR_SCENE"           // temporary, scene_id
	StrScene      = "QR_STR_SCENE"       // temporary, scene_str
	LimitScene    = "QR_LIMIT_SCENE"     // permanent, scene_id 1..100000
	LimitStrScene = "QR_LIMIT_STR_SCENE" // permanent, scene_str 1..64
)

// Limits, as on WeChat.
const (
	DefaultExpire  = 30 * time.Second
	MaxExpire      = 2592000 * time.Second // 30 days
	MaxPermanent   = 100000
	MaxSceneStrLen = 64
)

// Errors with WeChat's errcode (40035 invalid parameter, 45010-ish limits).
var (
	ErrBadAction = &Error{Code: 40035, Msg: "action_name must be QR_SCENE, QR_STR_SCENE, QR_LIMIT_SCENE or QR_LIMIT_STR_SCENE."}
	ErrBadScene  = &Error{Code: 40035, Msg: "Invalid scene: scene_id is a non-zero 32-bit integer (1..100000 for permanent codes); scene_str has 1 to 64 characters."}
	ErrBadExpire = &Error{Code: 40035, Msg: "expire_seconds is at most 2592000."}
	ErrTooMany   = &Error{Code: 45010, Msg: "An account has at most 100000 permanent QR codes."}
	ErrNoTicket  = errs.NotFoundf("This QR code does not exist or has expired.")
)

// Error is a validation failure carrying WeChat's errcode.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// WXCode returns the errcode.
func (e *Error) WXCode() int { return e.Code }

// Ticket is one QR code.
type Ticket struct {
	Ticket    string
	AccountID int64
	Action    string
	Scene     string // scene_id in decimal, or scene_str
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Permanent reports whether the code never expires.
func (t *Ticket) Permanent() bool { return t.Action == LimitScene || t.Action == LimitStrScene }

// Store keeps tickets.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

func newTicket() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return "gQ" + base64.RawURLEncoding.EncodeToString(b)
}

// Create validates a qrcode/create request and stores its ticket. expire
// 0 means the default 30 s for temporary codes. A permanent code for a
// scene that already has one returns the same ticket.
func (s *Store) Create(ctx context.Context, accountID int64, action string, sceneID int64, sceneStr string, expire time.Duration) (_ *Ticket, err error) {
	defer errs.Wrap(&err, "qrcode.Store.Create(%d, %d)", accountID, sceneID)
	var scene string
	switch action {
	case Scene, LimitScene:
		if sceneID == 0 || sceneID > 1<<32-1 || sceneID < -(1<<31) || (action == LimitScene && (sceneID < 1 || sceneID > MaxPermanent)) {
			return nil, ErrBadScene
		}
		scene = strconv.FormatInt(sceneID, 10)
	case StrScene, LimitStrScene:
		if sceneStr == "" || len(sceneStr) > MaxSceneStrLen {
			return nil, ErrBadScene
		}
		scene = sceneStr
	default:
		return nil, ErrBadAction
	}
	now := s.clock.Now()
	t := &Ticket{AccountID: accountID, Action: action, Scene: scene, CreatedAt: now}
	if !t.Permanent() {
		if expire < 0 || expire > MaxExpire {
			return nil, ErrBadExpire
		}
		if expire == 0 {
			expire = DefaultExpire
		}
		t.ExpiresAt = now.Add(expire)
	} else {
		var existing string
		err := db.Get(s.db.QueryRow(ctx, `SELECT ticket FROM qr_tickets WHERE account_id = ? AND action = ? AND scene = ?`, accountID, action, scene), &existing)
		if err == nil {
			t.Ticket = existing
			return t, nil
		}
		if !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		var n int
		if err := db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM qr_tickets WHERE account_id = ? AND expires_at = 0`, accountID), &n); err != nil {
			return nil, err
		}
		if n >= MaxPermanent {
			return nil, ErrTooMany
		}
	}
	t.Ticket = newTicket()
	_, err = s.db.Exec(ctx, `INSERT INTO qr_tickets (ticket, account_id, action, scene, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Ticket, accountID, action, scene, db.Micro(t.ExpiresAt), db.Micro(now))
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Get returns a ticket that has not expired, else ErrNoTicket.
func (s *Store) Get(ctx context.Context, ticket string) (_ *Ticket, err error) {
	defer errs.Wrap(&err, "qrcode.Store.Get()")
	var t Ticket
	var exp, created int64
	err = s.db.QueryRow(ctx, `SELECT ticket, account_id, action, scene, expires_at, created_at FROM qr_tickets WHERE ticket = ?`, ticket).
		Scan(&t.Ticket, &t.AccountID, &t.Action, &t.Scene, &exp, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoTicket
	}
	if err != nil {
		return nil, err
	}
	t.ExpiresAt, t.CreatedAt = db.FromMicro(exp), db.FromMicro(created)
	if !t.Permanent() && !s.clock.Now().Before(t.ExpiresAt) {
		return nil, ErrNoTicket
	}
	return &t, nil
}

// DeleteExpired removes temporary tickets that expired a day ago.
func (s *Store) DeleteExpired(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "qrcode.Store.DeleteExpired()")
	res, err := s.db.Exec(ctx, `DELETE FROM qr_tickets WHERE expires_at <> 0 AND expires_at < ?`, db.Micro(s.clock.Now().Add(-24*time.Hour)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
