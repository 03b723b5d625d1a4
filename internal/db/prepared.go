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
	once  sync.Once
	stmt  *sql.Stmt
}

// PrepareRead returns a lazily prepared read statement; query uses ?
// placeholders like every other query.
func (db *DB) PrepareRead(query string) *Prepared { return &Prepared{db: db, query: query} }

func (p *Prepared) prepare() *sql.Stmt {
	p.once.Do(func() {
		if s, err := p.db.r.PrepareContext(context.Background(), p.db.rebind(p.query)); err == nil {
			p.stmt = s
		}
	})
	return p.stmt
}

// QueryRow runs the statement (or, if it could not be prepared, the plain
// query) on the read pool.
func (p *Prepared) QueryRow(ctx context.Context, args ...any) *sql.Row {
	if s := p.prepare(); s != nil {
		p.db.stmts.Add(1)
		return s.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRow(ctx, p.query, args...)
}
