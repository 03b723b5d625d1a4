package sse

import (
	"context"
	"net/http"
	"sync"
)

type limitKey struct{}

type limiter struct {
	max  int
	key  func(*http.Request) string
	mu   sync.Mutex
	open map[string]int
}

// Limit lets each client (as key names it, such as its address) keep at
// most perClient event streams open at once through handlers below it;
// Stream answers 429 to one more. Streams are per connection, so the count
// is this node's.
func Limit(perClient int, key func(*http.Request) string, next http.Handler) http.Handler {
	l := &limiter{max: perClient, key: key, open: map[string]int{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), limitKey{}, l)))
	})
}

// take reserves a stream for r's client; ok is false when it has its
// share open already. Without Limit, every stream is allowed.
func take(r *http.Request) (release func(), ok bool) {
	l, _ := r.Context().Value(limitKey{}).(*limiter)
	if l == nil {
		return func() {}, true
	}
	k := l.key(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[k] >= l.max {
		return nil, false
	}
	l.open[k]++
	return func() {
		l.mu.Lock()
		if l.open[k]--; l.open[k] <= 0 {
			delete(l.open, k)
		}
		l.mu.Unlock()
	}, true
}
