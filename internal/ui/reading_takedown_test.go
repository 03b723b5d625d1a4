package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// TestReadingPageHidesATakenDownArticle takes down the article the demo
// follower reads: the reading page, which asks about the takedown in the
// statement that reads the article, then answers 404 with the reason, for
// the follower and for an anonymous reader; the other articles stay.
func TestReadingPageHidesATakenDownArticle(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds the demo platform")
	}
	s, cookie, pages := demoFollower(t)
	h := s.HTTP.Config.Handler
	get := func(path string, signedIn bool) (int, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", "text/html")
		if signedIn {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, string(body)
	}
	path := pages["article"]
	articleID, err := publish.ParseArticlePath(strings.TrimPrefix(path, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var accountID, otherID int64
	if err := s.App.DB.QueryRow(ctx, `SELECT account_id FROM articles WHERE id = ?`, articleID).Scan(&accountID); err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.QueryRow(ctx, `SELECT ar.id FROM articles ar JOIN publications p ON p.id = ar.publication_id
		WHERE p.state = 'published' AND ar.id <> ? AND NOT ar.deleted ORDER BY ar.id LIMIT 1`, articleID).Scan(&otherID); err != nil {
		t.Fatal(err)
	}
	other := publish.ArticlePath(otherID)
	for _, signedIn := range []bool{true, false} {
		if code, _ := get(path, signedIn); code != http.StatusOK {
			t.Fatalf("before the takedown (signed in %v): %d", signedIn, code)
		}
	}
	rv := s.CreatePerson(t, "rui", pw, user.RoleReviewer)
	in := review.NewPenalty{AccountID: accountID, Kind: review.Takedown, ArticleID: articleID, Rule: "Spam", Evidence: "Copy of a competitor's article."}
	if _, err := s.App.Review.ApplyPenalty(ctx, rv, in); err != nil {
		t.Fatal(err)
	}
	for _, signedIn := range []bool{true, false} {
		code, body := get(path, signedIn)
		if code != http.StatusNotFound || !strings.Contains(body, "removed for violating the platform") {
			t.Errorf("taken down (signed in %v): %d, reason shown %v", signedIn, code, strings.Contains(body, "removed for violating"))
		}
		if code, _ := get(other, signedIn); code != http.StatusOK {
			t.Errorf("another article (signed in %v): %d", signedIn, code)
		}
	}
}
