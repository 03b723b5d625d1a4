package publish_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
)

// FuzzIDsAndCursors: media_ids, article ids and paths and folder cursors
// from URLs parse to a positive id or an error, never panic, and what
// Herald makes reads back as itself.
func FuzzIDsAndCursors(f *testing.F) {
	for _, s := range []string{"M1", "Mzzzzzzzzzzzz", "D-1", "A0", "M", "", "12345", "-5", "1a.2b", ".", "9223372036854775807"} {
		f.Add(s, int64(387561794153598976))
	}
	f.Fuzz(func(t *testing.T, s string, v int64) {
		for _, p := range []string{"M", "D", "A"} {
			if id, err := publish.ParseID(p, s); err == nil && id <= 0 {
				t.Fatalf("ParseID(%q, %q) = %d", p, s, id)
			}
		}
		if id, err := publish.ParseArticlePath(s); err == nil && id <= 0 {
			t.Fatalf("ParseArticlePath(%q) = %d", s, id)
		}
		if c, err := folder.ParseCursor(s); err == nil && s != "" && c.At <= 0 {
			t.Fatalf("ParseCursor(%q) = %+v", s, c)
		}
		if v <= 0 {
			return
		}
		if id, err := publish.ParseID("M", publish.MediaID(v)); err != nil || id != v {
			t.Fatalf("media_id of %d reads as %d, %v", v, id, err)
		}
		if id, err := publish.ParseID("A", publish.ArticleID(v)); err != nil || id != v {
			t.Fatalf("article_id of %d reads as %d, %v", v, id, err)
		}
		c := folder.Cursor{At: v, ID: v / 3}
		if back, err := folder.ParseCursor(c.String()); err != nil || back != c {
			t.Fatalf("cursor %+v reads as %+v, %v", c, back, err)
		}
	})
}
