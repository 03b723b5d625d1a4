package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
)

// The demo has a Chinese account that Discover finds by characters and by
// pinyin, with Chinese articles, a Chinese menu whose buttons answer
// without a developer server, and Chinese auto-replies.
func TestSeedHasAChineseAccount(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"莲", "蓮心", "lian", "lxcs"} {
		found, err := s.App.Accounts.Search(ctx, q, 5)
		if err != nil || len(found) == 0 || found[0].Name != "莲心茶舍" {
			t.Fatalf("Discover %q: %v %v", q, found, err)
		}
	}
	found, _ := s.App.Accounts.Search(ctx, "莲心茶舍", 1)
	a := found[0]
	if !a.Verified(s.App.Clock.Now()) || a.FollowerCount < 90 {
		t.Errorf("莲心茶舍 verified %v with %d followers", a.Verified(s.App.Clock.Now()), a.FollowerCount)
	}
	pubs, err := s.App.Publish.List(ctx, a.ID, []string{publish.StatePublished}, 0, 10)
	if err != nil || len(pubs) != len(lianxinPublications) {
		t.Fatalf("publications: %d %v", len(pubs), err)
	}
	for _, p := range pubs {
		if !strings.ContainsAny(p.Title, "的茶舍普洱龙井") {
			t.Errorf("a publication titled %q", p.Title)
		}
	}
	m, err := s.App.Menus.Default(ctx, a.ID)
	if err != nil || len(m.Buttons) != 3 || m.Buttons[1].Name != "营业时间" {
		t.Fatalf("menu: %+v %v", m, err)
	}
	// A follower writes 价格 and gets the price list, in Chinese.
	var personID int64
	if err := s.App.DB.QueryRow(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND following = TRUE ORDER BY person_id LIMIT 1`, a.ID).Scan(&personID); err != nil {
		t.Fatal(err)
	}
	in, err := s.App.Chat.Receive(ctx, a.ID, personID, message.KindText, message.Body{Text: "请问价格？"})
	if err != nil {
		t.Fatal(err)
	}
	replies, err := s.App.Chat.Respond(ctx, in)
	if err != nil || len(replies) == 0 || !strings.Contains(replies[0].Body.Text, "绿茶一壶 38 元") {
		t.Fatalf("the reply to 价格: %+v %v", replies, err)
	}
}
