package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Publication kinds.
const (
	KindNews  = "news"  // articles
	KindVideo = "video" // a video post: one article with a video
	KindImage = "image" // an image post: one article, mostly pictures
)

// Publication states.
const (
	StateDraft     = "draft"
	StateScheduled = "scheduled"
	StatePublished = "published"
	StateDeleted   = "deleted"
)

// Limits on what an article may hold. WeChat's own are in characters of
// Chinese text; these are in characters (runes) and bytes.
const (
	MaxArticles      = 8
	MaxTitle         = 64
	MaxAuthor        = 32
	MaxDigest        = 128
	MaxSourceURL     = 1024
	MaxBodySource    = 200_000 // characters of Markdown or pasted HTML
	MaxBodyHTMLBytes = 1 << 20 // the rendered, sanitised body
	defaultDigestLen = 54
)

// ArticleInput is one article as the author writes it.
type ArticleInput struct {
	Title            string
	Author           string
	Digest           string // empty: the first 54 characters of the body
	CoverMediaID     string // an image or thumb of the account's library
	BodyFormat       string // FormatMarkdown (default) or FormatHTML
	Body             string
	SourceURL        string
	CommentsOpen     bool
	FansOnlyComments bool
	// Kept for the developer API (the console editor carries them along):
	ShowCoverPic bool     // WeChat's show_cover_pic
	PicCrop2351  string   // pic_crop_235_1, "X1_Y1_X2_Y2"
	PicCrop11    string   // pic_crop_1_1
	ImageIDs     []string // KindImage (newspic): the post's images, media-library media_ids
}

// Article is a stored article.
type Article struct {
	ID               int64
	PublicationID    int64
	AccountID        int64
	Idx              int
	Title            string
	Author           string
	Digest           string
	CoverMediaID     string
	BodyFormat       string
	BodySource       string
	BodyHTML         string // sanitised
	SourceURL        string
	CommentsOpen     bool
	FansOnlyComments bool
	ShowCoverPic     bool
	PicCrop2351      string
	PicCrop11        string
	ImageIDs         []string
	LikeCount        int64
	WowCount         int64
	CommentCount     int64
	Deleted          bool
	CreatedAt        time.Time
	UpdatedAt        time.Time

	coverPath string // the cover's unguessable address (withMediaPaths)
}

// Number is the article's position, counting from 1.
func (a *Article) Number() int { return a.Idx + 1 }

// Path is the article's permanent reading address.
func (a *Article) Path() string { return ArticlePath(a.ID) }

// CoverURL is the cover image's address ("" without a cover): the
// unguessable one when the article was loaded with it, else the plain one
// (which serves only published covers).
func (a *Article) CoverURL() string {
	if a.coverPath != "" {
		return a.coverPath
	}
	return MediaPath(a.CoverMediaID)
}

// Input returns the article as editable input.
func (a *Article) Input() ArticleInput {
	return ArticleInput{Title: a.Title, Author: a.Author, Digest: a.Digest, CoverMediaID: a.CoverMediaID, BodyFormat: a.BodyFormat,
		Body: a.BodySource, SourceURL: a.SourceURL, CommentsOpen: a.CommentsOpen, FansOnlyComments: a.FansOnlyComments,
		ShowCoverPic: a.ShowCoverPic, PicCrop2351: a.PicCrop2351, PicCrop11: a.PicCrop11, ImageIDs: a.ImageIDs}
}

// Publication is a draft or a published set of articles.
type Publication struct {
	ID             int64
	AccountID      int64
	Kind           string
	State          string
	Title          string // of the first article
	CoverMediaID   string // of the first article
	VideoMediaID   string // KindVideo
	ArticleCount   int
	FirstArticleID int64
	PreviewKey     string
	MsgDataID      int64 // the API's msg_data_id (a small public number; 0 for rows made outside the Store)
	MassSent       bool
	PublishedAt    time.Time
	FolderAt       time.Time
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Articles       []*Article // loaded by Draft / Publication

	coverPath, videoPath string // unguessable addresses (withMediaPaths)
}

// MediaID is the draft's WeChat-style media_id.
func (p *Publication) MediaID() string { return DraftMediaID(p.ID) }

// ArticleID is the published publication's WeChat-style article_id.
func (p *Publication) ArticleID() string { return ArticleID(p.ID) }

// CoverURL is the first article's cover address (see Article.CoverURL).
func (p *Publication) CoverURL() string {
	if p.coverPath != "" {
		return p.coverPath
	}
	return MediaPath(p.CoverMediaID)
}

// VideoURL is a video publication's video address (see Article.CoverURL).
func (p *Publication) VideoURL() string {
	if p.videoPath != "" {
		return p.videoPath
	}
	return MediaPath(p.VideoMediaID)
}

// Path is the first article's reading address.
func (p *Publication) Path() string { return ArticlePath(p.FirstArticleID) }

// PreviewPath is the reading address of article i for people given the
// preview link (the draft need not be published).
func (p *Publication) PreviewPath(articleID int64) string {
	return ArticlePath(articleID) + "?k=" + p.PreviewKey
}

// DraftInput is a whole draft.
type DraftInput struct {
	Kind         string // KindNews (default), KindVideo or KindImage
	VideoMediaID string // KindVideo: a video of the library
	Articles     []ArticleInput
}

// ImageList is ImageIDs joined by commas (the editor carries it along).
func (in ArticleInput) ImageList() string { return strings.Join(in.ImageIDs, ",") }

// MaxImages is how many images an image post (newspic) holds.
const MaxImages = 20

// cropRE is a crop rectangle "X1_Y1_X2_Y2" in coordinates from 0 to 1.
var cropRE = regexp.MustCompile(`^(0|1|0?\.[0-9]+|1\.0+)(_(0|1|0?\.[0-9]+|1\.0+)){3}$`)

// ValidCrop reports whether s is empty or a crop "X1_Y1_X2_Y2" (0–1).
func ValidCrop(s string) bool { return s == "" || cropRE.MatchString(s) }

func fieldName(i int, name string) string { return fmt.Sprintf("%s_%d", name, i) }

// validateArticle checks and normalises one article, rendering its body.
// It reports every fault it finds (an errs.List when there are several,
// which reads as the first for the developer API).
func (s *Store) validateArticle(ctx context.Context, accountID int64, i int, in *ArticleInput) (string, error) {
	n := i + 1
	in.Title = strings.TrimSpace(in.Title)
	in.Author = strings.TrimSpace(in.Author)
	in.Digest = strings.TrimSpace(in.Digest)
	in.SourceURL = strings.TrimSpace(in.SourceURL)
	in.CoverMediaID = strings.TrimSpace(in.CoverMediaID)
	var fe errs.Fields
	switch {
	case in.Title == "":
		fe.Add(errs.FieldInvalid(fieldName(i, "title"), "Article %d needs a title.", n))
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		fe.Add(errs.FieldInvalid(fieldName(i, "title"), "Article %d: a title has at most %d characters (this one has %d).", n, MaxTitle, utf8.RuneCountInString(in.Title)))
	}
	if utf8.RuneCountInString(in.Author) > MaxAuthor {
		fe.Add(errs.FieldInvalid(fieldName(i, "author"), "Article %d: the author has at most %d characters.", n, MaxAuthor))
	}
	if utf8.RuneCountInString(in.Digest) > MaxDigest {
		fe.Add(errs.FieldInvalid(fieldName(i, "digest"), "Article %d: a digest has at most %d characters (this one has %d).", n, MaxDigest, utf8.RuneCountInString(in.Digest)))
	}
	if len(in.SourceURL) > MaxSourceURL {
		fe.Add(errs.FieldInvalid(fieldName(i, "source_url"), "Article %d: the original-source URL has at most %d characters.", n, MaxSourceURL))
	}
	longBody := utf8.RuneCountInString(in.Body) > MaxBodySource
	if longBody {
		fe.Add(errs.FieldInvalid(fieldName(i, "body"), "Article %d: the body has at most %d characters (this one has %d).", n, MaxBodySource, utf8.RuneCountInString(in.Body)))
	}
	if in.SourceURL != "" && !fe.Has(fieldName(i, "source_url")) {
		u, err := url.Parse(in.SourceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fe.Add(errs.FieldInvalid(fieldName(i, "source_url"), "Article %d: the original-source URL must start with http:// or https://.", n))
		}
	}
	if in.BodyFormat != FormatHTML {
		in.BodyFormat = FormatMarkdown
	}
	if !in.CommentsOpen {
		in.FansOnlyComments = false
	}
	if !ValidCrop(in.PicCrop2351) || !ValidCrop(in.PicCrop11) {
		fe.Add(errs.FieldInvalid(fieldName(i, "cover"), "Article %d: a cover crop is four numbers from 0 to 1 joined by _.", n))
	} else if in.CoverMediaID != "" {
		a, err := s.Asset(ctx, accountID, in.CoverMediaID)
		if err != nil || (a.Kind != AssetImage && a.Kind != AssetThumb) {
			fe.Add(errs.FieldInvalid(fieldName(i, "cover"), "Article %d: choose a cover image from this account's media library.", n))
		}
	}
	if longBody {
		return "", fe.Err()
	}
	h, err := RenderBody(in.BodyFormat, in.Body)
	if err != nil {
		return "", err
	}
	if len(h) > MaxBodyHTMLBytes {
		fe.Add(errs.FieldInvalid(fieldName(i, "body"), "Article %d: the body is larger than 1 MB once formatted.", n))
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	if in.Digest == "" {
		in.Digest = plainText(h)
		if utf8.RuneCountInString(in.Digest) > defaultDigestLen {
			in.Digest = string([]rune(in.Digest)[:defaultDigestLen])
		}
	}
	return h, nil
}

// validateDraft checks and normalises a draft and renders its articles'
// bodies, reporting every fault of every article at once.
func (s *Store) validateDraft(ctx context.Context, accountID int64, in *DraftInput) ([]string, error) {
	switch in.Kind {
	case "":
		in.Kind = KindNews
	case KindNews, KindVideo, KindImage:
	default:
		return nil, errs.FieldInvalid("kind", "Choose articles, a video post or an image post.")
	}
	if len(in.Articles) == 0 {
		return nil, errs.Invalidf("A publication needs at least one article.")
	}
	if len(in.Articles) > MaxArticles {
		return nil, errs.Invalidf("A publication holds at most %d articles.", MaxArticles)
	}
	if in.Kind != KindNews && len(in.Articles) > 1 {
		return nil, errs.Invalidf("A video or image post holds one article.")
	}
	var fe errs.Fields
	if in.Kind == KindVideo {
		a, err := s.Asset(ctx, accountID, strings.TrimSpace(in.VideoMediaID))
		if err != nil || a.Kind != AssetVideo {
			fe.Add(errs.FieldInvalid("video", "Choose a video from this account's media library."))
		}
	} else {
		in.VideoMediaID = ""
	}
	bodies := make([]string, len(in.Articles))
	for i := range in.Articles {
		a := &in.Articles[i]
		if in.Kind != KindImage {
			a.ImageIDs = nil
		}
		var images []*Asset
		if len(a.ImageIDs) > MaxImages {
			fe.Add(errs.FieldInvalid(fieldName(i, "images"), "An image post holds at most %d images.", MaxImages))
		} else {
			for k, mid := range a.ImageIDs {
				a.ImageIDs[k] = strings.TrimSpace(mid)
				as, err := s.Asset(ctx, accountID, a.ImageIDs[k])
				if err != nil || as.Kind != AssetImage {
					fe.Add(errs.FieldInvalid(fieldName(i, "images"), "Choose the post's images from this account's media library."))
					break
				}
				images = append(images, as)
			}
		}
		if a.CoverMediaID == "" && len(a.ImageIDs) > 0 {
			a.CoverMediaID = a.ImageIDs[0]
		}
		h, err := s.validateArticle(ctx, accountID, i, a)
		if err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				return nil, err
			}
			fe.Add(err)
			continue
		}
		// An image post shows its images after the text.
		for _, as := range images {
			h += `<p><img src="` + as.URL() + `" alt=""></p>`
		}
		bodies[i] = h
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return bodies, nil
}

// SaveDraft creates a draft (draftID 0) or replaces the articles of an
// existing draft of the account, in the given order. Only drafts can be
// edited; published articles keep their ids and addresses forever.
func (s *Store) SaveDraft(ctx context.Context, accountID, personID, draftID int64, in DraftInput) (_ *Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.SaveDraft(%d, %d, %d)", accountID, personID, draftID)
	if err := s.gate(ctx, accountID, FeaturePublishing); err != nil {
		return nil, err
	}
	bodies, err := s.validateDraft(ctx, accountID, &in)
	if err != nil {
		return nil, err
	}
	now := db.Micro(s.clock.Now())
	pubID := draftID
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if pubID == 0 {
			pubID = id.New()
			num, err := db.NextNumber(ctx, tx, counterMsgData)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO publications (id, account_id, kind, state, preview_key, created_by, created_at, updated_at, msg_data_id)
				VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?)`, pubID, accountID, in.Kind, randKey(), personID, now, now, num); err != nil {
				return err
			}
		} else {
			var state string
			if err := db.Get(tx.QueryRow(ctx, `SELECT state FROM publications WHERE id = ? AND account_id = ?`, pubID, accountID), &state); err != nil {
				return err
			}
			if state != StateDraft {
				return errs.Conflictf("Only drafts can be edited; this publication is %s.", state)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM articles WHERE publication_id = ?`, pubID); err != nil {
				return err
			}
		}
		first := int64(0)
		for i, a := range in.Articles {
			aid := id.New()
			if i == 0 {
				first = aid
			}
			if _, err := tx.Exec(ctx, `INSERT INTO articles (id, publication_id, account_id, idx, title, author, digest, cover_media_id, body_format,
					body_source, body_html, source_url, comments_open, fans_only_comments, show_cover_pic, pic_crop_235_1, pic_crop_1_1, image_media_ids,
					created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, aid, pubID, accountID, i, a.Title, a.Author, a.Digest, a.CoverMediaID,
				a.BodyFormat, a.Body, bodies[i], a.SourceURL, a.CommentsOpen, a.FansOnlyComments, a.ShowCoverPic, a.PicCrop2351, a.PicCrop11,
				strings.Join(a.ImageIDs, ","), now, now); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE publications SET kind = ?, video_media_id = ?, title = ?, cover_media_id = ?, article_count = ?,
			first_article_id = ?, updated_at = ? WHERE id = ?`, in.Kind, in.VideoMediaID, in.Articles[0].Title, in.Articles[0].CoverMediaID,
			len(in.Articles), first, now, pubID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Publication(ctx, accountID, pubID)
}

const pubCols = `id, account_id, kind, state, title, cover_media_id, video_media_id, article_count, first_article_id, preview_key,
	mass_sent, published_at, folder_at, created_by, created_at, updated_at, COALESCE(msg_data_id, 0)`

func scanPublication(sc interface{ Scan(...any) error }) (*Publication, error) {
	var p Publication
	var pub, folder, created, updated int64
	err := sc.Scan(&p.ID, &p.AccountID, &p.Kind, &p.State, &p.Title, &p.CoverMediaID, &p.VideoMediaID, &p.ArticleCount, &p.FirstArticleID,
		&p.PreviewKey, &p.MassSent, &pub, &folder, &p.CreatedBy, &created, &updated, &p.MsgDataID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	p.PublishedAt, p.FolderAt, p.CreatedAt, p.UpdatedAt = db.FromMicro(pub), db.FromMicro(folder), db.FromMicro(created), db.FromMicro(updated)
	return &p, nil
}

const articleCols = `id, publication_id, account_id, idx, title, author, digest, cover_media_id, body_format, body_source, body_html,
	source_url, comments_open, fans_only_comments, like_count, wow_count, comment_count, deleted, created_at, updated_at,
	show_cover_pic, pic_crop_235_1, pic_crop_1_1, image_media_ids`

func scanArticle(sc interface{ Scan(...any) error }) (*Article, error) {
	var a Article
	var created, updated int64
	var images string
	err := sc.Scan(&a.ID, &a.PublicationID, &a.AccountID, &a.Idx, &a.Title, &a.Author, &a.Digest, &a.CoverMediaID, &a.BodyFormat, &a.BodySource,
		&a.BodyHTML, &a.SourceURL, &a.CommentsOpen, &a.FansOnlyComments, &a.LikeCount, &a.WowCount, &a.CommentCount, &a.Deleted, &created, &updated,
		&a.ShowCoverPic, &a.PicCrop2351, &a.PicCrop11, &images)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = db.FromMicro(created), db.FromMicro(updated)
	if images != "" {
		a.ImageIDs = strings.Split(images, ",")
	}
	return &a, nil
}

// Publication returns a publication of the account with its articles.
func (s *Store) Publication(ctx context.Context, accountID, pubID int64) (_ *Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.Publication(%d, %d)", accountID, pubID)
	p, err := scanPublication(s.db.QueryRow(ctx, `SELECT `+pubCols+` FROM publications WHERE id = ? AND account_id = ?`, pubID, accountID))
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+articleCols+` FROM articles WHERE publication_id = ? ORDER BY idx`, pubID)
	p.Articles, err = db.Collect(rows, err, func(r *sql.Rows) (*Article, error) { return scanArticle(r) })
	if err != nil {
		return nil, err
	}
	return p, s.withMediaPaths(ctx, p)
}

// Draft returns a draft by its media_id.
func (s *Store) Draft(ctx context.Context, accountID int64, mediaID string) (_ *Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.Draft(%d, %q)", accountID, mediaID)
	v, err := ParseID("D", mediaID)
	if err != nil {
		return nil, err
	}
	return s.Publication(ctx, accountID, v)
}

// List returns the account's publications in the given states, most
// recently changed first (articles not loaded).
func (s *Store) List(ctx context.Context, accountID int64, states []string, offset, limit int) (_ []*Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.List(%d)", accountID)
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if len(states) == 0 {
		states = []string{StateDraft}
	}
	q := `SELECT ` + pubCols + ` FROM publications WHERE account_id = ? AND state IN (?` + strings.Repeat(", ?", len(states)-1) + `)
		ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`
	args := []any{accountID}
	for _, st := range states {
		args = append(args, st)
	}
	rows, err := s.db.Query(ctx, q, append(args, limit, max(offset, 0))...)
	pubs, err := db.Collect(rows, err, func(r *sql.Rows) (*Publication, error) { return scanPublication(r) })
	if err != nil {
		return nil, err
	}
	return pubs, s.withMediaPaths(ctx, pubs...)
}

// CountDrafts returns how many drafts the account has.
func (s *Store) CountDrafts(ctx context.Context, accountID int64) (_ int, err error) {
	defer errs.Wrap(&err, "publish.Store.CountDrafts(%d)", accountID)
	var n int
	err = db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM publications WHERE account_id = ? AND state = 'draft'`, accountID), &n)
	return n, err
}

// DeleteDraft removes a draft of the account.
func (s *Store) DeleteDraft(ctx context.Context, accountID, pubID int64) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeleteDraft(%d, %d)", accountID, pubID)
	res, err := s.db.Exec(ctx, `DELETE FROM publications WHERE id = ? AND account_id = ? AND state = 'draft'`, pubID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("No such draft.")
	}
	return nil
}

// DeletePublished removes a published publication (all its articles): their
// pages say the article was deleted, and it leaves the folder.
func (s *Store) DeletePublished(ctx context.Context, accountID, pubID int64) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeletePublished(%d, %d)", accountID, pubID)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE publications SET state = 'deleted', folder_at = 0, updated_at = ? WHERE id = ? AND account_id = ? AND state = 'published'`,
			db.Micro(s.clock.Now()), pubID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("No such published publication.")
		}
		_, err = tx.Exec(ctx, `UPDATE articles SET deleted = TRUE WHERE publication_id = ?`, pubID)
		return err
	})
}

// Profile lists an account's published publications for its profile as
// anyone sees it, newest first, older than beforeID (0: the newest): of an
// A/B test's variants only the winner, once it goes to the rest (see
// VariantVisible).
func (s *Store) Profile(ctx context.Context, accountID, beforeID int64, limit int) ([]*Publication, error) {
	return s.ProfileFor(ctx, accountID, 0, beforeID, limit)
}

// VariantVisible is the SQL condition (on publications aliased alias, with
// two arguments: the viewer's person id twice, 0 for anyone) that keeps an
// A/B test's variants out of an account's history unless the viewer
// should see them: a variant is listed for the followers it was sent to,
// and the winner also for everybody outside the sample once it goes to
// the rest; a stopped test's are listed for nobody. Other publications
// pass.
func VariantVisible(alias string) string {
	return `NOT EXISTS (SELECT 1 FROM ab_test_variants v JOIN ab_tests t ON t.id = v.test_id WHERE v.publication_id = ` + alias + `.id
		AND (t.stopped_at <> 0 OR (
			NOT EXISTS (SELECT 1 FROM ab_test_members m WHERE m.test_id = v.test_id AND m.variant = v.variant AND m.person_id = ?)
			AND NOT (t.winner = v.variant AND t.state IN ('rolling_out', 'done')
				AND NOT EXISTS (SELECT 1 FROM ab_test_members m WHERE m.test_id = v.test_id AND m.person_id = ?)))))`
}

// ProfileFor is Profile as personID sees it: an A/B test's variant they
// received instead of the winner (VariantVisible).
func (s *Store) ProfileFor(ctx context.Context, accountID, personID, beforeID int64, limit int) (_ []*Publication, err error) {
	defer errs.Wrap(&err, "publish.Store.ProfileFor(%d, %d, %d)", accountID, personID, beforeID)
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	rows, err := s.db.Query(ctx, `SELECT `+pubCols+` FROM publications WHERE account_id = ? AND state = 'published' AND id < ?
		AND `+VariantVisible("publications")+`
		ORDER BY id DESC LIMIT ?`, accountID, beforeID, personID, personID, limit)
	pubs, err := db.Collect(rows, err, func(r *sql.Rows) (*Publication, error) { return scanPublication(r) })
	if err != nil {
		return nil, err
	}
	return pubs, s.withMediaPaths(ctx, pubs...)
}
