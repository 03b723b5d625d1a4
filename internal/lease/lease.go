// Package lease hands out named leases in the database (the leases table):
// at most one holder per name until the lease expires, unless the holder
// renews it. Herald nodes sharing a database use leases to run each
// periodic job on one node at a time and to own their node number.
//
// Expiry is judged by the database's clock, never a node's, so nodes
// whose clocks differ by seconds still agree on who holds what.
package lease

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Store takes, renews and releases leases for one holder.
type Store struct {
	db     *db.DB
	holder string
}

// New returns the leases of holder (a name unique to this node and run,
// such as Instance()).
func New(d *db.DB, holder string) *Store { return &Store{db: d, holder: holder} }

// Holder is the name this store takes leases as.
func (s *Store) Holder() string { return s.holder }

// Instance returns a name for this process that no other node shares:
// the host name, the process id and random bytes.
func Instance() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Now is the SQL expression of the database's clock in Unix microseconds.
func Now(d db.Dialect) string {
	if d == db.Postgres {
		return `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`
	}
	return `CAST(unixepoch('subsec') * 1000000 AS INTEGER)`
}

// Take takes the lease name for ttl when it is free (never taken, released
// or expired) or already this holder's. It returns whether it did and the
// database's time when it did (Unix microseconds).
func (s *Store) Take(ctx context.Context, name string, ttl time.Duration) (_ bool, _ int64, err error) {
	defer errs.Wrap(&err, "lease.Store.Take()")
	now := Now(s.db.Dialect())
	var exp int64
	err = s.db.WriterQueryRow(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, `+now+` + ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at < `+now+` OR leases.holder = excluded.holder
		RETURNING expires_at`, name, s.holder, ttl.Microseconds()).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("lease: take %s: %w", name, err)
	}
	return true, exp - ttl.Microseconds(), nil
}

// Renew extends this holder's lease for another ttl from now. It returns
// false when the lease is no longer this holder's (it expired and another
// took it).
func (s *Store) Renew(ctx context.Context, name string, ttl time.Duration) (_ bool, err error) {
	defer errs.Wrap(&err, "lease.Store.Renew()")
	res, err := s.db.Exec(ctx, `UPDATE leases SET expires_at = `+Now(s.db.Dialect())+` + ? WHERE name = ? AND holder = ?`,
		ttl.Microseconds(), name, s.holder)
	if err != nil {
		return false, fmt.Errorf("lease: renew %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Release gives the lease up, keeping anyone from taking it before
// freeAt (Unix microseconds of the database's clock; 0: at once).
func (s *Store) Release(ctx context.Context, name string, freeAt int64) (err error) {
	defer errs.Wrap(&err, "lease.Store.Release(%d)", freeAt)
	_, err = s.db.Exec(ctx, `UPDATE leases SET holder = '', expires_at = ? WHERE name = ? AND holder = ?`, freeAt, name, s.holder)
	return err
}

// Current returns who holds name and until when ("" when nobody does).
func (s *Store) Current(ctx context.Context, name string) (holder string, until time.Time, err error) {
	defer errs.Wrap(&err, "lease.Store.Current()")
	var exp, now int64
	err = s.db.WriterQueryRow(ctx, `SELECT holder, expires_at, `+Now(s.db.Dialect())+` FROM leases WHERE name = ?`, name).Scan(&holder, &exp, &now)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if exp < now {
		holder = ""
	}
	return holder, db.FromMicro(exp), nil
}

// NodeTTL is how long a node number stays leased without renewal.
const NodeTTL = 10 * time.Minute

// NodeLeaseName is the lease name of node number n.
func NodeLeaseName(n int64) string { return fmt.Sprintf("node-id:%04d", n) }

// TakeNodeID leases a node number in 0..maxNode that no live node holds
// (for ids: internal/id), trying the free numbers from a random one on.
// Renew it with RenewNodeID more often than NodeTTL.
func (s *Store) TakeNodeID(ctx context.Context, maxNode int64) (_ int64, err error) {
	defer errs.Wrap(&err, "lease.Store.TakeNodeID(%d)", maxNode)
	rows, err := s.db.Query(ctx, `SELECT name FROM leases WHERE name LIKE 'node-id:%' AND expires_at >= `+Now(s.db.Dialect())+` AND holder <> ?`, s.holder)
	names, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var n string
		return n, r.Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("lease: node ids in use: %w", err)
	}
	taken := map[string]bool{}
	for _, n := range names {
		taken[n] = true
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	start := (int64(b[0])<<8 | int64(b[1])) % (maxNode + 1)
	for i := range maxNode + 1 {
		n := (start + i) % (maxNode + 1)
		if taken[NodeLeaseName(n)] {
			continue
		}
		ok, _, err := s.Take(ctx, NodeLeaseName(n), NodeTTL)
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("lease: all %d node numbers are in use", maxNode+1)
}

// LiveNodes counts the node numbers leased and not expired: the nodes
// running now, plus for up to NodeTTL any that died without letting go.
func (s *Store) LiveNodes(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "lease.Store.LiveNodes()")
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM leases WHERE name LIKE 'node-id:%' AND expires_at >= `+Now(s.db.Dialect())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("lease: count live nodes: %w", err)
	}
	return n, nil
}

// RenewNodeID keeps node number n; false means another node took it (this
// node was cut off from the database for longer than NodeTTL).
func (s *Store) RenewNodeID(ctx context.Context, n int64) (_ bool, err error) {
	defer errs.Wrap(&err, "lease.Store.RenewNodeID(%d)", n)
	return s.Renew(ctx, NodeLeaseName(n), NodeTTL)
}
