// Package abtest runs A/B tests of a mass send's title and cover: 2–4
// variants, each its own publication (a copy of the draft with another
// first title and cover), sent through the publishing engine to disjoint
// parts of a random sample of the audience; opens (reads per recipient)
// measured over a window; a two-proportion z-test between the leader and
// each other variant; and the winner sent to the rest of the audience,
// automatically at the end of the window or when the owner clicks. The
// whole test takes one send of the monthly quota. See docs/publishing.md.
package abtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/publish"
)

// Limits of a test.
const (
	MinVariants   = 2
	MaxVariants   = 4
	MinPercent    = 1  // of the audience in the sample
	MaxPercent    = 90 // the rest must be worth a winner
	MinWindow     = time.Hour
	MaxWindow     = 72 * time.Hour
	DefaultWindow = 4 * time.Hour
)

// Test states.
const (
	StateTesting    = "testing"     // the variants are out; opens are being counted
	StateRollingOut = "rolling_out" // the winner is being sent to the rest
	StateDone       = "done"        // everybody in the audience has one variant
	// StateStopped: every variant's job failed (or was cancelled) before
	// delivering anything; the roll-out was cancelled and the quota given
	// back, as for a failed mass send.
	StateStopped = "stopped"
)

// Who chose the winner.
const (
	DecidedAuto  = "auto"
	DecidedOwner = "owner"
)

// VariantInput is one variant's first title and cover.
type VariantInput struct {
	Title        string
	CoverMediaID string
}

// Input is a new test.
type Input struct {
	DraftID       int64
	Variants      []VariantInput // 2–4; the first is the draft's own (changed if it differs)
	Target        string         // publish.TargetAll (default) or publish.TargetTag
	TagID         int64
	SamplePercent int
	Window        time.Duration
	AutoWinner    bool // send the winner when the window ends; otherwise on the owner's click
}

// Variant is one arm of a test.
type Variant struct {
	Index         int // 0-based; Letter() names it
	PublicationID int64
	JobID         int64
	Title         string
	CoverMediaID  string
	Recipients    int64
	Opens         int64 // within the window (counted now while testing; kept once decided)
	JobState      string
	Sent          int64 // what the variant's job delivered so far
}

// Undelivered reports whether the variant's job ended (failed or was
// cancelled) without reaching anybody: its sample got nothing, so it cannot
// win, and its sample is sent the winner with the rest of the audience.
func (v *Variant) Undelivered() bool {
	return (v.JobState == publish.JobFailed || v.JobState == publish.JobCancelled) && v.Sent == 0
}

// Letter is the variant's name on pages: A, B, C or D.
func (v *Variant) Letter() string { return Letter(v.Index) }

// CoverURL is the variant's cover image address.
func (v *Variant) CoverURL() string { return publish.MediaPath(v.CoverMediaID) }

// Rate is the variant's open rate in percent.
func (v *Variant) Rate() float64 { return 100 * Arm{v.Recipients, v.Opens}.Rate() }

// Test is an A/B test with its variants.
type Test struct {
	ID            int64
	AccountID     int64
	DraftID       int64
	Target        string
	TagID         int64
	SamplePercent int
	Window        time.Duration
	AutoWinner    bool
	Seed          int64
	State         string
	Audience      int64 // eligible followers when the sample was drawn
	QuotaMonth    string
	Winner        int // 0-based index of the variant sent to the rest; -1 until decided
	DecidedBy     string
	WinnerJobID   int64
	CreatedBy     int64
	StartedAt     time.Time
	EndsAt        time.Time
	DecidedAt     time.Time
	StoppedAt     time.Time // when it was stopped (State is StateStopped)
	Variants      []*Variant

	WinnerJobState string // the roll-out job's state ("" without one)
	WinnerSent     int64  // what the roll-out delivered so far
}

// Decided reports whether the winner is chosen.
func (t *Test) Decided() bool { return t.Winner >= 0 }

// Sample is how many followers the variants went to.
func (t *Test) Sample() int64 {
	var n int64
	for _, v := range t.Variants {
		n += v.Recipients
	}
	return n
}

// Result is the statistics of the variants' opens.
func (t *Test) Result() *Result {
	arms := make([]Arm, len(t.Variants))
	for i, v := range t.Variants {
		arms[i] = Arm{v.Recipients, max(v.Opens, 0)}
	}
	return Analyze(arms)
}

// SendableLeader is the variant the test picks when nobody chose one: the
// result's leader, unless that variant reached nobody; then the best open
// rate among those that reached their sample (the first of equals).
func (t *Test) SendableLeader() int {
	leader := t.Result().Leader
	if !t.Variants[leader].Undelivered() {
		return leader
	}
	best := -1
	for i, v := range t.Variants {
		if !v.Undelivered() && (best < 0 || v.Rate() > t.Variants[best].Rate()) {
			best = i
		}
	}
	if best < 0 {
		return leader // none reached anybody: the test is stopped
	}
	return best
}

// WinnerVariant is the variant sent to the rest (nil until decided).
func (t *Test) WinnerVariant() *Variant {
	if t.Winner < 0 || t.Winner >= len(t.Variants) {
		return nil
	}
	return t.Variants[t.Winner]
}

// Store keeps A/B tests.
type Store struct {
	db      *db.DB
	clock   clock.Clock
	publish *publish.Store
	// Wake, when set, tells the publishing engine that jobs are due (the
	// server wires it to Engine.Wake).
	Wake func()
}

// NewStore returns a Store whose variants are drafts and jobs of p.
func NewStore(d *db.DB, c clock.Clock, p *publish.Store) *Store {
	return &Store{db: d, clock: c, publish: p}
}

func (s *Store) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

func newSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}

// validate checks the input's shape; the variants' titles and covers are
// checked again by publish.SaveDraft like any draft's.
func validate(in *Input) error {
	if len(in.Variants) < MinVariants || len(in.Variants) > MaxVariants {
		return errs.FieldInvalid("variants", "A test has %d to %d variants.", MinVariants, MaxVariants)
	}
	for i := range in.Variants {
		v := &in.Variants[i]
		v.Title, v.CoverMediaID = strings.TrimSpace(v.Title), strings.TrimSpace(v.CoverMediaID)
		field := fmt.Sprintf("title_%d", i)
		if v.Title == "" {
			return errs.FieldInvalid(field, "Give variant %s a title.", Letter(i))
		}
		if utf8.RuneCountInString(v.Title) > publish.MaxTitle {
			return errs.FieldInvalid(field, "Variant %s's title is longer than %d characters.", Letter(i), publish.MaxTitle)
		}
		for j := range i {
			if in.Variants[j] == *v {
				return errs.FieldInvalid(field, "Variants %s and %s are the same: change the title or the cover.", Letter(j), Letter(i))
			}
		}
	}
	if in.SamplePercent < MinPercent || in.SamplePercent > MaxPercent {
		return errs.FieldInvalid("sample", "The sample is %d%% to %d%% of the audience.", MinPercent, MaxPercent)
	}
	if in.Window < MinWindow || in.Window > MaxWindow {
		return errs.FieldInvalid("window", "The window is %d to %d hours.", int(MinWindow.Hours()), int(MaxWindow.Hours()))
	}
	if in.Target != publish.TargetTag {
		in.Target, in.TagID = publish.TargetAll, 0
	}
	return nil
}

// Create starts a test from a draft of the account: it makes the variants'
// drafts, then in one transaction takes one send of this month's quota,
// draws the sample from the audience (followers, or a tag's, who are not
// blacklisted), queues one mass job per variant to its part of the sample
// and, for an automatic winner, schedules the roll-out job at the end of
// the window.
func (s *Store) Create(ctx context.Context, accountID, personID int64, in Input) (_ *Test, err error) {
	defer errs.Wrap(&err, "abtest.Store.Create(%d)", accountID)
	if err := validate(&in); err != nil {
		return nil, err
	}
	draft, err := s.publish.Publication(ctx, accountID, in.DraftID)
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("There is no such draft.")
	}
	if err != nil {
		return nil, err
	}
	if draft.State != publish.StateDraft {
		return nil, errs.Conflictf("Only a draft can be tested; this publication is %s.", errs.Text(draft.State))
	}
	if len(draft.Articles) == 0 {
		return nil, errs.Invalidf("A publication needs at least one article.")
	}
	if in.Target == publish.TargetTag {
		var n int
		if err := db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ? AND id = ?`, accountID, in.TagID), &n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errs.FieldInvalid("tag", "Choose one of this account's tags.")
		}
	}
	// The variants' drafts: the draft itself for A (saved again only when
	// its title or cover changes), copies for the others.
	pubs := make([]int64, len(in.Variants))
	var copies []int64
	cleanup := func() {
		for _, p := range copies {
			_ = s.publish.DeleteDraft(context.WithoutCancel(ctx), accountID, p)
		}
	}
	for i, v := range in.Variants {
		input := publish.DraftInput{Kind: draft.Kind, VideoMediaID: draft.VideoMediaID}
		for _, a := range draft.Articles {
			input.Articles = append(input.Articles, a.Input())
		}
		first := &input.Articles[0]
		if i == 0 {
			pubs[0] = draft.ID
			if first.Title == v.Title && first.CoverMediaID == v.CoverMediaID {
				continue
			}
		}
		first.Title, first.CoverMediaID = v.Title, v.CoverMediaID
		target := int64(0)
		if i == 0 {
			target = draft.ID
		}
		p, err := s.publish.SaveDraft(ctx, accountID, personID, target, input)
		if err != nil {
			cleanup()
			return nil, prefixed(err, i)
		}
		pubs[i] = p.ID
		if i > 0 {
			copies = append(copies, p.ID)
		}
	}
	now := s.clock.Now()
	t := &Test{ID: id.New(), AccountID: accountID, DraftID: draft.ID, Target: in.Target, TagID: in.TagID, SamplePercent: in.SamplePercent,
		Window: in.Window, AutoWinner: in.AutoWinner, Seed: newSeed(), State: StateTesting, Winner: -1, CreatedBy: personID,
		StartedAt: now, EndsAt: now.Add(in.Window)}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		t.Variants = nil
		if t.QuotaMonth, err = s.publish.TakeMassQuota(ctx, tx, accountID, now); err != nil {
			return err
		}
		audience, err := eligible(ctx, tx, accountID, in.Target, in.TagID)
		if err != nil {
			return err
		}
		t.Audience = int64(len(audience))
		members := Sample(t.Seed, audience, in.SamplePercent, len(in.Variants))
		if len(members) < len(in.Variants) {
			return errs.FieldInvalid("sample", "%d%% of %d followers is %d, fewer than one follower per variant: choose a larger sample or fewer variants.",
				in.SamplePercent, len(audience), len(members))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ab_tests (id, account_id, draft_id, target, tag_id, sample_percent, window_minutes, auto_winner, seed,
				state, audience, quota_month, created_by, started_at, ends_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'testing', ?, ?, ?, ?, ?)`, t.ID, accountID, t.DraftID, t.Target, t.TagID, t.SamplePercent,
			int(t.Window/time.Minute), t.AutoWinner, t.Seed, t.Audience, t.QuotaMonth, personID, db.Micro(now), db.Micro(t.EndsAt)); err != nil {
			return err
		}
		if err := insertMembers(ctx, tx, t.ID, members); err != nil {
			return err
		}
		for i, v := range in.Variants {
			j, err := s.publish.AddListJob(ctx, tx, accountID, personID, pubs[i], now)
			if err != nil {
				return err
			}
			var n int64
			for _, m := range members {
				if m.Variant == i {
					n++
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ab_test_variants (test_id, variant, publication_id, job_id, title, cover_media_id, recipients)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, i+1, pubs[i], j.ID, v.Title, v.CoverMediaID, n); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ab_test_jobs (job_id, test_id, variant) VALUES (?, ?, ?)`, j.ID, t.ID, i+1); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO mass_recipients (job_id, person_id)
				SELECT CAST(? AS BIGINT), person_id FROM ab_test_members WHERE test_id = ? AND variant = ?`, j.ID, t.ID, i+1); err != nil {
				return err
			}
			t.Variants = append(t.Variants, &Variant{Index: i, PublicationID: pubs[i], JobID: j.ID, Title: v.Title, CoverMediaID: v.CoverMediaID,
				Recipients: n, Opens: -1, JobState: j.State})
		}
		if in.AutoWinner {
			return s.addRollout(ctx, tx, t, pubs[0], t.EndsAt)
		}
		return nil
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	s.wake()
	return t, nil
}

// prefixed names the variant in a draft's validation message.
func prefixed(err error, i int) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindInvalid {
		field := "title"
		if strings.HasPrefix(e.Field, "cover") {
			field = "cover"
		}
		return errs.FieldInvalid(fmt.Sprintf("%s_%d", field, i), "Variant %s: %s", Letter(i), e.Message)
	}
	return err
}

// addRollout adds the job that sends the winner to the rest, at runAt. Its
// publication is a placeholder (the first variant's) until the engine
// starts it and the hook (Prepare) puts in the winner and the recipients.
func (s *Store) addRollout(ctx context.Context, tx *db.Tx, t *Test, pubID int64, runAt time.Time) error {
	j, err := s.publish.AddListJob(ctx, tx, t.AccountID, t.CreatedBy, pubID, runAt)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ab_test_jobs (job_id, test_id, variant) VALUES (?, ?, 0)`, j.ID, t.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE ab_tests SET winner_job_id = ? WHERE id = ?`, j.ID, t.ID); err != nil {
		return err
	}
	t.WinnerJobID, t.WinnerJobState = j.ID, j.State
	return nil
}

// audienceFrom is the FROM/WHERE of a test's audience: followers (of a tag)
// who are not blacklisted, as a mass send selects them.
func audienceFrom(target string) string {
	if target == publish.TargetTag {
		return ` FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
			WHERE m.account_id = ? AND m.tag_id = ? AND f.following = TRUE AND f.blocked = FALSE`
	}
	return ` FROM follows f WHERE f.account_id = ? AND f.following = TRUE AND f.blocked = FALSE`
}

func audienceArgs(target string, accountID, tagID int64) []any {
	if target == publish.TargetTag {
		return []any{accountID, tagID}
	}
	return []any{accountID}
}

// eligible returns the audience's person ids.
func eligible(ctx context.Context, q db.Querier, accountID int64, target string, tagID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT f.person_id`+audienceFrom(target)+` ORDER BY f.person_id`, audienceArgs(target, accountID, tagID)...)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}

// insertMembers stores the sample, 250 rows a statement.
func insertMembers(ctx context.Context, tx *db.Tx, testID int64, members []Member) error {
	for start := 0; start < len(members); start += 250 {
		part := members[start:min(len(members), start+250)]
		var q strings.Builder
		q.WriteString(`INSERT INTO ab_test_members (test_id, person_id, variant) VALUES `)
		args := make([]any, 0, 3*len(part))
		for i, m := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, testID, m.PersonID, m.Variant+1)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

const testCols = `id, account_id, draft_id, target, tag_id, sample_percent, window_minutes, auto_winner, seed, state, audience, quota_month,
	winner, decided_by, winner_job_id, created_by, started_at, ends_at, decided_at, stopped_at`

func scanTest(sc interface{ Scan(...any) error }) (*Test, error) {
	var t Test
	var window int
	var started, ends, decided, stopped int64
	err := sc.Scan(&t.ID, &t.AccountID, &t.DraftID, &t.Target, &t.TagID, &t.SamplePercent, &window, &t.AutoWinner, &t.Seed, &t.State, &t.Audience,
		&t.QuotaMonth, &t.Winner, &t.DecidedBy, &t.WinnerJobID, &t.CreatedBy, &started, &ends, &decided, &stopped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.Winner-- // stored 1-based, 0 for none
	t.Window = time.Duration(window) * time.Minute
	t.StartedAt, t.EndsAt, t.DecidedAt = db.FromMicro(started), db.FromMicro(ends), db.FromMicro(decided)
	if stopped != 0 {
		t.State, t.StoppedAt = StateStopped, db.FromMicro(stopped)
	}
	return &t, nil
}

// load reads a test and its variants; opens are counted now for a test
// not yet decided.
func (s *Store) load(ctx context.Context, q db.Querier, accountID, testID int64) (*Test, error) {
	t, err := scanTest(q.QueryRow(ctx, `SELECT `+testCols+` FROM ab_tests WHERE id = ? AND account_id = ?`, testID, accountID))
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("There is no such A/B test.")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT v.variant, v.publication_id, v.job_id, v.title, v.cover_media_id, v.recipients, v.opens,
			COALESCE(j.state, ''), COALESCE(j.sent_count, 0)
		FROM ab_test_variants v LEFT JOIN publish_jobs j ON j.id = v.job_id WHERE v.test_id = ? ORDER BY v.variant`, t.ID)
	t.Variants, err = db.Collect(rows, err, func(r *sql.Rows) (*Variant, error) {
		var v Variant
		err := r.Scan(&v.Index, &v.PublicationID, &v.JobID, &v.Title, &v.CoverMediaID, &v.Recipients, &v.Opens, &v.JobState, &v.Sent)
		v.Index--
		return &v, err
	})
	if err != nil {
		return nil, err
	}
	if t.WinnerJobID != 0 {
		err := db.Get(q.QueryRow(ctx, `SELECT state, sent_count FROM publish_jobs WHERE id = ?`, t.WinnerJobID), &t.WinnerJobState, &t.WinnerSent)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	if !t.Decided() {
		opens, err := s.opens(ctx, q, t, s.clock.Now())
		if err != nil {
			return nil, err
		}
		for _, v := range t.Variants {
			v.Opens = opens[v.Index]
		}
	}
	return t, nil
}

// Test returns a test of the account with its variants and their opens.
func (s *Store) Test(ctx context.Context, accountID, testID int64) (_ *Test, err error) {
	defer errs.Wrap(&err, "abtest.Store.Test(%d, %d)", accountID, testID)
	return s.load(ctx, s.db, accountID, testID)
}

// Tests lists the account's tests, newest first (variants without opens).
func (s *Store) Tests(ctx context.Context, accountID int64, limit int) (_ []*Test, err error) {
	defer errs.Wrap(&err, "abtest.Store.Tests(%d)", accountID)
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := s.db.Query(ctx, `SELECT `+testCols+` FROM ab_tests WHERE account_id = ? ORDER BY id DESC LIMIT ?`, accountID, limit)
	tests, err := db.Collect(rows, err, func(r *sql.Rows) (*Test, error) { return scanTest(r) })
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		rows, err := s.db.Query(ctx, `SELECT variant, title FROM ab_test_variants WHERE test_id = ? ORDER BY variant`, t.ID)
		t.Variants, err = db.Collect(rows, err, func(r *sql.Rows) (*Variant, error) {
			var v Variant
			err := r.Scan(&v.Index, &v.Title)
			v.Index--
			return &v, err
		})
		if err != nil {
			return nil, err
		}
	}
	return tests, nil
}

// opens counts, per variant, the recipients who opened an article of the
// variant they received between the start and the end of the window (or
// until, if earlier). Reads are the analytics read events of signed-in
// people (person_id), so a follower who opens it twice counts once, and a
// read of another variant (a shared link) counts for nobody.
func (s *Store) opens(ctx context.Context, q db.Querier, t *Test, until time.Time) (map[int]int64, error) {
	end := t.EndsAt
	if until.Before(end) {
		end = until
	}
	rows, err := q.Query(ctx, `SELECT m.variant, COUNT(*) FROM ab_test_members m JOIN ab_test_variants v ON v.test_id = m.test_id AND v.variant = m.variant
		WHERE m.test_id = ? AND EXISTS (SELECT 1 FROM analytics_events e JOIN articles a ON a.id = e.object_id
			WHERE e.account_id = ? AND e.person_id = m.person_id AND e.at >= ? AND e.at < ? AND e.kind = 'read'
				AND a.publication_id = v.publication_id)
		GROUP BY m.variant`, t.ID, t.AccountID, db.Micro(t.StartedAt), db.Micro(end))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var v int
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, err
		}
		out[v-1] = n
	}
	return out, rows.Err()
}

// decide keeps the variants' opens up to now and records the winner
// (0-based; -1: the leader) and who chose it, in tx. It does nothing for
// a test already decided.
func (s *Store) decide(ctx context.Context, tx *db.Tx, t *Test, winner int, by string) error {
	if t.Decided() {
		return nil
	}
	now := s.clock.Now()
	opens, err := s.opens(ctx, tx, t, now)
	if err != nil {
		return err
	}
	for _, v := range t.Variants {
		v.Opens = opens[v.Index]
		if _, err := tx.Exec(ctx, `UPDATE ab_test_variants SET opens = ? WHERE test_id = ? AND variant = ?`, v.Opens, t.ID, v.Index+1); err != nil {
			return err
		}
	}
	if winner < 0 || winner >= len(t.Variants) {
		winner = t.SendableLeader()
	}
	t.Winner, t.DecidedBy, t.DecidedAt = winner, by, now
	_, err = tx.Exec(ctx, `UPDATE ab_tests SET winner = ?, decided_by = ?, decided_at = ? WHERE id = ?`, winner+1, by, db.Micro(now), t.ID)
	return err
}

// SendWinner sends a variant (0-based; -1: the leader) to the rest of the
// audience now, at the owner's click: the opens so far are kept as the
// result, and the roll-out job runs at once (the scheduled one is made due,
// or one is added).
func (s *Store) SendWinner(ctx context.Context, accountID, testID int64, variant int) (_ *Test, err error) {
	defer errs.Wrap(&err, "abtest.Store.SendWinner(%d, %d)", accountID, testID)
	var t *Test
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		// Taking the row first makes two clicks (on two nodes) wait for
		// each other; the second finds the test decided.
		res, err := tx.Exec(ctx, `UPDATE ab_tests SET state = state WHERE id = ? AND account_id = ?`, testID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("There is no such A/B test.")
		}
		if t, err = s.load(ctx, tx, accountID, testID); err != nil {
			return err
		}
		if t.State == StateStopped {
			return errs.Conflictf("This test was stopped: none of its variants could be sent.")
		}
		if t.State != StateTesting || t.Decided() {
			return errs.Conflictf("The winner of this test has been chosen already.")
		}
		if variant >= 0 && variant < len(t.Variants) && t.Variants[variant].Undelivered() {
			return errs.Conflictf("Variant %s could not be sent to its sample; choose another.", t.Variants[variant].Letter())
		}
		if err := s.decide(ctx, tx, t, variant, DecidedOwner); err != nil {
			return err
		}
		now := s.clock.Now()
		if t.WinnerJobID != 0 {
			res, err := tx.Exec(ctx, `UPDATE publish_jobs SET run_at = ?, state = 'queued' WHERE id = ? AND state = 'scheduled'`, db.Micro(now), t.WinnerJobID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 || (t.WinnerJobState != publish.JobCancelled && t.WinnerJobState != publish.JobFailed) {
				return nil
			}
			// The scheduled roll-out was cancelled on the publishing page:
			// a new one goes now.
		}
		return s.addRollout(ctx, tx, t, t.Variants[t.Winner].PublicationID, now)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return s.Test(ctx, accountID, testID)
}

// Hooks are what a publishing engine runs for A/B tests: Prepare when a job
// starts, Finished inside the transaction that ends it.
func (s *Store) Hooks() publish.JobHooks {
	return publish.JobHooks{Start: s.Prepare, EndTx: s.Finished}
}

// Prepare is the publishing engine's start hook (Engine.OnStart): for a
// test's roll-out job that has not been prepared, it decides the winner if
// nobody has (the leader, at the end of the window), keeps the opens, puts
// the winner's publication on the job and the rest of the audience —
// following, not blacklisted, in the tag, and not in the sample — in its
// recipients, all in one transaction. Other jobs are left alone.
func (s *Store) Prepare(ctx context.Context, j *publish.Job) (err error) {
	defer errs.Wrap(&err, "abtest.Store.Prepare(job %d)", j.ID)
	var testID int64
	var variant int
	err = db.Get(s.db.QueryRow(ctx, `SELECT test_id, variant FROM ab_test_jobs WHERE job_id = ?`, j.ID), &testID, &variant)
	if errors.Is(err, errs.NotFound) || (err == nil && variant != 0) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE ab_tests SET state = 'rolling_out' WHERE id = ? AND state = 'testing'`, testID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // prepared before (the job is resuming)
		}
		t, err := s.load(ctx, tx, j.AccountID, testID)
		if err != nil {
			return err
		}
		if err := s.decide(ctx, tx, t, -1, DecidedAuto); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ab_tests SET winner_job_id = ? WHERE id = ?`, j.ID, t.ID); err != nil {
			return err
		}
		w := t.Variants[t.Winner]
		if _, err := tx.Exec(ctx, `UPDATE publish_jobs SET publication_id = ? WHERE id = ?`, w.PublicationID, j.ID); err != nil {
			return err
		}
		// The sample of a variant that reached nobody gets the winner too.
		var skip []any
		for _, v := range t.Variants {
			if v.Undelivered() {
				skip = append(skip, v.Index+1)
			}
		}
		notSkipped := ""
		if len(skip) > 0 {
			notSkipped = ` AND s.variant NOT IN (?` + strings.Repeat(`, ?`, len(skip)-1) + `)`
		}
		args := append(append([]any{j.ID}, audienceArgs(t.Target, t.AccountID, t.TagID)...), t.ID)
		_, err = tx.Exec(ctx, `INSERT INTO mass_recipients (job_id, person_id) SELECT CAST(? AS BIGINT), f.person_id`+audienceFrom(t.Target)+`
			AND NOT EXISTS (SELECT 1 FROM ab_test_members s WHERE s.test_id = ? AND s.person_id = f.person_id`+notSkipped+`)`,
			append(args, skip...)...)
		return err
	})
}

// Finished is the engine's end hook (Engine.OnFinishTx): a test whose
// roll-out job is done is done. When a job of a test fails, and every
// variant's job has now failed or been cancelled without delivering to
// anybody, the test is stopped as a failed mass send is treated: the
// scheduled roll-out is cancelled and the test's send of the quota given
// back, once (the test's row is taken first, so two nodes ending its last
// jobs at once take turns and the second finds it stopped).
func (s *Store) Finished(ctx context.Context, tx *db.Tx, j *publish.Job) (err error) {
	defer errs.Wrap(&err, "abtest.Store.Finished(job %d)", j.ID)
	switch j.State {
	case publish.JobDone:
		_, err := tx.Exec(ctx, `UPDATE ab_tests SET state = 'done' WHERE winner_job_id = ? AND state = 'rolling_out'`, j.ID)
		return err
	case publish.JobFailed:
		var testID int64
		err := db.Get(tx.QueryRow(ctx, `SELECT test_id FROM ab_test_jobs WHERE job_id = ?`, j.ID), &testID)
		if errors.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.stopIfNothingSent(ctx, tx, j.AccountID, testID)
	}
	return nil
}

// stopIfNothingSent stops the test, in tx, when every variant's job ended
// failed or cancelled and no job of the test delivered anything.
func (s *Store) stopIfNothingSent(ctx context.Context, tx *db.Tx, accountID, testID int64) error {
	var month string
	if err := db.Get(tx.QueryRow(ctx, `UPDATE ab_tests SET stopped_at = stopped_at WHERE id = ? AND stopped_at = 0 RETURNING quota_month`, testID),
		&month); err != nil {
		if errors.Is(err, errs.NotFound) {
			return nil // stopped already
		}
		return err
	}
	var open, sent int64
	if err := db.Get(tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN tj.variant > 0 AND j.state NOT IN ('failed', 'cancelled') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(j.sent_count), 0)
		FROM ab_test_jobs tj JOIN publish_jobs j ON j.id = tj.job_id WHERE tj.test_id = ?`, testID), &open, &sent); err != nil {
		return err
	}
	if open > 0 || sent > 0 {
		return nil
	}
	now := db.Micro(s.clock.Now())
	if _, err := tx.Exec(ctx, `UPDATE publish_jobs SET state = 'cancelled', finished_at = ?
		WHERE id IN (SELECT job_id FROM ab_test_jobs WHERE test_id = ? AND variant = 0) AND state IN ('scheduled', 'queued')`, now, testID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE ab_tests SET stopped_at = ? WHERE id = ?`, now, testID); err != nil {
		return err
	}
	return s.publish.RefundMassQuota(ctx, tx, accountID, month)
}
