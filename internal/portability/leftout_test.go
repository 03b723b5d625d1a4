package portability

import (
	"encoding/json"
	"testing"

	"github.com/heraldoa/herald/internal/i18n"
)

// What a move left out is stored as codes and written in the reader's
// language from domain.json; a report stored before codes keeps its lines.
func TestLeftOutIsWrittenInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for code, f := range leftOutTexts {
		for _, l := range i18n.Langs {
			if !cat.Has(l, f) || cat.Area(l, f) != "domain.json" {
				t.Errorf("%s: %s lacks %q in domain.json", code, l, f)
			}
		}
	}
	r := &WeChatReport{}
	r.skip("rule.replies", "Prices", "7", "5")
	b, _ := json.Marshal(r)
	var back WeChatReport
	if err := json.Unmarshal(b, &back); err != nil || len(back.LeftOut) != 1 {
		t.Fatalf("stored report %s: %v", b, err)
	}
	if got := back.LeftOut[0].In(cat.Locale(i18n.Simplified)); got != `自动回复 "Prices"：共 7 条回复，只保留前 5 条` {
		t.Errorf("in Chinese: %q", got)
	}
	if got := back.LeftOut[0].English(); got != `Auto-reply "Prices": 7 replies, only the first 5 kept` {
		t.Errorf("in English: %q", got)
	}
	var old WeChatReport
	if err := json.Unmarshal([]byte(`{"Followers":3,"Skipped":["menu button \"A\": its image x was not pulled"]}`), &old); err != nil ||
		len(old.Skipped) != 1 || len(old.LeftOut) != 0 {
		t.Errorf("an old report reads as %+v (%v)", old, err)
	}
}
