package calendar

import (
	"context"
	"database/sql"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/settings"
)

// ServicePerFollower is how many mass sends one follower of a Service
// account receives per month, as on WeChat.
const ServicePerFollower = 4

// Entry is a mass send on the calendar with its publication.
type Entry struct {
	Step
	JobID         int64
	PublicationID int64 // 0 for an API send of a plain message
	Title         string
	Target        string // all, tag, openids
	TagID         int64
	State         string // the job's state
	// An A/B test is one send of the quota made by several jobs: its
	// variants' jobs are one entry (the first variant's job, title and
	// publication; Variants says how many), and the roll-out of the winner
	// to the rest is an entry of its own (Rollout) that takes no quota.
	TestID   int64
	Variants int
	Rollout  bool

	testTarget string // the test's audience: all or tag
	testTagID  int64
}

// Store loads an account's sends for the calendar. It only reads the
// publishing tables.
type Store struct {
	db       *db.DB
	settings *settings.Store
}

// NewStore returns a Store.
func NewStore(d *db.DB, s *settings.Store) *Store { return &Store{db: d, settings: s} }

// RulesFor returns the account's limits: the platform's monthly quota by
// account type, and for Service accounts the per-follower cap.
func (s *Store) RulesFor(ctx context.Context, a *account.Account) (_ Rules, err error) {
	defer errs.Wrap(&err, "calendar.Store.RulesFor(%d)", a.ID)
	p, err := s.settings.Get(ctx)
	if err != nil {
		return Rules{}, err
	}
	r := Rules{Location: a.Location(), PerMonth: p.SubscriptionMassSendsPerMonth}
	if a.IsService() {
		r.PerMonth, r.PerFollower = p.ServiceMassSendsPerMonth, ServicePerFollower
	}
	return r, nil
}

// Month returns the account's mass sends (sent, sending or scheduled; not
// cancelled or failed) of the calendar month containing t in the account's
// zone, planned with Plan, and the month's quota. An A/B test counts as
// one send, as the quota counts it: the jobs of its variants are one entry,
// and its roll-out to the rest takes no quota of its own. For Service
// accounts the recipients are counted for the per-follower cap: for a send
// that went out, who received it (its broadcast's recipients) and how many
// the engine skipped at the cap; for one still to go, the followers it
// targets now (all followers who are not blacklisted, a tag's members, the
// listed followers, or for a test's roll-out its audience outside the
// sample), after the real counts of the sends before it.
func (s *Store) Month(ctx context.Context, a *account.Account, t time.Time) (_ []Entry, _ *Month, _ Rules, err error) {
	defer errs.Wrap(&err, "calendar.Store.Month(%d)", a.ID)
	r, err := s.RulesFor(ctx, a)
	if err != nil {
		return nil, nil, r, err
	}
	key, start, end := MonthOf(t, r.Location)
	rows, err := s.db.Query(ctx, `SELECT j.id, j.publication_id, COALESCE(p.title, ''), j.target, j.tag_id, j.state, j.run_at, j.capped_count,
			COALESCE(tj.test_id, 0), COALESCE(tj.variant, 0), COALESCE(x.target, ''), COALESCE(x.tag_id, 0)
		FROM publish_jobs j LEFT JOIN publications p ON p.id = j.publication_id
			LEFT JOIN ab_test_jobs tj ON tj.job_id = j.id LEFT JOIN ab_tests x ON x.id = tj.test_id
		WHERE j.account_id = ? AND j.mode = 'mass' AND j.state IN ('scheduled', 'queued', 'running', 'done')
			AND j.run_at >= ? AND j.run_at < ?
		ORDER BY j.run_at, j.id`, a.ID, db.Micro(start), db.Micro(end))
	type job struct {
		Entry
		variant int
	}
	jobs, err := db.Collect(rows, err, func(rs *sql.Rows) (job, error) {
		var e job
		var pub sql.NullInt64
		var at int64
		err := rs.Scan(&e.JobID, &pub, &e.Title, &e.Target, &e.TagID, &e.State, &at, &e.Skipped, &e.TestID, &e.variant, &e.testTarget, &e.testTagID)
		e.PublicationID, e.At = pub.Int64, db.FromMicro(at)
		e.Scheduled = e.State == "scheduled" || e.State == "queued"
		e.Rollout = e.TestID != 0 && e.variant == 0
		return e, err
	})
	if err != nil {
		return nil, nil, r, err
	}
	// One entry per send: a test's variant jobs merge into the entry of
	// its first variant in the month.
	var list []Entry
	first := map[int64]int{} // test → index in list of its variants' entry
	for _, j := range jobs {
		e := j.Entry
		if r.PerFollower > 0 {
			if e.Recipients, err = s.sendRecipients(ctx, a.ID, &e); err != nil {
				return nil, nil, r, err
			}
			e.Delivered = !e.Scheduled
		}
		if e.TestID == 0 || e.Rollout {
			e.Extra = e.Rollout
			list = append(list, e)
			continue
		}
		i, ok := first[e.TestID]
		if !ok {
			e.Variants = 1
			first[e.TestID] = len(list)
			list = append(list, e)
			continue
		}
		m := &list[i]
		m.Variants++
		m.Recipients = append(m.Recipients, e.Recipients...)
		m.Skipped += e.Skipped
		if !e.Scheduled {
			// Part of the test went out: the send is under way.
			m.Scheduled, m.State = false, e.State
			m.Delivered = r.PerFollower > 0
		}
		if j.variant < 2 {
			m.JobID, m.PublicationID, m.Title = e.JobID, e.PublicationID, e.Title
		}
	}
	sends := make([]Send, len(list))
	for i := range list {
		list[i].ID = list[i].JobID
		sends[i] = list[i].Send
	}
	steps, months := Plan(r, sends)
	byID := map[int64]Step{}
	for _, st := range steps {
		byID[st.ID] = st
	}
	for i := range list {
		list[i].Step = byID[list[i].JobID]
	}
	m := Find(months, key)
	if m == nil {
		m = &Month{Key: key, Start: start, End: end, Limit: r.PerMonth, Left: r.PerMonth}
	}
	return list, m, r, nil
}

// sendRecipients returns the recipients of a send for the per-follower
// cap: who received it when it went out (or is going out), else who it
// targets now.
func (s *Store) sendRecipients(ctx context.Context, accountID int64, e *Entry) ([]int64, error) {
	if !e.Scheduled {
		return s.received(ctx, e.JobID)
	}
	return s.recipients(ctx, accountID, e)
}

// received returns who received a Service account's send: its broadcast's
// recipients.
func (s *Store) received(ctx context.Context, jobID int64) ([]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT r.person_id FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.id
		WHERE b.job_id = ? AND b.id = b.send_id`, jobID)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}

func (s *Store) recipients(ctx context.Context, accountID int64, e *Entry) ([]int64, error) {
	var rows *sql.Rows
	var err error
	switch {
	case e.Rollout:
		// Its recipients are filled in when it starts: the test's audience
		// as it is then, minus the sample.
		audience := `SELECT f.person_id FROM follows f WHERE f.account_id = ? AND f.following AND NOT f.blocked`
		args := []any{accountID}
		if e.testTarget == "tag" {
			audience = `SELECT f.person_id FROM tag_members t JOIN follows f ON f.account_id = t.account_id AND f.person_id = t.person_id
				WHERE t.account_id = ? AND t.tag_id = ? AND f.following AND NOT f.blocked`
			args = append(args, e.testTagID)
		}
		rows, err = s.db.Query(ctx, audience+` AND NOT EXISTS (SELECT 1 FROM ab_test_members m WHERE m.test_id = ? AND m.person_id = f.person_id)`,
			append(args, e.TestID)...)
	case e.Target == "tag":
		rows, err = s.db.Query(ctx, `SELECT t.person_id FROM tag_members t JOIN follows f ON f.account_id = t.account_id AND f.person_id = t.person_id
			WHERE t.account_id = ? AND t.tag_id = ? AND f.following AND NOT f.blocked`, accountID, e.TagID)
	case e.Target == "openids":
		rows, err = s.db.Query(ctx, `SELECT r.person_id FROM mass_recipients r JOIN follows f ON f.account_id = ? AND f.person_id = r.person_id
			WHERE r.job_id = ? AND f.following AND NOT f.blocked`, accountID, e.JobID)
	default:
		rows, err = s.db.Query(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND following AND NOT blocked`, accountID)
	}
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}
