package core

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ratelimit"
)

// SignInLimits throttle password guessing without locking anyone out.
// Only failures are counted, in the database (every node sees them):
//
//   - Client: failures from one client address, whatever the account;
//   - Pair: failures of one client against one account: a few at once,
//     then one a minute (the guesser backs off, nobody else does);
//   - Account: failures against one account from all clients; when they
//     pile up, only clients that have failed against it recently (Marked)
//     are refused. A client with no failures is never refused the right
//     password, so an attacker cannot lock the owner out.
//
// The account is the person (username and email are one key), or the
// login as typed when no one has it.
type SignInLimits struct {
	Client, Pair, Account, Marked *ratelimit.Limiter
}

const (
	signInClientBurst    = 30 // failures at once from one client
	signInClientInterval = 6 * time.Second
	signInPairBurst      = 5 // failures of one client against one account
	signInPairInterval   = time.Minute
	signInAccountBurst   = 20 // failures against one account from everyone
	signInAccountEvery   = 30 * time.Second
	signInMarkFor        = 15 * time.Minute // how long a failure marks a client for an account
)

func newSignInLimits(newLimiter func(prefix string, interval time.Duration, burst int) *ratelimit.Limiter) SignInLimits {
	return SignInLimits{
		Client:  newLimiter("signin-client:", signInClientInterval, signInClientBurst),
		Pair:    newLimiter("signin-pair:", signInPairInterval, signInPairBurst),
		Account: newLimiter("signin-account:", signInAccountEvery, signInAccountBurst),
		Marked:  newLimiter("signin-marked:", signInMarkFor, 1),
	}
}

func (l SignInLimits) off() bool { return l.Client == nil }

func tooManySignIns(wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	return errs.TooManyf("Too many failed sign-ins from your network. Wait %s and try again.", wait.Round(time.Second))
}

// CheckSignIn says whether client may try a password for account now.
func (u *UI) CheckSignIn(ctx context.Context, account, client string) error {
	l := u.Limits.SignIn
	if l.off() {
		return nil
	}
	pair := account + "|" + client
	if b, err := l.Client.Blocked(ctx, client); err != nil || b {
		if err != nil {
			return err
		}
		return tooManySignIns(signInClientInterval)
	}
	if b, err := l.Pair.Blocked(ctx, pair); err != nil || b {
		if err != nil {
			return err
		}
		return tooManySignIns(signInPairInterval)
	}
	busy, err := l.Account.Blocked(ctx, account)
	if err != nil || !busy {
		return err
	}
	failed, err := l.Marked.Blocked(ctx, pair)
	if err != nil {
		return err
	}
	if failed {
		return tooManySignIns(signInAccountEvery)
	}
	return nil
}

// SignInFailed counts a wrong password of client for account.
func (u *UI) SignInFailed(ctx context.Context, account, client string) error {
	l := u.Limits.SignIn
	if l.off() {
		return nil
	}
	pair := account + "|" + client
	for _, c := range []struct {
		l   *ratelimit.Limiter
		key string
	}{{l.Client, client}, {l.Pair, pair}, {l.Account, account}, {l.Marked, pair}} {
		if _, err := c.l.Allow(ctx, c.key); err != nil {
			return fmt.Errorf("count a failed sign-in: %w", err)
		}
	}
	return nil
}

// SignInSucceeded forgets client's failures against account.
func (u *UI) SignInSucceeded(ctx context.Context, account, client string) error {
	l := u.Limits.SignIn
	if l.off() {
		return nil
	}
	pair := account + "|" + client
	if err := l.Pair.Reset(ctx, pair); err != nil {
		return err
	}
	return l.Marked.Reset(ctx, pair)
}
