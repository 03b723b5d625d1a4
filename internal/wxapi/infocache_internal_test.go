package wxapi

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// TestInfoCacheBounds: an answer is served only at the stamp it was
// read at, and for less than infoMaxAge (the bound across nodes when a bus
// message is lost).
func TestInfoCacheBounds(t *testing.T) {
	c := newInfoCache()
	s7 := db.FollowerStamp{Global: 7, Account: 7, Follower: 7}
	t0 := time.Unix(1_800_000_000, 0)
	c.put(1, "o1", s7, t0, []byte(`{"subscribe":1}`))
	if c.get(1, "o1", s7, t0.Add(infoMaxAge-time.Millisecond)) == nil {
		t.Error("a fresh answer at its generation was not served")
	}
	for _, moved := range []db.FollowerStamp{{Global: 8, Account: 7, Follower: 7}, {Global: 7, Account: 8, Follower: 7}, {Global: 7, Account: 7, Follower: 8}} {
		if c.get(1, "o1", moved, t0) != nil {
			t.Errorf("an answer read at %+v was served at %+v", s7, moved)
		}
	}
	if c.get(1, "o1", s7, t0.Add(infoMaxAge)) != nil {
		t.Errorf("an answer was served %s after it was read", infoMaxAge)
	}
	if c.get(2, "o1", s7, t0) != nil || c.get(1, "o2", s7, t0) != nil {
		t.Error("an answer was served for another account or openid")
	}
	for i := range infoCacheSize + 1 {
		c.put(1, string(rune('a'+i%26))+time.Duration(i).String(), s7, t0, nil)
	}
	if c.len() > infoCacheSize {
		t.Errorf("%d entries kept, the bound is %d", c.len(), infoCacheSize)
	}
}

// TestInfoCacheKeepsAnswersWhenFull: once the cache holds infoCacheSize
// answers, each new answer takes the place of one, so the answers kept
// are still served (a developer whose calls spread over more followers
// than the cache holds still finds most answers cached, instead of every
// answer dropped each time the cache fills).
func TestInfoCacheKeepsAnswersWhenFull(t *testing.T) {
	c := newInfoCache()
	s := db.FollowerStamp{Global: 1, Account: 1, Follower: 1}
	t0 := time.Unix(1_800_000_000, 0)
	key := func(i int) string { return "o" + strconv.Itoa(i) }
	for i := range infoCacheSize {
		c.put(1, key(i), s, t0, []byte(key(i)))
	}
	const more = 100
	for i := range more {
		c.put(1, key(infoCacheSize+i), s, t0, []byte(key(infoCacheSize+i)))
		if string(c.get(1, key(infoCacheSize+i), s, t0)) != key(infoCacheSize+i) {
			t.Fatalf("the answer put into a full cache was not served")
		}
	}
	if c.len() != infoCacheSize {
		t.Errorf("%d entries kept, want the bound %d", c.len(), infoCacheSize)
	}
	served := 0
	for i := range infoCacheSize {
		if b := c.get(1, key(i), s, t0); b != nil {
			if string(b) != key(i) {
				t.Fatalf("answer %d is %q", i, b)
			}
			served++
		}
	}
	if served < infoCacheSize-more {
		t.Errorf("%d of the %d answers kept before the cache filled are still served, want at least %d (one dropped per answer added)",
			served, infoCacheSize, infoCacheSize-more)
	}
	// Replacing a kept answer drops none.
	c.put(1, key(infoCacheSize), s, t0.Add(time.Millisecond), []byte("again"))
	if c.len() != infoCacheSize || string(c.get(1, key(infoCacheSize), s, t0.Add(time.Millisecond))) != "again" {
		t.Errorf("replacing a kept answer: %d entries, answer %q", c.len(), c.get(1, key(infoCacheSize), s, t0.Add(time.Millisecond)))
	}
}

// TestInfoCachePutBatch: a batch's answers are kept as put keeps each: a
// younger answer kept stays, and a full cache stays at its bound.
func TestInfoCachePutBatch(t *testing.T) {
	c := newInfoCache()
	s := db.FollowerStamp{Global: 1, Account: 1, Follower: 1}
	t0 := time.Unix(1_800_000_000, 0)
	key := func(i int) string { return "o" + strconv.Itoa(i) }
	c.put(1, key(0), s, t0.Add(time.Second), []byte("younger"))
	var puts []infoPut
	for i := range infoCacheSize + 100 {
		puts = append(puts, infoPut{infoKey{1, key(i)}, &infoEntry{gen: s, at: t0, body: []byte(key(i))}})
	}
	c.putBatch(puts[:1000])
	for i := 1; i < 1000; i++ {
		if string(c.get(1, key(i), s, t0)) != key(i) {
			t.Fatalf("answer %d of a batch not served", i)
		}
	}
	if string(c.get(1, key(0), s, t0.Add(time.Second))) != "younger" {
		t.Error("a batch replaced a younger answer")
	}
	c.putBatch(puts[1000:])
	if n := c.len(); n != infoCacheSize {
		t.Errorf("%d entries kept, want the bound %d", n, infoCacheSize)
	}
}

// TestReadAheadGatherIsOneStatement: 1,000 answers of one account that
// come due together (what infoGather gathers at 10,000 a second) are read
// again in one statement, each cached: a batch that follows a write reads
// its pages again, so the fewer statements the cheaper each row.
func TestReadAheadGatherIsOneStatement(t *testing.T) {
	d := dbtest.New(t)
	exec := dbtest.Exec(t, d)
	exec(`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (1, 'service', 'domestic', 'A', 'a', 'active', 0, 0)`)
	const n = 1000
	if gathered := int(10_000 * infoGather / time.Second); gathered > n {
		t.Fatalf("infoGather gathers %d answers at 10,000 a second, more than this test reads", gathered)
	}
	var keys []infoKey
	for i := 1; i <= n; i++ {
		exec(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'P', 'x', 0, 0)`, i, fmt.Sprint("p", i))
		openid := fmt.Sprintf("o-%05d", i)
		exec(`INSERT INTO follows (account_id, person_id, openid, following, created_at) VALUES (1, ?, ?, TRUE, 0)`, i, openid)
		keys = append(keys, infoKey{1, openid})
	}
	api := &API{DB: d}
	api.init()
	before := d.Statements()
	api.readInfoAhead(keys)
	if got := d.Statements() - before; got != 1 {
		t.Errorf("%d answers of one account read ahead in %d statements, want 1", n, got)
	}
	now := api.infoCache.now()
	for _, k := range keys {
		if api.infoCache.get(1, k.openid, d.FollowerStamp(1, k.openid), now) == nil {
			t.Fatalf("the answer of %s was not read ahead", k.openid)
		}
	}
}
