// Package emulator is Herald's emulator mode: it seeds one
// ready account on a running App, scripts virtual followers through a JSON
// control API under /_emulator/, moves the clock, and injects faults into
// message push and the developer API. `herald emulate` mounts it; nothing
// else does, so the control API does not exist outside emulator mode.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/push"
)

// AccountOptions describe the account to seed; empty credentials are
// generated.
type AccountOptions struct {
	Name    string `json:"name"`             // default "Herald Emulator"
	Type    string `json:"type"`             // account.Service (default) or account.Subscription
	AppID   string `json:"appid"`            // wx + 16 hex digits when empty
	Secret  string `json:"secret"`           // 32 hex digits when empty
	Token   string `json:"token"`            // the push Token; generated when empty
	AESKey  string `json:"encoding_aes_key"` // the 43-character EncodingAESKey; generated when empty
	PushURL string `json:"push_url"`         // the developer server; push stays off when empty
	Mode    string `json:"mode"`             // push.Plaintext (default), push.Compatible or push.Safe
}

// Account is the seeded account and its credentials (the JSON that
// `herald emulate` prints, with the base URL).
type Account struct {
	ID             int64  `json:"account_id,string"`
	Name           string `json:"name"`
	Type           string `json:"type"`
	AppID          string `json:"appid"`
	Secret         string `json:"secret"`
	OriginalID     string `json:"original_id"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	PushURL        string `json:"push_url"`
	Mode           string `json:"mode"`
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewAESKey returns a random 43-character EncodingAESKey.
func NewAESKey() string {
	for {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		k := strings.TrimRight(base64.StdEncoding.EncodeToString(b), "=")
		if !strings.ContainsAny(k, "+/") {
			return k
		}
	}
}

// CreateAccount seeds an active account, verified for a year, with
// developer credentials (the given ones, else fresh ones) and, when a push
// URL is given, message push enabled in the given mode. The push URL is not
// verified with the echostr handshake: the developer's server may start
// after the emulator.
func CreateAccount(ctx context.Context, a *app.App, o AccountOptions) (*Account, error) {
	if o.Name == "" {
		o.Name = "Herald Emulator"
	}
	if o.Type == "" {
		o.Type = account.Service
	}
	if o.Type != account.Service && o.Type != account.Subscription {
		return nil, fmt.Errorf("account type %q: want %s or %s", o.Type, account.Service, account.Subscription)
	}
	if o.Mode == "" {
		o.Mode = push.Plaintext
	}
	if o.Token == "" {
		o.Token = "herald" + randHex(8)
	}
	if o.AESKey == "" {
		o.AESKey = NewAESKey()
	}
	set := &push.Settings{URL: o.PushURL, Token: o.Token, AESKey: o.AESKey, Mode: o.Mode, Enabled: o.PushURL != ""}
	if o.PushURL == "" {
		// Validate the token, key and mode all the same: a bad flag should
		// fail at start, not at the first push.
		set.URL = "http://127.0.0.1/"
	}
	if err := push.Validate(set); err != nil {
		return nil, err
	}
	set.URL = o.PushURL
	acc, c, err := SeedAccount(ctx, a, o.Name, o.Type, true)
	if err != nil {
		return nil, err
	}
	if o.AppID != "" || o.Secret != "" {
		if o.AppID != "" {
			c.AppID = o.AppID
		}
		if o.Secret != "" {
			c.AppSecret = o.Secret
		}
		if _, err := a.DB.Exec(ctx, `UPDATE accounts SET appid = ?, app_secret_hash = ? WHERE id = ?`,
			c.AppID, account.HashSecret(c.AppSecret), acc.ID); err != nil {
			return nil, err
		}
	}
	set.AccountID = acc.ID
	if err := a.DevSettings.Save(ctx, set, false); err != nil {
		return nil, err
	}
	a.API.ForgetAccount(acc.ID)
	return &Account{ID: acc.ID, Name: o.Name, Type: o.Type, AppID: c.AppID, Secret: c.AppSecret, OriginalID: c.OriginalID,
		Token: o.Token, EncodingAESKey: o.AESKey, PushURL: o.PushURL, Mode: o.Mode}, nil
}

// SeedAccount creates an active account of type typ with fresh developer
// credentials; verified gives it the verification for a year. heraldtest
// seeds its accounts with it too.
func SeedAccount(ctx context.Context, a *app.App, name, typ string, verified bool) (*account.Account, *account.Credentials, error) {
	acc, err := a.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name,
		Description: "Test account", Organisation: name + " Ltd", Status: account.StatusActive})
	if err != nil {
		return nil, nil, err
	}
	if verified {
		if _, err := a.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`,
			db.Micro(a.Clock.Now().Add(365*24*time.Hour)), acc.ID); err != nil {
			return nil, nil, err
		}
	}
	c, err := a.Accounts.IssueCredentials(ctx, acc.ID)
	if err != nil {
		return nil, nil, err
	}
	return acc, c, nil
}

// ErrNoFollower is returned for an unknown follower.
var ErrNoFollower = errors.New("no such follower")
