package db

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// SQLite in a file writes each commit to its write-ahead log (WAL), and a
// checkpoint copies the log's pages back into the database file so that
// the log can start again from its beginning. SQLite's own rule runs the
// checkpoint on the connection that committed, right after its commit,
// whenever the log holds 1,000 pages or more: on Herald's one writer that
// put every checkpoint on the path of the writes (the commit that passed
// the mark waited for it, and so did every write queued behind it; a
// million-line follower CSV import spent about a tenth of its writer's
// time there). A checkpointer of its own, one connection and one
// goroutine, runs them instead: every commit on the writer wakes it (the
// Exec, WriterQueryRow and transaction paths call wroteWAL), and it runs
// a PASSIVE checkpoint, which copies what the log holds without waiting
// for readers or the writer and without stopping them, at most once every
// checkpointEvery (the commits of that time are copied together, as
// SQLite's mark copied those of 1,000 pages together), and at once after a
// bulk transaction. The writer's next transaction restarts the log from
// its beginning when the log has been copied in full, as before.
//
// The log stays bounded, and as short as before, when the checkpointer
// falls behind (a writer that never finds the log copied in full when it
// begins never restarts it): the writer keeps SQLite's rule and mark,
// walBackstopPages, and checkpoints itself when the log reaches it; by
// then the checkpointer has usually copied most of the log, and a
// checkpoint copies only what is not yet copied (none at all: no sync
// either). A larger mark lets the log run longer between restarts, which
// made the push log's writer slower (docs/performance.md). A bulk
// transaction (BulkTxOwnKeys) lifts the mark for its own commit, so the
// caller that wrote many pages does not wait for them to be copied; the
// checkpointer copies them once it has committed, and the next commit
// applies the mark again. So the log holds at most the mark, one bulk
// transaction and the commit in progress (beside what readers still
// reading old pages keep from being copied, as before).
//
// Crash safety does not change: a checkpoint only copies pages already
// committed to the log, syncing the log before and the database file
// after, on whichever connection runs it.

const (
	// checkpointEvery is the shortest time between two of the
	// checkpointer's checkpoints but for those after bulk transactions
	// (wakeNow): the commits of that time are copied together, each
	// checkpoint syncing the log and the database file once.
	checkpointEvery = 200 * time.Millisecond
	// walBackstopPages is the writer's own checkpoint mark (pages of the
	// log), SQLite's: the writer copies what the checkpointer has not
	// copied yet when the log reaches it.
	walBackstopPages = 1000
)

// checkpointer runs SQLite's checkpoints on a connection of its own (see
// above).
type checkpointer struct {
	conn   *sql.DB
	kick   chan struct{}
	now    chan struct{} // a bulk transaction committed: no wait
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	runs   atomic.Int64 // checkpoints run
	last   atomic.Pointer[checkpointResult]
}

// checkpointResult is what one checkpoint reported: the pages in the log
// and how many of them are copied into the database file.
type checkpointResult struct {
	Busy, Log, Copied int64
}

func startCheckpointer(conn *sql.DB) *checkpointer {
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, kick: make(chan struct{}, 1), now: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go c.loop()
	return c
}

// wake asks for a checkpoint (without waiting for it); a request made
// while one is pending is the same request.
func (c *checkpointer) wake() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// wakeNow is wake for the commit of a bulk transaction: its pages are
// copied without waiting for checkpointEvery to pass, so that the next
// commit finds them copied or being copied (not past the writer's mark).
func (c *checkpointer) wakeNow() {
	if c == nil {
		return
	}
	c.wake()
	select {
	case c.now <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	var prev checkpointResult
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.kick:
		}
		select { // this run copies what a bulk transaction committed before it
		case <-c.now:
		default:
		}
		var r checkpointResult
		if err := c.conn.QueryRowContext(c.ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&r.Busy, &r.Log, &r.Copied); err == nil {
			c.runs.Add(1)
			c.last.Store(&r)
			// Pages left: a commit that ended while it ran (its wake may
			// have come before its pages were in the log) is copied by the
			// next run. A log left as it was (a reader still reads pages
			// it would overwrite) waits for the next commit instead.
			if r.Copied < r.Log && r != prev {
				c.wake()
			}
			prev = r
		}
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(checkpointEvery):
		case <-c.now:
		}
	}
}

// close stops the checkpointer (a checkpoint under way is interrupted)
// and closes its connection.
func (c *checkpointer) close() error {
	c.cancel()
	<-c.done
	return c.conn.Close()
}

// wroteWAL tells the checkpointer that the writer committed (or may have).
func (db *DB) wroteWAL() { db.ckpt.wake() }
