package portability_test

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/wxclient"
)

// consoleButton is a button of get_current_selfmenu_info as a follower
// meets it: what it sends (a text, an image's bytes, an article's title).
type consoleButton struct{ name, typ, sends string }

// consoleMenu reads get_current_selfmenu_info through c and resolves what
// each message-sending button sends.
func consoleMenu(t *testing.T, c *wxclient.Client) []consoleButton {
	t.Helper()
	var out []consoleButton
	var walk func(bs []any)
	walk = func(bs []any) {
		for _, v := range bs {
			b := v.(map[string]any)
			if sub, ok := b["sub_button"].(map[string]any); ok {
				walk(sub["list"].([]any))
				continue
			}
			cb := consoleButton{name: fmt.Sprint(b["name"]), typ: fmt.Sprint(b["type"])}
			value, _ := b["value"].(string)
			switch cb.typ {
			case menu.TypeText:
				cb.sends = value
			case menu.TypeImg:
				f, err := c.CallFile(context.Background(), http.MethodPost, "/cgi-bin/material/get_material", nil, map[string]any{"media_id": value}, nil, 10<<20)
				if err != nil || f == nil {
					t.Fatalf("image button %q: material %s: %v", cb.name, value, err)
				}
				cb.sends = fmt.Sprintf("image of %d bytes %x", len(f.Data), f.Data[:min(16, len(f.Data))])
			case menu.TypeNews:
				list, _ := b["news_info"].(map[string]any)["list"].([]any)
				if len(list) == 0 {
					t.Fatalf("news button %q has no article card: %v", cb.name, b)
				}
				cb.sends = "article " + fmt.Sprint(list[0].(map[string]any)["title"])
			default:
				continue
			}
			out = append(out, cb)
		}
	}
	m := call(t, c, http.MethodGet, "/cgi-bin/get_current_selfmenu_info", nil, nil)
	walk(m["selfmenu_info"].(map[string]any)["button"].([]any))
	return out
}

// TestImportConsoleMenuFromWeChat moves a menu made in WeChat's console
// (menu/get answers 46003 for one, so the move reads
// get_current_selfmenu_info) whose buttons send a text, an image and an
// article: on the target they send the same text, the same image and the
// same article.
func TestImportConsoleMenuFromWeChat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, accts := seeded(t)
	lotus := accts["lotus"]
	sc := apiClient(t, src, lotus)
	var mat struct {
		MediaID string `json:"media_id"`
	}
	upload(t, sc, "/cgi-bin/material/add_material?type=image", pngOf(t, color.RGBA{20, 160, 60, 255}), &mat)
	pubs := call(t, sc, http.MethodPost, "/cgi-bin/freepublish/batchget", nil, map[string]any{"offset": 0, "count": 1, "no_content": 1})
	items, _ := pubs["item"].([]any)
	if len(items) == 0 {
		t.Fatal("the demo account has no published articles")
	}
	articleID := items[0].(map[string]any)["article_id"].(string)
	if _, err := src.App.Menus.SetDefault(ctx, lotus.ID, []menu.Button{
		{Type: menu.TypeView, Name: "Website", URL: "https://example.com/"},
		{Name: "Visit", SubButtons: []menu.Button{
			{Type: menu.TypeText, Name: "Hours", Value: "Open 9 to 5, every day"},
			{Type: menu.TypeImg, Name: "Map", Value: mat.MediaID},
			{Type: menu.TypeNews, Name: "Our story", Value: articleID},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	want := consoleMenu(t, sc)
	if len(want) != 3 {
		t.Fatalf("the source menu's message buttons: %+v", want)
	}

	proxy := httputil.NewSingleHostReverseProxy(mustURL(t, src.URL))
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/menu/get" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"errcode":46003,"errmsg":"menu no exist"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer ps.Close()
	pc := &wxclient.Client{BaseURL: ps.URL, AppID: sc.AppID, Secret: sc.Secret, Backoff: time.Millisecond}
	dir := t.TempDir()
	if err := portability.PullWeChat(ctx, pc, dir, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "lotus.zip")
	rep, err := portability.BuildWeChatArchive(dir, out, portability.AccountData{Name: lotus.Name, Type: lotus.Type, Region: lotus.Region,
		Timezone: "Asia/Shanghai"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.LeftOut {
		if strings.HasPrefix(l.Code, "button.") {
			t.Errorf("left out: %s", l.English())
		}
	}
	dst := apptest.New(t)
	target := newTarget(t, dst, lotus.Name, lotus.Type, account.Domestic)
	if _, err := importFile(t, dst, target.ID, out); err != nil {
		t.Fatal(err)
	}
	got := consoleMenu(t, apiClient(t, dst, target))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the moved menu's buttons send\n%v\nwant\n%v", got, want)
	}
	if !bytes.Contains([]byte(fmt.Sprint(got)), []byte("Open 9 to 5")) {
		t.Errorf("no text button moved: %v", got)
	}
}
