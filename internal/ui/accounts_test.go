package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

var bg = context.Background()

func testPNG() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	return b.Bytes()
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

type upload struct {
	name string
	body []byte
}

// postMultipart submits a form with files from a page of the same origin.
func postMultipart(t *testing.T, s *apptest.Server, c *apptest.Client, path string, fields url.Values, files map[string]upload) *apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, err := mw.CreateFormFile(field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.body)
	}
	_ = mw.Close()
	req := c.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Origin", s.URL)
	return c.Do(req)
}

func applyFields(name, region string) url.Values {
	return url.Values{"type": {"subscription"}, "region": {region}, "name": {name}, "description": {"Tea and cakes by the lake."},
		"organisation": {"Lotus Tea House Ltd"}, "contact_name": {"Lin"}, "contact_email": {"lin@example.com"}}
}

var appPath = regexp.MustCompile(`^/mp/apply/(\d+)$`)

// startApplication posts the first form and returns the application id.
func startApplication(t *testing.T, c *apptest.Client, name, region string) int64 {
	t.Helper()
	res := c.PostForm("/mp/apply/new", applyFields(name, region))
	m := appPath.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("start application: %d to %q\n%s", res.Status, res.Location, res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func staffClient(t *testing.T, s *apptest.Server, username, role string) (*apptest.Client, *user.Person) {
	t.Helper()
	p := s.CreatePerson(t, username, pw, role)
	c := s.Client(t)
	c.SignIn(username, pw)
	return c, p
}

// approvedAccount registers and approves an account through the store.
func approvedAccount(t *testing.T, s *apptest.Server, owner, reviewer *user.Person, name string) *account.Account {
	t.Helper()
	rv := s.App.Review
	f := review.Fields{Type: account.Service, Region: account.International, Name: name, Description: "Banking by the sea.",
		Organisation: "Harbour Bank plc", ContactName: "Hana", ContactEmail: "hana@example.com"}
	a, err := rv.StartRegistration(bg, owner, f)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := rv.Requirements(bg, account.International)
	var docs []review.Upload
	for _, r := range reqs {
		docs = append(docs, review.Upload{Requirement: r, Body: bytes.NewReader(testPDF)})
	}
	if _, err := rv.Save(bg, owner, a.ID, f, &review.Upload{Body: bytes.NewReader(testPNG())}, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := rv.Submit(bg, owner, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := rv.Claim(bg, reviewer, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, ch := range review.CheckNames {
		if err := rv.RecordCheck(bg, reviewer, a.ID, ch, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := rv.Approve(bg, reviewer, a.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := rv.Application(bg, a.ID)
	acct, err := s.App.Accounts.ByID(bg, got.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

func TestApplyReviewApproveShowsBadgeAndCredentials(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c, owner := staffClient(t, s, "lin", user.RoleNone)
	home := c.Get("/mp/")
	wantBody(t, home, "Register a new account")
	wantBody(t, c.Get("/mp/apply/new"), "Where messages appear")

	id := startApplication(t, c, "Lotus Tea House", "domestic")
	page := c.Get(fmt.Sprintf("/mp/apply/%d", id))
	wantBody(t, page, "a draft")
	wantBody(t, page, "Business licence or organisation registration certificate")

	// Submitting without the documents says what is missing, and keeps the draft.
	res := postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Lotus Tea House", "domestic"), "submit"), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "not submitted yet: Upload the account's avatar")

	res = postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Lotus Tea House", "domestic"), "submit"),
		map[string]upload{"avatar": {"logo.png", testPNG()}, "doc_0": {"licence.pdf", testPDF}})
	wantRedirect(t, res, fmt.Sprintf("/mp/apply/%d", id))
	page = c.Get(fmt.Sprintf("/mp/apply/%d", id))
	wantBody(t, page, "waiting for review")
	wantBody(t, page, "Submitted for review.")
	list := c.Get("/mp/")
	wantBody(t, list, "waiting for review")
	if n := strings.Count(list.Body, "Lotus Tea House"); n != 1 {
		t.Errorf("the pending account appears %d times on the console home, want once (as its application)", n)
	}

	// A reviewer works through the queue.
	rc, _ := staffClient(t, s, "rui", user.RoleReviewer)
	wantBody(t, rc.Get("/admin/"), "applications waiting for review")
	q := rc.Get("/admin/reviews")
	wantBody(t, q, "Lotus Tea House")
	wantRedirect(t, rc.PostForm(fmt.Sprintf("/admin/reviews/%d/claim", id), nil), fmt.Sprintf("/admin/reviews/%d", id))
	rp := rc.Get(fmt.Sprintf("/admin/reviews/%d", id))
	wantBody(t, rp, "licence.pdf")
	// Approving before the checks is refused with a reason.
	res = rc.PostForm(fmt.Sprintf("/admin/reviews/%d/decide", id), url.Values{"decision": {"approve"}})
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "all three checks must pass")
	for _, ch := range review.CheckNames {
		res := rc.PostForm(fmt.Sprintf("/admin/reviews/%d/check", id), url.Values{"check": {ch}, "result_" + ch: {"pass"}, "note_" + ch: {"ok"}})
		wantRedirect(t, res, fmt.Sprintf("/admin/reviews/%d", id))
	}
	wantRedirect(t, rc.PostForm(fmt.Sprintf("/admin/reviews/%d/decide", id), url.Values{"decision": {"approve"}}), fmt.Sprintf("/admin/reviews/%d", id))

	// The owner sees the badge and the credentials.
	home = c.Get("/mp/")
	wantBody(t, home, "✓ Verified")
	app, _ := s.App.Review.Application(bg, id)
	acct, _ := s.App.Accounts.ByID(bg, app.AccountID)
	console := c.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
	wantStatus(t, console, http.StatusOK)
	wantBody(t, console, "✓ Verified")
	wantBody(t, console, acct.AppID)
	wantBody(t, console, acct.OriginalID)
	wantBody(t, console, "Generate AppSecret")

	res = c.PostForm(fmt.Sprintf("/mp/a/%d/secret", acct.ID), nil)
	wantStatus(t, res, http.StatusOK)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with the secret may be cached: %q", res.Header.Get("Cache-Control"))
	}
	m := regexp.MustCompile(`data-testid="appsecret">([0-9a-f]{32})<`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no AppSecret shown:\n%s", res.Body)
	}
	if _, ok, _ := s.App.Accounts.CheckSecret(bg, acct.AppID, m[1]); !ok {
		t.Fatal("the AppSecret shown does not work")
	}
	again := c.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
	if strings.Contains(again.Body, m[1]) {
		t.Fatal("the AppSecret is shown a second time")
	}
	wantBody(t, again, "Reset AppSecret")
	_ = owner
}

func withAction(v url.Values, action string) url.Values {
	v.Set("action", action)
	return v
}

func TestApplicationFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c, _ := staffClient(t, s, "lin", user.RoleNone)

	res := c.PostForm("/mp/apply/new", applyFields("x", "domestic"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "An account name has 2 to 30 characters.")
	wantBody(t, res, `value="lin@example.com"`) // the form keeps what was typed
	if apps, _ := s.App.Review.ForPerson(bg, mustPerson(t, s, "lin").ID); len(apps) != 0 {
		t.Fatalf("%d applications after a refused form", len(apps))
	}

	id := startApplication(t, c, "Lotus Tea House", "domestic")
	// A text file called .pdf is refused by content.
	res = postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Lotus Tea House Two", "domestic"), "save"),
		map[string]upload{"doc_0": {"licence.pdf", []byte("This is plain text pretending to be a PDF.")}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "the file looks like text/plain")
	app, _ := s.App.Review.Application(bg, id)
	if app.Name != "Lotus Tea House" {
		t.Errorf("the refused save renamed the application to %q", app.Name)
	}
	if docs, _ := s.App.Review.Documents(bg, id); len(docs) != 0 {
		t.Errorf("%d documents stored from a refused upload", len(docs))
	}
	// Someone else's application is not there for them.
	other, _ := staffClient(t, s, "kai", user.RoleNone)
	wantStatus(t, other.Get(fmt.Sprintf("/mp/apply/%d", id)), http.StatusNotFound)
	res = postMultipart(t, s, other, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Stolen Name", "domestic"), "save"), nil)
	wantStatus(t, res, http.StatusNotFound)
}

func mustPerson(t *testing.T, s *apptest.Server, username string) *user.Person {
	t.Helper()
	p, err := s.App.Users.ByUsername(bg, username)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRegionCannotChangeThroughTheForm(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c, _ := staffClient(t, s, "lin", user.RoleNone)
	_, rv := staffClient(t, s, "rui", user.RoleReviewer)
	id := startApplication(t, c, "Lotus Tea House", "domestic")
	res := postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Lotus Tea House", "domestic"), "submit"),
		map[string]upload{"avatar": {"a.png", testPNG()}, "doc_0": {"l.pdf", testPDF}})
	wantRedirect(t, res, fmt.Sprintf("/mp/apply/%d", id))
	if err := s.App.Review.Claim(bg, rv, id); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Review.AskMore(bg, rv, id, "Please upload a sharper scan of the licence."); err != nil {
		t.Fatal(err)
	}
	page := c.Get(fmt.Sprintf("/mp/apply/%d", id))
	wantBody(t, page, "Please upload a sharper scan of the licence.")
	wantBody(t, page, "fixed since the first submission")

	res = postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(applyFields("Lotus Tea House", "international"), "submit"), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "a domestic account can never become international")
	app, _ := s.App.Review.Application(bg, id)
	acct, _ := s.App.Accounts.ByID(bg, app.AccountID)
	if app.Region != "domestic" || acct.Region != "domestic" || app.State != review.MoreInfo {
		t.Fatalf("after the refused change: application %s/%s, account %s", app.Region, app.State, acct.Region)
	}
	// Without a region field (as the page sends it) the amendment goes through.
	f := applyFields("Lotus Tea House", "")
	f.Del("region")
	res = postMultipart(t, s, c, fmt.Sprintf("/mp/apply/%d", id), withAction(f, "submit"), map[string]upload{"doc_0": {"sharper.pdf", testPDF}})
	wantRedirect(t, res, fmt.Sprintf("/mp/apply/%d", id))
	wantBody(t, c.Get(fmt.Sprintf("/mp/apply/%d", id)), "round 2")
}

func TestFollowerReportsAndReviewerDismisses(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	rc, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")

	f, _ := staffClient(t, s, "mei", user.RoleNone)
	form := f.Get(fmt.Sprintf("/report?target_type=account&target_id=%d", acct.ID))
	wantStatus(t, form, http.StatusOK)
	wantBody(t, form, "Harbour Bank")
	wantBody(t, form, "Fraud or scam")

	res := f.PostForm("/report", url.Values{"target_type": {"account"}, "target_id": {strconv.FormatInt(acct.ID, 10)}, "reason": {"other"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Tell the reviewers what is wrong")
	res = f.PostForm("/report", url.Values{"target_type": {"account"}, "target_id": {strconv.FormatInt(acct.ID, 10)}, "reason": {"fraud"},
		"details": {"Asks for deposits by private transfer."}, "next": {"/discover"}})
	wantRedirect(t, res, "/discover")
	res = f.PostForm("/report", url.Values{"target_type": {"article"}, "target_id": {"991"}, "account_id": {strconv.FormatInt(acct.ID, 10)},
		"title": {"Double your savings"}, "reason": {"misleading"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantStatus(t, f.Get("/report?target_type=account&target_id=999"), http.StatusNotFound)

	list := rc.Get("/admin/reports")
	wantBody(t, list, "Asks for deposits by private transfer.")
	wantBody(t, list, "“Double your savings”")
	wantBody(t, rc.Get("/admin/"), "open reports")
	reports, _ := s.App.Review.Reports(bg, review.ReportOpen, 0)
	if len(reports) != 2 {
		t.Fatalf("%d open reports", len(reports))
	}
	wantRedirect(t, rc.PostForm(fmt.Sprintf("/admin/reports/%d/dismiss", reports[0].ID), url.Values{"note": {"A normal deposit product."}}), "/admin/reports")
	after, _ := s.App.Review.Reports(bg, review.ReportOpen, 0)
	if len(after) != 1 {
		t.Fatalf("%d open reports after dismissing one", len(after))
	}
	// A follower cannot use the admin pages.
	wantStatus(t, f.PostForm(fmt.Sprintf("/admin/reports/%d/dismiss", after[0].ID), url.Values{"note": {"mine now"}}), http.StatusForbidden)
}

func TestPenaltyViolationRecordAndAppeal(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	rc, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	oc := s.Client(t)
	oc.SignIn("hana", pw)
	wantBody(t, oc.Get(fmt.Sprintf("/mp/a/%d/compliance", acct.ID)), "No violations.")

	penalise := url.Values{"account_id": {strconv.FormatInt(acct.ID, 10)}, "kind": {"suspend"}, "days": {"0"},
		"rule": {"Financial promotion rules"}, "evidence": {"Promised guaranteed returns in the post of 3 May."}}
	res := rc.PostForm("/admin/penalties", penalise)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Between 1 and 365 days.")
	penalise.Set("days", "14")
	res = rc.PostForm("/admin/penalties", penalise)
	wantStatus(t, res, http.StatusSeeOther)

	// The owner sees the suspension and its record; the API is frozen.
	home := oc.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
	wantBody(t, home, "This account is suspended until")
	wantBody(t, home, `<q translate="no" lang="en" data-testid="rule">Financial promotion rules</q>`)
	// In Chinese the sentence is Chinese; the rule stays as the reviewer
	// wrote it, quoted and marked as English, not glued into the sentence.
	wantStatus(t, oc.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	home = oc.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
	wantBody(t, home, "此账号已被暂停使用，直至 ")
	wantBody(t, home, `<q translate="no" lang="en" data-testid="rule">Financial promotion rules</q>`)
	if strings.Contains(home.Body, "is suspended") || strings.Contains(home.Body, "Rule broken") {
		t.Error("the Chinese home has the English sentence")
	}
	wantStatus(t, oc.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	rec := oc.Get(fmt.Sprintf("/mp/a/%d/compliance", acct.ID))
	wantBody(t, rec, "Financial promotion rules")
	wantBody(t, rec, "Promised guaranteed returns")
	if f, _ := s.App.Review.Frozen(bg, acct.ID); f == nil {
		t.Fatal("not frozen")
	}
	pens, _ := s.App.Review.PenaltiesFor(bg, acct.ID)
	appeal := fmt.Sprintf("/mp/a/%d/compliance/%d/appeal", acct.ID, pens[0].ID)
	wantRedirect(t, oc.PostForm(appeal, url.Values{"statement": {"The returns were a quote from a regulator's page."}}), fmt.Sprintf("/mp/a/%d/compliance", acct.ID))
	res = oc.PostForm(appeal, url.Values{"statement": {"And a second appeal, which must be refused."}})
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "already appealed")

	// The reviewer who applied it cannot decide; another can.
	ap := rc.Get("/admin/appeals")
	wantBody(t, ap, "another reviewer decides")
	decide := fmt.Sprintf("/admin/appeals/%d/decide", pens[0].ID)
	res = rc.PostForm(decide, url.Values{"decision": {"grant"}, "note": {"I would like to overturn my own penalty."}})
	wantStatus(t, res, http.StatusForbidden)
	r2, _ := staffClient(t, s, "ren", user.RoleReviewer)
	wantRedirect(t, r2.PostForm(decide, url.Values{"decision": {"grant"}, "note": {"The quote was attributed; overturned."}}), "/admin/appeals")
	rec = oc.Get(fmt.Sprintf("/mp/a/%d/compliance", acct.ID))
	wantBody(t, rec, "Granted: the penalty is overturned.")
	if a, _ := s.App.Accounts.ByID(bg, acct.ID); a.Status != account.StatusActive {
		t.Fatalf("status %s after the granted appeal", a.Status)
	}

	// Every step is in the audit log, searchable by action.
	audit := rc.Get("/admin/audit?action=appeal.")
	wantBody(t, audit, "appeal.create")
	wantBody(t, audit, "appeal.grant")
	if strings.Contains(audit.Body, "penalty.apply") {
		t.Error("the action filter let other actions through")
	}
	wantStatus(t, rc.Get("/admin/audit?from=yesterday"), http.StatusUnprocessableEntity)
}

func TestRolesLimitTheAccountConsole(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	_, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	sam := s.CreatePerson(t, "sam", pw, user.RoleNone)
	if err := s.App.Accounts.AddMember(bg, acct.ID, sam.ID, account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn("sam", pw)
	home := c.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
	wantStatus(t, home, http.StatusOK)
	if strings.Contains(home.Body, acct.AppID) || strings.Contains(home.Body, "AppSecret") {
		t.Error("an agent sees the developer credentials")
	}
	wantStatus(t, c.PostForm(fmt.Sprintf("/mp/a/%d/secret", acct.ID), nil), http.StatusForbidden)
	wantStatus(t, c.Get(fmt.Sprintf("/mp/a/%d/compliance", acct.ID)), http.StatusForbidden)
	x, _ := staffClient(t, s, "stranger", user.RoleNone)
	wantStatus(t, x.Get(fmt.Sprintf("/mp/a/%d/", acct.ID)), http.StatusForbidden)
}

func TestSettingsAreEditedByAdminsOnly(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ac, _ := staffClient(t, s, "ada", user.RoleAdmin)
	rc, _ := staffClient(t, s, "rui", user.RoleReviewer)
	page := ac.Get("/admin/settings")
	wantBody(t, page, "Business licence or organisation registration certificate")

	form := url.Values{"subscription_mass_sends_per_month": {"30"}, "service_mass_sends_per_month": {"4"}, "verification_validity_days": {"180"},
		"verification_warn_days": {"400"}, "max_review_rounds": {"2"}, "raw_event_retention_days": {"90"}, "min_demographic_group": {"10"},
		"domestic_documents": {"Business licence"}, "international_documents": {"Company registration certificate\nProof of address"},
		"flagged_keywords": {"miracle\n guaranteed returns \n"}}
	res := ac.PostForm("/admin/settings", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Between 0 days and the validity period.")
	if st, _ := s.App.Settings.Get(bg); st.VerificationValidityDays != 365 {
		t.Fatalf("a refused form changed the validity to %d", st.VerificationValidityDays)
	}
	form.Set("verification_warn_days", "20")
	wantStatus(t, rc.PostForm("/admin/settings", form), http.StatusForbidden)
	wantRedirect(t, ac.PostForm("/admin/settings", form), "/admin/settings")
	st, _ := s.App.Settings.Get(bg)
	if st.VerificationValidityDays != 180 || st.MaxReviewRounds != 2 || len(st.InternationalDocuments) != 2 ||
		strings.Join(st.FlaggedKeywords, "|") != "miracle|guaranteed returns" {
		t.Fatalf("settings %+v", st)
	}
	wantBody(t, ac.Get("/admin/audit?action=settings."), "Validity (days): 180. Warning (days before expiry): 20. Review rounds: 2. Flagged keywords: 2.")
}

// The penalties reach the other features through the hooks app.New wires:
// publishing's gate and take-down check, and the developer API's freeze.
func TestPenaltiesAreWiredIntoPublishingAndTheAPI(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	rv := s.CreatePerson(t, "rui", pw, user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	pub, api := s.App.Publish, s.App.API
	if api.Frozen == nil {
		t.Fatal("the penalty hooks are not wired")
	}
	if err := pub.Allowed(bg, acct.ID, review.FeaturePublishing); err != nil {
		t.Fatalf("publishing refused before any penalty: %v", err)
	}
	in := review.NewPenalty{AccountID: acct.ID, Kind: review.Restrict, Feature: review.FeaturePublishing, Days: 3,
		Rule: "Spam", Evidence: "Forty identical posts in an hour."}
	if _, err := s.App.Review.ApplyPenalty(bg, rv, in); err != nil {
		t.Fatal(err)
	}
	if err := pub.Allowed(bg, acct.ID, review.FeaturePublishing); err == nil || !strings.Contains(err.Error(), "Publishing is restricted") {
		t.Fatalf("publishing while restricted: %v", err)
	}
	if err := pub.Allowed(bg, acct.ID, review.FeatureComments); err != nil {
		t.Fatalf("comments refused by a publishing restriction: %v", err)
	}
	in = review.NewPenalty{AccountID: acct.ID, Kind: review.Takedown, ArticleID: 77, Rule: "Spam", Evidence: "Copy of a competitor's article."}
	if _, err := s.App.Review.ApplyPenalty(bg, rv, in); err != nil {
		t.Fatal(err)
	}
	if !pub.ArticleTakenDown(bg, 77) || pub.ArticleTakenDown(bg, 78) {
		t.Fatal("the take-down does not reach publishing")
	}
	if code, _ := api.Frozen(bg, acct.ID); code != 0 {
		t.Fatalf("API frozen (%d) by a restriction", code)
	}
	in = review.NewPenalty{AccountID: acct.ID, Kind: review.Suspend, Days: 7, Rule: "Fraud", Evidence: "Asked followers for deposits."}
	if _, err := s.App.Review.ApplyPenalty(bg, rv, in); err != nil {
		t.Fatal(err)
	}
	if code, _ := api.Frozen(bg, acct.ID); code != 50007 {
		t.Fatalf("API errcode %d while suspended, want 50007", code)
	}
}

func TestConsoleWarnsBeforeExpiryAndRenews(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	_, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	c := s.Client(t)
	c.SignIn("hana", pw)
	home := fmt.Sprintf("/mp/a/%d/", acct.ID)
	page := c.Get(home)
	if strings.Contains(page.Body, "expiry-warning") || strings.Contains(page.Body, "Renew verification") {
		t.Fatal("a fresh verification already warns about its expiry")
	}
	res := c.PostForm(fmt.Sprintf("/mp/a/%d/renew", acct.ID), nil)
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "Renewal opens on")

	// 340 days later, within the 30-day warning period (signed in again:
	// sessions end after 30 idle days).
	s.Clock.Advance(340 * 24 * time.Hour)
	c.SignIn("hana", pw)
	page = c.Get(home)
	wantBody(t, page, `data-testid="expiry-warning"`)
	wantBody(t, page, "The verification ends in 24 days")
	wantBody(t, page, "Renew verification")

	// After the end: the badge is gone, the account still works.
	s.Clock.Advance(30 * 24 * time.Hour)
	c.SignIn("hana", pw)
	page = c.Get(home)
	wantBody(t, page, `data-testid="lapsed"`)
	if strings.Contains(page.Body, "✓ Verified") {
		t.Fatal("the badge survives the end of the verification")
	}
	if a, _ := s.App.Accounts.ByID(bg, acct.ID); a.Status != account.StatusActive {
		t.Fatalf("status %s after the lapse", a.Status)
	}
	res = c.PostForm(fmt.Sprintf("/mp/a/%d/renew", acct.ID), nil)
	m := appPath.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("renew: %d to %q", res.Status, res.Location)
	}
	renewal := c.Get(res.Location)
	wantBody(t, renewal, "Renewal: Harbour Bank")
	wantBody(t, renewal, "A renewal keeps the account's name, type and region.")
	wantBody(t, c.Get(home), "Renewal in progress: a draft.")
}

// A penalty that refuses an action says so in the reader's language, with
// its end as a <time> that the page writes in the viewer's zone (not UTC
// digits) and the rule after the sentence as content: quoted, not
// translated, marked with its own language. The follower's notice that an
// account is suspended does the same.
func TestPenaltyRefusalQuotesTheRuleAndShowsTheEndInTheViewersZone(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	rc, rv := staffClient(t, s, "rui", user.RoleReviewer)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	oc := s.Client(t)
	oc.SignIn("hana", pw)
	wantStatus(t, rc.PostForm("/admin/penalties", url.Values{"account_id": {strconv.FormatInt(acct.ID, 10)}, "kind": {"restrict"},
		"feature": {"publishing"}, "days": {"7"}, "rule": {"禁止虚假宣传 <b>"}, "evidence": {"An advert for a guaranteed return."}}), http.StatusSeeOther)
	pens, err := s.App.Review.PenaltiesFor(bg, acct.ID)
	if err != nil || len(pens) != 1 {
		t.Fatalf("penalties: %v %v", pens, err)
	}
	end := `<time datetime="` + pens[0].ExpiresAt.UTC().Format(time.RFC3339) + `" data-fmt="datetime">`
	rule := `<q translate="no" lang="zh">禁止虚假宣传 &lt;b&gt;</q>`
	for _, lang := range []string{"en", "zh-CN"} {
		wantStatus(t, oc.PostForm("/lang", url.Values{"lang": {lang}}), http.StatusSeeOther)
		res := oc.PostForm(fmt.Sprintf("/mp/a/%d/publish/save", acct.ID), draftForm("Rates"))
		wantStatus(t, res, http.StatusForbidden)
		sentence := map[string]string{"en": "Publishing is restricted for this account until " + end, "zh-CN": "此账号的发表功能受到限制，直至 " + end}[lang]
		wantBody(t, res, sentence)
		if !res.Contains(rule) { // escaped: content is never markup
			t.Errorf("%s: the refusal does not quote the rule as %s:\n%s", lang, rule, res.Body)
		}
		if strings.Contains(res.Body, "“禁止") {
			t.Errorf("%s: the rule is put in quotation marks inside the sentence", lang)
		}
		home := oc.Get(fmt.Sprintf("/mp/a/%d/", acct.ID))
		wantBody(t, home, sentence)
	}

	// Suspended, a follower reads the sentence, then the rule quoted.
	f := s.Client(t)
	s.CreatePerson(t, "mei", pw, user.RoleNone)
	f.SignIn("mei", pw)
	wantRedirect(t, f.PostForm(accountPath(acct, "/follow"), nil), accountPath(acct, ""))
	wantStatus(t, rc.PostForm("/admin/penalties", url.Values{"account_id": {strconv.FormatInt(acct.ID, 10)}, "kind": {"suspend"},
		"days": {"7"}, "rule": {"Financial promotion rules"}, "evidence": {"Promised guaranteed returns."}}), http.StatusSeeOther)
	page := f.Get(fmt.Sprintf("/a/%d", acct.ID))
	for _, want := range []string{`Harbour Bank has been suspended by the platform for breaking a rule: <q translate="no" lang="en">Financial promotion rules</q>`,
		`Harbour Bank 因违反规则已被平台暂停： <q translate="no" lang="en">Financial promotion rules</q>`} {
		for _, res := range []*apptest.Response{page, f.Get(chatPath(acct, ""))} {
			if !res.Contains(want) {
				t.Errorf("the follower's notice is not %s:\n%s", want, res.Body)
			}
		}
		wantStatus(t, f.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
		page = f.Get(accountPath(acct, ""))
	}
}
