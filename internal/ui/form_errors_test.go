package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// summaryOf returns the messages of a page's error summary, in order, each
// with the field its link names.
func summaryOf(body string) []string {
	i := strings.Index(body, `data-testid="error-summary"`)
	if i < 0 {
		return nil
	}
	block := body[i:]
	block = block[:strings.Index(block, "</div>")]
	var out []string
	for _, m := range regexp.MustCompile(`<a href="#field-[^"]*" data-field="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(block, -1) {
		out = append(out, m[1]+": "+m[2])
	}
	return out
}

// TestFormsReportEveryErrorAtOnce: a developer-settings form, an auto-reply
// rule and a library template with several wrong fields come back once
// with every message: in a summary over the form, each linking to its
// field, and beside each field.
func TestFormsReportEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	acct, oc := pubOwner(t, s, "hana", "Harbour Bank", account.Service)

	// Developer settings: the address, the Token and the key are all wrong.
	res := oc.PostForm(fmt.Sprintf("/mp/a/%d/dev", acct.ID), url.Values{"url": {"ftp://example.com"}, "token": {"a!"}, "aes_key": {"short"},
		"mode": {"safe"}, "enabled": {"on"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got := summaryOf(res.Body)
	want := []string{"url: Enter the full address of your server, starting with http:// or https://.", "token: The Token has 3 to 32 letters and digits.",
		"aes_key: The EncodingAESKey has exactly 43 letters and digits; use Generate for a new one."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the developer form's summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(res.Body, `<span class="field-error" data-testid="url-error">`) || strings.Count(res.Body, `class="field-error"`) < 3 {
		t.Errorf("the fields do not carry their messages:\n%s", res.Body)
	}

	// A keyword rule without a name, keywords or replies.
	res = oc.PostForm(fmt.Sprintf("/mp/a/%d/autoreply/rules", acct.ID), url.Values{"name": {""}, "mode": {"all"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got = summaryOf(res.Body)
	if len(got) != 3 || !strings.HasPrefix(got[0], "name: ") || !strings.HasPrefix(got[1], "keywords: ") || !strings.HasPrefix(got[2], "replies: ") {
		t.Errorf("the auto-reply rule's summary: %q", got)
	}

	// A library template with four wrong fields (the admin's form).
	ac, _ := staffClient(t, s, "ada", user.RoleAdmin)
	res = ac.PostForm("/admin/templates", url.Values{"short_id": {"not valid!"}, "title": {""}, "industry": {"0"}, "content": {"no keywords"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got = summaryOf(res.Body)
	var fields []string
	for _, g := range got {
		fields = append(fields, g[:strings.Index(g, ":")])
	}
	if strings.Join(fields, ",") != "short_id,title,industry,content" {
		t.Errorf("the template's summary: %q", got)
	}
	if !strings.Contains(res.Body, `value="not valid!"`) {
		t.Error("the template form is not refilled")
	}

	// An account's application (its profile) with three wrong fields.
	f := applyFields("x", "domestic")
	f.Set("contact_email", "not an address")
	f.Set("contact_phone", "call me")
	res = oc.PostForm("/mp/apply/new", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	fields = nil
	for _, g := range summaryOf(res.Body) {
		fields = append(fields, g[:strings.Index(g, ":")])
	}
	if strings.Join(fields, ",") != "name,contact_email,contact_phone" {
		t.Errorf("the application's summary: %q", summaryOf(res.Body))
	}

	// One error: one line in the summary.
	res = oc.PostForm(fmt.Sprintf("/mp/a/%d/dev", acct.ID), url.Values{"url": {"https://example.com/wx"}, "token": {"a!"}, "mode": {"plaintext"}})
	if got := summaryOf(res.Body); len(got) != 1 || !strings.Contains(res.Body, "One thing needs fixing") {
		t.Errorf("one wrong field: %q", got)
	}
}

// TestEditorsReportEveryErrorAtOnce: the menu editor and the article editor
// come back once with every fault: each in the summary, linking to the
// editor's own field, and beside that field; nothing is saved.
func TestEditorsReportEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	s, acct, oc := lotusTea(t, account.Service)
	menuPath := fmt.Sprintf("/mp/a/%d/menu", acct.ID)

	// A text button without its message and a link that is not http(s),
	// found by the validation: the second button is the third slot, and
	// the summary names the slot's fields.
	res := oc.PostForm(menuPath, url.Values{"b.0.name": {"Hours"}, "b.0.type": {"text"}, "b.0.text": {""},
		"b.2.name": {"Site"}, "b.2.type": {"view"}, "b.2.url": {"ftp://example.com"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got := summaryOf(res.Body)
	want := []string{"b.0.text: Write the message the button &#34;Hours&#34; sends. (WeChat error 40017)",
		"b.2.url: The link of &#34;Site&#34; must be a full http:// or https:// address. (WeChat error 65317)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the menu's summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(res.Body, `<span class="field-error">`); n != 2 {
		t.Errorf("%d field messages in the menu editor, want one beside each of the 2 fields", n)
	}
	if !strings.Contains(res.Body, `value="ftp://example.com"`) {
		t.Error("the menu editor is not refilled with what was typed")
	}

	// A sub-menu without items (found in reading the form) and an item
	// without a name in another button's sub-menu (found by the
	// validation) are shown together.
	res = oc.PostForm(menuPath, url.Values{"b.0.name": {"More"}, "b.0.type": {"sub"},
		"b.1.name": {"Shop"}, "b.1.type": {"sub"}, "b.1.s.2.type": {"text"}, "b.1.s.2.text": {"Open 9 to 6."}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	got = summaryOf(res.Body)
	want = []string{"b.0.type: The sub-menu of &#34;More&#34; has no items. (WeChat error 40023)",
		"b.1.s.2.name: Every button needs a name. (WeChat error 40025)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the menu's summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m, err := s.App.Menus.Default(context.Background(), acct.ID); err == nil {
		t.Errorf("a menu with errors was published: %+v", m.Buttons)
	}

	// An article whose title is too long, whose digest is too long and
	// whose source is not a web address.
	f := draftForm(strings.Repeat("茶", 70))
	f.Set("digest_0", strings.Repeat("d", 150))
	f.Set("source_url_0", "ftp://example.com/tea")
	res = oc.PostForm(fmt.Sprintf("/mp/a/%d/publish/save", acct.ID), f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	var fields []string
	for _, g := range summaryOf(res.Body) {
		fields = append(fields, g[:strings.Index(g, ":")])
	}
	if strings.Join(fields, ",") != "title_0,digest_0,source_url_0" {
		t.Errorf("the article's summary: %q", summaryOf(res.Body))
	}
	if !strings.Contains(res.Body, "3 things need fixing") || strings.Count(res.Body, `<span class="field-error">`) != 3 {
		t.Errorf("the article editor does not show its three messages:\n%s", res.Body)
	}
	if n, err := s.App.Publish.CountDrafts(context.Background(), acct.ID); err != nil || n != 0 {
		t.Errorf("a draft with errors was saved: %d %v", n, err)
	}
}
