package mass

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// POST /cgi-bin/media/uploadvideo {"media_id","title","description"} →
// {"type":"video","media_id","created_at"}: the legacy step that turns a
// video (temporary or permanent media_id) into one for an mpvideo mass
// send. The new media_id is temporary (3 days) and names the same file;
// 40007 for a media_id that is not one of the account's videos.
func (m *Mass) uploadVideo(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in mediaRef
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	b, err := m.media(r.Context(), a, &in, publish.AssetVideo)
	if err != nil {
		return err
	}
	it, err := m.TempMedia.AddFor(r.Context(), a.ID, tempmedia.Video, b.MediaKey, b.MediaType, 0, tempmedia.TTL)
	if err != nil {
		return err
	}
	wxerr.JSON(w, map[string]any{"type": "video", "media_id": it.MediaID, "created_at": it.CreatedAt.Unix()})
	return nil
}
