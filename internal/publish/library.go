package publish

import (
	"context"
	"database/sql"
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
	CreatedAt   time.Time
}

// URL is the asset's public address.
func (a *Asset) URL() string { return MediaPath(a.MediaID) }

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
	k, err := kindLimits(kind)
	if err != nil {
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
		Name: name, CreatedAt: s.clock.Now()}
	a.MediaID = MediaID(a.ID)
	_, err = s.db.Exec(ctx, `INSERT INTO media_assets (id, account_id, kind, media_key, content_type, size, name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, accountID, kind, a.Key, a.ContentType, a.Size, a.Name, db.Micro(a.CreatedAt))
	if err != nil {
		_ = s.media.Delete(ctx, saved.Key)
		return nil, err
	}
	return a, nil
}

const assetCols = `id, account_id, kind, media_key, content_type, size, name, created_at`

func scanAsset(sc interface{ Scan(...any) error }) (*Asset, error) {
	var a Asset
	var created int64
	if err := sc.Scan(&a.ID, &a.AccountID, &a.Kind, &a.Key, &a.ContentType, &a.Size, &a.Name, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	a.MediaID = MediaID(a.ID)
	a.CreatedAt = db.FromMicro(created)
	return &a, nil
}

// Assets lists the account's library, newest first; kind "" lists all.
func (s *Store) Assets(ctx context.Context, accountID int64, kind string, limit int) ([]*Asset, error) {
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
func (s *Store) Asset(ctx context.Context, accountID int64, mediaID string) (*Asset, error) {
	v, err := ParseID("M", mediaID)
	if err != nil {
		return nil, err
	}
	return scanAsset(s.db.QueryRow(ctx, `SELECT `+assetCols+` FROM media_assets WHERE id = ? AND account_id = ?`, v, accountID))
}

// PublicAsset returns an asset by media_id alone, for its public URL.
func (s *Store) PublicAsset(ctx context.Context, mediaID string) (*Asset, error) {
	v, err := ParseID("M", mediaID)
	if err != nil {
		return nil, err
	}
	return scanAsset(s.db.QueryRow(ctx, `SELECT `+assetCols+` FROM media_assets WHERE id = ?`, v))
}

// DeleteAsset removes an asset of the account from the library and storage.
func (s *Store) DeleteAsset(ctx context.Context, accountID int64, mediaID string) error {
	a, err := s.Asset(ctx, accountID, mediaID)
	if err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM media_assets WHERE id = ? AND account_id = ?`, a.ID, accountID); err != nil {
		return err
	}
	return s.media.Delete(ctx, a.Key)
}

// MediaStore is the blob store behind the library (for serving).
func (s *Store) MediaStore() media.Store { return s.media }
