package db

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared is a read statement prepared once (on first use) on the read
// pool, for hot paths where parsing the SQL on every call would dominate
// (the developer API's token-authenticated reads). database/sql prepares
// it again on each pooled connection as needed.
type Prepared struct {
	db    *DB
	query string
	point bool // on the point readers (PreparePointRead)
	once  sync.Once
	stmt  *sql.Stmt
}

// PrepareRead returns a lazily prepared read statement; query uses ?
// placeholders like every other query.
func (db *DB) PrepareRead(query string) *Prepared { return &Prepared{db: db, query: query} }

// PreparePointRead is PrepareRead for a short read of a row by key
// (user/info's): on SQLite in a file it runs on the point readers
// (PointQuery), elsewhere on the read pool.
func (db *DB) PreparePointRead(query string) *Prepared {
	return &Prepared{db: db, query: query, point: db.pr != nil}
}

func (p *Prepared) prepare() *sql.Stmt {
	p.once.Do(func() {
		pool := p.db.r
		if p.point {
			pool = p.db.pr
		}
		if s, err := pool.PrepareContext(context.Background(), p.db.rebind(p.query)); err == nil {
			p.stmt = s
		}
	})
	return p.stmt
}

// QueryRow runs the statement (or, if it could not be prepared, the plain
// query) on the read pool.
func (p *Prepared) QueryRow(ctx context.Context, args ...any) *sql.Row {
	mustNotWriteFollowers(p.query)
	if s := p.prepare(); s != nil {
		p.db.stmts.Add(1)
		entries := p.db.entries
		if p.point {
			entries = p.db.pentries
		}
		if enter(ctx, entries) {
			defer leave(entries)
			ctx = rowCtx(ctx)
		}
		return s.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRow(ctx, p.query, args...)
}

// WriteStmt is a write statement run many times inside transactions (a
// multi-row INSERT of a fixed number of rows, say), prepared once on
// SQLite's writer instead of parsed at every run: SQLite parses and plans
// a statement whenever it is prepared, which for a long INSERT costs about
// as much as binding its values. On PostgreSQL pgx keeps prepared
// statements per connection by itself; there it only saves rewriting the
// placeholders at every run.
type WriteStmt struct {
	db    *DB
	query string // in the engine's form ($1… on PostgreSQL)
	// followers says whether the statement writes follower data, read
	// from its text once: a transaction notes it at every run, and a long
	// statement's text (past maxCachedQuery, a 64-row INSERT, say) is not
	// in writesFollowerData's cache, so it would be split into words again
	// at each run.
	followers bool
	mu        sync.Mutex
	stmt      *sql.Stmt
}

// PrepareWrite returns a write statement to run with Tx.ExecStmt; query
// uses ? placeholders like every other query. It is prepared by Prepare.
func (db *DB) PrepareWrite(query string) *WriteStmt {
	q := query
	if db.dialect == Postgres {
		q, _ = rebindPostgres(query)
	}
	return &WriteStmt{db: db, query: q, followers: classify(query)}
}

// Prepare prepares the statement on SQLite's writer unless it already is.
// Call it outside any transaction: the writer has one connection, which a
// transaction holds. A statement that cannot be prepared (its table is not
// there yet, say) is run as text by ExecStmt and prepared at a later call.
func (s *WriteStmt) Prepare(ctx context.Context) {
	if s.db.dialect != SQLite {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt != nil {
		return
	}
	if st, err := s.db.w.PrepareContext(context.WithoutCancel(ctx), s.query); err == nil {
		s.stmt = st
	}
}

// ExecStmt runs s in the transaction: through the writer's prepared
// statement when it is prepared (database/sql reuses it on the
// transaction's connection, or prepares it there if that connection is a
// new one), otherwise as text.
func (tx *Tx) ExecStmt(ctx context.Context, s *WriteStmt, args ...any) (sql.Result, error) {
	tx.db.stmts.Add(1)
	if s.followers {
		tx.followers = true
	}
	s.mu.Lock()
	st := s.stmt
	s.mu.Unlock()
	if st != nil && tx.conn == nil {
		ts := tx.tx.StmtContext(ctx, st)
		defer ts.Close()
		return ts.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, s.query, args...)
}
