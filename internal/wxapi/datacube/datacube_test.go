package datacube_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

type result = wxapitest.Result

func post(t *testing.T, h *heraldtest.Herald, path, tok string, body any) result {
	t.Helper()
	return wxapitest.Call(t, h.URL, http.MethodPost, path, url.Values{"access_token": {tok}}, body)
}

// TestDatacube: a day of follower activity shows up in getupstreammsg,
// getusersummary and getusercumulate the next day, with WeChat's date
// checks.
func TestDatacube(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	ctx := context.Background()
	svc := h.Service
	acct, err := app.Accounts.ByID(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	day := app.AnalyticsStore.Today(acct.Timezone)
	p := h.NewPerson("newcomer")
	if _, err := h.Follow(svc, p, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two"} {
		if _, err := h.Send(svc, svc.Followers[0], text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Send(svc, svc.Followers[1], "three"); err != nil {
		t.Fatal(err)
	}
	if err := app.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	h.Advance(24 * time.Hour)
	if _, err := app.AnalyticsStore.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	tok := wxapitest.Token(t, h.URL, svc)
	span := map[string]string{"begin_date": day, "end_date": day}

	r := post(t, h, "/datacube/getupstreammsg", tok, span)
	list, _ := r["list"].([]any)
	if r.Code() != 0 || len(list) != 1 {
		t.Fatalf("getupstreammsg: %v", r)
	}
	if row := list[0].(map[string]any); row["ref_date"] != day || row["msg_type"].(float64) != 1 || row["msg_count"].(float64) != 3 || row["msg_user"].(float64) != 2 {
		t.Fatalf("getupstreammsg row: %v", row)
	}
	r = post(t, h, "/datacube/getusersummary", tok, span)
	var newUsers float64
	for _, x := range r["list"].([]any) {
		newUsers += x.(map[string]any)["new_user"].(float64)
	}
	if r.Code() != 0 || newUsers != 1 {
		t.Fatalf("getusersummary: %v", r)
	}
	r = post(t, h, "/datacube/getusercumulate", tok, span)
	if l := r["list"].([]any); r.Code() != 0 || len(l) != 1 || l[0].(map[string]any)["cumulate_user"].(float64) != 4 {
		t.Fatalf("getusercumulate: %v", r)
	}
	for _, name := range []string{"getarticlesummary", "getarticletotal", "getuserread", "getusershare", "getinterfacesummary"} {
		r := post(t, h, "/datacube/"+name, tok, span)
		if l, ok := r["list"].([]any); r.Code() != 0 || !ok || l == nil {
			t.Fatalf("%s: %v, want a list", name, r)
		}
	}

	// WeChat's date checks.
	d0, _ := time.Parse("2006-01-02", day)
	ds := func(n int) string { return d0.AddDate(0, 0, n).Format("2006-01-02") }
	for _, c := range []struct {
		name, begin, end string
		code             int
	}{
		{"getusersummary", "2024/01/01", day, 61500},
		{"getusersummary", day, "", 61500},
		{"getusersummary", day, ds(-1), 61501},    // end before begin
		{"getusersummary", ds(-7), day, 61501},    // 8 days > 7
		{"getusersummary", ds(-6), day, 0},        // 7 days
		{"getarticlesummary", ds(-1), day, 61501}, // 2 days > 1
		{"getuserread", ds(-2), day, 0},           // 3 days
		{"getuserread", ds(-3), day, 61501},       // 4 days > 3
		{"getinterfacesummary", ds(-29), day, 0},  // 30 days
		{"getupstreammsg", ds(1), ds(1), 61501},   // today: not complete yet
	} {
		r := post(t, h, "/datacube/"+c.name, tok, map[string]string{"begin_date": c.begin, "end_date": c.end})
		if r.Code() != c.code {
			t.Errorf("%s %s..%s: errcode %d (%v), want %d", c.name, c.begin, c.end, r.Code(), r["errmsg"], c.code)
		}
		if c.code != 0 && !strings.Contains(r["errmsg"].(string), "rid") {
			t.Errorf("%s: errmsg without rid: %v", c.name, r)
		}
	}
	// Another account sees nothing of this one.
	r = post(t, h, "/datacube/getupstreammsg", wxapitest.Token(t, h.URL, h.Subscription), span)
	if l := r["list"].([]any); len(l) != 0 {
		t.Fatalf("other account's getupstreammsg: %v", r)
	}
}
