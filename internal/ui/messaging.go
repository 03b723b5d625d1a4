package ui

// registerMessaging adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerMessaging(h route) {}
