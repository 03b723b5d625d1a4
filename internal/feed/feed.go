// Package feed publishes an account's publications outside the app: RSS 2.0
// and Atom 1.0 feeds (full text or excerpt, chosen by the owner; cover
// images, an image post's pictures, enclosures for video) and the data of
// the account's public web profile. Only published articles that are not
// deleted or taken down appear. A suspended account's feed is an empty
// channel (readers keep what they had and see nothing new until it is
// reinstated); a terminated account's feed is gone (ErrGone, HTTP 410).
//
// See docs/publishing.md (Feeds and the public profile).
package feed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
)

// MaxPublications is how many of the newest publications a feed holds
// (each with all its articles).
const MaxPublications = 20

// Formats.
const (
	FormatRSS  = "rss"
	FormatAtom = "atom"
)

// ErrGone is returned for a terminated account: its feeds and profile are
// gone for good. It is a not-found error; the feed and profile handlers
// answer it with 410 Gone.
var ErrGone = errs.NotFoundf("This account was closed by the platform; its publications are no longer available.")

// Settings are the owner's choices for the account's feeds and profile.
type Settings struct {
	FullText  bool // entries carry the whole article (else the digest and cover)
	NoIndex   bool // ask search engines not to index the profile and feeds
	UpdatedAt time.Time
}

// Entry is one article in a feed.
type Entry struct {
	ArticleID     int64
	PublicationID int64
	Title         string
	Author        string
	Digest        string
	CoverMediaID  string
	BodyHTML      string // sanitised when the article was saved; an image post's pictures are in it
	Published     time.Time
	Updated       time.Time
	Video         *publish.Asset // a video post's video (an enclosure)
}

// Feed is what the feeds and the public profile show.
type Feed struct {
	Account   *account.Account
	Settings  Settings
	Suspended bool // shown as an empty channel with a notice
	Entries   []Entry
}

// Updated is the newest entry's time, else when the account was created.
func (f *Feed) Updated() time.Time {
	t := f.Account.CreatedAt
	for _, e := range f.Entries {
		if e.Updated.After(t) {
			t = e.Updated
		}
	}
	return t.UTC()
}

// Store reads feeds and keeps their settings.
type Store struct {
	db      *db.DB
	clock   clock.Clock
	publish *publish.Store
}

// NewStore returns a Store; p answers about taken-down articles and video
// assets.
func NewStore(d *db.DB, c clock.Clock, p *publish.Store) *Store {
	return &Store{db: d, clock: c, publish: p}
}

// Settings returns the account's feed settings (excerpts and indexed when
// the owner never chose).
func (s *Store) Settings(ctx context.Context, accountID int64) (_ Settings, err error) {
	defer errs.Wrap(&err, "feed.Store.Settings(%d)", accountID)
	var st Settings
	var updated int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT full_text, noindex, updated_at FROM feed_settings WHERE account_id = ?`, accountID),
		&st.FullText, &st.NoIndex, &updated)
	if errors.Is(err, errs.NotFound) {
		return Settings{}, nil
	}
	st.UpdatedAt = db.FromMicro(updated)
	return st, err
}

// SetSettings stores the account's feed settings.
func (s *Store) SetSettings(ctx context.Context, accountID int64, st Settings) (err error) {
	defer errs.Wrap(&err, "feed.Store.SetSettings(%d)", accountID)
	_, err = s.db.Exec(ctx, `INSERT INTO feed_settings (account_id, full_text, noindex, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET full_text = excluded.full_text, noindex = excluded.noindex, updated_at = excluded.updated_at`,
		accountID, st.FullText, st.NoIndex, db.Micro(s.clock.Now()))
	return err
}

// Load returns the account's feed: its newest published, readable
// articles. Accounts followers cannot see (pending, rejected) are not
// found; terminated ones are ErrGone; suspended ones have no entries.
func (s *Store) Load(ctx context.Context, accountID int64) (_ *Feed, err error) {
	defer errs.Wrap(&err, "feed.Store.Load(%d)", accountID)
	a, err := account.Scan(s.db.QueryRow(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.id = ?`, accountID))
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("No such account.")
	}
	if err != nil {
		return nil, err
	}
	f := &Feed{Account: a}
	switch a.Status {
	case account.StatusActive:
	case account.StatusSuspended:
		f.Suspended = true
	case account.StatusTerminated:
		return nil, ErrGone
	default:
		return nil, errs.NotFoundf("No such account.")
	}
	if f.Settings, err = s.Settings(ctx, accountID); err != nil {
		return nil, err
	}
	if f.Suspended {
		return f, nil
	}
	rows, err := s.db.Query(ctx, `SELECT ar.id, ar.publication_id, ar.title, ar.author, ar.digest, ar.cover_media_id, ar.body_html,
			ar.updated_at, p.published_at, p.kind, p.video_media_id
		FROM articles ar JOIN publications p ON p.id = ar.publication_id
		WHERE p.id IN (SELECT id FROM publications WHERE account_id = ? AND state = 'published' AND `+publish.VariantVisible("publications")+`
				ORDER BY published_at DESC, id DESC LIMIT ?)
			AND ar.deleted = FALSE
		ORDER BY p.published_at DESC, p.id DESC, ar.idx`, accountID, 0, 0, MaxPublications)
	type row struct {
		Entry
		kind, video string
	}
	list, err := db.Collect(rows, err, func(r *sql.Rows) (row, error) {
		var e row
		var updated, published int64
		err := r.Scan(&e.ArticleID, &e.PublicationID, &e.Title, &e.Author, &e.Digest, &e.CoverMediaID, &e.BodyHTML,
			&updated, &published, &e.kind, &e.video)
		e.Published, e.Updated = db.FromMicro(published), db.FromMicro(updated)
		if e.Updated.Before(e.Published) {
			e.Updated = e.Published
		}
		return e, err
	})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		if s.publish != nil && s.publish.ArticleTakenDown(ctx, e.ArticleID) {
			continue
		}
		if e.kind == publish.KindVideo && e.video != "" && s.publish != nil {
			v, err := s.publish.Asset(ctx, accountID, e.video)
			if err != nil && !errors.Is(err, errs.NotFound) && !errors.Is(err, errs.NotFound) {
				return nil, err
			}
			e.Video = v
		}
		f.Entries = append(f.Entries, e.Entry)
	}
	return f, nil
}

// Version records the content of one of the account's feeds and returns
// its entity tag and when it last changed: the first time a node serves a
// new content, the change time is now; otherwise the stored time. Every
// node sees the same Last-Modified.
func (s *Store) Version(ctx context.Context, accountID int64, format string, body []byte) (etag string, changed time.Time, err error) {
	defer errs.Wrap(&err, "feed.Store.Version(%d)", accountID)
	sum := sha256.Sum256(body)
	etag = `"` + format + "-" + hex.EncodeToString(sum[:12]) + `"`
	now := s.clock.Now().Truncate(time.Second)
	if _, err = s.db.Exec(ctx, `INSERT INTO feed_versions (account_id, format, etag, changed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, format) DO UPDATE SET etag = excluded.etag, changed_at = excluded.changed_at
		WHERE feed_versions.etag <> excluded.etag`, accountID, format, etag, db.Micro(now)); err != nil {
		return "", time.Time{}, err
	}
	var at int64
	var stored string
	if err = db.Get(s.db.WriterQueryRow(ctx, `SELECT etag, changed_at FROM feed_versions WHERE account_id = ? AND format = ?`, accountID, format), &stored, &at); err != nil {
		return "", time.Time{}, err
	}
	return stored, db.FromMicro(at).UTC(), nil
}
