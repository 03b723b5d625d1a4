package menu_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
)

func TestMessageButtonsValidateAndGetKeys(t *testing.T) {
	bs := []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "Open 9–18"}, {Name: "More", SubButtons: []menu.Button{
		{Type: menu.TypeImg, Name: "Poster", Value: "M1"},
		{Type: menu.TypeNews, Name: "Story", Value: "42"},
	}}}
	if err := menu.Validate(bs); err != nil {
		t.Fatalf("valid message buttons: %v", err)
	}
	keys := []string{bs[0].Key, bs[1].SubButtons[0].Key, bs[1].SubButtons[1].Key}
	for i, k := range keys {
		if k == "" || len(k) > menu.MaxKeyBytes {
			t.Errorf("button %d key %q", i, k)
		}
	}
	if keys[0] == keys[1] || keys[1] == keys[2] {
		t.Errorf("keys collide: %q", keys)
	}
	again := []menu.Button{{Type: menu.TypeText, Name: "Renamed", Value: "Open 9–18"}}
	other := []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "Open 9–17"}}
	_ = menu.Validate(again)
	_ = menu.Validate(other)
	if again[0].Key != keys[0] || other[0].Key == keys[0] {
		t.Errorf("a key follows the message: same text %q vs %q, other text %q", again[0].Key, keys[0], other[0].Key)
	}
	for _, tc := range []struct {
		name string
		bs   []menu.Button
		code int
	}{
		{"empty text", []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "  "}}, 40017},
		{"empty text in a sub-menu", []menu.Button{{Name: "More", SubButtons: []menu.Button{{Type: menu.TypeText, Name: "Hours"}}}}, 40024},
		{"long text", []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: strings.Repeat("x", menu.MaxTextBytes+1)}}, 45002},
		{"no image", []menu.Button{{Type: menu.TypeImg, Name: "Poster"}}, 40118},
		{"no article", []menu.Button{{Type: menu.TypeNews, Name: "Story"}}, 53600},
	} {
		if err := menu.Validate(tc.bs); code(err) != tc.code || errs.Message(err) == "" {
			t.Errorf("%s: %v (code %d), want %d", tc.name, err, code(err), tc.code)
		}
	}
}

func TestTheAPICannotCreateConsoleMessageButtons(t *testing.T) {
	if err := menu.CheckAPI([]menu.Button{click("Tea", "TEA"), {Type: menu.TypeText, Name: "Hours", Value: "x"}}); code(err) != 40017 {
		t.Errorf("top-level text button through the API: %v", err)
	}
	if err := menu.CheckAPI([]menu.Button{{Name: "More", SubButtons: []menu.Button{{Type: menu.TypeNews, Name: "S", Value: "1"}}}}); code(err) != 40024 {
		t.Errorf("news sub-button through the API: %v", err)
	}
	if err := menu.CheckAPI([]menu.Button{click("Tea", "TEA")}); err != nil {
		t.Errorf("click button through the API: %v", err)
	}
	bs := []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "Open"}}
	_ = menu.Validate(bs)
	out, _ := json.Marshal(menu.ForAPI(bs))
	if string(out) != `[{"type":"text","name":"Hours","value":"Open"}]` {
		t.Errorf("menu/get shape: %s", out)
	}
	if bs[0].Key == "" {
		t.Errorf("ForAPI changed the stored button")
	}
}

func TestMessageButtonsAnswerTheClickAndKeywordsAnswerClickKeys(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	svc := message.NewService(message.Deps{Store: f.svc.Store, Accounts: f.svc.Accounts, Follows: f.svc.Follows, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		&menu.Responder{Store: f.menus,
			Media: func(ctx context.Context, accountID int64, mediaID string) (string, string, error) {
				if accountID == f.a.ID && mediaID == "M1" {
					return "library/poster.jpg", "image/jpeg", nil
				}
				return "", "", errs.NotFound
			},
			Articles: func(ctx context.Context, accountID int64, articleID string) (message.Article, error) {
				if accountID == f.a.ID && articleID == "42" {
					return message.Article{Title: "Spring tea", URL: "/s/42"}, nil
				}
				return message.Article{}, errs.NotFoundf("There is no such article.")
			}},
		&menu.KeywordResponder{Keywords: func(ctx context.Context, accountID int64, text string) ([]message.Reply, error) {
			if text == "PRICES" {
				return []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply, Body: message.Body{Text: "Tea from 20"}}}, nil
			}
			return nil, nil
		}})
	m, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{{Type: menu.TypeText, Name: "Hours", Value: "Open 9–18"},
		click("Prices", "PRICES"), {Name: "More", SubButtons: []menu.Button{
			{Type: menu.TypeImg, Name: "Poster", Value: "M1"},
			{Type: menu.TypeNews, Name: "Story", Value: "42"},
			{Type: menu.TypeNews, Name: "Gone", Value: "43"},
			click("Nothing", "NOTHING"),
		}}})
	if err != nil {
		t.Fatal(err)
	}
	click := func(key string) []*message.Message {
		t.Helper()
		in, err := svc.Event(ctx, f.a.ID, f.mei.ID, message.EventClick, key, "")
		if err != nil {
			t.Fatal(err)
		}
		out, err := svc.Respond(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	stored, _ := f.menus.Default(ctx, f.a.ID)
	text, sub := stored.Buttons[0], stored.Buttons[2].SubButtons
	if text.Key != m.Buttons[0].Key || text.Key == "" {
		t.Fatalf("stored key %q, saved %q", text.Key, m.Buttons[0].Key)
	}
	if out := click(text.Key); len(out) != 1 || out[0].Kind != message.KindText || out[0].Body.Text != "Open 9–18" {
		t.Errorf("text button answered %+v", out)
	}
	if out := click(sub[0].Key); len(out) != 1 || out[0].Kind != message.KindImage || out[0].Body.MediaKey != "library/poster.jpg" {
		t.Errorf("img button answered %+v", out)
	}
	if out := click(sub[1].Key); len(out) != 1 || out[0].Kind != message.KindNews || out[0].Body.Articles[0].Title != "Spring tea" {
		t.Errorf("news button answered %+v", out)
	}
	if out := click(sub[2].Key); len(out) != 0 {
		t.Errorf("a deleted article's button answered %+v", out)
	}
	if out := click("PRICES"); len(out) != 1 || out[0].Body.Text != "Tea from 20" {
		t.Errorf("a click key a keyword rule matches answered %+v", out)
	}
	if out := click("NOTHING"); len(out) != 0 {
		t.Errorf("a click key nothing matches answered %+v", out)
	}
	// The key of a text button in another account's menu answers nothing here.
	if _, err := f.menus.SetDefault(ctx, f.b.ID, []menu.Button{{Type: menu.TypeImg, Name: "Poster", Value: "M1"}}); err != nil {
		t.Fatal(err)
	}
	bm, _ := f.menus.Default(ctx, f.b.ID)
	in, _ := svc.Event(ctx, f.b.ID, f.mei.ID, message.EventClick, bm.Buttons[0].Key, "")
	if out, _ := svc.Respond(ctx, in); len(out) != 0 {
		t.Errorf("account B's img button sent account A's library image: %+v", out)
	}
}
