//go:build !emulator

package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/heraldoa/herald/internal/errs"
)

// S3 is a Store in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage,
// ...), so that every node of a cluster reads what any node wrote.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // "" or "dir/"
}

// openS3URL opens the bucket an s3:// media URL names (OpenURL).
func openS3URL(ctx context.Context, raw string) (Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if u.User != nil {
		return nil, errors.New("media: put S3 credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the media URL")
	}
	q := u.Query()
	endpoint, secure := q.Get("endpoint"), true
	switch {
	case endpoint == "":
		endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	case strings.HasPrefix(endpoint, "https://"):
		endpoint = strings.TrimPrefix(endpoint, "https://")
	}
	if v := q.Get("secure"); v == "false" || v == "0" {
		secure = false
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}})
	// Three tries with backoff: a store that is down fails a request in
	// seconds rather than after the client's default ten.
	opts := &minio.Options{Creds: creds, Secure: secure, Region: q.Get("region"), MaxRetries: 3}
	if q.Get("path_style") == "true" {
		opts.BucketLookup = minio.BucketLookupPath
	}
	return NewS3(ctx, endpoint, u.Host, strings.Trim(u.Path, "/"), opts)
}

// NewS3 returns a store in bucket (with keys under prefix) at endpoint,
// checking that the bucket exists.
func NewS3(ctx context.Context, endpoint, bucket, prefix string, opts *minio.Options) (*S3, error) {
	if bucket == "" {
		return nil, errors.New("media: the S3 URL names no bucket (s3://bucket?endpoint=...)")
	}
	c, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("media: S3 client: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ok, err := c.BucketExists(cctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("media: S3 bucket %q at %s: %w", bucket, endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("media: S3 bucket %q does not exist at %s; create it first", bucket, endpoint)
	}
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: c, bucket: bucket, prefix: prefix}, nil
}

func (s *S3) key(key string) (string, error) {
	clean := path.Clean(key)
	if key == "" || strings.HasPrefix(clean, "..") || strings.HasPrefix(clean, "/") {
		return "", fmt.Errorf("media: bad key %q", key)
	}
	return s.prefix + clean, nil
}

// Put uploads r under key. S3 makes an object visible only once it is
// complete, so readers never see half a file.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	k, err := s.key(key)
	if err != nil {
		return 0, err
	}
	// Sniff the type for the object's metadata (Herald checks types by
	// content itself; this only helps someone browsing the bucket).
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	head = head[:n]
	body := io.MultiReader(strings.NewReader(string(head)), r)
	info, err := s.client.PutObject(ctx, s.bucket, k, body, -1, minio.PutObjectOptions{ContentType: http.DetectContentType(head), PartSize: 16 << 20})
	if err != nil {
		return 0, fmt.Errorf("media: S3 put: %w", err)
	}
	return info.Size, nil
}

type s3File struct {
	*minio.Object
	size int64
	mod  time.Time
}

func (f *s3File) Size() int64        { return f.size }
func (f *s3File) ModTime() time.Time { return f.mod }

// Open opens the object under key; reads and seeks become ranged GETs, so
// a Range request for the end of a video fetches only that end.
func (s *S3) Open(ctx context.Context, key string) (File, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, errs.NotFoundf("No such file.")
	}
	st, err := s.client.StatObject(ctx, s.bucket, k, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			return nil, errs.NotFoundf("No such file.")
		}
		return nil, fmt.Errorf("media: S3 stat: %w", err)
	}
	// The object outlives the request that opened it only as long as the
	// caller keeps it: it is closed by the caller, not by ctx.
	obj, err := s.client.GetObject(context.WithoutCancel(ctx), s.bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("media: S3 get: %w", err)
	}
	return &s3File{Object: obj, size: st.Size, mod: st.LastModified}, nil
}

// Delete removes the object under key (missing is fine).
func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil && minio.ToErrorResponse(err).StatusCode != http.StatusNotFound {
		return fmt.Errorf("media: S3 delete: %w", err)
	}
	return nil
}
