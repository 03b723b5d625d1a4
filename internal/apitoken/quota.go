package apitoken

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// DailyLimits are the default daily quotas per API path (WeChat's console
// defaults). A path missing here has no quota and is unknown to
// openapi/quota/get.
var DailyLimits = map[string]int64{
	"/cgi-bin/token":                         2000,
	"/cgi-bin/stable_token":                  500000,
	"/cgi-bin/menu/create":                   1000,
	"/cgi-bin/menu/get":                      10000,
	"/cgi-bin/menu/delete":                   1000,
	"/cgi-bin/get_current_selfmenu_info":     10000,
	"/cgi-bin/menu/addconditional":           2000,
	"/cgi-bin/menu/delconditional":           2000,
	"/cgi-bin/menu/trymatch":                 20000,
	"/cgi-bin/message/custom/send":           500000,
	"/cgi-bin/message/custom/typing":         500000,
	"/cgi-bin/message/template/send":         100000,
	"/cgi-bin/user/get":                      500,
	"/cgi-bin/user/info":                     500000,
	"/cgi-bin/user/info/batchget":            500000,
	"/cgi-bin/user/info/updateremark":        10000,
	"/cgi-bin/tags/create":                   1000,
	"/cgi-bin/tags/get":                      1000,
	"/cgi-bin/tags/update":                   1000,
	"/cgi-bin/tags/delete":                   1000,
	"/cgi-bin/user/tag/get":                  500,
	"/cgi-bin/tags/members/batchtagging":     100000,
	"/cgi-bin/tags/members/batchuntagging":   100000,
	"/cgi-bin/tags/getidlist":                500000,
	"/cgi-bin/tags/members/getblacklist":     500,
	"/cgi-bin/tags/members/batchblacklist":   500,
	"/cgi-bin/tags/members/batchunblacklist": 500,
	"/cgi-bin/qrcode/create":                 100000,
	"/cgi-bin/media/upload":                  5000,
	"/cgi-bin/media/get":                     10000,
	"/cgi-bin/media/uploadimg":               5000,
	"/cgi-bin/get_current_autoreply_info":    10000,
	"/cgi-bin/getcallbackip":                 10000,
	"/cgi-bin/get_api_domain_ip":             10000,
	"/cgi-bin/openapi/quota/get":             10000,
	"/cgi-bin/openapi/quota/clear":           10000,
	"/cgi-bin/clear_quota":                   10000,
	// permanent materials
	"/cgi-bin/material/add_material":      5000,
	"/cgi-bin/material/get_material":      10000,
	"/cgi-bin/material/del_material":      5000,
	"/cgi-bin/material/get_materialcount": 10000,
	"/cgi-bin/material/batchget_material": 10000,
	// comments
	"/cgi-bin/comment/open":         100000,
	"/cgi-bin/comment/close":        100000,
	"/cgi-bin/comment/list":         100000,
	"/cgi-bin/comment/markelect":    100000,
	"/cgi-bin/comment/unmarkelect":  100000,
	"/cgi-bin/comment/delete":       100000,
	"/cgi-bin/comment/reply/add":    100000,
	"/cgi-bin/comment/reply/delete": 100000,
	// Mass send (internal/wxapi/mass): sendall and send 100 a day; previews
	// by WeChat ID (towxname) 100 a day, counted under their own key.
	"/cgi-bin/message/mass/sendall":          100,
	"/cgi-bin/message/mass/send":             100,
	"/cgi-bin/message/mass/preview#towxname": 100,
}

// Quotas counts API calls per account, path and day in the api_quota
// table, shared by every Herald node on the database.
//
// A node does not write the row for every call: it reserves calls in
// blocks with one atomic statement (an upsert that adds k to used only
// while used+k stays within the limit) and admits the calls of a block from
// memory. The row's used is therefore the calls admitted plus the calls
// reserved by nodes and not used yet, so the nodes together never admit
// more than the limit. A block is at most maxBlock calls and at most a
// sixteenth of what the row had left at this node's last statement, so
// near the limit blocks shrink to one call and every call is its own
// statement (as exact as it was before blocks). Far from the limit (at least
// prefetchLeft left) a node reserves the next block in the background once
// half of its calls are used (sooner when its last reservation was slow
// for the rate of calls), up to maxBlock held in all, so that calls do
// not queue behind the statement (every call of the node would wait for it:
// the tail of a busy API); near the limit only a call that finds nothing
// held reserves, and the others wait for it. What a node has not used is
// given back (used minus the unused part) once no call of that account and
// path came for idleReturn, and when the process shuts down.
//
// Bounds, per account and path: a node holds at most maxBlock unused calls,
// so openapi/quota/get and the console (Used) read at most maxBlock too
// many per other node that served the path in the last idleReturn; for the
// same reason a call may be refused while another node still holds up to
// maxBlock reserved calls, which that node admits or gives back within
// idleReturn. A node that dies without giving back leaves its unused part
// counted until the quota day ends.
//
// held is the part of used that nodes reserved and have not settled yet
// (a block is settled by the statement that reserves the next one, or when
// it is given back). Clearing a quota sets used to held instead of zero, so
// calls that other nodes admit after a clear from blocks reserved before it
// are counted against the new day's limit, never on top of it; the node
// that clears knows which of its own held calls it admitted, and leaves
// them out (Clear).
type Quotas struct {
	db    *db.DB
	clock clock.Clock

	mu     sync.Mutex
	leases map[takeKey]*lease
	// hot is a copy of leases, replaced (under mu) whenever leases gains or
	// loses a row: a call finds its lease there without mu (take's fast
	// path). Under the bench, one mutex taken by every call of the node
	// was where calls waited most after the answer cache.
	hot      atomic.Pointer[map[takeKey]*lease]
	sweeping bool
	// givingBack counts leases taken out of leases whose give-back
	// statement has not ended.
	givingBack int
	stmts      atomic.Int64 // counting statements run (benchmarks report them per call)
	// beforeReserve, when set (tests), runs before each reservation's
	// statement; beforeClear before each clear's.
	beforeReserve func()
	beforeClear   func()
}

const (
	// maxBlock bounds what a node holds of one counter row. While
	// prefetching, the next block is reserved with maxBlock/2 calls left:
	// that many calls is the time the statement has before the node's calls
	// wait for it, about 16 ms at 30,000 calls a second (the reservation's
	// own wait for the CPU, and on PostgreSQL for its backend, took 20 ms
	// in the slowest 1 % on a loaded machine); and at 25,000 calls a
	// second it is about 50 statements a second per node. When the last
	// reservation saw more than a quarter of maxBlock calls go while it
	// ran, the next begins with twice that left (lease.margin, up to
	// maxBlock-minPrefetch): the same held, reserved in smaller steps.
	maxBlock = 1024
	// minPrefetch is the fewest calls a background reservation takes: the
	// next block is reserved with at most maxBlock-minPrefetch left.
	minPrefetch = maxBlock / 8
	// prefetchLeft is how much a row must have left for a node to reserve
	// the next block before its calls run out (far from the limit, where a
	// block is maxBlock; nearer, blocks shrink and are reserved on demand).
	prefetchLeft = 16 * maxBlock
	// idleReturn is how long a node keeps an unused reservation after the
	// last call that could use it.
	idleReturn = time.Second
	// statementTimeout bounds a quota statement, which runs to its end
	// whatever the caller's context (its result is this node's state).
	statementTimeout = 30 * time.Second
)

// takeKey is one counter row.
type takeKey struct {
	account int64
	day     string
	path    string
}

// lease is what this node holds of one counter row.
//
// avail is changed without mu by take's fast path, only from above floor
// to at least floor: a call that would take it to floor or below (the
// next block to reserve, or none left) takes mu. Whoever reads avail
// under mu reads it once (a later read may be lower); whoever takes a
// lease out of leases zeroes it with Swap, so a call that found the lease
// in an older copy of leases admits nothing from it after that.
type lease struct {
	avail     atomic.Int64  // reserved calls not used yet
	floor     atomic.Int64  // take's fast path leaves avail above this (setFloor)
	unsettled int64         // reserved calls (used or not) still counted in the row's held
	left      int64         // limit minus the row's used after this node's last statement
	busy      chan struct{} // closed when the statement under way ends; nil if none
	settling  bool          // the statement under way settles calls (its count depends on its order with a clear's)
	clearing  chan struct{} // closed when this node's Clear of the row ends; nil if none
	margin    int64         // the next block is reserved with this many calls left (at least maxBlock/2)
	touched   atomic.Bool   // a call came since the last sweep
}

// setFloor sets the avail at or below which a call takes q.mu: where this
// call may have to start the next block's reservation (take), else where
// none is left. Called with q.mu held after busy, left or margin change.
func (l *lease) setFloor() {
	if l.busy == nil && l.left >= prefetchLeft {
		l.floor.Store(max(l.margin, maxBlock/2))
	} else {
		l.floor.Store(0)
	}
}

// publish makes hot a copy of leases; called with q.mu held after leases
// gained or lost a row.
func (q *Quotas) publish() {
	m := maps.Clone(q.leases)
	q.hot.Store(&m)
}

// NewQuotas returns the counters of d.
func NewQuotas(d *db.DB, c clock.Clock) *Quotas {
	return &Quotas{db: d, clock: c, leases: map[takeKey]*lease{}}
}

// reserveSQL adds $4 calls to the counter if they fit within $6; $5 of
// them are kept as held (the caller's own call is settled at once) after
// settling $7 of what the node held before.
const reserveSQL = `INSERT INTO api_quota (account_id, day, path, used, held) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (account_id, day, path) DO UPDATE SET used = api_quota.used + excluded.used,
	held = api_quota.held + excluded.held - ?
WHERE api_quota.used + excluded.used <= ?
RETURNING used`

// Take counts one call of path for the account and reports whether it was
// within the daily limit (paths without a limit always are). A refused
// call is not counted.
func (q *Quotas) Take(ctx context.Context, accountID int64, path string) (bool, error) {
	ok, err := q.take(ctx, accountID, path)
	if err != nil {
		// Wrapped here, not deferred: a deferred errs.Wrap boxes accountID
		// on every call, one allocation per API call.
		errs.Wrap(&err, "apitoken.Quotas.Take(%d)", accountID)
	}
	return ok, err
}

func (q *Quotas) take(ctx context.Context, accountID int64, path string) (bool, error) {
	limit, ok := DailyLimits[path]
	if !ok {
		return true, nil
	}
	if limit <= 0 {
		return false, nil
	}
	key := takeKey{account: accountID, day: Day(q.clock.Now()), path: path}
	// Fast path: a call that leaves avail above the floor needs nothing
	// else of the lease (no reservation to start), so it takes one call
	// without q.mu.
	if hot := q.hot.Load(); hot != nil {
		if l := (*hot)[key]; l != nil {
			for {
				a := l.avail.Load()
				if a-1 <= l.floor.Load() {
					break
				}
				if l.avail.CompareAndSwap(a, a-1) {
					if !l.touched.Load() {
						l.touched.Store(true)
					}
					return true, nil
				}
			}
		}
	}
	q.mu.Lock()
	for {
		l := q.leases[key]
		if l == nil {
			l = &lease{left: limit}
			l.setFloor()
			q.leases[key] = l
			q.publish()
			if !q.sweeping {
				q.sweeping = true
				go q.sweep()
			}
		}
		l.touched.Store(true)
		if a := l.avail.Load(); a > 0 {
			// The fast path takes avail no lower than floor+1 >= 1: this
			// call's one is still there.
			a = l.avail.Add(-1)
			if a <= max(l.margin, maxBlock/2) && l.busy == nil && l.left >= prefetchLeft {
				// Reserve the next block while this one lasts.
				done := make(chan struct{})
				l.busy = done
				l.setFloor()
				k, settle := maxBlock-a, l.unsettled-a
				if l.clearing != nil {
					settle = 0 // settled by a later statement (see Clear)
				}
				l.settling = settle != 0
				go q.prefetch(key, l, done, k, settle, limit)
			}
			q.mu.Unlock()
			return true, nil
		}
		if w := l.busy; w != nil {
			// Another call of this node is reserving: wait for its block.
			q.mu.Unlock()
			select {
			case <-w:
			case <-ctx.Done():
				return false, ctx.Err()
			}
			q.mu.Lock()
			continue
		}
		done := make(chan struct{})
		l.busy = done
		l.setFloor()
		k := min(maxBlock, max(l.left/16, 1))
		// The caller's own call is settled at once, and what the node held
		// before with it; while this node clears the row, nothing is
		// settled and the caller's call is held too (see Clear).
		settle, used := l.unsettled, int64(1)
		if l.clearing != nil {
			settle, used = 0, 0
		}
		l.settling = settle != 0 || used != 0
		q.mu.Unlock()
		got, left, settled, err := q.reserve(key, k, used, settle, limit)
		q.mu.Lock()
		l.busy = nil
		close(done)
		if err != nil {
			l.setFloor()
			q.mu.Unlock()
			return false, err
		}
		if settled {
			l.unsettled -= settle
		}
		l.left = left
		l.setFloor()
		if got == 0 {
			q.mu.Unlock()
			return false, nil
		}
		// This call takes one of the block; the rest wait in avail.
		l.avail.Add(got - 1)
		l.unsettled += got - used
		q.mu.Unlock()
		return true, nil
	}
}

// prefetch reserves k calls for l, a lease with calls still available,
// settling settle calls it used (l.busy is done until it ends). What the
// node holds stays within maxBlock: k is maxBlock less the calls available
// when it began, and they only go down meanwhile.
func (q *Quotas) prefetch(key takeKey, l *lease, done chan struct{}, k, settle, limit int64) {
	got, left, settled, err := q.reserve(key, k, 0, settle, limit)
	q.mu.Lock()
	l.busy = nil
	close(done)
	// The calls admitted while the statement ran (all that were left, if
	// they ran out and calls waited): the next reservation begins with
	// twice that left, so that calls do not run out while it runs as long.
	// A slow statement (a loaded machine: the goroutine's and the
	// backend's waits for a CPU) makes blocks smaller and statements
	// closer, never more held than maxBlock.
	used := maxBlock - k - l.avail.Load()
	l.margin = min(2*used, maxBlock-minPrefetch)
	if err == nil {
		// On an error nothing changed: the calls still available are used,
		// and the next call that finds none reserves and reports the error.
		if settled {
			l.unsettled -= settle
		}
		l.left = left
		l.avail.Add(got)
		l.unsettled += got
	}
	l.setFloor()
	q.mu.Unlock()
}

// reserve takes a block of k calls, or one call when k do not fit, settling
// settle calls of what the node held before; used of them are the caller's
// (admitted at once, so not held). It returns the calls granted (0 when not
// even one fits), what the row had left after the statement, and whether
// settle was applied.
func (q *Quotas) reserve(key takeKey, k, used, settle, limit int64) (got, left int64, settled bool, err error) {
	if q.beforeReserve != nil {
		q.beforeReserve()
	}
	ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
	defer cancel()
	sizes := []int64{k}
	if k > 1 {
		sizes = append(sizes, 1) // near the limit: one call may still fit
	}
	for _, n := range sizes {
		q.stmts.Add(1)
		var total int64
		err := q.db.CountQueryRow(ctx, reserveSQL, key.account, key.day, key.path, n, n-used, settle, limit).Scan(&total)
		if err == nil {
			return n, limit - total, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, 0, false, fmt.Errorf("apitoken: take quota: %w", err)
		}
	}
	// Nothing fits: settle what was held anyway, so that held stays true.
	if settle != 0 {
		q.stmts.Add(1)
		if _, err := q.db.Exec(ctx, `UPDATE api_quota SET held = held - ? WHERE account_id = ? AND day = ? AND path = ?`,
			settle, key.account, key.day, key.path); err != nil {
			return 0, 0, false, fmt.Errorf("apitoken: settle quota: %w", err)
		}
	}
	return 0, 0, settle != 0, nil
}

// sweep gives back the reservations that no call used for idleReturn,
// until this node holds none.
func (q *Quotas) sweep() {
	for {
		time.Sleep(idleReturn)
		q.mu.Lock()
		var idle []takeKey
		var gone []*lease
		var unused []int64
		for k, l := range q.leases {
			if l.touched.Load() || l.busy != nil || l.clearing != nil {
				l.touched.Store(false)
				continue
			}
			delete(q.leases, k)
			idle = append(idle, k)
			gone = append(gone, l)
			unused = append(unused, l.avail.Swap(0))
		}
		if len(idle) > 0 {
			q.publish()
		}
		last := len(q.leases) == 0
		if last {
			q.sweeping = false
		}
		q.givingBack += len(idle)
		q.mu.Unlock()
		for i, k := range idle {
			q.giveBack(k, gone[i], unused[i])
		}
		q.mu.Lock()
		q.givingBack -= len(idle)
		q.mu.Unlock()
		if last {
			return
		}
	}
}

// giveBack returns what l holds of key's row: its unused calls (unused,
// swapped out of avail when l left q.leases) leave used, and all it held
// leaves held. l is no longer in q.leases.
func (q *Quotas) giveBack(key takeKey, l *lease, unused int64) {
	if l.unsettled == 0 && unused == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
	defer cancel()
	q.stmts.Add(1)
	// A failure leaves the unused calls counted (the bound of a dead node).
	_, _ = q.db.Exec(ctx, `UPDATE api_quota SET used = used - ?, held = held - ? WHERE account_id = ? AND day = ? AND path = ?`,
		unused, l.unsettled, key.account, key.day, key.path)
}

// release gives back now what this node holds of the rows match accepts,
// waiting for statements under way on them.
func (q *Quotas) release(match func(takeKey) bool) {
	for {
		q.mu.Lock()
		var wait chan struct{}
		var keys []takeKey
		var ls []*lease
		var unused []int64
		for k, l := range q.leases {
			if !match(k) {
				continue
			}
			if l.busy != nil || l.clearing != nil {
				wait = l.busy
				if wait == nil {
					wait = l.clearing
				}
				break
			}
			delete(q.leases, k)
			keys = append(keys, k)
			ls = append(ls, l)
			unused = append(unused, l.avail.Swap(0))
		}
		if len(keys) > 0 {
			q.publish()
		}
		q.mu.Unlock()
		for i, k := range keys {
			q.giveBack(k, ls[i], unused[i])
		}
		if wait == nil {
			return
		}
		<-wait
	}
}

// Release gives back every reservation this node holds (at shutdown, so
// that other nodes can use them).
func (q *Quotas) Release() { q.release(func(takeKey) bool { return true }) }

// Exhaust uses up today's quota of path (the emulator's fault injection).
// This node gives back its reservations first; another node's are still
// admitted or given back (which opens that many calls again).
func (q *Quotas) Exhaust(ctx context.Context, accountID int64, path string) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Exhaust(%d)", accountID)
	limit, ok := DailyLimits[path]
	if !ok {
		return fmt.Errorf("%s has no daily quota", path)
	}
	day := Day(q.clock.Now())
	q.release(func(k takeKey) bool { return k == takeKey{accountID, day, path} })
	_, err = q.db.Exec(ctx, `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, day, path) DO UPDATE SET used = excluded.used`, accountID, day, path, limit)
	return err
}

// Used returns today's count: the calls admitted, and the calls other
// nodes reserved and have not used yet (this node's are left out).
func (q *Quotas) Used(ctx context.Context, accountID int64, path string) (_ int64, err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Used(%d)", accountID)
	day := Day(q.clock.Now())
	var n int64
	err = q.db.WriterQueryRow(ctx, `SELECT used FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`,
		accountID, day, path).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	q.mu.Lock()
	if l := q.leases[takeKey{accountID, day, path}]; l != nil {
		n -= l.avail.Load()
	}
	q.mu.Unlock()
	return max(n, 0), nil
}

// Clear resets one path's counter for today (openapi/quota/clear), or
// every path's when path is "". What nodes hold stays counted (used
// becomes held), so the calls other nodes admit from blocks reserved
// before the clear count against the cleared quota. This node keeps its
// blocks, so its calls go on from them without waiting for a new
// reservation: of what it holds, only the calls it admitted before the
// clear leave the new count (used becomes held less them), and its unused
// calls stay reserved, as any block is. The clear first waits for this
// node's reservation under way if it settles part of what the node holds;
// from then until the clear's statement ends, the node's reservations
// settle nothing and hold the caller's call too (later ones settle it), so
// they and the clear's statement give the same count in either order, and
// calls go on from the blocks (and new ones) meanwhile.
func (q *Quotas) Clear(ctx context.Context, accountID int64, path string) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Clear(%d)", accountID)
	day := Day(q.clock.Now())
	held, done := q.beginClear(func(k takeKey) bool {
		return k.account == accountID && k.day == day && (path == "" || k.path == path)
	})
	// What the node admitted from blocks not settled yet: the calls it
	// reserved and still counts in held, less those it has not used.
	// Calls admitted while the statement runs come from the unused part,
	// so they count after the clear.
	var sb strings.Builder
	var args []any
	sb.WriteString(`UPDATE api_quota SET used = held`)
	q.mu.Lock()
	n := 0
	for k, l := range held {
		if x := l.unsettled - l.avail.Load(); x != 0 {
			if n == 0 {
				sb.WriteString(` - CASE`)
			}
			sb.WriteString(` WHEN path = ? THEN ?`)
			args = append(args, k.path, x)
			n++
		}
	}
	q.mu.Unlock()
	if q.beforeClear != nil {
		q.beforeClear()
	}
	if n > 0 {
		sb.WriteString(` ELSE 0 END`)
	}
	sb.WriteString(` WHERE account_id = ? AND day = ?`)
	args = append(args, accountID, day)
	if path != "" {
		sb.WriteString(` AND path = ?`)
		args = append(args, path)
	}
	sb.WriteString(` RETURNING path, used`)
	// What each row has left after the clear, for this node's block sizes.
	left := map[string]int64{}
	if path != "" {
		// One path: one statement, run as the reservations are (a counter
		// write, whose commit on PostgreSQL does not wait for the disk), so
		// that it holds the row for less time.
		var used int64
		err = q.db.CountQueryRow(ctx, sb.String(), args...).Scan(new(string), &used)
		if err == nil {
			left[path] = DailyLimits[path] - used
		} else if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	} else {
		err = q.db.Tx(ctx, func(tx *db.Tx) error {
			clear(left)
			rows, err := tx.Query(ctx, sb.String(), args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var p string
				var used int64
				if err := rows.Scan(&p, &used); err != nil {
					return err
				}
				left[p] = DailyLimits[p] - used
			}
			return rows.Err()
		})
	}
	q.mu.Lock()
	for k, l := range held {
		if err == nil {
			if v, ok := left[k.path]; ok {
				l.left = v
			}
		}
		l.setFloor()
		l.clearing = nil
	}
	close(done)
	q.mu.Unlock()
	return err
}

// beginClear marks the leases of the rows match accepts as cleared by
// this node (done, closed by the caller after its statement, with each
// lease's clearing set back to nil), after any other clear of theirs by
// this node has ended, and waits for their settling reservations under
// way. It returns the leases.
func (q *Quotas) beginClear(match func(takeKey) bool) (map[takeKey]*lease, chan struct{}) {
	q.mu.Lock()
	q.waitFor(func() chan struct{} {
		for k, l := range q.leases {
			if match(k) && l.clearing != nil {
				return l.clearing
			}
		}
		return nil
	})
	done := make(chan struct{})
	held := map[takeKey]*lease{}
	for k, l := range q.leases {
		if match(k) {
			l.clearing = done
			held[k] = l
		}
	}
	// Reservations that begin from now settle nothing; wait for those
	// that began before and do.
	q.waitFor(func() chan struct{} {
		for _, l := range held {
			if l.busy != nil && l.settling {
				return l.busy
			}
		}
		return nil
	})
	q.mu.Unlock()
	return held, done
}

// waitFor waits until find, called with q.mu held, finds nothing to wait
// for; q.mu is held when it is called and when it returns, and released
// while it waits.
func (q *Quotas) waitFor(find func() chan struct{}) {
	for w := find(); w != nil; w = find() {
		q.mu.Unlock()
		<-w
		q.mu.Lock()
	}
}

// ClearAll is clear_quota: every counter of the account back to zero, at
// most MaxClearQuotaMonth times a month (then ErrClearLimit). The monthly
// allowance is taken with one atomic statement, so two nodes clearing at
// once cannot both take the last one.
func (q *Quotas) ClearAll(ctx context.Context, accountID int64) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.ClearAll(%d)", accountID)
	month := Month(q.clock.Now())
	var n int
	err = q.db.WriterQueryRow(ctx, `INSERT INTO api_state (account_id, clear_month, clear_count) VALUES (?, ?, 1)
		ON CONFLICT (account_id) DO UPDATE SET
			clear_count = CASE WHEN api_state.clear_month = excluded.clear_month THEN api_state.clear_count + 1 ELSE 1 END,
			clear_month = excluded.clear_month
		WHERE api_state.clear_month <> excluded.clear_month OR api_state.clear_count < ?
		RETURNING clear_count`, accountID, month, MaxClearQuotaMonth).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrClearLimit
	}
	if err != nil {
		return err
	}
	return q.Clear(ctx, accountID, "")
}

// DeleteBefore drops the counters of days before day (they no longer limit
// anything) and returns how many rows went.
func (q *Quotas) DeleteBefore(ctx context.Context, day string) (_ int64, err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.DeleteBefore()")
	res, err := q.db.Exec(ctx, `DELETE FROM api_quota WHERE day < ?`, day)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
