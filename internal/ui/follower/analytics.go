package follower

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// ReadSurface tells where an article was opened from: the "from" query
// parameter when a link sets it, else the page that linked to it (the
// conversation, the Subscriptions folder or the account's profile), else a
// shared link.
func ReadSurface(r *http.Request) string {
	switch f := r.URL.Query().Get("from"); f {
	case analytics.SurfaceChat, analytics.SurfaceFolder, analytics.SurfaceProfile, analytics.SurfaceLink:
		return f
	}
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return analytics.SurfaceLink
	}
	switch p := ref.Path; {
	case strings.HasPrefix(p, "/chat/"):
		return analytics.SurfaceChat
	case strings.HasPrefix(p, "/subscriptions"):
		return analytics.SurfaceFolder
	case strings.HasPrefix(p, "/a/"):
		return analytics.SurfaceProfile
	}
	return analytics.SurfaceLink
}

// articleBeacon records read completion, link clicks and shares sent by
// the reading page's script (navigator.sendBeacon). It answers 204 and
// ignores what it does not know.
func (u *UI) articleBeacon(w http.ResponseWriter, r *http.Request) error {
	articleID, err := strconv.ParseInt(r.PathValue("article"), 10, 64)
	if err != nil {
		return errs.NotFoundf("No such article.")
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	ev := analytics.Event{ObjectID: articleID, Device: analytics.DeviceClass(r.UserAgent())}
	switch r.PostForm.Get("what") {
	case "complete":
		ev.Kind = analytics.KindReadComplete
	case "link":
		ev.Kind, ev.Surface = analytics.KindLinkClick, "body"
		if r.PostForm.Get("where") == "source" {
			ev.Surface = "source"
		}
	case "share":
		ev.Kind, ev.Surface = analytics.KindShare, "link"
	default:
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	ev.AccountID, err = u.AnalyticsStore.PublishedArticleAccount(r.Context(), articleID)
	if err != nil {
		if errors.Is(err, errs.NotFound) {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return err
	}
	if me := web.Person(r); me != nil {
		ev.PersonID = me.ID
	}
	u.Analytics.Record(ev)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// viewerID is the signed-in person's id, or 0.
func viewerID(r *http.Request) int64 {
	if me := web.Person(r); me != nil {
		return me.ID
	}
	return 0
}

// recordRead captures a read of an article on the reading page (not
// previews), with the surface it was opened from and the device class.
func (u *UI) recordRead(r *http.Request, accountID, articleID int64) {
	u.Analytics.Record(analytics.Event{AccountID: accountID, Kind: analytics.KindRead, PersonID: viewerID(r), ObjectID: articleID,
		Surface: ReadSurface(r), Device: analytics.DeviceClass(r.UserAgent())})
}

// recordArticle captures a like, wow or comment (kind) on an article of
// accountID; with accountID 0 the article's account is looked up.
func (u *UI) recordArticle(r *http.Request, accountID, articleID int64, kind string) {
	if u.Analytics == nil || u.AnalyticsStore == nil {
		return
	}
	if accountID == 0 {
		a, err := u.AnalyticsStore.PublishedArticleAccount(r.Context(), articleID)
		if err != nil {
			return
		}
		accountID = a
	}
	u.Analytics.Record(analytics.Event{AccountID: accountID, Kind: kind, PersonID: viewerID(r), ObjectID: articleID,
		Device: analytics.DeviceClass(r.UserAgent())})
}

// recordImpressions captures the publications a follower was shown (their
// first articles) on a surface: the Subscriptions folder or a chat.
// They go to the recorder as one batch (one wake of its writer per page).
func (u *UI) recordImpressions(r *http.Request, items []core.FolderItem, surface string) {
	if u.Analytics == nil || len(items) == 0 {
		return
	}
	me := viewerID(r)
	evs := make([]analytics.Event, 0, len(items))
	for _, it := range items {
		evs = append(evs, analytics.Event{AccountID: it.AccountID, Kind: analytics.KindImpression, PersonID: me, ObjectID: it.ArticleID, Surface: surface})
	}
	u.Analytics.RecordAll(evs)
}

// recordComment captures a comment posted on an article.
func (u *UI) recordComment(r *http.Request, accountID, articleID int64) {
	u.recordArticle(r, accountID, articleID, analytics.KindComment)
}

// recordFolderImpressions captures the publications shown in a follower's
// Subscriptions folder.
func (u *UI) recordFolderImpressions(r *http.Request, items []core.FolderItem) {
	u.recordImpressions(r, items, analytics.SurfaceFolder)
}

// registerAnalytics adds what the reading page's script reports.
func (u *UI) registerAnalytics(h core.Route) {
	if u.AnalyticsStore == nil {
		return
	}
	// What the reading page's script reports: the end of an article
	// reached, a link in it followed, its link copied to share.
	h("POST /analytics/article/{article}", u.articleBeacon)
}
