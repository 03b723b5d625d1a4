// Package templatemsg is the developer API of template messages: industries,
// private templates and message/template/send, over internal/tmplmsg.
package templatemsg

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Register adds the template-message endpoints to the developer API. They
// need a verified Service account (48001 otherwise), as on WeChat.
func Register(api *wxapi.API, svc *tmplmsg.Service) {
	s := &handlers{svc}
	api.Register("/cgi-bin/template/api_set_industry", wxapi.CapQRCode, s.apiSetIndustry)
	api.Register("/cgi-bin/template/get_industry", wxapi.CapQRCode, s.apiGetIndustry)
	api.Register("/cgi-bin/template/api_add_template", wxapi.CapQRCode, s.apiAddTemplate)
	api.Register("/cgi-bin/template/get_all_private_template", wxapi.CapQRCode, s.apiTemplates)
	api.Register("/cgi-bin/template/del_private_template", wxapi.CapQRCode, s.apiDelTemplate)
	api.Register("/cgi-bin/message/template/send", wxapi.CapQRCode, s.apiSend)
}

// handlers answer the endpoints with the template-message service.
type handlers struct{ *tmplmsg.Service }

// code reads an industry id sent as a string ("1", as documented) or a
// number (some SDKs).
type code string

func (c *code) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = code(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = code(n.String())
	return nil
}

func (c code) int() int {
	n, err := strconv.Atoi(strings.TrimSpace(string(c)))
	if err != nil {
		return 0
	}
	return n
}

// POST /cgi-bin/template/api_set_industry {"industry_id1":"1","industry_id2":"4"}
func (s *handlers) apiSetIndustry(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in struct {
		ID1 code `json:"industry_id1"`
		ID2 code `json:"industry_id2"`
	}
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := s.SetIndustry(r.Context(), a.ID, in.ID1.int(), in.ID2.int()); err != nil {
		return err
	}
	wxerr.OK(w)
	return nil
}

type industryJSON struct {
	FirstClass  string `json:"first_class"`
	SecondClass string `json:"second_class"`
}

// GET /cgi-bin/template/get_industry
func (s *handlers) apiGetIndustry(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	ai, err := s.Industry(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := struct {
		Primary   industryJSON `json:"primary_industry"`
		Secondary industryJSON `json:"secondary_industry"`
	}{}
	if ai != nil {
		out.Primary = industryJSON{ai.Primary.First, ai.Primary.Second}
		out.Secondary = industryJSON{ai.Secondary.First, ai.Secondary.Second}
	}
	wxerr.JSON(w, out)
	return nil
}

// POST /cgi-bin/template/api_add_template {"template_id_short","keyword_name_list"}
func (s *handlers) apiAddTemplate(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in struct {
		ShortID  string   `json:"template_id_short"`
		Keywords []string `json:"keyword_name_list"`
	}
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.ShortID) == "" {
		return wxerr.New(wxerr.CodeInvalidParameter)
	}
	t, err := s.AddTemplate(r.Context(), a.ID, in.ShortID, in.Keywords)
	if err != nil {
		return err
	}
	wxerr.JSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "template_id": t.TemplateID})
	return nil
}

type templateJSON struct {
	TemplateID      string `json:"template_id"`
	Title           string `json:"title"`
	PrimaryIndustry string `json:"primary_industry"`
	DeputyIndustry  string `json:"deputy_industry"`
	Content         string `json:"content"`
	Example         string `json:"example"`
}

// GET /cgi-bin/template/get_all_private_template
func (s *handlers) apiTemplates(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	list, err := s.Templates(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := make([]templateJSON, 0, len(list))
	for _, t := range list {
		in := t.IndustryInfo()
		out = append(out, templateJSON{TemplateID: t.TemplateID, Title: t.Title, PrimaryIndustry: in.First, DeputyIndustry: in.Second,
			Content: t.Content, Example: t.Example})
	}
	wxerr.JSON(w, map[string]any{"template_list": out})
	return nil
}

// POST /cgi-bin/template/del_private_template {"template_id"}
func (s *handlers) apiDelTemplate(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in struct {
		TemplateID string `json:"template_id"`
	}
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.DeleteTemplate(r.Context(), a.ID, in.TemplateID); err != nil {
		return err
	}
	wxerr.OK(w)
	return nil
}

// POST /cgi-bin/message/template/send
func (s *handlers) apiSend(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	var in tmplmsg.SendRequest
	if err := wxapi.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	msgID, err := s.Send(r.Context(), a, &in)
	if err != nil {
		return err
	}
	wxerr.JSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID})
	return nil
}
