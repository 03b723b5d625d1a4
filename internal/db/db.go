// Package db is the thin layer every store uses: one API over SQLite
// (modernc.org/sqlite, one writer connection plus a read pool) and PostgreSQL
// (pgx through database/sql). Queries are written once with ? placeholders and
// portable SQL; the few dialect differences live in dialect.go.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/errs"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (PostgreSQL's: postgres.go)
)

// Dialect names the database engine.
type Dialect int

// The supported engines.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// ErrNotFound is returned by store methods when the row does not exist. It is
// of kind errs.KindNotFound, so pages show a 404.
var ErrNotFound = &errs.Error{Kind: errs.KindNotFound, Message: "Not found."}

// Querier is what both *DB and *Tx offer, so store helpers can run inside or
// outside a transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is a handle on the application database.
type DB struct {
	dialect     Dialect
	w           *sql.DB // writes and transactions (SQLite: exactly one connection)
	r           *sql.DB // reads (SQLite: a pool of read-only connections; Postgres: same as w)
	pr          *sql.DB // SQLite in a file: short point reads (PointQuery), readers without the mapping; else nil
	url         string
	counts      *sql.DB  // PostgreSQL: connections with synchronous_commit off, for counters (CountQueryRow)
	keep        *sql.DB  // in-memory SQLite: a connection that keeps the database alive
	rebinds     sync.Map // query text -> Postgres form (bounded: rebindCount)
	rebindCount atomic.Int64
	stmts       atomic.Int64  // statements run through this DB, its transactions and prepared reads
	rstmts      *stmtCache    // SQLite: the read pool's prepared statements (nil on PostgreSQL)
	wstmts      *stmtCache    // SQLite: the writer's prepared statements, outside transactions (nil on PostgreSQL)
	noSnapshot  bool          // Migrate runs every migration, even on an empty SQLite database (tests)
	slots       chan struct{} // SQLite: one per P, taken by long reads (ReadSlot); nil on PostgreSQL
	entries     *entryQueue   // SQLite: one entry per reader, held while a read takes its connection (enterRead); nil on PostgreSQL
	prstmts     *stmtCache    // the point readers' prepared statements (nil without them)
	pentries    *entryQueue   // the point readers' entries, as entries (nil without them)
	ckpt        *checkpointer // SQLite in a file: runs the WAL's checkpoints off the writer (checkpoint.go); else nil

	followerGen    atomic.Int64                             // committed writes of follower data of no declared scope (followers.go)
	accountGen     [accountCounters]atomic.Int64            // … declared for one account, by a hash of it
	followerKeyGen [followerCounters]atomic.Int64           // … declared for one follower, by a hash of account and openid
	followerHook   atomic.Pointer[func(keys []FollowerKey)] // called after each, to tell other nodes
}

// Statements returns how many statements this DB has run so far (through
// it, its transactions and its prepared reads): benchmarks report queries
// per request from the difference.
func (db *DB) Statements() int64 { return db.stmts.Load() }

// Open connects to databaseURL, or to SQLite at dataDir/herald.db when
// databaseURL is empty. It does not migrate.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		return openPostgres(ctx, databaseURL)
	}
	if databaseURL == MemoryURL {
		return OpenMemory(ctx)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite://"), "sqlite:")
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("db: create data directory: %w", err)
		}
		path = filepath.Join(dataDir, "herald.db")
	}
	return openSQLite(ctx, path)
}

func openPostgres(ctx context.Context, u string) (*DB, error) {
	if !postgresBuilt {
		return nil, errNoPostgres
	}
	pool, err := sql.Open("pgx", u)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect to postgres: %w", err)
	}
	// Counters (quotas, rate limits) are written on every API call or chat
	// message; waiting for each commit's WAL flush would cost a disk sync
	// each (milliseconds). These connections commit without waiting.
	cu, err := url.Parse(u)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: postgres URL: %w", err)
	}
	q := cu.Query()
	q.Set("synchronous_commit", "off")
	cu.RawQuery = q.Encode()
	counts, err := sql.Open("pgx", cu.String())
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	counts.SetMaxOpenConns(8)
	counts.SetMaxIdleConns(8)
	counts.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, w: pool, r: pool, counts: counts, url: u}, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// busy_timeout first so the journal_mode change itself can wait for a lock.
	// Every connection's settings but its page cache (KiB), which the
	// point readers keep small.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" +
		"_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"
	cache := func(kb int) string { return "&_pragma=cache_size(-" + strconv.Itoa(kb) + ")" }
	// The writer checkpoints the WAL itself past walBackstopPages, what the
	// checkpointer has not copied yet (checkpoint.go; only the writer
	// commits, so the setting is the writer's).
	dsn := base + cache(65536) + "&_pragma=wal_autocheckpoint(" + strconv.Itoa(walBackstopPages) + ")"
	// The readers map the database file (at most its first
	// SQLITE_MAX_MMAP_SIZE, 2 GB less 64 KB in modernc's build). A read
	// transaction then takes each page not in the WAL straight from the
	// mapping instead of through SQLite's page cache, and modernc builds
	// SQLite with SQLITE_ENABLE_MEMORY_MANAGEMENT, which puts every
	// connection's page cache behind one process-wide mutex taken for every
	// page a statement touches: with four readers that mutex was where the
	// Subscriptions folder spent its concurrency (docs/performance.md).
	// The mapping is shared by the readers and is the kernel's page cache,
	// so a reader whose own cache is cold reads no file. The writer keeps
	// the page cache (SQLite never writes through the mapping).
	db, err := openSQLiteDSN(ctx, dsn, path, 4, "&_pragma=mmap_size("+strconv.Itoa(readerMmapSize)+")")
	if err != nil {
		return nil, err
	}
	// The point readers (PointQuery, PreparePointRead) read one or a few
	// rows by key, user/info's. A mapped reader drops its mapping at its
	// first read after any commit and faults its pages in again
	// (btreeInitPage, munmap); for a read of a few pages that is most of
	// its cost, and the page cache, emptied by a commit too, reads those
	// few pages again for less (docs/performance.md). Their caches are
	// small for that reason: a commit empties them anyway.
	pr, err := sql.Open("sqlite", base+cache(pointCacheKB)+"&_pragma=query_only(1)&_pragma=mmap_size(0)")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("db: open sqlite point readers: %w", err)
	}
	pr.SetMaxOpenConns(pointReaders)
	pr.SetMaxIdleConns(pointReaders)
	db.pr, db.prstmts, db.pentries = pr, newStmtCache(pr), newEntryQueue(pointReaders)
	// The checkpointer's connection: a small page cache (a checkpoint
	// copies pages from the log to the file without its cache).
	ck, err := sql.Open("sqlite", base+cache(1024))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("db: open sqlite checkpointer: %w", err)
	}
	db.ckpt = startCheckpointer(ck)
	return db, nil
}

// pointReaders is how many connections the SQLite point readers have, and
// pointCacheKB each one's page cache (KiB).
const (
	pointReaders = 4
	pointCacheKB = 8192
)

// readerMmapSize is the mapping the SQLite readers ask for: modernc's
// SQLITE_MAX_MMAP_SIZE, the most SQLite maps (a larger request is cut to
// it). Pages past it are read through the page cache as before.
const readerMmapSize = 0x7fff0000

// openSQLiteDSN opens the writer and a pool of readers readers on dsn
// (readerParams added to theirs).
func openSQLiteDSN(ctx context.Context, dsn, path string, readers int, readerParams string) (*DB, error) {
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1) // one writer: SQLite serialises writes anyway
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)"+readerParams)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	return &DB{dialect: SQLite, w: w, r: r, url: path, rstmts: newStmtCache(r), wstmts: newStmtCache(w),
		slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0))), entries: newEntryQueue(readers)}, nil
}

// enterRead waits for one of the read pool's entries, in the order reads
// arrive, and returns false if ctx ends first (the read then runs under
// the ended ctx, and database/sql returns its error without running it).
// database/sql hands a connection given back to a random one of the reads
// waiting for it, so under load (a hundred requests on SQLite's four
// readers) a page's five or six reads each waited a random time and the
// slowest pages waited several times the mean. A read holds its entry
// only while it takes a connection and starts (QueryContext,
// QueryRowContext), so at most as many reads as there are readers wait
// in database/sql, and the rest wait here, first come first served (a
// channel's waiters are woken in order). Rows still open hold a
// connection but no entry.
func (db *DB) enterRead(ctx context.Context) bool { return enter(ctx, db.entries) }

// leaveRead gives back the entry enterRead took.
func (db *DB) leaveRead() { leave(db.entries) }

// entryQueue is one read pool's entries (see enterRead), and how many
// reads found them all taken and how long they waited, for the metrics:
// database/sql's own wait figures miss these reads, since at most one
// read a connection waits inside database/sql.
type entryQueue struct {
	ch       chan struct{}
	waits    atomic.Int64
	waitNano atomic.Int64
}

func newEntryQueue(n int) *entryQueue { return &entryQueue{ch: make(chan struct{}, n)} }

// enter is enterRead on the entries of one pool (none: nil).
func enter(ctx context.Context, q *entryQueue) bool {
	if q == nil {
		return true
	}
	select { // a free entry first, even when ctx has ended too
	case q.ch <- struct{}{}:
		return true
	default:
	}
	start := time.Now()
	defer func() {
		q.waits.Add(1)
		q.waitNano.Add(int64(time.Since(start)))
	}()
	select {
	case q.ch <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func leave(q *entryQueue) {
	if q != nil {
		<-q.ch
	}
}

// ReadSlot waits for one of the process's read slots and returns the
// function that gives it back; a long read of many statements (the
// Subscriptions folder of a reader who follows many accounts) takes one
// for its whole run. On SQLite there are
// as many slots as Go runs goroutines at once (GOMAXPROCS when the
// database was opened): SQLite runs inside this process, its page cache
// and allocator have process-wide mutexes, and with more goroutines in
// SQLite than Ps the holder of such a mutex waits in a run queue while
// the others park on it; Go's mutex then turns to handing itself over in
// order, a goroutine switch per page. Four folder reads on two cores ran
// 15-25 % slower than two. A read that waits for a slot holds no
// connection, so it cannot keep a slot holder from the read pool (which
// is larger), and other reads (pages, exports, streams) take no slot and
// are not held up by it. On PostgreSQL the reads run in the server's
// processes, on its cores, and there is no limit. It returns ctx's error
// if ctx ends first.
func (db *DB) ReadSlot(ctx context.Context) (release func(), err error) {
	if db.slots == nil {
		return func() {}, nil
	}
	select { // a free slot first, even when ctx has ended too
	case db.slots <- struct{}{}:
		return db.releaseSlot, nil
	default:
	}
	select {
	case db.slots <- struct{}{}:
		return db.releaseSlot, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (db *DB) releaseSlot() { <-db.slots }

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// URL returns what Open needs to open this database again: the PostgreSQL
// URL, or "sqlite:" and the file's path.
func (db *DB) URL() string {
	if db.dialect == Postgres {
		return db.url
	}
	return "sqlite:" + db.url
}

// Close closes every connection.
func (db *DB) Close() error {
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	err = errors.Join(err, db.w.Close())
	if db.keep != nil {
		err = errors.Join(err, db.keep.Close())
	}
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.pr != nil {
		err = errors.Join(err, db.pr.Close())
	}
	if db.counts != nil {
		err = errors.Join(err, db.counts.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// PoolStats is one connection pool's statistics: database/sql's, and the
// reads that waited in the pool's own queue of entries (enterRead) before
// they asked database/sql for a connection.
type PoolStats struct {
	Name string // "writer"; on SQLite also "reader", and "point" in a file
	sql.DBStats
	Queued     int64         // reads that found every entry taken and waited
	QueuedWait time.Duration // how long they waited, in all
}

// Stats returns the statistics of each connection pool: the writer (on
// PostgreSQL the one pool), SQLite's readers, and SQLite's point readers
// when the database is a file.
func (db *DB) Stats() []PoolStats {
	out := []PoolStats{{Name: "writer", DBStats: db.w.Stats()}}
	if db.dialect != SQLite {
		return out
	}
	pool := func(name string, p *sql.DB, q *entryQueue) PoolStats {
		s := PoolStats{Name: name, DBStats: p.Stats()}
		if q != nil {
			s.Queued, s.QueuedWait = q.waits.Load(), time.Duration(q.waitNano.Load())
		}
		return s
	}
	out = append(out, pool("reader", db.r, db.entries))
	if db.pr != nil {
		out = append(out, pool("point", db.pr, db.pentries))
	}
	return out
}

// Exec runs a statement on the writer.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	db.stmts.Add(1)
	var res sql.Result
	err := retryBusy(ctx, db.dialect, func() error {
		var err error
		if st := db.wstmts.get(ctx, query); st != nil {
			res, err = st.ExecContext(ctx, args...)
			return err
		}
		res, err = db.w.ExecContext(ctx, db.rebind(query), args...)
		return err
	})
	db.noteWrite(query)
	db.wroteWAL()
	return res, err
}

// Query runs a read on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.queryOn(ctx, db.r, db.rstmts, db.entries, query, args...)
}

// queryOn runs a read on one read pool: its prepared statements and its
// entries (enter).
func (db *DB) queryOn(ctx context.Context, pool *sql.DB, stmts *stmtCache, entries *entryQueue, query string, args ...any) (*sql.Rows, error) {
	db.stmts.Add(1)
	mustNotWriteFollowers(query)
	if !enter(ctx, entries) {
		return nil, ctx.Err()
	}
	defer leave(entries)
	ctx, err := readCtx(ctx)
	if err != nil {
		return nil, err
	}
	if st := stmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return pool.QueryContext(ctx, db.rebind(query), args...)
}

// PointQuery is Query for short reads of a few rows by key (user/info's
// read-ahead): on SQLite in a file they run on the point readers, which
// do not map the file (openSQLite); elsewhere on the read pool.
func (db *DB) PointQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.pr == nil {
		return db.Query(ctx, query, args...)
	}
	return db.queryOn(ctx, db.pr, db.prstmts, db.pentries, query, args...)
}

// QueryRow runs a single-row read on the read pool. Use Get to turn
// sql.ErrNoRows into ErrNotFound.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	db.stmts.Add(1)
	mustNotWriteFollowers(query)
	if db.enterRead(ctx) {
		defer db.leaveRead()
		ctx = rowCtx(ctx)
	}
	if st := db.rstmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, db.rebind(query), args...)
}

// WriterQueryRow runs a single-row query on the writer: for INSERT ...
// RETURNING, or a read that must see the latest committed write.
func (db *DB) WriterQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	db.stmts.Add(1)
	mustNotWriteFollowers(query)
	ctx = rowCtx(ctx)
	// The statement's commit comes when its row is read, after this wake:
	// the checkpointer may copy the log before it, and then copies its
	// pages with the next commit's.
	defer db.wroteWAL()
	if st := db.wstmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.w.QueryRowContext(ctx, db.rebind(query), args...)
}

// CountQueryRow runs a single-statement write of a counter (a quota, a
// rate limit) and returns its row. It is as atomic and as immediately
// visible to every node as any write; on PostgreSQL its commit does not
// wait for the WAL to reach the disk (synchronous_commit off), so it costs
// no disk sync, and a crash of the database server itself may forget the
// last fraction of a second of counts. On SQLite it is WriterQueryRow.
func (db *DB) CountQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.counts == nil {
		return db.WriterQueryRow(ctx, query, args...)
	}
	db.stmts.Add(1)
	mustNotWriteFollowers(query)
	return db.counts.QueryRowContext(rowCtx(ctx), db.rebind(query), args...)
}

// Tx runs fn in a transaction on the writer, committing when fn returns nil.
// On SQLite a busy database is retried a few times with backoff. fn must use
// the *Tx it is given, never the *DB: on SQLite the writer has one connection,
// and fn already holds it.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return retryBusy(ctx, db.dialect, func() error {
		sqlTx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		return db.run(sqlTx, nil, fn)
	})
}

// run runs fn in the begun transaction sqlTx (on conn, in BulkTx), rolling
// back when fn fails and calling the after-commit functions when it commits.
func (db *DB) run(sqlTx *sql.Tx, conn *sql.Conn, fn func(tx *Tx) error) error {
	tx := &Tx{tx: sqlTx, db: db, conn: conn}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		if tx.followers {
			// In-memory SQLite's readers read uncommitted rows (OpenMemory),
			// so a reader may have seen what is now rolled back.
			db.followerWrite(tx.writtenScopes())
		}
		return err
	}
	err := sqlTx.Commit()
	db.wroteWAL()
	if tx.followers {
		db.followerWrite(tx.writtenScopes()) // even after a failed commit, which may have been applied
	}
	if err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// BulkTx is Tx for bulk loads: inside it, tx.CopyIn streams rows into a
// table (a temporary one made in the transaction, typically) with COPY on
// PostgreSQL. It holds one connection of the pool for its whole run.
func (db *DB) BulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect != Postgres {
		return db.Tx(ctx, fn)
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: connect: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn panicked: conn.Close would wait for the transaction
			_ = sqlTx.Rollback()
		}
	}()
	err = db.run(sqlTx, conn, fn)
	done = true
	return err
}

// BulkTxOwnKeys is BulkTx for a bulk write that has read, in the same
// transaction, every row its new rows refer to: on SQLite the writer does
// not enforce foreign keys during it, which spares each row it writes an
// index look-up per reference (a tag membership's tag and person: about a
// third of what inserting it costs). SQLite switches enforcement per
// connection and only outside a transaction, so the writer is taken for
// the whole call, enforcement is turned off before BEGIN and on again
// after the commit or rollback (a panic in fn included); a connection on
// which it cannot be turned on again is closed, never given back to the
// pool. fn must write only rows whose references it read in the
// transaction (the single writer then guarantees they still exist) and
// must not delete or rekey rows others refer to: no ON DELETE action runs
// either. On PostgreSQL it is BulkTx, and foreign keys are enforced.
//
// On SQLite in a file its commit also leaves the WAL's checkpoint to the
// checkpointer, however many pages it wrote (checkpoint.go): the writer's
// own mark is lifted for the call and set again with the foreign keys.
func (db *DB) BulkTxOwnKeys(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == Postgres {
		return db.BulkTx(ctx, fn)
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: connect: %w", err)
	}
	defer writerBack(conn, db.ckpt != nil)
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("db: foreign keys off: %w", err)
	}
	if db.ckpt != nil {
		if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
			return fmt.Errorf("db: checkpoint mark off: %w", err)
		}
	}
	return retryBusy(ctx, db.dialect, func() error {
		sqlTx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		done := false
		defer func() {
			if !done { // fn panicked: writerBack needs the transaction ended
				_ = sqlTx.Rollback()
			}
		}()
		err = db.run(sqlTx, nil, fn)
		done = true
		db.ckpt.wakeNow()
		return err
	})
}

// writerBack turns SQLite's foreign-key enforcement on again on conn (the
// writer, after BulkTxOwnKeys), and with mark its checkpoint mark
// (walBackstopPages), and gives it back to the pool; when either cannot be
// confirmed, the connection is closed instead (the pool opens a new one,
// with both from its DSN).
func writerBack(conn *sql.Conn, mark bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	on, pages := 0, walBackstopPages
	_, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
	if err == nil {
		err = conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on)
	}
	if err == nil && mark {
		if _, err = conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = `+strconv.Itoa(walBackstopPages)); err == nil {
			err = conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages)
		}
	}
	if err != nil || on != 1 || pages != walBackstopPages {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

// Tx is a transaction on the writer.
type Tx struct {
	tx    *sql.Tx
	db    *DB
	after []func()
	conn  *sql.Conn // PostgreSQL, in BulkTx: the transaction's connection, for COPY
	// followers: a statement of the transaction may have written follower
	// data (followers.go); its commit bumps the generation, or the
	// counters of scopes when it declared them (ScopeFollower).
	followers  bool
	scopes     []FollowerKey
	overScoped bool // declared more than maxScopes: global
}

// AfterCommit runs f once the transaction has committed (never when it
// rolls back), after the writer is released: work stored in the
// transaction can start there.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Dialect reports the engine.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tx.db.stmts.Add(1)
	tx.note(query)
	return tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.db.stmts.Add(1)
	tx.note(query)
	return tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
}

// Prepare prepares a statement for repeated use in the transaction (bulk
// loads, where parsing a long statement each time would dominate); it is
// closed with the transaction.
func (tx *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	tx.note(query)
	return tx.tx.PrepareContext(ctx, tx.db.rebind(query))
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	tx.db.stmts.Add(1)
	tx.note(query)
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

// Get scans a single row, turning sql.ErrNoRows into ErrNotFound.
func Get(row *sql.Row, dest ...any) error {
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Collect reads every row with scan, closing rows.
func Collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL. Queries must
// not contain a literal question mark.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	if v, ok := db.rebinds.Load(q); ok {
		return v.(string)
	}
	out, n := rebindPostgres(q)
	// Constant queries are cached; one built with a variable-length IN
	// list (many placeholders) would fill the cache with one entry per
	// length, so those are rewritten each time, and the cache is bounded.
	if n <= maxCachedPlaceholders && db.rebindCount.Load() < maxRebinds {
		if _, loaded := db.rebinds.LoadOrStore(q, out); !loaded {
			db.rebindCount.Add(1)
		}
	}
	return out
}

// Bounds of the rebind cache.
const (
	maxRebinds            = 4096
	maxCachedPlaceholders = 64
)

// rebindPostgres rewrites the ? placeholders of q as $1, $2, ... and
// returns how many there were. A ? inside a string literal ('...'), a
// quoted identifier ("...") or a comment is text, not a placeholder.
func rebindPostgres(q string) (string, int) {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '\'' || c == '"':
			// Up to the closing quote; a doubled quote is the quote itself
			// and simply closes and reopens the run.
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String(), n
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
			continue
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String(), n
			}
			b.WriteString(q[i : i+j])
			i += j - 1
			continue
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String(), n
			}
			b.WriteString(q[i : i+j+4])
			i += j + 3
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), n
}

// Micro converts a time to the stored form: Unix microseconds, UTC.
func Micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicro converts a stored timestamp back to a UTC time (zero for 0).
func FromMicro(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}
