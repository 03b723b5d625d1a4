package autoreply_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

func text(s string) autoreply.Reply { return autoreply.Reply{Type: autoreply.ReplyText, Text: s} }

func kw(match, s string) autoreply.Keyword { return autoreply.Keyword{Match: match, Text: s} }

func texts(rs []autoreply.Reply) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return out
}

func TestKeywordMatching(t *testing.T) {
	price := &autoreply.Rule{Kind: autoreply.KindKeyword, Name: "price", Enabled: true, Mode: autoreply.ModeAll,
		Keywords: []autoreply.Keyword{kw(autoreply.MatchExact, "price"), kw(autoreply.MatchExact, "价格")},
		Replies:  []autoreply.Reply{text("Tea from ¥30"), text("See the menu")}}
	hours := &autoreply.Rule{Kind: autoreply.KindKeyword, Name: "hours", Enabled: true, Mode: autoreply.ModeAll,
		Keywords: []autoreply.Keyword{kw(autoreply.MatchContains, "open")}, Replies: []autoreply.Reply{text("9 to 5")}}
	off := &autoreply.Rule{Kind: autoreply.KindKeyword, Name: "off", Enabled: false,
		Keywords: []autoreply.Keyword{kw(autoreply.MatchExact, "secret")}, Replies: []autoreply.Reply{text("hidden")}}
	def := &autoreply.Rule{Kind: autoreply.KindDefault, Enabled: true, Replies: []autoreply.Reply{text("We will answer soon")}}
	rules := []*autoreply.Rule{price, hours, off, def}
	first := func(int) int { return 0 }
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"price", "Tea from ¥30|See the menu"},    // exact, all replies in order
		{"  PRICE ", "Tea from ¥30|See the menu"}, // case and space ignored
		{"价格", "Tea from ¥30|See the menu"},
		{"what price?", "We will answer soon"}, // exact does not match inside a sentence
		{"are you open today", "9 to 5"},       // contains
		{"OPEN", "9 to 5"},
		{"secret", "We will answer soon"}, // disabled rule
		{"", "We will answer soon"},       // an image: only the default
	} {
		got := strings.Join(texts(autoreply.Match(rules, tc.in, first)), "|")
		if got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Without a default, unmatched messages get nothing.
	if got := autoreply.Match([]*autoreply.Rule{price}, "hello", first); len(got) != 0 {
		t.Errorf("no default: got %v", got)
	}
	// A disabled default is not sent.
	offDef := &autoreply.Rule{Kind: autoreply.KindDefault, Enabled: false, Replies: []autoreply.Reply{text("x")}}
	if got := autoreply.Match([]*autoreply.Rule{offDef}, "hello", first); len(got) != 0 {
		t.Errorf("disabled default: got %v", got)
	}
}

func TestRandomReplyAndOverlappingRules(t *testing.T) {
	r := &autoreply.Rule{Kind: autoreply.KindKeyword, Enabled: true, Mode: autoreply.ModeRandom,
		Keywords: []autoreply.Keyword{kw(autoreply.MatchExact, "tea")}, Replies: []autoreply.Reply{text("a"), text("b"), text("c")}}
	for i, want := range []string{"a", "b", "c"} {
		got := autoreply.Match([]*autoreply.Rule{r}, "tea", func(n int) int {
			if n != 3 {
				t.Fatalf("pick over %d replies, want 3", n)
			}
			return i
		})
		if len(got) != 1 || got[0].Text != want {
			t.Errorf("random pick %d = %v, want [%s]", i, texts(got), want)
		}
	}
	// Real randomness: over many tries every reply comes up, one at a time.
	seen := map[string]bool{}
	for range 200 {
		got := autoreply.Match([]*autoreply.Rule{r}, "tea", nil)
		if len(got) != 1 {
			t.Fatalf("random mode sent %d replies", len(got))
		}
		seen[got[0].Text] = true
	}
	if len(seen) != 3 {
		t.Errorf("random replies seen: %v", seen)
	}
	// Two rules match: one of them answers, not both.
	r2 := &autoreply.Rule{Kind: autoreply.KindKeyword, Enabled: true, Mode: autoreply.ModeAll,
		Keywords: []autoreply.Keyword{kw(autoreply.MatchContains, "te")}, Replies: []autoreply.Reply{text("x"), text("y")}}
	got := autoreply.Match([]*autoreply.Rule{r, r2}, "tea", func(n int) int { return n - 1 })
	if strings.Join(texts(got), "|") != "x|y" {
		t.Errorf("overlap picked %v, want the second rule's replies", texts(got))
	}
}

func TestValidateLimits(t *testing.T) {
	base := func() *autoreply.Rule {
		return &autoreply.Rule{Kind: autoreply.KindKeyword, Name: "r", Keywords: []autoreply.Keyword{kw("", "hi")}, Replies: []autoreply.Reply{text("hello")}}
	}
	if err := autoreply.Validate(base()); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
	many := func(n int, f func(i int) autoreply.Keyword) []autoreply.Keyword {
		var out []autoreply.Keyword
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	cases := map[string]func(r *autoreply.Rule){
		"no name":     func(r *autoreply.Rule) { r.Name = " " },
		"long name":   func(r *autoreply.Rule) { r.Name = strings.Repeat("n", 61) },
		"no keywords": func(r *autoreply.Rule) { r.Keywords = nil },
		"11 keywords": func(r *autoreply.Rule) {
			r.Keywords = many(11, func(i int) autoreply.Keyword { return kw("exact", fmt.Sprint("k", i)) })
		},
		"long keyword": func(r *autoreply.Rule) { r.Keywords = []autoreply.Keyword{kw("exact", strings.Repeat("k", 31))} },
		"bad match":    func(r *autoreply.Rule) { r.Keywords = []autoreply.Keyword{kw("regex", "a.*")} },
		"no replies":   func(r *autoreply.Rule) { r.Replies = nil },
		"6 replies": func(r *autoreply.Rule) {
			r.Replies = []autoreply.Reply{text("1"), text("2"), text("3"), text("4"), text("5"), text("6")}
		},
		"empty text":     func(r *autoreply.Rule) { r.Replies = []autoreply.Reply{text("  ")} },
		"long text":      func(r *autoreply.Rule) { r.Replies = []autoreply.Reply{text(strings.Repeat("字", 683))} },
		"image no media": func(r *autoreply.Rule) { r.Replies = []autoreply.Reply{{Type: autoreply.ReplyImage}} },
		"news no link": func(r *autoreply.Rule) {
			r.Replies = []autoreply.Reply{{Type: "news", Article: &message.Article{Title: "t"}}}
		},
		"news bad link": func(r *autoreply.Rule) {
			r.Replies = []autoreply.Reply{{Type: "news", Article: &message.Article{Title: "t", URL: "javascript:x"}}}
		},
		"news long title": func(r *autoreply.Rule) {
			r.Replies = []autoreply.Reply{{Type: "news", Article: &message.Article{Title: strings.Repeat("t", 65), URL: "https://x.cn"}}}
		},
		"unknown type": func(r *autoreply.Rule) { r.Replies = []autoreply.Reply{{Type: "voice"}} },
		"unknown mode": func(r *autoreply.Rule) { r.Mode = "some" },
	}
	for name, mut := range cases {
		r := base()
		mut(r)
		err := autoreply.Validate(r)
		var e *autoreply.Error
		if !errors.As(err, &e) || e.WXCode() == 0 || !errors.Is(err, errs.Invalid) || errs.Message(err) == "" {
			t.Errorf("%s: got %v, want a coded invalid error", name, err)
		}
	}
	// Ten keywords (after dropping blanks and duplicates) are fine.
	r := base()
	r.Keywords = many(10, func(i int) autoreply.Keyword { return kw("exact", fmt.Sprint("k", i)) })
	r.Keywords = append(r.Keywords, kw("exact", " "), kw("exact", "K1"))
	if err := autoreply.Validate(r); err != nil || len(r.Keywords) != 10 {
		t.Errorf("10 keywords + blank + duplicate: %v, %d kept", err, len(r.Keywords))
	}
}

type fixture struct {
	store    *autoreply.Store
	svc      *message.Service
	clock    *clock.Offset
	users    *user.Store
	follows  *follow.Store
	db       *db.DB
	accounts *account.Store
	a, b     *account.Account
	mei      *user.Person
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	mei, err := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string) *account.Account {
		a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: name, Status: account.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := follows.Follow(ctx, a.ID, mei.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
		return a
	}
	f := &fixture{store: autoreply.NewStore(d, c, nil), accounts: accounts, mei: mei, a: mk("Lotus Tea"), b: mk("Harbour Bank"),
		clock: c, users: users, follows: follows, db: d}
	conversations := message.NewStore(d, c, nil)
	f.svc = message.NewService(message.Deps{Store: conversations, Accounts: accounts, Follows: follows, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		&autoreply.Responder{Store: f.store, Pick: func(int) int { return 0 }, Conversations: conversations})
	return f
}

func TestResponderAnswersFollowKeywordAndDefault(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.store.SetSpecial(ctx, f.a.ID, autoreply.KindFollow, true, text("Welcome to Lotus Tea!")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.SetSpecial(ctx, f.a.ID, autoreply.KindDefault, true, text("A person will answer soon.")); err != nil {
		t.Fatal(err)
	}
	rule := &autoreply.Rule{AccountID: f.a.ID, Name: "Prices", Enabled: true, Keywords: []autoreply.Keyword{kw("exact", "price")},
		Replies: []autoreply.Reply{text("Green tea ¥30"), {Type: "news", Article: &message.Article{Title: "Price list", URL: "https://lotus.example/prices"}}}}
	if err := f.store.SaveRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	in, err := f.svc.Event(ctx, f.a.ID, f.mei.ID, message.EventSubscribe, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Respond(ctx, in)
	if err != nil || len(got) != 1 || got[0].Body.Text != "Welcome to Lotus Tea!" || got[0].Sender != message.SenderAutoReply {
		t.Fatalf("follow reply: %+v, %v", got, err)
	}
	send := func(acct int64, s string) []*message.Message {
		t.Helper()
		in, err := f.svc.Receive(ctx, acct, f.mei.ID, message.KindText, message.Body{Text: s})
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.svc.Respond(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := send(f.a.ID, "Price")
	if len(out) != 2 || out[0].Body.Text != "Green tea ¥30" || out[1].Kind != message.KindNews || out[1].Body.Articles[0].Title != "Price list" {
		t.Fatalf("keyword replies: %+v", out)
	}
	if out := send(f.a.ID, "hello"); len(out) != 1 || out[0].Body.Text != "A person will answer soon." {
		t.Fatalf("default reply: %+v", out)
	}
	// Another account's rules never answer for this one.
	if out := send(f.b.ID, "price"); len(out) != 0 {
		t.Fatalf("account B answered with A's rule: %+v", out)
	}
	// Switching the default off silences it.
	if _, err := f.store.SetSpecial(ctx, f.a.ID, autoreply.KindDefault, false, text("A person will answer soon.")); err != nil {
		t.Fatal(err)
	}
	if out := send(f.a.ID, "hello"); len(out) != 0 {
		t.Fatalf("disabled default still answered: %+v", out)
	}
}

func TestStoreRulesAreScopedAndLimited(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r := &autoreply.Rule{AccountID: f.a.ID, Name: "Hours", Enabled: true, Mode: autoreply.ModeRandom,
		Keywords: []autoreply.Keyword{kw("contains", "open")}, Replies: []autoreply.Reply{text("9-5"), text("nine to five")}}
	if err := f.store.SaveRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Rule(ctx, f.a.ID, r.ID)
	if err != nil || got.Name != "Hours" || got.Mode != autoreply.ModeRandom || len(got.Replies) != 2 || got.Keywords[0].Match != "contains" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	// Account B can neither read, change nor delete A's rule.
	if _, err := f.store.Rule(ctx, f.b.ID, r.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("B read A's rule: %v", err)
	}
	stolen := *r
	stolen.AccountID, stolen.Name = f.b.ID, "Stolen"
	if err := f.store.SaveRule(ctx, &stolen); !errors.Is(err, errs.NotFound) {
		t.Errorf("B updated A's rule: %v", err)
	}
	if err := f.store.DeleteRule(ctx, f.b.ID, r.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("B deleted A's rule: %v", err)
	}
	// A bad edit changes nothing.
	bad := *got
	bad.Replies = nil
	if err := f.store.SaveRule(ctx, &bad); err == nil {
		t.Fatal("rule without replies saved")
	}
	if again, _ := f.store.Rule(ctx, f.a.ID, r.ID); again.Name != "Hours" || len(again.Replies) != 2 {
		t.Errorf("a refused edit changed the rule: %+v", again)
	}
	// get_current_autoreply_info's shape.
	if _, err := f.store.SetSpecial(ctx, f.a.ID, autoreply.KindFollow, true, text("hi")); err != nil {
		t.Fatal(err)
	}
	info, err := f.store.Info(ctx, f.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(info)
	for _, want := range []string{`"is_add_friend_reply_open":1`, `"is_autoreply_open":1`, `"add_friend_autoreply_info":{"type":"text","content":"hi"}`,
		`"rule_name":"Hours"`, `"reply_mode":"random_one"`, `"match_mode":"contain"`, `"content":"open"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("info JSON lacks %s:\n%s", want, b)
		}
	}
	// At most MaxRules keyword rules.
	for i := 1; i < autoreply.MaxRules; i++ {
		if err := f.store.SaveRule(ctx, &autoreply.Rule{AccountID: f.a.ID, Name: fmt.Sprint("r", i), Keywords: []autoreply.Keyword{kw("exact", fmt.Sprint("k", i))},
			Replies: []autoreply.Reply{text("x")}}); err != nil {
			t.Fatal(err)
		}
	}
	err = f.store.SaveRule(ctx, &autoreply.Rule{AccountID: f.a.ID, Name: "one too many", Keywords: []autoreply.Keyword{kw("exact", "z")}, Replies: []autoreply.Reply{text("x")}})
	if !errors.Is(err, autoreply.ErrTooManyRules) {
		t.Errorf("rule %d: %v", autoreply.MaxRules+1, err)
	}
}

func BenchmarkMatch200Rules(b *testing.B) {
	var rules []*autoreply.Rule
	for i := range 200 {
		rules = append(rules, &autoreply.Rule{Kind: autoreply.KindKeyword, Enabled: true,
			Keywords: []autoreply.Keyword{kw("exact", fmt.Sprint("word", i)), kw("contains", fmt.Sprint("part", i))}, Replies: []autoreply.Reply{text("x")}})
	}
	b.ResetTimer()
	for b.Loop() {
		autoreply.Match(rules, "a message that mentions part199 somewhere", nil)
	}
}
