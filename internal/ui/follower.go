package ui

// registerFollower adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerFollower(h route) {}
