package jsontext

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// AppendString writes every string as encoding/json does, so a
// hand-encoded answer or export line reads the same to any client.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	want := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	cases := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "中文 remark 备注", "\u2028\u2029", "tab\tnl\nret\r\b\f\x00\x1f\x7f",
		"bad \xff utf-8 \xe4\xb8", "emoji 😀", "\u00e9\u0301"}
	for c := 0; c < 256; c++ {
		cases = append(cases, string([]byte{'a', byte(c), 'z'}))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b), "x\u2028"+string(b)+"\u4e2d")
	}
	for _, s := range cases {
		if got, w := string(AppendString(nil, s)), want(s); got != w {
			t.Fatalf("AppendString(%q) = %s, encoding/json writes %s", s, got, w)
		}
	}
}
