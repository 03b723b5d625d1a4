package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/publish"
)

// ProfilePath is the account's public profile's path.
func ProfilePath(accountID int64) string { return fmt.Sprintf("/a/%d", accountID) }

// RSSPath is the RSS 2.0 feed's path.
func RSSPath(accountID int64) string { return fmt.Sprintf("/a/%d/rss.xml", accountID) }

// AtomPath is the Atom 1.0 feed's path.
func AtomPath(accountID int64) string { return fmt.Sprintf("/a/%d/atom.xml", accountID) }

// Content types.
const (
	RSSType  = "application/rss+xml"
	AtomType = "application/atom+xml"
)

// rootRelative matches src and href attributes holding a root-relative
// address in sanitised HTML (the sanitiser writes double-quoted attributes);
// feeds make them absolute, as feed readers have no page to resolve them
// against.
var rootRelative = regexp.MustCompile(`(\s(?:src|href))="/([^/"][^"]*)?"`)

// Absolutize makes the root-relative src and href addresses of sanitised
// HTML absolute under base.
func Absolutize(h, base string) string {
	base = strings.TrimRight(base, "/")
	return rootRelative.ReplaceAllString(h, `$1="`+base+`/$2"`)
}

// summaryHTML is an entry's excerpt: its cover and digest.
func summaryHTML(e *Entry, base string) string {
	var b strings.Builder
	if e.CoverMediaID != "" {
		fmt.Fprintf(&b, `<p><img src="%s%s" alt=""></p>`, base, html.EscapeString(publish.MediaPath(e.CoverMediaID)))
	}
	if e.Digest != "" {
		fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(e.Digest))
	}
	fmt.Fprintf(&b, `<p><a href="%s%s">Read the article</a></p>`, base, publish.ArticlePath(e.ArticleID))
	return b.String()
}

// ContentHTML is an entry's full text: the sanitised body (which holds an
// image post's pictures too) with absolute addresses.
func ContentHTML(e *Entry, base string) string { return Absolutize(e.BodyHTML, base) }

func (f *Feed) description() string {
	if f.Suspended {
		return f.Account.Name + " is suspended by the platform; its publications are not available."
	}
	if d := strings.TrimSpace(f.Account.Description); d != "" {
		return d
	}
	return "Publications of " + f.Account.Name + " on Herald."
}

// RSS 2.0 (https://www.rssboard.org/rss-specification) with the content
// module for full text and atom:link for the feed's own address.

type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	NSAtom    string     `xml:"xmlns:atom,attr"`
	NSContent string     `xml:"xmlns:content,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          rssSelf   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Docs          string    `xml:"docs"`
	Image         *rssImage `xml:"image,omitempty"`
	Items         []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Content     *text         `xml:"content:encoded,omitempty"`
	Enclosure   *rssEnclosure `xml:"enclosure,omitempty"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int64  `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

// text is escaped character data: encoding/xml replaces what XML cannot
// hold (invalid UTF-8, control characters) with U+FFFD, which a CDATA
// section would pass through.
type text struct {
	Value string `xml:",chardata"`
}

// RSS renders the feed as RSS 2.0; base is the platform's absolute base
// URL (https://herald.example).
func RSS(f *Feed, base string) ([]byte, error) {
	base = strings.TrimRight(base, "/")
	profile := base + ProfilePath(f.Account.ID)
	doc := rssDoc{Version: "2.0", NSAtom: "http://www.w3.org/2005/Atom", NSContent: "http://purl.org/rss/1.0/modules/content/",
		Channel: rssChannel{Title: f.Account.Name, Link: profile, Description: f.description(),
			Self:          rssSelf{Href: base + RSSPath(f.Account.ID), Rel: "self", Type: RSSType},
			LastBuildDate: f.Updated().Format(time.RFC1123Z), Generator: "Herald", Docs: "https://www.rssboard.org/rss-specification"}}
	if f.Account.AvatarPath != "" {
		doc.Channel.Image = &rssImage{URL: base + ProfilePath(f.Account.ID) + "/avatar", Title: f.Account.Name, Link: profile}
	}
	for i := range f.Entries {
		e := &f.Entries[i]
		link := base + publish.ArticlePath(e.ArticleID)
		it := rssItem{Title: e.Title, Link: link, GUID: rssGUID{IsPermaLink: "true", Value: link},
			PubDate: e.Published.UTC().Format(time.RFC1123Z), Description: summaryHTML(e, base)}
		if f.Settings.FullText {
			it.Content = &text{Value: ContentHTML(e, base)}
		}
		if v := e.Video; v != nil {
			it.Enclosure = &rssEnclosure{URL: base + publish.MediaPath(v.MediaID), Length: v.Size, Type: v.ContentType}
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	return marshal(doc)
}

// Atom 1.0 (RFC 4287).

type atomDoc struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Icon      string      `xml:"icon,omitempty"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr"`
	Type   string `xml:"type,attr,omitempty"`
	Href   string `xml:"href,attr"`
	Length int64  `xml:"length,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Links     []atomLink  `xml:"link"`
	Author    *atomPerson `xml:"author,omitempty"`
	Summary   atomText    `xml:"summary"`
	Content   *atomText   `xml:"content,omitempty"`
}

// Atom renders the feed as Atom 1.0.
func Atom(f *Feed, base string) ([]byte, error) {
	base = strings.TrimRight(base, "/")
	profile := base + ProfilePath(f.Account.ID)
	doc := atomDoc{ID: profile, Title: f.Account.Name, Subtitle: f.description(), Updated: f.Updated().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: AtomType, Href: base + AtomPath(f.Account.ID)},
			{Rel: "alternate", Type: "text/html", Href: profile},
		},
		Author: atomPerson{Name: f.Account.Name, URI: profile}, Generator: "Herald"}
	if f.Account.AvatarPath != "" {
		doc.Icon = profile + "/avatar"
	}
	for i := range f.Entries {
		e := &f.Entries[i]
		link := base + publish.ArticlePath(e.ArticleID)
		en := atomEntry{ID: link, Title: e.Title, Updated: e.Updated.UTC().Format(time.RFC3339), Published: e.Published.UTC().Format(time.RFC3339),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Summary: atomText{Type: "html", Value: summaryHTML(e, base)}}
		if e.Author != "" {
			en.Author = &atomPerson{Name: e.Author}
		}
		if f.Settings.FullText {
			en.Content = &atomText{Type: "html", Value: ContentHTML(e, base)}
		}
		if v := e.Video; v != nil {
			en.Links = append(en.Links, atomLink{Rel: "enclosure", Type: v.ContentType, Href: base + publish.MediaPath(v.MediaID), Length: v.Size})
		}
		doc.Entries = append(doc.Entries, en)
	}
	return marshal(doc)
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
