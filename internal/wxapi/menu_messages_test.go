package wxapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/publish"
)

// TestConsoleMessageButtonsThroughTheAPI: buttons set in the console that
// send a message show in get_current_selfmenu_info as WeChat shows them
// (type text / img / news, value, news_info) and in menu/get without their
// internal keys; menu/create refuses those types as WeChat does.
func TestConsoleMessageButtonsThroughTheAPI(t *testing.T) {
	h, c, tok := start(t)
	app := h.Internal().App
	ctx := context.Background()
	asset, err := app.Publish.Upload(ctx, h.Service.ID, publish.AssetImage, "poster.png", bytes.NewReader(pngImage(t)))
	if err != nil {
		t.Fatal(err)
	}
	owner := h.NewPerson("owner")
	draft, err := app.Publish.SaveDraft(ctx, h.Service.ID, owner.PersonID, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring harvest", Digest: "Fresh leaves", Body: "Fresh leaves.", CoverMediaID: asset.MediaID}}})
	if err != nil {
		t.Fatal(err)
	}
	job, err := app.Publish.Send(ctx, h.Service.ID, owner.PersonID, draft.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.PublishEngine.Run(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	pub, _ := app.Publish.Publication(ctx, h.Service.ID, draft.ID)
	article := fmt.Sprint(pub.FirstArticleID)
	if _, err := app.Menus.SetDefault(ctx, h.Service.ID, []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "Open 9 to 6"},
		{Name: "More", SubButtons: []menu.Button{{Type: menu.TypeImg, Name: "Poster", Value: asset.MediaID},
			{Type: menu.TypeNews, Name: "Story", Value: article}}}}); err != nil {
		t.Fatal(err)
	}

	self := c.call("/cgi-bin/get_current_selfmenu_info", tok, nil)
	b, _ := json.Marshal(self["selfmenu_info"])
	var info struct {
		Button []struct {
			Type, Name, Key, Value string
			SubButton              struct {
				List []struct {
					Type, Name, Key, Value string
					NewsInfo               *struct {
						List []struct {
							Title      string `json:"title"`
							Digest     string `json:"digest"`
							ShowCover  int    `json:"show_cover"`
							CoverURL   string `json:"cover_url"`
							ContentURL string `json:"content_url"`
						} `json:"list"`
					} `json:"news_info"`
				} `json:"list"`
			} `json:"sub_button"`
		} `json:"button"`
	}
	if err := json.Unmarshal(b, &info); err != nil || len(info.Button) != 2 {
		t.Fatalf("selfmenu_info %s: %v", b, err)
	}
	hours, subs := info.Button[0], info.Button[1].SubButton.List
	if hours.Type != "text" || hours.Value != "Open 9 to 6" || hours.Key != "" {
		t.Errorf("text button: %+v", hours)
	}
	if len(subs) != 2 || subs[0].Type != "img" || subs[0].Value != asset.MediaID || subs[0].Key != "" {
		t.Fatalf("img button: %s", b)
	}
	news := subs[1]
	if news.Type != "news" || news.Value != article || news.NewsInfo == nil || len(news.NewsInfo.List) != 1 {
		t.Fatalf("news button: %s", b)
	}
	card := news.NewsInfo.List[0]
	if card.Title != "Spring harvest" || card.Digest != "Fresh leaves" || card.ContentURL != h.URL+publish.ArticlePath(pub.FirstArticleID) ||
		card.ShowCover != 1 || !strings.HasPrefix(card.CoverURL, h.URL+"/") {
		t.Errorf("news_info: %+v", card)
	}

	got := c.call("/cgi-bin/menu/get", tok, nil)
	mb, _ := json.Marshal(got["menu"])
	if !strings.Contains(string(mb), `{"name":"Hours","type":"text","value":"Open 9 to 6"}`) || strings.Contains(string(mb), `"key"`) {
		t.Errorf("menu/get: %s", mb)
	}

	wantCode(t, "menu/create with a text button", c.post("/cgi-bin/menu/create", tok, map[string]any{
		"button": []map[string]string{{"type": "text", "name": "Hours", "value": "Open"}}}), 40017)
	wantCode(t, "menu/create with a news sub-button", c.post("/cgi-bin/menu/create", tok, map[string]any{
		"button": []map[string]any{{"name": "More", "sub_button": []map[string]string{{"type": "news", "name": "S", "value": article}}}}}), 40024)
	if def, _ := app.Menus.Default(ctx, h.Service.ID); def.Buttons[0].Type != menu.TypeText {
		t.Errorf("a refused menu/create changed the menu: %+v", def.Buttons)
	}
}
