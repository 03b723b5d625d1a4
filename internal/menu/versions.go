package menu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Versions of an account's menus. Every change (SetDefault, AddConditional,
// DeleteConditional, DeleteAll, Publish) records the whole configuration
// after it, in WeChat's menu/get shape, as a numbered version with its
// author (confver.WithAuthor) and time. Import stores a version from JSON
// as a draft; Publish makes any version current in one transaction.

// Snapshot is an account's whole menu configuration in the shape of
// WeChat's menu/get: the default menu and the conditional menus, newest
// first (the order they are matched in).
type Snapshot struct {
	Menu            *SnapshotMenu  `json:"menu,omitempty"`
	ConditionalMenu []SnapshotMenu `json:"conditionalmenu,omitempty"`
}

// SnapshotMenu is one menu of a snapshot.
type SnapshotMenu struct {
	Button    []Button   `json:"button"`
	MatchRule *MatchRule `json:"matchrule,omitempty"`
	MenuID    int64      `json:"menuid,omitempty"`
}

// Empty reports whether the snapshot has no menu.
func (sn *Snapshot) Empty() bool { return sn.Menu == nil && len(sn.ConditionalMenu) == 0 }

// Version is a version of the account's menus.
type Version struct {
	*confver.Version
	Menus Snapshot
}

func snapshotOf(def *Menu, conds []*Menu) Snapshot {
	var sn Snapshot
	if def != nil {
		sn.Menu = &SnapshotMenu{Button: def.Buttons, MenuID: def.ID}
	}
	for _, m := range conds {
		sn.ConditionalMenu = append(sn.ConditionalMenu, SnapshotMenu{Button: m.Buttons, MatchRule: m.MatchRule, MenuID: m.ID})
	}
	return sn
}

func (s *Store) read(ctx context.Context, q db.Querier, accountID int64) (json.RawMessage, bool, error) {
	def, conds, err := s.all(ctx, q, accountID)
	if err != nil {
		return nil, false, err
	}
	sn := snapshotOf(def, conds)
	b, err := json.Marshal(sn)
	return b, sn.Empty(), err
}

// change runs fn as a change of the account's menus, recorded as a version.
func (s *Store) change(ctx context.Context, accountID int64, note string, fn func(tx *db.Tx) error) error {
	_, err := s.changeVersion(ctx, accountID, confver.ActionSave, note, fn)
	return err
}

func (s *Store) changeVersion(ctx context.Context, accountID int64, action, note string, fn func(tx *db.Tx) error) (*confver.Version, error) {
	return confver.Change(ctx, s.db, s.clock.Now(), accountID, confver.KindMenu, action, note,
		func(tx *db.Tx) (json.RawMessage, bool, error) { return s.read(ctx, tx, accountID) }, fn)
}

func toVersion(v *confver.Version) (*Version, error) {
	out := &Version{Version: v}
	if err := json.Unmarshal(v.Snapshot, &out.Menus); err != nil {
		return nil, fmt.Errorf("menu: version %d: %w", v.Number, err)
	}
	return out, nil
}

// Versions returns the account's menu versions, newest first, before
// number before (0: from the newest).
func (s *Store) Versions(ctx context.Context, accountID, before int64, limit int) (_ []*Version, err error) {
	defer errs.Wrap(&err, "menu.Store.Versions(%d, %d, %d)", accountID, before, limit)
	list, err := confver.List(ctx, s.db, accountID, confver.KindMenu, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(list))
	for _, v := range list {
		mv, err := toVersion(v)
		if err != nil {
			return nil, err
		}
		out = append(out, mv)
	}
	return out, nil
}

// Version returns one version of the account's menus.
func (s *Store) Version(ctx context.Context, accountID, number int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "menu.Store.Version(%d, %d)", accountID, number)
	v, err := confver.Get(ctx, s.db, accountID, confver.KindMenu, number)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// CurrentVersion returns the version followers get now, or
// confver.ErrNoVersion when the menus were never changed since history
// began.
func (s *Store) CurrentVersion(ctx context.Context, accountID int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "menu.Store.CurrentVersion(%d)", accountID)
	v, err := confver.Current(ctx, s.db, accountID, confver.KindMenu)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// Live returns the account's menus as they are now, as a snapshot.
func (s *Store) Live(ctx context.Context, accountID int64) (_ Snapshot, err error) {
	defer errs.Wrap(&err, "menu.Store.Live(%d)", accountID)
	def, conds, err := s.All(ctx, accountID)
	if err != nil {
		return Snapshot{}, err
	}
	return snapshotOf(def, conds), nil
}

// ParseSnapshot reads menus as JSON in the shape of menu/get
// ({"menu":{"button":[...]},"conditionalmenu":[...]}) or of a menu/create
// body ({"button":[...]}), and checks them as Publish would, except for
// the tags' existence: every menu is valid, a conditional menu needs a
// default one, at most MaxConditional of them, at most MaxDomains link
// domains. Menu ids in the input are ignored.
func ParseSnapshot(data []byte) (Snapshot, error) {
	var in struct {
		Snapshot
		Button []Button `json:"button"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&in); err != nil {
		return Snapshot{}, invalid(40035, "file", "The file is not menu JSON: %v.", err)
	}
	sn := in.Snapshot
	if in.Button != nil {
		if sn.Menu != nil {
			return Snapshot{}, invalid(40035, "file", "The file has both \"button\" and \"menu\"; use one.")
		}
		sn.Menu = &SnapshotMenu{Button: in.Button}
	}
	if sn.Menu == nil && len(sn.ConditionalMenu) > 0 {
		return Snapshot{}, ErrNoDefault
	}
	if len(sn.ConditionalMenu) > MaxConditional {
		return Snapshot{}, ErrTooManyMenus
	}
	seen := map[string]bool{}
	if sn.Menu != nil {
		sn.Menu.MenuID, sn.Menu.MatchRule = 0, nil
		if err := Validate(sn.Menu.Button); err != nil {
			return Snapshot{}, err
		}
		domains(sn.Menu.Button, seen)
	}
	for i := range sn.ConditionalMenu {
		m := &sn.ConditionalMenu[i]
		m.MenuID = 0
		if m.MatchRule == nil {
			return Snapshot{}, ErrEmptyMatchRule
		}
		if _, err := checkRule(m.MatchRule); err != nil {
			return Snapshot{}, err
		}
		if err := Validate(m.Button); err != nil {
			return Snapshot{}, err
		}
		domains(m.Button, seen)
	}
	if len(seen) > MaxDomains {
		return Snapshot{}, ErrTooManyDomains
	}
	return sn, nil
}

// Import stores menus from JSON (see ParseSnapshot) as a draft version:
// followers see nothing of it until it is published.
func (s *Store) Import(ctx context.Context, accountID int64, data []byte, note string) (_ *Version, err error) {
	defer errs.Wrap(&err, "menu.Store.Import(%d)", accountID)
	sn, err := ParseSnapshot(data)
	if err != nil {
		return nil, err
	}
	if err := s.checkTags(ctx, s.db, accountID, sn); err != nil {
		return nil, err
	}
	b, err := json.Marshal(sn)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(note) == "" {
		note = "Imported from JSON"
	}
	v, err := confver.AddDraft(ctx, s.db, s.clock.Now(), accountID, confver.KindMenu, note, b)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

func (s *Store) checkTags(ctx context.Context, q db.Querier, accountID int64, sn Snapshot) error {
	for _, m := range sn.ConditionalMenu {
		if m.MatchRule == nil || m.MatchRule.TagID == "" {
			continue
		}
		tag, _ := strconv.ParseInt(m.MatchRule.TagID, 10, 64)
		ok, err := tagExists(ctx, q, accountID, tag)
		if err != nil {
			return err
		}
		if !ok {
			return &Error{Code: ErrUnknownTag.Code, Err: errs.FieldInvalid("tag_id", "Tag %s of a conditional menu no longer exists.", m.MatchRule.TagID)}
		}
	}
	return nil
}

// Export returns a version's menus as JSON in menu/get's shape, indented,
// with the menu ids left out (they are given when a version is published).
func Export(sn Snapshot) ([]byte, error) {
	out := sn
	if out.Menu != nil {
		m := *out.Menu
		m.MenuID = 0
		out.Menu = &m
	}
	out.ConditionalMenu = append([]SnapshotMenu(nil), sn.ConditionalMenu...)
	for i := range out.ConditionalMenu {
		out.ConditionalMenu[i].MenuID = 0
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Publish makes version number what followers get, in one transaction:
// the account's menus are replaced by the version's (with new menu ids),
// so menu/get, get_current_selfmenu_info, trymatch and the follower app see
// it at once, and the change is recorded as a new version. A version whose
// menus are invalid now (a conditional menu's tag was deleted) is refused.
func (s *Store) Publish(ctx context.Context, accountID, number int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "menu.Store.Publish(%d, %d)", accountID, number)
	src, err := s.Version(ctx, accountID, number)
	if err != nil {
		return nil, err
	}
	cur, err := s.CurrentVersion(ctx, accountID)
	note := fmt.Sprintf("Published version %d", number)
	if err == nil && !src.Draft && number < cur.Number {
		note = fmt.Sprintf("Rolled back to version %d", number)
	}
	now := s.clock.Now()
	v, err := s.changeVersion(ctx, accountID, confver.ActionPublish, note, func(tx *db.Tx) error {
		if err := s.checkTags(ctx, tx, accountID, src.Menus); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM menus WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		sn := src.Menus
		if sn.Menu != nil {
			if err := insertMenu(ctx, tx, &Menu{ID: id.New(), AccountID: accountID, Buttons: sn.Menu.Button, CreatedAt: now}, 0); err != nil {
				return err
			}
		}
		// Conditional menus are matched newest first: insert the oldest first
		// so that their ids keep the snapshot's order.
		for i := len(sn.ConditionalMenu) - 1; i >= 0; i-- {
			m := sn.ConditionalMenu[i]
			rule := *m.MatchRule
			tag, err := checkRule(&rule)
			if err != nil {
				return err
			}
			if err := insertMenu(ctx, tx, &Menu{ID: id.New(), AccountID: accountID, Conditional: true, Buttons: m.Button,
				MatchRule: &rule, CreatedAt: now}, tag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// Resolve returns the menu a follower with the given tags gets from a
// snapshot: the first (newest) conditional menu whose rule matches, else
// the default menu, else none (what ForFollower does on the live menus).
func (sn *Snapshot) Resolve(tags map[int64]bool) []Button {
	for _, m := range sn.ConditionalMenu {
		if Matches(m.MatchRule, tags) {
			return m.Button
		}
	}
	if sn.Menu != nil {
		return sn.Menu.Button
	}
	return []Button{}
}

// PreviewFollower returns the menu a follower would get from a version.
func (s *Store) PreviewFollower(ctx context.Context, accountID, personID int64, sn *Snapshot) (_ []Button, err error) {
	defer errs.Wrap(&err, "menu.Store.PreviewFollower(%d, %d)", accountID, personID)
	tags, err := s.followerTags(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	return sn.Resolve(tags), nil
}
