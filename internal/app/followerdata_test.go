package app

import (
	"encoding/json"
	"testing"

	"github.com/heraldoa/herald/internal/db"
)

// TestFollowerScopesRoundTrip: the scopes a node announces are the ones the
// other reads, whether the event carries the text or its JSON; a message it
// cannot read counts as global (nil), never as a narrower scope.
func TestFollowerScopesRoundTrip(t *testing.T) {
	keys := map[db.FollowerKey]bool{{Account: 1, OpenID: "oA-b_c"}: true, {Account: 2}: true}
	text := formatFollowerScopes(keys)
	raw, _ := json.Marshal(text)
	for _, data := range []any{text, json.RawMessage(raw)} {
		got := parseFollowerScopes(data)
		if len(got) != len(keys) {
			t.Fatalf("%T: read %v from %q", data, got, text)
		}
		for _, k := range got {
			if !keys[k] {
				t.Errorf("%T: read %v, not announced", data, k)
			}
		}
	}
	for _, bad := range []any{nil, "", "x y", "1 o\nnotanumber", 42, json.RawMessage(`{}`)} {
		if got := parseFollowerScopes(bad); got != nil {
			t.Errorf("%#v read as %v, want global", bad, got)
		}
	}
	if formatFollowerScopes(map[db.FollowerKey]bool{{Account: 1, OpenID: "a b"}: true}) != "" {
		t.Error("an openid with a space was announced, not as global")
	}
}

func FuzzParseFollowerScopes(f *testing.F) {
	f.Add("1 o1\n2")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		keys := parseFollowerScopes(s)
		if len(keys) > maxAnnouncedScopes {
			t.Errorf("%d scopes read, the bound is %d", len(keys), maxAnnouncedScopes)
		}
	})
}
