package review_test

import (
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
)

// The expected application lifecycle, written out independently of
// state.go: state → action → next state. Every pair not listed must be
// refused with a conflict and change nothing.
var wantLegal = map[string]map[string]string{
	review.Draft:     {review.ActSave: review.Draft, review.ActSubmit: review.Submitted},
	review.Submitted: {review.ActClaim: review.InReview},
	review.InReview: {review.ActRelease: review.Submitted, review.ActCheck: review.InReview, review.ActApprove: review.Approved,
		review.ActReject: review.Rejected, review.ActAskMore: review.MoreInfo},
	review.MoreInfo: {review.ActSave: review.MoreInfo, review.ActSubmit: review.Submitted},
}

// wantAccount is the account status after the application reaches a state.
var wantAccount = map[string]string{
	review.Submitted: account.StatusPending,
	review.InReview:  account.StatusPending,
	review.MoreInfo:  account.StatusPending,
	review.Approved:  account.StatusActive,
	review.Rejected:  account.StatusRejected,
}

// reach makes a registration in the given state, with all three checks
// passed when it is in review.
func (e *env) reach(state, name string) *review.Application {
	e.t.Helper()
	owner := e.person(fmt.Sprintf("owner%d", e.count(`SELECT COUNT(*) FROM people`)), "")
	a := e.complete(owner, name, account.Domestic)
	if state == review.Draft {
		return a
	}
	_, err := e.rv.Submit(ctx, owner, a.ID)
	e.must(err)
	if state == review.Submitted {
		return e.app(a.ID)
	}
	e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
	e.passAll(a.ID)
	switch state {
	case review.MoreInfo:
		e.must(e.rv.AskMore(ctx, e.reviewer, a.ID, "Please upload a clearer scan of the licence."))
	case review.Approved:
		e.must(e.rv.Approve(ctx, e.reviewer, a.ID))
	case review.Rejected:
		e.must(e.rv.Reject(ctx, e.reviewer, a.ID, "The licence does not match the organisation."))
	}
	return e.app(a.ID)
}

// act takes action on an application as the person who normally would.
func (e *env) act(a *review.Application, action string) error {
	owner, err := e.users.ByID(ctx, a.PersonID)
	e.must(err)
	switch action {
	case review.ActSave:
		f := fields(a.Name, a.Region)
		f.Description = "Amended description."
		_, err = e.rv.Save(ctx, owner, a.ID, f, nil, nil)
	case review.ActSubmit:
		_, err = e.rv.Submit(ctx, owner, a.ID)
	case review.ActClaim:
		err = e.rv.Claim(ctx, e.reviewer2, a.ID)
	case review.ActRelease:
		err = e.rv.Release(ctx, e.reviewer, a.ID)
	case review.ActCheck:
		err = e.rv.RecordCheck(ctx, e.reviewer, a.ID, review.CheckCompliance, false, "Found a problem.")
	case review.ActApprove:
		err = e.rv.Approve(ctx, e.reviewer, a.ID)
	case review.ActReject:
		err = e.rv.Reject(ctx, e.reviewer, a.ID, "Does not meet the rules of the platform.")
	case review.ActAskMore:
		err = e.rv.AskMore(ctx, e.reviewer, a.ID, "Please add the registration number.")
	default:
		e.t.Fatalf("unknown action %q", action)
	}
	return err
}

type snapshot struct {
	state, accountStatus, description string
	events, audit, checks, accounts   int
}

func (e *env) snap(id int64) snapshot {
	a := e.app(id)
	s := snapshot{state: a.State, description: a.Description,
		events:   e.count(`SELECT COUNT(*) FROM application_events WHERE application_id = ?`, id),
		audit:    e.count(`SELECT COUNT(*) FROM audit_log`),
		checks:   e.count(`SELECT COUNT(*) FROM review_checks WHERE application_id = ? AND passed = ?`, id, false),
		accounts: e.count(`SELECT COUNT(*) FROM accounts`)}
	if a.AccountID != 0 {
		acct, err := e.accounts.ByID(ctx, a.AccountID)
		e.must(err)
		s.accountStatus = acct.Status
	}
	return s
}

func TestEveryApplicationTransition(t *testing.T) {
	e := newEnv(t)
	n := 0
	for _, from := range review.States {
		for _, action := range review.Actions {
			n++
			name := fmt.Sprintf("Case %02d %s", n, from[:3])
			t.Run(from+"/"+action, func(t *testing.T) {
				e.t = t
				a := e.reach(from, name)
				before := e.snap(a.ID)
				err := e.act(a, action)
				to, legal := wantLegal[from][action]
				if !legal {
					wantKind(t, err, errs.KindConflict, fmt.Sprintf("%s on a %s application", action, from))
					if after := e.snap(a.ID); after != before {
						t.Fatalf("the refused %s changed the application:\nbefore %+v\nafter  %+v", action, before, after)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s on a %s application: %v", action, from, err)
				}
				after := e.snap(a.ID)
				if after.state != to {
					t.Fatalf("%s on %s: state %s, want %s", action, from, after.state, to)
				}
				if to != from && after.events != before.events+1 {
					t.Errorf("%s on %s: %d history events, want %d", action, from, after.events, before.events+1)
				}
				if action != review.ActSave && after.audit <= before.audit {
					t.Errorf("%s on %s: nothing written to the audit log", action, from)
				}
				if want, ok := wantAccount[to]; ok && after.accountStatus != want {
					t.Errorf("%s on %s: account is %q, want %q", action, from, after.accountStatus, want)
				}
				if action == review.ActSave && after.description != "Amended description." {
					t.Errorf("save on %s did not store the new description", from)
				}
			})
		}
	}
	e.t = t
	// A draft has no account yet: names are not reserved by drafts.
	if n := e.count(`SELECT COUNT(*) FROM applications WHERE state = 'draft' AND account_id IS NOT NULL`); n != 0 {
		t.Errorf("%d drafts have an account row", n)
	}
}
