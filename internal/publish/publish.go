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
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
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
	// GateAt answers Gate's question for a moment ahead, for a scheduled
	// send: a restriction that ends before then does not refuse it (nil:
	// scheduled sends are asked of Gate, as of now).
	GateAt func(ctx context.Context, accountID int64, feature string, at time.Time) error
	// TakenDown hides taken-down articles (nil: none).
	TakenDown TakenDown
	// TakenDownSQL, when set, is TakenDown as an SQL condition on the
	// article whose id is bound to its one parameter: the reading page
	// asks it in the statement that reads the article instead of calling
	// TakenDown. It must agree with TakenDown.
	TakenDownSQL string
	// FlagContent is told about every article when it is first published,
	// to flag the platform's keywords for review; it never blocks (nil: off).
	FlagContent func(ctx context.Context, accountID, articleID int64, title, body string) ([]string, error)
}

// Store holds drafts, publications, jobs, reactions and the media library.
type Store struct {
	deps  Deps // as NewStore was given them; never changed after
	db    *db.DB
	clock clock.Clock
	media media.Store
	// readingQuery is the reading page's statement for these deps
	// (readingQueryFor).
	readingQuery string
	// readingSessionQuery is it for a viewer given by a session
	// (readingSessionQueryFor).
	readingSessionQuery string
}

// NewStore returns a Store working with deps. The deps are fixed for the
// Store's life: a test that needs another Gate or TakenDown builds its
// Store with it.
func NewStore(d *db.DB, c clock.Clock, deps Deps) *Store {
	return &Store{deps: deps, db: d, clock: c, media: deps.Media, readingQuery: readingQueryFor(deps.TakenDownSQL),
		readingSessionQuery: readingSessionQueryFor(deps.TakenDownSQL)}
}

// DB returns the database (for the benchmark and tests).
func (s *Store) DB() *db.DB { return s.db }

// Allowed reports whether the account may use feature (FeaturePublishing,
// FeatureMassSend, FeatureComments) now: nil, or the Gate's refusal with
// its user-facing message.
func (s *Store) Allowed(ctx context.Context, accountID int64, feature string) error {
	return s.gate(ctx, accountID, feature)
}

func (s *Store) gate(ctx context.Context, accountID int64, feature string) error {
	if s.deps.Gate == nil {
		return nil
	}
	return s.deps.Gate(ctx, accountID, feature)
}

// gateAt asks whether the account may use feature at a scheduled time
// (zero: now).
func (s *Store) gateAt(ctx context.Context, accountID int64, feature string, at time.Time) error {
	if at.IsZero() || s.deps.GateAt == nil {
		return s.gate(ctx, accountID, feature)
	}
	return s.deps.GateAt(ctx, accountID, feature, at)
}

func (s *Store) takenDown(ctx context.Context, articleID int64) bool {
	return s.deps.TakenDown != nil && s.deps.TakenDown(ctx, articleID)
}

func randKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Store) account(ctx context.Context, q db.Querier, accountID int64) (*account.Account, error) {
	return account.Scan(q.QueryRow(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.id = ?`, accountID))
}
