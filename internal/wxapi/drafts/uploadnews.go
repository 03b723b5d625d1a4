package drafts

import (
	"context"

	"github.com/heraldoa/herald/internal/account"
)

// POST /cgi-bin/media/uploadnews {"articles":[...]} → {"type":"news",
// "media_id","created_at"}: the legacy way to prepare mpnews for a mass
// send. Herald keeps the articles as a draft (so the media_id works in
// message/mass/sendall, send and preview and shows in the console's draft
// box), with draft/add's checks.
func (s *Service) uploadNews(ctx context.Context, a *account.Account, in *draftAddIn) (any, error) {
	v, err := s.draftAdd(ctx, a, in)
	if err != nil {
		return nil, err
	}
	id := v.(map[string]string)["media_id"]
	p, err := s.draft(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"type": "news", "media_id": id, "created_at": p.CreatedAt.Unix()}, nil
}
