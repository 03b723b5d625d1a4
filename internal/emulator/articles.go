package emulator

import (
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/publish"
)

// FolderItem is one publication of a follower's Subscriptions folder.
type FolderItem struct {
	AccountID      int64     `json:"account_id,string"`
	AccountName    string    `json:"account_name"`
	PublicationID  int64     `json:"publication_id,string"`
	Title          string    `json:"title"`
	FirstArticleID int64     `json:"first_article_id,string"`
	ArticleCount   int       `json:"article_count"`
	Path           string    `json:"path"`
	CreatedAt      time.Time `json:"created_at"`
	Seen           bool      `json:"seen"`
}

// Article is what a follower sees of an article they read or liked.
type Article struct {
	ID        int64  `json:"id,string"`
	Title     string `json:"title"`
	Account   string `json:"account"`
	Liked     bool   `json:"liked"`
	Following bool   `json:"following"`
	Likes     int64  `json:"likes"`
	Wows      int64  `json:"wows"`
}

func (e *Emulator) folder(w http.ResponseWriter, r *http.Request) {
	f, err := e.follower(r.Context(), r.PathValue("id"))
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	items, err := e.App.Publish.Folder(r.Context(), f.PersonID, publish.Cursor{}, 100)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	out := make([]FolderItem, 0, len(items))
	for i := range items {
		it := &items[i]
		out = append(out, FolderItem{AccountID: it.AccountID, AccountName: it.AccountName, PublicationID: it.PublicationID,
			Title: it.Title, FirstArticleID: it.FirstArticleID, ArticleCount: it.ArticleCount, Path: it.Path(),
			CreatedAt: it.CreatedAt, Seen: it.Seen})
	}
	writeJSON(w, 200, map[string]any{"follower": f, "items": out})
}

// article reads (and with like, likes or unlikes) an article as the
// follower: the same calls the follower app's reading page makes.
func (e *Emulator) article(like bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := e.follower(r.Context(), r.PathValue("id"))
		if err != nil {
			fail(w, 404, err.Error())
			return
		}
		var in struct {
			ArticleID string `json:"article_id"`
			On        *bool  `json:"on"`
		}
		if err := decode(r, &in); err != nil {
			fail(w, 400, err.Error())
			return
		}
		id, err := strconv.ParseInt(in.ArticleID, 10, 64)
		if err != nil {
			fail(w, 400, "article_id: want the article's id")
			return
		}
		rd, err := e.App.Publish.Read(r.Context(), id, f.PersonID, "")
		if err != nil {
			fail(w, 400, err.Error())
			return
		}
		a := Article{ID: rd.Article.ID, Title: rd.Article.Title, Liked: rd.Liked, Following: rd.Following}
		if rd.Account != nil {
			a.Account = rd.Account.Name
		}
		if like {
			on := in.On == nil || *in.On
			if a.Likes, a.Wows, err = e.App.Publish.React(r.Context(), id, f.PersonID, publish.ReactLike, on); err != nil {
				fail(w, 400, err.Error())
				return
			}
			a.Liked = on
		}
		writeJSON(w, 200, map[string]any{"follower": f, "article": a})
	}
}
