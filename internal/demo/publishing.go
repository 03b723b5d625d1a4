package demo

import "context"

// seedPublishing seeds this feature's part of the demo.
func seedPublishing(ctx context.Context, w *world) error { return nil }
