// Package tempmedia is WeChat's temporary media: files uploaded through
// media/upload, and the follower's images, voice and video pushed to the
// developer's server, each known by a media_id that works for three days.
// The bytes live in the media store; this package keeps the media_id rows.
package tempmedia

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
)

// TTL is how long a temporary media_id works.
const TTL = 72 * time.Hour

// Types, as in media/upload?type=.
const (
	Image = "image"
	Voice = "voice"
	Video = "video"
	Thumb = "thumb"
)

// Kinds are the accepted files per type, with WeChat's limits (§13).
var Kinds = map[string]media.Kind{
	Image: {Name: "image", Types: []string{"image/jpeg", "image/png", "image/gif"}, MaxBytes: 10 << 20},
	Voice: {Name: "voice", Types: []string{"audio/amr", "audio/mpeg"}, MaxBytes: 2 << 20},
	Video: {Name: "video", Types: []string{"video/mp4"}, MaxBytes: 10 << 20},
	Thumb: {Name: "thumb", Types: []string{"image/jpeg"}, MaxBytes: 64 << 10},
}

// Item is one temporary media file.
type Item struct {
	MediaID     string
	AccountID   int64
	Type        string
	Key         string // in the media store
	ContentType string
	Size        int64
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// ErrExpired is returned by Get for a media_id older than TTL.
var ErrExpired = errs.NotFoundf("This media has expired.")

// Store keeps media_ids.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// NewMediaID returns a fresh media_id (64 URL-safe characters).
func NewMediaID() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Add registers a stored file as temporary media of the account.
func (s *Store) Add(ctx context.Context, accountID int64, typ, key, contentType string, size int64) (_ *Item, err error) {
	defer errs.Wrap(&err, "tempmedia.Store.Add(%d, %d)", accountID, size)
	return s.AddFor(ctx, accountID, typ, key, contentType, size, TTL)
}

// AddFor registers a file that works for ttl (media/uploadimg keeps its
// images for good).
func (s *Store) AddFor(ctx context.Context, accountID int64, typ, key, contentType string, size int64, ttl time.Duration) (_ *Item, err error) {
	defer errs.Wrap(&err, "tempmedia.Store.AddFor(%d, %d)", accountID, size)
	now := s.clock.Now()
	it := &Item{MediaID: NewMediaID(), AccountID: accountID, Type: typ, Key: key, ContentType: contentType, Size: size,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	_, err = s.db.Exec(ctx, `INSERT INTO temp_media (media_id, account_id, type, media_key, content_type, size, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, it.MediaID, accountID, typ, key, contentType, size, db.Micro(now), db.Micro(it.ExpiresAt))
	if err != nil {
		return nil, err
	}
	return it, nil
}

// Get returns the account's media (db.ErrNotFound for another account's
// or an unknown id, ErrExpired after TTL). accountID 0 looks up any
// account's media (public picture URLs).
func (s *Store) Get(ctx context.Context, accountID int64, mediaID string) (_ *Item, err error) {
	defer errs.Wrap(&err, "tempmedia.Store.Get(%d, %q)", accountID, mediaID)
	var it Item
	var created, exp int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT media_id, account_id, type, media_key, content_type, size, created_at, expires_at
		FROM temp_media WHERE media_id = ?`, mediaID), &it.MediaID, &it.AccountID, &it.Type, &it.Key, &it.ContentType, &it.Size, &created, &exp)
	if err != nil {
		return nil, err
	}
	if accountID != 0 && it.AccountID != accountID {
		return nil, db.ErrNotFound
	}
	it.CreatedAt, it.ExpiresAt = db.FromMicro(created), db.FromMicro(exp)
	if !s.clock.Now().Before(it.ExpiresAt) {
		return nil, ErrExpired
	}
	return &it, nil
}

// Expired reports whether err means an expired media_id.
func Expired(err error) bool { return errors.Is(err, ErrExpired) }

// DeleteExpired removes rows (not the files, which messages may still
// show) that expired before now; it returns how many.
func (s *Store) DeleteExpired(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "tempmedia.Store.DeleteExpired()")
	res, err := s.db.Exec(ctx, `DELETE FROM temp_media WHERE expires_at < ?`, db.Micro(s.clock.Now().Add(-24*time.Hour)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
