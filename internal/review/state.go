package review

import (
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
)

// This file is the one place where the lifecycle's state machines are
// written down: applications, penalties, appeals and the account status
// they drive. Every store method that changes a state asks transition (or
// one of its siblings below) first, inside the same transaction that writes
// the new state; an illegal step returns an errs.KindConflict error and the
// transaction changes nothing. docs/accounts.md draws the same diagrams.

// Application states.
const (
	Draft     = "draft"     // being written by the applicant; no account row yet (registration)
	Submitted = "submitted" // waiting in the review queue
	InReview  = "in_review" // claimed by a reviewer
	MoreInfo  = "more_info" // the reviewer asked the applicant to amend and resubmit
	Approved  = "approved"  // final: the account is active and verified
	Rejected  = "rejected"  // final: the reason is shown to the applicant
)

// States lists the application states in lifecycle order.
var States = []string{Draft, Submitted, InReview, MoreInfo, Approved, Rejected}

// Application actions: what someone does to an application.
const (
	ActSave    = "save"     // applicant edits fields or documents
	ActSubmit  = "submit"   // applicant sends it (first time, or after amending)
	ActClaim   = "claim"    // a reviewer takes it from the queue
	ActRelease = "release"  // the reviewer puts it back in the queue
	ActCheck   = "check"    // the reviewer records one of the three checks
	ActApprove = "approve"  // decision
	ActReject  = "reject"   // decision, with a reason the applicant sees
	ActAskMore = "ask_more" // decision: amend and resubmit (limited rounds)
)

// Actions lists the application actions.
var Actions = []string{ActSave, ActSubmit, ActClaim, ActRelease, ActCheck, ActApprove, ActReject, ActAskMore}

// transitions maps state → action → next state. A missing entry is an
// illegal step. ActSave and ActCheck keep the state.
var transitions = map[string]map[string]string{
	Draft:     {ActSave: Draft, ActSubmit: Submitted},
	Submitted: {ActClaim: InReview},
	InReview:  {ActRelease: Submitted, ActCheck: InReview, ActApprove: Approved, ActReject: Rejected, ActAskMore: MoreInfo},
	MoreInfo:  {ActSave: MoreInfo, ActSubmit: Submitted},
	Approved:  {},
	Rejected:  {},
}

// Next returns the state an application moves to when action is taken in
// state from, or a conflict error that says why the step is not allowed.
func Next(from, action string) (string, error) {
	to, ok := transitions[from][action]
	if !ok {
		return "", errs.Conflictf("You cannot %s an application that is %s.", actionVerb(action), StateLabel(from))
	}
	return to, nil
}

// CanDo reports whether action is legal in state (for pages).
func CanDo(state, action string) bool { _, ok := transitions[state][action]; return ok }

// Open reports whether an application still awaits an outcome.
func Open(state string) bool { return state != Approved && state != Rejected }

// Editable reports whether the applicant may change the application.
func Editable(state string) bool { return CanDo(state, ActSave) }

// StateLabel is the state as people read it.
func StateLabel(state string) string {
	switch state {
	case Draft:
		return "a draft"
	case Submitted:
		return "waiting for review"
	case InReview:
		return "in review"
	case MoreInfo:
		return "waiting for more information"
	case Approved:
		return "approved"
	case Rejected:
		return "rejected"
	}
	return state
}

func actionVerb(action string) string {
	switch action {
	case ActSave:
		return "change"
	case ActCheck:
		return "record a check on"
	case ActAskMore:
		return "ask for more information on"
	}
	return action
}

// Penalty kinds, the ladder from mildest to most severe.
const (
	Warning   = "warning"   // a recorded warning; nothing is blocked
	Takedown  = "takedown"  // one article is taken down
	Restrict  = "restrict"  // one feature is blocked for N days
	Suspend   = "suspend"   // hidden from search, profile says suspended, API frozen, every feature blocked
	Terminate = "terminate" // permanent: as suspended, forever
)

// Ladder lists the penalty kinds, mildest first.
var Ladder = []string{Warning, Takedown, Restrict, Suspend, Terminate}

// Features that a restriction can block. FeatureAPI is only blocked by a
// suspension or termination.
const (
	FeaturePublishing = "publishing"
	FeatureMassSend   = "mass_send"
	FeatureMessaging  = "messaging"
	FeatureComments   = "comments"
	FeatureAPI        = "api"
)

// RestrictableFeatures are the features a "restrict" penalty can name.
var RestrictableFeatures = []string{FeaturePublishing, FeatureMassSend, FeatureMessaging, FeatureComments}

// Penalty states.
const (
	PenaltyActive     = "active"
	PenaltyExpired    = "expired"    // its expiry passed; the job records it, reads already ignore it
	PenaltyOverturned = "overturned" // an appeal was granted
)

// Penalty events.
const (
	penExpire   = "expire"
	penOverturn = "overturn"
	penAppeal   = "appeal"
)

// penaltyTransitions: an active penalty can be appealed (it stays active
// meanwhile), expire, or be overturned when its appeal is granted; an appeal
// granted after the expiry still clears it from the record.
var penaltyTransitions = map[string]map[string]string{
	PenaltyActive:  {penExpire: PenaltyExpired, penOverturn: PenaltyOverturned, penAppeal: PenaltyActive},
	PenaltyExpired: {penOverturn: PenaltyOverturned},
}

func penaltyNext(from, event string) (string, error) {
	to, ok := penaltyTransitions[from][event]
	if !ok {
		return "", errs.Conflictf("You cannot %s a penalty that has %s.", event, map[string]string{
			PenaltyExpired: "already ended", PenaltyOverturned: "been overturned on appeal"}[from])
	}
	return to, nil
}

// Appeal states. An appeal starts pending; each penalty has at most one.
const (
	AppealPending = "pending"
	AppealGranted = "granted" // the penalty is overturned
	AppealDenied  = "denied"  // the penalty stands
)

func appealNext(from string, grant bool) (string, error) {
	if from != AppealPending {
		return "", errs.Conflictf("This appeal was already decided (%s).", from)
	}
	if grant {
		return AppealGranted, nil
	}
	return AppealDenied, nil
}

// accountStatusAfter returns the account status implied by the penalties in
// force, for an account currently in status cur. Pending and rejected
// accounts are not moved by penalties.
func accountStatusAfter(cur string, terminated, suspended bool) string {
	switch cur {
	case account.StatusActive, account.StatusSuspended, account.StatusTerminated:
	default:
		return cur
	}
	switch {
	case terminated:
		return account.StatusTerminated
	case suspended:
		return account.StatusSuspended
	}
	return account.StatusActive
}

// canPenalise reports whether a penalty of kind may be applied to an account
// in status: never to a terminated, pending or rejected account; a second
// suspension is refused while one is in force.
func canPenalise(status, kind string) error {
	switch status {
	case account.StatusActive:
		return nil
	case account.StatusSuspended:
		if kind == Suspend {
			return errs.Conflictf("This account is already suspended.")
		}
		return nil
	case account.StatusTerminated:
		return errs.Conflictf("This account is terminated; no further penalty applies.")
	}
	return errs.Conflictf("Only an approved account can be penalised (this one is %s).", status)
}
