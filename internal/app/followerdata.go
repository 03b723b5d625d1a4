package app

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/realtime"
)

// TopicFollowerData is the bus topic on which nodes announce that they
// wrote follower data (follows, tag_members), so that the others drop the
// developer API's cached user/info answers (db.FollowerStamp, wxapi's
// infoCache). An announcement carries the writes' scopes (followerScopes);
// one with none means any follower may have changed. A lost announcement
// is covered by the cache's 2 s bound on an answer's age.
const TopicFollowerData = "cache:followers"

// maxAnnouncedScopes bounds the scopes one announcement carries; more
// writes waiting than that are announced as one global change.
const maxAnnouncedScopes = 32

// shareFollowerWrites announces this node's writes of follower data on the
// bus and applies the other nodes'. Announcements are coalesced: while
// one is waiting to be published, further writes add their scopes to it
// (a global write, or too many scopes, make it global). On one node with
// the in-process bus there is nobody to tell.
func (a *App) shareFollowerWrites() {
	if _, local := a.Bus.(*realtime.Local); local {
		return
	}
	events, _ := a.Bus.Subscribe(TopicFollowerData)
	go func() {
		// Every event counts, a gap (announcements lost) as a global one.
		for ev := range events {
			var keys []db.FollowerKey
			if ev.Type == "followers" {
				keys = parseFollowerScopes(ev.Data)
			}
			a.DB.FollowerDataChanged(keys...)
		}
	}()
	var (
		mu      sync.Mutex
		pending = map[db.FollowerKey]bool{}
		global  bool
	)
	kick := make(chan struct{}, 1)
	a.DB.OnFollowerWrite(func(keys []db.FollowerKey) {
		mu.Lock()
		if len(keys) == 0 {
			global = true
		}
		for _, k := range keys {
			if global || len(pending) >= maxAnnouncedScopes {
				global = true
				break
			}
			pending[k] = true
		}
		if global {
			clear(pending)
		}
		mu.Unlock()
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	go func() {
		for range kick {
			mu.Lock()
			data := ""
			if !global {
				data = formatFollowerScopes(pending)
			}
			clear(pending)
			global = false
			mu.Unlock()
			a.Bus.Publish(TopicFollowerData, realtime.Event{Type: "followers", Data: data})
		}
	}()
}

// formatFollowerScopes writes scopes as lines "account openid" (a
// follower) or "account" (an account); "" (no scope) means global.
func formatFollowerScopes(keys map[db.FollowerKey]bool) string {
	var b strings.Builder
	for k := range keys {
		if strings.ContainsAny(k.OpenID, " \n") {
			return "" // cannot be written: global
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.FormatInt(k.Account, 10))
		if k.OpenID != "" {
			b.WriteByte(' ')
			b.WriteString(k.OpenID)
		}
	}
	return b.String()
}

// parseFollowerScopes reads formatFollowerScopes' text (a string, or its
// JSON as another node's event carries it); anything else (an older node's
// announcement, a damaged message) reads as global (nil).
func parseFollowerScopes(data any) []db.FollowerKey {
	var s string
	switch d := data.(type) {
	case string:
		s = d
	case json.RawMessage:
		_ = json.Unmarshal(d, &s)
	case []byte:
		_ = json.Unmarshal(d, &s)
	}
	if s == "" {
		return nil
	}
	var keys []db.FollowerKey
	for line := range strings.SplitSeq(s, "\n") {
		acc, openid, _ := strings.Cut(line, " ")
		n, err := strconv.ParseInt(acc, 10, 64)
		if err != nil || len(keys) >= maxAnnouncedScopes {
			return nil
		}
		keys = append(keys, db.FollowerKey{Account: n, OpenID: openid})
	}
	return keys
}
