package demo

import "context"

// seedAccounts seeds this feature's part of the demo.
func seedAccounts(ctx context.Context, w *world) error { return nil }
