package app

import (
	"context"
	"errors"
	"strconv"

	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
)

// menuMedia resolves a menu button's media_id in the account's media
// library (publishing); errs.NotFound lets the menu fall back to images
// uploaded in its own editor.
func (a *App) menuMedia(ctx context.Context, accountID int64, mediaID string) (string, string, error) {
	if a.Publish == nil {
		return "", "", errs.NotFound
	}
	asset, err := a.Publish.Asset(ctx, accountID, mediaID)
	if err != nil {
		if errors.Is(err, errs.NotFound) || errs.KindOf(err) == errs.KindInvalid {
			return "", "", errs.NotFound
		}
		return "", "", err
	}
	return asset.Key, asset.ContentType, nil
}

// menuArticle turns an article_id button into the card of one of the
// account's published articles.
func (a *App) menuArticle(ctx context.Context, accountID int64, articleID string) (message.Article, error) {
	if a.Publish == nil {
		return message.Article{}, errs.NotFound
	}
	// A WeChat-style article_id ("A…", a published publication: its first
	// article) or the numeric id of an article (what the console stores).
	id, err := strconv.ParseInt(articleID, 10, 64)
	if err != nil {
		pubID, perr := publish.ParseID("A", articleID)
		if perr != nil {
			return message.Article{}, errs.NotFoundf("There is no such article.")
		}
		pub, perr := a.Publish.Publication(ctx, accountID, pubID)
		if perr != nil {
			return message.Article{}, perr
		}
		id = pub.FirstArticleID
	}
	rd, err := a.Publish.Read(ctx, id, 0, "")
	if err != nil {
		return message.Article{}, err
	}
	if rd.Preview || rd.Account == nil || rd.Account.ID != accountID {
		return message.Article{}, errs.NotFoundf("There is no such article.")
	}
	return message.Article{Title: rd.Article.Title, Description: rd.Article.Digest, URL: publish.ArticlePath(id),
		PicURL: rd.Article.CoverURL()}, nil
}

// clickKeywords returns the replies of the account's keyword rules that
// match a menu click's key (the default reply never answers a click).
func (a *App) clickKeywords(ctx context.Context, accountID int64, key string) ([]message.Reply, error) {
	rules, err := a.AutoReplies.Rules(ctx, accountID)
	if err != nil {
		return nil, err
	}
	keyword := rules[:0:0]
	for _, r := range rules {
		if r.Kind == autoreply.KindKeyword {
			keyword = append(keyword, r)
		}
	}
	var out []message.Reply
	for _, rep := range autoreply.Match(keyword, key, nil) {
		out = append(out, rep.Message())
	}
	return out, nil
}

// libraryImage finds an image of the account's media library by its
// media_id, for imported auto-reply versions.
func (a *App) libraryImage(ctx context.Context, accountID int64, mediaID string) (string, string, error) {
	as, err := a.Publish.Asset(ctx, accountID, mediaID)
	if err != nil || as.Kind != publish.AssetImage {
		return "", "", err
	}
	return as.Key, as.ContentType, nil
}
