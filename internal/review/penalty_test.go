package review_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
)

func penalty(accountID int64, kind string, days int) review.NewPenalty {
	return review.NewPenalty{AccountID: accountID, Kind: kind, Days: days, Rule: "Misleading claims",
		Evidence: "The article of 3 March promises guaranteed returns."}
}

func (e *env) searchFinds(name string) bool {
	e.t.Helper()
	found, err := e.accounts.Search(ctx, name, 10)
	e.must(err)
	for _, a := range found {
		if a.Name == name {
			return true
		}
	}
	return false
}

func TestRestrictionBlocksOneFeatureUntilItExpires(t *testing.T) {
	e := newEnv(t)
	acct := e.approved(e.person("lin", ""), "Lotus Tea House", account.Domestic)

	in := penalty(acct.ID, review.Restrict, 7)
	in.Feature = review.FeaturePublishing
	_, err := e.rv.ApplyPenalty(ctx, e.person("kai", ""), in)
	wantKind(t, err, errs.KindForbidden, "a non-reviewer penalises")
	p, err := e.rv.ApplyPenalty(ctx, e.reviewer, in)
	e.must(err)

	blocked, err := e.rv.Restricted(ctx, acct.ID, review.FeaturePublishing)
	e.must(err)
	if blocked == nil || blocked.ID != p.ID {
		t.Fatalf("publishing not restricted: %+v", blocked)
	}
	if !strings.Contains(blocked.Message(), "Publishing is restricted") || !strings.Contains(blocked.Message(), "Misleading claims") {
		t.Errorf("message %q", blocked.Message())
	}
	wantKind(t, e.rv.CheckAllowed(ctx, acct.ID, review.FeaturePublishing), errs.KindForbidden, "publish while restricted")
	for _, f := range []string{review.FeatureMessaging, review.FeatureMassSend, review.FeatureComments, review.FeatureAPI} {
		if b, _ := e.rv.Restricted(ctx, acct.ID, f); b != nil {
			t.Errorf("%s is blocked by a publishing restriction", f)
		}
	}
	if code, _ := blocked.Errcode(); code != review.ErrcodeAPIBanned {
		t.Errorf("errcode %d", code)
	}
	if a, _ := e.accounts.ByID(ctx, acct.ID); a.Status != account.StatusActive || !e.searchFinds("Lotus Tea House") {
		t.Errorf("a restriction changed the account's standing: %s", a.Status)
	}

	// Expiry is read from the clock: no job needed for the block to lift.
	e.clock.Advance(7*24*time.Hour + time.Second)
	if b, _ := e.rv.Restricted(ctx, acct.ID, review.FeaturePublishing); b != nil {
		t.Fatal("an expired restriction still blocks")
	}
	res, err := e.rv.Sweep(ctx)
	e.must(err)
	if res.PenaltiesExpired != 1 {
		t.Fatalf("sweep %+v", res)
	}
	got, _ := e.rv.Penalty(ctx, p.ID)
	if got.State != review.PenaltyExpired || got.EndedAt.IsZero() {
		t.Fatalf("after sweep: %s", got.State)
	}
	if l, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Action: review.AuditPenaltyExpire}); len(l) != 1 || l[0].ActorName != "system" {
		t.Fatalf("expiry audit %+v", l)
	}
}

func TestSuspensionHidesFreezesAndLifts(t *testing.T) {
	e := newEnv(t)
	acct := e.approved(e.person("lin", ""), "Lotus Tea House", account.Domestic)
	if !e.searchFinds("Lotus Tea House") {
		t.Fatal("the approved account is not found by search")
	}
	p, err := e.rv.ApplyPenalty(ctx, e.reviewer, penalty(acct.ID, review.Suspend, 3))
	e.must(err)
	a, _ := e.accounts.ByID(ctx, acct.ID)
	if a.Status != account.StatusSuspended {
		t.Fatalf("status %s", a.Status)
	}
	if e.searchFinds("Lotus Tea House") {
		t.Fatal("search finds a suspended account")
	}
	frozen, _ := e.rv.Frozen(ctx, acct.ID)
	if frozen == nil || frozen.ID != p.ID {
		t.Fatal("a suspended account is not frozen")
	}
	if code, msg := frozen.Errcode(); code != 50007 || msg != "account frozen" {
		t.Errorf("errcode %d %q", code, msg)
	}
	if code, err := e.rv.FrozenCode(ctx, acct.ID); code != 50007 || err != nil {
		t.Errorf("FrozenCode %d, %v", code, err)
	}
	for _, f := range append(review.RestrictableFeatures, review.FeatureAPI) {
		wantKind(t, e.rv.CheckAllowed(ctx, acct.ID, f), errs.KindForbidden, "using "+f+" while suspended")
	}
	_, err = e.rv.ApplyPenalty(ctx, e.reviewer, penalty(acct.ID, review.Suspend, 3))
	wantKind(t, err, errs.KindConflict, "suspending twice")

	e.clock.Advance(3*24*time.Hour + time.Second)
	if f, _ := e.rv.Frozen(ctx, acct.ID); f != nil {
		t.Fatal("an expired suspension still freezes")
	}
	if code, _ := e.rv.FrozenCode(ctx, acct.ID); code != 0 {
		t.Fatalf("FrozenCode %d after the suspension ended", code)
	}
	_, err = e.rv.Sweep(ctx)
	e.must(err)
	a, _ = e.accounts.ByID(ctx, acct.ID)
	if a.Status != account.StatusActive || !e.searchFinds("Lotus Tea House") {
		t.Fatalf("after the suspension ended: %s", a.Status)
	}
}

func TestTerminationIsPermanent(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	acct := e.approved(lin, "Lotus Tea House", account.Domestic)
	in := penalty(acct.ID, review.Terminate, 30) // days are ignored: termination does not expire
	p, err := e.rv.ApplyPenalty(ctx, e.reviewer, in)
	e.must(err)
	if !p.ExpiresAt.IsZero() {
		t.Fatalf("termination expires at %v", p.ExpiresAt)
	}
	e.clock.Advance(10 * 365 * 24 * time.Hour)
	_, err = e.rv.Sweep(ctx)
	e.must(err)
	a, _ := e.accounts.ByID(ctx, acct.ID)
	if a.Status != account.StatusTerminated || e.searchFinds("Lotus Tea House") {
		t.Fatalf("status %s after ten years", a.Status)
	}
	if f, _ := e.rv.Frozen(ctx, acct.ID); f == nil || f.Kind != review.Terminate {
		t.Fatal("a terminated account is not frozen")
	}
	for _, k := range review.Ladder {
		in := penalty(acct.ID, k, 1)
		in.Feature, in.ArticleID = review.FeaturePublishing, 1
		_, err := e.rv.ApplyPenalty(ctx, e.reviewer, in)
		wantKind(t, err, errs.KindConflict, k+" on a terminated account")
	}
	_, err = e.rv.ResetSecret(ctx, lin, acct.ID)
	wantKind(t, err, errs.KindConflict, "resetting the AppSecret of a terminated account")
}

func TestPenaltyInputIsChecked(t *testing.T) {
	e := newEnv(t)
	acct := e.approved(e.person("lin", ""), "Lotus Tea House", account.Domestic)
	pending := e.complete(e.person("kai", ""), "Panda Courier", account.Domestic)
	kai, _ := e.users.ByUsername(ctx, "kai")
	_, err := e.rv.Submit(ctx, kai, pending.ID)
	e.must(err)
	pendingAcct := e.app(pending.ID).AccountID
	for name, c := range map[string]struct {
		in    review.NewPenalty
		field string
	}{
		"unknown kind":        {review.NewPenalty{AccountID: acct.ID, Kind: "fine", Rule: "x rule", Evidence: "some evidence here"}, "kind"},
		"restrict no feature": {penalty(acct.ID, review.Restrict, 3), "feature"},
		"restrict 0 days": {func() review.NewPenalty {
			p := penalty(acct.ID, review.Restrict, 0)
			p.Feature = review.FeatureComments
			return p
		}(), "days"},
		"suspend 400 days":     {penalty(acct.ID, review.Suspend, 400), "days"},
		"takedown no article":  {penalty(acct.ID, review.Takedown, 0), "article_id"},
		"no rule":              {review.NewPenalty{AccountID: acct.ID, Kind: review.Warning, Evidence: "some evidence here"}, "rule"},
		"short evidence":       {review.NewPenalty{AccountID: acct.ID, Kind: review.Warning, Rule: "Spam", Evidence: "bad"}, "evidence"},
		"missing account":      {penalty(12345, review.Warning, 0), "account_id"},
		"missing report":       {func() review.NewPenalty { p := penalty(acct.ID, review.Warning, 0); p.ReportID = 999; return p }(), "report_id"},
		"pending account (ok)": {penalty(pendingAcct, review.Warning, 0), "-"},
	} {
		_, err := e.rv.ApplyPenalty(ctx, e.reviewer, c.in)
		if c.field == "-" {
			wantKind(t, err, errs.KindConflict, name)
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		wantField(t, err, c.field)
	}
	if n := e.count(`SELECT COUNT(*) FROM penalties`); n != 0 {
		t.Fatalf("%d penalties stored from refused input", n)
	}
}

func TestTakedownAndAppeals(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	acct := e.approved(lin, "Lotus Tea House", account.Domestic)
	in := penalty(acct.ID, review.Takedown, 0)
	in.ArticleID = 4242
	p, err := e.rv.ApplyPenalty(ctx, e.reviewer, in)
	e.must(err)
	if !e.rv.TakenDown(ctx, 4242) || e.rv.TakenDown(ctx, 4243) {
		t.Fatal("TakenDown does not report the taken-down article only")
	}
	sam := e.person("sam", "")
	e.must(e.accounts.AddMember(ctx, acct.ID, sam.ID, account.RoleAgent))
	_, err = e.rv.Appeal(ctx, sam, p.ID, "This article was a quote, not our claim.")
	wantKind(t, err, errs.KindForbidden, "an agent appeals")
	_, err = e.rv.Appeal(ctx, e.person("outsider", ""), p.ID, "This article was a quote, not our claim.")
	wantKind(t, err, errs.KindNotFound, "an outsider appeals")
	_, err = e.rv.Appeal(ctx, lin, p.ID, "short")
	wantField(t, err, "statement")

	ap, err := e.rv.Appeal(ctx, lin, p.ID, "This article was a quote, not our claim.")
	e.must(err)
	if ap.State != review.AppealPending {
		t.Fatalf("appeal %+v", ap)
	}
	_, err = e.rv.Appeal(ctx, lin, p.ID, "Appealing a second time, with more words.")
	wantKind(t, err, errs.KindConflict, "appealing twice")
	if n := e.count(`SELECT COUNT(*) FROM appeals`); n != 1 {
		t.Fatalf("%d appeals", n)
	}

	err = e.rv.DecideAppeal(ctx, e.reviewer, p.ID, true, "I applied it, but let me overturn it anyway.")
	wantKind(t, err, errs.KindForbidden, "the penalising reviewer decides the appeal")
	if !e.rv.TakenDown(ctx, 4242) {
		t.Fatal("the refused decision lifted the takedown")
	}
	pending, _ := e.rv.PendingAppeals(ctx)
	if len(pending) != 1 || pending[0].Appeal.Statement != "This article was a quote, not our claim." {
		t.Fatalf("pending appeals %+v", pending)
	}
	e.must(e.rv.DecideAppeal(ctx, e.reviewer2, p.ID, true, "The article quotes a third party; overturned."))
	if e.rv.TakenDown(ctx, 4242) {
		t.Fatal("the article is still down after the appeal was granted")
	}
	got, _ := e.rv.Penalty(ctx, p.ID)
	if got.State != review.PenaltyOverturned || got.Appeal.State != review.AppealGranted || got.Appeal.DeciderName != "ren" {
		t.Fatalf("after the decision: %s, appeal %+v", got.State, got.Appeal)
	}
	err = e.rv.DecideAppeal(ctx, e.admin, p.ID, false, "Deciding the same appeal a second time.")
	wantKind(t, err, errs.KindConflict, "deciding twice")
}

func TestAppealGrantedLiftsSuspension(t *testing.T) {
	e := newEnv(t)
	lin := e.person("lin", "")
	acct := e.approved(lin, "Lotus Tea House", account.Domestic)
	p, err := e.rv.ApplyPenalty(ctx, e.reviewer, penalty(acct.ID, review.Suspend, 30))
	e.must(err)
	_, err = e.rv.Appeal(ctx, lin, p.ID, "We removed the article the same day.")
	e.must(err)
	e.must(e.rv.DecideAppeal(ctx, e.reviewer2, p.ID, true, "Removed promptly; suspension overturned."))
	a, _ := e.accounts.ByID(ctx, acct.ID)
	if a.Status != account.StatusActive || !e.searchFinds("Lotus Tea House") {
		t.Fatalf("status %s after the granted appeal", a.Status)
	}
	if f, _ := e.rv.Frozen(ctx, acct.ID); f != nil {
		t.Fatal("still frozen")
	}

	// A denied appeal leaves the penalty; an ended penalty cannot be appealed.
	w, err := e.rv.ApplyPenalty(ctx, e.reviewer, penalty(acct.ID, review.Suspend, 1))
	e.must(err)
	_, err = e.rv.Appeal(ctx, lin, w.ID, "Please reconsider this suspension.")
	e.must(err)
	e.must(e.rv.DecideAppeal(ctx, e.reviewer2, w.ID, false, "The evidence stands; denied."))
	if a, _ := e.accounts.ByID(ctx, acct.ID); a.Status != account.StatusSuspended {
		t.Fatalf("status %s after the denied appeal", a.Status)
	}
	r, err := e.rv.ApplyPenalty(ctx, e.reviewer, func() review.NewPenalty {
		p := penalty(acct.ID, review.Restrict, 1)
		p.Feature = review.FeatureComments
		return p
	}())
	e.must(err)
	e.clock.Advance(25 * time.Hour)
	_, err = e.rv.Appeal(ctx, lin, r.ID, "Appeal after the restriction ended.")
	wantKind(t, err, errs.KindConflict, "appealing an ended penalty")
}

func TestReportsAndKeywordFlags(t *testing.T) {
	e := newEnv(t)
	acct := e.approved(e.person("lin", ""), "Lotus Tea House", account.Domestic)
	mei := e.person("mei", "")
	r, err := e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetAccount, TargetID: acct.ID, Reason: "fraud", Details: "Asks for deposits."})
	e.must(err)
	if r.AccountName != "Lotus Tea House" || r.Snapshot != "Lotus Tea House" || r.State != review.ReportOpen {
		t.Fatalf("report %+v", r)
	}
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetAccount, TargetID: acct.ID, Reason: "spam"})
	wantKind(t, err, errs.KindConflict, "reporting twice")
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetAccount, TargetID: 999, Reason: "spam"})
	wantKind(t, err, errs.KindNotFound, "reporting a missing account")
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: "person", TargetID: acct.ID, Reason: "spam"})
	wantKind(t, err, errs.KindInvalid, "reporting a person")
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: 77, Reason: "because"})
	wantField(t, err, "reason")
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: 77, Reason: "other"})
	wantField(t, err, "details")
	art, err := e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: 77, AccountID: acct.ID, Reason: "misleading", Snapshot: "Tea cures everything"})
	e.must(err)
	if art.AccountName != "Lotus Tea House" || art.Snapshot != "Tea cures everything" {
		t.Fatalf("article report %+v", art)
	}

	// Keyword rules flag content on publish.
	p := settings.Defaults()
	p.FlaggedKeywords = []string{"guaranteed returns", "miracle"}
	e.must(e.settings.Save(ctx, p))
	found, err := e.rv.FlagContent(ctx, acct.ID, 88, "Our tea", "A calm afternoon.")
	e.must(err)
	if len(found) != 0 {
		t.Fatalf("clean content flagged: %v", found)
	}
	found, err = e.rv.FlagContent(ctx, acct.ID, 89, "A MIRACLE tea", "With Guaranteed Returns!")
	e.must(err)
	if strings.Join(found, ",") != "guaranteed returns,miracle" {
		t.Fatalf("found %v", found)
	}
	_, _ = e.rv.FlagContent(ctx, acct.ID, 89, "A MIRACLE tea", "edited") // still open: no second report
	open, _ := e.rv.Reports(ctx, review.ReportOpen, 0)
	if len(open) != 3 || open[0].ID != r.ID || open[2].Source != review.SourceKeyword || open[2].TargetID != 89 {
		t.Fatalf("open reports %+v", open)
	}

	// Dismissing and actioning close reports.
	wantField(t, e.rv.DismissReport(ctx, e.reviewer, art.ID, ""), "note")
	e.must(e.rv.DismissReport(ctx, e.reviewer, art.ID, "A quote from a customer."))
	wantKind(t, e.rv.DismissReport(ctx, e.reviewer, art.ID, "Again."), errs.KindConflict, "dismissing twice")
	in := penalty(acct.ID, review.Warning, 0)
	in.ReportID = r.ID
	_, err = e.rv.ApplyPenalty(ctx, e.reviewer, in)
	e.must(err)
	got, _ := e.rv.Report(ctx, r.ID)
	if got.State != review.ReportActioned || got.HandledBy != "rui" {
		t.Fatalf("report after the penalty: %+v", got)
	}
	// With the report closed, the follower may report again.
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetAccount, TargetID: acct.ID, Reason: "spam"})
	e.must(err)
}

func TestReportsPerDayAreLimited(t *testing.T) {
	e := newEnv(t)
	mei := e.person("mei", "")
	for i := 1; i <= review.MaxReportsPerDay; i++ {
		_, err := e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: int64(i), Reason: "spam"})
		e.must(err)
	}
	_, err := e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: 999, Reason: "spam"})
	wantKind(t, err, errs.KindTooMany, "one report too many")
	e.clock.Advance(25 * time.Hour)
	_, err = e.rv.CreateReport(ctx, mei, review.NewReport{TargetType: review.TargetArticle, TargetID: 999, Reason: "spam"})
	e.must(err)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestAuditLogIsAppendOnlyAndSearchable(t *testing.T) {
	e := newEnv(t)
	acct := e.approved(e.person("lin", ""), "Lotus Tea House", account.Domestic)
	e.clock.Advance(48 * time.Hour)
	_, err := e.rv.ApplyPenalty(ctx, e.reviewer2, penalty(acct.ID, review.Warning, 0))
	e.must(err)

	n := e.count(`SELECT COUNT(*) FROM audit_log`)
	if n < 6 {
		t.Fatalf("%d audit entries after an approval and a penalty", n)
	}
	if _, err := e.db.Exec(ctx, `UPDATE audit_log SET detail = 'tampered'`); err == nil {
		t.Fatal("the audit log accepted an UPDATE")
	}
	if _, err := e.db.Exec(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("the audit log accepted a DELETE")
	}
	if e.count(`SELECT COUNT(*) FROM audit_log`) != n || e.count(`SELECT COUNT(*) FROM audit_log WHERE detail = 'tampered'`) != 0 {
		t.Fatal("the audit log changed")
	}

	all, _ := e.rv.SearchAudit(ctx, review.AuditFilter{})
	if len(all) != n || all[0].Action != review.AuditPenalty {
		t.Fatalf("search all: %d entries, first %+v", len(all), all[0])
	}
	byActor, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Actor: "REN"})
	if len(byActor) != 1 || byActor[0].ActorName != "ren" {
		t.Fatalf("by actor: %+v", byActor)
	}
	byAction, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Action: "application."})
	for _, x := range byAction {
		if !strings.HasPrefix(x.Action, "application.") {
			t.Fatalf("by action prefix: %+v", x)
		}
	}
	if len(byAction) != n-1 {
		t.Errorf("by action prefix: %d entries, want %d", len(byAction), n-1)
	}
	byName, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Account: "lotus tea"})
	byID, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Account: itoa(acct.ID)})
	if len(byName) != n || len(byID) != n {
		t.Errorf("by account: %d by name, %d by id, want %d", len(byName), len(byID), n)
	}
	since, _ := e.rv.SearchAudit(ctx, review.AuditFilter{From: e.clock.Now().Add(-time.Hour)})
	before, _ := e.rv.SearchAudit(ctx, review.AuditFilter{To: e.clock.Now().Add(-time.Hour)})
	if len(since) != 1 || len(before) != n-1 {
		t.Errorf("by date: %d since, %d before", len(since), len(before))
	}
	none, _ := e.rv.SearchAudit(ctx, review.AuditFilter{Actor: "100%_"})
	if len(none) != 0 {
		t.Errorf("wildcards in the search matched %d entries", len(none))
	}
}
