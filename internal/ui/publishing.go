package ui

// registerPublishing adds the routes of this feature. See docs/architecture.md.
func (u *UI) registerPublishing(h route) {}
