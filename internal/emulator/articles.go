package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
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
	_, f, ok := e.target(w, r)
	if !ok {
		return
	}
	items, err := e.App.Folder.Items(r.Context(), f.PersonID, folder.Cursor{}, 100)
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
		_, f, ok := e.target(w, r)
		if !ok {
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

// Comment is a follower's comment on an article.
type Comment struct {
	ID        int64     `json:"id,string"`
	ArticleID int64     `json:"article_id,string"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// comment writes a comment on an article as the follower: the reading
// page's own call, with its rules (comments open, followers-only, not
// blacklisted).
func (e *Emulator) comment(w http.ResponseWriter, r *http.Request) {
	_, f, ok := e.target(w, r)
	if !ok {
		return
	}
	var in struct {
		ArticleID string `json:"article_id"`
		Text      string `json:"text"`
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
	c, err := e.App.Publish.AddComment(r.Context(), id, f.PersonID, in.Text)
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, map[string]any{"follower": f, "comment": Comment{ID: c.ID, ArticleID: c.ArticleID, Text: c.Body, CreatedAt: c.CreatedAt}})
}

// PublishInput is the body of POST /_emulator/publish.
type PublishInput struct {
	Mode     string `json:"mode"` // "mass" (default): to the followers; "publish": on the profile only
	Articles []struct {
		Title            string `json:"title"`
		Author           string `json:"author"`
		Digest           string `json:"digest"`
		Content          string `json:"content"`
		ContentFormat    string `json:"content_format"` // "markdown" (default) or "html"
		SourceURL        string `json:"content_source_url"`
		CommentsOpen     bool   `json:"comments_open"`
		FansOnlyComments bool   `json:"fans_only_comments"`
	} `json:"articles"`
}

// Publication is what POST /_emulator/publish answers.
type Publication struct {
	ID         int64    `json:"publication_id,string"`
	ArticleIDs []string `json:"article_ids"`
	Path       string   `json:"path"` // the first article's page
	Mode       string   `json:"mode"`
	State      string   `json:"state"`       // of the job: done, or failed with Error
	TotalCount int64    `json:"total_count"` // followers targeted (mass)
	SentCount  int64    `json:"sent_count"`
	Error      string   `json:"error,omitempty"`
}

// editorID is the person the control API publishes as (created once).
func (e *Emulator) editorID(ctx context.Context) (int64, error) {
	e.mu.Lock()
	id := e.editor
	e.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	f, err := e.CreateFollower(ctx, "editor_"+randHex(4))
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.editor == 0 {
		e.editor = f.PersonID
	}
	return e.editor, nil
}

// Publish saves the articles as a draft of the account and publishes it
// at once: a mass send (the default) reaches every follower (the
// Subscriptions folder of a Subscription account's followers, the chat of
// a Service account's), within the month's mass-send quota; "publish"
// puts it on the profile only.
func (e *Emulator) Publish(ctx context.Context, acc *Account, in PublishInput) (*Publication, error) {
	if len(in.Articles) == 0 {
		return nil, errors.New("publish: articles (at least one, with a title and content) are required")
	}
	mode := publish.ModeMass
	switch in.Mode {
	case "", "mass":
	case "publish":
		mode = publish.ModePublish
	default:
		return nil, fmt.Errorf("publish: mode %q: want mass or publish", in.Mode)
	}
	editor, err := e.editorID(ctx)
	if err != nil {
		return nil, err
	}
	var d publish.DraftInput
	for _, a := range in.Articles {
		format := publish.FormatMarkdown
		if a.ContentFormat == "html" {
			format = publish.FormatHTML
		}
		d.Articles = append(d.Articles, publish.ArticleInput{Title: a.Title, Author: a.Author, Digest: a.Digest, BodyFormat: format,
			Body: a.Content, SourceURL: a.SourceURL, CommentsOpen: a.CommentsOpen, FansOnlyComments: a.FansOnlyComments})
	}
	p, err := e.App.Publish.SaveDraft(ctx, acc.ID, editor, 0, d)
	if err != nil {
		return nil, err
	}
	j, err := e.App.Publish.Send(ctx, acc.ID, editor, p.ID, publish.SendOptions{Mode: mode})
	if err != nil {
		_ = e.App.Publish.DeleteDraft(ctx, acc.ID, p.ID)
		return nil, err
	}
	if j, err = e.App.PublishEngine.Run(ctx, j.ID); err != nil {
		return nil, err
	}
	p, err = e.App.Publish.Publication(ctx, acc.ID, p.ID)
	if err != nil {
		return nil, err
	}
	out := &Publication{ID: p.ID, Path: publish.ArticlePath(p.FirstArticleID), Mode: in.Mode, State: j.State,
		TotalCount: j.TotalCount, SentCount: j.SentCount, Error: j.Error, ArticleIDs: []string{}}
	if out.Mode == "" {
		out.Mode = "mass"
	}
	for _, a := range p.Articles {
		out.ArticleIDs = append(out.ArticleIDs, strconv.FormatInt(a.ID, 10))
	}
	return out, nil
}

func (e *Emulator) publish(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var in PublishInput
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	p, err := e.Publish(r.Context(), acc, in)
	if err != nil {
		fail(w, 400, errs.Message(err))
		return
	}
	writeJSON(w, 201, p)
}
