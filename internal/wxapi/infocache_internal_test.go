package wxapi

import (
	"strconv"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
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
	if len(c.m) > infoCacheSize {
		t.Errorf("%d entries kept, the bound is %d", len(c.m), infoCacheSize)
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
	if len(c.m) != infoCacheSize {
		t.Errorf("%d entries kept, want the bound %d", len(c.m), infoCacheSize)
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
	if len(c.m) != infoCacheSize || string(c.get(1, key(infoCacheSize), s, t0.Add(time.Millisecond))) != "again" {
		t.Errorf("replacing a kept answer: %d entries, answer %q", len(c.m), c.get(1, key(infoCacheSize), s, t0.Add(time.Millisecond)))
	}
}
