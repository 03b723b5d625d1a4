package folder

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/db"
)

// pickTimes is a node's copy of the last publication times of the accounts
// a folder's pick may choose (active Subscription accounts that have
// published), on PostgreSQL. Probing accounts once for each of a reader's
// follows (often 1,000) was most of a folder's work there; with this copy
// the folder's first statement reads only the reader's followed account
// ids and the accounts changed since the copy was read, and the pick is
// made here.
//
// The copy is exact, with no message between nodes: it was read at a
// snapshot whose xmin it keeps, and a transaction that snapshot did not
// see has an id at or above that xmin. Every write of an account's type,
// status or last publication time (and every insert and delete) records
// its transaction's id in account_changes (migration 0148), so the rows of
// account_changes from xmin on name every account whose row may differ
// from the copy; a read takes them, with their current values, in its
// own statement and lays them over the copy. What a read sees is
// therefore what its statement's snapshot sees.
//
// The copy only moves forward: a refresh lays the changes over it and
// advances xmin (in the background, when reads meet many changes or old
// ones), and a TRUNCATE of accounts (account 0 in account_changes) makes
// the next read load it all again.
type pickTimes struct {
	mu    sync.RWMutex
	at    map[int64]int64 // account → last_published_at
	order []pickEntry     // the same, newest first (newer)
	xmin  string          // the xmin (xid8, as text) of the snapshot the copy is complete at; "" before a load
	asOf  time.Time       // when the copy was last brought up to date

	pickers sync.Pool // *picker, kept between reads

	sync       sync.Mutex  // one load or refresh at a time
	refreshing atomic.Bool // a refresh is running in the background
	reload     atomic.Bool // the next read loads the copy again (a TRUNCATE was seen)
}

// pickEligible is the condition on accounts a of the accounts the pick may
// choose.
const pickEligible = `a.type = 'subscription' AND a.status = 'active' AND a.last_published_at > 0`

// pickChanged is the accounts changed in transactions from an xmin on
// (arg: the xmin as text), the columns c.account_id and changedTime naming
// them with their current time (0: not pickable, or deleted).
const (
	pickChanged = `FROM account_changes c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.xid >= CAST(? AS xid8)`
	changedTime = `CASE WHEN ` + pickEligible + ` THEN a.last_published_at ELSE 0 END`
)

// snapshotXmin is a row of kind -1 with the xmin of the statement's
// snapshot: a UNION ALL branch read at the same snapshot as the others.
const snapshotXmin = ` UNION ALL SELECT -1, 0, CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT)`

// pickLoadSQL reads the whole copy and the snapshot's xmin (readTimes).
const pickLoadSQL = `SELECT a.id, a.last_published_at, '' FROM accounts a WHERE ` + pickEligible + snapshotXmin

// pickChangesSQL reads the changes since an xmin (arg) and the snapshot's
// xmin (readTimes).
const pickChangesSQL = `SELECT c.account_id, ` + changedTime + `, '' ` + pickChanged + snapshotXmin

// pickChangesBranch is pickChangesSQL's changes as a branch of the folder's
// first statement (kind 9: account, time; arg: the xmin as text).
const pickChangesBranch = `SELECT 9, c.account_id, ` + changedTime + `, 0, 0, 0, '', '', '' ` + pickChanged

// errReload says a read met a TRUNCATE of accounts: the copy must be
// loaded again and the read made again.
var errReload = errors.New("folder: the accounts were truncated; reload the pick's copy")

// refreshAfter and refreshChanges are when a read asks for a refresh: when
// it met changes and the copy is older than refreshAfter, or met
// refreshChanges or more. They keep the changes each read lays over the
// copy few, at one refresh a second or less under a steady trickle of
// publications.
const (
	refreshAfter   = time.Second
	refreshChanges = 32
)

// current returns the copy's xmin ("" when it must be loaded).
func (p *pickTimes) current() string {
	if p.reload.Load() {
		return ""
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.xmin
}

// base returns the copy's xmin, loading the copy first if it has none.
func (p *pickTimes) base(ctx context.Context, d *db.DB) (string, error) {
	if xmin := p.current(); xmin != "" {
		return xmin, nil
	}
	p.sync.Lock()
	defer p.sync.Unlock()
	if xmin := p.current(); xmin != "" {
		return xmin, nil
	}
	if err := p.load(ctx, d); err != nil {
		return "", err
	}
	return p.current(), nil
}

// readTimes runs pickLoadSQL or pickChangesSQL: accounts with their times,
// and the snapshot's xmin; truncated reports account 0 (a TRUNCATE).
func readTimes(ctx context.Context, d *db.DB, q string, args ...any) (entries []pickEntry, xmin string, truncated bool, err error) {
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, "", false, err
	}
	defer rows.Close()
	for rows.Next() {
		var e pickEntry
		var x string
		if err := rows.Scan(&e.id, &e.last, &x); err != nil {
			return nil, "", false, err
		}
		switch e.id {
		case -1:
			xmin = x
		case 0:
			truncated = true
		default:
			entries = append(entries, e)
		}
	}
	return entries, xmin, truncated, rows.Err()
}

// load reads the whole copy (p.sync held).
func (p *pickTimes) load(ctx context.Context, d *db.DB) error {
	entries, xmin, _, err := readTimes(ctx, d, pickLoadSQL)
	if err != nil {
		return err
	}
	at := make(map[int64]int64, len(entries))
	for _, e := range entries {
		at[e.id] = e.last
	}
	order := ordered(at)
	p.reload.Store(false)
	p.mu.Lock()
	p.at, p.order, p.xmin, p.asOf = at, order, xmin, time.Now()
	p.mu.Unlock()
	return nil
}

// ordered returns the copy's accounts newest first.
func ordered(at map[int64]int64) []pickEntry {
	order := make([]pickEntry, 0, len(at))
	for id, last := range at {
		order = append(order, pickEntry{id, last})
	}
	slices.SortFunc(order, newer)
	return order
}

// refresh lays the changes since the copy's xmin over it and advances the
// xmin (p.sync held).
func (p *pickTimes) refresh(ctx context.Context, d *db.DB) error {
	from := p.current()
	if from == "" {
		return p.load(ctx, d)
	}
	changes, xmin, truncated, err := readTimes(ctx, d, pickChangesSQL, from)
	if err != nil {
		return err
	}
	if truncated {
		return p.load(ctx, d)
	}
	// The map and order are replaced, not changed in place: reads walk
	// the order they found without the lock held for long.
	p.mu.RLock()
	at, order := p.at, p.order
	p.mu.RUnlock()
	if len(changes) > 0 {
		at = maps.Clone(at)
		for _, c := range changes {
			if c.last > 0 {
				at[c.id] = c.last
			} else {
				delete(at, c.id)
			}
		}
		order = ordered(at)
	}
	p.mu.Lock()
	p.at, p.order, p.xmin, p.asOf = at, order, xmin, time.Now()
	p.mu.Unlock()
	return nil
}

// met is told how many changes a read laid over the copy; it starts a
// refresh in the background when they were many, or old.
func (p *pickTimes) met(d *db.DB, changes int) {
	if changes == 0 {
		return
	}
	p.mu.RLock()
	old := time.Since(p.asOf) > refreshAfter
	p.mu.RUnlock()
	if !old && changes < refreshChanges {
		return
	}
	if !p.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.refreshing.Store(false)
		p.sync.Lock()
		defer p.sync.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.refresh(ctx, d); err != nil && !errors.Is(err, context.Canceled) {
			// The copy stays as it was: reads lay more changes over it
			// until a refresh succeeds.
			slog.Warn("folder: refreshing the pick's copy of publication times", "err", err)
		}
	}()
}

// pickEntry is an account of the copy with its time.
type pickEntry struct{ id, last int64 }

// pickChange is a change a read met: the account's time now (0: it may not
// be picked).
type pickChange = pickEntry

// newer orders entries newest publication first, ties larger id first: the
// pick's order.
func newer(a, b pickEntry) int {
	switch {
	case a.last != b.last:
		return cmp.Compare(b.last, a.last)
	default:
		return cmp.Compare(b.id, a.id)
	}
}

// picker makes one read's pick: the reader's followed accounts (sorted
// ids) ranked by the copy with the read's changes laid over it.
type picker struct {
	p        *pickTimes
	followed []int64 // sorted
	filter   [pickFilterWords]uint64
	changes  []pickChange
	excluded []int64
	all      []pickEntry // every pickable followed account, newest first, once ranked by lookups
	ranked   bool        // all is set
}

// pickFilterWords sizes the bit filter of followed ids the walk tests
// before a binary search: 16,384 bits, so a reader following 1,000
// accounts passes about one id in sixteen that is not followed.
const pickFilterWords = 256

func filterBit(id int64) (int, uint64) {
	h := uint64(id) * 0x9E3779B97F4A7C15 >> 50 // 14 bits
	return int(h >> 6), 1 << (h & 63)
}

// newPicker parses the followed ids (decimal, comma-separated).
func (p *pickTimes) newPicker(followed string, changes []pickChange, excluded []int64) (*picker, error) {
	pk, _ := p.pickers.Get().(*picker)
	if pk == nil {
		pk = &picker{}
	} else {
		clear(pk.filter[:])
	}
	pk.p, pk.changes, pk.excluded, pk.followed, pk.all, pk.ranked = p, changes, excluded, pk.followed[:0], pk.all[:0], false
	if followed == "" {
		return pk, nil
	}
	var n int64
	digits := 0
	for i := 0; i <= len(followed); i++ {
		if i == len(followed) || followed[i] == ',' {
			if digits == 0 {
				pk.release()
				return nil, errors.New("folder: an empty id among the followed accounts")
			}
			pk.followed = append(pk.followed, n)
			n, digits = 0, 0
			continue
		}
		c := followed[i]
		if c < '0' || c > '9' || digits >= 18 {
			pk.release()
			return nil, errors.New("folder: a malformed id among the followed accounts")
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	slices.Sort(pk.followed) // the follows index returns them in order: a quick check
	for _, id := range pk.followed {
		w, b := filterBit(id)
		pk.filter[w] |= b
	}
	return pk, nil
}

// release gives the picker back for another read; the caller keeps only
// what top returned.
func (pk *picker) release() {
	if cap(pk.followed) > 1<<16 {
		return // a reader of very many accounts: not kept
	}
	p := pk.p
	pk.p, pk.changes, pk.excluded = nil, nil, nil
	p.pickers.Put(pk)
}

func (pk *picker) follows(id int64) bool {
	w, b := filterBit(id)
	if pk.filter[w]&b == 0 {
		return false
	}
	_, ok := slices.BinarySearch(pk.followed, id)
	return ok
}

// change returns the read's change of the account, if it met one.
func (pk *picker) change(id int64) (pickChange, bool) {
	for _, c := range pk.changes {
		if c.id == id {
			return c, true
		}
	}
	return pickChange{}, false
}

// top returns the n pickable followed accounts newest first (fewer when
// there are fewer).
//
// It walks the copy's accounts newest first and keeps the followed ones:
// a reader following a share s of the accounts finds n of them after
// about n/s steps, each a test of a small bit filter. Accounts the read's
// changes name are ranked by their changed times instead. When the walk
// runs long (a reader whose followed accounts published long ago), it
// looks each followed account up instead, once, and ranks them all.
func (pk *picker) top(n int) []*followedAccount {
	var got []pickEntry
	if !pk.ranked {
		pk.p.mu.RLock()
		order := pk.p.order
		budget := 8*len(pk.followed) + 4096
		i := 0
		for ; i < len(order) && len(got) < n && i < budget; i++ {
			e := order[i]
			if !pk.follows(e.id) {
				continue
			}
			if _, changed := pk.change(e.id); changed || slices.Contains(pk.excluded, e.id) {
				continue
			}
			got = append(got, e)
		}
		done := len(got) == n || i == len(order)
		if !done {
			pk.all, pk.ranked = pk.rankAll(pk.all[:0]), true
		}
		pk.p.mu.RUnlock()
		if done {
			// The changed accounts the reader follows, by their new times.
			for _, c := range pk.changes {
				if c.last > 0 && pk.follows(c.id) && !slices.Contains(pk.excluded, c.id) {
					got = append(got, c)
				}
			}
			slices.SortFunc(got, newer)
		}
	}
	if pk.ranked {
		got = pk.all
	}
	got = got[:min(n, len(got))]
	out := make([]*followedAccount, len(got))
	accounts := make([]followedAccount, len(got))
	for i, e := range got {
		accounts[i] = followedAccount{id: e.id, last: e.last}
		out[i] = &accounts[i]
	}
	return out
}

// rankAll looks every followed account up (p.mu held for reading) and
// returns the pickable ones newest first, appended to all.
func (pk *picker) rankAll(all []pickEntry) []pickEntry {
	for _, id := range pk.followed {
		last, ok := pk.p.at[id]
		if c, changed := pk.change(id); changed {
			last, ok = c.last, c.last > 0
		}
		if ok && !slices.Contains(pk.excluded, id) {
			all = append(all, pickEntry{id, last})
		}
	}
	slices.SortFunc(all, newer)
	return all
}
