package demo

import (
	"context"

	"github.com/heraldoa/herald/internal/follow"
)

// seedFollows makes the demo followers follow the demo accounts: most of
// them (mei first) follow Lotus Tea House (Subscription), and a good share
// follow Harbour Bank (Service). One bulk statement per 200 follows keeps the
// first start fast and the follower counts right.
func seedFollows(ctx context.Context, w *world) error {
	if w.accounts == nil {
		return nil
	}
	pick := func(keep func(i int) bool) []int64 {
		var ids []int64
		for i, p := range w.followers {
			if keep(i) {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	if lotus := w.accounts["lotus"]; lotus != nil {
		// Four in five follow the tea house.
		if _, err := w.app.Follows.FollowMany(ctx, lotus.ID, pick(func(i int) bool { return i%5 != 4 }), follow.SourceSearch); err != nil {
			return err
		}
	}
	if harbour := w.accounts["harbour"]; harbour != nil {
		// Two in five follow the bank, mei among them.
		if _, err := w.app.Follows.FollowMany(ctx, harbour.ID, pick(func(i int) bool { return i%5 == 0 || i%5 == 2 }), follow.SourceSearch); err != nil {
			return err
		}
	}
	return nil
}
