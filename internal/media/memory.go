package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/errs"
)

// Memory is a Store that keeps blobs in this process's memory (the
// emulator's --in-memory mode); they are gone when the process ends.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string]memBlob
}

type memBlob struct {
	data []byte
	mod  time.Time
}

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory { return &Memory{blobs: map[string]memBlob{}} }

// Put stores a copy of r under key.
func (m *Memory) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if key == "" {
		return 0, fmt.Errorf("media: bad key %q", key)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	m.blobs[key] = memBlob{data: b, mod: time.Now()}
	m.mu.Unlock()
	return int64(len(b)), nil
}

// Open opens the blob under key; a missing blob is errs.NotFound.
func (m *Memory) Open(ctx context.Context, key string) (File, error) {
	m.mu.RLock()
	b, ok := m.blobs[key]
	m.mu.RUnlock()
	if !ok {
		return nil, errs.NotFoundf("No such file.")
	}
	return &memFile{Reader: bytes.NewReader(b.data), size: int64(len(b.data)), mod: b.mod}, nil
}

// Delete removes the blob under key (missing is fine).
func (m *Memory) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	delete(m.blobs, key)
	m.mu.Unlock()
	return nil
}

type memFile struct {
	*bytes.Reader
	size int64
	mod  time.Time
}

func (f *memFile) Close() error       { return nil }
func (f *memFile) Size() int64        { return f.size }
func (f *memFile) ModTime() time.Time { return f.mod }
