package wxapi

import (
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/db"
)

// infoCache keeps user/info answers (the JSON body) by account and openid.
// An answer is served from it only while
//
//   - the DB's follower stamp of the account and openid is the one taken
//     before the answer was read (db.FollowerStamp: the global generation,
//     the account's counter and the follower's; every committed write of
//     follows or tag_members through this node, and every such write
//     another node announced on the cluster bus, moves at least one of
//     them: its declared follower's or account's, or the global one when
//     it declared no scope), so within a node an answer is never older
//     than a write that has returned; and
//   - it is younger than infoMaxAge, which bounds how stale it may be after
//     a write the node did not hear of: another node's whose bus message
//     was lost, or another process's (a command run against the same
//     database).
//
// The hot writes (follow, unfollow, remark, tagging of named followers)
// declare their followers, so they drop only those answers; any other
// write of follower data (tag deletion, imports, deletions of people and
// accounts) drops every answer of the node (docs/developer-api.md).
type infoCache struct {
	now func() time.Time // time.Now; tests move it

	mu sync.RWMutex
	m  map[infoKey]infoEntry
}

type infoKey struct {
	account int64
	openid  string
}

type infoEntry struct {
	gen  db.FollowerStamp
	at   time.Time
	body []byte // never changed once stored
}

// infoMaxAge bounds the age of a cached answer (see infoCache).
const infoMaxAge = 2 * time.Second

// infoCacheSize bounds the entries kept; when full, the cache starts over
// (about 300 bytes an answer: at most a few MB).
const infoCacheSize = 16384

func newInfoCache() *infoCache {
	return &infoCache{now: time.Now, m: map[infoKey]infoEntry{}}
}

// get returns the cached answer when it is still valid at stamp gen and
// time now.
func (c *infoCache) get(account int64, openid string, gen db.FollowerStamp, now time.Time) []byte {
	c.mu.RLock()
	e, ok := c.m[infoKey{account, openid}]
	c.mu.RUnlock()
	if !ok || e.gen != gen || now.Sub(e.at) >= infoMaxAge {
		return nil
	}
	return e.body
}

// put keeps body, read at stamp gen (taken before the read).
func (c *infoCache) put(account int64, openid string, gen db.FollowerStamp, at time.Time, body []byte) {
	c.mu.Lock()
	if len(c.m) >= infoCacheSize {
		c.m = map[infoKey]infoEntry{}
	}
	c.m[infoKey{account, openid}] = infoEntry{gen: gen, at: at, body: body}
	c.mu.Unlock()
}
