// Package media stores uploaded files (avatars, documents, images, voice,
// video) behind a small interface, so that an S3-compatible store can replace
// the local data directory later. Types are checked by content, never by the
// file name.
package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"
)

// Store keeps blobs by key. Keys are slash-separated relative paths made by
// this package; callers never choose them from user input.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	Open(ctx context.Context, key string) (File, error)
	Delete(ctx context.Context, key string) error
}

// File is an open blob.
type File interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Dir is a Store in a local directory.
type Dir struct{ Root string }

func (d Dir) path(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if key == "" || strings.HasPrefix(clean, "..") || filepath.IsAbs(clean) {
		return "", fmt.Errorf("media: bad key %q", key)
	}
	return filepath.Join(d.Root, clean), nil
}

// Put writes r under key atomically (a temporary file renamed into place).
func (d Dir) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, err
	}
	return n, nil
}

type osFile struct {
	*os.File
	info os.FileInfo
}

func (f osFile) Size() int64        { return f.info.Size() }
func (f osFile) ModTime() time.Time { return f.info.ModTime() }

// Open opens the blob under key; a missing blob is errs.NotFound.
func (d Dir) Open(ctx context.Context, key string) (File, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, errs.NotFoundf("No such file.")
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.NotFoundf("No such file.")
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return osFile{File: f, info: info}, nil
}

// Delete removes the blob under key (missing is fine).
func (d Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Kind is a family of accepted file types with a size limit.
type Kind struct {
	Name     string   // for messages: "image", "document", ...
	Types    []string // accepted content types, as sniffed
	MaxBytes int64
}

// Common kinds. The limits follow WeChat's where it has them.
var (
	Image    = Kind{Name: "image", Types: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"}, MaxBytes: 10 << 20}
	Avatar   = Kind{Name: "avatar", Types: []string{"image/jpeg", "image/png", "image/webp"}, MaxBytes: 2 << 20}
	Document = Kind{Name: "document", Types: []string{"application/pdf", "image/jpeg", "image/png"}, MaxBytes: 10 << 20}
	Voice    = Kind{Name: "voice", Types: []string{"audio/amr", "audio/mpeg", "audio/wave", "audio/ogg", "audio/x-ms-wma"}, MaxBytes: 2 << 20}
	Video    = Kind{Name: "video", Types: []string{"video/mp4"}, MaxBytes: 10 << 20}
	Thumb    = Kind{Name: "thumbnail", Types: []string{"image/jpeg", "image/png"}, MaxBytes: 64 << 10}
)

// asfHeader is the GUID an ASF (WMA) file begins with.
var asfHeader = []byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}

// Sniff returns the content type of a file from its first bytes.
func Sniff(head []byte) string {
	if bytes.HasPrefix(head, []byte("#!AMR")) {
		return "audio/amr"
	}
	if bytes.HasPrefix(head, asfHeader) {
		return "audio/x-ms-wma" // ASF: Windows Media audio (WeChat takes .wma voice)
	}
	if ct := sniffAV(head); ct != "" {
		return ct
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return ct
}

// Saved describes a stored upload.
type Saved struct {
	Key         string
	ContentType string
	Size        int64
}

// Save checks r against kind (type by content, size, an image's declared
// dimensions: CheckImage) and stores it under prefix with a random name.
// Nothing is stored when a check fails.
func Save(ctx context.Context, s Store, prefix string, kind Kind, r io.Reader) (*Saved, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:n]
	if n == 0 {
		return nil, errs.Invalidf("The %s file is empty.", kind.Name)
	}
	ct := Sniff(head)
	ok := false
	for _, t := range kind.Types {
		ok = ok || t == ct
	}
	if !ok {
		return nil, errs.Invalidf("This %s must be one of: %s (the file looks like %s).", kind.Name, strings.Join(kind.Types, ", "), ct)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	key := strings.Trim(prefix, "/") + "/" + hex.EncodeToString(b) + Extension(ct)
	lr := &io.LimitedReader{R: io.MultiReader(bytes.NewReader(head), r), N: kind.MaxBytes + 1}
	size, err := s.Put(ctx, key, lr)
	if err != nil {
		return nil, err
	}
	if size > kind.MaxBytes {
		_ = s.Delete(ctx, key)
		return nil, errs.Invalidf("This %s is larger than the limit of %s.", kind.Name, HumanSize(kind.MaxBytes))
	}
	if err := CheckStored(ctx, s, key, ct, kind.Name); err != nil {
		_ = s.Delete(ctx, key)
		return nil, err
	}
	return &Saved{Key: key, ContentType: ct, Size: size}, nil
}

// HumanSize formats a byte count.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// Extension is the file name extension Herald gives a stored file of
// content type ct (".bin" for a type it does not name).
func Extension(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/bmp":
		return ".bmp"
	case "application/pdf":
		return ".pdf"
	case "audio/amr":
		return ".amr"
	case "audio/mpeg":
		return ".mp3"
	case "audio/wave":
		return ".wav"
	case "audio/ogg":
		return ".ogg"
	case "audio/webm":
		return ".webm"
	case "audio/x-ms-wma":
		return ".wma"
	case "video/mp4":
		return ".mp4"
	}
	return ".bin"
}

// Serve writes the blob under key with HTTP range support.
func Serve(w http.ResponseWriter, r *http.Request, s Store, key, contentType string) error {
	f, err := s.Open(r.Context(), key)
	if err != nil {
		return err
	}
	defer f.Close()
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", f.ModTime(), f)
	return nil
}
