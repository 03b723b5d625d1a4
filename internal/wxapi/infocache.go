package wxapi

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
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

	// The answers, in infoShards maps by a hash of the key, each behind its
	// own lock: a batch read ahead (up to infoBatch answers) takes each
	// shard's write lock once, and only the calls whose answers fall in
	// that shard wait for it. With one lock taken once per answer, every
	// call waited behind each of a batch's writes in turn, and each Unlock
	// woke the calls queued behind it (in a runtime trace under the bench,
	// 0.26 s of calls' waits in 3 s, and the most scheduling delay of any
	// wake-up).
	seed   maphash.Seed
	shards [infoShards]infoShard
	n      atomic.Int64 // answers kept, over all shards (at most infoCacheSize)

	// Reading ahead: an answer served in the last part of its life
	// (infoReadAhead and older) is queued once, and readAhead, when set,
	// reads the queued answers again in batches (one statement for many
	// followers, where a miss is one statement for one), so that followers
	// asked about often are found fresh instead of missing every
	// infoMaxAge. A batch's answers are stamped and timed before their read,
	// as a miss's are: they are as valid as a miss's, no more.
	readAhead func(keys []infoKey)
	qmu       sync.Mutex
	queue     []infoKey
	reading   bool // a goroutine is running readAhead on the queue
}

// infoShards is how many maps the answers are spread over (a power of
// two).
const infoShards = 64

type infoShard struct {
	mu sync.RWMutex
	m  map[infoKey]*infoEntry
	_  [32]byte // one shard's lock per cache line
}

type infoKey struct {
	account int64
	openid  string
}

type infoEntry struct {
	gen    db.FollowerStamp
	at     time.Time
	body   []byte      // never changed once stored
	queued atomic.Bool // queued for reading ahead
}

// infoMaxAge bounds the age of a cached answer (see infoCache).
const infoMaxAge = 2 * time.Second

// infoReadAhead is the age from which a served answer is queued to be read
// again before infoMaxAge ends it. Half its life: a follower asked about
// at least once a second is then always read ahead before it would miss
// (with the last quarter, one asked about less often than every half
// second missed whenever its calls skipped that quarter), and a row read
// in a batch costs a few per cent of what a miss costs (on PostgreSQL a
// miss is also a round trip that its caller waits for).
const infoReadAhead = infoMaxAge / 2

// infoGather is how long the read-ahead goroutine lets the queue fill
// before each batch: the fewer the batches the cheaper each row, and an
// answer queued at infoReadAhead has infoMaxAge-infoReadAhead (1 s) left.
// On SQLite a batch that follows any write (a quota block's reservation,
// some 30 a second at 30,000 calls a second) starts with an empty page
// cache and reads every page it needs again: measured on 10,000 followers,
// 9–11 µs of CPU a row in batches of 250 (what 25 ms gathered at that
// rate), 5–7.5 µs in batches of 1,000, against about 3 µs with the pages
// cached.
const infoGather = 100 * time.Millisecond

// infoQueueMax bounds the queue; beyond it answers are not read ahead
// (they miss when their time is up, as without reading ahead).
const infoQueueMax = 8192

// infoCacheSize bounds the entries kept (about 300 bytes an answer: at
// most a few MB); when full, each new answer takes the place of one kept
// answer picked at random (put), so the answers asked about often stay.
const infoCacheSize = 16384

func newInfoCache() *infoCache {
	c := &infoCache{now: time.Now, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[infoKey]*infoEntry{}
	}
	return c
}

// shard returns the shard that keeps k's answer.
func (c *infoCache) shard(k infoKey) *infoShard { return &c.shards[c.shardOf(k)] }

func (c *infoCache) shardOf(k infoKey) uint64 {
	return (maphash.String(c.seed, k.openid) ^ uint64(k.account)*0x9e3779b97f4a7c15) % infoShards
}

// len returns the answers kept.
func (c *infoCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// get returns the cached answer when it is still valid at stamp gen and
// time now. An answer infoReadAhead old or older is queued to be read
// again (once).
func (c *infoCache) get(account int64, openid string, gen db.FollowerStamp, now time.Time) []byte {
	k := infoKey{account, openid}
	s := c.shard(k)
	s.mu.RLock()
	e := s.m[k]
	s.mu.RUnlock()
	if e == nil || e.gen != gen {
		return nil
	}
	age := now.Sub(e.at)
	if age >= infoMaxAge {
		return nil
	}
	if age >= infoReadAhead && c.readAhead != nil && !e.queued.Load() && e.queued.CompareAndSwap(false, true) {
		c.enqueue(k)
	}
	return e.body
}

// put keeps body, read at stamp gen (taken before the read) and time at,
// unless the answer kept is younger (a miss read while a batch that holds
// the same follower was under way).
func (c *infoCache) put(account int64, openid string, gen db.FollowerStamp, at time.Time, body []byte) {
	k := infoKey{account, openid}
	e := &infoEntry{gen: gen, at: at, body: body}
	s := c.shard(k)
	s.mu.Lock()
	c.keep(s, k, e)
	s.mu.Unlock()
}

// infoPut is one answer of a batch for putBatch.
type infoPut struct {
	key infoKey
	e   *infoEntry
}

// putBatch keeps the answers of a batch read ahead as put keeps each,
// taking each shard's lock once for all of its answers.
func (c *infoCache) putBatch(puts []infoPut) {
	var by [infoShards][]int32
	for i := range puts {
		j := c.shardOf(puts[i].key)
		by[j] = append(by[j], int32(i))
	}
	for j := range by {
		if len(by[j]) == 0 {
			continue
		}
		s := &c.shards[j]
		s.mu.Lock()
		for _, i := range by[j] {
			c.keep(s, puts[i].key, puts[i].e)
		}
		s.mu.Unlock()
	}
}

// keep stores e as k's answer in s (whose write lock is held), unless the
// answer kept is younger.
func (c *infoCache) keep(s *infoShard, k infoKey, e *infoEntry) {
	old := s.m[k]
	if old != nil && old.at.After(e.at) {
		return
	}
	if old == nil {
		if c.n.Add(1) > infoCacheSize {
			// Full: one answer of this shard makes room, the first a range
			// over its map meets (a range starts at a random place).
			// Starting over instead would drop every hot answer whenever a
			// developer's calls spread over more followers than the cache
			// holds. A full cache's shards hold about infoCacheSize/
			// infoShards answers each; one that holds none keeps none.
			c.n.Add(-1)
			victim, ok := infoKey{}, false
			for victim = range s.m {
				ok = true
				break
			}
			if !ok {
				return
			}
			delete(s.m, victim)
		}
	}
	s.m[k] = e
}

// enqueue queues k for reading ahead, and starts the goroutine that reads
// the queue unless it runs.
func (c *infoCache) enqueue(k infoKey) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.queue) >= infoQueueMax {
		return
	}
	c.queue = append(c.queue, k)
	if !c.reading {
		c.reading = true
		go c.readQueue()
	}
}

// readQueue reads the queued answers ahead, a batch every infoGather while
// answers are queued; it ends when the queue is empty.
func (c *infoCache) readQueue() {
	for {
		time.Sleep(infoGather)
		c.qmu.Lock()
		keys := c.queue
		c.queue = nil
		if len(keys) == 0 {
			c.reading = false
			c.qmu.Unlock()
			return
		}
		c.qmu.Unlock()
		c.readAhead(keys)
	}
}
