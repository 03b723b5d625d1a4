package app

import "github.com/heraldoa/herald/internal/realtime"

// TopicFollowerData is the bus topic on which nodes announce that they
// wrote follower data (follows, tag_members), so that the others drop the
// developer API's cached user/info answers (db.FollowerGeneration,
// wxapi's infoCache). A lost announcement is covered by the cache's 2 s
// bound on an answer's age.
const TopicFollowerData = "cache:followers"

// shareFollowerWrites announces this node's writes of follower data on the
// bus and applies the other nodes'. Announcements are coalesced: while
// one is waiting to be published, further writes add nothing (the
// receiving node only needs to hear that something changed after its
// answers were read). On one node with the in-process bus there is nobody
// to tell.
func (a *App) shareFollowerWrites() {
	if _, local := a.Bus.(*realtime.Local); local {
		return
	}
	events, _ := a.Bus.Subscribe(TopicFollowerData)
	go func() {
		// Every event counts, a gap (announcements lost) too.
		for range events {
			a.DB.FollowerDataChanged()
		}
	}()
	kick := make(chan struct{}, 1)
	a.DB.OnFollowerWrite(func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	go func() {
		for range kick {
			a.Bus.Publish(TopicFollowerData, realtime.Event{Type: "followers"})
		}
	}()
}
