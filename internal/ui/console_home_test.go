package ui_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// testidText returns the text inside the element with the given
// data-testid (tags stripped), "" when there is none.
func testidText(body, testid string) string {
	i := strings.Index(body, `data-testid="`+testid+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	rest = rest[strings.Index(rest, ">")+1:]
	end := strings.Index(rest, "</a>")
	if end < 0 {
		end = len(rest)
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(rest[:end], " ")
	return html.UnescapeString(strings.Join(strings.Fields(text), " "))
}

// TestAccountHomeFiguresAndTodo: the account's home shows yesterday's new
// followers, reads and messages against the day before's, and a to-do
// list of what waits (a chat, a comment without a reply, the month's mass
// sends, the verification's end, an appeal), each linking to its page; an
// agent sees only what their role may open.
func TestAccountHomeFiguresAndTodo(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	rc, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	home := fmt.Sprintf("/mp/a/%d/", acct.ID)
	oc := s.Client(t)
	oc.SignIn("hana", pw)
	page := oc.Get(home)
	if got := testidText(page.Body, "todo-quota"); !regexp.MustCompile(`^(\d+) of (\d+) mass sends left this month$`).MatchString(got) {
		t.Fatalf("a new account's to-do list: %q\n%s", got, page.Body)
	}
	for _, id := range []string{"todo-chats", "todo-comments", "todo-verification", "todo-appeals"} {
		if strings.Contains(page.Body, `data-testid="`+id+`"`) {
			t.Errorf("a new account's to-do list has %s", id)
		}
	}

	// 340 days on, the verification ends within the warning period.
	s.Clock.Advance(340 * 24 * time.Hour)
	oc.SignIn("hana", pw)
	rc.SignIn("rui", pw)
	yesterday := analytics.AddDays(analytics.DayOf(s.App.Clock.Now(), acct.Location()), -1)
	for _, r := range []struct {
		day, kind string
		n         int
	}{{yesterday, analytics.KindFollow, 12}, {analytics.AddDays(yesterday, -1), analytics.KindFollow, 8},
		{yesterday, analytics.KindRead, 340}, {analytics.AddDays(yesterday, -1), analytics.KindRead, 400},
		{yesterday, analytics.KindMessageIn, 5}, {analytics.AddDays(yesterday, -1), analytics.KindMessageIn, 5},
		{analytics.AddDays(yesterday, -2), analytics.KindFollow, 1000}, // outside the two days
	} {
		if _, err := s.App.DB.Exec(bg, `INSERT INTO analytics_daily (account_id, day, kind, surface, object_id, events, users, value_sum, value_max, failures)
			VALUES (?, ?, ?, '*', -1, ?, ?, 0, 0, 0)`, acct.ID, r.day, r.kind, r.n, r.n); err != nil {
			t.Fatal(err)
		}
	}
	mei := s.CreatePerson(t, "mei", pw, user.RoleNone)
	if _, err := s.App.Follows.Follow(bg, acct.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Chat.Receive(bg, acct.ID, mei.ID, message.KindText, message.Body{Text: "My card was swallowed"}); err != nil {
		t.Fatal(err)
	}
	art := anArticle(t, s, acct.ID, "Rates in spring")
	for i, reply := range []string{"", "Thank you!"} {
		if _, err := s.App.DB.Exec(bg, `INSERT INTO article_comments (id, article_id, account_id, person_id, body, reply, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id.New(), art, acct.ID, mei.ID, fmt.Sprintf("Comment %d", i), reply, s.App.Clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	res := rc.PostForm("/admin/penalties", url.Values{"account_id": {strconv.FormatInt(acct.ID, 10)}, "kind": {"restrict"}, "feature": {"comments"}, "days": {"7"},
		"rule": {"Comment moderation"}, "evidence": {"Unmoderated abuse under the post of 3 May."}})
	wantStatus(t, res, http.StatusSeeOther)
	pens, err := s.App.Review.PenaltiesFor(bg, acct.ID)
	if err != nil || len(pens) != 1 {
		t.Fatalf("penalties: %v %v", pens, err)
	}
	wantRedirect(t, oc.PostForm(fmt.Sprintf("/mp/a/%d/compliance/%d/appeal", acct.ID, pens[0].ID), url.Values{"statement": {"The comments were removed within the hour."}}),
		fmt.Sprintf("/mp/a/%d/compliance", acct.ID))

	page = oc.Get(home)
	wantStatus(t, page, http.StatusOK)
	for testid, want := range map[string]string{
		"figure-followers":  "New followers 12 ▲ 4 more than the day before (8)",
		"figure-reads":      "Article reads 340 ▼ 60 fewer than the day before (400)",
		"figure-messages":   "Messages received 5 the same as the day before (5)",
		"todo-chats":        "1 chat waiting for an agent",
		"todo-comments":     "1 comment without a reply this week",
		"todo-verification": "The verification ends in 24 days",
		"todo-appeals":      "1 appeal waiting for the platform's decision",
	} {
		if got := testidText(page.Body, testid); got != want {
			t.Errorf("%s reads %q, want %q", testid, got, want)
		}
	}
	for testid, link := range map[string]string{
		"figure-followers": "analytics", "todo-chats": "inbox?view=waiting", "todo-comments": "comments",
		"todo-quota": "calendar", "todo-verification": "#verification", "todo-appeals": "compliance",
	} {
		href := fmt.Sprintf(`href="/mp/a/%d/%s"`, acct.ID, link)
		if !regexp.MustCompile(regexp.QuoteMeta(href) + `[^>]*data-testid="` + testid + `"`).MatchString(page.Body) {
			t.Errorf("%s does not link to %s", testid, link)
		}
		if !strings.HasPrefix(link, "#") {
			if res := oc.Get(fmt.Sprintf("/mp/a/%d/%s", acct.ID, link)); res.Status != http.StatusOK {
				t.Errorf("%s links to %s, which answers %d", testid, link, res.Status)
			}
		}
	}

	// An agent answers chats: no figures, no appeals, no publishing.
	sam := s.CreatePerson(t, "sam", pw, user.RoleNone)
	if err := s.App.Accounts.AddMember(bg, acct.ID, sam.ID, account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	ac := s.Client(t)
	ac.SignIn("sam", pw)
	page = ac.Get(home)
	if got := testidText(page.Body, "todo-chats"); got != "1 chat waiting for an agent" {
		t.Errorf("the agent's to-do list lacks the waiting chat: %q", got)
	}
	for _, testid := range []string{"home-figures", "todo-comments", "todo-quota", "todo-appeals"} {
		if strings.Contains(page.Body, `data-testid="`+testid+`"`) {
			t.Errorf("an agent's home shows %s", testid)
		}
	}
}
