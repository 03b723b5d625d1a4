package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/apptest/wechatmove"
	"github.com/heraldoa/herald/internal/portability"
)

// TestMoveFromWeChatInTheConsole: an owner moves an account into an empty,
// approved one from the console, with another Herald acting as WeChat. A
// wrong secret and a private API address fail with their reasons (the
// platform never connects to the private address), the secret is not kept,
// and a move into an account that has content is refused.
func TestMoveFromWeChatInTheConsole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := wechatmove.New(t)
	src, lotus, cred, s, a := m.Source, m.Lotus, m.Cred, m.Target, m.Account
	c := s.Client(t)
	c.SignIn(wechatmove.OwnerName, wechatmove.OwnerPassword)
	base := fmt.Sprintf("/mp/a/%d/data", a.ID)
	if r := c.Get(base); r.Status != http.StatusOK || !r.Contains("Move from WeChat") || !r.Contains(`data-testid="wechat-start"`) {
		t.Fatalf("data page: %d", r.Status)
	}
	start := func(appid, secret, api string) *apptest.Response {
		return c.PostForm(base+"/wechat", url.Values{"appid": {appid}, "secret": {secret}, "api_base": {api}})
	}
	wait := func() *portability.WeChatImport {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for {
			j, err := s.App.WeChatImports.Latest(ctx, a.ID)
			if err != nil || j == nil {
				t.Fatalf("latest move: %v %v", j, err)
			}
			if j.Finished() {
				return j
			}
			if time.Now().After(deadline) {
				t.Fatalf("the move did not finish: %+v", j)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	secretKept := func() string {
		var sec string
		if err := s.App.DB.QueryRow(ctx, `SELECT secret FROM wechat_imports ORDER BY created_at DESC LIMIT 1`).Scan(&sec); err != nil {
			t.Fatal(err)
		}
		return sec
	}

	// Input the form cannot use is refused on the page, naming the field.
	if r := start("", "x", src.URL); r.Status != http.StatusUnprocessableEntity || !r.Contains("Give the AppID") || !r.Contains(`aria-invalid="true"`) {
		t.Errorf("no AppID: %d", r.Status)
	}
	if r := start(cred.AppID, "x", "ftp://example.com"); r.Status != http.StatusUnprocessableEntity || !r.Contains("the API&#39;s address") {
		t.Errorf("an ftp address: %d %s", r.Status, r.Body[:min(200, len(r.Body))])
	}
	// A wrong secret: the move fails with WeChat's answer, and forgets the secret.
	if r := start(cred.AppID, "wrong-secret", src.URL); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	if j := wait(); j.State != "failed" || !strings.Contains(j.Error, "errcode 40") {
		t.Errorf("wrong secret: %+v", j)
	}
	if sec := secretKept(); sec != "" {
		t.Errorf("the secret is kept after the move: %q", sec)
	}
	// A private address is refused by the platform's outbound policy.
	if r := start(cred.AppID, cred.AppSecret, "http://10.255.255.1"); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.Status)
	}
	if j := wait(); j.State != "failed" || !strings.Contains(j.Error, "does not connect to 10.255.255.1") {
		t.Errorf("a private address: %+v", j)
	}
	if r := c.Get(base); !r.Contains("does not connect to 10.255.255.1") {
		t.Error("the failure is not on the page")
	}

	// The move itself.
	if r := start(cred.AppID, cred.AppSecret, src.URL); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.Status)
	}
	// A second move while one runs is refused (unless the first has ended).
	if r := start(cred.AppID, cred.AppSecret, src.URL); r.Status != http.StatusConflict && r.Status != http.StatusSeeOther {
		t.Errorf("a second move at once: %d", r.Status)
	}
	j := wait()
	if j.State != "done" || j.Report == nil || j.Report.Followers != lotus.FollowerCount || j.Report.Published == 0 {
		t.Fatalf("move: %+v %+v", j, j.Report)
	}
	if sec := secretKept(); sec != "" {
		t.Errorf("the secret is kept after the move: %q", sec)
	}
	st := c.NewRequest(http.MethodGet, fmt.Sprintf("%s/wechat/%d", base, j.ID), nil)
	st.Header.Set("Accept", "application/json")
	if r := c.Do(st); r.Status != http.StatusOK || !r.Contains(`"state":"done"`) {
		t.Errorf("status: %d %s", r.Status, r.Body)
	}
	r := c.Get(base)
	if !r.Contains(fmt.Sprintf(`<span data-testid="wechat-followers">%d</span>`, lotus.FollowerCount)) {
		t.Errorf("the page does not show what moved")
	}
	got, err := s.App.Accounts.ByID(ctx, a.ID)
	if err != nil || got.FollowerCount != lotus.FollowerCount {
		t.Errorf("the account has %d followers, want %d (%v)", got.FollowerCount, lotus.FollowerCount, err)
	}
	// The account has content now: another move is refused at once.
	if r := start(cred.AppID, cred.AppSecret, src.URL); r.Status != http.StatusConflict || !r.Contains("already has followers") {
		t.Errorf("a move into a full account: %d", r.Status)
	}
	// Only owners.
	agent := s.CreatePerson(t, "kai", "correct horse battery", "")
	if err := s.App.Accounts.AddMember(ctx, a.ID, agent.ID, account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	ac := s.Client(t)
	ac.SignIn("kai", "correct horse battery")
	if r := ac.PostForm(base+"/wechat", url.Values{"appid": {cred.AppID}, "secret": {cred.AppSecret}, "api_base": {src.URL}}); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Errorf("an agent started a move: %d", r.Status)
	}
}
