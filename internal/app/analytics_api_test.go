package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
)

// Calls of the developer API are captured with their outcome, under the
// account that made them.
func TestAPICallsAreCaptured(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := s.App.Accounts.IssueCredentials(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	tok := c.Get("/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {cred.AppID}, "secret": {cred.AppSecret}}.Encode())
	var got struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(tok.Body), &got); err != nil || got.AccessToken == "" {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	c.Get("/cgi-bin/menu/get?access_token=" + url.QueryEscape(got.AccessToken))
	c.Get("/cgi-bin/menu/get?access_token=nonsense") // no account: not counted
	var calls int
	var surface string // the smallest: cgi-bin/menu/get before cgi-bin/token
	for i := 0; i < 200; i++ {
		if err := s.App.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(surface), '') FROM analytics_events WHERE account_id = ? AND kind = 'api_call'`, a.ID).Scan(&calls, &surface); err != nil {
			t.Fatal(err)
		}
		if calls >= 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if calls != 2 || surface != "cgi-bin/menu/get" {
		t.Errorf("%d API calls (first %s), want 2: the token and cgi-bin/menu/get", calls, surface)
	}
}
