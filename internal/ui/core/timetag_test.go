package core

import (
	"html/template"
	"testing"
	"time"
)

func TestTimeTag(t *testing.T) {
	at := time.Date(2026, 12, 5, 23, 4, 5, 600, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		format, class string
		want          template.HTML
	}{
		{"msg", "msg-time", `<time datetime="2026-12-05T15:04:05Z" data-fmt="msg" class="msg-time">2026-12-05 15:04 UTC</time>`},
		{"date", "", `<time datetime="2026-12-05T15:04:05Z" data-fmt="date">2026-12-05</time>`},
		{`a"<b`, `x&y`, `<time datetime="2026-12-05T15:04:05Z" data-fmt="a&#34;&lt;b" class="x&amp;y">2026-12-05 15:04 UTC</time>`},
	} {
		if got := TimeTag(at, c.format, c.class); got != c.want {
			t.Errorf("TimeTag(%q, %q) = %s, want %s", c.format, c.class, got, c.want)
		}
	}
	if got := TimeTag(time.Time{}, "msg", ""); got != "" {
		t.Errorf("zero time: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { TimeTag(at, "msg", "msg-time") }); n > 1 {
		t.Errorf("TimeTag allocates %v times, want 1", n)
	}
}
