package portability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzBuildWeChatArchive feeds arbitrary API answers (as a pull keeps them)
// to the archive builder: it must refuse them or build an archive that
// opens, and no article body may carry script.
func FuzzBuildWeChatArchive(f *testing.F) {
	f.Add([]byte(`{"menu_get":{"menu":{"button":[{"type":"click","name":"A","key":"K"},{"name":"B","sub_button":[{"type":"media_id","name":"m","media_id":"X"}]}]},"conditionalmenu":[{"button":[{"type":"view","name":"V","url":"https://a.example/"}],"matchrule":{"tag_id":"100"}}]}}`),
		[]byte(`{"is_autoreply_open":1,"message_default_autoreply_info":{"type":"text","content":"hi"},"keyword_autoreply_info":{"list":[{"rule_name":"r","reply_mode":"random_one","keyword_list_info":[{"type":"text","match_mode":"contain","content":"tea"}],"reply_list_info":[{"type":"news","news_info":{"list":[{"title":"t","content_url":"https://a.example/"}]}}]}]}}`),
		[]byte(`{"total_count":1,"item_count":1,"item":[{"media_id":"D1","content":{"news_item":[{"title":"T","content":"<p>x</p><img data-src=\"https://a.example/1.png\"><script>alert(1)</script><img src=x onerror=alert(1)>"}]},"update_time":1700000000}]}`),
		[]byte(`{"template_list":[{"template_id":"abc","title":"T","primary_industry":"Finance","deputy_industry":"Banking","content":"{{first.DATA}}"}]}`))
	f.Add([]byte(`{"selfmenu":{"is_menu_open":1,"selfmenu_info":{"button":[{"type":"text","name":"t","value":"x"},{"name":"s","sub_button":{"list":[{"type":"img","name":"i","value":"M1"}]}}]}}}`),
		[]byte(`{}`), []byte(`{"item":[]}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, menus, replies, drafts, templates []byte) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{"source.json": []byte(`{"base_url":"https://api.example","appid":"wx1"}`),
			"menus.json": menus, "autoreply.json": replies, "drafts-00000.json": drafts, "templates.json": templates} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(dir, "a.zip")
		rep, err := BuildWeChatArchive(dir, out, AccountData{Name: "A", Type: "service", Region: "domestic"}, time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		fh, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		st, _ := fh.Stat()
		a, err := OpenArchive(fh, st.Size())
		if err != nil {
			t.Fatalf("the built archive does not open: %v (report %+v)", err, rep)
		}
		err = a.eachLine("articles.jsonl", func(line int, b []byte) error {
			row, err := decodeRow(tableByFile("articles.jsonl"), b)
			if err != nil {
				t.Fatalf("articles.jsonl line %d: %v", line, err)
			}
			for i, c := range tableByFile("articles.jsonl").cols {
				if c.name == "body_html" {
					h := strings.ToLower(row[i].(string))
					if strings.Contains(h, "<script") || strings.Contains(h, "onerror") {
						t.Fatalf("body carries script: %q", h)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
