package mass

import (
	"context"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/tempmedia"
)

// POST /cgi-bin/media/uploadvideo {"media_id","title","description"} →
// {"type":"video","media_id","created_at"}: the legacy step that turns a
// video (temporary or permanent media_id) into one for an mpvideo mass
// send. The new media_id is temporary (3 days) and names the same file;
// 40007 for a media_id that is not one of the account's videos.
func (m *Mass) uploadVideo(ctx context.Context, a *account.Account, in *mediaRef) (any, error) {
	b, err := m.media(ctx, a, in, publish.AssetVideo)
	if err != nil {
		return nil, err
	}
	it, err := m.d.TempMedia.AddFor(ctx, a.ID, tempmedia.Video, b.MediaKey, b.MediaType, 0, tempmedia.TTL)
	if err != nil {
		return nil, err
	}
	return map[string]any{"type": "video", "media_id": it.MediaID, "created_at": it.CreatedAt.Unix()}, nil
}
