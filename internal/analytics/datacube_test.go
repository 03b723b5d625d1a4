package analytics_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/settings"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The datacube shapes come straight from the rollups, with WeChat's codes.
func TestDatacubeShapes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-12 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := newAccount(t, d, "Asia/Shanghai", 10)
	ev := func(kind string, person int64, surface string, at string) analytics.Event {
		return analytics.Event{AccountID: a, Kind: kind, PersonID: person, Surface: surface, At: utc(at)}
	}
	evs := []analytics.Event{
		ev(analytics.KindFollow, 1, "qr", "2026-03-10 02:00:00"),
		ev(analytics.KindFollow, 2, "qr", "2026-03-10 03:00:00"),
		ev(analytics.KindFollow, 3, "search", "2026-03-10 04:00:00"),
		ev(analytics.KindUnfollow, 4, "search", "2026-03-11 04:00:00"),
		ev(analytics.KindMessageIn, 1, "text", "2026-03-10 05:10:00"), // 13:10 in Shanghai
		ev(analytics.KindMessageIn, 1, "text", "2026-03-10 05:20:00"),
		ev(analytics.KindMessageIn, 2, "image", "2026-03-10 05:30:00"),
		{AccountID: a, Kind: analytics.KindPushDelivery, Value: 120, At: utc("2026-03-10 01:00:00")},
		{AccountID: a, Kind: analytics.KindPushDelivery, Value: 80, Failed: true, At: utc("2026-03-10 01:30:00")},
		{AccountID: a, Kind: analytics.KindRead, PersonID: 1, ObjectID: 42, Surface: analytics.SurfaceFolder, At: utc("2026-03-10 06:00:00")},
		{AccountID: a, Kind: analytics.KindShare, PersonID: 1, ObjectID: 42, Surface: "friend", At: utc("2026-03-10 06:01:00")},
		{AccountID: a, Kind: analytics.KindLinkClick, PersonID: 1, ObjectID: 42, Surface: "source", At: utc("2026-03-10 06:02:00")},
	}
	if err := analytics.InsertEvents(ctx, d, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	us, err := st.UserSummary(ctx, a, "2026-03-10", "2026-03-11")
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"ref_date":"2026-03-10","user_source":1,"new_user":1,"cancel_user":0},{"ref_date":"2026-03-10","user_source":30,"new_user":2,"cancel_user":0},{"ref_date":"2026-03-11","user_source":1,"new_user":0,"cancel_user":1}]`
	if got := jsonOf(t, us); got != want {
		t.Errorf("getusersummary:\n got %s\nwant %s", got, want)
	}
	uc, err := st.UserCumulate(ctx, a, 10, "Asia/Shanghai", "2026-03-09", "2026-03-11")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, uc); got != `[{"ref_date":"2026-03-09","cumulate_user":8},{"ref_date":"2026-03-10","cumulate_user":11},{"ref_date":"2026-03-11","cumulate_user":10}]` {
		t.Errorf("getusercumulate: %s", got)
	}
	um, err := st.UpstreamMsg(ctx, a, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, um); got != `[{"ref_date":"2026-03-10","msg_type":2,"msg_user":1,"msg_count":1},{"ref_date":"2026-03-10","msg_type":1,"msg_user":1,"msg_count":2}]` {
		t.Errorf("getupstreammsg: %s", got)
	}
	uh, err := st.UpstreamMsgHour(ctx, a, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, uh); got != `[{"ref_date":"2026-03-10","ref_hour":1300,"msg_type":2,"msg_user":1,"msg_count":1},{"ref_date":"2026-03-10","ref_hour":1300,"msg_type":1,"msg_user":1,"msg_count":2}]` {
		t.Errorf("getupstreammsghour: %s", got)
	}
	is, err := st.InterfaceSummary(ctx, a, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, is); got != `[{"ref_date":"2026-03-10","callback_count":2,"fail_count":1,"total_time_cost":200,"max_time_cost":120}]` {
		t.Errorf("getinterfacesummary: %s", got)
	}
	ih, err := st.InterfaceSummaryHour(ctx, a, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, ih); got != `[{"ref_date":"2026-03-10","ref_hour":900,"callback_count":2,"fail_count":1,"total_time_cost":200,"max_time_cost":120}]` {
		t.Errorf("getinterfacesummaryhour: %s", got)
	}
	as, err := st.ArticleSummary(ctx, a, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, as); got != `[{"ref_date":"2026-03-10","msgid":"42","title":"","int_page_read_user":1,"int_page_read_count":1,"ori_page_read_user":1,"ori_page_read_count":1,"share_user":1,"share_count":1,"add_to_fav_user":0,"add_to_fav_count":0}]` {
		t.Errorf("getarticlesummary: %s", got)
	}
	ur, err := st.UserRead(ctx, a, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, ur); got != `[{"ref_date":"2026-03-10","user_source":99999999,"int_page_read_user":1,"int_page_read_count":1,"ori_page_read_user":0,"ori_page_read_count":0,"share_user":0,"share_count":0,"add_to_fav_user":0,"add_to_fav_count":0},{"ref_date":"2026-03-10","user_source":5,"int_page_read_user":1,"int_page_read_count":1,"ori_page_read_user":0,"ori_page_read_count":0,"share_user":0,"share_count":0,"add_to_fav_user":0,"add_to_fav_count":0}]` {
		t.Errorf("getuserread: %s", got)
	}
}
