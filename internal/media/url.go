package media

import (
	"context"
	"fmt"
	"strings"
)

// OpenURL opens the store a --media-url names: "" or a plain directory
// path is the local directory dir; s3://bucket[/prefix]?endpoint=host:port
// &region=...&secure=false is a bucket. S3 credentials come from the
// environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
// MINIO_ROOT_USER and MINIO_ROOT_PASSWORD), never from the URL.
func OpenURL(ctx context.Context, raw, dir string) (Store, error) {
	if raw == "" {
		return Dir{Root: dir}, nil
	}
	if !strings.HasPrefix(raw, "s3://") {
		if strings.Contains(raw, "://") {
			return nil, fmt.Errorf("media: unsupported media URL %q (use s3://bucket?endpoint=... or a directory)", raw)
		}
		return Dir{Root: raw}, nil
	}
	return openS3URL(ctx, raw)
}
