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
// A transaction may narrow what its commit invalidates by declaring its
// scope (below).
//
// The generation is this process's: writes made by another Herald node on
// the same PostgreSQL are announced by OnFollowerWrite's hook (the cluster
// bus) and applied with FollowerDataChanged.

// Scopes. A transaction whose writes of follower data touch only some
// followers, or one account's, may declare them (Tx.ScopeFollower,
// Tx.ScopeAccount); its commit (or rollback) then bumps only those
// followers' and accounts' counters instead of the global generation. A
// write that declares nothing bumps the global generation, which every
// answer depends on: undeclared is safe. Counters are fixed arrays indexed
// by a hash of the account, and of the account and openid, so memory is
// bounded; two keys sharing a counter only cost needless invalidations.
// The declaration is the caller's promise: a scoped transaction must write
// follower data of its declared followers (accounts) only.

// FollowerKey names a follower (Account and OpenID) or, with OpenID "", a
// whole account.
type FollowerKey struct {
	Account int64
	OpenID  string
}

// FollowerStamp is what an answer about one follower depends on: the
// global generation, its account's counter and its own. An answer read
// after taking a stamp is still the database's while the stamp is equal.
type FollowerStamp struct{ Global, Account, Follower int64 }

const (
	accountCounters  = 1 << 10
	followerCounters = 1 << 14
	// maxScopes bounds the keys one transaction or one bus message may
	// carry; beyond it the write counts as global.
	maxScopes = 64
)

func accountSlot(account int64) uint64 {
	h := uint64(account) * 0x9E3779B97F4A7C15
	return (h >> 32) % accountCounters
}

func followerSlot(account int64, openid string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(account)*0x9E3779B97F4A7C15
	for i := 0; i < len(openid); i++ {
		h ^= uint64(openid[i])
		h *= 1099511628211
	}
	return (h ^ h>>29) % followerCounters
}

// FollowerGeneration returns the count of committed writes to follower
// data with no declared scope so far (this node's, and those announced by
// others).
func (db *DB) FollowerGeneration() int64 { return db.followerGen.Load() }

// FollowerStamp returns the counters an answer about account's follower
// openid depends on. Take it before reading the answer.
func (db *DB) FollowerStamp(account int64, openid string) FollowerStamp {
	return FollowerStamp{
		Global:   db.followerGen.Load(),
		Account:  db.accountGen[accountSlot(account)].Load(),
		Follower: db.followerKeyGen[followerSlot(account, openid)].Load(),
	}
}

// FollowerDataChanged bumps the counters of keys (the global generation
// when keys is empty) without calling the hook: for another node's write
// heard on the cluster bus, or a lost bus message.
func (db *DB) FollowerDataChanged(keys ...FollowerKey) { db.bump(keys) }

func (db *DB) bump(keys []FollowerKey) {
	if len(keys) == 0 || len(keys) > maxScopes {
		db.followerGen.Add(1)
		return
	}
	for _, k := range keys {
		if k.OpenID == "" {
			db.accountGen[accountSlot(k.Account)].Add(1)
		} else {
			db.followerKeyGen[followerSlot(k.Account, k.OpenID)].Add(1)
		}
	}
}

// OnFollowerWrite sets a function called after each write of follower data
// through this DB (after the bump), to tell other nodes: keys are the
// write's scopes, empty for a global one. It must not block nor keep keys.
func (db *DB) OnFollowerWrite(f func(keys []FollowerKey)) { db.followerHook.Store(&f) }

// followerWrite records a committed (or possibly committed) write of
// follower data in the scopes keys (global when empty).
func (db *DB) followerWrite(keys []FollowerKey) {
	if len(keys) > maxScopes {
		keys = nil
	}
	db.bump(keys)
	if f := db.followerHook.Load(); f != nil {
		(*f)(keys)
	}
}

// noteWrite is called after a statement outside a transaction.
func (db *DB) noteWrite(query string) {
	if writesFollowerData(query) {
		db.followerWrite(nil)
	}
}

// note marks the transaction as writing follower data when query does;
// run bumps the generation at its commit.
func (tx *Tx) note(query string) {
	if !tx.followers && writesFollowerData(query) {
		tx.followers = true
	}
}

// ScopeFollower declares that the transaction writes follower data of
// account's follower openid only (with other ScopeFollower and
// ScopeAccount calls: of those only). Its commit then invalidates cached
// answers about that follower, not every answer.
func (tx *Tx) ScopeFollower(account int64, openid string) {
	if openid == "" {
		tx.overScoped = true // an empty openid would name the whole account
		return
	}
	tx.scope(FollowerKey{account, openid})
}

// ScopeAccount declares that the transaction writes follower data of
// account only (see ScopeFollower).
func (tx *Tx) ScopeAccount(account int64) { tx.scope(FollowerKey{Account: account}) }

func (tx *Tx) scope(k FollowerKey) {
	for _, s := range tx.scopes {
		if s == k {
			return
		}
	}
	if len(tx.scopes) >= maxScopes {
		tx.overScoped = true
		return
	}
	tx.scopes = append(tx.scopes, k)
}

// writtenScopes is the scopes the transaction's commit bumps: nil (global)
// when it declared none or too many.
func (tx *Tx) writtenScopes() []FollowerKey {
	if tx.overScoped {
		return nil
	}
	return tx.scopes
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
