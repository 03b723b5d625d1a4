package review_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
)

func TestRegionIsFixedOnceSubmitted(t *testing.T) {
	e := newEnv(t)
	owner := e.person("lin", "")
	a := e.complete(owner, "Lotus Tea House", account.Domestic)

	// While a draft, the applicant may still change their mind.
	f := fields("Lotus Tea House", account.International)
	_, err := e.rv.Save(ctx, owner, a.ID, f, nil, nil)
	e.must(err)
	f.Region = account.Domestic
	_, err = e.rv.Save(ctx, owner, a.ID, f, nil, nil)
	e.must(err)

	_, err = e.rv.Submit(ctx, owner, a.ID)
	e.must(err)
	e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
	e.must(e.rv.AskMore(ctx, e.reviewer, a.ID, "Please upload a clearer scan of the licence."))

	// Amending after "more information": the region cannot change.
	f.Region = account.International
	_, err = e.rv.Save(ctx, owner, a.ID, f, nil, nil)
	wantField(t, err, "region")
	if !strings.Contains(errs.Message(err), "can never become international") {
		t.Errorf("message %q does not explain that the region is fixed", errs.Message(err))
	}
	got := e.app(a.ID)
	acct, err := e.accounts.ByID(ctx, got.AccountID)
	e.must(err)
	if got.Region != account.Domestic || acct.Region != account.Domestic {
		t.Fatalf("region changed: application %s, account %s", got.Region, acct.Region)
	}

	// Not through the database either, on either engine.
	if _, err := e.db.Exec(ctx, `UPDATE accounts SET region = 'international' WHERE id = ?`, acct.ID); err == nil {
		t.Fatal("the database let an account's region change")
	}
	if _, err := e.db.Exec(ctx, `UPDATE applications SET region = 'international' WHERE id = ?`, a.ID); err == nil {
		t.Fatal("the database let a submitted application's region change")
	}
	// Other columns still update.
	if _, err := e.db.Exec(ctx, `UPDATE accounts SET description = 'x' WHERE id = ?`, acct.ID); err != nil {
		t.Fatalf("the region guard blocks other updates: %v", err)
	}
	acct, _ = e.accounts.ByID(ctx, acct.ID)
	if acct.Region != account.Domestic {
		t.Fatalf("region is %s", acct.Region)
	}
}

func TestNamesAreUniqueAfterNormalisation(t *testing.T) {
	e := newEnv(t)
	lin, kai := e.person("lin", ""), e.person("kai", "")
	a := e.complete(lin, "Lotus Tea House", account.Domestic)
	_, err := e.rv.Submit(ctx, lin, a.ID)
	e.must(err)

	for _, name := range []string{"lotus tea house", "  LOTUS   Tea House ", "ＬＯＴＵＳ　Ｔｅａ　Ｈｏｕｓｅ"} {
		_, err := e.rv.StartRegistration(ctx, kai, fields(name, account.Domestic))
		wantField(t, err, "name")
		if errs.Message(err) != "That account name is already taken." {
			t.Errorf("%q: message %q", name, errs.Message(err))
		}
	}
	// Two drafts may hold the same name; the first submission wins.
	d1 := e.complete(kai, "Harbour Bank", account.International)
	d2 := e.complete(e.person("sam", ""), "harbour bank", account.International)
	_, err = e.rv.Submit(ctx, kai, d1.ID)
	e.must(err)
	sam, _ := e.users.ByUsername(ctx, "sam")
	_, err = e.rv.Submit(ctx, sam, d2.ID)
	wantField(t, err, "name")
	if s := e.app(d2.ID).State; s != review.Draft {
		t.Fatalf("the refused submission left the draft %s", s)
	}

	// Length and character rules, with their messages.
	i := 0
	for name, msg := range map[string]string{
		"L":                     "2 to 30 characters",
		strings.Repeat("x", 31): "2 to 30 characters",
		"Lotus <script>":        "letters, digits, spaces",
		"Tea\u0000House":        "letters, digits, spaces",
		"Shop @ the corner":     "letters, digits, spaces",
		"Harbour Bank":          "already taken",
		"Lotus Tea House":       "already taken",
		"   Ｈａｒｂｏｕｒ   ｂａｎｋ   ":     "already taken",
		"Panda (Shanghai) & Co. 2": "",
	} {
		i++
		_, err := e.rv.StartRegistration(ctx, e.person(fmt.Sprintf("namer%d", i), ""), fields(name, account.Domestic))
		if msg == "" {
			if err != nil {
				t.Errorf("%q refused: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(errs.Message(err), msg) {
			t.Errorf("%q: got %v, want a message containing %q", name, err, msg)
		}
	}

	// A rejected registration frees its name.
	e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
	e.must(e.rv.Reject(ctx, e.reviewer, a.ID, "The documents are not genuine."))
	if _, err := e.rv.StartRegistration(ctx, kai, fields("LOTUS TEA HOUSE", account.Domestic)); err != nil {
		t.Fatalf("the name of a rejected application stays taken: %v", err)
	}
}

func TestUploadsAreCheckedByContent(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	a, err := e.rv.StartRegistration(ctx, lin, fields("Lotus Tea House", account.Domestic))
	e.must(err)
	reqs, _ := e.rv.Requirements(ctx, account.Domestic)
	f := fields("Lotus Tea House", account.Domestic)

	// A PNG called .pdf is accepted as a PNG: the name does not matter.
	a, err = e.rv.Save(ctx, lin, a.ID, f, nil, []review.Upload{{Requirement: reqs[0], Filename: "licence.pdf", Body: bytes.NewReader(pngBytes())}})
	e.must(err)
	docs, _ := e.rv.Documents(ctx, a.ID)
	if len(docs) != 1 || docs[0].ContentType != "image/png" {
		t.Fatalf("documents %+v, want one image/png", docs)
	}
	files := e.files()

	// Text named .pdf is refused, and nothing is stored or changed.
	f.Description = "Changed in the refused save."
	_, err = e.rv.Save(ctx, lin, a.ID, f, &review.Upload{Filename: "logo.png", Body: bytes.NewReader(pngBytes())},
		[]review.Upload{{Requirement: reqs[0], Filename: "licence.pdf", Body: strings.NewReader("just some text, not a PDF at all")}})
	wantField(t, err, "doc_0")
	if !strings.Contains(errs.Message(err), "text/plain") {
		t.Errorf("message %q does not say what the file looks like", errs.Message(err))
	}
	if e.files() != files {
		t.Errorf("%d files stored after a refused save, want %d", e.files(), files)
	}
	if got := e.app(a.ID); got.Description == f.Description || got.AvatarKey != "" {
		t.Errorf("the refused save changed the application: %+v", got)
	}

	// An avatar must be an image; a PDF is refused.
	_, err = e.rv.Save(ctx, lin, a.ID, f, &review.Upload{Filename: "logo.png", Body: bytes.NewReader(pdfBytes())}, nil)
	wantField(t, err, "avatar")
	// Too large.
	big := append(pngBytes(), make([]byte, 3<<20)...)
	_, err = e.rv.Save(ctx, lin, a.ID, f, &review.Upload{Filename: "logo.png", Body: bytes.NewReader(big)}, nil)
	wantField(t, err, "avatar")
	if !strings.Contains(errs.Message(err), "limit of 2 MB") {
		t.Errorf("message %q does not give the limit", errs.Message(err))
	}
	if e.files() != files {
		t.Errorf("%d files stored after refused avatars, want %d", e.files(), files)
	}
	// A document that is not on the region's list.
	_, err = e.rv.Save(ctx, lin, a.ID, f, nil, []review.Upload{{Requirement: "Anything", Body: bytes.NewReader(pdfBytes())}})
	wantKind(t, err, errs.KindInvalid, "unknown document")

	// Submitting without the avatar and the other documents is refused with the missing item.
	_, err = e.rv.Submit(ctx, lin, a.ID)
	wantField(t, err, "avatar")

	// Replacing a document removes the old file.
	_, err = e.rv.Save(ctx, lin, a.ID, f, nil, []review.Upload{{Requirement: reqs[0], Filename: "licence.pdf", Body: bytes.NewReader(pdfBytes())}})
	e.must(err)
	docs, _ = e.rv.Documents(ctx, a.ID)
	if len(docs) != 1 || docs[0].ContentType != "application/pdf" || e.files() != files {
		t.Errorf("after replacing: documents %+v, %d files (want 1 PDF, %d files)", docs, e.files(), files)
	}
}

func TestInternationalNeedsTheSettingsDocuments(t *testing.T) {
	e := newEnv(t)
	p := settings.Defaults()
	p.InternationalDocuments = []string{"Company registration certificate", "Bank reference letter"}
	e.must(e.settings.Save(ctx, p))
	kai := e.person("kai", "")
	a, err := e.rv.StartRegistration(ctx, kai, fields("Harbour Bank", account.International))
	e.must(err)
	_, err = e.rv.Save(ctx, kai, a.ID, fields("Harbour Bank", account.International), &review.Upload{Body: bytes.NewReader(pngBytes())},
		[]review.Upload{{Requirement: "Company registration certificate", Body: bytes.NewReader(pdfBytes())}})
	e.must(err)
	_, err = e.rv.Submit(ctx, kai, a.ID)
	wantField(t, err, "doc_1")
	if !strings.Contains(errs.Message(err), "Bank reference letter") {
		t.Errorf("message %q does not name the missing document", errs.Message(err))
	}
	_, err = e.rv.Save(ctx, kai, a.ID, fields("Harbour Bank", account.International), nil,
		[]review.Upload{{Requirement: "Bank reference letter", Body: bytes.NewReader(pdfBytes())}})
	e.must(err)
	_, err = e.rv.Submit(ctx, kai, a.ID)
	e.must(err)
}

var (
	appIDRe  = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	origIDRe = regexp.MustCompile(`^gh_[0-9a-f]{12}$`)
)

func TestApprovalActivatesVerifiesAndIssuesCredentials(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	a := e.complete(lin, "Lotus Tea House", account.Domestic)
	_, err := e.rv.Submit(ctx, lin, a.ID)
	e.must(err)

	wantKind(t, e.rv.Claim(ctx, lin, a.ID), errs.KindForbidden, "a non-reviewer claims")
	e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
	wantKind(t, e.rv.Approve(ctx, e.reviewer, a.ID), errs.KindConflict, "approve before the checks")
	e.must(e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckDocuments, true, ""))
	e.must(e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckInformation, true, ""))
	wantField(t, e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckCompliance, false, ""), "note_compliance")
	e.must(e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckCompliance, false, "Name suggests a bank."))
	err = e.rv.Approve(ctx, e.reviewer, a.ID)
	wantKind(t, err, errs.KindConflict, "approve with a failed check")
	if !strings.Contains(errs.Message(err), "compliance check failed") {
		t.Errorf("message %q", errs.Message(err))
	}
	wantKind(t, e.rv.RecordCheck(ctx, e.reviewer2, a.ID, review.CheckCompliance, true, ""), errs.KindForbidden, "another reviewer records a check")
	wantKind(t, e.rv.Approve(ctx, e.reviewer2, a.ID), errs.KindForbidden, "another reviewer approves")
	e.must(e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckCompliance, true, "Checked again: fine."))
	checks, _ := e.rv.Checks(ctx, a.ID, 1)
	if len(checks) != 3 || !checks[2].Passed || checks[2].Note != "Checked again: fine." {
		t.Fatalf("checks %+v", checks)
	}
	e.must(e.rv.Approve(ctx, e.reviewer, a.ID))

	acct, err := e.accounts.ByID(ctx, e.app(a.ID).AccountID)
	e.must(err)
	now := e.clock.Now()
	if acct.Status != account.StatusActive || !acct.Verified(now) {
		t.Fatalf("account %s, verified %v", acct.Status, acct.Verified(now))
	}
	if d := acct.VerifiedUntil.Sub(now); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("verified for %v, want a year", d)
	}
	if !appIDRe.MatchString(acct.AppID) || !origIDRe.MatchString(acct.OriginalID) {
		t.Errorf("AppID %q, original id %q", acct.AppID, acct.OriginalID)
	}
	if acct.AvatarPath == "" || acct.Description != "Tea and cakes by the lake." {
		t.Errorf("the account did not take the avatar and description: %+v", acct)
	}
	if at, _ := e.rv.SecretIssuedAt(ctx, acct.ID); !at.IsZero() {
		t.Error("the AppSecret counts as shown although nobody saw it")
	}

	// The owner generates the AppSecret and sees it once; only its hash is stored.
	creds, err := e.rv.ResetSecret(ctx, lin, acct.ID)
	e.must(err)
	if len(creds.AppSecret) != 32 || creds.AppID != acct.AppID {
		t.Fatalf("credentials %+v", creds)
	}
	if n := e.count(`SELECT COUNT(*) FROM accounts WHERE app_secret_hash = ?`, creds.AppSecret); n != 0 {
		t.Fatal("the AppSecret is stored in the clear")
	}
	if _, ok, _ := e.accounts.CheckSecret(ctx, acct.AppID, creds.AppSecret); !ok {
		t.Fatal("the new AppSecret does not work")
	}
	again, err := e.rv.ResetSecret(ctx, lin, acct.ID)
	e.must(err)
	if _, ok, _ := e.accounts.CheckSecret(ctx, acct.AppID, creds.AppSecret); ok {
		t.Fatal("the old AppSecret still works after a reset")
	}
	if _, ok, _ := e.accounts.CheckSecret(ctx, acct.AppID, again.AppSecret); !ok || again.AppID != acct.AppID {
		t.Fatal("the reset AppSecret does not work, or the AppID changed")
	}
	// A member whose role does not allow it cannot reset.
	sam := e.person("sam", "")
	e.must(e.accounts.AddMember(ctx, acct.ID, sam.ID, account.RoleAgent))
	_, err = e.rv.ResetSecret(ctx, sam, acct.ID)
	wantKind(t, err, errs.KindForbidden, "an agent resets the AppSecret")
	if _, ok, _ := e.accounts.CheckSecret(ctx, acct.AppID, again.AppSecret); !ok {
		t.Fatal("the refused reset changed the secret")
	}
	// The history the applicant sees ends with the approval.
	events, _ := e.rv.Events(ctx, a.ID)
	if last := events[len(events)-1]; last.To != review.Approved || !strings.Contains(last.Note, "Verified until") {
		t.Errorf("last event %+v", last)
	}
}

func TestReviewRoundsAreLimited(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	a := e.complete(lin, "Lotus Tea House", account.Domestic)
	for round := 1; round <= 3; round++ {
		_, err := e.rv.Submit(ctx, lin, a.ID)
		e.must(err)
		if got := e.app(a.ID).Round; got != round {
			t.Fatalf("round %d, want %d", got, round)
		}
		e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
		err = e.rv.AskMore(ctx, e.reviewer, a.ID, "Please upload a clearer scan of the licence.")
		if round < 3 {
			e.must(err)
			got := e.app(a.ID)
			if got.State != review.MoreInfo || got.DecisionNote != "Please upload a clearer scan of the licence." {
				t.Fatalf("after asking: %s %q", got.State, got.DecisionNote)
			}
			continue
		}
		wantKind(t, err, errs.KindConflict, "a fourth round")
		if !strings.Contains(errs.Message(err), "no rounds are left") {
			t.Errorf("message %q", errs.Message(err))
		}
	}
	if s := e.app(a.ID).State; s != review.InReview {
		t.Fatalf("state %s after the refused request", s)
	}
	wantField(t, e.rv.Reject(ctx, e.reviewer, a.ID, "no"), "reason")
	e.must(e.rv.Reject(ctx, e.reviewer, a.ID, "Still no readable licence after three rounds."))
	got := e.app(a.ID)
	if got.State != review.Rejected || got.DecisionNote != "Still no readable licence after three rounds." {
		t.Fatalf("%s %q", got.State, got.DecisionNote)
	}
}

func TestQueueIsOldestFirstWithFilters(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for i, n := range []string{"First Shop", "Second Shop", "Third Shop"} {
		owner := e.person("owner"+string(rune('a'+i)), "")
		region := account.Domestic
		if i == 1 {
			region = account.International
		}
		a := e.complete(owner, n, region)
		_, err := e.rv.Submit(ctx, owner, a.ID)
		e.must(err)
		ids = append(ids, a.ID)
		e.clock.Advance(time.Minute)
	}
	e.complete(e.person("drafter", ""), "Draft Shop", account.Domestic) // drafts are not in the queue
	q, err := e.rv.Queue(ctx, review.QueueFilter{})
	e.must(err)
	if len(q) != 3 || q[0].ID != ids[0] || q[2].ID != ids[2] {
		t.Fatalf("queue %v, want oldest first %v", names(q), ids)
	}
	q, _ = e.rv.Queue(ctx, review.QueueFilter{Region: account.International})
	if len(q) != 1 || q[0].Name != "Second Shop" {
		t.Fatalf("international filter: %v", names(q))
	}
	e.must(e.rv.Claim(ctx, e.reviewer, ids[2]))
	q, _ = e.rv.Queue(ctx, review.QueueFilter{State: review.Submitted})
	if len(q) != 2 {
		t.Fatalf("waiting: %v", names(q))
	}
	q, _ = e.rv.Queue(ctx, review.QueueFilter{Mine: e.reviewer.ID})
	if len(q) != 1 || q[0].ReviewerName != "rui" {
		t.Fatalf("mine: %v", names(q))
	}
	q, _ = e.rv.Queue(ctx, review.QueueFilter{Name: "seco"})
	if len(q) != 1 {
		t.Fatalf("by name: %v", names(q))
	}
	wantKind(t, e.rv.Claim(ctx, e.reviewer2, ids[2]), errs.KindConflict, "claiming a claimed application")
	wantKind(t, e.rv.Release(ctx, e.reviewer2, ids[2]), errs.KindForbidden, "another reviewer releases")
	e.must(e.rv.Release(ctx, e.admin, ids[2]))
	c, _ := e.rv.Counts(ctx)
	if c.Waiting != 3 || c.InReview != 0 {
		t.Errorf("counts %+v", c)
	}
}

func names(as []*review.Application) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func TestRenewalAndLapse(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	acct := e.approved(lin, "Lotus Tea House", account.Domestic)
	until := acct.VerifiedUntil

	_, err := e.rv.StartRenewal(ctx, lin, acct.ID)
	wantKind(t, err, errs.KindConflict, "renewing a fresh verification")
	if !strings.Contains(errs.Message(err), "Renewal opens on") {
		t.Errorf("message %q", errs.Message(err))
	}

	// The verification lapses: the badge goes, the account keeps working.
	e.clock.Advance(until.Sub(e.clock.Now()) + time.Hour)
	acct, _ = e.accounts.ByID(ctx, acct.ID)
	if acct.Verified(e.clock.Now()) || acct.Status != account.StatusActive {
		t.Fatalf("after expiry: verified %v, status %s", acct.Verified(e.clock.Now()), acct.Status)
	}
	res, err := e.rv.Sweep(ctx)
	e.must(err)
	if res.VerificationsLapsed != 1 {
		t.Fatalf("sweep %+v", res)
	}
	if res, _ := e.rv.Sweep(ctx); res.VerificationsLapsed != 0 {
		t.Fatalf("the lapse was recorded twice: %+v", res)
	}
	if l, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Action: review.AuditVerifyLapse}); len(l) != 1 || l[0].AccountName != "Lotus Tea House" {
		t.Fatalf("lapse audit %+v", l)
	}

	// Renewal goes through review again, then the badge is back.
	r, err := e.rv.StartRenewal(ctx, lin, acct.ID)
	e.must(err)
	if r.Kind != review.KindRenewal || r.Name != "Lotus Tea House" || r.Region != account.Domestic {
		t.Fatalf("renewal %+v", r)
	}
	_, err = e.rv.StartRenewal(ctx, lin, acct.ID)
	wantKind(t, err, errs.KindConflict, "a second renewal")
	f := fields("Lotus Tea House", account.International)
	_, err = e.rv.Save(ctx, lin, r.ID, f, nil, nil)
	wantField(t, err, "region")
	reqs, _ := e.rv.Requirements(ctx, account.Domestic)
	_, err = e.rv.Save(ctx, lin, r.ID, fields("Lotus Tea House", account.Domestic), nil, []review.Upload{{Requirement: reqs[0], Body: bytes.NewReader(pdfBytes())}})
	e.must(err)
	_, err = e.rv.Submit(ctx, lin, r.ID)
	e.must(err)
	e.must(e.rv.Claim(ctx, e.reviewer, r.ID))
	e.passAll(r.ID)
	e.must(e.rv.Approve(ctx, e.reviewer, r.ID))
	acct, _ = e.accounts.ByID(ctx, acct.ID)
	if !acct.Verified(e.clock.Now()) || !acct.VerifiedUntil.After(until) {
		t.Fatalf("after renewal: verified until %v (was %v)", acct.VerifiedUntil, until)
	}
	if acct.AppID == "" {
		t.Fatal("renewal lost the AppID")
	}
}
