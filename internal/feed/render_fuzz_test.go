package feed_test

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/feed"
)

// FuzzFeedsParse: whatever an account or article holds, both feeds are
// well-formed XML that keeps the title.
func FuzzFeedsParse(f *testing.F) {
	f.Add("Lotus", "Tea & <b>cakes</b>", "<p>x]]>y</p>", "digest")
	f.Add("a\x00b", "\xff\xfe", "<img src=\"/media/M1\">", "\x01")
	f.Fuzz(func(t *testing.T, name, title, body, digest string) {
		fd := &feed.Feed{Account: &account.Account{ID: 7, Name: name, CreatedAt: time.Unix(1, 0)}, Settings: feed.Settings{FullText: true},
			Entries: []feed.Entry{{ArticleID: 9, Title: title, Digest: digest, BodyHTML: body, Published: time.Unix(2, 0), Updated: time.Unix(3, 0)}}}
		for _, render := range []func(*feed.Feed, string) ([]byte, error){feed.RSS, feed.Atom} {
			out, err := render(fd, "https://h.example")
			if err != nil {
				t.Fatal(err)
			}
			d := xml.NewDecoder(bytesReader(out))
			for {
				_, err := d.Token()
				if err != nil {
					if err.Error() == "EOF" {
						break
					}
					t.Fatalf("not well-formed: %v\n%q", err, out)
				}
			}
		}
	})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
