package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Static serves embedded files under fingerprinted URLs
// (/static/<hash>/<name>) with long cache lifetimes, so a new release never
// meets a stale cached file.
type Static struct {
	prefix string
	files  map[string]staticFile // name -> file
	urls   map[string]string     // name -> URL
}

type staticFile struct {
	body  []byte
	hash  string
	ctype string
}

// NewStatic loads every file under dir in fsys, to be served below prefix.
func NewStatic(fsys fs.FS, dir, prefix string) (*Static, error) {
	s := &Static{prefix: strings.TrimSuffix(prefix, "/"), files: map[string]staticFile{}, urls: map[string]string{}}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, dir+"/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ctype := staticTypes[path.Ext(name)]
		if ctype == "" {
			ctype = mime.TypeByExtension(path.Ext(name))
		}
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		s.files[name] = staticFile{body: body, hash: hash, ctype: ctype}
		s.urls[name] = s.prefix + "/" + hash + "/" + name
		return nil
	})
	return s, err
}

// staticTypes are the types of the kinds of file Herald ships, as
// mime.TypeByExtension gives them: its first call reads the system's
// mime.types (0.4 MB kept for the life of the process), which a process
// that serves only these kinds never needs.
var staticTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".ico": "image/vnd.microsoft.icon",
}

// URL returns the fingerprinted URL of a file; it panics on an unknown name
// so that a typo fails the template tests rather than a user's page.
func (s *Static) URL(name string) string {
	u, ok := s.urls[name]
	if !ok {
		panic("web: unknown static file " + name)
	}
	return u
}

// Lookup is URL without the panic: ok is false for an unknown name.
func (s *Static) Lookup(name string) (url string, ok bool) {
	url, ok = s.urls[name]
	return url, ok
}

// ServeHTTP serves GET <prefix>/{hash}/{name...}.
func (s *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, s.prefix+"/")
	hash, name, ok := strings.Cut(rest, "/")
	f, found := s.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if hash == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache") // an old fingerprint: serve the current file, uncached
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
