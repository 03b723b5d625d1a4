package publish

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
)

// mediaRef matches the library addresses inside article HTML: the plain
// /media/M<id> and the unguessable /media/M<id>-<token>.
var mediaRef = regexp.MustCompile(`/media/M([0-9a-z]{1,13})(?:-[0-9a-z]{1,64})?\b`)

// mediaRefIDs adds to ids the asset ids of the media_ids and of the
// library addresses in html.
func mediaRefIDs(ids map[int64]bool, html string, mediaIDs ...string) {
	for _, mid := range mediaIDs {
		if v, err := ParseID("M", strings.TrimSpace(mid)); err == nil {
			ids[v] = true
		}
	}
	for _, m := range mediaRef.FindAllStringSubmatch(html, -1) {
		if v, err := strconv.ParseInt(m[1], 36, 64); err == nil && v > 0 {
			ids[v] = true
		}
	}
}

// mediaPaths returns the unguessable addresses of the account's assets
// among ids, by media_id (assets of other accounts are left out, so an
// article cannot hand out another account's files).
func (s *Store) mediaPaths(ctx context.Context, q db.Querier, accountID int64, ids map[int64]bool) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	list := make([]any, 0, len(ids))
	for v := range ids {
		list = append(list, v)
	}
	for len(list) > 0 {
		n := min(len(list), 500)
		rows, err := q.Query(ctx, `SELECT id, token FROM media_assets WHERE account_id = ? AND id IN (?`+strings.Repeat(", ?", n-1)+`)`,
			append([]any{accountID}, list[:n]...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var token string
			if err := rows.Scan(&id, &token); err != nil {
				rows.Close()
				return nil, err
			}
			out[MediaID(id)] = MediaTokenPath(MediaID(id), token)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		list = list[n:]
	}
	return out, nil
}

// withMediaPaths gives publications and their articles the unguessable
// addresses of their covers and video, and rewrites the library addresses
// in article bodies (stored before addresses had tokens, or pasted) to the
// unguessable ones: drafts, previews and published articles show their
// images whether or not the plain address would serve them.
func (s *Store) withMediaPaths(ctx context.Context, pubs ...*Publication) error {
	byAccount := map[int64]map[int64]bool{}
	for _, p := range pubs {
		ids := byAccount[p.AccountID]
		if ids == nil {
			ids = map[int64]bool{}
			byAccount[p.AccountID] = ids
		}
		mediaRefIDs(ids, "", p.CoverMediaID, p.VideoMediaID)
		for _, a := range p.Articles {
			mediaRefIDs(ids, a.BodyHTML, a.CoverMediaID)
		}
	}
	paths := map[int64]map[string]string{}
	for accountID, ids := range byAccount {
		if len(ids) == 0 {
			continue
		}
		m, err := s.mediaPaths(ctx, s.db, accountID, ids)
		if err != nil {
			return err
		}
		paths[accountID] = m
	}
	for _, p := range pubs {
		m := paths[p.AccountID]
		p.coverPath, p.videoPath = m[p.CoverMediaID], m[p.VideoMediaID]
		for _, a := range p.Articles {
			a.coverPath = m[a.CoverMediaID]
			a.BodyHTML = tokenizeBody(a.BodyHTML, m)
		}
	}
	return nil
}

// tokenizeBody replaces the library addresses in html by those in paths.
func tokenizeBody(html string, paths map[string]string) string {
	if len(paths) == 0 || !strings.Contains(html, "/media/M") {
		return html
	}
	return mediaRef.ReplaceAllStringFunc(html, func(ref string) string {
		mid, _, _ := strings.Cut(strings.TrimPrefix(ref, "/media/"), "-")
		if p, ok := paths[mid]; ok {
			return p
		}
		return ref
	})
}

// markPublished records, in tx (the transaction that publishes pubID),
// that the library assets the publication uses are published: its video,
// its articles' covers and the library images in their bodies. From then
// on their plain addresses serve them, and they stay published (readers,
// feeds and forwarded messages keep the address) until deleted.
func (s *Store) markPublished(ctx context.Context, tx *db.Tx, pubID int64, at time.Time) error {
	var accountID int64
	var video string
	if err := db.Get(tx.QueryRow(ctx, `SELECT account_id, video_media_id FROM publications WHERE id = ?`, pubID), &accountID, &video); err != nil {
		return err
	}
	ids := map[int64]bool{}
	mediaRefIDs(ids, "", video)
	rows, err := tx.Query(ctx, `SELECT cover_media_id, body_html, image_media_ids FROM articles WHERE publication_id = ? AND deleted = FALSE`, pubID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var cover, body, images string
		if err := rows.Scan(&cover, &body, &images); err != nil {
			rows.Close()
			return err
		}
		mediaRefIDs(ids, body, append(strings.Split(images, ","), cover)...)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return setPublished(ctx, tx, accountID, ids, at)
}

func setPublished(ctx context.Context, q db.Querier, accountID int64, ids map[int64]bool, at time.Time) error {
	list := make([]any, 0, len(ids))
	for v := range ids {
		list = append(list, v)
	}
	for len(list) > 0 {
		n := min(len(list), 500)
		if _, err := q.Exec(ctx, `UPDATE media_assets SET published_at = ? WHERE account_id = ? AND published_at = 0 AND id IN (?`+
			strings.Repeat(", ?", n-1)+`)`, append([]any{db.Micro(at), accountID}, list[:n]...)...); err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}

// MarkImportedMedia, in tx (an import's), gives each of the account's
// assets without a token one, and marks published the assets its
// published articles use, so imported files have their addresses as soon
// as the import commits. Their dimensions are still checked by the media
// audit (audited_at stays 0).
func MarkImportedMedia(ctx context.Context, tx *db.Tx, accountID int64, at time.Time) (err error) {
	defer errs.Wrap(&err, "publish.MarkImportedMedia(%d)", accountID)
	rows, err := tx.Query(ctx, `SELECT id FROM media_assets WHERE account_id = ? AND token = ''`, accountID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `UPDATE media_assets SET token = ? WHERE id = ? AND token = ''`, newToken(), id); err != nil {
			return err
		}
	}
	used, err := publishedRefs(ctx, tx, accountID)
	if err != nil {
		return err
	}
	return setPublished(ctx, tx, accountID, used, at)
}

// auditBatch is how many assets one audit step checks.
const auditBatch = 200

// AuditMedia brings library assets stored before today's checks (and
// imported ones, audited_at 0) up to them, account by account, until none
// is left; it is idempotent and resumes where it stopped. For each such
// asset it
//
//   - marks it published when a published article uses it, so its plain
//     address keeps serving the articles' readers;
//   - re-reads the header of an image or thumbnail and withdraws it (no
//     longer served: 410 with the reason) when it declares more pixels than
//     media.MaxImageSide or media.MaxImagePixels allow;
//   - gives it a token when it has none.
//
// It runs as the "media-audit" background task; once every asset is
// audited a run is one indexed query.
func (s *Store) AuditMedia(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "publish.Store.AuditMedia()")
	for {
		var accountID int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT account_id FROM media_assets WHERE audited_at = 0 LIMIT 1`), &accountID)
		if errors.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.auditAccount(ctx, accountID); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// publishedRefs returns the library assets that the account's published
// articles use (also those deleted since: once published, always
// published): covers, body images, image lists and videos.
func publishedRefs(ctx context.Context, q db.Querier, accountID int64) (map[int64]bool, error) {
	used := map[int64]bool{}
	rows, err := q.Query(ctx, `SELECT ar.cover_media_id, ar.body_html, ar.image_media_ids, p.video_media_id
		FROM articles ar JOIN publications p ON p.id = ar.publication_id WHERE ar.account_id = ? AND p.published_at > 0`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var cover, body, images, video string
		if err := rows.Scan(&cover, &body, &images, &video); err != nil {
			return nil, err
		}
		mediaRefIDs(used, body, append(strings.Split(images, ","), cover, video)...)
	}
	return used, rows.Err()
}

func (s *Store) auditAccount(ctx context.Context, accountID int64) error {
	// What the account's published articles use (also those deleted
	// since: once published, always published).
	used, err := publishedRefs(ctx, s.db, accountID)
	if err != nil {
		return err
	}
	for {
		type row struct {
			id                   int64
			kind, key, ct, token string
			withdrawn, newToken  string
			published            bool
		}
		rows, err := s.db.Query(ctx, `SELECT id, kind, media_key, content_type, token FROM media_assets
			WHERE account_id = ? AND audited_at = 0 ORDER BY id LIMIT ?`, accountID, auditBatch)
		if err != nil {
			return err
		}
		var batch []*row
		for rows.Next() {
			r := &row{}
			if err := rows.Scan(&r.id, &r.kind, &r.key, &r.ct, &r.token); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			r.published = used[r.id]
			if r.token == "" {
				r.newToken = newToken()
			}
			if r.kind != AssetImage && r.kind != AssetThumb {
				continue
			}
			err := media.CheckStored(ctx, s.media, r.key, r.ct, "image")
			switch {
			case err == nil, errors.Is(err, errs.NotFound), errors.Is(err, media.ErrImageUnreadable):
				// Within the limits, gone from the store, or a header no
				// browser can read either: nothing to withdraw.
			case errors.Is(err, media.ErrImageSize):
				r.withdrawn = errs.Message(err)
			default:
				return err // the store failed: try again on the next run
			}
		}
		now := db.Micro(s.clock.Now())
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, r := range batch {
				pub := int64(0)
				if r.published {
					pub = now
				}
				if _, err := tx.Exec(ctx, `UPDATE media_assets SET audited_at = ?, withdrawn = ?,
					token = CASE WHEN token = '' THEN ? ELSE token END,
					published_at = CASE WHEN published_at = 0 THEN ? ELSE published_at END
					WHERE id = ? AND audited_at = 0`, now, r.withdrawn, r.newToken, pub, r.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}
