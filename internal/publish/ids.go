package publish

import (
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
)

// String identifiers. Each is a prefix letter and the row id in base 36,
// so they need no column of their own and never collide across kinds.

// MediaID returns the media_id of a media-library asset.
func MediaID(id int64) string { return "M" + strconv.FormatInt(id, 36) }

// DraftMediaID returns the media_id of a draft (a publication).
func DraftMediaID(id int64) string { return "D" + strconv.FormatInt(id, 36) }

// ArticleID returns the article_id of a published publication.
func ArticleID(id int64) string { return "A" + strconv.FormatInt(id, 36) }

// ParseID reads an identifier made by MediaID, DraftMediaID or ArticleID
// (prefix is "M", "D" or "A").
func ParseID(prefix, s string) (int64, error) {
	if !strings.HasPrefix(s, prefix) {
		return 0, errs.NotFoundf("No such item.")
	}
	v, err := strconv.ParseInt(s[len(prefix):], 36, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFoundf("No such item.")
	}
	return v, nil
}

// ArticlePath is the permanent address of an article's reading page.
func ArticlePath(articleID int64) string { return "/s/" + strconv.FormatInt(articleID, 10) }

// ParseArticlePath reads the {article} part of /s/{article}.
func ParseArticlePath(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFoundf("No such article.")
	}
	return v, nil
}

// MediaPath is the plain address of a media-library asset, /media/M<id>.
// Media ids are time-ordered and can be guessed, so this address serves
// an asset only once it is published (ServedAsset): use it for what
// published articles show (covers in the folder, profiles and feeds).
// Everything else gets MediaTokenPath (Asset.URL, Publication.CoverURL).
func MediaPath(mediaID string) string {
	if mediaID == "" {
		return ""
	}
	return "/media/" + mediaID
}

// MediaTokenPath is the unguessable address of a media-library asset,
// /media/M<id>-<token>, which serves it to whoever holds it. Without a
// token (an imported row not yet audited) it is the plain MediaPath.
func MediaTokenPath(mediaID, token string) string {
	if mediaID == "" || token == "" {
		return MediaPath(mediaID)
	}
	return "/media/" + mediaID + "-" + token
}
