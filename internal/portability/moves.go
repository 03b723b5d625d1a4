package portability

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
)

// DefaultMoveWindow is how long a person has, after the move notice, to
// opt out of having an imported follower identity moved to them.
const DefaultMoveWindow = 7 * 24 * time.Hour

// Moves matches the followers an imported account brought with it to people
// of this platform, with their consent. A follower comes with the SHA-256
// of their email address; a person here with an address of the same hash
// is told in their chat with the account that the follow, chat, tags and
// remark they had there will move to them (keeping the openid) once the
// window has passed, unless they opt out. Followers without a match, and
// those who opt out, stay with their placeholder: nobody can sign in as it,
// and nothing of it is linked to a person here.
type Moves struct {
	DB       *db.DB
	Messages *message.Store
	Clock    clock.Clock
	Log      *slog.Logger
	BaseURL  string
	// Window is the opt-out window; DefaultMoveWindow when zero.
	Window time.Duration
}

func (m *Moves) window() time.Duration {
	if m.Window > 0 {
		return m.Window
	}
	return DefaultMoveWindow
}

// Run sends the notices for newly matched followers and moves those whose
// window has passed. It is safe on several nodes (each step is a guarded
// UPDATE), though it runs best on one at a time.
func (m *Moves) Run(ctx context.Context) (notified, moved int, err error) {
	defer wrap(&err, "portability.Moves.Run()")
	if notified, err = m.notify(ctx); err != nil {
		return notified, 0, err
	}
	moved, err = m.moveDue(ctx)
	return notified, moved, err
}

type waitingMove struct {
	accountID, placeholder int64
}

// notify matches waiting followers to people by email hash and sends each
// claimant the move notice.
func (m *Moves) notify(ctx context.Context) (int, error) {
	rows, err := m.DB.Query(ctx, `SELECT account_id, person_id, email_sha256 FROM follower_moves WHERE state = 'waiting' AND email_sha256 <> ''`)
	if err != nil {
		return 0, err
	}
	waiting := map[string][]waitingMove{}
	for rows.Next() {
		var w waitingMove
		var h string
		if err := rows.Scan(&w.accountID, &w.placeholder, &h); err != nil {
			rows.Close()
			return 0, err
		}
		waiting[h] = append(waiting[h], w)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(waiting) == 0 {
		return 0, err
	}
	// People of this platform with an email address (placeholders have none).
	type match struct {
		waitingMove
		claimant int64
	}
	var matches []match
	rows, err = m.DB.Query(ctx, `SELECT id, email FROM people WHERE email IS NOT NULL AND email <> '' AND password_hash <> ?`, shadowHash)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var pid int64
		var email string
		if err := rows.Scan(&pid, &email); err != nil {
			rows.Close()
			return 0, err
		}
		for _, w := range waiting[EmailHash(email)] {
			matches = append(matches, match{w, pid})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, mt := range matches {
		now := m.Clock.Now()
		due := now.Add(m.window())
		var state string
		err := m.DB.Tx(ctx, func(tx *db.Tx) error {
			var follows int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND person_id = ?`, mt.accountID, mt.claimant).Scan(&follows); err != nil {
				return err
			}
			state = "notified"
			if follows > 0 {
				state = "kept" // they follow the account here already: their own follow stays theirs
			}
			var decided int64
			if state == "kept" {
				decided = db.Micro(now)
			}
			res, err := tx.Exec(ctx, `UPDATE follower_moves SET state = ?, claimant_id = ?, notified_at = ?, due_at = ?, decided_at = ?
				WHERE account_id = ? AND person_id = ? AND state = 'waiting'`, state, mt.claimant, db.Micro(now), db.Micro(due),
				decided, mt.accountID, mt.placeholder)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				state = "" // another node took it
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if state != "notified" {
			continue
		}
		var name string
		if err := m.DB.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, mt.accountID).Scan(&name); err != nil {
			return n, err
		}
		text := fmt.Sprintf("%s has moved to this platform. You followed it before it moved, with this email address. On %s your follow, "+
			"chat history, tags and remark from there move to you here (the account keeps knowing you by the same id). "+
			"If you do not want that, opt out before then: %s/mp/moves",
			name, due.UTC().Format("2 January 2006, 15:04 UTC"), strings.TrimRight(m.BaseURL, "/"))
		msg := &message.Message{AccountID: mt.accountID, PersonID: mt.claimant, Direction: message.Out, Kind: message.KindNotice,
			Sender: message.SenderSystem, Body: message.Body{Text: text}}
		if err := m.Messages.Append(ctx, msg); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// personColumns are the columns, by table, that name the follower in the
// account's rows (those an archive carries as "follower"), with the filter
// that keeps to the account.
func personColumns() []struct{ table, col, where string } {
	var out []struct{ table, col, where string }
	for _, t := range tables {
		if t.exportOnly {
			continue
		}
		for _, c := range t.cols {
			if c.kind == kPerson {
				out = append(out, struct{ table, col, where string }{t.name, c.name, t.where})
			}
		}
	}
	return out
}

// moveDue moves the followers whose window has passed without an opt-out:
// the placeholder's follow (with its openid), tags, chat, notes, comments,
// reactions, template sends and orders become the claimant's.
func (m *Moves) moveDue(ctx context.Context) (int, error) {
	now := db.Micro(m.Clock.Now())
	rows, err := m.DB.Query(ctx, `SELECT account_id, person_id, claimant_id FROM follower_moves WHERE state = 'notified' AND due_at <= ? ORDER BY due_at LIMIT 1000`, now)
	if err != nil {
		return 0, err
	}
	type due struct{ accountID, placeholder, claimant int64 }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.accountID, &d.placeholder, &d.claimant); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		moved := false
		err := m.DB.Tx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE follower_moves SET decided_at = ? WHERE account_id = ? AND person_id = ? AND state = 'notified'`, now, d.accountID, d.placeholder)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // opted out meanwhile, or another node moved it
			}
			var follows int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND person_id = ?`, d.accountID, d.claimant).Scan(&follows); err != nil {
				return err
			}
			if follows > 0 {
				_, err := tx.Exec(ctx, `UPDATE follower_moves SET state = 'kept' WHERE account_id = ? AND person_id = ?`, d.accountID, d.placeholder)
				return err
			}
			// The claimant's conversation so far holds only the notice: the
			// placeholder's conversation (its history) takes its place, and
			// the notice stays in the history.
			if _, err := tx.Exec(ctx, `DELETE FROM conversations WHERE account_id = ? AND person_id = ?`, d.accountID, d.claimant); err != nil {
				return err
			}
			// Tags left from an old follow of theirs here are not theirs now.
			if _, err := tx.Exec(ctx, `DELETE FROM tag_members WHERE account_id = ? AND person_id = ?`, d.accountID, d.claimant); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE follows SET person_id = ? WHERE account_id = ? AND person_id = ?`, d.claimant, d.accountID, d.placeholder); err != nil {
				return err
			}
			for _, pc := range personColumns() {
				q := fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s = ? AND `+strings.ReplaceAll(pc.where, "t.", pc.table+"."), pc.table, pc.col, pc.col, d.accountID)
				if _, err := tx.Exec(ctx, q, d.claimant, d.placeholder); err != nil {
					return fmt.Errorf("move %s.%s: %w", pc.table, pc.col, err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE follower_moves SET state = 'moved' WHERE account_id = ? AND person_id = ?`, d.accountID, d.placeholder); err != nil {
				return err
			}
			moved = true
			return nil
		})
		if err != nil {
			return n, err
		}
		if moved {
			n++
			if m.Log != nil {
				m.Log.Info("follower moved", slog.Int64("account", d.accountID), slog.Int64("person", d.claimant))
			}
		}
	}
	return n, nil
}

// PendingMove is a move waiting for its window, as its claimant sees it.
type PendingMove struct {
	AccountID   int64
	AccountName string
	Due         time.Time
}

// Pending lists the moves notified to the person whose window is open.
func (m *Moves) Pending(ctx context.Context, personID int64) (_ []PendingMove, err error) {
	defer wrap(&err, "portability.Moves.Pending(%d)", personID)
	rows, err := m.DB.Query(ctx, `SELECT a.id, a.name, mv.due_at FROM follower_moves mv JOIN accounts a ON a.id = mv.account_id
		WHERE mv.claimant_id = ? AND mv.state = 'notified' ORDER BY mv.due_at`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingMove
	for rows.Next() {
		var p PendingMove
		var due int64
		if err := rows.Scan(&p.AccountID, &p.AccountName, &due); err != nil {
			return nil, err
		}
		p.Due = db.FromMicro(due)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ErrNoPendingMove: nothing to opt out of (never notified, already moved).
var ErrNoPendingMove = errs.NotFoundf("There is no move of yours waiting for this account; it may have happened already.")

// OptOut declines the move of the person's old follow of the account: it
// stays with its placeholder, and is never linked to them.
func (m *Moves) OptOut(ctx context.Context, personID, accountID int64) (err error) {
	defer wrap(&err, "portability.Moves.OptOut(%d, %d)", personID, accountID)
	res, err := m.DB.Exec(ctx, `UPDATE follower_moves SET state = 'opted_out', decided_at = ? WHERE account_id = ? AND claimant_id = ? AND state = 'notified'`,
		db.Micro(m.Clock.Now()), accountID, personID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoPendingMove
	}
	return nil
}

// MoveState is where one imported follower's move stands (for tests and tools).
func (m *Moves) MoveState(ctx context.Context, accountID int64, openid string) (state string, claimant int64, err error) {
	defer wrap(&err, "portability.Moves.MoveState(%d, %q)", accountID, openid)
	err = m.DB.QueryRow(ctx, `SELECT mv.state, mv.claimant_id FROM follower_moves mv JOIN follows f ON f.account_id = mv.account_id
		WHERE f.account_id = ? AND f.openid = ? AND (mv.person_id = f.person_id OR mv.claimant_id = f.person_id)`, accountID, openid).Scan(&state, &claimant)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, errs.NotFoundf("No imported follower %s.", openid)
	}
	return state, claimant, err
}
