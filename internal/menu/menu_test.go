package menu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

func click(name, key string) menu.Button { return menu.Button{Type: "click", Name: name, Key: key} }

func code(err error) int {
	var c interface{ WXCode() int }
	if errors.As(err, &c) {
		return c.WXCode()
	}
	return 0
}

func TestValidateEveryLimit(t *testing.T) {
	ok := []menu.Button{click("Tea", "TEA"), {Name: "More", SubButtons: []menu.Button{
		{Type: "view", Name: "Website", URL: "https://lotus.example/"},
		{Type: "media_id", Name: "Poster", MediaID: "m1"},
		{Type: "article_id", Name: "Story", ArticleID: "42"},
		{Type: "miniprogram", Name: "Shop", URL: "https://lotus.example/shop", AppID: "wxshop", PagePath: "pages/index"},
		{Type: "scancode_push", Name: "Scan", Key: "SCAN"},
	}}}
	if err := menu.Validate(ok); err != nil {
		t.Fatalf("valid menu: %v", err)
	}
	subs := func(n int) []menu.Button {
		var out []menu.Button
		for i := range n {
			out = append(out, click(fmt.Sprint("s", i), fmt.Sprint("K", i)))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		buttons []menu.Button
		code    int
	}{
		{"no buttons", nil, 40016},
		{"4 buttons", []menu.Button{click("a", "a"), click("b", "b"), click("c", "c"), click("d", "d")}, 40016},
		{"empty name", []menu.Button{click("", "a")}, 40018},
		{"17-byte name", []menu.Button{click(strings.Repeat("n", 17), "a")}, 40018},
		{"6 CJK chars is 18 bytes", []menu.Button{click("乌龙茶绿茶红", "a")}, 40018},
		{"no type", []menu.Button{{Name: "x"}}, 40017},
		{"unknown type", []menu.Button{{Name: "x", Type: "teleport"}}, 40017},
		{"click without key", []menu.Button{click("x", "")}, 40019},
		{"129-byte key", []menu.Button{click("x", strings.Repeat("k", 129))}, 40019},
		{"view without url", []menu.Button{{Type: "view", Name: "x"}}, 40020},
		{"1025-byte url", []menu.Button{{Type: "view", Name: "x", URL: "https://a.cn/" + strings.Repeat("u", 1012)}}, 40020},
		{"not a web url", []menu.Button{{Type: "view", Name: "x", URL: "javascript:alert(1)"}}, 65317},
		{"6 sub-buttons", []menu.Button{{Name: "x", SubButtons: subs(6)}}, 40023},
		{"sub of sub", []menu.Button{{Name: "x", SubButtons: []menu.Button{{Name: "y", SubButtons: subs(1)}}}}, 40022},
		{"61-byte sub name", []menu.Button{{Name: "x", SubButtons: []menu.Button{click(strings.Repeat("n", 61), "k")}}}, 40025},
		{"sub unknown type", []menu.Button{{Name: "x", SubButtons: []menu.Button{{Name: "y", Type: "nope"}}}}, 40024},
		{"sub no type", []menu.Button{{Name: "x", SubButtons: []menu.Button{{Name: "y"}}}}, 40024},
		{"sub click without key", []menu.Button{{Name: "x", SubButtons: []menu.Button{click("y", "")}}}, 40026},
		{"sub view bad url", []menu.Button{{Name: "x", SubButtons: []menu.Button{{Type: "view", Name: "y", URL: strings.Repeat("u", 1025)}}}}, 40027},
		{"media without id", []menu.Button{{Type: "media_id", Name: "x"}}, 40118},
		{"article without id", []menu.Button{{Type: "article_id", Name: "x"}}, 53600},
		{"app without appid", []menu.Button{{Type: "miniprogram", Name: "x", URL: "https://a.cn", PagePath: "p"}}, 40013},
		{"app upper-case appid", []menu.Button{{Type: "miniprogram", Name: "x", URL: "https://a.cn", AppID: "WXAPP", PagePath: "p"}}, 40013},
		{"app without page", []menu.Button{{Type: "miniprogram", Name: "x", URL: "https://a.cn", AppID: "wxapp"}}, 41030},
	} {
		err := menu.Validate(tc.buttons)
		if code(err) != tc.code || !errors.Is(err, errs.Invalid) || errs.Message(err) == "" {
			t.Errorf("%s: got %v (code %d), want code %d", tc.name, err, code(err), tc.code)
		}
	}
	// Exactly at the limits is fine: 16-byte name (5 CJK chars = 15 bytes), 5 subs, 128-byte key.
	edge := []menu.Button{click("乌龙茶绿茶", strings.Repeat("k", 128)), {Name: strings.Repeat("n", 16), SubButtons: subs(5)}, click("c", "c")}
	if err := menu.Validate(edge); err != nil {
		t.Errorf("limits exactly: %v", err)
	}
}

func TestButtonJSONIsWeChats(t *testing.T) {
	in := `{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/"},{"type":"miniprogram","name":"wxa","url":"http://mp.weixin.qq.com","appid":"wx286b93c14bbf93aa","pagepath":"pages/lunar/index"},{"type":"article_id","name":"文章","article_id":"ARTICLE_ID1"}]}]}`
	var m struct {
		Button []menu.Button `json:"button"`
	}
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if err := menu.Validate(m.Button); err != nil {
		t.Fatalf("WeChat's own example: %v", err)
	}
	out, _ := json.Marshal(m)
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
}

type fixture struct {
	d        *db.DB
	menus    *menu.Store
	aud      *audience.Store
	svc      *message.Service
	a, b     *account.Account
	mei, bob *user.Person
	clock    *clock.Offset
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	f := &fixture{d: d, menus: menu.NewStore(d, c), aud: audience.NewStore(d, c, follows), clock: c}
	var err error
	if f.mei, err = users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	if f.bob, err = users.Create(ctx, user.NewPerson{Username: "bob", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	mk := func(name string) *account.Account {
		a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: name, Status: account.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*user.Person{f.mei, f.bob} {
			if _, err := follows.Follow(ctx, a.ID, p.ID, follow.SourceSearch, ""); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	f.a, f.b = mk("Lotus Tea"), mk("Harbour Bank")
	f.svc = message.NewService(message.Deps{Store: message.NewStore(d, c, nil), Accounts: accounts, Follows: follows, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		&menu.Responder{Store: f.menus})
	return f
}

func TestConditionalMenusByTag(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if got, err := f.menus.ForFollower(ctx, f.a.ID, f.mei.ID); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no menu: %v, %v (want an empty slice)", got, err)
	}
	vip, _ := f.aud.CreateTag(ctx, f.a.ID, "VIP")
	staff, _ := f.aud.CreateTag(ctx, f.a.ID, "Staff")
	_, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{click("VIP", "VIP")}, menu.MatchRule{TagID: fmt.Sprint(vip.ID)})
	if code(err) != 65303 {
		t.Fatalf("conditional before default: %v", err)
	}
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Everyone", "ALL")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{click("VIP", "VIP")}, menu.MatchRule{TagID: fmt.Sprint(vip.ID)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	staffMenu, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{click("Staff", "STAFF")}, menu.MatchRule{TagID: fmt.Sprint(staff.ID)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rule menu.MatchRule
		code int
	}{
		{menu.MatchRule{}, 65304},
		{menu.MatchRule{TagID: fmt.Sprint(vip.ID), Sex: "1"}, 65320},
		{menu.MatchRule{Country: "China"}, 65320},
		{menu.MatchRule{TagID: "999"}, 45159},
		{menu.MatchRule{TagID: "abc"}, 45159},
	} {
		if _, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{click("x", "x")}, tc.rule); code(err) != tc.code {
			t.Errorf("rule %+v: %v, want %d", tc.rule, err, tc.code)
		}
	}
	// Account B's tag id does not exist in A, and A's menus stay A's.
	if _, err := f.menus.AddConditional(ctx, f.b.ID, []menu.Button{click("x", "x")}, menu.MatchRule{TagID: fmt.Sprint(vip.ID)}); code(err) != 65303 {
		t.Errorf("B without default: %v", err)
	}
	name := func(p *user.Person) string {
		bs, err := f.menus.ForFollower(ctx, f.a.ID, p.ID)
		if err != nil || len(bs) == 0 {
			t.Fatalf("ForFollower: %v %v", bs, err)
		}
		return bs[0].Name
	}
	if got := name(f.mei); got != "Everyone" {
		t.Errorf("untagged follower sees %q", got)
	}
	if err := f.aud.TagFollowers(ctx, f.a.ID, vip.ID, []int64{f.mei.ID}); err != nil {
		t.Fatal(err)
	}
	if got := name(f.mei); got != "VIP" {
		t.Errorf("VIP follower sees %q", got)
	}
	if err := f.aud.TagFollowers(ctx, f.a.ID, staff.ID, []int64{f.mei.ID}); err != nil {
		t.Fatal(err)
	}
	if got := name(f.mei); got != "Staff" {
		t.Errorf("with both tags the newest menu should win, got %q", got)
	}
	if got := name(f.bob); got != "Everyone" {
		t.Errorf("bob sees %q", got)
	}
	if err := f.menus.DeleteConditional(ctx, f.b.ID, staffMenu.ID); code(err) != 65301 {
		t.Errorf("B deleted A's conditional menu: %v", err)
	}
	if err := f.menus.DeleteConditional(ctx, f.a.ID, staffMenu.ID); err != nil {
		t.Fatal(err)
	}
	if got := name(f.mei); got != "VIP" {
		t.Errorf("after deleting the staff menu: %q", got)
	}
	// Replacing the default keeps conditional menus; delete removes all.
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("New", "NEW")}); err != nil {
		t.Fatal(err)
	}
	def, conds, _ := f.menus.All(ctx, f.a.ID)
	if def.Buttons[0].Name != "New" || len(conds) != 1 {
		t.Errorf("after new default: %+v, %d conditional", def, len(conds))
	}
	// A refused default changes nothing.
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("", "")}); err == nil {
		t.Fatal("invalid menu saved")
	}
	if def, _, _ := f.menus.All(ctx, f.a.ID); def.Buttons[0].Name != "New" {
		t.Errorf("refused menu replaced the default")
	}
	if err := f.menus.DeleteAll(ctx, f.a.ID); err != nil {
		t.Fatal(err)
	}
	if bs, _ := f.menus.ForFollower(ctx, f.a.ID, f.mei.ID); len(bs) != 0 {
		t.Errorf("after delete: %v", bs)
	}
}

func TestAtMostThreeLinkDomains(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	view := func(host string) menu.Button {
		return menu.Button{Type: "view", Name: host, URL: "https://" + host + "/x"}
	}
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{view("a.cn"), view("b.cn"), view("c.cn")}); err != nil {
		t.Fatal(err)
	}
	tag, _ := f.aud.CreateTag(ctx, f.a.ID, "t")
	_, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{view("d.cn")}, menu.MatchRule{TagID: fmt.Sprint(tag.ID)})
	if code(err) != 65316 {
		t.Errorf("fourth domain in a conditional menu: %v", err)
	}
	if _, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{view("A.cn")}, menu.MatchRule{TagID: fmt.Sprint(tag.ID)}); err != nil {
		t.Errorf("same domain again: %v", err)
	}
}

func TestClicksAreRecordedAndMediaButtonsAnswer(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	poster := menu.ConsoleMediaPrefix(f.a.ID) + "poster.png"
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Hours", "HOURS"), {Name: "More", SubButtons: []menu.Button{
		{Type: "media_id", Name: "Poster", MediaID: poster, Key: poster},
		{Type: "view", Name: "Site", URL: "https://lotus.example/"},
	}}}); err != nil {
		t.Fatal(err)
	}
	start := f.clock.Now()
	event := func(p *user.Person, ev, key string) []*message.Message {
		t.Helper()
		in, err := f.svc.Event(ctx, f.a.ID, p.ID, ev, key, "")
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.svc.Respond(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := event(f.mei, message.EventClick, "HOURS"); len(out) != 0 {
		t.Errorf("a click button got a reply from the menu itself: %+v", out)
	}
	event(f.bob, message.EventClick, "HOURS")
	event(f.mei, message.EventClick, "HOURS")
	event(f.mei, message.EventView, "https://lotus.example/")
	out := event(f.mei, message.EventClick, poster)
	if len(out) != 1 || out[0].Kind != message.KindImage || out[0].Body.MediaKey != poster || out[0].Body.MediaType != "image/png" {
		t.Errorf("media button reply: %+v", out)
	}
	// Clicks on account B are B's, and B's menu cannot send A's files.
	if _, err := f.menus.SetDefault(ctx, f.b.ID, []menu.Button{click("Hours", "HOURS"), {Type: "media_id", Name: "Steal", MediaID: poster, Key: "STEAL"}}); err != nil {
		t.Fatal(err)
	}
	in, _ := f.svc.Event(ctx, f.b.ID, f.mei.ID, message.EventClick, "HOURS", "")
	_, _ = f.svc.Respond(ctx, in)
	in, _ = f.svc.Event(ctx, f.b.ID, f.mei.ID, message.EventClick, "STEAL", "")
	if out, _ := f.svc.Respond(ctx, in); len(out) != 0 {
		t.Errorf("account B's menu sent account A's image: %+v", out)
	}

	got, err := f.menus.ClicksByButton(ctx, f.a.ID, start.Add(-time.Second), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []menu.ButtonClicks{{"CLICK", "HOURS", 3, 2}, {"VIEW", "https://lotus.example/", 1, 1}, {"CLICK", poster, 1, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("clicks:\n got %v\nwant %v", got, want)
	}
	if got, _ := f.menus.ClicksByButton(ctx, f.a.ID, start.Add(time.Hour), start.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("clicks outside the range: %v", got)
	}
}

func BenchmarkForFollower(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	p, err := users.Create(ctx, user.NewPerson{Username: "mei", PasswordHash: "x"})
	if err != nil {
		b.Fatal(err)
	}
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Bench Account", Status: account.StatusActive})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := follows.Follow(ctx, a.ID, p.ID, "", ""); err != nil {
		b.Fatal(err)
	}
	s, aud := menu.NewStore(d, c), audience.NewStore(d, c, follows)
	if _, err := s.SetDefault(ctx, a.ID, []menu.Button{click("a", "a"), click("b", "b"), click("c", "c")}); err != nil {
		b.Fatal(err)
	}
	// Ten conditional menus, none of which matches: the worst case.
	for i := range 10 {
		t, err := aud.CreateTag(ctx, a.ID, fmt.Sprint("t", i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.AddConditional(ctx, a.ID, []menu.Button{click("x", "x")}, menu.MatchRule{TagID: fmt.Sprint(t.ID)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.ForFollower(ctx, a.ID, p.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func TestConcurrentPublishingKeepsOneDefault(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	errc := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click(fmt.Sprint("v", i), "K")})
			errc <- err
		}()
	}
	ok := 0
	for range 8 {
		if err := <-errc; err == nil {
			ok++
		} else if errs.KindOf(err) != errs.KindConflict {
			t.Errorf("concurrent publish: %v", err)
		}
	}
	def, _, err := f.menus.All(ctx, f.a.ID)
	if ok == 0 || err != nil || def == nil {
		t.Fatalf("after concurrent publishing: %d succeeded, %v, %v", ok, def, err)
	}
	var n int
	if err := db.Get(f.d.QueryRow(ctx, `SELECT COUNT(*) FROM menus WHERE account_id = ? AND conditional = FALSE`, f.a.ID), &n); err != nil || n != 1 {
		t.Errorf("%d default menus", n)
	}
}
