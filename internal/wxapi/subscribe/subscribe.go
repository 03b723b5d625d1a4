// Package subscribe serves subscription notifications to developers: the
// wxaapi/newtmpl/* template family, message/subscribe/bizsend and the
// legacy one-time message/template/subscribe (internal/subscribemsg).
package subscribe

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Register adds the endpoints. They need a verified Service account (48001
// otherwise).
func Register(api *wxapi.API, s *subscribemsg.Service) {
	h := &handler{s: s}
	api.Register("/wxaapi/newtmpl/getcategory", wxapi.CapQRCode, wxapi.Query(h.getCategory))
	api.Register("/wxaapi/newtmpl/getpubtemplatetitles", wxapi.CapQRCode, wxapi.Query(h.getTitles))
	api.Register("/wxaapi/newtmpl/getpubtemplatekeywords", wxapi.CapQRCode, wxapi.Query(h.getKeywords))
	api.Register("/wxaapi/newtmpl/addtemplate", wxapi.CapQRCode, wxapi.JSON(h.addTemplate))
	api.Register("/wxaapi/newtmpl/gettemplate", wxapi.CapQRCode, wxapi.Query(h.getTemplates))
	api.Register("/wxaapi/newtmpl/deltemplate", wxapi.CapQRCode, wxapi.JSON(h.delTemplate))
	api.Register("/cgi-bin/message/subscribe/bizsend", wxapi.CapQRCode, wxapi.JSON(h.bizSend))
	api.Register("/cgi-bin/message/template/subscribe", wxapi.CapQRCode, wxapi.JSON(h.legacySend))
}

type handler struct{ s *subscribemsg.Service }

// okData is the answer of the wxaapi family: errcode, errmsg and data.
type okData struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	Count   *int   `json:"count,omitempty"`
	Data    any    `json:"data"`
}

func ok(count *int, data any) (any, error) {
	return okData{ErrMsg: "ok", Count: count, Data: data}, nil
}

// GET /wxaapi/newtmpl/getcategory
func (h *handler) getCategory(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	return ok(nil, subscribemsg.Categories)
}

// GET /wxaapi/newtmpl/getpubtemplatetitles?ids=307,308&start=0&limit=30:
// 200018 without ids, 200019 for an unknown category, 200016 for a bad
// start, 200017 for a limit outside 1–30.
func (h *handler) getTitles(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	if strings.TrimSpace(q.Get("ids")) == "" {
		return nil, wxerr.New(200018)
	}
	var cats []int
	for _, p := range strings.Split(q.Get("ids"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || subscribemsg.CategoryName(n) == "" {
			return nil, wxerr.New(200019)
		}
		cats = append(cats, n)
	}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 0 {
		return nil, wxerr.New(200016)
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 30 {
		return nil, wxerr.New(200017)
	}
	ts, total, err := h.s.Library(ctx, cats, false, start, limit)
	if err != nil {
		return nil, err
	}
	type row struct {
		TID        int64  `json:"tid"`
		Title      string `json:"title"`
		Type       int    `json:"type"`
		CategoryID string `json:"categoryId"`
	}
	out := wxapi.Map(ts, func(t *subscribemsg.LibraryTemplate) row {
		return row{TID: t.TID, Title: t.Title, Type: t.Type, CategoryID: strconv.Itoa(t.CategoryID)}
	})
	return ok(&total, out)
}

// GET /wxaapi/newtmpl/getpubtemplatekeywords?tid=: 200014 for an unknown tid.
func (h *handler) getKeywords(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	tid, err := strconv.ParseInt(q.Get("tid"), 10, 64)
	if err != nil {
		return nil, wxerr.New(200014)
	}
	t, err := h.s.LibraryTemplate(ctx, tid)
	if err != nil || t.Retired {
		return nil, wxerr.New(200014)
	}
	n := len(t.Keywords)
	return ok(&n, t.Keywords)
}

type addTemplateIn struct {
	TID       wxapi.FlexString   `json:"tid"`
	KidList   []wxapi.FlexString `json:"kidList"`
	SceneDesc string             `json:"sceneDesc"`
}

// POST /wxaapi/newtmpl/addtemplate {"tid","kidList":[..],"sceneDesc"}
func (h *handler) addTemplate(ctx context.Context, a *account.Account, in *addTemplateIn) (any, error) {
	tid, err := strconv.ParseInt(strings.TrimSpace(string(in.TID)), 10, 64)
	if err != nil {
		return nil, wxerr.New(200014)
	}
	var kids []int
	for _, k := range in.KidList {
		n, err := strconv.Atoi(strings.TrimSpace(string(k)))
		if err != nil {
			return nil, wxerr.New(200020)
		}
		kids = append(kids, n)
	}
	t, err := h.s.AddTemplate(ctx, a.ID, tid, kids, in.SceneDesc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "priTmplId": t.PriTmplID}, nil
}

// GET /wxaapi/newtmpl/gettemplate
func (h *handler) getTemplates(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	ts, err := h.s.Templates(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	type row struct {
		PriTmplID string `json:"priTmplId"`
		Title     string `json:"title"`
		Content   string `json:"content"`
		Example   string `json:"example"`
		Type      int    `json:"type"`
	}
	out := wxapi.Map(ts, func(t *subscribemsg.Template) row {
		return row{PriTmplID: t.PriTmplID, Title: t.Title, Content: t.Content(), Example: t.Example(), Type: t.Type}
	})
	return ok(nil, out)
}

// POST /wxaapi/newtmpl/deltemplate {"priTmplId"}
func (h *handler) delTemplate(ctx context.Context, a *account.Account, in *struct {
	PriTmplID string `json:"priTmplId"`
}) (any, error) {
	return nil, h.s.DeleteTemplate(ctx, a.ID, in.PriTmplID)
}

// POST /cgi-bin/message/subscribe/bizsend
func (h *handler) bizSend(ctx context.Context, a *account.Account, in *subscribemsg.SendRequest) (any, error) {
	return nil, h.s.Send(ctx, a, in)
}

// POST /cgi-bin/message/template/subscribe (legacy one-time subscription)
func (h *handler) legacySend(ctx context.Context, a *account.Account, in *subscribemsg.LegacyRequest) (any, error) {
	return nil, h.s.SendLegacy(ctx, a, in)
}
