package drafts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Article types.
const (
	TypeNews    = "news"
	TypeNewsPic = "newspic"
)

// articleText is what an article is in both directions.
type articleText struct {
	ArticleType      string `json:"article_type"`
	Title            string `json:"title"`
	Author           string `json:"author"`
	Digest           string `json:"digest"`
	Content          string `json:"content"`
	ContentSourceURL string `json:"content_source_url"`
	ThumbMediaID     string `json:"thumb_media_id"`
}

// articleIn is one article of draft/add and draft/update.
type articleIn struct {
	articleText
	ShowCoverPic       flex   `json:"show_cover_pic"`
	NeedOpenComment    flex   `json:"need_open_comment"`
	OnlyFansCanComment flex   `json:"only_fans_can_comment"`
	PicCrop2351        string `json:"pic_crop_235_1"`
	PicCrop11          string `json:"pic_crop_1_1"`
	ImageInfo          *struct {
		ImageList []struct {
			ImageMediaID string `json:"image_media_id"`
		} `json:"image_list"`
	} `json:"image_info"`
	// cover_info and product_info are accepted and not kept: Herald has no
	// separate cover crops beyond the two above and no product cards.
}

// imageInfo is a newspic's images on reads.
type imageInfo struct {
	ImageList []imageItem `json:"image_list"`
}

type imageItem struct {
	ImageMediaID string `json:"image_media_id"`
}

// articleOut is one news_item on reads.
type articleOut struct {
	articleText
	ShowCoverPic       int        `json:"show_cover_pic"`
	NeedOpenComment    int        `json:"need_open_comment"`
	OnlyFansCanComment int        `json:"only_fans_can_comment"`
	PicCrop2351        string     `json:"pic_crop_235_1"`
	PicCrop11          string     `json:"pic_crop_1_1"`
	ImageInfo          *imageInfo `json:"image_info,omitempty"`
	URL                string     `json:"url"`
	ThumbURL           string     `json:"thumb_url"`
	IsDeleted          *bool      `json:"is_deleted,omitempty"` // freepublish reads only
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// out renders a stored article for reads. Drafts' urls are their preview
// links; published articles' their permanent pages. noContent leaves the
// body out (batchget's no_content).
func (s *Service) out(p *publish.Publication, a *publish.Article, noContent, published bool) articleOut {
	o := articleOut{articleText: articleText{ArticleType: TypeNews, Title: a.Title, Author: a.Author, Digest: a.Digest,
		ContentSourceURL: a.SourceURL, ThumbMediaID: a.CoverMediaID}, ShowCoverPic: b2i(a.ShowCoverPic), NeedOpenComment: b2i(a.CommentsOpen),
		OnlyFansCanComment: b2i(a.FansOnlyComments), PicCrop2351: a.PicCrop2351, PicCrop11: a.PicCrop11}
	if a.CoverMediaID != "" {
		o.ThumbURL = s.url(a.CoverURL())
	}
	if p.Kind == publish.KindImage {
		o.ArticleType = TypeNewsPic
		o.ImageInfo = &imageInfo{ImageList: []imageItem{}}
		for _, id := range a.ImageIDs {
			o.ImageInfo.ImageList = append(o.ImageInfo.ImageList, imageItem{ImageMediaID: id})
		}
	}
	if !noContent {
		if p.Kind == publish.KindImage {
			o.Content = newsPicText(a.BodyHTML) // a newspic's content is plain text; its images are image_info
		} else {
			o.Content = s.absolute(a.BodyHTML)
		}
	}
	if published {
		o.URL = s.url(a.Path())
		del := a.Deleted || p.State == publish.StateDeleted
		o.IsDeleted = &del
	} else {
		o.URL = s.url(p.PreviewPath(a.ID))
	}
	return o
}

func (s *Service) items(p *publish.Publication, noContent, published bool) []articleOut {
	out := make([]articleOut, 0, len(p.Articles))
	for _, a := range p.Articles {
		out = append(out, s.out(p, a, noContent, published))
	}
	return out
}

// input checks one API article against WeChat's rules and turns it into
// the console's input. The media library checks (thumb and images must be
// this account's permanent materials) answer 40007.
func (s *Service) input(ctx context.Context, a *account.Account, in *articleIn) (publish.ArticleInput, string, error) {
	kind := publish.KindNews
	switch in.ArticleType {
	case "", TypeNews:
	case TypeNewsPic:
		kind = publish.KindImage
	default:
		return publish.ArticleInput{}, "", wxerr.Newf(CodeInvalidParameter, "(article_type must be news or newspic)")
	}
	title, author, digest := strings.TrimSpace(in.Title), strings.TrimSpace(in.Author), strings.TrimSpace(in.Digest)
	src := strings.TrimSpace(in.ContentSourceURL)
	switch {
	case title == "" || strings.TrimSpace(in.Content) == "" && kind == publish.KindNews:
		return publish.ArticleInput{}, "", wxerr.New(CodeEmptyNews)
	case runeLen(title) > MaxTitle:
		return publish.ArticleInput{}, "", wxerr.New(CodeTitleSize)
	case runeLen(author) > MaxAuthor:
		return publish.ArticleInput{}, "", wxerr.New(CodeAuthorSize)
	case runeLen(digest) > MaxDigest:
		return publish.ArticleInput{}, "", wxerr.New(CodeDigestSize)
	case runeLen(in.Content) >= MaxContent || len(in.Content) >= MaxContentLen:
		return publish.ArticleInput{}, "", wxerr.New(CodeContentSize)
	case len(src) > MaxSourceURL:
		return publish.ArticleInput{}, "", wxerr.New(CodeURLSize)
	case !publish.ValidCrop(in.PicCrop2351) || !publish.ValidCrop(in.PicCrop11):
		return publish.ArticleInput{}, "", wxerr.Newf(CodeInvalidParameter, "(pic_crop must be X1_Y1_X2_Y2 between 0 and 1)")
	}
	if src != "" {
		if u, err := url.Parse(src); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return publish.ArticleInput{}, "", wxerr.Newf(CodeInvalidParameter, "(content_source_url must be an http or https URL)")
		}
	}
	out := publish.ArticleInput{Title: title, Author: author, Digest: digest, BodyFormat: publish.FormatHTML, SourceURL: src,
		CommentsOpen: in.NeedOpenComment != 0, FansOnlyComments: in.NeedOpenComment != 0 && in.OnlyFansCanComment != 0,
		ShowCoverPic: in.ShowCoverPic != 0, PicCrop2351: in.PicCrop2351, PicCrop11: in.PicCrop11}
	thumb := strings.TrimSpace(in.ThumbMediaID)
	if kind == publish.KindImage {
		if in.ImageInfo == nil || len(in.ImageInfo.ImageList) == 0 {
			return publish.ArticleInput{}, "", wxerr.New(CodeEmptyNews)
		}
		if len(in.ImageInfo.ImageList) > publish.MaxImages {
			return publish.ArticleInput{}, "", wxerr.Newf(CodeInvalidParameter, "(a newspic holds at most 20 images)")
		}
		for _, it := range in.ImageInfo.ImageList {
			as, err := s.d.Store.Asset(ctx, a.ID, strings.TrimSpace(it.ImageMediaID))
			if err != nil || as.Kind != publish.AssetImage {
				return publish.ArticleInput{}, "", wxerr.New(CodeInvalidMediaID)
			}
			out.ImageIDs = append(out.ImageIDs, as.MediaID)
		}
		out.Body = plainTextHTML(in.Content)
	} else {
		if thumb == "" {
			return publish.ArticleInput{}, "", wxerr.New(CodeInvalidMediaID)
		}
		// Scripts and foreign images go now, so the source the console
		// editor shows is what readers get.
		body, err := publish.RenderBody(publish.FormatHTML, s.relative(in.Content))
		if err != nil {
			return publish.ArticleInput{}, "", err
		}
		out.Body = body
	}
	if thumb != "" {
		as, err := s.d.Store.Asset(ctx, a.ID, thumb)
		if err != nil || (as.Kind != publish.AssetImage && as.Kind != publish.AssetThumb) {
			return publish.ArticleInput{}, "", wxerr.New(CodeInvalidMediaID)
		}
		out.CoverMediaID = as.MediaID
	}
	return out, kind, nil
}

// draft returns a draft of the account by media_id: 40007 for anything
// else (unknown, another account's, published, being published).
func (s *Service) draft(ctx context.Context, a *account.Account, mediaID string) (*publish.Publication, error) {
	p, err := s.d.Store.Draft(ctx, a.ID, strings.TrimSpace(mediaID))
	if errors.Is(err, errs.NotFound) || err == nil && p.State != publish.StateDraft {
		return nil, wxerr.New(CodeInvalidMediaID)
	}
	return p, err
}

type draftAddIn struct {
	Articles []articleIn `json:"articles"`
}

// POST /cgi-bin/draft/add {"articles":[...]} → {"media_id"}
func (s *Service) draftAdd(ctx context.Context, a *account.Account, in *draftAddIn) (any, error) {
	switch {
	case len(in.Articles) == 0:
		return nil, wxerr.New(CodeEmptyNews)
	case len(in.Articles) > publish.MaxArticles:
		return nil, wxerr.New(CodeArticleCount)
	}
	d := publish.DraftInput{Kind: publish.KindNews}
	for i := range in.Articles {
		art, kind, err := s.input(ctx, a, &in.Articles[i])
		if err != nil {
			return nil, err
		}
		if kind == publish.KindImage {
			if len(in.Articles) > 1 {
				return nil, wxerr.Newf(CodeArticleCount, "(a newspic is a draft of its own)")
			}
			d.Kind = publish.KindImage
		}
		d.Articles = append(d.Articles, art)
	}
	p, err := s.d.Store.SaveDraft(ctx, a.ID, 0, 0, d)
	if err != nil {
		return nil, domain(err)
	}
	return map[string]string{"media_id": p.MediaID()}, nil
}

// mediaIDIn names a draft.
type mediaIDIn struct {
	MediaID string `json:"media_id"`
}

// POST /cgi-bin/draft/get {"media_id"} → {"news_item":[...]}
func (s *Service) draftGet(ctx context.Context, a *account.Account, in *mediaIDIn) (any, error) {
	p, err := s.draft(ctx, a, in.MediaID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"news_item": s.items(p, false, false)}, nil
}

type draftUpdateIn struct {
	MediaID  string     `json:"media_id"`
	Index    *flex      `json:"index"`
	Articles *articleIn `json:"articles"`
}

// POST /cgi-bin/draft/update {"media_id","index","articles":{...}}: index
// counts from 0; the other articles stay as they are.
func (s *Service) draftUpdate(ctx context.Context, a *account.Account, in *draftUpdateIn) (any, error) {
	p, err := s.draft(ctx, a, in.MediaID)
	if err != nil {
		return nil, err
	}
	idx := 0
	if in.Index != nil {
		idx = int(*in.Index)
	}
	if idx < 0 || idx >= len(p.Articles) {
		return nil, wxerr.New(CodeInvalidIndex)
	}
	if in.Articles == nil {
		return nil, wxerr.New(CodeEmptyNews)
	}
	art, kind, err := s.input(ctx, a, in.Articles)
	if err != nil {
		return nil, err
	}
	d := publish.DraftInput{Kind: p.Kind, VideoMediaID: p.VideoMediaID}
	switch {
	case kind == publish.KindImage && len(p.Articles) > 1:
		return nil, wxerr.Newf(CodeArticleCount, "(a newspic is a draft of its own)")
	case kind == publish.KindImage:
		d.Kind, d.VideoMediaID = publish.KindImage, ""
	case p.Kind == publish.KindImage:
		d.Kind = publish.KindNews
	}
	for i, old := range p.Articles {
		if i == idx {
			d.Articles = append(d.Articles, art)
		} else {
			d.Articles = append(d.Articles, old.Input())
		}
	}
	if _, err := s.d.Store.SaveDraft(ctx, a.ID, 0, p.ID, d); err != nil {
		if errors.Is(err, errs.NotFound) {
			return nil, wxerr.New(CodeInvalidMediaID)
		}
		return nil, domain(err)
	}
	return nil, nil
}

// POST /cgi-bin/draft/delete {"media_id"}
func (s *Service) draftDelete(ctx context.Context, a *account.Account, in *mediaIDIn) (any, error) {
	p, err := s.draft(ctx, a, in.MediaID)
	if err != nil {
		return nil, err
	}
	if err := s.d.Store.DeleteDraft(ctx, a.ID, p.ID); err != nil {
		if errors.Is(err, errs.NotFound) {
			return nil, wxerr.New(CodeInvalidMediaID)
		}
		return nil, err
	}
	return nil, nil
}

// GET /cgi-bin/draft/count → {"total_count"}
func (s *Service) draftCount(r *http.Request, a *account.Account) (any, error) {
	n, err := s.d.Store.CountDrafts(r.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	return map[string]int{"total_count": n}, nil
}

type draftItem struct {
	MediaID string `json:"media_id"`
	Content struct {
		NewsItem []articleOut `json:"news_item"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// POST /cgi-bin/draft/batchget {"offset","count":1..20,"no_content"}
func (s *Service) draftBatchGet(r *http.Request, a *account.Account) (any, error) {
	return batchGet(r, a, s.d.Store.DraftPage, func(p *publish.Publication, noContent bool) draftItem {
		it := draftItem{MediaID: p.MediaID(), UpdateTime: p.UpdatedAt.Unix()}
		it.Content.NewsItem = s.items(p, noContent, false)
		return it
	})
}

// batchGet answers draft/batchget and freepublish/batchget
// {"offset","count":1..20,"no_content"}: a page of page's publications,
// each answered as item makes it.
func batchGet[T any](r *http.Request, a *account.Account, page func(ctx context.Context, accountID int64, offset, count int) ([]*publish.Publication, int, error),
	item func(p *publish.Publication, noContent bool) T) (any, error) {
	var in struct {
		Offset    flex `json:"offset"`
		Count     flex `json:"count"`
		NoContent flex `json:"no_content"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := checkPage(in.Offset, in.Count); err != nil {
		return nil, err
	}
	pubs, total, err := page(r.Context(), a.ID, int(in.Offset), int(in.Count))
	if err != nil {
		return nil, err
	}
	items := make([]T, 0, len(pubs))
	for _, p := range pubs {
		items = append(items, item(p, in.NoContent != 0))
	}
	return map[string]any{"total_count": total, "item_count": len(items), "item": items}, nil
}
