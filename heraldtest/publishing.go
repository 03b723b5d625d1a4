package heraldtest

import (
	"bytes"
	"context"

	"github.com/heraldoa/herald/internal/publish"
)

// AddImage adds an image (PNG, JPEG or GIF bytes) to the account's media
// library, a permanent material, and returns its media_id: a
// thumb_media_id for draft/add.
func (h *Herald) AddImage(a *Account, img []byte) string {
	h.t.Helper()
	as, err := h.s.App.Publish.Upload(context.Background(), a.ID, publish.AssetImage, "image", bytes.NewReader(img))
	if err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	return as.MediaID
}

// RunJobs runs the publishing jobs that are due now (freepublish/submit,
// console publishes and mass sends) as the server's worker would, and
// returns how many ran. Their end events (PUBLISHJOBFINISH, ...) are pushed
// to the developer's server before it returns.
func (h *Herald) RunJobs() int {
	h.t.Helper()
	n, err := h.s.App.PublishEngine.RunDue(context.Background())
	if err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	h.s.App.Drafts.Wait()
	h.s.App.Queue.Wait() // the queued finish events
	return n
}
