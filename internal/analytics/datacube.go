package analytics

import (
	"context"
	"sort"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// The datacube API (/datacube/*, developer platform part 2) is served
// straight from the daily and hourly rollups by these functions. Their
// rows carry WeChat's field names as JSON tags, so the API layer only
// checks the dates (MaxSpanDays) and encodes {"list": rows}.

// MaxSpanDays is the longest begin_date..end_date span of each endpoint.
var MaxSpanDays = map[string]int{
	"getusersummary": 7, "getusercumulate": 7, "getarticlesummary": 1, "getarticletotal": 1,
	"getuserread": 3, "getuserreadhour": 1, "getusershare": 7, "getusersharehour": 1,
	"getupstreammsg": 7, "getupstreammsghour": 1, "getupstreammsgweek": 30, "getupstreammsgmonth": 30,
	"getinterfacesummary": 30, "getinterfacesummaryhour": 1,
}

// UserSourceCodes maps follow sources to WeChat's user_source numbers.
var UserSourceCodes = map[string]int{"other": 0, "search": 1, "profile": 17, "qr": 30, "article": 57}

// ReadSourceCodes maps read surfaces to getuserread's user_source numbers
// (0 conversation, 1 friends (shared link), 4 history page, 5 other:
// the Subscriptions folder); 99999999 is every surface.
var ReadSourceCodes = map[string]int{SurfaceChat: 0, SurfaceLink: 1, SurfaceProfile: 4, SurfaceFolder: 5, All: 99999999}

// MsgTypeCodes maps message types to getupstreammsg's msg_type.
var MsgTypeCodes = map[string]int{"text": 1, "image": 2, "voice": 3, "video": 4, "link": 6, "location": 5}

// UserSummaryRow is one item of getusersummary.
type UserSummaryRow struct {
	RefDate    string `json:"ref_date"`
	UserSource int    `json:"user_source"`
	NewUser    int64  `json:"new_user"`
	CancelUser int64  `json:"cancel_user"`
}

// UserSummary answers getusersummary: new and cancelled follows per day and
// source (an unfollow counts under the source of the follow it ends).
func (s *Store) UserSummary(ctx context.Context, accountID int64, from, to string) (_ []UserSummaryRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.UserSummary(%d)", accountID)
	rows, err := s.DayRows(ctx, accountID, from, to, KindFollow, KindUnfollow)
	if err != nil {
		return nil, err
	}
	type k struct {
		day string
		src int
	}
	m := map[k]*UserSummaryRow{}
	for _, r := range rows {
		if r.Surface == All {
			continue
		}
		code := UserSourceCodes[r.Surface] // unknown: 0, other
		if strings.HasPrefix(r.Surface, "qr:") {
			code = UserSourceCodes["qr"]
		}
		x := m[k{r.Day, code}]
		if x == nil {
			x = &UserSummaryRow{RefDate: r.Day, UserSource: code}
			m[k{r.Day, code}] = x
		}
		if r.Kind == KindFollow {
			x.NewUser += r.Events
		} else {
			x.CancelUser += r.Events
		}
	}
	out := make([]UserSummaryRow, 0, len(m))
	for _, x := range m {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RefDate != out[j].RefDate {
			return out[i].RefDate < out[j].RefDate
		}
		return out[i].UserSource < out[j].UserSource
	})
	return out, nil
}

// UserCumulateRow is one item of getusercumulate.
type UserCumulateRow struct {
	RefDate      string `json:"ref_date"`
	CumulateUser int64  `json:"cumulate_user"`
}

// UserCumulate answers getusercumulate: followers at the end of each day,
// worked back from the maintained follower count.
func (s *Store) UserCumulate(ctx context.Context, accountID, followersNow int64, timezone, from, to string) (_ []UserCumulateRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.UserCumulate(%d, %d)", accountID, followersNow)
	g, err := s.Growth(ctx, accountID, followersNow, from, to, s.Today(timezone))
	if err != nil {
		return nil, err
	}
	out := make([]UserCumulateRow, len(g))
	for i, d := range g {
		out[i] = UserCumulateRow{RefDate: d.Day, CumulateUser: d.Cumulative}
	}
	return out, nil
}

// ArticleSummaryRow is one item of getarticlesummary.
type ArticleSummaryRow struct {
	RefDate          string `json:"ref_date"`
	MsgID            string `json:"msgid"`
	Title            string `json:"title"`
	IntPageReadUser  int64  `json:"int_page_read_user"`
	IntPageReadCount int64  `json:"int_page_read_count"`
	OriPageReadUser  int64  `json:"ori_page_read_user"`
	OriPageReadCount int64  `json:"ori_page_read_count"`
	ShareUser        int64  `json:"share_user"`
	ShareCount       int64  `json:"share_count"`
	AddToFavUser     int64  `json:"add_to_fav_user"`
	AddToFavCount    int64  `json:"add_to_fav_count"`
}

// ArticleSummary answers getarticlesummary for one day: per article, reads
// of the article page (int_page), clicks through to its original source
// (ori_page: link clicks with surface "source") and shares. Herald has no
// favourites; add_to_fav is 0. msgid is "{msg_data_id}_{index+1}" when
// the publishing tables name the article, else the article id.
func (s *Store) ArticleSummary(ctx context.Context, accountID int64, day string) (_ []ArticleSummaryRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.ArticleSummary(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT object_id, kind, surface, events, users FROM analytics_daily
		WHERE account_id = ? AND day = ? AND object_id > 0 AND kind IN ('read', 'share', 'link_click')
		AND (surface = '*' OR (kind = 'link_click' AND surface = 'source'))`, accountID, day)
	type r5 struct {
		obj           int64
		kind, surface string
		n, u          int64
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (r5, error) {
		var x r5
		return x, r.Scan(&x.obj, &x.kind, &x.surface, &x.n, &x.u)
	})
	if err != nil {
		return nil, err
	}
	m := map[int64]*ArticleSummaryRow{}
	var ids []int64
	for _, x := range rs {
		a := m[x.obj]
		if a == nil {
			a = &ArticleSummaryRow{RefDate: day}
			m[x.obj] = a
			ids = append(ids, x.obj)
		}
		switch {
		case x.kind == KindRead:
			a.IntPageReadCount, a.IntPageReadUser = x.n, x.u
		case x.kind == KindShare:
			a.ShareCount, a.ShareUser = x.n, x.u
		case x.kind == KindLinkClick && x.surface == "source":
			a.OriPageReadCount, a.OriPageReadUser = x.n, x.u
		}
	}
	names := s.articleMsgIDs(ctx, accountID, ids)
	out := make([]ArticleSummaryRow, 0, len(m))
	for _, id := range ids {
		a := m[id]
		if a.IntPageReadCount == 0 && a.ShareCount == 0 && a.OriPageReadCount == 0 {
			continue
		}
		n := names[id]
		a.MsgID, a.Title = n.msgid, n.title
		if a.MsgID == "" {
			a.MsgID = itoa(id)
		}
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MsgID < out[j].MsgID })
	return out, nil
}

type msgName struct{ msgid, title string }

func (s *Store) articleMsgIDs(ctx context.Context, accountID int64, ids []int64) map[int64]msgName {
	out := map[int64]msgName{}
	if len(ids) == 0 {
		return out
	}
	args := []any{accountID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, COALESCE(p.msg_data_id, a.publication_id), a.idx, a.title FROM articles a
		JOIN publications p ON p.id = a.publication_id WHERE a.account_id = ? AND a.id IN (?`+repeat(", ?", len(ids)-1)+`)`, args...)
	type r4 struct {
		id, pub int64
		idx     int
		title   string
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (r4, error) {
		var x r4
		return x, r.Scan(&x.id, &x.pub, &x.idx, &x.title)
	})
	if err != nil {
		return out
	}
	for _, x := range rs {
		out[x.id] = msgName{msgid: itoa(x.pub) + "_" + itoa(int64(x.idx+1)), title: x.title}
	}
	return out
}

// UserReadRow is one item of getuserread (and getuserreadhour with
// RefHour).
type UserReadRow struct {
	RefDate          string `json:"ref_date"`
	RefHour          *int   `json:"ref_hour,omitempty"`
	UserSource       int    `json:"user_source"`
	IntPageReadUser  int64  `json:"int_page_read_user"`
	IntPageReadCount int64  `json:"int_page_read_count"`
	OriPageReadUser  int64  `json:"ori_page_read_user"`
	OriPageReadCount int64  `json:"ori_page_read_count"`
	ShareUser        int64  `json:"share_user"`
	ShareCount       int64  `json:"share_count"`
	AddToFavUser     int64  `json:"add_to_fav_user"`
	AddToFavCount    int64  `json:"add_to_fav_count"`
}

// UserRead answers getuserread: article reads per day and read surface
// (user_source 99999999 is every surface).
func (s *Store) UserRead(ctx context.Context, accountID int64, from, to string) (_ []UserReadRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.UserRead(%d)", accountID)
	rows, err := s.DayRows(ctx, accountID, from, to, KindRead)
	if err != nil {
		return nil, err
	}
	var out []UserReadRow
	for _, r := range rows {
		code, ok := ReadSourceCodes[r.Surface]
		if !ok {
			continue
		}
		out = append(out, UserReadRow{RefDate: r.Day, UserSource: code, IntPageReadUser: r.Users, IntPageReadCount: r.Events})
	}
	return out, nil
}

// UpstreamMsgRow is one item of getupstreammsg (and the hourly variant).
type UpstreamMsgRow struct {
	RefDate  string `json:"ref_date"`
	RefHour  *int   `json:"ref_hour,omitempty"`
	MsgType  int    `json:"msg_type"`
	MsgUser  int64  `json:"msg_user"`
	MsgCount int64  `json:"msg_count"`
}

// UpstreamMsg answers getupstreammsg: followers' messages per day and type.
func (s *Store) UpstreamMsg(ctx context.Context, accountID int64, from, to string) (_ []UpstreamMsgRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.UpstreamMsg(%d)", accountID)
	rows, err := s.DayRows(ctx, accountID, from, to, KindMessageIn)
	if err != nil {
		return nil, err
	}
	var out []UpstreamMsgRow
	for _, r := range rows {
		if code, ok := MsgTypeCodes[r.Surface]; ok {
			out = append(out, UpstreamMsgRow{RefDate: r.Day, MsgType: code, MsgUser: r.Users, MsgCount: r.Events})
		}
	}
	return out, nil
}

// UpstreamMsgHour answers getupstreammsghour for one day.
func (s *Store) UpstreamMsgHour(ctx context.Context, accountID int64, day string) (_ []UpstreamMsgRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.UpstreamMsgHour(%d)", accountID)
	rows, err := s.Hourly(ctx, accountID, day)
	if err != nil {
		return nil, err
	}
	var out []UpstreamMsgRow
	for _, r := range rows {
		if code, ok := MsgTypeCodes[r.Surface]; ok && r.Kind == KindMessageIn {
			h := int(r.Object) * 100
			out = append(out, UpstreamMsgRow{RefDate: day, RefHour: &h, MsgType: code, MsgUser: r.Users, MsgCount: r.Events})
		}
	}
	return out, nil
}

// InterfaceSummaryRow is one item of getinterfacesummary (and the hourly
// variant).
type InterfaceSummaryRow struct {
	RefDate       string `json:"ref_date"`
	RefHour       *int   `json:"ref_hour,omitempty"`
	CallbackCount int64  `json:"callback_count"`
	FailCount     int64  `json:"fail_count"`
	TotalTimeCost int64  `json:"total_time_cost"`
	MaxTimeCost   int64  `json:"max_time_cost"`
}

// InterfaceSummary answers getinterfacesummary: pushes to the developer's
// server per day (WeChat counts its callbacks to the developer), with
// failures and time in milliseconds.
func (s *Store) InterfaceSummary(ctx context.Context, accountID int64, from, to string) (_ []InterfaceSummaryRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.InterfaceSummary(%d)", accountID)
	rows, err := s.DayRows(ctx, accountID, from, to, KindPushDelivery)
	if err != nil {
		return nil, err
	}
	var out []InterfaceSummaryRow
	for _, r := range rows {
		if r.Surface == All {
			out = append(out, InterfaceSummaryRow{RefDate: r.Day, CallbackCount: r.Events, FailCount: r.Failures, TotalTimeCost: r.ValueSum, MaxTimeCost: r.ValueMax})
		}
	}
	return out, nil
}

// InterfaceSummaryHour answers getinterfacesummaryhour for one day.
func (s *Store) InterfaceSummaryHour(ctx context.Context, accountID int64, day string) (_ []InterfaceSummaryRow, err error) {
	defer errs.Wrap(&err, "analytics.Store.InterfaceSummaryHour(%d)", accountID)
	rows, err := s.Hourly(ctx, accountID, day)
	if err != nil {
		return nil, err
	}
	var out []InterfaceSummaryRow
	for _, r := range rows {
		if r.Kind == KindPushDelivery && r.Surface == All {
			h := int(r.Object) * 100
			out = append(out, InterfaceSummaryRow{RefDate: day, RefHour: &h, CallbackCount: r.Events, FailCount: r.Failures, TotalTimeCost: r.ValueSum, MaxTimeCost: r.ValueMax})
		}
	}
	return out, nil
}
