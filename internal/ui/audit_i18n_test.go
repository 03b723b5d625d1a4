package ui_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// The audit log's details are the platform's own words, written in the
// reader's language; what a person typed (a rule, evidence, a note) is
// shown as written, marked translate="no"; an entry stored as English prose
// before details were phrases is shown as written, marked lang="en".
func TestAuditLogIsWrittenInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ac, admin := staffClient(t, s, "ada", user.RoleAdmin)
	_, rv := staffClient(t, s, "rui", user.RoleReviewer)
	owner := s.CreatePerson(t, "hana", pw, user.RoleNone)
	acct := approvedAccount(t, s, owner, rv, "Harbour Bank")
	if _, err := s.App.Review.ApplyPenalty(bg, rv, review.NewPenalty{AccountID: acct.ID, Kind: review.Restrict, Feature: review.FeatureMassSend,
		Days: 7, Rule: "No promises of guaranteed returns", Evidence: "The mass send of 3 May"}); err != nil {
		t.Fatal(err)
	}
	credit := errs.Phrase{Format: "Credited %s to @%s's wallet.", Args: []any{errs.Content("¥100.00"), errs.Content("hana")}}
	if err := s.App.Review.Audit(bg, admin, "wallet.credit", 0, errs.Phrase{Format: "%s Note: %s", Args: []any{credit, errs.Content("Refund for the broken kettle")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(bg, `INSERT INTO audit_log (id, at, actor_id, actor_name, action, account_id, account_name, subject_type, subject_id, detail)
		VALUES (1, 1, 0, '', 'legacy.entry', 0, '', '', 0, 'written before phrases')`); err != nil {
		t.Fatal(err)
	}

	en := ac.Get("/admin/audit")
	wantStatus(t, en, 200)
	for _, want := range []string{
		"Registration application, round 1",
		"Registration approved, verified until",
		`Restricted: mass send. Rule: <q translate="no" lang="en">No promises of guaranteed returns</q>. Evidence: <q translate="no" lang="en">The mass send of 3 May</q> (7 days)`,
		`Credited <span translate="no">¥100.00</span> to @<span translate="no">hana</span>'s wallet. Note: <span translate="no">Refund for the broken kettle</span>`,
		`translate="no" lang="en" data-testid="audit-detail">written before phrases</div>`,
	} {
		wantBody(t, en, want)
	}

	wantStatus(t, ac.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), 303)
	zh := ac.Get("/admin/audit")
	for _, want := range []string{
		"注册申请，第 1 轮",
		"注册申请已通过，认证有效期至",
		`功能受限：群发。规则：<q translate="no" lang="en">No promises of guaranteed returns</q>`,
		`已充值 <span translate="no">¥100.00</span> 到 @<span translate="no">hana</span> 的钱包。 备注：<span translate="no">Refund for the broken kettle</span>`,
		`translate="no" lang="en" data-testid="audit-detail">written before phrases</div>`,
	} {
		wantBody(t, zh, want)
	}
	var details []string
	for _, part := range strings.Split(zh.Body, `data-testid="audit-detail"`)[1:] {
		details = append(details, part[:strings.Index(part, "</div>")])
	}
	if len(details) < 5 {
		t.Fatalf("%d details on the page:\n%s", len(details), zh.Body)
	}
	if words := englishIn(mainOf(zh.Body)); len(words) > 0 {
		t.Errorf("English in the Chinese audit log: %v\n%s", words, strings.Join(details, "\n"))
	}
}
