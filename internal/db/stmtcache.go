package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds how many distinct query texts a pool keeps
// prepared. Herald's queries are constants, so the cache fills with the
// ones in use and stops there; queries built at run time beyond the bound
// are simply parsed each time, as without the cache.
const maxCachedStatements = 512

// maxCachedQuery is the longest query text that is kept prepared. Longer
// texts are the generated ones — multi-row INSERTs of a batch, IN lists of
// a page — whose text changes with the batch, and whose compiled
// programs are large: kept, they would fill the cache and hold memory for
// statements that rarely run again.
const maxCachedQuery = 4096

// stmtCache keeps the statements of one SQLite pool prepared, by query
// text. SQLite parses and plans a statement every time it is prepared,
// and for the short indexed reads of a page that costs more than running
// them; a prepared statement is reset and run again instead.
// database/sql prepares a cached statement on each pooled connection the
// first time it runs there and reuses it afterwards. SQLite prepares
// statements again by itself when the schema changes (migrations).
//
// PostgreSQL does not use it: pgx already keeps prepared statements per
// connection.
type stmtCache struct {
	pool *sql.DB
	m    sync.Map // query text -> *sql.Stmt
	n    atomic.Int32
	mu   sync.Mutex // serialises preparing, so one text is prepared once
}

func newStmtCache(pool *sql.DB) *stmtCache { return &stmtCache{pool: pool} }

// get returns the prepared statement for query, preparing it on first use,
// or nil when the cache is full or the statement cannot be prepared (the
// caller then runs the query as text and reports its error).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if len(query) > maxCachedQuery || c.n.Load() >= maxCachedStatements {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	// Prepared without the caller's context: the statement outlives the
	// request, and a cancelled request must not leave a broken entry.
	s, err := c.pool.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.m.Store(query, s)
	c.n.Add(1)
	return s
}
