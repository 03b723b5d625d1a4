package ui

// registerAccounts adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerAccounts(h route) {}
