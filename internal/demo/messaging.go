package demo

import "context"

// seedMessaging seeds this feature's part of the demo.
func seedMessaging(ctx context.Context, w *world) error { return nil }
