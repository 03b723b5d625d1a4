package demo

import "context"

// seedFollows seeds this feature's part of the demo.
func seedFollows(ctx context.Context, w *world) error { return nil }
