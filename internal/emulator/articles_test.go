package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
)

func post(t *testing.T, url, body string, out any) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		var e map[string]any
		_ = json.NewDecoder(res.Body).Decode(&e)
		t.Fatalf("POST %s: HTTP %d %v", url, res.StatusCode, e)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func TestFolderReadAndLike(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	acc, err := CreateAccount(ctx, s.App, AccountOptions{Type: account.Subscription})
	if err != nil {
		t.Fatal(err)
	}
	e := New(s.App, s.Clock, acc, nil)
	srv := httptest.NewServer(e.Handler(s.HTTP.Config.Handler))
	defer srv.Close()
	c := srv.URL + Prefix

	var r Result
	post(t, c+"followers", `{"name":"ada","follow":true}`, &r)
	owner := s.CreatePerson(t, "owner", "correct horse battery", "")
	p, err := s.App.Publish.SaveDraft(ctx, acc.ID, owner.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring tea", Author: "Lin", Body: "Green tea *season*.", CommentsOpen: true}}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.App.Publish.Send(ctx, acc.ID, owner.ID, p.ID, publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.PublishEngine.Run(ctx, j.ID); err != nil {
		t.Fatal(err)
	}

	res, err := http.Get(c + "followers/ada/folder")
	if err != nil {
		t.Fatal(err)
	}
	var folder struct{ Items []FolderItem }
	_ = json.NewDecoder(res.Body).Decode(&folder)
	res.Body.Close()
	if len(folder.Items) != 1 || folder.Items[0].Title != "Spring tea" {
		t.Fatalf("folder = %+v", folder.Items)
	}
	id := folder.Items[0].FirstArticleID
	var read struct{ Article Article }
	post(t, c+"followers/ada/read", `{"article_id":"`+itoa(id)+`"}`, &read)
	if read.Article.Title != "Spring tea" || !read.Article.Following || read.Article.Liked {
		t.Fatalf("read = %+v", read.Article)
	}
	var liked struct{ Article Article }
	post(t, c+"followers/ada/like", `{"article_id":"`+itoa(id)+`"}`, &liked)
	if !liked.Article.Liked || liked.Article.Likes != 1 {
		t.Fatalf("like = %+v", liked.Article)
	}
	post(t, c+"followers/ada/read", `{"article_id":"`+itoa(id)+`"}`, &read)
	if !read.Article.Liked {
		t.Fatalf("read after like = %+v", read.Article)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Outside emulator mode (herald serve) the control API does not exist.
func TestNoControlAPIOutsideEmulatorMode(t *testing.T) {
	s := apptest.New(t)
	res, err := http.Post(s.URL+Prefix+"followers", "application/json", strings.NewReader(`{"name":"ada"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		t.Fatalf("POST %sfollowers on a plain Herald: HTTP %d", Prefix, res.StatusCode)
	}
	if n, _ := s.App.Users.Count(context.Background()); n != 0 {
		t.Fatalf("%d people created", n)
	}
}
