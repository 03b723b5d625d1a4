// Package jsonmemo keeps the values of JSON texts decoded before, so that
// a text read again (a menu, the bodies of a conversation's messages, on
// every view of the conversation) is not decoded again.
//
// A value is found by its text, and the same text always decodes to the
// same value, so what is kept can never be stale: several processes on
// one database each keep their own, and a row that changes simply has a
// new text. Callers get their own copy of a kept value (made by the
// cache's clone function), which they may change.
package jsonmemo

import (
	"encoding/json"
	"sync"
)

// Cache holds up to max decoded values of texts of at most maxText bytes;
// when it is full it starts again empty.
type Cache[T any] struct {
	mu      sync.RWMutex
	m       map[string]T
	max     int
	maxText int
	clone   func(T) T
}

// New returns a cache of up to max values of texts up to maxText bytes
// long; clone copies a value deeply enough that changing the copy leaves
// the original as it was.
func New[T any](max, maxText int, clone func(T) T) *Cache[T] {
	return &Cache[T]{m: make(map[string]T), max: max, maxText: maxText, clone: clone}
}

// Decode stores in *v the value of text, as json.Unmarshal into a zero T
// would.
func (c *Cache[T]) Decode(text string, v *T) error {
	if len(text) > c.maxText {
		var fresh T
		if err := json.Unmarshal([]byte(text), &fresh); err != nil {
			return err
		}
		*v = fresh
		return nil
	}
	c.mu.RLock()
	kept, ok := c.m[text]
	c.mu.RUnlock()
	if ok {
		*v = c.clone(kept)
		return nil
	}
	var fresh T
	if err := json.Unmarshal([]byte(text), &fresh); err != nil {
		return err
	}
	kept = c.clone(fresh)
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[text] = kept
	c.mu.Unlock()
	*v = fresh
	return nil
}

// CloneAny copies a value decoded from JSON into an any (maps, slices and
// scalars), so that changing the copy leaves the original as it was.
func CloneAny(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = CloneAny(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = CloneAny(e)
		}
		return out
	}
	return v
}
