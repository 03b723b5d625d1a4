package follower

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// An account's presence outside the app: its public web profile (what
// /a/{account} shows to someone not signed in) and its RSS 2.0 and Atom
// feeds, with entity tags and Last-Modified for conditional requests. See
// docs/publishing.md (Feeds and the public profile).

// registerPublicProfile adds the feed routes; the profile itself shares
// /a/{account} with the signed-in follower's profile (accountPage).
func (u *UI) registerPublicProfile(h core.Route) {
	if u.Feeds == nil {
		return
	}
	h("GET /a/{account}/rss.xml", u.feedHandler(feed.FormatRSS))
	h("GET /a/{account}/atom.xml", u.feedHandler(feed.FormatAtom))
}

// accountPage is /a/{account}: the follower's profile (follow, message)
// for someone signed in, the public web profile for anyone else.
func (u *UI) accountPage(w http.ResponseWriter, r *http.Request) error {
	if web.Person(r) != nil || u.Feeds == nil {
		return u.SignedIn(u.accountProfile)(w, r)
	}
	return u.publicProfile(w, r)
}

// publicEntry is one article on the public profile.
type publicEntry struct {
	Path     string
	Title    string
	Digest   string
	CoverURL string
	At       time.Time
}

type publicProfileData struct {
	Account   *accountCard
	Suspended bool
	NoIndex   bool
	RSS       string
	Atom      string
	Entries   []publicEntry
	LoginURL  string
}

func (u *UI) loadFeed(r *http.Request) (*feed.Feed, error) {
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil || accountID <= 0 {
		return nil, errs.NotFoundf("No such account.")
	}
	return u.Feeds.Load(r.Context(), accountID)
}

// gone answers a terminated account with 410.
func (u *UI) gone(w http.ResponseWriter, r *http.Request, err error) error {
	p := u.NewPage(w, r, "Gone", nil)
	p.Error = errs.Message(err)
	w.Header().Set("X-Robots-Tag", "noindex")
	return u.Render(w, r, http.StatusGone, "app/error", p)
}

func robots(w http.ResponseWriter, noindex bool) {
	if noindex {
		w.Header().Set("X-Robots-Tag", "noindex")
	}
}

func (u *UI) publicProfile(w http.ResponseWriter, r *http.Request) error {
	f, err := u.loadFeed(r)
	if errors.Is(err, feed.ErrGone) {
		return u.gone(w, r, err)
	}
	if err != nil {
		return err
	}
	a := f.Account
	d := &publicProfileData{Account: u.card(a), Suspended: f.Suspended, NoIndex: f.Settings.NoIndex || f.Suspended,
		RSS: feed.RSSPath(a.ID), Atom: feed.AtomPath(a.ID), LoginURL: "/login?next=" + feed.ProfilePath(a.ID)}
	for _, e := range f.Entries {
		d.Entries = append(d.Entries, publicEntry{Path: publish.ArticlePath(e.ArticleID), Title: e.Title, Digest: e.Digest,
			CoverURL: publish.MediaPath(e.CoverMediaID), At: e.Published})
	}
	robots(w, d.NoIndex)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Vary", "Cookie")
	return u.Render(w, r, http.StatusOK, "app/profile_public", u.NewPage(w, r, a.Name, d))
}

// feedHandler serves one of the account's feeds. A request whose
// If-None-Match names the current entity tag, or (without If-None-Match)
// whose If-Modified-Since is not older than the last change, gets 304.
func (u *UI) feedHandler(format string) web.HandlerFunc {
	render, ctype := feed.RSS, feed.RSSType
	if format == feed.FormatAtom {
		render, ctype = feed.Atom, feed.AtomType
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := u.loadFeed(r)
		if errors.Is(err, feed.ErrGone) {
			w.Header().Set("X-Robots-Tag", "noindex")
			http.Error(w, errs.Message(err), http.StatusGone)
			return nil
		}
		if err != nil {
			return err
		}
		body, err := render(f, u.BaseURL)
		if err != nil {
			return err
		}
		etag, changed, err := u.Feeds.Version(r.Context(), f.Account.ID, format, body)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Last-Modified", changed.Format(http.TimeFormat))
		h.Set("Cache-Control", "public, max-age=300")
		robots(w, f.Settings.NoIndex || f.Suspended)
		if notModified(r, etag, changed) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Content-Type", ctype+"; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		_, err = w.Write(body)
		return err
	}
}

// notModified applies RFC 9110's conditional GET: If-None-Match wins when
// present (weak comparison); else If-Modified-Since.
func notModified(r *http.Request, etag string, changed time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil {
			return !changed.Truncate(time.Second).After(t)
		}
	}
	return false
}
