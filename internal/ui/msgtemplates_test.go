package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/user"
)

func TestTemplateLibraryIsEditedByAdminsWithAudit(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ac, _ := staffClient(t, s, "ada", user.RoleAdmin)
	rc, _ := staffClient(t, s, "rui", user.RoleReviewer)
	form := url.Values{"short_id": {"TM00015"}, "title": {"Order shipped"}, "industry": {"13"}, "content": {"Your order has shipped"}}
	res := ac.PostForm("/admin/templates", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "at least one keyword")
	form.Set("content", "{{first.DATA}}\r\nOrder number: {{keyword1.DATA}}\r\n{{remark.DATA}}")
	wantStatus(t, rc.PostForm("/admin/templates", form), http.StatusForbidden)
	wantRedirect(t, ac.PostForm("/admin/templates", form), "/admin/templates")
	wantStatus(t, ac.PostForm("/admin/templates", form), http.StatusUnprocessableEntity) // the short id is taken
	lib, err := s.App.Templates.Library(bg, true)
	if err != nil || len(lib) != 1 || lib[0].Content != "{{first.DATA}}\nOrder number: {{keyword1.DATA}}\n{{remark.DATA}}" {
		t.Fatalf("library %+v %v", lib, err)
	}
	id := lib[0].ID
	page := rc.Get("/admin/templates")
	wantBody(t, page, "Order shipped")
	wantBody(t, page, "Only platform administrators can change the library.")

	form.Set("title", "Parcel shipped")
	wantRedirect(t, ac.PostForm(fmt.Sprintf("/admin/templates/%d", id), form), "/admin/templates")
	wantStatus(t, rc.PostForm(fmt.Sprintf("/admin/templates/%d/retire", id), nil), http.StatusForbidden)
	wantRedirect(t, ac.PostForm(fmt.Sprintf("/admin/templates/%d/retire", id), nil), "/admin/templates")
	if got, _ := s.App.Templates.LibraryTemplate(bg, id); got.Title != "Parcel shipped" || !got.Retired {
		t.Fatalf("after edit and retire: %+v", got)
	}
	if l, _ := s.App.Templates.Library(bg, false); len(l) != 0 {
		t.Fatal("a retired template is still offered to accounts")
	}
	audit := ac.Get("/admin/audit?action=template.")
	for _, want := range []string{"template.add", "template.edit", "template.retire", "Parcel shipped"} {
		wantBody(t, audit, want)
	}
}

func TestTemplateConsoleRespectsRoles(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	must(t, h.AddLibraryTemplate("TM00015", "Order shipped", 13, "{{first.DATA}}\nOrder number: {{keyword1.DATA}}"))
	must(t, h.AddLibraryTemplate("TM00200", "Payment received", 7, "Amount: {{keyword1.DATA}}"))
	admin := s.CreatePerson(t, "tpladmin", pw, user.RoleNone)
	publisher := s.CreatePerson(t, "tplpub", pw, user.RoleNone)
	must(t, s.App.Accounts.AddMember(ctx, h.Service.ID, admin.ID, account.RoleAdmin))
	must(t, s.App.Accounts.AddMember(ctx, h.Service.ID, publisher.ID, account.RolePublisher))
	must(t, s.App.Accounts.AddMember(ctx, h.Subscription.ID, admin.ID, account.RoleAdmin))
	base := fmt.Sprintf("/mp/a/%d/templates", h.Service.ID)

	pc := s.Client(t)
	pc.SignIn("tplpub", pw)
	wantStatus(t, pc.Get(base), http.StatusForbidden)
	wantStatus(t, pc.PostForm(base+"/industry", url.Values{"industry1": {"13"}, "industry2": {"10"}}), http.StatusForbidden)
	if strings.Contains(pc.Get(fmt.Sprintf("/mp/a/%d/", h.Service.ID)).Body, base) {
		t.Error("a publisher's console links to the templates page")
	}

	c := s.Client(t)
	c.SignIn("tpladmin", pw)
	wantBody(t, c.Get(base), "Not set yet")
	wantRedirect(t, c.PostForm(base+"/industry", url.Values{"industry1": {"13"}, "industry2": {"10"}}), base)
	page := c.Get(base)
	wantBody(t, page, "Transport & Warehousing / Express Delivery")
	wantBody(t, page, `data-testid="add-TM00015"`)
	if strings.Contains(page.Body, "add-TM00200") {
		t.Error("a template outside the industries is offered")
	}
	res := c.PostForm(base+"/industry", url.Values{"industry1": {"7"}, "industry2": {"10"}})
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "once a month")
	wantRedirect(t, c.PostForm(base+"/add", url.Values{"short_id": {"TM00015"}}), base)
	list, _ := s.App.Templates.Templates(ctx, h.Service.ID)
	if len(list) != 1 {
		t.Fatalf("%d templates after adding one", len(list))
	}
	acc, _ := s.App.Accounts.ByID(ctx, h.Service.ID)
	f := h.Service.Followers[0]
	msgID, err := s.App.Templates.Send(ctx, acc, &tmplmsg.SendRequest{ToUser: f.OpenID, TemplateID: list[0].TemplateID,
		Data: map[string]tmplmsg.DataItem{"keyword1": {Value: "A-1001"}}})
	must(t, err)
	s.App.Templates.Wait()
	page = c.Get(base)
	wantBody(t, page, list[0].TemplateID)
	wantBody(t, page, fmt.Sprintf("msgid %d", msgID))
	wantBody(t, page, f.OpenID)
	wantStatus(t, pc.PostForm(base+"/delete", url.Values{"template_id": {list[0].TemplateID}}), http.StatusForbidden)
	wantRedirect(t, c.PostForm(base+"/delete", url.Values{"template_id": {list[0].TemplateID}}), base)
	if list, _ := s.App.Templates.Templates(ctx, h.Service.ID); len(list) != 0 {
		t.Fatal("the template was not deleted")
	}

	// A Subscription account cannot use templates.
	subBase := fmt.Sprintf("/mp/a/%d/templates", h.Subscription.ID)
	wantBody(t, c.Get(subBase), "Template messages are for verified Service accounts.")
	wantStatus(t, c.PostForm(subBase+"/industry", url.Values{"industry1": {"13"}, "industry2": {"10"}}), http.StatusForbidden)
	if ai, _ := s.App.Templates.Industry(ctx, h.Subscription.ID); ai != nil {
		t.Fatal("a Subscription account got an industry")
	}
}
