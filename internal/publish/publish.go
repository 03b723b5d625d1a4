// Package publish is Herald's publishing: the account's media library,
// drafts (publications of 1 to 8 articles), publishing and mass sending as
// background jobs with a checkpoint (exactly-once delivery, resumable after
// a crash), monthly mass-send quotas, the reading side (likes, "wow",
// comments) and the followers' Subscriptions folder.
//
// Its surface is shaped like WeChat's draft / freepublish / mass APIs, so the
// developer API reuses the same objects: a draft's media_id
// (Publication.MediaID), an article_id (Publication.ArticleID), a job's
// msg_id / publish_id (Job.APIID) and the job's Total/Filter/Sent/ErrorCount.
// See docs/publishing.md.
package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/settings"
)

// Features that a Gate is asked about.
const (
	FeaturePublishing = "publishing"
	FeatureMassSend   = "mass_send"
	FeatureComments   = "comments"
)

// Gate reports whether an account may use a feature now; a non-nil error
// (with a user-facing message) refuses. The compliance workflow provides it.
type Gate func(ctx context.Context, accountID int64, feature string) error

// TakenDown reports whether the platform took an article down.
type TakenDown func(ctx context.Context, articleID int64) bool

// Deps are what a Store works with besides the database and the clock,
// given to NewStore. Media and Settings are required; the others may be nil.
type Deps struct {
	Media    media.Store
	Settings *settings.Store
	// Messages delivers previews into chats (nil: previews fail).
	Messages *message.Store
	// Bus announces progress and deliveries.
	Bus realtime.Bus
	// Gate refuses publishing, mass sending or comments for restricted
	// accounts (nil: no restrictions beyond the account's status).
	Gate Gate
	// TakenDown hides taken-down articles (nil: none).
	TakenDown TakenDown
	// FlagContent is told about every article when it is first published,
	// to flag the platform's keywords for review; it never blocks (nil: off).
	FlagContent func(ctx context.Context, accountID, articleID int64, title, body string) ([]string, error)
}

// Store holds drafts, publications, jobs, reactions and the media library.
type Store struct {
	// Deps are as NewStore was given them (tests may swap one).
	Deps
	db    *db.DB
	clock clock.Clock
	media media.Store
}

// NewStore returns a Store working with deps.
func NewStore(d *db.DB, c clock.Clock, deps Deps) *Store {
	return &Store{Deps: deps, db: d, clock: c, media: deps.Media}
}

// DB returns the database (for the benchmark and tests).
func (s *Store) DB() *db.DB { return s.db }

func (s *Store) gate(ctx context.Context, accountID int64, feature string) error {
	if s.Gate == nil {
		return nil
	}
	return s.Gate(ctx, accountID, feature)
}

func (s *Store) takenDown(ctx context.Context, articleID int64) bool {
	return s.TakenDown != nil && s.TakenDown(ctx, articleID)
}

// String identifiers. Each is a prefix letter and the row id in base 36,
// so they need no column of their own and never collide across kinds.

// MediaID returns the media_id of a media-library asset.
func MediaID(id int64) string { return "M" + strconv.FormatInt(id, 36) }

// DraftMediaID returns the media_id of a draft (a publication).
func DraftMediaID(id int64) string { return "D" + strconv.FormatInt(id, 36) }

// ArticleID returns the article_id of a published publication.
func ArticleID(id int64) string { return "A" + strconv.FormatInt(id, 36) }

// ParseID reads an identifier made by MediaID, DraftMediaID or ArticleID
// (prefix is "M", "D" or "A").
func ParseID(prefix, s string) (int64, error) {
	if !strings.HasPrefix(s, prefix) {
		return 0, errs.NotFoundf("No such item.")
	}
	v, err := strconv.ParseInt(s[len(prefix):], 36, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFoundf("No such item.")
	}
	return v, nil
}

// ArticlePath is the permanent address of an article's reading page.
func ArticlePath(articleID int64) string { return "/s/" + strconv.FormatInt(articleID, 10) }

// ParseArticlePath reads the {article} part of /s/{article}.
func ParseArticlePath(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFoundf("No such article.")
	}
	return v, nil
}

// MediaPath is the public address of a media-library asset.
func MediaPath(mediaID string) string {
	if mediaID == "" {
		return ""
	}
	return "/media/" + mediaID
}

func randKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Store) account(ctx context.Context, q db.Querier, accountID int64) (*account.Account, error) {
	return account.Scan(q.QueryRow(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.id = ?`, accountID))
}
