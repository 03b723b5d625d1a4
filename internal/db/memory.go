package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
)

// MemoryURL, as a database URL, opens a fresh SQLite database in memory
// (OpenMemory). The emulator uses it for `herald emulate --in-memory`.
const MemoryURL = "sqlite::memory:"

// OpenMemory opens a new, empty SQLite database that lives in this
// process's memory and disappears when it is closed. The writer and the
// read pool share it through SQLite's shared cache (every connection of
// the process that opens the same name with cache=shared). The readers
// read uncommitted: with a shared cache they would otherwise take table
// locks that make the writer fail at once (SQLITE_LOCKED, which no busy
// timeout waits for), where WAL on disk lets readers and the writer
// overlap; so a read may see a write transaction that is still open. A
// third connection keeps the database alive while the pools open and
// close theirs.
func OpenMemory(ctx context.Context) (*DB, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("herald-%d-%s", os.Getpid(), hex.EncodeToString(b))
	// Pages of 1 KB rather than SQLite's 4 KB: the schema alone is some 340
	// tables and indexes of at least one page each, nearly all empty in an
	// emulator, so 4 KB pages held 1.4 MB (and with the page cache's
	// overhead 2 MB) for no data. Rows longer than a page go on overflow
	// pages, as they do at any page size.
	dsn := "file:" + name + "?mode=memory&cache=shared&_pragma=page_size(1024)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"
	keep, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite in memory: %w", err)
	}
	keep.SetMaxOpenConns(1)
	keep.SetMaxIdleConns(1)
	keep.SetConnMaxLifetime(0)
	if err := keep.PingContext(ctx); err != nil {
		keep.Close()
		return nil, fmt.Errorf("db: open sqlite in memory: %w", err)
	}
	d, err := openSQLiteDSN(ctx, dsn, "memory:"+name, 2, "&_pragma=read_uncommitted(1)")
	if err != nil {
		keep.Close()
		return nil, err
	}
	d.keep = keep
	return d, nil
}
