package db

import "context"

// shortReadsKey marks a context whose reads are all short (ShortReads).
type shortReadsKey struct{}

// ShortReads returns ctx marked so that every read *DB runs under it
// (Query, QueryRow, Prepared.QueryRow, WriterQueryRow, CountQueryRow) is
// run only if ctx has not ended, and then under a context that cannot be
// cancelled. With a cancellable context database/sql starts a goroutine
// per statement to watch it (awaitDone, and one more per Rows), and so do
// the drivers (modernc's interrupt watcher, pgx's context watcher); on the
// follower pages and user/info those spawns, and the idle threads they
// wake, are a measurable part of a request (docs/performance.md).
//
// Only for requests whose every statement is short (indexed reads of a
// page, a handful of rows): an ended request then stops at its next
// statement instead of within one, and rows it has opened are read to
// their end. Never for exports, streams, analytics or anything that
// iterates a large result set: those must keep stopping within the
// statement when the request ends (on PostgreSQL nothing else would stop
// a runaway query; Herald sets no statement_timeout). Transactions (Tx,
// BulkTx, Snapshot) and writes (Exec) ignore the mark.
func ShortReads(ctx context.Context) context.Context {
	if ctx.Value(shortReadsKey{}) != nil {
		return ctx
	}
	return context.WithValue(ctx, shortReadsKey{}, true)
}

// readCtx returns the context to run a read under: ctx itself, or for a
// context marked by ShortReads one that cannot be cancelled (with ctx's
// error if it has already ended).
func readCtx(ctx context.Context) (context.Context, error) {
	if ctx.Done() == nil || ctx.Value(shortReadsKey{}) == nil {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return ctx, err
	}
	return context.WithoutCancel(ctx), nil
}

// rowCtx is readCtx for the single-row reads, whose *sql.Row cannot be
// given an error from here: a marked context that has ended is returned
// as it is, and database/sql then returns its error without running the
// statement.
func rowCtx(ctx context.Context) context.Context {
	if c, err := readCtx(ctx); err == nil {
		return c
	}
	return ctx
}
