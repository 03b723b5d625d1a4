package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Reports.

type reportsData struct {
	State   string
	Reports []*review.Report
}

func (u *UI) loadReports(r *http.Request, p *core.Page) error {
	state := r.URL.Query().Get("state")
	switch state {
	case review.ReportOpen, review.ReportActioned, review.ReportDismissed:
	default:
		state = review.ReportOpen
	}
	list, err := u.Review.Reports(r.Context(), state, 200)
	if err != nil {
		return err
	}
	p.Data = &reportsData{State: state, Reports: list}
	return nil
}

func reportInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathIDNamed(r, "report", "report")
}

// notFoundIsPage shows a thing that is not there as an error page rather
// than on the form.
func notFoundIsPage(err error) error {
	if errors.Is(err, errs.NotFound) {
		return core.AsPage(err)
	}
	return err
}

func (u *UI) reportDismiss(r *http.Request, _ *core.ConsoleCtx, reportID int64) (core.Done, error) {
	if err := u.Review.DismissReport(r.Context(), web.Person(r), reportID, r.PostForm.Get("note")); err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	return core.Done{To: "/admin/reports", Flash: "Report dismissed."}, nil
}

// Penalties.

type penaltiesData struct {
	All       bool
	Query     string
	Found     []*account.Account
	Penalties []*review.Penalty
	Now       time.Time
}

func (u *UI) loadPenalties(r *http.Request, p *core.Page) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := &penaltiesData{All: q.Get("all") == "1", Query: strings.TrimSpace(q.Get("q")), Now: u.Clock.Now()}
	var err error
	if d.Query != "" {
		if d.Found, err = u.Review.FindAccounts(ctx, d.Query, 50); err != nil {
			return err
		}
	}
	if d.Penalties, err = u.Review.Penalties(ctx, review.PenaltyFilter{ActiveOnly: !d.All, AccountID: core.QueryID(r, "account")}); err != nil {
		return err
	}
	p.Data = d
	return nil
}

type penaltyFormData struct {
	Account  *account.Account
	Report   *review.Report
	Record   []*review.Penalty
	Ladder   []string
	Features []string
	Max      int
	Now      time.Time
}

func (u *UI) penaltyFormRender(w http.ResponseWriter, r *http.Request, accountID, reportID int64, cause error) error {
	ctx := r.Context()
	d := &penaltyFormData{Ladder: review.Ladder, Features: review.RestrictableFeatures, Max: review.MaxPenaltyDays, Now: u.Clock.Now()}
	var err error
	if reportID != 0 {
		if d.Report, err = u.Review.Report(ctx, reportID); err != nil {
			return err
		}
		if accountID == 0 {
			accountID = d.Report.AccountID
		}
	}
	if accountID == 0 {
		return u.Redirect(w, r, "/admin/penalties", "Find the account to penalise first.")
	}
	if d.Account, err = u.Accounts.ByID(ctx, accountID); err != nil {
		return err
	}
	if d.Record, err = u.Review.PenaltiesFor(ctx, accountID); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Apply a penalty", d)
	if cause != nil {
		return u.FormError(w, r, "admin/penalty", p, cause)
	}
	if d.Report != nil && d.Report.TargetType == review.TargetArticle {
		p.Form = map[string][]string{"article_id": {strconv.FormatInt(d.Report.TargetID, 10)}}
	}
	return u.Render(w, r, http.StatusOK, "admin/penalty", p)
}

func (u *UI) penaltyForm(w http.ResponseWriter, r *http.Request) error {
	return u.penaltyFormRender(w, r, core.QueryID(r, "account"), core.QueryID(r, "report"), nil)
}

func (u *UI) penaltyApply(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	num := func(k string) int64 { v, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64); return v }
	in := review.NewPenalty{AccountID: num("account_id"), Kind: f.Get("kind"), Feature: f.Get("feature"), ArticleID: num("article_id"),
		Days: int(num("days")), Rule: f.Get("rule"), Evidence: f.Get("evidence"), ReportID: num("report_id")}
	pen, err := u.Review.ApplyPenalty(r.Context(), web.Person(r), in)
	if err != nil {
		if errs.KindOf(err) == errs.KindInternal {
			return err
		}
		return u.penaltyFormRender(w, r, in.AccountID, in.ReportID, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/admin/penalties?account=%d&all=1", pen.AccountID),
		u.T(r, "%s applied to %s.", penaltyKind(u.Locale(r), pen), pen.AccountName))
}

// Appeals.

type appealsData struct {
	Pending []*review.Penalty
	Now     time.Time
	Failed  int64
}

// loadAppeals fills the pending appeals; when a decision is re-shown with
// its error, the penalty in the path carries the message.
func (u *UI) loadAppeals(r *http.Request, p *core.Page) error {
	list, err := u.Review.PendingAppeals(r.Context())
	if err != nil {
		return err
	}
	d := &appealsData{Pending: list, Now: u.Clock.Now()}
	if p.Form != nil {
		d.Failed, _ = penaltyInPath(r, nil)
	}
	p.Data = d
	return nil
}

func penaltyInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathIDNamed(r, "penalty", "penalty")
}

func (u *UI) appealDecide(r *http.Request, _ *core.ConsoleCtx, penaltyID int64) (core.Done, error) {
	var grant bool
	switch r.PostForm.Get("decision") {
	case "grant":
		grant = true
	case "deny":
	default:
		return core.Done{}, errs.FieldInvalid("decision", "Choose grant or deny.")
	}
	if err := u.Review.DecideAppeal(r.Context(), web.Person(r), penaltyID, grant, r.PostForm.Get("note")); err != nil {
		return core.Done{}, notFoundIsPage(err)
	}
	msg := "Appeal denied: the penalty stands."
	if grant {
		msg = "Appeal granted: the penalty is overturned."
	}
	return core.Done{To: "/admin/appeals", Flash: msg}, nil
}

// Audit log.

type auditData struct {
	Entries []review.AuditEntry
	Filter  map[string]string
	More    int64 // id for the next page, 0 when none
}

func (u *UI) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := &auditData{Filter: map[string]string{}}
	for _, k := range []string{"actor", "account", "action", "from", "to"} {
		d.Filter[k] = strings.TrimSpace(q.Get(k))
	}
	f := review.AuditFilter{Actor: d.Filter["actor"], Account: d.Filter["account"], Action: d.Filter["action"], Before: core.QueryID(r, "before"), Limit: 100}
	p := u.NewPage(w, r, "Audit log", d)
	for _, k := range []string{"from", "to"} {
		if d.Filter[k] == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.Filter[k])
		if err != nil {
			p.Fields[k] = u.T(r, "Use a date like %s.", "2025-03-31")
			continue
		}
		if k == "from" {
			f.From = t
		} else {
			f.To = t.AddDate(0, 0, 1) // the "to" day is included
		}
	}
	if len(p.Fields) > 0 {
		return u.Render(w, r, http.StatusUnprocessableEntity, "admin/audit", p)
	}
	var err error
	if d.Entries, err = u.Review.SearchAudit(r.Context(), f); err != nil {
		return err
	}
	if len(d.Entries) == f.Limit {
		d.More = d.Entries[len(d.Entries)-1].ID
	}
	return u.Render(w, r, http.StatusOK, "admin/audit", p)
}

// Platform settings.

type adminSettingsData struct {
	P                                 settings.Platform
	Domestic, International, Keywords string // the lists, one item a line
	CanSet                            bool
}

func newAdminSettingsData(st settings.Platform, canSet bool) *adminSettingsData {
	return &adminSettingsData{P: st, CanSet: canSet, Domestic: strings.Join(st.DomesticDocuments, "\n"),
		International: strings.Join(st.InternationalDocuments, "\n"), Keywords: strings.Join(st.FlaggedKeywords, "\n")}
}

func lcLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (u *UI) loadSettings(r *http.Request, p *core.Page) error {
	st, err := u.Settings.Get(r.Context())
	p.Data = newAdminSettingsData(st, web.Person(r).IsAdmin())
	return err
}

func (u *UI) settingsSave(r *http.Request, _ *core.ConsoleCtx, _ core.None) (core.Done, error) {
	person := web.Person(r)
	ctx := r.Context()
	st, err := u.Settings.Get(ctx)
	if err != nil {
		return core.Done{}, err
	}
	f := r.PostForm
	ints := []struct {
		name string
		dst  *int
	}{
		{"subscription_mass_sends_per_month", &st.SubscriptionMassSendsPerMonth},
		{"service_mass_sends_per_month", &st.ServiceMassSendsPerMonth},
		{"verification_validity_days", &st.VerificationValidityDays},
		{"verification_warn_days", &st.VerificationWarnDays},
		{"max_review_rounds", &st.MaxReviewRounds},
		{"raw_event_retention_days", &st.RawEventRetentionDays},
		{"min_demographic_group", &st.MinDemographicGroup},
		{"backup_every_hours", &st.BackupEveryHours},
		{"backup_keep", &st.BackupKeep},
	}
	for _, it := range ints {
		if !f.Has(it.name) {
			continue // a form without the field keeps its value
		}
		v, err := strconv.Atoi(strings.TrimSpace(f.Get(it.name)))
		if err != nil {
			return core.Done{}, errs.FieldInvalid(it.name, "Enter a whole number.")
		}
		*it.dst = v
	}
	st.DomesticDocuments = lcLines(f.Get("domestic_documents"))
	st.InternationalDocuments = lcLines(f.Get("international_documents"))
	st.FlaggedKeywords = lcLines(f.Get("flagged_keywords"))
	if len(st.DomesticDocuments) == 0 {
		return core.Done{}, errs.FieldInvalid("domestic_documents", "List at least one document, one per line.")
	}
	if len(st.InternationalDocuments) == 0 {
		return core.Done{}, errs.FieldInvalid("international_documents", "List at least one document, one per line.")
	}
	if err := u.Settings.Save(ctx, st); err != nil {
		return core.Done{}, err
	}
	if err := u.Review.Audit(ctx, person, review.AuditSettingsChanged, 0, errs.Phrase{
		Format: "Validity (days): %d. Warning (days before expiry): %d. Review rounds: %d. Flagged keywords: %d.",
		Args:   []any{st.VerificationValidityDays, st.VerificationWarnDays, st.MaxReviewRounds, len(st.FlaggedKeywords)},
	}); err != nil {
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "/admin/settings", Flash: "Settings saved. They apply at once."}, nil
}

// penaltyKind names a penalty's kind (and restricted feature) in l's
// language, as the pages' admin_penalty_kind does.
func penaltyKind(l *i18n.Locale, p *review.Penalty) string {
	if p.Kind == review.Restrict {
		return l.T("Restricted: %s", l.Text(core.Label(p.Feature)))
	}
	return l.Text(review.KindLabel(p.Kind, p.Feature))
}
