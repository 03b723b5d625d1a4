package wxapi

import (
	"testing"
	"time"
)

// TestInfoCacheBounds: an answer is served only at the generation it was
// read at, and for less than infoMaxAge (the bound across nodes when a bus
// message is lost).
func TestInfoCacheBounds(t *testing.T) {
	c := newInfoCache()
	t0 := time.Unix(1_800_000_000, 0)
	c.put(1, "o1", 7, t0, []byte(`{"subscribe":1}`))
	if c.get(1, "o1", 7, t0.Add(infoMaxAge-time.Millisecond)) == nil {
		t.Error("a fresh answer at its generation was not served")
	}
	if c.get(1, "o1", 8, t0) != nil {
		t.Error("an answer was served after the generation moved")
	}
	if c.get(1, "o1", 7, t0.Add(infoMaxAge)) != nil {
		t.Errorf("an answer was served %s after it was read", infoMaxAge)
	}
	if c.get(2, "o1", 7, t0) != nil || c.get(1, "o2", 7, t0) != nil {
		t.Error("an answer was served for another account or openid")
	}
	for i := range infoCacheSize + 1 {
		c.put(1, string(rune('a'+i%26))+time.Duration(i).String(), 7, t0, nil)
	}
	if len(c.m) > infoCacheSize {
		t.Errorf("%d entries kept, the bound is %d", len(c.m), infoCacheSize)
	}
}
