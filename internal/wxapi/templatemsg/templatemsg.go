// Package templatemsg is the developer API of template messages: industries,
// private templates and message/template/send, over internal/tmplmsg.
package templatemsg

import (
	"context"
	"net/url"
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
	api.Register("/cgi-bin/template/api_set_industry", wxapi.CapQRCode, wxapi.JSON(s.apiSetIndustry))
	api.Register("/cgi-bin/template/get_industry", wxapi.CapQRCode, wxapi.Query(s.apiGetIndustry))
	api.Register("/cgi-bin/template/api_add_template", wxapi.CapQRCode, wxapi.JSON(s.apiAddTemplate))
	api.Register("/cgi-bin/template/get_all_private_template", wxapi.CapQRCode, wxapi.Query(s.apiTemplates))
	api.Register("/cgi-bin/template/del_private_template", wxapi.CapQRCode, wxapi.JSON(s.apiDelTemplate))
	api.Register("/cgi-bin/message/template/send", wxapi.CapQRCode, wxapi.JSON(s.apiSend))
}

// handlers answer the endpoints with the template-message service.
type handlers struct{ *tmplmsg.Service }

// industry reads an industry id sent as a string ("1", as documented) or a
// number (some SDKs); 0 when it is neither.
func industry(c wxapi.FlexString) int {
	n, err := strconv.Atoi(strings.TrimSpace(string(c)))
	if err != nil {
		return 0
	}
	return n
}

type industryIn struct {
	ID1 wxapi.FlexString `json:"industry_id1"`
	ID2 wxapi.FlexString `json:"industry_id2"`
}

// POST /cgi-bin/template/api_set_industry {"industry_id1":"1","industry_id2":"4"}
func (s *handlers) apiSetIndustry(ctx context.Context, a *account.Account, in *industryIn) (any, error) {
	_, err := s.SetIndustry(ctx, a.ID, industry(in.ID1), industry(in.ID2))
	return nil, err
}

type industryJSON struct {
	FirstClass  string `json:"first_class"`
	SecondClass string `json:"second_class"`
}

// GET /cgi-bin/template/get_industry: the class names are WeChat's own
// (Chinese), as its API gives them.
func (s *handlers) apiGetIndustry(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	ai, err := s.Industry(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Primary   industryJSON `json:"primary_industry"`
		Secondary industryJSON `json:"secondary_industry"`
	}{}
	if ai != nil {
		out.Primary = industryJSON{ai.Primary.FirstZh, ai.Primary.SecondZh}
		out.Secondary = industryJSON{ai.Secondary.FirstZh, ai.Secondary.SecondZh}
	}
	return out, nil
}

type addTemplateIn struct {
	ShortID  string   `json:"template_id_short"`
	Keywords []string `json:"keyword_name_list"`
}

// POST /cgi-bin/template/api_add_template {"template_id_short","keyword_name_list"}
func (s *handlers) apiAddTemplate(ctx context.Context, a *account.Account, in *addTemplateIn) (any, error) {
	if strings.TrimSpace(in.ShortID) == "" {
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	t, err := s.AddTemplate(ctx, a.ID, in.ShortID, in.Keywords)
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "template_id": t.TemplateID}, nil
}

type templateJSON struct {
	TemplateID      string `json:"template_id"`
	Title           string `json:"title"`
	PrimaryIndustry string `json:"primary_industry"`
	DeputyIndustry  string `json:"deputy_industry"`
	Content         string `json:"content"`
	Example         string `json:"example"`
}

// GET /cgi-bin/template/get_all_private_template: primary_industry and
// deputy_industry are WeChat's (Chinese) first and second class names.
func (s *handlers) apiTemplates(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	list, err := s.Templates(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out := make([]templateJSON, 0, len(list))
	for _, t := range list {
		in := t.IndustryInfo()
		out = append(out, templateJSON{TemplateID: t.TemplateID, Title: t.Title, PrimaryIndustry: in.FirstZh, DeputyIndustry: in.SecondZh,
			Content: t.Content, Example: t.Example})
	}
	return map[string]any{"template_list": out}, nil
}

// POST /cgi-bin/template/del_private_template {"template_id"}
func (s *handlers) apiDelTemplate(ctx context.Context, a *account.Account, in *struct {
	TemplateID string `json:"template_id"`
}) (any, error) {
	return nil, s.DeleteTemplate(ctx, a.ID, in.TemplateID)
}

// POST /cgi-bin/message/template/send
func (s *handlers) apiSend(ctx context.Context, a *account.Account, in *tmplmsg.SendRequest) (any, error) {
	msgID, err := s.Send(ctx, a, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID}, nil
}
