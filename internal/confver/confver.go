// Package confver keeps the version history of an account's menus and
// auto-reply rules: every change of what followers get is a numbered
// version with the whole configuration, its author (a person, "API" or
// "System") and time. The menu and autoreply stores record versions inside
// the transactions that change them; this package numbers and stores them.
// See docs/publishing.md (Versions of menus and auto-replies).
package confver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Kinds of configuration.
const (
	KindMenu      = "menu"
	KindAutoReply = "autoreply"
)

// Actions a version records.
const (
	ActionBaseline = "baseline" // the configuration found when history began
	ActionSave     = "save"     // a console save or an API call
	ActionPublish  = "publish"  // an older or imported version made current
	ActionImport   = "import"   // a draft imported from JSON, not yet published
)

// Author is who made a change.
type Author struct {
	PersonID int64  // 0 for the API and the system
	Name     string // display name, "API" or "System"
}

// API is the author of changes made through the developer API.
var API = Author{Name: "API"}

// System is the author of changes without one (the demo, imports of
// account archives, the configuration found when history began).
var System = Author{Name: "System"}

type authorKey struct{}

// WithAuthor returns ctx carrying the author of the changes made with it.
func WithAuthor(ctx context.Context, a Author) context.Context {
	return context.WithValue(ctx, authorKey{}, a)
}

// AuthorOf returns the author carried by ctx, else System.
func AuthorOf(ctx context.Context) Author {
	if a, ok := ctx.Value(authorKey{}).(Author); ok && a.Name != "" {
		return a
	}
	return System
}

// Version is one version of an account's menus or auto-replies.
type Version struct {
	ID        int64
	AccountID int64
	Kind      string
	Number    int64
	Draft     bool // imported, never published
	AuthorID  int64
	Author    string
	Action    string
	Note      string
	Snapshot  json.RawMessage
	CreatedAt time.Time
}

// ErrNoVersion is returned for a version number the account does not have.
var ErrNoVersion = errs.NotFoundf("There is no such version.")

// Next takes the account's next version number for kind. Call it first in
// the transaction that changes the configuration: it locks the account's
// row of config_heads until the transaction ends, so changes of one
// account's configuration are serialised on every node.
func Next(ctx context.Context, tx *db.Tx, accountID int64, kind string) (_ int64, err error) {
	defer errs.Wrap(&err, "confver.Next(%d)", accountID)
	var n int64
	err = tx.QueryRow(ctx, `INSERT INTO config_heads (account_id, kind, last_number) VALUES (?, ?, 1)
		ON CONFLICT (account_id, kind) DO UPDATE SET last_number = config_heads.last_number + 1
		RETURNING last_number`, accountID, kind).Scan(&n)
	return n, err
}

// Insert stores v (its ID and CreatedAt are set when zero).
func Insert(ctx context.Context, tx *db.Tx, v *Version) (err error) {
	defer errs.Wrap(&err, "confver.Insert(%d, %d)", v.ID, v.AccountID)
	if v.ID == 0 {
		v.ID = id.New()
	}
	_, err = tx.Exec(ctx, `INSERT INTO config_versions (id, account_id, kind, number, draft, author_id, author, action, note, snapshot, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.AccountID, v.Kind, v.Number, v.Draft, v.AuthorID, v.Author, v.Action, v.Note,
		string(v.Snapshot), db.Micro(v.CreatedAt))
	return err
}

const cols = `id, account_id, kind, number, draft, author_id, author, action, note, snapshot, created_at`

func scan(sc interface{ Scan(...any) error }) (*Version, error) {
	var v Version
	var snap string
	var created int64
	err := sc.Scan(&v.ID, &v.AccountID, &v.Kind, &v.Number, &v.Draft, &v.AuthorID, &v.Author, &v.Action, &v.Note, &snap, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoVersion
	}
	if err != nil {
		return nil, err
	}
	v.Snapshot, v.CreatedAt = json.RawMessage(snap), db.FromMicro(created)
	return &v, nil
}

// List returns the account's versions of kind, newest first, at most
// limit (≤ 200) before number before (0: the newest).
func List(ctx context.Context, q db.Querier, accountID int64, kind string, before int64, limit int) (_ []*Version, err error) {
	defer errs.Wrap(&err, "confver.List(%d, %d, %d)", accountID, before, limit)
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, err := q.Query(ctx, `SELECT `+cols+` FROM config_versions WHERE account_id = ? AND kind = ? AND number < ?
		ORDER BY number DESC LIMIT ?`, accountID, kind, before, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Version, error) { return scan(r) })
}

// Get returns one version.
func Get(ctx context.Context, q db.Querier, accountID int64, kind string, number int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "confver.Get(%d, %d)", accountID, number)
	return scan(q.QueryRow(ctx, `SELECT `+cols+` FROM config_versions WHERE account_id = ? AND kind = ? AND number = ?`, accountID, kind, number))
}

// Current returns the newest published version (what followers get), or
// ErrNoVersion when the account has no history yet.
func Current(ctx context.Context, q db.Querier, accountID int64, kind string) (_ *Version, err error) {
	defer errs.Wrap(&err, "confver.Current(%d)", accountID)
	return scan(q.QueryRow(ctx, `SELECT `+cols+` FROM config_versions WHERE account_id = ? AND kind = ? AND draft = FALSE
		ORDER BY number DESC LIMIT 1`, accountID, kind))
}

// Change runs a change of the account's configuration of kind as one
// transaction that records it as a version: it takes the next number
// (serialising changes), reads the configuration before (recording it as
// a baseline version when history begins with something already there),
// runs change, reads the configuration after and stores it with the
// author carried by ctx. read returns the configuration as JSON and
// whether it is empty.
func Change(ctx context.Context, d *db.DB, now time.Time, accountID int64, kind, action, note string,
	read func(tx *db.Tx) (json.RawMessage, bool, error), change func(tx *db.Tx) error) (_ *Version, err error) {
	defer errs.Wrap(&err, "confver.Change(%d)", accountID)
	var v *Version
	err = d.Tx(ctx, func(tx *db.Tx) error {
		n, err := Next(ctx, tx, accountID, kind)
		if err != nil {
			return err
		}
		_, cerr := Current(ctx, tx, accountID, kind)
		if cerr != nil && !errors.Is(cerr, ErrNoVersion) {
			return cerr
		}
		if errors.Is(cerr, ErrNoVersion) {
			before, empty, err := read(tx)
			if err != nil {
				return err
			}
			if !empty {
				base := &Version{AccountID: accountID, Kind: kind, Number: n, Author: System.Name, Action: ActionBaseline,
					Note: "As it was when version history began", Snapshot: before, CreatedAt: now}
				if err := Insert(ctx, tx, base); err != nil {
					return err
				}
				if n, err = Next(ctx, tx, accountID, kind); err != nil {
					return err
				}
			}
		}
		if err := change(tx); err != nil {
			return err
		}
		after, _, err := read(tx)
		if err != nil {
			return err
		}
		a := AuthorOf(ctx)
		v = &Version{AccountID: accountID, Kind: kind, Number: n, AuthorID: a.PersonID, Author: a.Name, Action: action, Note: note,
			Snapshot: after, CreatedAt: now}
		return Insert(ctx, tx, v)
	})
	return v, err
}

// AddDraft stores a version that is not published (an import).
func AddDraft(ctx context.Context, d *db.DB, now time.Time, accountID int64, kind, note string, snapshot json.RawMessage) (_ *Version, err error) {
	defer errs.Wrap(&err, "confver.AddDraft(%d)", accountID)
	a := AuthorOf(ctx)
	v := &Version{AccountID: accountID, Kind: kind, Draft: true, AuthorID: a.PersonID, Author: a.Name, Action: ActionImport, Note: note,
		Snapshot: snapshot, CreatedAt: now}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		n, err := Next(ctx, tx, accountID, kind)
		if err != nil {
			return err
		}
		v.Number = n
		return Insert(ctx, tx, v)
	})
	return v, err
}
