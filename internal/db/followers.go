package db

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Follower data is what the developer API's user/info answers from: the
// followers' rows (follows) and their tag memberships (tag_members), which
// also change when a person, an account or a tag is deleted (the foreign
// keys cascade). The DB counts the committed writes that may change them in
// one generation, so that a cache of answers drawn from them (wxapi's
// user/info cache) can tell whether an answer is still the database's.
//
// Every write goes through this package, and every write statement's text
// is classified here (writesFollowerData), so no store function can forget
// to invalidate: a statement run outside a transaction bumps the
// generation when it returns, a transaction that ran one bumps it when it
// commits (before its after-commit functions), both even when they fail,
// since a failed commit may still have been applied; a transaction that
// rolls back bumps it too, since in-memory SQLite's readers read
// uncommitted rows. A reader that takes
// the generation before it reads and keeps its answer only while the
// generation is unchanged never keeps an answer older than a write that
// returned.
//
// The generation is this process's: writes made by another Herald node on
// the same PostgreSQL are announced by OnFollowerWrite's hook (the cluster
// bus) and applied with FollowerDataChanged.

// FollowerGeneration returns the count of committed writes to follower
// data so far (this node's, and those announced by others).
func (db *DB) FollowerGeneration() int64 { return db.followerGen.Load() }

// FollowerDataChanged bumps the generation without calling the hook: for
// another node's write heard on the cluster bus, or a lost bus message.
func (db *DB) FollowerDataChanged() { db.followerGen.Add(1) }

// OnFollowerWrite sets a function called after each write of follower data
// through this DB (after the bump), to tell other nodes. It must not block.
func (db *DB) OnFollowerWrite(f func()) { db.followerHook.Store(&f) }

// followerWrite records a committed (or possibly committed) write of
// follower data.
func (db *DB) followerWrite() {
	db.followerGen.Add(1)
	if f := db.followerHook.Load(); f != nil {
		(*f)()
	}
}

// noteWrite is called after a statement outside a transaction.
func (db *DB) noteWrite(query string) {
	if writesFollowerData(query) {
		db.followerWrite()
	}
}

// note marks the transaction as writing follower data when query does;
// run bumps the generation at its commit.
func (tx *Tx) note(query string) {
	if !tx.followers && writesFollowerData(query) {
		tx.followers = true
	}
}

// Tables whose every write changes follower data, and those whose deletes
// do (by cascade).
var (
	followerTables = map[string]bool{"follows": true, "tag_members": true}
	cascadeTables  = map[string]bool{"people": true, "accounts": true, "tags": true}
)

// classified caches writesFollowerData's answers by query text (bounded:
// texts built at run time beyond the bound are classified each time).
var (
	classified      sync.Map
	classifiedCount atomic.Int64
)

const maxClassified = 4096

// writesFollowerData reports whether the statement may write follower
// data: an INSERT (or REPLACE) INTO, UPDATE, DELETE FROM, COPY or TRUNCATE
// of follows or tag_members, or a DELETE FROM (or TRUNCATE) of people,
// accounts or tags, anywhere in it (a WITH … INSERT, say). It reads
// words, so a table named in a string literal or a comment counts too:
// that only costs a needless invalidation.
func writesFollowerData(q string) bool {
	if v, ok := classified.Load(q); ok {
		return v.(bool)
	}
	w := classify(q)
	if len(q) <= maxCachedQuery && classifiedCount.Load() < maxClassified {
		if _, loaded := classified.LoadOrStore(q, w); !loaded {
			classifiedCount.Add(1)
		}
	}
	return w
}

func classify(q string) bool {
	words := sqlWords(q)
	for i, w := range words {
		var table string
		del := false
		switch w {
		case "insert", "replace":
			// INSERT [OR REPLACE|IGNORE…] INTO t, REPLACE INTO t
			for j := i + 1; j < len(words) && j <= i+3; j++ {
				if words[j] == "into" && j+1 < len(words) {
					table = words[j+1]
					break
				}
			}
		case "update":
			// UPDATE [OR …] t; DO UPDATE SET and FOR UPDATE name no table.
			j := i + 1
			if j < len(words) && words[j] == "or" {
				j += 2
			}
			if j < len(words) {
				table = words[j]
			}
		case "delete":
			if i+2 < len(words) && words[i+1] == "from" {
				table, del = words[i+2], true
			}
		case "truncate":
			j := i + 1
			if j < len(words) && words[j] == "table" {
				j++
			}
			if j < len(words) {
				table, del = words[j], true
			}
		case "copy":
			if i+1 < len(words) {
				table = words[i+1]
			}
		}
		if table == "only" { // UPDATE ONLY t, DELETE FROM ONLY t (PostgreSQL)
			if k := i + 2 + b2i(del); k < len(words) {
				table = words[k]
			}
		}
		if followerTables[table] || (del && cascadeTables[table]) {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sqlWords splits q into lower-case words of letters, digits and
// underscores. A word followed by a dot (a schema or an alias: the public
// of public.follows, the f of f.remark) is left out, so a qualified name
// reads as its table or column.
func sqlWords(q string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(q); i++ {
		c := byte(0)
		if i < len(q) {
			c = q[i]
		}
		word := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if word && start < 0 {
			start = i
		} else if !word && start >= 0 {
			if c != '.' {
				out = append(out, strings.ToLower(q[start:i]))
			}
			start = -1
		}
	}
	return out
}

// mustNotWriteFollowers panics when a statement run outside a transaction
// through a row-returning method (Query, QueryRow, WriterQueryRow,
// CountQueryRow, a prepared read) writes follower data: such a statement
// commits only when its rows are read, after the method returns, so the
// generation could not be bumped after it. Run it with Exec or in a Tx.
// Deterministic (it reads the text), so any test of the path finds it.
func mustNotWriteFollowers(query string) {
	if writesFollowerData(query) {
		panic("db: a write of follower data (follows, tag_members) must run through Exec or a Tx: " + query)
	}
}
