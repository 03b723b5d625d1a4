package wxapi

import (
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
