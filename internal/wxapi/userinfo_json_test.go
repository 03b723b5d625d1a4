package wxapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/follow"
)

// user/info's hand-written answer is byte for byte what encoding/json
// writes for the same follower, so clients see no difference.
func TestUserInfoJSON(t *testing.T) {
	at := time.Unix(1700000000, 0)
	follows := []follow.Follow{
		{OpenID: "o1", Following: true, Source: follow.SourceSearch, SubscribedAt: at},
		{OpenID: "o2", Following: true, Source: follow.SourceQR, Scene: "42", Remark: `Ann "<b>" \ 备注`, SubscribedAt: at},
		{OpenID: "o3", Following: true, Source: follow.SourceQR, Scene: "summer\u2028sale\x01", SubscribedAt: at},
		{OpenID: "o4\xff", Following: false, Remark: "gone"},
		{OpenID: "o5", Following: true, Source: "unknown", SubscribedAt: at},
	}
	for _, f := range follows {
		for _, tags := range [][]int64{{}, {2}, {100, 101, 2}, nil} {
			u := infoOf(&f, tags)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(u); err != nil {
				t.Fatal(err)
			}
			want := string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
			if got := string(u.appendJSON(nil)); got != want {
				t.Errorf("appendJSON = %s\nencoding/json writes %s", got, want)
			}
		}
	}
}

// A query parameter is read as url.ParseQuery(raw).Get reads it, escapes,
// repeated names, semicolons and broken escapes included.
func TestQueryValueMatchesParseQuery(t *testing.T) {
	raws := []string{"", "a=1", "a=1&a=2", "b=2&a=%41%20b+c", "a;b=1&a=2", "a=%zz&a=3", "%61=4", "%zz=1&a=5", "a", "a=&a=1",
		"access_token=T0k&openid=o%2Bx", "openid=o+x&openid=", "&&a=6&", "a%3D=7&a=8"}
	alphabet := []byte("a=&%;+2AzG")
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := make([]byte, r.IntN(14))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		raws = append(raws, string(b))
	}
	for _, raw := range raws {
		v, _ := url.ParseQuery(raw)
		for _, name := range []string{"a", "a=", "access_token", "openid"} {
			if got, want := queryValue(raw, name), v.Get(name); got != want {
				t.Fatalf("queryValue(%q, %q) = %q, url.ParseQuery gives %q", raw, name, got, want)
			}
		}
	}
}
