package ui

import (
	"context"
	"html/template"
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/web"
)

// registerPublishing adds the routes of this feature. See docs/publishing.md.
func (u *UI) registerPublishing(h route) {
	if u.Publish == nil {
		return
	}
	if u.Publications == nil {
		u.Publications = publicationSource{u.Publish}
	}
	// Reading (public) and the media library's public addresses.
	h("GET /s/{article}", u.readArticle)
	h("POST /s/{article}/react", u.signedIn(u.reactArticle))
	h("POST /s/{article}/comments", u.signedIn(u.commentArticle))
	h("GET /media/{media}", u.serveLibraryMedia)

	// Console.
	h("GET /mp/a/{account}/publish", u.publishHome)
	h("GET /mp/a/{account}/publish/new", u.publishNew)
	h("GET /mp/a/{account}/publish/d/{draft}", u.publishEdit)
	h("POST /mp/a/{account}/publish/save", u.publishSave)
	h("GET /mp/a/{account}/publish/d/{draft}/preview", u.publishPhonePreview)
	h("POST /mp/a/{account}/publish/d/{draft}/preview", u.publishSendPreview)
	h("POST /mp/a/{account}/publish/d/{draft}/send", u.publishSend)
	h("POST /mp/a/{account}/publish/d/{draft}/delete", u.publishDeleteDraft)
	h("POST /mp/a/{account}/publish/p/{pub}/delete", u.publishDeletePublished)
	h("POST /mp/a/{account}/publish/render", u.publishRender)
	h("GET /mp/a/{account}/publish/jobs/{job}", u.publishJob)
	h("POST /mp/a/{account}/publish/jobs/{job}/cancel", u.publishCancel)
	h("GET /mp/a/{account}/media", u.mediaLibrary)
	h("POST /mp/a/{account}/media", u.mediaUpload)
	h("POST /mp/a/{account}/media/{media}/delete", u.mediaDelete)
	h("GET /mp/a/{account}/comments", u.commentsPage)
	h("POST /mp/a/{account}/comments/{comment}", u.commentModerate)
	u.addNav(navItem{Label: "Publish", Path: "publish", Action: account.ActPublish, Order: 20})
	u.addNav(navItem{Label: "Media", Path: "media", Action: account.ActMedia, Order: 21})
	u.addNav(navItem{Label: "Comments", Path: "comments", Action: account.ActPublish, Order: 22})
}

// articlePage is the reading page's data.
type articlePage struct {
	*publish.Reading
	Body     template.HTML // sanitised when stored
	ShareURL string
	Key      string // the preview key the page was opened with
	Comment  string // a comment being re-shown after an error
}

func (u *UI) loadReading(r *http.Request) (*publish.Reading, string, error) {
	articleID, err := publish.ParseArticlePath(r.PathValue("article"))
	if err != nil {
		return nil, "", err
	}
	var viewer int64
	if me := web.Person(r); me != nil {
		viewer = me.ID
	}
	key := r.URL.Query().Get("k")
	if key == "" {
		key = r.PostFormValue("k")
	}
	rd, err := u.Publish.Read(r.Context(), articleID, viewer, key)
	return rd, key, err
}

func (u *UI) articleData(rd *publish.Reading, key string) *articlePage {
	return &articlePage{Reading: rd, Body: template.HTML(rd.Article.BodyHTML), // #nosec: sanitised by publish.RenderBody
		ShareURL: u.BaseURL + rd.Article.Path(), Key: key}
}

// readArticle is an article's permanent reading page. It works without
// JavaScript: reactions and comments are plain forms.
func (u *UI) readArticle(w http.ResponseWriter, r *http.Request) error {
	rd, key, err := u.loadReading(r)
	if err != nil {
		return err
	}
	if !rd.Preview {
		u.recordRead(r, rd.Account.ID, rd.Article.ID) // analytics
	}
	p := u.newPage(w, r, rd.Article.Title, u.articleData(rd, key))
	if rd.Preview {
		w.Header().Set("X-Robots-Tag", "noindex")
		w.Header().Set("Cache-Control", "private, no-store")
	}
	return u.render(w, r, http.StatusOK, "app/article", p)
}

func (u *UI) reactArticle(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	articleID, err := publish.ParseArticlePath(r.PathValue("article"))
	if err != nil {
		return err
	}
	on := r.PostFormValue("on") != "0"
	likes, wows, err := u.Publish.React(r.Context(), articleID, web.Person(r).ID, r.PostFormValue("kind"), on)
	if err != nil {
		return err
	}
	if on {
		u.recordArticle(r, 0, articleID, r.PostFormValue("kind")) // analytics: like or wow
	}
	if pubWantsJSON(r) {
		return web.JSON(w, http.StatusOK, map[string]any{"likes": likes, "wows": wows, "on": on})
	}
	return u.redirect(w, r, publish.ArticlePath(articleID)+"#reactions", "")
}

func (u *UI) commentArticle(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	rd, key, err := u.loadReading(r)
	if err != nil {
		return err
	}
	_, err = u.Publish.AddComment(r.Context(), rd.Article.ID, web.Person(r).ID, r.PostFormValue("body"))
	if err != nil {
		d := u.articleData(rd, key)
		d.Comment = r.PostFormValue("body")
		return u.formError(w, r, "app/article", u.newPage(w, r, rd.Article.Title, d), err)
	}
	u.recordComment(r, rd.Account.ID, rd.Article.ID) // analytics
	return u.redirect(w, r, rd.Article.Path()+"#comments", "Your comment is posted.")
}

// serveLibraryMedia serves a media-library file at its public address
// (videos with range requests).
func (u *UI) serveLibraryMedia(w http.ResponseWriter, r *http.Request) error {
	a, err := u.Publish.PublicAsset(r.Context(), r.PathValue("media"))
	if err != nil {
		return err
	}
	return media.Serve(w, r, u.Publish.MediaStore(), a.Key, a.ContentType)
}

func pubWantsJSON(r *http.Request) bool {
	return r.Header.Get("Accept") == "application/json"
}

// publicationSource gives the follower app the folder and profiles.
type publicationSource struct{ s *publish.Store }

func folderItem(it publish.FolderItem) FolderItem {
	return FolderItem{AccountID: it.AccountID, AccountName: it.AccountName, AccountAvatar: it.AccountAvatar, Verified: it.Verified,
		PublicationID: it.PublicationID, ArticleID: it.FirstArticleID, Title: it.Title, CoverURL: it.CoverURL(), Articles: it.ArticleCount,
		At: it.CreatedAt, Seen: it.Seen}
}

func (p publicationSource) Folder(ctx context.Context, personID int64, cursor string, limit int) ([]FolderItem, string, error) {
	c, err := publish.ParseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	items, err := p.s.Folder(ctx, personID, c, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]FolderItem, len(items))
	for i, it := range items {
		out[i] = folderItem(it)
	}
	next := ""
	if len(items) == limit {
		next = publish.Next(items).String()
	}
	return out, next, nil
}

func (p publicationSource) MarkFolderSeen(ctx context.Context, personID int64) error {
	return p.s.MarkFolderRead(ctx, personID)
}

func (p publicationSource) Recent(ctx context.Context, accountID int64, limit int) ([]FolderItem, error) {
	list, err := p.s.Profile(ctx, accountID, 0, limit)
	if err != nil {
		return nil, err
	}
	out := make([]FolderItem, len(list))
	for i, pub := range list {
		out[i] = FolderItem{AccountID: accountID, PublicationID: pub.ID, ArticleID: pub.FirstArticleID, Title: pub.Title, CoverURL: pub.CoverURL(),
			Articles: pub.ArticleCount, At: pub.PublishedAt, Seen: true}
	}
	return out, nil
}
