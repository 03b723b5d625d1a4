package menu_test

import (
	"encoding/json"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
)

// FuzzMenuJSON: any menu/create body either fails to decode, or is refused
// with a domain error that says why, or is a menu whose encoding decodes
// and validates again; nothing panics.
func FuzzMenuJSON(f *testing.F) {
	for _, s := range []string{
		`{"button":[{"type":"click","name":"Today","key":"V1001_TODAY_MUSIC"}]}`,
		`{"button":[{"name":"Menu","sub_button":[{"type":"view","name":"Search","url":"http://www.soso.com/"},{"type":"click","name":"Like","key":"V1001_GOOD"}]}]}`,
		`{"button":[{"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"}]}`,
		`{"button":[{"type":"view","name":"x","url":"javascript:alert(1)"}]}`,
		`{"button":[]}`, `{}`, `{"button":[{"type":"click"}]}`,
		`{"button":[{"type":"text","name":"Hours","value":"Open 9-18"},{"name":"More","sub_button":[{"type":"img","name":"P","value":"M1"},{"type":"news","name":"S","value":"42"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in struct {
			Button []menu.Button `json:"button"`
		}
		if json.Unmarshal(b, &in) != nil {
			return
		}
		if err := menu.Validate(in.Button); err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				t.Fatalf("refused without a reason: %v", err)
			}
			return
		}
		again, err := json.Marshal(in.Button)
		if err != nil {
			t.Fatal(err)
		}
		var back []menu.Button
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatal(err)
		}
		if err := menu.Validate(back); err != nil {
			t.Fatalf("a valid menu is invalid once stored: %v", err)
		}
	})
}
