package publish

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
)

// Asset kinds of the media library.
const (
	AssetImage = "image"
	AssetVideo = "video"
	AssetVoice = "voice"
	AssetThumb = "thumb"
)

// Asset is one file in an account's media library.
type Asset struct {
	ID          int64
	AccountID   int64
	MediaID     string
	Kind        string
	Key         string // in the media store
	ContentType string
	Size        int64
	Name        string
	Title       string // video: add_material's description title
	Intro       string // video: add_material's description introduction
	CreatedAt   time.Time
	Token       string    // the random part of the asset's address
	PublishedAt time.Time // when a published article first used it (zero: unpublished)
	Withdrawn   string    // why the file is no longer served ("" = served)
}

// URL is the asset's unguessable address (MediaTokenPath), the one Herald
// hands out; MediaPath, the plain address, serves it only once published.
func (a *Asset) URL() string { return MediaTokenPath(a.MediaID, a.Token) }

// Published reports whether a published article uses the asset.
func (a *Asset) Published() bool { return !a.PublishedAt.IsZero() }

// newToken returns 128 random bits as 32 hexadecimal characters.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func kindLimits(kind string) (media.Kind, error) {
	switch kind {
	case AssetImage:
		return media.Image, nil
	case AssetVideo:
		return media.Video, nil
	case AssetVoice:
		return media.Voice, nil
	case AssetThumb:
		return media.Thumb, nil
	}
	return media.Kind{}, errs.FieldInvalid("kind", "Choose image, video, voice or thumbnail.")
}

// Upload checks r (type by content, size by kind) and adds it to the
// account's library. Nothing is stored when a check fails.
func (s *Store) Upload(ctx context.Context, accountID int64, kind, name string, r io.Reader) (*Asset, error) {
	return s.UploadMaterial(ctx, accountID, kind, name, "", "", r)
}

// UploadMaterial is Upload with a video's title and introduction (the
// material API's description). The library holds at most
// MaterialLimit(kind) assets of a kind (ErrLibraryFull).
func (s *Store) UploadMaterial(ctx context.Context, accountID int64, kind, name, title, intro string, r io.Reader) (_ *Asset, err error) {
	defer errs.Wrap(&err, "publish.Store.UploadMaterial(%d)", accountID)
	k, err := kindLimits(kind)
	if err != nil {
		return nil, err
	}
	if full, err := s.libraryFull(ctx, s.db, accountID, kind); err != nil || full {
		if err == nil {
			err = libraryFull(kind)
		}
		return nil, err
	}
	saved, err := media.Save(ctx, s.media, "library/"+MediaID(accountID), k, r)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Field == "" {
			e.Field = "file"
		}
		return nil, err
	}
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	a := &Asset{ID: id.New(), AccountID: accountID, Kind: kind, Key: saved.Key, ContentType: saved.ContentType, Size: saved.Size,
		Name: name, Title: title, Intro: intro, CreatedAt: s.clock.Now(), Token: newToken()}
	a.MediaID = MediaID(a.ID)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO media_asset_counts (account_id, kind, n) VALUES (?, ?, 0) ON CONFLICT (account_id, kind) DO NOTHING`,
			accountID, kind); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE media_asset_counts SET n = n + 1 WHERE account_id = ? AND kind = ? AND n < ?`,
			accountID, kind, MaterialLimit(kind))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return libraryFull(kind)
		}
		// A new upload passed today's checks: it needs no audit.
		_, err = tx.Exec(ctx, `INSERT INTO media_assets (id, account_id, kind, media_key, content_type, size, name, title, introduction, created_at,
			token, audited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, accountID, kind, a.Key, a.ContentType, a.Size, a.Name, a.Title,
			a.Intro, db.Micro(a.CreatedAt), a.Token, db.Micro(a.CreatedAt))
		return err
	})
	if err != nil {
		_ = s.media.Delete(ctx, saved.Key)
		return nil, err
	}
	return a, nil
}

// MaterialLimit is how many assets of a kind an account's library holds:
// 100000 images (WeChat's limit for images and news together; Herald has
// no permanent news), 1000 of each other kind.
func MaterialLimit(kind string) int64 {
	if kind == AssetImage {
		return 100000
	}
	return 1000
}

// LibraryFullError refuses an upload to a full library; WXCode is WeChat's
// 45034 (media file count is out of limit).
type LibraryFullError struct{ Err *errs.Error }

func (e *LibraryFullError) Error() string { return e.Err.Error() }

// Unwrap returns the domain error.
func (e *LibraryFullError) Unwrap() error { return e.Err }

// WXCode returns the WeChat errcode.
func (e *LibraryFullError) WXCode() int { return 45034 }

func libraryFull(kind string) error {
	return &LibraryFullError{Err: errs.FieldInvalid("file", "The media library holds at most %d files of this kind (%s); delete some first.",
		MaterialLimit(kind), kind)}
}

func (s *Store) libraryFull(ctx context.Context, q db.Querier, accountID int64, kind string) (bool, error) {
	var n int64
	err := db.Get(q.QueryRow(ctx, `SELECT n FROM media_asset_counts WHERE account_id = ? AND kind = ?`, accountID, kind), &n)
	if errors.Is(err, errs.NotFound) {
		return false, nil
	}
	return n >= MaterialLimit(kind), err
}

// AssetCounts returns how many assets of each kind the account's library
// holds (maintained counts, not counted at request time).
func (s *Store) AssetCounts(ctx context.Context, accountID int64) (_ map[string]int64, err error) {
	defer errs.Wrap(&err, "publish.Store.AssetCounts(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT kind, n FROM media_asset_counts WHERE account_id = ?`, accountID)
	type kn struct {
		kind string
		n    int64
	}
	list, err := db.Collect(rows, err, func(r *sql.Rows) (kn, error) {
		var v kn
		return v, r.Scan(&v.kind, &v.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{AssetImage: 0, AssetVideo: 0, AssetVoice: 0, AssetThumb: 0}
	for _, v := range list {
		out[v.kind] = v.n
	}
	return out, nil
}

// AssetsPage lists the account's assets of the given kinds, newest first,
// from offset (batchget_material).
func (s *Store) AssetsPage(ctx context.Context, accountID int64, kinds []string, offset, limit int) (_ []*Asset, err error) {
	defer errs.Wrap(&err, "publish.Store.AssetsPage(%d)", accountID)
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := s.db.Query(ctx, `SELECT `+assetCols+` FROM media_assets WHERE account_id = ? AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, max(offset, 0))...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Asset, error) { return scanAsset(r) })
}

const assetCols = `id, account_id, kind, media_key, content_type, size, name, title, introduction, created_at, token, published_at, withdrawn`

func scanAsset(sc interface{ Scan(...any) error }) (*Asset, error) {
	var a Asset
	var created, published int64
	if err := sc.Scan(&a.ID, &a.AccountID, &a.Kind, &a.Key, &a.ContentType, &a.Size, &a.Name, &a.Title, &a.Intro, &created,
		&a.Token, &published, &a.Withdrawn); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	a.MediaID = MediaID(a.ID)
	a.CreatedAt = db.FromMicro(created)
	if published > 0 {
		a.PublishedAt = db.FromMicro(published)
	}
	return &a, nil
}

// Assets lists the account's library, newest first; kind "" lists all.
func (s *Store) Assets(ctx context.Context, accountID int64, kind string, limit int) (_ []*Asset, err error) {
	defer errs.Wrap(&err, "publish.Store.Assets(%d)", accountID)
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT ` + assetCols + ` FROM media_assets WHERE account_id = ?`
	args := []any{accountID}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Asset, error) { return scanAsset(r) })
}

// Asset returns one asset of the account (another account's media_id is
// not found).
func (s *Store) Asset(ctx context.Context, accountID int64, mediaID string) (_ *Asset, err error) {
	defer errs.Wrap(&err, "publish.Store.Asset(%d, %q)", accountID, mediaID)
	v, err := ParseID("M", mediaID)
	if err != nil {
		return nil, err
	}
	return scanAsset(s.db.QueryRow(ctx, `SELECT `+assetCols+` FROM media_assets WHERE id = ? AND account_id = ?`, v, accountID))
}

// ServedAsset returns the asset an address names, the {media} of
// /media/{media}, for anyone who asks:
//
//   - "M<id>-<token>" (MediaTokenPath) names it when the token is the
//     asset's, compared in constant time;
//   - once the asset is published, any address with its id names it (the
//     plain "M<id>" of MediaPath, and addresses whose token was replaced,
//     as in articles moved to another Herald).
//
// Anything else (a guessed or enumerated id of an unpublished asset, a
// wrong token) is not found. A withdrawn asset is
// returned with its reason: the caller refuses to serve it (410).
func (s *Store) ServedAsset(ctx context.Context, name string) (_ *Asset, err error) {
	defer errs.Wrap(&err, "publish.Store.ServedAsset()")
	mediaID, token, tokened := strings.Cut(name, "-")
	v, err := ParseID("M", mediaID)
	if err != nil {
		return nil, err
	}
	a, err := scanAsset(s.db.QueryRow(ctx, `SELECT `+assetCols+` FROM media_assets WHERE id = ?`, v))
	if errors.Is(err, errs.NotFound) {
		return nil, errNoFile
	}
	if err != nil {
		return nil, err
	}
	if tokened && a.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.Token)) == 1 {
		return a, nil
	}
	if !a.Published() {
		return nil, errNoFile
	}
	return a, nil
}

var errNoFile = errs.NotFoundf("No such file.")

// DeleteAsset removes an asset of the account from the library and storage.
func (s *Store) DeleteAsset(ctx context.Context, accountID int64, mediaID string) (err error) {
	defer errs.Wrap(&err, "publish.Store.DeleteAsset(%d, %q)", accountID, mediaID)
	a, err := s.Asset(ctx, accountID, mediaID)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM media_assets WHERE id = ? AND account_id = ?`, a.ID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		_, err = tx.Exec(ctx, `UPDATE media_asset_counts SET n = n - 1 WHERE account_id = ? AND kind = ? AND n > 0`, accountID, a.Kind)
		return err
	})
	if err != nil {
		return err
	}
	return s.media.Delete(ctx, a.Key)
}

// MediaStore is the blob store behind the library (for serving).
func (s *Store) MediaStore() media.Store { return s.media }
