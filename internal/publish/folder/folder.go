// Package folder reads a follower's Subscriptions folder: the publications of
// the accounts they follow, newest first, paged by a cursor, with what they
// have not seen yet. The send engine (internal/publish) writes what it reads.
package folder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// Store reads the folder.
type Store struct {
	db    *db.DB
	clock clock.Clock
	texts sync.Map // refsShape → its statement's text (refsSQL)
	// mergeShape → folderRefsTaking's statement's text, and how many
	// were made to keep (at most maxMergeTexts are).
	merges     sync.Map
	mergeCount atomic.Int64
	times      *pickTimes // PostgreSQL: the node's copy of the pickable accounts' publication times
	weights    readWeights
}

// NewStore returns the folder's reader on d.
func NewStore(d *db.DB, c clock.Clock) *Store {
	s := &Store{db: d, clock: c}
	s.weights.seed = maphash.MakeSeed()
	if d.Dialect() == db.Postgres {
		s.times = &pickTimes{}
	}
	return s
}

// Item is one publication in a follower's Subscriptions folder.
type Item struct {
	AccountID      int64
	AccountName    string
	AccountAvatar  string // avatar_path of the account ("" for none)
	Verified       bool
	PublicationID  int64
	Title          string // of the first article
	CoverMediaID   string
	FirstArticleID int64
	ArticleCount   int
	CreatedAt      time.Time // when it reached the folder
	Seen           bool      // the folder was opened after it arrived
}

// Path is the first article's reading address.
func (it *Item) Path() string { return publish.ArticlePath(it.FirstArticleID) }

// CoverURL is the first article's cover address ("" without one).
func (it *Item) CoverURL() string { return publish.MediaPath(it.CoverMediaID) }

// Cursor marks a position in the folder: items strictly older come next.
// The zero Cursor is the top.
type Cursor struct {
	At int64 // Unix µs
	ID int64 // publication id, to break ties
}

// Next returns the cursor after the last item of a page.
func Next(items []Item) Cursor {
	if len(items) == 0 {
		return Cursor{}
	}
	last := items[len(items)-1]
	return Cursor{At: db.Micro(last.CreatedAt), ID: last.PublicationID}
}

// String encodes the cursor for a URL ("" for the top).
func (c Cursor) String() string {
	if c.At == 0 {
		return ""
	}
	return strconv.FormatInt(c.At, 36) + "." + strconv.FormatInt(c.ID, 36)
}

// ParseCursor reads a cursor made by String ("" is the top).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	a, b, ok := strings.Cut(s, ".")
	at, err1 := strconv.ParseInt(a, 36, 64)
	pid, err2 := strconv.ParseInt(b, 36, 64)
	if !ok || err1 != nil || err2 != nil || at <= 0 {
		return Cursor{}, errs.Invalidf("That page link is broken.")
	}
	return Cursor{At: at, ID: pid}, nil
}

// before returns the SQL condition "older than c" on (col, id) and its args.
func (c Cursor) before(col, idcol string) (string, []any) {
	if c.At == 0 {
		return "", nil
	}
	return fmt.Sprintf(` AND (%s < ? OR (%s = ? AND %s < ?))`, col, col, idcol), []any{c.At, c.At, c.ID}
}

type followedAccount struct {
	id, last     int64
	name, avatar string
	verified     bool
	blocked      bool // blacklisted by, or no longer following, the account
}

type folderRef struct {
	at, pubID, accountID int64
}

// maxUnion is how many per-account subqueries one statement joins; above
// it, Folder switches to a single IN query (SQLite allows 500 terms).
const maxUnion = 100

// Items returns up to limit publications of the follower's Subscriptions
// folder older than before, newest first: sends to all followers of the
// Subscription accounts they follow (blacklisted followers excluded), and
// tag-targeted sends delivered to them.
//
// Sends to all followers are read, not copied per follower (fan-out on
// read). The newest items can only come from the accounts that published
// most recently, so Folder looks at the K followed accounts with the
// largest accounts.last_published_at (K = limit first), takes each one's
// newest items with an index range scan, and stops when the page's oldest
// item is newer than the (K+1)th account's last_published_at — no item of
// the remaining accounts can be newer. Otherwise it widens K. A user
// following 1,000 accounts therefore costs about 20 short index scans, not
// a sort of every followed account's publications.
func (s *Store) Items(ctx context.Context, personID int64, before Cursor, limit int) ([]Item, error) {
	return s.items(ctx, personID, before, limit, nil)
}

// Top is Items from the top of the folder, also telling whether the
// follower follows any Subscription account (of any status, published or
// not), which the chat list needs to know to show the folder's row at all:
// read in the folder's first statement instead of one of its own.
func (s *Store) Top(ctx context.Context, personID int64, limit int) (_ []Item, following bool, _ error) {
	page, err := s.TopAlso(ctx, personID, limit, Also{Following: true})
	return page.Items, page.Following, err
}

// Also is what a read of the folder's top reads besides, in its first
// statement (one statement fewer each than reading them apart).
type Also struct {
	Following bool // whether the follower follows any Subscription account (as Top)
	Chats     int  // up to this many of the follower's Subscription conversations (0: none; at most 500)
	// Session, when not nil, is the reader's sign-in session, read in the
	// same statement (TopPage.Session) instead of one of its own before
	// it: the reader is then the session's person (personID is not used),
	// and a session that is not valid reads an empty folder.
	Session *user.SessionRef
}

// Chat is a follower's conversation with an active Subscription account
// they follow, as follow.Store.Chats reads it.
type Chat struct {
	AccountID     int64
	AccountName   string
	AccountAvatar string // avatar_path of the account ("" for none)
	Verified      bool
	LastAt        time.Time
	Preview       string // of the conversation's last message
	Unread        int    // messages the follower has not read
}

// TopPage is the folder's top with what was read besides (Also).
type TopPage struct {
	Items     []Item
	Following bool   // with Also.Following
	Chats     []Chat // with Also.Chats: newest first
	// Session is the session's row with Also.Session (Found false when
	// there is no such session), for user.Store.CheckSession.
	Session user.SessionRow
}

// TopAlso is Items from the top of the folder with what also asks for:
// whether the follower follows any Subscription account, and their newest
// conversations with the active Subscription accounts they follow (those
// of follow.Store.Chats for account.Subscription), which the chat list and
// the folder page show beside the folder's items.
func (s *Store) TopAlso(ctx context.Context, personID int64, limit int, also Also) (TopPage, error) {
	x := &extra{chats: min(max(also.Chats, 0), 500), session: also.Session}
	var page TopPage
	if also.Following {
		x.following = &page.Following
	}
	if also.Session != nil {
		x.row = &page.Session
	}
	items, err := s.items(ctx, personID, Cursor{}, limit, x)
	if err != nil {
		return TopPage{}, err
	}
	page.Items, page.Chats = items, x.chatList
	return page, nil
}

// extra is what a folder read's first statement reads besides the
// folder's items.
type extra struct {
	following *bool  // when not nil, set to whether the follower follows any Subscription account
	chats     int    // how many Subscription conversations to read into chatList (0: none)
	chatList  []Chat // newest first
	// session, when not nil, is the reader's session: the first statement
	// finds the reader with it and reads its row into row.
	session *user.SessionRef
	row     *user.SessionRow
}

// items is Items, reading what x asks for (when not nil) in its first
// statement.
func (s *Store) items(ctx context.Context, personID int64, before Cursor, limit int, x *extra) ([]Item, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	// A folder read takes a read slot (SQLite: one per core; see
	// db.ReadSlot). Its callers hold no connection while they wait, so a
	// slot holder always gets one from the read pool. On SQLite, a reader
	// whose last read was light (readWeights) reads without one.
	var weight *atomic.Uint32
	if s.times == nil {
		weight = s.weights.of(personID, x)
	}
	if weight == nil || weight.Load() != weightLight {
		release, err := s.db.ReadSlot(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	// Blacklisting is rare, and the blocked flag is not in the follows index
	// the pick of accounts reads, so blocked accounts are found among the
	// page's accounts and excluded on a second pass.
	var excluded []int64
	for pass := 0; ; pass++ {
		refs, known, err := s.folderRefsFor(ctx, personID, before, limit, excluded, x)
		if err == nil && pass == 0 && weight != nil && weight.Load() != known.weight {
			weight.Store(known.weight)
		}
		if errors.Is(err, errReload) {
			// The accounts were truncated (a restore): the node's copy
			// of publication times is read again and the read made again.
			if x != nil {
				x.chatList = x.chatList[:0]
			}
			refs, known, err = s.folderRefsFor(ctx, personID, before, limit, excluded, x)
		}
		if err != nil {
			return nil, err
		}
		if x != nil && x.session != nil {
			// The reader is the session's person, read with it; a
			// session that is not valid (absent or expired) read nothing
			// else.
			if !x.row.Found || x.row.Expires <= x.session.Now {
				return nil, nil
			}
			personID = x.row.Person.ID
		}
		x = nil // read on the first pass
		if len(refs) == 0 {
			return nil, nil
		}
		// The refs' statements read the picked accounts and the
		// publications with them; a statement of its own reads only what
		// they left out (accounts met only through a tag-targeted send).
		if err := s.folderDetails(ctx, personID, refs, known); err != nil {
			return nil, err
		}
		accounts, details := known.accounts, known.details
		var blocked []int64
		for _, r := range refs {
			if a := accounts[r.accountID]; a != nil && a.blocked && !slices.Contains(blocked, r.accountID) {
				blocked = append(blocked, r.accountID)
			}
		}
		if len(blocked) == 0 || pass >= 3 {
			kept := refs[:0]
			for _, r := range refs {
				if a := accounts[r.accountID]; a != nil && !a.blocked {
					kept = append(kept, r)
				}
			}
			return folderItems(kept, accounts, details, known.readAt), nil
		}
		excluded = append(excluded, blocked...)
	}
}

// folderKnown is what the folder's statements read of a page's accounts
// and publications, and when the reader last opened the folder.
type folderKnown struct {
	accounts map[int64]*followedAccount
	details  map[int64]pubDetail
	readAt   int64
	weight   uint32 // SQLite: the first statement's weight (readWeights)
}

// query runs one of the folder's statements: only if ctx has not ended,
// and then under a context that cannot be cancelled. With a cancellable
// one, database/sql and the SQLite driver (pgx too) each start a goroutine
// per statement to watch it (a folder read usually runs three statements,
// five before they were merged); those spawns and the wake-ups of idle
// threads they cause cost a quarter of the folder's throughput at
// concurrency 2 (docs/performance.md). Each statement is
// short (under a millisecond at 10M publications), so an ended request
// stops the read at the next statement instead of within one.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.db.Query(context.WithoutCancel(ctx), q, args...)
}

// folderRefsFor returns the page's publications (newest first), with what
// its statements read of them: the picked accounts (name, avatar, badge,
// blocked), the publications' details and when the reader last opened the
// folder. With x not nil, its first statement also reads what x asks for.
func (s *Store) folderRefsFor(ctx context.Context, personID int64, before Cursor, limit int, excluded []int64, x *extra) ([]folderRef, *folderKnown, error) {
	known := &folderKnown{accounts: map[int64]*followedAccount{}, details: map[int64]pubDetail{}}
	var refs []folderRef
	// Accounts found blocked on an earlier pass are left out of the pick and
	// of the tag-targeted sends alike: else their sends would fill the page
	// again on every pass and be dropped at the end, leaving it short or
	// empty and ending the follower's paging early.
	notIn, notInD, exArgs := "", "", []any{}
	if len(excluded) > 0 {
		marks := `(?` + strings.Repeat(", ?", len(excluded)-1) + `)`
		notIn, notInD = ` AND a.id NOT IN `+marks, ` AND d.account_id NOT IN `+marks
		for _, v := range excluded {
			exArgs = append(exArgs, v)
		}
	}
	now := db.Micro(s.clock.Now())
	// The first statement also reads the tag-targeted sends delivered to
	// this follower (folder_deliveries) with their publications, and when
	// the follower last opened the folder, as further branches of a UNION
	// ALL told apart by its first column: one statement fewer per page.
	// Columns: kind, three numbers, two more, three texts.
	//   0 (an account): id, last_published_at, verified, blocked, 0, name, avatar, ''
	//   8 (with the node's copy of publication times, s.times): 0s, the followed accounts' ids
	//     (comma-separated), '', ''
	//   9 (with s.times): an account changed since the copy was read, its time now (0: not pickable)
	//   1 (a delivery): at, publication, account, first article, article count, title, cover, state
	//   2: whether the follower follows any Subscription account (1 or 0)
	//   3: when the follower last opened the folder
	//   4 (a Subscription conversation): account, last_at, verified, unread, 0, name, avatar, preview
	//   5, 6, 7 (the reader's session, with x.session): person id, created_at, session expiry,
	//      last extension, 0, username, email, display name; 0s, role, avatar, region; 0s, language, '', ''
	// With x.session the reader is the session's person in every branch
	// (sessionWho): who and whoArgs stand for the reader.
	who, whoArgs := "?", []any{personID}
	if x != nil && x.session != nil {
		who, whoArgs = sessionWho, []any{x.session.Now}
	}
	cond, dargs := before.before("d.at", "d.publication_id")
	var direct []folderRef
	var xmin string // the copy's, with s.times
	if s.times != nil {
		var err error
		if xmin, err = s.times.base(ctx, s.db); err != nil {
			return nil, nil, err
		}
	}
	var pick *picker // with s.times
	var changes []pickChange
	var followed string
	var details *accountDetails
	if s.times != nil {
		details = &accountDetails{personID: personID, now: now, into: known.accounts}
	}
	k := limit
	for first := true; ; first = false {
		sh := refsShape{first: first, sqlite: s.db.Dialect() == db.SQLite, session: who != "?", cond: cond, notIn: notIn, notInD: notInD,
			pick: k + 1, copied: s.times != nil}
		var list []*followedAccount
		if first || !sh.copied { // with the copy, the first statement read all the pick needs
			var args []any
			if sh.session {
				args = []any{x.session.Hash} // the session's WITH first
			}
			if sh.copied {
				args = append(append(args, whoArgs...), xmin)
			} else {
				args = append(append(append(append(args, now), whoArgs...), exArgs...), whoArgs...)
			}
			if first {
				sh.deliveries = limit
				args = append(append(append(append(args, whoArgs...), dargs...), exArgs...), whoArgs...)
				if x != nil && x.following != nil {
					sh.following = true
					args = append(args, whoArgs...)
				}
				if x != nil && x.chats > 0 {
					sh.chats = x.chats
					args = append(append(args, now), whoArgs...)
				}
			}
			rows, err := s.query(ctx, s.refsSQL(sh), args...)
			if err != nil {
				return nil, nil, err
			}
			for rows.Next() {
				var v [6]int64
				var t [3]string
				if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &t[0], &t[1], &t[2]); err != nil {
					rows.Close()
					return nil, nil, err
				}
				switch v[0] {
				case 0:
					list = append(list, &followedAccount{id: v[1], last: v[2], verified: v[3] == 1, blocked: v[4] == 1, name: t[0], avatar: t[1]})
				case 1:
					direct = append(direct, folderRef{at: v[1], pubID: v[2], accountID: v[3]})
					known.details[v[2]] = pubDetail{first: v[4], count: int(v[5]), title: t[0], cover: t[1], state: t[2]}
				case 2:
					*x.following = v[1] == 1
				case 3:
					known.readAt = v[1]
				case 4:
					x.chatList = append(x.chatList, Chat{AccountID: v[1], LastAt: db.FromMicro(v[2]), Verified: v[3] == 1, Unread: int(v[4]),
						AccountName: t[0], AccountAvatar: t[1], Preview: t[2]})
				case 5:
					x.row.Found = true
					x.row.Person.ID, x.row.Created, x.row.Expires, x.row.LastSeen = v[1], v[2], v[3], v[4]
					x.row.Person.Username, x.row.Person.Email, x.row.Person.DisplayName = t[0], t[1], t[2]
				case 6:
					x.row.Person.PlatformRole, x.row.Person.AvatarPath, x.row.Person.Region = t[0], t[1], t[2]
				case 7:
					x.row.Person.Language = t[0]
				case 8:
					followed = t[0]
				case 9:
					if v[1] == 0 {
						rows.Close()
						s.times.reload.Store(true)
						return nil, nil, errReload
					}
					changes = append(changes, pickChange{id: v[1], last: v[2]})
				}
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return nil, nil, err
			}
			rows.Close()
			if first && x != nil && x.session != nil {
				// The later statements name the reader found.
				who, whoArgs = "?", []any{x.row.Person.ID}
			}
			if first && x != nil {
				// Newest first, ties as the branch returned them.
				slices.SortStableFunc(x.chatList, func(a, b Chat) int { return b.LastAt.Compare(a.LastAt) })
			}
		}
		if sh.copied {
			if first {
				if x != nil && x.session != nil {
					details.personID = x.row.Person.ID
				}
				var err error
				if pick, err = s.times.newPicker(followed, changes, excluded); err != nil {
					return nil, nil, err
				}
				s.times.met(s.db, len(changes))
			}
			list = pick.top(k + 1)
		} else {
			// Newest first (a UNION ALL keeps no order of its own).
			sort.Slice(list, func(i, j int) bool {
				if list[i].last != list[j].last {
					return list[i].last > list[j].last
				}
				return list[i].id > list[j].id
			})
		}
		if first && !sh.copied {
			// SQLite's pick read every followed account (readWeights).
			known.weight = weightHeavy
			if len(list) <= k {
				known.weight = weightLight
			}
		}
		bound := int64(-1) // every item of accounts not looked at is at most this old
		if len(list) > k {
			bound = list[k].last
			list = list[:k]
		}
		if !sh.copied {
			for _, a := range list {
				known.accounts[a.id] = a
			}
		}
		var err error
		refs, err = s.folderRefs(ctx, list, before, limit, known.details, details)
		if err != nil {
			return nil, nil, err
		}
		if bound < 0 || (len(refs) == limit && refs[limit-1].at > bound) {
			break
		}
		k *= 4
	}
	if pick != nil {
		pick.release()
	}
	refs = append(refs, direct...)
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].at != refs[j].at {
			return refs[i].at > refs[j].at
		}
		return refs[i].pubID > refs[j].pubID
	})
	refs = dedupe(refs)
	if len(refs) > limit {
		refs = refs[:limit]
	}
	return refs, known, nil
}

// refsShape is what the text of one of folderRefsFor's statements depends
// on.
type refsShape struct {
	first     bool // the first statement, with its further branches
	sqlite    bool // SQLite: the pick reads folder_accounts
	copied    bool // PostgreSQL: the pick is made from the node's copy of publication times (pickTimes); the statement reads the followed ids and the changes
	session   bool // the reader given by a session (user.SessionPersonIDSQL), with its row
	following bool // the first statement's "follows any Subscription account"
	chats     int  // the first statement's Subscription conversations: how many (0: none)
	// The LIMITs of the pick and of the tag-targeted sends (first only).
	// They are written into the text rather than bound: PostgreSQL
	// estimates a bound LIMIT at a tenth of the rows, so the generic plan
	// of a statement with one looks dearer than a custom plan and the
	// statement is planned again on every call. Callers ask for a few
	// page sizes, and the pick's limit grows by fours, so the texts stay
	// few.
	pick, deliveries int
	cond             string
	notIn            string
	notInD           string
}

// refsSQL is the text of one of folderRefsFor's statements, made once per
// shape (without accounts left out, which are rare and would make a text
// per count): the texts are long, and making them was a good part of a
// page's allocations.
func (s *Store) refsSQL(sh refsShape) string {
	if sh.notIn != "" {
		return refsText(sh)
	}
	if q, ok := s.texts.Load(sh); ok {
		return q.(string)
	}
	q := refsText(sh)
	s.texts.Store(sh, q)
	return q
}

// refsText makes refsSQL's text; its arguments are bound in folderRefsFor.
func refsText(sh refsShape) string {
	who := "?"
	switch {
	case sh.session:
		who = sessionWho
	case !sh.sqlite:
		// PostgreSQL plans "person_id = $n" with the statistics of the
		// value given, so a custom plan's estimate of the reader's
		// follows differs from the generic plan's by a few percent and it
		// kept planning the first statement again on every call (0.5–0.7
		// ms, a third of it). As a subquery the reader is unknown to
		// both: their costs agree and the generic plan is kept.
		who = pgReader
	}
	var q string
	if sh.copied {
		// PostgreSQL: the pick is made from the node's copy of the
		// publication times (pickTimes); the statement reads the
		// reader's followed accounts and the changes to lay over it.
		q = `SELECT 8, 0, 0, 0, 0, 0, COALESCE(string_agg(CAST(f.account_id AS TEXT), ','), ''), '', ''
			FROM follows f WHERE f.person_id = ` + who + ` AND f.following = TRUE
			UNION ALL ` + pickChangesBranch
	} else {
		// SQLite: the pick joins each of the follower's follows to the
		// account's last publication time in folder_accounts (migration
		// 0147: the active Subscription accounts that have published,
		// keyed by id as the rowid, kept by triggers), one seek by
		// integer key a follow, and reads nothing else, so the sort keeps
		// two numbers a row; the accounts' names, avatars and badges and
		// the blocked flag (not in follows_person) are read by primary
		// key for the picked accounts only, after the pick's LIMIT.
		q = `SELECT 0, fa.id, fa.last_published_at, CASE WHEN ad.verified_until > ? THEN 1 ELSE 0 END, CASE WHEN fb.blocked THEN 1 ELSE 0 END, 0, ad.name, ad.avatar_path, ''
		FROM (SELECT a.id, a.last_published_at
			FROM follows f JOIN folder_accounts a ON a.id = f.account_id
			WHERE f.person_id = ` + who + ` AND f.following = TRUE` + sh.notIn + `
			ORDER BY a.last_published_at DESC, a.id DESC LIMIT ` + strconv.Itoa(sh.pick) + `) fa
		JOIN accounts ad ON ad.id = fa.id
		JOIN follows fb ON fb.account_id = fa.id AND fb.person_id = ` + who
	}
	if !sh.first {
		return q
	}
	q = `SELECT * FROM (` + q + `) fa UNION ALL SELECT 1, fd.at, fd.publication_id, fd.account_id,
				COALESCE(p.first_article_id, 0), COALESCE(p.article_count, 0), COALESCE(p.title, ''), COALESCE(p.cover_media_id, ''), COALESCE(p.state, '')
			FROM (SELECT d.at, d.publication_id, d.account_id FROM folder_deliveries d
				WHERE d.person_id = ` + who + sh.cond + sh.notInD + ` ORDER BY d.at DESC, d.publication_id DESC LIMIT ` + strconv.Itoa(sh.deliveries) + `) fd
			LEFT JOIN publications p ON p.id = fd.publication_id
			UNION ALL SELECT 3, COALESCE((SELECT read_at FROM folder_reads WHERE person_id = ` + who + `), 0), 0, 0, 0, 0, '', '', ''`
	if sh.following {
		q += ` UNION ALL SELECT 2, CASE WHEN EXISTS (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
				WHERE f.person_id = ` + who + ` AND f.following = TRUE AND a.type = 'subscription') THEN 1 ELSE 0 END, 0, 0, 0, 0, '', '', ''`
	}
	if sh.chats > 0 {
		// follow.Store.Chats' statement for Subscription accounts,
		// narrowed to the columns shown.
		q += ` UNION ALL SELECT 4, fc.account_id, fc.last_at, fc.verified, fc.follower_unread, 0, fc.name, fc.avatar_path, fc.last_preview
			FROM (` + subscriptionChatsOf(who, strconv.Itoa(sh.chats)) + `) fc`
	}
	if sh.session {
		// The session's row, whether or not it is still valid:
		// user.Store.CheckSession tells, and deletes an expired one, as
		// the session's own statement would. The session is looked up
		// once, in the WITH (arg: the token's hash), for every branch.
		q = `WITH me AS MATERIALIZED (SELECT ss.person_id, ss.expires_at, ss.last_seen_at FROM sessions ss WHERE ss.token_hash = ?)
			` + q + ` UNION ALL SELECT 5, p.id, p.created_at, me.expires_at, me.last_seen_at, 0, p.username, COALESCE(p.email, ''), p.display_name
				FROM me JOIN people p ON p.id = me.person_id
			UNION ALL SELECT 6, 0, 0, 0, 0, 0, p.platform_role, p.avatar_path, p.region
				FROM me JOIN people p ON p.id = me.person_id
			UNION ALL SELECT 7, 0, 0, 0, 0, 0, p.language, '', ''
				FROM me JOIN people p ON p.id = me.person_id`
	}
	return q
}

// sessionWho is the reader in the first statement's branches when a
// session gives them (arg: now, in µs): the WITH's session while it is
// unexpired, as user.SessionPersonIDSQL has it.
const sessionWho = `(SELECT me.person_id FROM me WHERE me.expires_at > ?)`

// pgReader is the reader in folderRefsFor's statements on PostgreSQL
// (arg: the reader's id), hidden from the planner (refsText).
const pgReader = `(SELECT CAST(? AS BIGINT))`

// subscriptionChatsSQL reads a follower's newest conversations with the
// active Subscription accounts they follow (args: now in µs, the
// follower, how many): follow.Store.Chats' statement for Subscription
// accounts, narrowed to the columns the pages show, walking
// conversations_person newest first like it.
var subscriptionChatsSQL = subscriptionChatsOf("?", "?")

// subscriptionChatsOf is subscriptionChatsSQL with the follower given by
// who (an expression in SQL, with its args in place of the follower's) and
// its LIMIT by limit ("?", or a number written into the text).
func subscriptionChatsOf(who, limit string) string {
	return `SELECT c.account_id, c.last_at, CASE WHEN a.verified_until > ? THEN 1 ELSE 0 END AS verified, c.follower_unread,
		a.name, a.avatar_path, c.last_preview
	FROM conversations c
	JOIN follows f ON f.account_id = c.account_id AND f.person_id = c.person_id
	JOIN accounts a ON a.id = c.account_id
	WHERE c.person_id = ` + who + ` AND c.last_message_id <> 0 AND f.following = TRUE AND a.type = 'subscription' AND a.status = 'active'
	ORDER BY c.last_at DESC LIMIT ` + limit
}

// pubDetail is what the folder shows of a publication.
type pubDetail struct {
	title, cover, state string
	first               int64
	count               int
}

// folderDetails adds to known, in one statement, what the refs'
// statements did not read: the accounts of refs not among the picked ones
// (name, avatar, badge, and whether the reader still follows them
// unblocked) and the details of publications not read with them, as one
// UNION ALL whose first column tells their rows apart. Usually there is
// nothing left and it runs no statement.
func (s *Store) folderDetails(ctx context.Context, personID int64, refs []folderRef, known *folderKnown) error {
	var accountIDs, pubIDs []int64
	for _, r := range refs {
		if known.accounts[r.accountID] == nil && !slices.Contains(accountIDs, r.accountID) {
			accountIDs = append(accountIDs, r.accountID)
		}
		if _, ok := known.details[r.pubID]; !ok {
			pubIDs = append(pubIDs, r.pubID)
		}
	}
	if len(accountIDs) == 0 && len(pubIDs) == 0 {
		return nil
	}
	args := make([]any, 0, 2+len(accountIDs)+len(pubIDs))
	var q strings.Builder
	if len(accountIDs) > 0 {
		q.WriteString(`SELECT 0, a.id, a.name, a.avatar_path, CASE WHEN a.verified_until > ? THEN 1 ELSE 0 END,
			COALESCE(CASE WHEN f.following AND NOT f.blocked THEN 0 ELSE 1 END, 1), ''
		FROM accounts a LEFT JOIN follows f ON f.account_id = a.id AND f.person_id = ?
		WHERE a.id IN (?` + strings.Repeat(", ?", len(accountIDs)-1) + `)`)
		args = append(args, db.Micro(s.clock.Now()), personID)
		for _, id := range accountIDs {
			args = append(args, id)
		}
	}
	if len(pubIDs) > 0 {
		if q.Len() > 0 {
			q.WriteString(` UNION ALL `)
		}
		q.WriteString(`SELECT 1, p.id, p.title, p.cover_media_id, p.first_article_id, p.article_count, p.state
		FROM publications p WHERE p.id IN (?` + strings.Repeat(", ?", len(pubIDs)-1) + `)`)
		for _, id := range pubIDs {
			args = append(args, id)
		}
	}
	rows, err := s.query(ctx, q.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, id, n5, n6 int64
		var s3, s4, s7 string
		if err := rows.Scan(&kind, &id, &s3, &s4, &n5, &n6, &s7); err != nil {
			return err
		}
		if kind == 0 { // an account
			known.accounts[id] = &followedAccount{id: id, name: s3, avatar: s4, verified: n5 == 1, blocked: n6 == 1}
		} else { // a publication
			known.details[id] = pubDetail{title: s3, cover: s4, first: n5, count: int(n6), state: s7}
		}
	}
	return rows.Err()
}

func dedupe(refs []folderRef) []folderRef {
	out := refs[:0]
	for i, r := range refs {
		if i > 0 && r.pubID == refs[i-1].pubID {
			continue
		}
		out = append(out, r)
	}
	return out
}

// firstTake is how many items of each account folderRefs reads at first.
// A page rarely holds more than a few items of one account, and reading
// every account's newest `limit` items (20 each for 20 accounts) to keep
// 20 of them was most of what that statement did.
const firstTake = 5

// folderRefs returns the newest folder items of the given accounts (at most
// limit, newest first).
//
// It reads at most firstTake items of each account and keeps the newest
// limit of those. That is the answer unless some account has firstTake
// items among the kept ones: an account with fewer kept than read has
// its next-newest item outside the page, so every older one of its items
// is outside too, and an item of the page is among the newest limit of
// what was read. Otherwise it reads again, up to limit items of each.
func (s *Store) folderRefs(ctx context.Context, list []*followedAccount, before Cursor, limit int, details map[int64]pubDetail, ad *accountDetails) ([]folderRef, error) {
	if len(list) == 0 {
		return nil, nil
	}
	if len(list) > maxUnion || limit <= firstTake {
		return s.folderRefsTaking(ctx, list, before, limit, limit, details, ad)
	}
	refs, err := s.folderRefsTaking(ctx, list, before, limit, firstTake, details, ad)
	if err != nil || !fullTake(refs, firstTake) {
		return refs, err
	}
	return s.folderRefsTaking(ctx, list, before, limit, limit, details, ad)
}

// accountDetails asks folderRefsTaking to read, with the publications, what
// the folder shows of the listed accounts not yet in into (name, avatar,
// badge, and whether the reader still follows them unblocked): when the
// pick was made from the node's copy of publication times, which holds
// only the times.
type accountDetails struct {
	personID, now int64
	into          map[int64]*followedAccount
}

// fullTake reports whether some account has take items among refs.
func fullTake(refs []folderRef, take int) bool {
	for i, r := range refs {
		n := 0
		for _, o := range refs[i:] {
			if o.accountID == r.accountID {
				n++
			}
		}
		if n >= take {
			return true
		}
	}
	return false
}

// folderRefsTaking returns the newest limit items among the newest take
// items of each account (every item of the accounts, newest first, when
// there are more than maxUnion of them), storing their details in details.
// The details are read by primary key for the kept items only, after the
// LIMIT, so the scans stay on publications_folder.
func (s *Store) folderRefsTaking(ctx context.Context, list []*followedAccount, before Cursor, limit, take int, details map[int64]pubDetail, ad *accountDetails) ([]folderRef, error) {
	cond, cargs := before.before("folder_at", "id")
	var need map[int64]*followedAccount
	if ad != nil {
		for _, a := range list {
			if ad.into[a.id] == nil {
				if need == nil {
					need = make(map[int64]*followedAccount, len(list))
				}
				need[a.id] = a
			}
		}
	}
	sh := mergeShape{accounts: len(list), cursor: cond != "", details: len(need)}
	args := make([]any, 0, len(list)*(2+len(cargs))+len(cargs)+3+len(need))
	if len(list) <= maxUnion {
		for _, a := range list {
			args = append(append(append(args, a.id), cargs...), take)
		}
		args = append(args, limit)
	} else {
		for _, a := range list {
			args = append(args, a.id)
		}
		args = append(append(args, cargs...), limit)
	}
	if len(need) > 0 {
		args = append(args, ad.now, ad.personID)
		for _, a := range list {
			if need[a.id] != nil {
				args = append(args, a.id)
			}
		}
	}
	var q string
	if len(list) > maxUnion {
		q = mergeText(sh, cond) // a text per count of accounts: not kept
	} else if v, ok := s.merges.Load(sh); ok {
		q = v.(string)
	} else {
		q = mergeText(sh, cond)
		if s.mergeCount.Add(1) <= maxMergeTexts {
			s.merges.Store(sh, q)
		}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var refs []folderRef
	for rows.Next() {
		var f folderRef
		var d pubDetail
		if err := rows.Scan(&f.at, &f.pubID, &f.accountID, &d.title, &d.cover, &d.first, &d.count, &d.state); err != nil {
			return nil, err
		}
		if f.at == -1 {
			a := need[f.pubID]
			if a == nil {
				continue
			}
			ad.into[a.id] = &followedAccount{id: a.id, last: a.last, name: d.title, avatar: d.cover, verified: d.first == 1, blocked: f.accountID == 1}
			continue
		}
		details[f.pubID] = d
		refs = append(refs, f)
	}
	return refs, rows.Err()
}

// mergeShape is what the text of folderRefsTaking's statement depends on.
type mergeShape struct {
	accounts int  // how many accounts' items it reads
	cursor   bool // below a cursor (Cursor.before's condition)
	details  int  // how many accounts' rows it reads besides (accountDetails)
}

// maxMergeTexts bounds the merge statements' texts a Store keeps (there
// are a few per page size in use); beyond it they are made each time.
const maxMergeTexts = 512

// mergeText makes the text of folderRefsTaking's statement; cond is the
// cursor's condition on publications (Cursor.before), "" for the top.
func mergeText(sh mergeShape, cond string) string {
	var q strings.Builder
	q.WriteString(`SELECT r.folder_at, r.id, r.account_id, p.title, p.cover_media_id, p.first_article_id, p.article_count, p.state FROM (`)
	if sh.accounts <= maxUnion {
		// One index range scan per account, each stopping after take rows.
		for i := range sh.accounts {
			if i > 0 {
				q.WriteString(" UNION ALL ")
			}
			fmt.Fprintf(&q, `SELECT * FROM (SELECT folder_at, id, account_id FROM publications WHERE account_id = ? AND folder_at > 0%s
				ORDER BY folder_at DESC, id DESC LIMIT ?) t%d`, cond, i)
		}
		q.WriteString(` ORDER BY 1 DESC, 2 DESC LIMIT ?`)
	} else {
		q.WriteString(`SELECT folder_at, id, account_id FROM publications WHERE account_id IN (?` + strings.Repeat(", ?", sh.accounts-1) + `) AND folder_at > 0` + cond +
			` ORDER BY folder_at DESC, id DESC LIMIT ?`)
	}
	q.WriteString(`) r JOIN publications p ON p.id = r.id`)
	if sh.details == 0 {
		q.WriteString(` ORDER BY r.folder_at DESC, r.id DESC`)
		return q.String()
	}
	// The accounts' rows, told apart by a folder_at of -1 (an item's is
	// positive): columns id, blocked, name, avatar, verified.
	q.WriteString(` UNION ALL SELECT -1, a.id, COALESCE(CASE WHEN fb.following AND NOT fb.blocked THEN 0 ELSE 1 END, 1), a.name, a.avatar_path,
			CASE WHEN a.verified_until > ? THEN 1 ELSE 0 END, 0, ''
		FROM accounts a LEFT JOIN follows fb ON fb.account_id = a.id AND fb.person_id = ?
		WHERE a.id IN (?` + strings.Repeat(", ?", sh.details-1) + `) ORDER BY 1 DESC, 2 DESC`)
	return q.String()
}

// folderItems builds the page's items from its references and details:
// published ones of accounts met, in the references' order.
func folderItems(refs []folderRef, accounts map[int64]*followedAccount, details map[int64]pubDetail, readAt int64) []Item {
	items := make([]Item, 0, len(refs))
	for _, r := range refs {
		d, ok := details[r.pubID]
		if !ok || d.state != publish.StatePublished {
			continue
		}
		a := accounts[r.accountID]
		if a == nil {
			continue
		}
		items = append(items, Item{AccountID: r.accountID, AccountName: a.name, AccountAvatar: a.avatar, Verified: a.verified,
			PublicationID: r.pubID, Title: d.title, CoverMediaID: d.cover, FirstArticleID: d.first, ArticleCount: d.count,
			CreatedAt: db.FromMicro(r.at), Seen: r.at <= readAt})
	}
	return items
}

// MarkRead records that the follower opened the folder now: every
// item that arrived before is seen.
func (s *Store) MarkRead(ctx context.Context, personID int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO folder_reads (person_id, read_at) VALUES (?, ?)
		ON CONFLICT (person_id) DO UPDATE SET read_at = excluded.read_at`, personID, db.Micro(s.clock.Now()))
	return err
}

// Unseen reports how many of the folder's first page arrived since
// the follower last opened it (for a badge on the chat list's folder row).
func (s *Store) Unseen(ctx context.Context, personID int64) (int, error) {
	items, err := s.Items(ctx, personID, Cursor{}, 20)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if !it.Seen {
			n++
		}
	}
	return n, nil
}

// readWeights remembers, per reader, whether their last folder read on
// SQLite was light: its pick found at most a page of followed accounts
// with publications. A read slot (db.ReadSlot) keeps heavy reads, which
// walk hundreds of follows, from running in SQLite on more goroutines
// than there are cores; a light read holds one for tens of
// microseconds, and with the slots as the gate the cores stood idle 8–10 %
// of the time under load (docs/performance.md). So a reader whose last
// read was light reads without a slot; one not seen yet, or heavy, takes
// one. The table is lossy (a reader shares an entry with others whose key
// falls on it) and per node: it only decides who waits for a slot, never
// what a read returns.
type readWeights struct {
	seed maphash.Seed // set by NewStore
	w    [4096]atomic.Uint32
}

// The values of a readWeights entry (0: not known).
const (
	weightLight uint32 = 1
	weightHeavy uint32 = 2
)

// of is the entry of the reader: personID, or with a session the
// session's token hash (the person is known only once it is read).
func (r *readWeights) of(personID int64, x *extra) *atomic.Uint32 {
	var h uint64
	if x != nil && x.session != nil {
		h = maphash.String(r.seed, x.session.Hash)
	} else {
		h = uint64(personID) * 0x9e3779b97f4a7c15
	}
	return &r.w[h>>52]
}
