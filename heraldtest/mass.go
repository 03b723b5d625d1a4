package heraldtest

import (
	"context"

	"github.com/heraldoa/herald/internal/publish"
)

// NewDraft saves a draft of the account with one article per title, as the
// console's editor does, and returns its media_id (for mass sends and the
// drafts API).
func (h *Herald) NewDraft(a *Account, titles ...string) string {
	h.t.Helper()
	var in publish.DraftInput
	for _, t := range titles {
		in.Articles = append(in.Articles, publish.ArticleInput{Title: t, Body: "About " + t + ".", CommentsOpen: true})
	}
	p, err := h.s.App.Publish.SaveDraft(context.Background(), a.ID, 0, 0, in)
	if err != nil {
		h.t.Fatalf("heraldtest: draft: %v", err)
	}
	return p.MediaID()
}
