package autoreply

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

// Versions of an account's auto-replies. Every change (SetSpecial,
// DeleteSpecial, SaveRule, DeleteRule, Publish) records all the account's
// rules after it as a numbered version with its author and time
// (confver). Export and import use WeChat's get_current_autoreply_info
// shape; an import is a draft version until it is published.

// SnapshotRule is one rule in a version.
type SnapshotRule struct {
	Kind     string    `json:"kind"`
	Name     string    `json:"name,omitempty"`
	Enabled  bool      `json:"enabled"`
	Mode     string    `json:"mode,omitempty"`
	Keywords []Keyword `json:"keywords,omitempty"`
	Replies  []Reply   `json:"replies"`
}

// Snapshot is all the account's rules: follow and default first, then the
// keyword rules oldest first (the order Rules returns).
type Snapshot struct {
	Rules []SnapshotRule `json:"rules"`
}

// Version is a version of the account's auto-replies.
type Version struct {
	*confver.Version
	Snapshot Snapshot
}

func snapshotOf(rules []*Rule) Snapshot {
	sn := Snapshot{Rules: []SnapshotRule{}}
	for _, r := range rules {
		sn.Rules = append(sn.Rules, SnapshotRule{Kind: r.Kind, Name: r.Name, Enabled: r.Enabled, Mode: r.Mode, Keywords: r.Keywords, Replies: r.Replies})
	}
	return sn
}

// rules returns the snapshot's rules as Rule values (without ids).
func (sn *Snapshot) rules() []*Rule {
	out := make([]*Rule, 0, len(sn.Rules))
	for _, r := range sn.Rules {
		out = append(out, &Rule{Kind: r.Kind, Name: r.Name, Enabled: r.Enabled, Mode: r.Mode, Keywords: r.Keywords, Replies: r.Replies})
	}
	return out
}

// Reply returns the replies a follower's text gets from the snapshot's
// rules (as Match; pick chooses among several).
func (sn *Snapshot) Reply(text string, pick func(n int) int) []Reply {
	return Match(sn.rules(), text, pick)
}

func (s *Store) rulesIn(ctx context.Context, q db.Querier, accountID int64) ([]*Rule, error) {
	rows, err := q.Query(ctx, `SELECT `+cols+` FROM autoreply_rules WHERE account_id = ?
		ORDER BY CASE kind WHEN 'follow' THEN 0 WHEN 'default' THEN 1 ELSE 2 END, id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Rule, error) { return scan(r) })
}

func (s *Store) change(ctx context.Context, accountID int64, note string, fn func(tx *db.Tx) error) error {
	_, err := s.changeVersion(ctx, accountID, confver.ActionSave, note, fn)
	return err
}

func (s *Store) changeVersion(ctx context.Context, accountID int64, action, note string, fn func(tx *db.Tx) error) (*confver.Version, error) {
	read := func(tx *db.Tx) (json.RawMessage, bool, error) {
		rules, err := s.rulesIn(ctx, tx, accountID)
		if err != nil {
			return nil, false, err
		}
		b, err := json.Marshal(snapshotOf(rules))
		return b, len(rules) == 0, err
	}
	return confver.Change(ctx, s.db, s.clock.Now(), accountID, confver.KindAutoReply, action, note, read, fn)
}

func toVersion(v *confver.Version) (*Version, error) {
	out := &Version{Version: v}
	if err := json.Unmarshal(v.Snapshot, &out.Snapshot); err != nil {
		return nil, fmt.Errorf("autoreply: version %d: %w", v.Number, err)
	}
	return out, nil
}

// Versions returns the account's auto-reply versions, newest first.
func (s *Store) Versions(ctx context.Context, accountID, before int64, limit int) (_ []*Version, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Versions(%d, %d, %d)", accountID, before, limit)
	list, err := confver.List(ctx, s.db, accountID, confver.KindAutoReply, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(list))
	for _, v := range list {
		av, err := toVersion(v)
		if err != nil {
			return nil, err
		}
		out = append(out, av)
	}
	return out, nil
}

// Version returns one version.
func (s *Store) Version(ctx context.Context, accountID, number int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Version(%d, %d)", accountID, number)
	v, err := confver.Get(ctx, s.db, accountID, confver.KindAutoReply, number)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// CurrentVersion returns the version followers get now, or
// confver.ErrNoVersion.
func (s *Store) CurrentVersion(ctx context.Context, accountID int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "autoreply.Store.CurrentVersion(%d)", accountID)
	v, err := confver.Current(ctx, s.db, accountID, confver.KindAutoReply)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// Publish makes a version's rules the account's, in one transaction (the
// rules get new ids), and records it as a new version.
func (s *Store) Publish(ctx context.Context, accountID, number int64) (_ *Version, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Publish(%d, %d)", accountID, number)
	src, err := s.Version(ctx, accountID, number)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("Published version %d", number)
	if cur, err := s.CurrentVersion(ctx, accountID); err == nil && !src.Draft && number < cur.Number {
		note = fmt.Sprintf("Rolled back to version %d", number)
	}
	now := db.Micro(s.clock.Now())
	v, err := s.changeVersion(ctx, accountID, confver.ActionPublish, note, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM autoreply_rules WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		for _, r := range src.Snapshot.Rules {
			kws, _ := json.Marshal(r.Keywords)
			if r.Keywords == nil {
				kws = []byte("[]")
			}
			reps, _ := json.Marshal(r.Replies)
			mode := r.Mode
			if mode == "" {
				mode = ModeAll
			}
			if _, err := tx.Exec(ctx, `INSERT INTO autoreply_rules (id, account_id, kind, name, enabled, reply_mode, keywords, replies, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id.New(), accountID, r.Kind, r.Name, r.Enabled, mode, string(kws), string(reps), now, now); err != nil {
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

// Export returns a snapshot as JSON in the shape of WeChat's
// get_current_autoreply_info. Disabled keyword rules are left out, as
// WeChat leaves them out.
func Export(sn Snapshot) ([]byte, error) {
	b, err := json.MarshalIndent(infoOf(sn.rules()), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Import stores rules from JSON in the shape of get_current_autoreply_info
// as a draft version. Images are named by the media_id of the account's
// media library (the store's ImageResolver finds them); every rule is checked as the
// console checks it.
func (s *Store) Import(ctx context.Context, accountID int64, data []byte, note string) (_ *Version, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Import(%d)", accountID)
	var in CurrentInfo
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, invalid(40035, "file", "The file is not auto-reply JSON: %v.", err)
	}
	var rules []*Rule
	special := func(kind string, ir *InfoReply, open int, field string) error {
		if ir == nil {
			return nil
		}
		rep, err := s.fromInfo(ctx, accountID, *ir, field)
		if err != nil {
			return err
		}
		r := &Rule{Kind: kind, Enabled: open == 1, Replies: []Reply{rep}}
		if err := Validate(r); err != nil {
			return err
		}
		rules = append(rules, r)
		return nil
	}
	if err := special(KindFollow, in.AddFriendAutoreply, in.IsAddFriendReplyOpen, "add_friend_autoreply_info"); err != nil {
		return nil, err
	}
	if err := special(KindDefault, in.MessageDefault, in.IsAutoreplyOpen, "message_default_autoreply_info"); err != nil {
		return nil, err
	}
	if in.KeywordAutoreply != nil {
		if len(in.KeywordAutoreply.List) > MaxRules {
			return nil, ErrTooManyRules
		}
		for i, ir := range in.KeywordAutoreply.List {
			field := fmt.Sprintf("keyword_autoreply_info.list.%d", i)
			r := &Rule{Kind: KindKeyword, Name: ir.RuleName, Enabled: true, Mode: ModeAll}
			switch ir.ReplyMode {
			case "", "reply_all":
			case "random_one":
				r.Mode = ModeRandom
			default:
				return nil, invalid(40035, field, "Rule %q: reply_mode is reply_all or random_one.", ir.RuleName)
			}
			for _, k := range ir.KeywordListInfo {
				m := MatchExact
				switch k.MatchMode {
				case "", "equal":
				case "contain":
					m = MatchContains
				default:
					return nil, invalid(40035, field, "Rule %q: match_mode is equal or contain.", ir.RuleName)
				}
				r.Keywords = append(r.Keywords, Keyword{Match: m, Text: k.Content})
			}
			for _, rep := range ir.ReplyListInfo {
				out, err := s.fromInfo(ctx, accountID, rep, field)
				if err != nil {
					return nil, err
				}
				r.Replies = append(r.Replies, out)
			}
			if err := Validate(r); err != nil {
				var e *Error
				if errors.As(err, &e) {
					return nil, invalid(e.Code, field, "Rule %d (%q): %s", i+1, ir.RuleName, e.Err.Message)
				}
				return nil, err
			}
			rules = append(rules, r)
		}
	}
	b, err := json.Marshal(snapshotOf(rules))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(note) == "" {
		note = "Imported from JSON"
	}
	v, err := confver.AddDraft(ctx, s.db, s.clock.Now(), accountID, confver.KindAutoReply, note, b)
	if err != nil {
		return nil, err
	}
	return toVersion(v)
}

// fromInfo turns a reply of get_current_autoreply_info back into a Reply.
func (s *Store) fromInfo(ctx context.Context, accountID int64, ir InfoReply, field string) (Reply, error) {
	switch ir.Type {
	case "text":
		return Reply{Type: ReplyText, Text: ir.Content}, nil
	case "img":
		if s.images == nil {
			return Reply{}, invalid(40007, field, "Images cannot be imported here.")
		}
		key, ctype, err := s.images(ctx, accountID, ir.Content)
		if err != nil || key == "" {
			return Reply{}, invalid(40007, field, "The image %q is not in this account's media library.", ir.Content)
		}
		return Reply{Type: ReplyImage, MediaKey: key, MediaType: ctype, MediaID: ir.Content}, nil
	case "news":
		if ir.NewsInfo == nil || len(ir.NewsInfo.List) == 0 {
			return Reply{}, invalid(44003, field, "An article card needs news_info.list.")
		}
		a := ir.NewsInfo.List[0]
		link := a.ContentURL
		if link == "" {
			link = a.SourceURL
		}
		return Reply{Type: ReplyNews, Article: articleOf(a.Title, a.Digest, link, a.CoverURL)}, nil
	}
	return Reply{}, invalid(40008, field, "A reply is text, img or news, not %q.", ir.Type)
}

// Diff describes, one line each, how the rules of to differ from those of
// from, in English (the command line): Changes, written.
func Diff(from, to Snapshot) []string {
	ch := Changes(from, to)
	out := make([]string, len(ch))
	for i, c := range ch {
		out[i] = c.String()
	}
	return out
}

// Changes describes, one phrase each, how the rules of to differ from
// those of from: the on-follow and default replies added, removed,
// switched or changed; keyword rules (matched by name) added, removed,
// switched on or off, or with other keywords, replies or reply mode. Each
// change is a text of the catalogue (domain.json) with its values, for a
// face to write in the reader's language; names, keywords and texts are
// errs.Content.
func Changes(from, to Snapshot) []errs.Phrase {
	var out []errs.Phrase
	add := func(format string, args ...any) { out = append(out, errs.Phrase{Format: format, Args: args}) }
	find := func(sn Snapshot, kind string) *SnapshotRule {
		for i := range sn.Rules {
			if sn.Rules[i].Kind == kind {
				return &sn.Rules[i]
			}
		}
		return nil
	}
	for _, k := range []struct {
		kind  string
		label errs.Text
	}{{KindFollow, "On-follow reply"}, {KindDefault, "Default reply"}} {
		a, b := find(from, k.kind), find(to, k.kind)
		switch {
		case a == nil && b != nil:
			add(onOff(b.Enabled, "%s added (on): %s.", "%s added (off): %s."), k.label, replies(b.Replies))
		case a != nil && b == nil:
			add("%s removed.", k.label)
		case a != nil && b != nil:
			if a.Enabled != b.Enabled {
				add(onOff(b.Enabled, "%s switched on.", "%s switched off."), k.label)
			}
			if ra, rb := replies(a.Replies), replies(b.Replies); fmt.Sprint(ra) != fmt.Sprint(rb) {
				add("%s now %s (was %s).", k.label, rb, ra)
			}
		}
	}
	old := map[string]SnapshotRule{}
	for _, r := range from.Rules {
		if r.Kind == KindKeyword {
			old[r.Name] = r
		}
	}
	seen := map[string]bool{}
	for _, b := range to.Rules {
		if b.Kind != KindKeyword || seen[b.Name] {
			continue
		}
		seen[b.Name] = true
		name := errs.Content(b.Name)
		a, ok := old[b.Name]
		if !ok {
			add(onOff(b.Enabled, `Rule "%s" added (on): %s → %s.`, `Rule "%s" added (off): %s → %s.`), name, keywords(b.Keywords), replies(b.Replies))
			continue
		}
		if a.Enabled != b.Enabled {
			add(onOff(b.Enabled, `Rule "%s" switched on.`, `Rule "%s" switched off.`), name)
		}
		for _, k := range b.Keywords {
			if !slices.Contains(a.Keywords, k) {
				add(`Rule "%s": keyword %s added.`, name, keyword(k))
			}
		}
		for _, k := range a.Keywords {
			if !slices.Contains(b.Keywords, k) {
				add(`Rule "%s": keyword %s removed.`, name, keyword(k))
			}
		}
		if a.Mode != b.Mode {
			add(`Rule "%s" now sends %s.`, name, modeText(b.Mode))
		}
		if ra, rb := replies(a.Replies), replies(b.Replies); fmt.Sprint(ra) != fmt.Sprint(rb) {
			add(`Rule "%s" now replies %s (was %s).`, name, rb, ra)
		}
	}
	for _, a := range from.Rules {
		if a.Kind == KindKeyword && !seen[a.Name] {
			seen[a.Name] = true
			add(`Rule "%s" removed.`, errs.Content(a.Name))
		}
	}
	return out
}

// onOff is the format on or off, one sentence each.
func onOff(enabled bool, on, off string) string {
	if enabled {
		return on
	}
	return off
}

func modeText(m string) errs.Text {
	if m == ModeRandom {
		return "one reply at random"
	}
	return "all replies"
}

func keyword(k Keyword) errs.Phrase {
	if k.Match == MatchContains {
		return errs.Phrase{Format: `containing "%s"`, Args: []any{errs.Content(k.Text)}}
	}
	return errs.Phrase{Format: `"%s"`, Args: []any{errs.Content(k.Text)}}
}

func keywords(ks []Keyword) any {
	q := make([]any, len(ks))
	for i, k := range ks {
		q[i] = keyword(k)
	}
	return errs.Enumerate(q)
}

// Summary describes a reply for people, in English.
func Summary(r Reply) string { return SummaryPhrase(r).String() }

// SummaryPhrase describes a reply: a text of the catalogue with its
// values (a title or text is errs.Content).
func SummaryPhrase(r Reply) errs.Phrase {
	switch r.Type {
	case ReplyImage:
		if r.MediaID == "" {
			return errs.Phrase{Format: "an uploaded image"}
		}
		return errs.Phrase{Format: "an image (%s)", Args: []any{errs.Content(r.MediaID)}}
	case ReplyNews:
		if r.Article != nil {
			return errs.Phrase{Format: `the article card "%s"`, Args: []any{errs.Content(r.Article.Title)}}
		}
		return errs.Phrase{Format: "an article card"}
	}
	t := r.Text
	if utf8.RuneCountInString(t) > 60 {
		t = string([]rune(t)[:60]) + "…"
	}
	return errs.Phrase{Format: `"%s"`, Args: []any{errs.Content(t)}}
}

func replies(rs []Reply) any {
	q := make([]any, len(rs))
	for i, r := range rs {
		q[i] = SummaryPhrase(r)
	}
	return errs.Enumerate(q)
}

func articleOf(title, desc, link, pic string) *message.Article {
	return &message.Article{Title: title, Description: desc, URL: link, PicURL: pic}
}
