package heraldtest

import (
	"context"

	"github.com/heraldoa/herald/internal/tmplmsg"
)

// AddLibraryTemplate adds a template to the platform's template library
// (what an administrator does at /admin/templates): shortID is the
// template_id_short accounts add it by, industry a code 1–41, content
// lines with {{key.DATA}} slots.
func (h *Herald) AddLibraryTemplate(shortID, title string, industry int, content string) error {
	return h.s.App.Templates.SaveLibrary(context.Background(), &tmplmsg.LibraryTemplate{ShortID: shortID, Title: title,
		Industry: industry, Content: content})
}

// Mute makes the follower mute the account: template messages to them
// then end "failed:user block".
func (h *Herald) Mute(a *Account, f *Follower) error {
	return h.s.App.Follows.SetMuted(context.Background(), a.ID, f.PersonID, true)
}
