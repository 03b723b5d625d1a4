package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

func TestMenuHistoryRollbackImportExport(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Service)
	ctx := context.Background()
	fan := s.CreatePerson(t, "mei", pubPW, user.RoleNone)
	if _, err := s.App.Follows.Follow(ctx, a.ID, fan.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	meiC := s.Client(t)
	meiC.SignIn("mei", pubPW)
	base := fmt.Sprintf("/mp/a/%d/menu", a.ID)
	save := func(names ...string) {
		t.Helper()
		f := url.Values{}
		for i, n := range names {
			f.Set(fmt.Sprintf("b.%d.name", i), n)
			f.Set(fmt.Sprintf("b.%d.type", i), "click")
			f.Set(fmt.Sprintf("b.%d.key", i), strings.ToUpper(n))
		}
		if res := owner.PostForm(base, f); res.Status != http.StatusSeeOther {
			t.Fatalf("save menu: %d\n%s", res.Status, res.Body)
		}
	}
	save("Tea", "Hours")
	save("Tea", "Shop", "Events")
	chat := fmt.Sprintf("/chat/%d", a.ID)
	if res := meiC.Get(chat); !res.Contains(">Events<") {
		t.Fatalf("follower's menu before rollback:\n%s", res.Body)
	}

	res := owner.Get(base + "/versions")
	if res.Status != 200 || strings.Count(res.Body, `data-testid="menu-version"`) != 2 || !res.Contains("lin · ") && !res.Contains("Lin · ") {
		t.Fatalf("history: %d\n%s", res.Status, res.Body)
	}
	res = owner.Get(base + "/versions?from=1&to=2")
	// The changes are written in the reader's language; names and keys
	// are content, marked so.
	for _, want := range []string{`Default menu: &#34;<span translate="no">Hours</span>&#34; renamed to &#34;<span translate="no">Shop</span>&#34;.`,
		`&#34;<span translate="no">Events</span>&#34; added (a click event with key &#34;<span translate="no">EVENTS</span>&#34;)`} {
		if !res.Contains(want) {
			t.Errorf("diff lacks %s:\n%s", want, res.Body)
		}
	}
	if res.Contains(`translate="no" lang="en"`) {
		t.Error("the changes are still marked as English prose")
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	res = owner.Get(base + "/versions?from=1&to=2")
	for _, want := range []string{`默认菜单：“<span translate="no">Hours</span>”改名为“<span translate="no">Shop</span>”。`,
		`默认菜单：新增“<span translate="no">Events</span>”（键为“<span translate="no">EVENTS</span>”的点击事件）。`} {
		if !res.Contains(want) {
			t.Errorf("the Chinese diff lacks %s:\n%s", want, res.Body)
		}
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	// Version 1 previewed as Mei, then rolled back to in one click.
	res = owner.Get(base + "/versions/1?as=" + url.QueryEscape(mustOpenID(t, s, a.ID, fan.ID)))
	if res.Status != 200 || !res.Contains("Hours") || !res.Contains("Roll back to this version") {
		t.Fatalf("version 1: %d\n%s", res.Status, res.Body)
	}
	if res = owner.PostForm(base+"/versions/1/publish", nil); res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Location, "/menu/versions") {
		t.Fatalf("rollback: %d %s", res.Status, res.Location)
	}
	if res := meiC.Get(chat); res.Contains(">Events<") || !res.Contains(">Hours<") {
		t.Errorf("follower's menu after rollback:\n%s", res.Body)
	}
	res = owner.Get(base + "/versions")
	if !res.Contains("Rolled back to version 1") || strings.Count(res.Body, `data-testid="menu-version"`) != 3 {
		t.Errorf("history after rollback:\n%s", res.Body)
	}

	// Export version 2, import it back as a draft, publish it.
	res = owner.Get(base + "/versions/2/export")
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.Status, res.Header)
	}
	var exported struct {
		Menu struct {
			Button []struct{ Name string } `json:"button"`
		} `json:"menu"`
	}
	if err := json.Unmarshal([]byte(res.Body), &exported); err != nil || len(exported.Menu.Button) != 3 {
		t.Fatalf("exported: %v %s", err, res.Body)
	}
	res = owner.PostForm(base+"/versions/import", url.Values{"json": {res.Body}, "note": {"From the repository"}})
	if res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Location, "/menu/versions/4") {
		t.Fatalf("import: %d %s\n%s", res.Status, res.Location, res.Body)
	}
	if res := meiC.Get(chat); res.Contains(">Events<") {
		t.Errorf("a draft reached the follower")
	}
	if res = owner.PostForm(base+"/versions/4/publish", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("publish draft: %d", res.Status)
	}
	if res := meiC.Get(chat); !res.Contains(">Events<") {
		t.Errorf("published import not seen by the follower")
	}
	// A bad import re-renders the page with the reason; nothing is stored.
	res = owner.PostForm(base+"/versions/import", url.Values{"json": {`{"button":[]}`}})
	if res.Status != http.StatusUnprocessableEntity || !res.Contains("Not imported") {
		t.Errorf("bad import: %d\n%s", res.Status, res.Body)
	}
	// Another account's member cannot see or publish these versions.
	_, other := pubOwner(t, s, "bob", "Harbour Bank", account.Service)
	if res := other.Get(base + "/versions"); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
		t.Errorf("stranger reads history: %d", res.Status)
	}
	if res := other.PostForm(base+"/versions/2/publish", nil); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
		t.Errorf("stranger publishes: %d", res.Status)
	}
}

func mustOpenID(t *testing.T, s *apptest.Server, accountID, personID int64) string {
	t.Helper()
	f, err := s.App.Follows.Get(context.Background(), accountID, personID)
	if err != nil {
		t.Fatal(err)
	}
	return f.OpenID
}

func TestAutoReplyHistoryRollbackAndTry(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Service)
	base := fmt.Sprintf("/mp/a/%d/autoreply", a.ID)
	rule := func(reply string) url.Values {
		return url.Values{"name": {"Prices"}, "enabled": {"1"}, "mode": {"all"}, "kw.0.text": {"price"}, "kw.0.match": {"exact"},
			"reply.0.type": {"text"}, "reply.0.text": {reply}}
	}
	res := owner.PostForm(base+"/rules", rule("10 yuan"))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add rule: %d\n%s", res.Status, res.Body)
	}
	rules, _ := s.App.AutoReplies.Rules(context.Background(), a.ID)
	if len(rules) != 1 {
		t.Fatalf("%d rules", len(rules))
	}
	if res = owner.PostForm(fmt.Sprintf("%s/rules/%d", base, rules[0].ID), rule("12 yuan")); res.Status != http.StatusSeeOther {
		t.Fatalf("edit rule: %d\n%s", res.Status, res.Body)
	}
	res = owner.Get(base + "/versions?from=1&to=2")
	if res.Status != 200 || !res.Contains(`Rule &#34;<span translate="no">Prices</span>&#34; now replies &#34;<span translate="no">12 yuan</span>&#34; (was &#34;<span translate="no">10 yuan</span>&#34;).`) || strings.Count(res.Body, `data-testid="autoreply-version"`) != 2 {
		t.Fatalf("history: %d\n%s", res.Status, res.Body)
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	if res = owner.Get(base + "/versions?from=1&to=2"); !res.Contains(`规则“<span translate="no">Prices</span>”现在回复“<span translate="no">12 yuan</span>”（原为“<span translate="no">10 yuan</span>”）。`) {
		t.Errorf("the Chinese diff:\n%s", res.Body)
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	if res = owner.Get(base + "/versions/1?try=PRICE"); !res.Contains(`&#34;<span translate="no">10 yuan</span>&#34;`) {
		t.Errorf("try version 1:\n%s", res.Body)
	}
	if res = owner.PostForm(base+"/versions/1/publish", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("rollback: %d", res.Status)
	}
	info, _ := s.App.AutoReplies.Info(context.Background(), a.ID)
	if info.KeywordAutoreply == nil || info.KeywordAutoreply.List[0].ReplyListInfo[0].Content != "10 yuan" {
		t.Errorf("get_current_autoreply_info after rollback: %+v", info)
	}
	res = owner.Get(base + "/versions/2/export")
	if res.Status != 200 || !strings.Contains(res.Body, `"keyword_autoreply_info"`) {
		t.Fatalf("export: %d %s", res.Status, res.Body)
	}
	if r := owner.PostForm(base+"/versions/import", url.Values{"json": {res.Body}}); r.Status != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", r.Status, r.Body)
	}
	if r := owner.PostForm(base+"/versions/import", url.Values{"json": {`{"keyword_autoreply_info":{"list":[{"rule_name":""}]}}`}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("Not imported") {
		t.Errorf("bad import: %d", r.Status)
	}
}
