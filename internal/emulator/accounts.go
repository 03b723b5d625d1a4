package emulator

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// register adds a seeded account to the emulator (the first one is the
// default of the control API).
func (e *Emulator) register(acc *Account) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.accounts = append(e.accounts, acc)
	if e.Account == nil {
		e.Account = acc
	}
}

// Accounts returns the emulator's accounts, the default one first.
func (e *Emulator) Accounts() []*Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Account(nil), e.accounts...)
}

// AddAccount seeds another ready account (CreateAccount) and adds it to
// the emulator; its faults are its own.
func (e *Emulator) AddAccount(ctx context.Context, o AccountOptions) (*Account, error) {
	if o.AppID != "" && e.byAppID(o.AppID) != nil {
		return nil, fmt.Errorf("appid %s is taken by another account of the emulator", o.AppID)
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("Herald Emulator %d", len(e.Accounts())+1)
	}
	acc, err := CreateAccount(ctx, e.App, o)
	if err != nil {
		return nil, err
	}
	e.register(acc)
	return acc, nil
}

func (e *Emulator) byAppID(appid string) *Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.accounts {
		if a.AppID == appid {
			return a
		}
	}
	return nil
}

func (e *Emulator) byOriginalID(id string) *Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.accounts {
		if a.OriginalID == id {
			return a
		}
	}
	return nil
}

// errNoAccount answers a control call naming an unknown account.
type errNoAccount string

func (e errNoAccount) Error() string {
	return "no account with appid " + string(e) + " in this emulator"
}

// accountOf is the account a control call addresses: ?appid=, else the
// default (first) account.
func (e *Emulator) accountOf(r *http.Request) (*Account, error) {
	appid := r.URL.Query().Get("appid")
	if appid == "" {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.Account, nil
	}
	if a := e.byAppID(appid); a != nil {
		return a, nil
	}
	return nil, errNoAccount(appid)
}

func (e *Emulator) getAccount(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	writeJSON(w, 200, acc)
}

func (e *Emulator) listAccounts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"accounts": e.Accounts()})
}

func (e *Emulator) createAccount(w http.ResponseWriter, r *http.Request) {
	var o AccountOptions
	if err := decode(r, &o); err != nil {
		fail(w, 400, err.Error())
		return
	}
	acc, err := e.AddAccount(r.Context(), o)
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, acc)
}

// pushTimeout is how long the push engine waits for the developer's
// server (WeChat: 5 s).
func (e *Emulator) pushTimeout() time.Duration { return e.App.Push.Timeout() }
