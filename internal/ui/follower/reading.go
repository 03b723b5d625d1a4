package follower

import (
	"context"
	"io"
	"net/http"

	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// registerPublishing adds the routes of this feature. See docs/publishing.md.
func (u *UI) registerReading(h core.Route) {
	if u.Publish == nil {
		return
	}
	if u.Publications == nil {
		u.Publications = publicationSource{u.Publish, u.Folder}
	}
	// Reading (public) and the media library's public addresses.
	h("GET /s/{article}", core.ShortReads(core.OwnSession(u.readArticle)))
	h("POST /s/{article}/react", u.SignedIn(u.reactArticle))
	h("POST /s/{article}/comments", u.SignedIn(u.commentArticle))
	h("GET /media/{media}", u.serveLibraryMedia)
}

func (u *UI) loadReading(r *http.Request) (*publish.Reading, string, error) {
	articleID, err := publish.ParseArticlePath(r.PathValue("article"))
	if err != nil {
		return nil, "", err
	}
	key := r.URL.Query().Get("k")
	if key == "" {
		key = r.PostFormValue("k")
	}
	// The article's statement reads the person's session too when the
	// page is left to read it (web.PageSession).
	if ref, ok := web.PageSession(r); ok {
		var row user.SessionRow
		rd, err := u.Publish.ReadAs(r.Context(), articleID, ref, &row, key)
		if err != nil {
			return nil, "", err
		}
		if _, err := web.PageSessionRead(r, ref, &row); err != nil {
			return nil, "", err
		}
		return rd, key, nil
	}
	var viewer int64
	if me := web.Person(r); me != nil {
		viewer = me.ID
	}
	rd, err := u.Publish.Read(r.Context(), articleID, viewer, key)
	return rd, key, err
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
	p := u.NewPage(w, r, rd.Article.Title, u.ArticleData(rd, key))
	if rd.Preview {
		w.Header().Set("X-Robots-Tag", "noindex")
		w.Header().Set("Cache-Control", "private, no-store")
	}
	return u.Render(w, r, http.StatusOK, "app/article", p)
}

func (u *UI) reactArticle(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
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
	if core.WantsJSON(r) {
		return web.JSON(w, http.StatusOK, map[string]any{"likes": likes, "wows": wows, "on": on})
	}
	return u.Redirect(w, r, publish.ArticlePath(articleID)+"#reactions", "")
}

func (u *UI) commentArticle(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	rd, key, err := u.loadReading(r)
	if err != nil {
		return err
	}
	_, err = u.Publish.AddComment(r.Context(), rd.Article.ID, web.Person(r).ID, r.PostFormValue("body"))
	if err != nil {
		d := u.ArticleData(rd, key)
		d.Comment = r.PostFormValue("body")
		return u.FormError(w, r, "app/article", u.NewPage(w, r, rd.Article.Title, d), err)
	}
	u.recordComment(r, rd.Account.ID, rd.Article.ID) // analytics
	return u.Redirect(w, r, rd.Article.Path()+"#comments", "Your comment is posted.")
}

// serveLibraryMedia serves a media-library file at its address (videos
// with range requests): the unguessable /media/M<id>-<token> to anyone who
// has it, the plain /media/M<id> only for published files
// (publish.ServedAsset). A withdrawn file answers 410 with the reason.
func (u *UI) serveLibraryMedia(w http.ResponseWriter, r *http.Request) error {
	a, err := u.Publish.ServedAsset(r.Context(), r.PathValue("media"))
	if err != nil {
		return err
	}
	if a.Withdrawn != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusGone)
		_, err := io.WriteString(w, "This file is no longer served. "+a.Withdrawn+"\n")
		return err
	}
	return media.Serve(w, r, u.Publish.MediaStore(), a.Key, a.ContentType)
}

// publicationSource gives the follower app the folder and profiles.
type publicationSource struct {
	s      *publish.Store
	folder *folder.Store
}

func folderItem(it folder.Item) core.FolderItem {
	return core.FolderItem{AccountID: it.AccountID, AccountName: it.AccountName, AccountAvatar: it.AccountAvatar, Verified: it.Verified,
		PublicationID: it.PublicationID, ArticleID: it.FirstArticleID, Title: it.Title, CoverURL: it.CoverURL(), Articles: it.ArticleCount,
		At: it.CreatedAt, Seen: it.Seen}
}

func (p publicationSource) Folder(ctx context.Context, personID int64, cursor string, limit int) ([]core.FolderItem, string, error) {
	c, err := folder.ParseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	items, err := p.folder.Items(ctx, personID, c, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]core.FolderItem, len(items))
	for i, it := range items {
		out[i] = folderItem(it)
	}
	next := ""
	if len(items) == limit {
		next = folder.Next(items).String()
	}
	return out, next, nil
}

func (p publicationSource) FolderTop(ctx context.Context, personID int64, limit int, also core.FolderAlso) (core.FolderTopPage, error) {
	top, err := p.folder.TopAlso(ctx, personID, limit, folder.Also{Following: also.Following, Chats: also.Chats, Session: also.Session})
	if err != nil {
		return core.FolderTopPage{}, err
	}
	page := core.FolderTopPage{Items: make([]core.FolderItem, len(top.Items)), Following: top.Following, Session: top.Session}
	for i, it := range top.Items {
		page.Items[i] = folderItem(it)
	}
	if len(top.Items) == limit {
		page.Next = folder.Next(top.Items).String()
	}
	if len(top.Chats) > 0 {
		page.Chats = make([]core.SubscriptionChat, len(top.Chats))
		for i, c := range top.Chats {
			page.Chats[i] = core.SubscriptionChat{AccountID: c.AccountID, AccountName: c.AccountName, AccountAvatar: c.AccountAvatar,
				Verified: c.Verified, LastAt: c.LastAt, Preview: c.Preview, Unread: c.Unread}
		}
	}
	return page, nil
}

func (p publicationSource) MarkFolderSeen(ctx context.Context, personID int64) error {
	return p.folder.MarkRead(ctx, personID)
}

func (p publicationSource) Recent(ctx context.Context, accountID, personID int64, limit int) ([]core.FolderItem, error) {
	list, err := p.s.ProfileFor(ctx, accountID, personID, 0, limit)
	if err != nil {
		return nil, err
	}
	out := make([]core.FolderItem, len(list))
	for i, pub := range list {
		out[i] = core.FolderItem{AccountID: accountID, PublicationID: pub.ID, ArticleID: pub.FirstArticleID, Title: pub.Title, CoverURL: pub.CoverURL(),
			Articles: pub.ArticleCount, At: pub.PublishedAt, Seen: true}
	}
	return out, nil
}
