// Package subscribe serves subscription notifications to developers: the
// wxaapi/newtmpl/* template family, message/subscribe/bizsend and the
// legacy one-time message/template/subscribe (internal/subscribemsg).
package subscribe

import (
	"encoding/json"
	"net/http"
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
	api.Register("/wxaapi/newtmpl/getcategory", wxapi.CapQRCode, h.getCategory)
	api.Register("/wxaapi/newtmpl/getpubtemplatetitles", wxapi.CapQRCode, h.getTitles)
	api.Register("/wxaapi/newtmpl/getpubtemplatekeywords", wxapi.CapQRCode, h.getKeywords)
	api.Register("/wxaapi/newtmpl/addtemplate", wxapi.CapQRCode, h.addTemplate)
	api.Register("/wxaapi/newtmpl/gettemplate", wxapi.CapQRCode, h.getTemplates)
	api.Register("/wxaapi/newtmpl/deltemplate", wxapi.CapQRCode, h.delTemplate)
	api.Register("/cgi-bin/message/subscribe/bizsend", wxapi.CapQRCode, h.bizSend)
	api.Register("/cgi-bin/message/template/subscribe", wxapi.CapQRCode, h.legacySend)
}

type handler struct{ s *subscribemsg.Service }

type okData struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	Count   *int   `json:"count,omitempty"`
	Data    any    `json:"data"`
}

func ok(w http.ResponseWriter, count *int, data any) error {
	wxerr.JSON(w, okData{ErrMsg: "ok", Count: count, Data: data})
	return nil
}

// GET /wxaapi/newtmpl/getcategory
func (h *handler) getCategory(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	return ok(w, nil, subscribemsg.Categories)
}

// GET /wxaapi/newtmpl/getpubtemplatetitles?ids=307,308&start=0&limit=30:
// 200018 without ids, 200019 for an unknown category, 200016 for a bad
// start, 200017 for a limit outside 1–30.
func (h *handler) getTitles(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("ids")) == "" {
		return wxerr.New(200018)
	}
	var cats []int
	for _, p := range strings.Split(q.Get("ids"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || subscribemsg.CategoryName(n) == "" {
			return wxerr.New(200019)
		}
		cats = append(cats, n)
	}
	start, err := strconv.Atoi(q.Get("start"))
	if err != nil || start < 0 {
		return wxerr.New(200016)
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 30 {
		return wxerr.New(200017)
	}
	ts, total, err := h.s.Library(r.Context(), cats, false, start, limit)
	if err != nil {
		return err
	}
	type row struct {
		TID        int64  `json:"tid"`
		Title      string `json:"title"`
		Type       int    `json:"type"`
		CategoryID string `json:"categoryId"`
	}
	out := make([]row, 0, len(ts))
	for _, t := range ts {
		out = append(out, row{TID: t.TID, Title: t.Title, Type: t.Type, CategoryID: strconv.Itoa(t.CategoryID)})
	}
	return ok(w, &total, out)
}

// GET /wxaapi/newtmpl/getpubtemplatekeywords?tid=: 200014 for an unknown tid.
func (h *handler) getKeywords(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	tid, err := strconv.ParseInt(r.URL.Query().Get("tid"), 10, 64)
	if err != nil {
		return wxerr.New(200014)
	}
	t, err := h.s.LibraryTemplate(r.Context(), tid)
	if err != nil || t.Retired {
		return wxerr.New(200014)
	}
	n := len(t.Keywords)
	return ok(w, &n, t.Keywords)
}

// number reads a value sent as a JSON string or number.
type number string

func (c *number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = number(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = number(n.String())
	return nil
}

// POST /wxaapi/newtmpl/addtemplate {"tid","kidList":[..],"sceneDesc"}
func (h *handler) addTemplate(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in struct {
		TID       number   `json:"tid"`
		KidList   []number `json:"kidList"`
		SceneDesc string   `json:"sceneDesc"`
	}
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	tid, err := strconv.ParseInt(strings.TrimSpace(string(in.TID)), 10, 64)
	if err != nil {
		return wxerr.New(200014)
	}
	var kids []int
	for _, k := range in.KidList {
		n, err := strconv.Atoi(strings.TrimSpace(string(k)))
		if err != nil {
			return wxerr.New(200020)
		}
		kids = append(kids, n)
	}
	t, err := h.s.AddTemplate(r.Context(), a.ID, tid, kids, in.SceneDesc)
	if err != nil {
		return err
	}
	wxerr.JSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "priTmplId": t.PriTmplID})
	return nil
}

// GET /wxaapi/newtmpl/gettemplate
func (h *handler) getTemplates(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	ts, err := h.s.Templates(r.Context(), a.ID)
	if err != nil {
		return err
	}
	type row struct {
		PriTmplID string `json:"priTmplId"`
		Title     string `json:"title"`
		Content   string `json:"content"`
		Example   string `json:"example"`
		Type      int    `json:"type"`
	}
	out := make([]row, 0, len(ts))
	for _, t := range ts {
		out = append(out, row{PriTmplID: t.PriTmplID, Title: t.Title, Content: t.Content(), Example: t.Example(), Type: t.Type})
	}
	return ok(w, nil, out)
}

// POST /wxaapi/newtmpl/deltemplate {"priTmplId"}
func (h *handler) delTemplate(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in struct {
		PriTmplID string `json:"priTmplId"`
	}
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := h.s.DeleteTemplate(r.Context(), a.ID, in.PriTmplID); err != nil {
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/message/subscribe/bizsend
func (h *handler) bizSend(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in subscribemsg.SendRequest
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := h.s.Send(r.Context(), a, &in); err != nil {
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/message/template/subscribe (legacy one-time subscription)
func (h *handler) legacySend(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in subscribemsg.LegacyRequest
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := h.s.SendLegacy(r.Context(), a, &in); err != nil {
		return err
	}
	wxerr.OK(w)
	return nil
}
