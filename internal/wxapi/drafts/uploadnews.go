package drafts

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
)

// POST /cgi-bin/media/uploadnews {"articles":[...]} → {"type":"news",
// "media_id","created_at"}: the legacy way to prepare mpnews for a mass
// send. Herald keeps the articles as a draft (so the media_id works in
// message/mass/sendall, send and preview and shows in the console's draft
// box), with draft/add's checks.
func (s *Service) uploadNews(r *http.Request, a *account.Account) (any, error) {
	v, err := s.draftAdd(r, a)
	if err != nil {
		return nil, err
	}
	id := v.(map[string]string)["media_id"]
	p, err := s.draft(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"type": "news", "media_id": id, "created_at": p.CreatedAt.Unix()}, nil
}
