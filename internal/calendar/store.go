package calendar

import (
	"context"
	"database/sql"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
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
func (s *Store) RulesFor(ctx context.Context, a *account.Account) (Rules, error) {
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
// zone, planned with Plan, and the month's quota. For Service accounts the
// recipients are counted for the per-follower cap: the followers each send
// targets now (all followers who are not blacklisted, a tag's members, or
// the listed followers), which for sends already made approximates who
// received them then.
func (s *Store) Month(ctx context.Context, a *account.Account, t time.Time) ([]Entry, *Month, Rules, error) {
	r, err := s.RulesFor(ctx, a)
	if err != nil {
		return nil, nil, r, err
	}
	key, start, end := MonthOf(t, r.Location)
	rows, err := s.db.Query(ctx, `SELECT j.id, j.publication_id, COALESCE(p.title, ''), j.target, j.tag_id, j.state, j.run_at
		FROM publish_jobs j LEFT JOIN publications p ON p.id = j.publication_id
		WHERE j.account_id = ? AND j.mode = 'mass' AND j.state IN ('scheduled', 'queued', 'running', 'done')
			AND j.run_at >= ? AND j.run_at < ?
		ORDER BY j.run_at, j.id`, a.ID, db.Micro(start), db.Micro(end))
	list, err := db.Collect(rows, err, func(rs *sql.Rows) (Entry, error) {
		var e Entry
		var pub sql.NullInt64
		var at int64
		err := rs.Scan(&e.JobID, &pub, &e.Title, &e.Target, &e.TagID, &e.State, &at)
		e.PublicationID, e.At = pub.Int64, db.FromMicro(at)
		return e, err
	})
	if err != nil {
		return nil, nil, r, err
	}
	sends := make([]Send, len(list))
	for i := range list {
		e := &list[i]
		sends[i] = Send{ID: e.JobID, At: e.At, Scheduled: e.State == "scheduled" || e.State == "queued"}
		if r.PerFollower > 0 {
			if sends[i].Recipients, err = s.recipients(ctx, a.ID, e); err != nil {
				return nil, nil, r, err
			}
		}
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

func (s *Store) recipients(ctx context.Context, accountID int64, e *Entry) ([]int64, error) {
	var rows *sql.Rows
	var err error
	switch e.Target {
	case "tag":
		rows, err = s.db.Query(ctx, `SELECT t.person_id FROM tag_members t JOIN follows f ON f.account_id = t.account_id AND f.person_id = t.person_id
			WHERE t.account_id = ? AND t.tag_id = ? AND f.following AND NOT f.blocked`, accountID, e.TagID)
	case "openids":
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
