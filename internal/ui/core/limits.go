package core

import (
	"context"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ratelimit"
)

// Limits are the UI's rate limits that must hold across every Herald node
// on the database (internal/ratelimit). A nil limiter limits nothing.
type Limits struct {
	Signup *ratelimit.Limiter // sign-ups per client IP
	Send   *ratelimit.Limiter // follower messages and menu clicks per person
	SignIn SignInLimits       // failed sign-ins (signin.go)
	// PayPassword counts wrong passwords on the pay sheet, per person: 5,
	// then one every 20 s.
	PayPassword *ratelimit.Limiter
}

// Sending limits: a burst of 20, then one every 300 ms, per person; sign-ups:
// 5 at once, then one every 30 s, per client IP.
const (
	sendBurst      = 20
	sendInterval   = 300 * time.Millisecond
	signupBurst    = 5
	signupInterval = 30 * time.Second
)

// NewLimits returns the UI's limits on limiters made by newLimiter (which
// ratelimit.New with a database and clock bound fits).
func NewLimits(newLimiter func(prefix string, interval time.Duration, burst int) *ratelimit.Limiter) Limits {
	return Limits{
		Signup:      newLimiter("signup:", signupInterval, signupBurst),
		Send:        newLimiter("send:", sendInterval, sendBurst),
		SignIn:      newSignInLimits(newLimiter),
		PayPassword: newLimiter("pay-password:", 20*time.Second, 5),
	}
}

// AllowSend takes one of the person's sends, or says to slow down.
func (u *UI) AllowSend(ctx context.Context, personID int64) error {
	if u.Limits.Send == nil {
		return nil
	}
	ok, err := u.Limits.Send.Allow(ctx, strconv.FormatInt(personID, 10))
	if err != nil {
		return err
	}
	if !ok {
		return errs.TooManyf("You are sending too fast. Wait a moment and try again.")
	}
	return nil
}

// AllowSignup takes one sign-up of the client's address, or says to wait.
func (u *UI) AllowSignup(ctx context.Context, ip string) error {
	if u.Limits.Signup == nil {
		return nil
	}
	ok, err := u.Limits.Signup.Allow(ctx, ip)
	if err != nil {
		return err
	}
	if !ok {
		return errs.TooManyf("Too many sign-ups from your network. Wait a minute and try again.")
	}
	return nil
}

// PayPasswordBlocked says whether the person has used up their wrong
// passwords on the pay sheet for now.
func (u *UI) PayPasswordBlocked(ctx context.Context, personKey string) (bool, error) {
	if u.Limits.PayPassword == nil {
		return false, nil
	}
	return u.Limits.PayPassword.Blocked(ctx, personKey)
}

// PayPasswordFailed counts a wrong password on the pay sheet.
func (u *UI) PayPasswordFailed(ctx context.Context, personKey string) error {
	if u.Limits.PayPassword == nil {
		return nil
	}
	_, err := u.Limits.PayPassword.Allow(ctx, personKey)
	return err
}
