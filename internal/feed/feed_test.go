package feed_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/settings"
)

const base = "https://herald.example"

type env struct {
	t       *testing.T
	ctx     context.Context
	db      *db.DB
	clock   *clock.Offset
	pub     *publish.Store
	engine  *publish.Engine
	feeds   *feed.Store
	owner   int64
	account *account.Account
	removed map[int64]bool // taken-down articles
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	c := &clock.Offset{}
	e := &env{t: t, ctx: context.Background(), db: d, clock: c, removed: map[int64]bool{}}
	e.pub = publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: t.TempDir()}, Settings: settings.NewStore(d, c),
		TakenDown: func(_ context.Context, articleID int64) bool { return e.removed[articleID] }})
	e.engine = publish.NewEngine(e.pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.feeds = feed.NewStore(d, c, e.pub)
	e.owner = id.New()
	e.exec(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'Owner', 'x', 1, 1)`, e.owner)
	a, err := account.NewStore(d, c).Create(e.ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus & Tea",
		Description: "Tea, slowly.", Status: account.StatusActive, OwnerID: e.owner})
	if err != nil {
		t.Fatal(err)
	}
	e.account = a
	return e
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// asset adds a library file without uploading it.
func (e *env) asset(kind, contentType string, size int64) string {
	e.t.Helper()
	aid := id.New()
	e.exec(`INSERT INTO media_assets (id, account_id, kind, media_key, content_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, 1)`,
		aid, e.account.ID, kind, "k/"+publish.MediaID(aid), contentType, size)
	return publish.MediaID(aid)
}

func (e *env) publish(in publish.DraftInput) *publish.Publication {
	e.t.Helper()
	p, err := e.pub.SaveDraft(e.ctx, e.account.ID, e.owner, 0, in)
	if err != nil {
		e.t.Fatalf("save draft: %v", err)
	}
	j, err := e.pub.Send(e.ctx, e.account.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		e.t.Fatalf("send: %v", err)
	}
	if j, err = e.engine.Run(e.ctx, j.ID); err != nil || j.State != publish.JobDone {
		e.t.Fatalf("run: %v %+v", err, j)
	}
	e.clock.Advance(time.Minute)
	p, err = e.pub.Publication(e.ctx, e.account.ID, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// The feed documents as a reader parses them, namespaces resolved.

type rss struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Description string `xml:"description"`
		// <link> and <atom:link>: encoding/xml matches both by local
		// name, so they are told apart by namespace below.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Link          string                     `xml:"-"`
		Self          struct{ Href, Rel string } `xml:"-"`
		LastBuildDate string                     `xml:"lastBuildDate"`
		Items         []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			GUID        struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Value       string `xml:",chardata"`
			} `xml:"guid"`
			PubDate   string  `xml:"pubDate"`
			Content   *string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Enclosure *struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr"`
	Href   string `xml:"href,attr"`
	Length string `xml:"length,attr"`
}

type atom struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string     `xml:"http://www.w3.org/2005/Atom id"`
	Title   string     `xml:"http://www.w3.org/2005/Atom title"`
	Updated string     `xml:"http://www.w3.org/2005/Atom updated"`
	Links   []atomLink `xml:"http://www.w3.org/2005/Atom link"`
	Author  []struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Entries []struct {
		ID      string     `xml:"http://www.w3.org/2005/Atom id"`
		Title   string     `xml:"http://www.w3.org/2005/Atom title"`
		Updated string     `xml:"http://www.w3.org/2005/Atom updated"`
		Links   []atomLink `xml:"http://www.w3.org/2005/Atom link"`
		Author  []struct {
			Name string `xml:"http://www.w3.org/2005/Atom name"`
		} `xml:"http://www.w3.org/2005/Atom author"`
		Summary *struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://www.w3.org/2005/Atom summary"`
		Content *struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://www.w3.org/2005/Atom content"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

func absolute(t *testing.T, what, s string) {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		t.Errorf("%s %q is not an absolute URL", what, s)
	}
}

func parseRSS(t *testing.T, f *feed.Feed) rss {
	t.Helper()
	body, err := feed.RSS(f, base)
	if err != nil {
		t.Fatal(err)
	}
	var doc rss
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("RSS does not parse: %v\n%s", err, body)
	}
	for _, l := range doc.Channel.Links {
		switch l.XMLName.Space {
		case "":
			doc.Channel.Link = l.Value
		case "http://www.w3.org/2005/Atom":
			doc.Channel.Self.Href, doc.Channel.Self.Rel = l.Href, l.Rel
		}
	}
	// RSS 2.0: version, and a channel's required title, link and description.
	if doc.Version != "2.0" {
		t.Errorf("rss version %q", doc.Version)
	}
	c := doc.Channel
	if c.Title == "" || c.Link == "" || c.Description == "" {
		t.Errorf("channel lacks a required element: %+v", c)
	}
	absolute(t, "channel link", c.Link)
	if c.Self.Rel != "self" || c.Self.Href != base+feed.RSSPath(f.Account.ID) {
		t.Errorf("atom:link self = %+v", c.Self)
	}
	if _, err := time.Parse(time.RFC1123Z, c.LastBuildDate); err != nil {
		t.Errorf("lastBuildDate %q is not RFC 822: %v", c.LastBuildDate, err)
	}
	for _, it := range c.Items {
		// An item needs a title or a description.
		if it.Title == "" && it.Description == "" {
			t.Errorf("item with neither title nor description: %+v", it)
		}
		absolute(t, "item link", it.Link)
		if it.GUID.Value != it.Link || it.GUID.IsPermaLink != "true" {
			t.Errorf("guid %+v for link %s", it.GUID, it.Link)
		}
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("pubDate %q is not RFC 822: %v", it.PubDate, err)
		}
		if en := it.Enclosure; en != nil {
			absolute(t, "enclosure url", en.URL)
			if en.Length == "" || en.Length == "0" || en.Type == "" {
				t.Errorf("enclosure lacks length or type: %+v", en)
			}
		}
	}
	return doc
}

func parseAtom(t *testing.T, f *feed.Feed) atom {
	t.Helper()
	body, err := feed.Atom(f, base)
	if err != nil {
		t.Fatal(err)
	}
	var doc atom
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("Atom does not parse: %v\n%s", err, body)
	}
	// RFC 4287: atom:feed has id, title, updated; an author unless every
	// entry has one; ids are absolute IRIs; dates are RFC 3339.
	if doc.ID == "" || doc.Title == "" || doc.Updated == "" {
		t.Errorf("feed lacks id, title or updated: %+v", doc)
	}
	absolute(t, "feed id", doc.ID)
	if _, err := time.Parse(time.RFC3339, doc.Updated); err != nil {
		t.Errorf("feed updated %q: %v", doc.Updated, err)
	}
	if len(doc.Author) == 0 || doc.Author[0].Name == "" {
		t.Errorf("feed has no author")
	}
	self := false
	for _, l := range doc.Links {
		absolute(t, "feed link", l.Href)
		self = self || (l.Rel == "self" && l.Href == base+feed.AtomPath(f.Account.ID))
	}
	if !self {
		t.Errorf("no rel=self link: %+v", doc.Links)
	}
	for _, e := range doc.Entries {
		if e.ID == "" || e.Title == "" || e.Updated == "" {
			t.Errorf("entry lacks id, title or updated: %+v", e)
		}
		absolute(t, "entry id", e.ID)
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry updated %q: %v", e.Updated, err)
		}
		alternate := false
		for _, l := range e.Links {
			absolute(t, "entry link", l.Href)
			alternate = alternate || l.Rel == "alternate"
			if l.Rel == "enclosure" && (l.Length == "" || l.Type == "") {
				t.Errorf("enclosure lacks length or type: %+v", l)
			}
		}
		// Without content, an entry needs an alternate link and a summary.
		if e.Content == nil && (!alternate || e.Summary == nil) {
			t.Errorf("entry without content lacks alternate link or summary: %+v", e)
		}
	}
	return doc
}

func TestFeedsFollowTheRSSAndAtomRules(t *testing.T) {
	e := newEnv(t)
	cover := e.asset(publish.AssetImage, "image/png", 100)
	inline := e.asset(publish.AssetImage, "image/png", 100)
	video := e.asset(publish.AssetVideo, "video/mp4", 123456)

	news := e.publish(publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring harvest", Author: "Lin", Digest: "What the first flush tastes like.", CoverMediaID: cover,
			Body: "## Spring\n\nThe *first* flush. <script>alert(1)</script><a href=\"javascript:alert(2)\">x</a>\n\n![leaf](/media/" + inline + ")"},
		{Title: "Brewing & water", Body: "Use water at 80 °C."},
	}})
	vid := e.publish(publish.DraftInput{Kind: publish.KindVideo, VideoMediaID: video, Articles: []publish.ArticleInput{{Title: "Watch us roll leaves", Body: "A video."}}})
	gone := e.publish(publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Deleted later", Body: "x"}}})
	if err := e.pub.DeletePublished(e.ctx, e.account.ID, gone.ID); err != nil {
		t.Fatal(err)
	}
	bad := e.publish(publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Taken down", Body: "x"}}})
	e.removed[bad.FirstArticleID] = true
	if _, err := e.pub.SaveDraft(e.ctx, e.account.ID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Only a draft", Body: "x"}}}); err != nil {
		t.Fatal(err)
	}

	f, err := e.feeds.Load(e.ctx, e.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Newest publication first, its articles in order; nothing unpublished,
	// deleted or taken down.
	var titles []string
	for _, en := range f.Entries {
		titles = append(titles, en.Title)
	}
	if got, want := strings.Join(titles, "|"), "Watch us roll leaves|Spring harvest|Brewing & water"; got != want {
		t.Fatalf("entries %q, want %q", got, want)
	}

	// Excerpts (the default): no full text anywhere.
	doc := parseRSS(t, f)
	if doc.Channel.Title != "Lotus & Tea" || doc.Channel.Link != base+feed.ProfilePath(e.account.ID) || doc.Channel.Description != "Tea, slowly." {
		t.Errorf("channel %q %q %q", doc.Channel.Title, doc.Channel.Link, doc.Channel.Description)
	}
	if len(doc.Channel.Items) != 3 {
		t.Fatalf("%d items", len(doc.Channel.Items))
	}
	first := doc.Channel.Items[1]
	if first.Link != base+"/s/"+itoa(news.Articles[0].ID) {
		t.Errorf("item link %s", first.Link)
	}
	if first.Content != nil {
		t.Errorf("excerpt feed carries content:encoded")
	}
	if !strings.Contains(first.Description, "What the first flush tastes like.") || !strings.Contains(first.Description, `src="`+base+"/media/"+cover+`"`) {
		t.Errorf("excerpt lacks digest or absolute cover: %s", first.Description)
	}
	if en := doc.Channel.Items[0].Enclosure; en == nil || en.URL != base+"/media/"+video || en.Length != "123456" || en.Type != "video/mp4" {
		t.Errorf("video enclosure %+v", en)
	}
	if doc.Channel.Items[0].Link != base+"/s/"+itoa(vid.FirstArticleID) {
		t.Errorf("video item link %s", doc.Channel.Items[0].Link)
	}
	adoc := parseAtom(t, f)
	if len(adoc.Entries) != 3 || adoc.Entries[1].Content != nil || adoc.Entries[1].Author[0].Name != "Lin" {
		t.Errorf("atom excerpt entries: %+v", adoc.Entries)
	}

	// Full text: content is the sanitised body with absolute addresses.
	if err := e.feeds.SetSettings(e.ctx, e.account.ID, feed.Settings{FullText: true}); err != nil {
		t.Fatal(err)
	}
	if f, err = e.feeds.Load(e.ctx, e.account.ID); err != nil {
		t.Fatal(err)
	}
	want := feed.Absolutize(news.Articles[0].BodyHTML, base)
	doc = parseRSS(t, f)
	adoc = parseAtom(t, f)
	for _, got := range []string{deref(doc.Channel.Items[1].Content), adoc.Entries[1].Content.Value} {
		if got != want {
			t.Errorf("content\n%s\nwant the sanitised body\n%s", got, want)
		}
		if strings.Contains(got, "<script") || strings.Contains(got, "javascript:") {
			t.Errorf("content is not sanitised: %s", got)
		}
		if !strings.Contains(got, `src="`+base+"/media/"+inline+`"`) || !strings.Contains(got, "<em>first</em>") {
			t.Errorf("content lacks the body or its absolute image: %s", got)
		}
	}
	if adoc.Entries[1].Content.Type != "html" {
		t.Errorf("atom content type %q", adoc.Entries[1].Content.Type)
	}
}

func TestSuspendedTerminatedAndHiddenAccounts(t *testing.T) {
	e := newEnv(t)
	e.publish(publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Hello", Body: "x"}}})

	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, e.account.ID)
	f, err := e.feeds.Load(e.ctx, e.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Suspended || len(f.Entries) != 0 {
		t.Fatalf("suspended feed: %+v", f)
	}
	doc := parseRSS(t, f)
	if len(doc.Channel.Items) != 0 || !strings.Contains(doc.Channel.Description, "suspended") {
		t.Errorf("suspended channel %+v", doc.Channel)
	}
	parseAtom(t, f)

	e.exec(`UPDATE accounts SET status = 'terminated' WHERE id = ?`, e.account.ID)
	if _, err := e.feeds.Load(e.ctx, e.account.ID); !errors.Is(err, feed.ErrGone) {
		t.Errorf("terminated: %v, want ErrGone", err)
	}
	e.exec(`UPDATE accounts SET status = 'pending' WHERE id = ?`, e.account.ID)
	if _, err := e.feeds.Load(e.ctx, e.account.ID); !errors.Is(err, errs.NotFound) || errors.Is(err, feed.ErrGone) {
		t.Errorf("pending: %v, want not found", err)
	}
	if _, err := e.feeds.Load(e.ctx, 12345); !errors.Is(err, errs.NotFound) {
		t.Errorf("unknown account: %v", err)
	}
}

func TestVersionChangesOnlyWithContent(t *testing.T) {
	e := newEnv(t)
	tag1, at1, err := e.feeds.Version(e.ctx, e.account.ID, feed.FormatRSS, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	tag2, at2, err := e.feeds.Version(e.ctx, e.account.ID, feed.FormatRSS, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	if tag1 != tag2 || !at1.Equal(at2) {
		t.Errorf("same content: %s %v then %s %v", tag1, at1, tag2, at2)
	}
	tag3, at3, err := e.feeds.Version(e.ctx, e.account.ID, feed.FormatRSS, []byte("two"))
	if err != nil {
		t.Fatal(err)
	}
	if tag3 == tag1 || at3.Sub(at1) < time.Hour-time.Second {
		t.Errorf("new content: %s %v after %s %v", tag3, at3, tag1, at1)
	}
	// The Atom feed keeps its own version.
	if tagA, _, _ := e.feeds.Version(e.ctx, e.account.ID, feed.FormatAtom, []byte("one")); tagA == tag1 {
		t.Errorf("atom and rss share an etag")
	}
}

func TestSettingsDefaultAndSave(t *testing.T) {
	e := newEnv(t)
	st, err := e.feeds.Settings(e.ctx, e.account.ID)
	if err != nil || st.FullText || st.NoIndex {
		t.Fatalf("default settings %+v %v", st, err)
	}
	if err := e.feeds.SetSettings(e.ctx, e.account.ID, feed.Settings{FullText: true, NoIndex: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.feeds.SetSettings(e.ctx, e.account.ID, feed.Settings{NoIndex: true}); err != nil {
		t.Fatal(err)
	}
	if st, err = e.feeds.Settings(e.ctx, e.account.ID); err != nil || st.FullText || !st.NoIndex {
		t.Fatalf("saved settings %+v %v", st, err)
	}
}

func TestAbsolutize(t *testing.T) {
	in := `<p><img src="/media/M1" alt=""><a href="/s/2" rel="nofollow">a</a><a href="//evil.example/x">b</a><a href="https://x.example/">c</a><img src="/cgi-bin/media/pic?media_id=X"></p>`
	want := `<p><img src="https://h.example/media/M1" alt=""><a href="https://h.example/s/2" rel="nofollow">a</a><a href="//evil.example/x">b</a><a href="https://x.example/">c</a><img src="https://h.example/cgi-bin/media/pic?media_id=X"></p>`
	if got := feed.Absolutize(in, "https://h.example/"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
