// Package datacube serves WeChat's analytics API (/datacube/*, §16 of the
// protocol notes) from the analytics rollups, registered on the developer
// API with wxapi.API.Register.
package datacube

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Error codes of the date checks.
const (
	CodeDateFormat = 61500 // begin_date or end_date is not YYYY-MM-DD
	CodeDateRange  = 61501 // end before begin, beyond the span, or not before today
)

// ShareSceneCodes maps share surfaces to getusershare's share_scene
// (1 forwarded to a friend, 2 Moments, 255 other).
var ShareSceneCodes = map[string]int{"friend": 1, "link": 1, "moments": 2, "timeline": 2}

type span struct {
	Begin string `json:"begin_date"`
	End   string `json:"end_date"`
}

// query is one checked datacube request.
type query struct {
	from, to string
	a        *account.Account
}

type handler func(r *http.Request, q *query) (any, error)

// Register adds the datacube endpoints to api.
func Register(api *wxapi.API, s *analytics.Store) {
	add := func(name string, fn handler) {
		api.Register("/datacube/"+name, wxapi.CapBasic, func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
			q, err := check(w, r, a, s, name)
			if err != nil {
				return err
			}
			list, err := fn(r, q)
			if err != nil {
				return err
			}
			wxerr.JSON(w, map[string]any{"list": list})
			return nil
		})
	}
	add("getusersummary", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.UserSummary(r.Context(), q.a.ID, q.from, q.to))
	})
	add("getusercumulate", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.UserCumulate(r.Context(), q.a.ID, q.a.FollowerCount, q.a.Timezone, q.from, q.to))
	})
	add("getarticlesummary", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.ArticleSummary(r.Context(), q.a.ID, q.from))
	})
	add("getarticletotal", func(r *http.Request, q *query) (any, error) {
		rows, err := s.ArticleSummary(r.Context(), q.a.ID, q.from)
		if err != nil {
			return nil, err
		}
		out := make([]articleTotal, 0, len(rows))
		for _, x := range rows {
			out = append(out, articleTotal{RefDate: x.RefDate, MsgID: x.MsgID, Title: x.Title, Details: []articleDetail{{
				StatDate: x.RefDate, TargetUser: q.a.FollowerCount, IntPageReadUser: x.IntPageReadUser, IntPageReadCount: x.IntPageReadCount,
				OriPageReadUser: x.OriPageReadUser, OriPageReadCount: x.OriPageReadCount, ShareUser: x.ShareUser, ShareCount: x.ShareCount,
				AddToFavUser: x.AddToFavUser, AddToFavCount: x.AddToFavCount}}})
		}
		return out, nil
	})
	add("getuserread", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.UserRead(r.Context(), q.a.ID, q.from, q.to))
	})
	add("getusershare", func(r *http.Request, q *query) (any, error) {
		rows, err := s.DayRows(r.Context(), q.a.ID, q.from, q.to, analytics.KindShare)
		if err != nil {
			return nil, err
		}
		type key struct {
			day   string
			scene int
		}
		m := map[key]*shareRow{}
		var order []key
		for _, x := range rows {
			if x.Surface == analytics.All {
				continue
			}
			scene, ok := ShareSceneCodes[x.Surface]
			if !ok {
				scene = 255
			}
			k := key{x.Day, scene}
			if m[k] == nil {
				m[k] = &shareRow{RefDate: x.Day, ShareScene: scene}
				order = append(order, k)
			}
			m[k].ShareCount += x.Events
			m[k].ShareUser += x.Users
		}
		out := make([]shareRow, 0, len(order))
		for _, k := range order {
			out = append(out, *m[k])
		}
		return out, nil
	})
	add("getupstreammsg", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.UpstreamMsg(r.Context(), q.a.ID, q.from, q.to))
	})
	add("getupstreammsghour", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.UpstreamMsgHour(r.Context(), q.a.ID, q.from))
	})
	add("getinterfacesummary", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.InterfaceSummary(r.Context(), q.a.ID, q.from, q.to))
	})
	add("getinterfacesummaryhour", func(r *http.Request, q *query) (any, error) {
		return nonNil(s.InterfaceSummaryHour(r.Context(), q.a.ID, q.from))
	})
}

type shareRow struct {
	RefDate    string `json:"ref_date"`
	ShareScene int    `json:"share_scene"`
	ShareCount int64  `json:"share_count"`
	ShareUser  int64  `json:"share_user"`
}

type articleDetail struct {
	StatDate         string `json:"stat_date"`
	TargetUser       int64  `json:"target_user"`
	IntPageReadUser  int64  `json:"int_page_read_user"`
	IntPageReadCount int64  `json:"int_page_read_count"`
	OriPageReadUser  int64  `json:"ori_page_read_user"`
	OriPageReadCount int64  `json:"ori_page_read_count"`
	ShareUser        int64  `json:"share_user"`
	ShareCount       int64  `json:"share_count"`
	AddToFavUser     int64  `json:"add_to_fav_user"`
	AddToFavCount    int64  `json:"add_to_fav_count"`
}

type articleTotal struct {
	RefDate string          `json:"ref_date"`
	MsgID   string          `json:"msgid"`
	Title   string          `json:"title"`
	Details []articleDetail `json:"details"`
}

// nonNil turns a nil slice into [] so that "list" is never null.
func nonNil[T any](rows []T, err error) (any, error) {
	if rows == nil {
		rows = []T{}
	}
	return rows, err
}

// check reads {"begin_date","end_date"}: 44002 empty body, 47001 not
// JSON, 61500 not YYYY-MM-DD, 61501 end before begin, longer than the
// endpoint's span, or today or later (data is complete up to yesterday,
// in the account's time zone).
func check(w http.ResponseWriter, r *http.Request, a *account.Account, s *analytics.Store, name string) (*query, error) {
	if r.Method != http.MethodPost {
		return nil, wxerr.New(wxerr.CodeRequirePOST)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
	if err != nil {
		return nil, wxerr.New(wxerr.CodeDataFormatError)
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil, wxerr.New(wxerr.CodeEmptyPostData)
	}
	var sp span
	if err := json.Unmarshal(b, &sp); err != nil {
		return nil, wxerr.New(wxerr.CodeDataFormatError)
	}
	begin, err1 := time.Parse("2006-01-02", sp.Begin)
	end, err2 := time.Parse("2006-01-02", sp.End)
	if err1 != nil || err2 != nil {
		return nil, wxerr.New(CodeDateFormat)
	}
	days := int(end.Sub(begin).Hours()/24) + 1
	max := analytics.MaxSpanDays[name]
	if end.Before(begin) || (max > 0 && days > max) || sp.End >= s.Today(a.Timezone) {
		return nil, wxerr.New(CodeDateRange)
	}
	return &query{from: sp.Begin, to: sp.End, a: a}, nil
}
