package portability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
)

// ImportOptions tunes Import.
type ImportOptions struct {
	Now func() time.Time // time.Now when nil
}

// ImportResult describes an import.
type ImportResult struct {
	AlreadyImported bool             // the archive was imported into this account before: nothing changed
	Followers       int64            // followers placed (each keeps its openid)
	Rows            map[string]int64 // rows written per file
	Media           int              // media files stored
}

// AccountData is account.json.
type AccountData struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Region        string `json:"region"`
	Description   string `json:"description"`
	Organisation  string `json:"organisation"`
	Avatar        string `json:"avatar"`
	Timezone      string `json:"timezone"`
	Status        string `json:"status"`
	VerifiedUntil int64  `json:"verified_until"`
	OriginalID    string `json:"original_id"`
	AppID         string `json:"appid"`
	FollowerCount int64  `json:"follower_count"`
	TagNextID     int64  `json:"tag_next_id"`
	CreatedAt     int64  `json:"created_at"`
}

// follower is a line of followers.jsonl.
type follower struct {
	OpenID         string `json:"openid"`
	Following      bool   `json:"following"`
	Source         string `json:"source"`
	Scene          string `json:"scene"`
	SubscribedAt   int64  `json:"subscribed_at"`
	UnsubscribedAt int64  `json:"unsubscribed_at"`
	Muted          bool   `json:"muted"`
	Blacklisted    bool   `json:"blacklisted"`
	Remark         string `json:"remark"`
	CreatedAt      int64  `json:"created_at"`
	Nickname       string `json:"nickname"`
	Avatar         string `json:"avatar"`
	Region         string `json:"region"`
	Language       string `json:"language"`
	EmailSHA256    string `json:"email_sha256"`
}

// ReadAccount reads account.json of an opened archive.
func (a *Archive) ReadAccount() (*AccountData, error) {
	var out *AccountData
	err := a.eachLine("account.json", func(line int, b []byte) error {
		if line > 1 {
			return archiveErr("account.json", line, "holds one line")
		}
		var ad AccountData
		if err := strictUnmarshal(b, &ad, accountFields); err != nil {
			return archiveErr("account.json", line, "%v", err)
		}
		if strings.TrimSpace(ad.Name) == "" {
			return archiveErr("account.json", line, "name is empty")
		}
		if ad.Type != "subscription" && ad.Type != "service" {
			return archiveErr("account.json", line, "type must be \"subscription\" or \"service\"")
		}
		if ad.Timezone != "" {
			if _, err := time.LoadLocation(ad.Timezone); err != nil {
				return archiveErr("account.json", line, "timezone %q is unknown", ad.Timezone)
			}
		}
		if ad.TagNextID < 0 {
			return archiveErr("account.json", line, "tag_next_id is negative")
		}
		out = &ad
		return nil
	})
	if err == nil && out == nil {
		err = archiveErr("account.json", 0, "is empty")
	}
	return out, err
}

// strictUnmarshal decodes one JSON object into v, refusing unknown fields
// and insisting on every field of want.
func strictUnmarshal(b []byte, v any, want []string) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return faultf("not a JSON object: %v", err)
	}
	for _, f := range want {
		if _, ok := raw[f]; !ok {
			return faultf("field %q is missing", f)
		}
	}
	if len(raw) != len(want) {
		known := map[string]bool{}
		for _, f := range want {
			known[f] = true
		}
		for k := range raw {
			if !known[k] {
				return faultf("unknown field %q", k)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return faultf("a value has the wrong type: %v", err)
	}
	return nil
}

var followSources = map[string]bool{"search": true, "profile": true, "qr": true, "article": true, "other": true}

// plan is what validation learnt, for the write pass.
type plan struct {
	account  *AccountData
	media    map[string]MediaEntry
	openids  map[string]bool
	ids      map[int64]int64  // archive id → new id
	visitors map[string]int64 // "visitor:N" → a new placeholder person
	rows     map[string]int64
}

// Validate reads the whole archive and checks it against the format and
// against the target platform (openids, template ids, web app appids and
// QR tickets that must stay unique), without writing anything. The first
// fault is returned as an *ArchiveError naming the file and line.
func Validate(ctx context.Context, q db.Querier, a *Archive) (err error) {
	defer wrap(&err, "portability.Validate()")
	_, err = validate(ctx, q, a)
	return err
}

func validate(ctx context.Context, q db.Querier, a *Archive) (*plan, error) {
	p := &plan{media: map[string]MediaEntry{}, openids: map[string]bool{}, ids: map[int64]int64{}, rows: map[string]int64{},
		visitors: map[string]int64{}}
	var err error
	if p.account, err = a.ReadAccount(); err != nil {
		return nil, err
	}
	if err := p.validateMedia(a); err != nil {
		return nil, err
	}
	if err := p.validateFollowers(ctx, q, a); err != nil {
		return nil, err
	}
	if err := p.validateTables(ctx, q, a); err != nil {
		return nil, err
	}
	p.numberVisitors()
	// Export-only ids are known now; a reference to one is not remapped.
	for k, v := range p.ids {
		if v == 0 {
			delete(p.ids, k)
		}
	}
	return p, nil
}

// validateMedia checks media.jsonl against the files in the zip (each
// listed file present, with its size and checksum; no file unlisted) and
// that the account's avatar is one of them.
func (p *plan) validateMedia(a *Archive) error {
	err := a.eachLine("media.jsonl", func(line int, b []byte) error {
		var me MediaEntry
		if err := strictUnmarshal(b, &me, []string{"key", "bytes", "sha256"}); err != nil {
			return archiveErr("media.jsonl", line, "%v", err)
		}
		if !validMediaKey(me.Key) {
			return archiveErr("media.jsonl", line, "key %q is not a valid media key", me.Key)
		}
		if _, dup := p.media[me.Key]; dup {
			return archiveErr("media.jsonl", line, "key %q appears twice", me.Key)
		}
		if err := checkMediaFile(a, line, me); err != nil {
			return err
		}
		p.media[me.Key] = me
		return nil
	})
	if err != nil {
		return err
	}
	for name := range a.files {
		if k, ok := strings.CutPrefix(name, "media/"); ok {
			if _, listed := p.media[k]; !listed {
				return archiveErr(name, 0, "is in the zip but not in media.jsonl")
			}
		}
	}
	if p.account.Avatar != "" {
		if _, ok := p.media[p.account.Avatar]; !ok {
			return archiveErr("account.json", 1, "avatar %q is not in media.jsonl", p.account.Avatar)
		}
	}
	return nil
}

// checkMediaFile checks that the file media.jsonl lists on line is in the
// zip with the size and checksum given there.
func checkMediaFile(a *Archive, line int, me MediaEntry) error {
	zf := a.files["media/"+me.Key]
	if zf == nil {
		return archiveErr("media.jsonl", line, "media/%s is missing from the zip", me.Key)
	}
	rc, err := zf.Open()
	if err != nil {
		return archiveErr("media/"+me.Key, 0, "%v", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil {
		return archiveErr("media/"+me.Key, 0, "%v", err)
	}
	if n != me.Bytes || hex.EncodeToString(h.Sum(nil)) != me.SHA256 {
		return archiveErr("media.jsonl", line, "media/%s does not match its size and checksum", me.Key)
	}
	return nil
}

// takenOpenIDs checks followers' openids against the platform's in
// batches: an openid already taken means the archive was imported into
// another account.
type takenOpenIDs struct {
	pending []string
	lines   []int
}

// add queues openid (from line) and checks the batch once it is full.
func (t *takenOpenIDs) add(ctx context.Context, q db.Querier, openid string, line int) error {
	t.pending = append(t.pending, openid)
	t.lines = append(t.lines, line)
	if len(t.pending) >= 500 {
		return t.check(ctx, q)
	}
	return nil
}

// check looks up the queued openids.
func (t *takenOpenIDs) check(ctx context.Context, q db.Querier) error {
	if len(t.pending) == 0 {
		return nil
	}
	taken, err := existing(ctx, q, `SELECT openid FROM follows WHERE openid IN `, t.pending)
	if err != nil {
		return err
	}
	for i, o := range t.pending {
		if taken[o] {
			return archiveErr("followers.jsonl", t.lines[i], "openid %q already belongs to a follower on this platform (was this archive imported into another account?)", o)
		}
	}
	t.pending, t.lines = t.pending[:0], t.lines[:0]
	return nil
}

// validateFollowers checks followers.jsonl: each line, openids unique in
// the archive and free on the platform.
func (p *plan) validateFollowers(ctx context.Context, q db.Querier, a *Archive) error {
	var taken takenOpenIDs
	err := a.eachLine("followers.jsonl", func(line int, b []byte) error {
		var f follower
		if err := strictUnmarshal(b, &f, followerFields); err != nil {
			return archiveErr("followers.jsonl", line, "%v", err)
		}
		if err := p.checkFollower(line, &f); err != nil {
			return err
		}
		p.openids[f.OpenID] = true
		p.rows["followers.jsonl"]++
		return taken.add(ctx, q, f.OpenID, line)
	})
	if err != nil {
		return err
	}
	return taken.check(ctx, q)
}

// checkFollower checks one line of followers.jsonl.
func (p *plan) checkFollower(line int, f *follower) error {
	if f.OpenID == "" || len(f.OpenID) > 128 {
		return archiveErr("followers.jsonl", line, "openid must be 1 to 128 characters")
	}
	if p.openids[f.OpenID] {
		return archiveErr("followers.jsonl", line, "openid %q appears twice", f.OpenID)
	}
	if !followSources[f.Source] {
		return archiveErr("followers.jsonl", line, "source %q is not one of search, profile, qr, article, other", f.Source)
	}
	if f.Avatar != "" {
		if _, ok := p.media[f.Avatar]; !ok {
			return archiveErr("followers.jsonl", line, "avatar %q is not in media.jsonl", f.Avatar)
		}
	}
	if f.EmailSHA256 != "" {
		if _, err := hex.DecodeString(f.EmailSHA256); err != nil || len(f.EmailSHA256) != 64 {
			return archiveErr("followers.jsonl", line, "email_sha256 must be 64 hex digits or empty")
		}
	}
	return nil
}

// validateTables checks the table files, giving every row's own id its new
// id first, so that references to rows later in the archive resolve.
func (p *plan) validateTables(ctx context.Context, q db.Querier, a *Archive) error {
	for _, t := range tables {
		if a.fileInfo(t.file) == nil {
			continue
		}
		err := a.eachLine(t.file, func(line int, b []byte) error {
			row, err := decodeRow(t, b)
			if err != nil {
				return archiveErr(t.file, line, "%v", err)
			}
			if err := p.checkRow(t, line, row); err != nil {
				return err
			}
			if err := checkUnique(ctx, q, t, row); err != nil {
				return archiveErr(t.file, line, "%v", err)
			}
			p.rows[t.file]++
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkRow checks one row's ids, followers and media against the archive,
// and gives its own id a new one (0 for an export-only table).
func (p *plan) checkRow(t *table, line int, row []any) error {
	for i, c := range t.cols {
		switch c.kind {
		case kKey:
			old := row[i].(int64)
			if old <= 0 {
				return archiveErr(t.file, line, "%s must be a positive id", c.field)
			}
			if _, dup := p.ids[old]; dup {
				return archiveErr(t.file, line, "%s %s appears twice in the archive", c.field, strconv.FormatInt(old, 10))
			}
			if !t.exportOnly {
				p.ids[old] = id.New()
			} else {
				p.ids[old] = 0
			}
		case kPerson:
			o := row[i].(string)
			if n, ok := strings.CutPrefix(o, "visitor:"); ok {
				v, err := strconv.Atoi(n)
				if err != nil || v <= 0 || strconv.Itoa(v) != n {
					return archiveErr(t.file, line, "follower %q: a visitor is visitor:N with N a positive number", o)
				}
				p.visitors[o] = int64(v)
			} else if !p.openids[o] {
				return archiveErr(t.file, line, "follower %q is not in followers.jsonl", o)
			}
		case kMedia:
			k := row[i].(string)
			if _, ok := p.media[k]; k != "" && !ok {
				return archiveErr(t.file, line, "%s %q is not in media.jsonl", c.field, k)
			}
		}
	}
	return nil
}

// numberVisitors gives each visitor a new placeholder person, numbered in
// visitor order, so a later export numbers them alike.
func (p *plan) numberVisitors() {
	labels := make([]string, 0, len(p.visitors))
	for l := range p.visitors {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool { return p.visitors[labels[i]] < p.visitors[labels[j]] })
	for _, l := range labels {
		p.visitors[l] = id.New()
	}
}

// checkUnique refuses rows whose platform-wide unique values are taken.
func checkUnique(ctx context.Context, q db.Querier, t *table, row []any) error {
	var sqlq, field string
	switch t.name {
	case "account_templates":
		sqlq, field = `SELECT template_id FROM account_templates WHERE template_id IN `, "template_id"
	case "webapps":
		sqlq, field = `SELECT appid FROM webapps WHERE appid IN `, "appid"
	case "qr_tickets":
		sqlq, field = `SELECT ticket FROM qr_tickets WHERE ticket IN `, "ticket"
	default:
		return nil
	}
	for i, c := range t.cols {
		if c.name == field {
			v := row[i].(string)
			taken, err := existing(ctx, q, sqlq, []string{v})
			if err != nil {
				return err
			}
			if taken[v] {
				return faultf("%s %q is already in use on this platform", field, v)
			}
		}
	}
	return nil
}

// existing returns which of vals the query (ending in "IN ") finds.
func existing(ctx context.Context, q db.Querier, query string, vals []string) (map[string]bool, error) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	rows, err := q.Query(ctx, query+"("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out[s] = true
	}
	return out, rows.Err()
}

// decodeRow reads one line of t into values in column order: int64, bool,
// string, or nil (a null counter number); not-carried columns are nil.
func decodeRow(t *table, b []byte) ([]any, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, faultf("not a JSON object: %v", err)
	}
	out := make([]any, len(t.cols))
	seen := 0
	for i, c := range t.cols {
		if c.field == "" {
			continue
		}
		v, ok := raw[c.field]
		if !ok {
			return nil, faultf("field %q is missing", c.field)
		}
		seen++
		switch c.kind {
		case kInt, kCounter:
			if c.kind == kCounter && string(v) == "null" {
				out[i] = nil
				continue
			}
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return nil, faultf("field %q must be an integer", c.field)
			}
			out[i] = n
		case kBool:
			switch string(v) {
			case "true":
				out[i] = true
			case "false":
				out[i] = false
			default:
				return nil, faultf("field %q must be true or false", c.field)
			}
		case kKey, kRef:
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, faultf("field %q must be an id in a string", c.field)
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || (n < 0 && c.kind == kKey) {
				return nil, faultf("field %q must be an id in a string", c.field)
			}
			out[i] = n
		default:
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, faultf("field %q must be a string", c.field)
			}
			out[i] = s
		}
	}
	if seen != len(raw) {
		for k := range raw {
			if !hasField(t, k) {
				return nil, faultf("unknown field %q", k)
			}
		}
	}
	return out, nil
}

func hasField(t *table, f string) bool {
	for _, c := range t.cols {
		if c.field == f {
			return true
		}
	}
	return false
}

// idToken matches the media_ids, draft ids and article ids Herald prints
// (a letter and the id in base 36) inside text.
var idToken = regexp.MustCompile(`\b[MDA][0-9a-z]{8,13}\b|\b[0-9]{15,19}\b`)

// rewriteIDs replaces the ids in s that name rows of the archive.
func rewriteIDs(s string, ids map[int64]int64) string {
	return idToken.ReplaceAllStringFunc(s, func(tok string) string {
		if tok[0] >= '0' && tok[0] <= '9' { // a decimal id, as in /s/<article id>
			old, err := strconv.ParseInt(tok, 10, 64)
			if nw, ok := ids[old]; ok && err == nil {
				return strconv.FormatInt(nw, 10)
			}
			return tok
		}
		old, err := strconv.ParseInt(tok[1:], 36, 64)
		if err != nil {
			return tok
		}
		if nw, ok := ids[old]; ok {
			return tok[:1] + strconv.FormatInt(nw, 36)
		}
		return tok
	})
}

// ErrAccountNotEmpty refuses an import into an account that already has
// content the archive's rows would collide with.
var ErrAccountNotEmpty = errs.Conflictf("This account already has followers, publications, menus or media; import into a new account.")

// Import validates the archive whole and, when it is sound, writes it into
// the account in one transaction: followers keep their openids (each held by
// a placeholder person until a person of this platform is matched to them),
// every row gets a new id, and media files go to the store. An archive
// imported into the account before changes nothing.
func Import(ctx context.Context, d *db.DB, store media.Store, accountID int64, r io.ReaderAt, size int64, opt ImportOptions) (_ *ImportResult, err error) {
	defer wrap(&err, "portability.Import(%d)", accountID)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	a, err := OpenArchive(r, size)
	if err != nil {
		return nil, err
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM portability_imports WHERE account_id = ? AND archive_id = ?`, accountID, a.Manifest.ArchiveID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return &ImportResult{AlreadyImported: true}, nil
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE id = ?`, accountID), &n); err != nil || n == 0 {
		return nil, errs.NotFoundf("No such account.")
	}
	for _, tbl := range []string{"follows", "publications", "menus", "autoreply_rules", "media_assets", "messages", "tags"} {
		var one int
		err := d.QueryRow(ctx, `SELECT 1 FROM `+tbl+` WHERE account_id = ? LIMIT 1`, accountID).Scan(&one)
		if err == nil {
			return nil, ErrAccountNotEmpty
		}
	}
	p, err := validate(ctx, d, a)
	if err != nil {
		return nil, err
	}
	// Media first: the store is not transactional, and keys are random, so a
	// file written by a failed attempt is simply written again.
	res := &ImportResult{Rows: p.rows}
	for k := range p.media {
		zf := a.files["media/"+k]
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		_, err = store.Put(ctx, k, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("import: media %s: %w", k, err)
		}
		res.Media++
	}
	now := opt.Now().UnixMicro()
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if err := write(ctx, tx, a, p, accountID, now, res); err != nil {
			return err
		}
		// The imported files' addresses: tokens, and the published mark
		// of those the published articles use.
		return publish.MarkImportedMedia(ctx, tx, accountID, time.UnixMicro(now))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// shadowHash is the password hash of a placeholder person: no password
// matches it.
const shadowHash = "!moved"

// write is the import's write pass, in the transaction of Import: the
// account's settings, followers, visitors, then the table files in order.
func write(ctx context.Context, tx *db.Tx, a *Archive, p *plan, accountID, now int64, res *ImportResult) error {
	w := &writer{tx: tx, a: a, p: p, accountID: accountID, now: now, prefix: "moved-" + randHex(4) + "-", libs: map[string]int64{}}
	if err := w.account(ctx); err != nil {
		return err
	}
	if err := w.followers(ctx, res); err != nil {
		return err
	}
	if err := w.visitors(ctx); err != nil {
		return err
	}
	for _, t := range tables {
		if t.exportOnly || a.fileInfo(t.file) == nil {
			continue
		}
		if err := w.table(ctx, t); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET follower_count = (SELECT COUNT(*) FROM follows WHERE account_id = ? AND following) WHERE id = ?`,
		accountID, accountID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO portability_imports (account_id, archive_id, source_name, followers, imported_at) VALUES (?, ?, ?, ?, ?)`,
		accountID, a.Manifest.ArchiveID, p.account.Name, res.Followers, now)
	return err
}

// writer is the write pass of an import into one account.
type writer struct {
	tx        *db.Tx
	a         *Archive
	p         *plan
	accountID int64
	now       int64
	prefix    string           // of placeholder people's usernames
	libs      map[string]int64 // media library ids by short id
	ownerID   int64            // the account's owner, once looked up
}

// account writes account.json's settings onto the account.
func (w *writer) account(ctx context.Context) error {
	ad := w.p.account
	tz := ad.Timezone
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	if _, err := w.tx.Exec(ctx, `UPDATE accounts SET description = ?, organisation = ?, avatar_path = ?, timezone = ?, updated_at = ? WHERE id = ?`,
		ad.Description, ad.Organisation, ad.Avatar, tz, w.now, w.accountID); err != nil {
		return err
	}
	if ad.TagNextID > 0 {
		if _, err := w.tx.Exec(ctx, `INSERT INTO tag_counters (account_id, next_id) VALUES (?, ?)
			ON CONFLICT (account_id) DO UPDATE SET next_id = excluded.next_id`, w.accountID, ad.TagNextID); err != nil {
			return err
		}
	}
	return nil
}

// followers writes followers.jsonl: a placeholder person each, the follow,
// and the hashed email a later move matches.
func (w *writer) followers(ctx context.Context, res *ImportResult) error {
	people := newBatch(w.tx, `INSERT INTO people (id, username, email, display_name, password_hash, avatar_path, region, language, created_at, updated_at) VALUES `, 10)
	follows := newBatch(w.tx, `INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, unsubscribed_at,
		muted, blocked, remark, created_at) VALUES `, 12)
	moved := newBatch(w.tx, `INSERT INTO follower_moves (account_id, person_id, email_sha256) VALUES `, 3)
	var seq int64
	err := w.a.eachLine("followers.jsonl", func(line int, b []byte) error {
		var f follower
		if err := json.Unmarshal(b, &f); err != nil {
			return archiveErr("followers.jsonl", line, "%v", err)
		}
		seq++
		pid := id.New()
		// An empty language is no setting: the person's pages follow
		// their browser, as for anyone who never chose one.
		if err := people.add(ctx, pid, w.prefix+strconv.FormatInt(seq, 36), nil, f.Nickname, shadowHash, f.Avatar, f.Region, f.Language, w.now, w.now); err != nil {
			return err
		}
		if err := follows.add(ctx, w.accountID, pid, f.OpenID, f.Following, f.Source, f.Scene, f.SubscribedAt, f.UnsubscribedAt,
			f.Muted, f.Blacklisted, f.Remark, f.CreatedAt); err != nil {
			return err
		}
		res.Followers++
		return moved.add(ctx, w.accountID, pid, f.EmailSHA256)
	})
	if err != nil {
		return err
	}
	for _, bt := range []*batch{people, follows, moved} {
		if err := bt.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// visitors writes a placeholder person for each visitor, with no follow.
func (w *writer) visitors(ctx context.Context) error {
	vis := newBatch(w.tx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES `, 6)
	for name, pid := range w.p.visitors {
		if err := vis.add(ctx, pid, w.prefix+strings.ReplaceAll(name, ":", "-"), "Visitor", shadowHash, w.now, w.now); err != nil {
			return err
		}
	}
	return vis.flush(ctx)
}

// table writes the rows of one table file. A follower column is looked up
// by openid, falling back to the visitor's placeholder.
func (w *writer) table(ctx context.Context, t *table) error {
	var names, row []string
	for _, c := range t.cols {
		names = append(names, c.name)
		if c.kind == kPerson {
			row = append(row, "COALESCE((SELECT person_id FROM follows WHERE openid = ?), ?)")
		} else {
			row = append(row, "?")
		}
	}
	nargs := len(t.cols)
	for _, c := range t.cols {
		if c.kind == kPerson {
			nargs++
		}
	}
	bt := newBatch(w.tx, `INSERT INTO `+t.name+` (`+strings.Join(names, ", ")+`) VALUES `, nargs)
	bt.row = "(" + strings.Join(row, ", ") + ")"
	err := w.a.eachLine(t.file, func(line int, b []byte) error {
		vals, err := decodeRow(t, b)
		if err != nil {
			return archiveErr(t.file, line, "%v", err)
		}
		args, err := w.rowArgs(ctx, t, vals, nargs)
		if err != nil {
			return err
		}
		return bt.add(ctx, args...)
	})
	if err != nil {
		return err
	}
	if err := bt.flush(ctx); err != nil {
		return fmt.Errorf("import %s: %w", t.file, err)
	}
	return nil
}

// rowArgs turns an archive row into the values written: the account's id,
// new ids for old, counters and library ids taken on this platform.
func (w *writer) rowArgs(ctx context.Context, t *table, vals []any, nargs int) ([]any, error) {
	args := make([]any, 0, nargs)
	for i, c := range t.cols {
		v := vals[i]
		switch c.kind {
		case kAccount:
			v = w.accountID
		case kZero:
			v = int64(0)
		case kBlank:
			v = ""
		case kOwner:
			if w.ownerID == 0 {
				if err := db.Get(w.tx.QueryRow(ctx, `SELECT person_id FROM account_members WHERE account_id = ? AND role = 'owner'
					ORDER BY created_at LIMIT 1`, w.accountID), &w.ownerID); err != nil {
					return nil, fmt.Errorf("import %s: the account has no owner: %w", t.file, err)
				}
			}
			v = w.ownerID
		case kKey:
			v = w.p.ids[v.(int64)]
		case kRef:
			if nw, ok := w.p.ids[v.(int64)]; ok {
				v = nw
			}
		case kText:
			v = rewriteIDs(v.(string), w.p.ids)
		case kCounter:
			if v != nil {
				n, err := db.NextNumber(ctx, w.tx, t.counter)
				if err != nil {
					return nil, err
				}
				v = n
			}
		case kLibrary:
			lid, err := libraryID(ctx, w.tx, w.libs, v.(string), t, vals, w.now)
			if err != nil {
				return nil, err
			}
			v = lid
		case kPerson:
			args = append(args, v, w.p.visitors[v.(string)])
			continue
		}
		args = append(args, v)
	}
	return args, nil
}

// libraryID finds the platform template-library entry an account template
// came from by its short_id; when this platform lacks it, the template's own
// text becomes a retired library entry, so the account keeps the template.
func libraryID(ctx context.Context, tx *db.Tx, cache map[string]int64, shortID string, t *table, vals []any, now int64) (int64, error) {
	if v, ok := cache[shortID]; ok {
		return v, nil
	}
	var lid int64
	err := db.Get(tx.QueryRow(ctx, `SELECT id FROM template_library WHERE short_id = ?`, shortID), &lid)
	if errors.Is(err, errs.NotFound) {
		field := func(name string) any {
			for i, c := range t.cols {
				if c.name == name {
					return vals[i]
				}
			}
			return nil
		}
		lid = id.New()
		sid := shortID
		if sid == "" {
			sid = "IMP" + strconv.FormatInt(lid, 36)
		}
		_, err = tx.Exec(ctx, `INSERT INTO template_library (id, short_id, title, industry, content, example, retired, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, lid, sid, field("title"), field("industry"), field("content"), field("example"), true, now, now)
	}
	if err != nil {
		return 0, err
	}
	cache[shortID] = lid
	return lid, nil
}

// batch inserts rows several at a time.
type batch struct {
	tx    *db.Tx
	head  string
	row   string
	nargs int
	args  []any
	rows  int
	max   int
}

func newBatch(tx *db.Tx, head string, nargs int) *batch {
	max := 8000 / nargs
	if max > 500 {
		max = 500
	}
	return &batch{tx: tx, head: head, row: "(" + strings.TrimSuffix(strings.Repeat("?, ", nargs), ", ") + ")", nargs: nargs, max: max}
}

func (b *batch) add(ctx context.Context, args ...any) error {
	b.args = append(b.args, args...)
	b.rows++
	if b.rows >= b.max {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := 0; i < b.rows; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.row)
	}
	_, err := b.tx.Exec(ctx, sb.String(), b.args...)
	b.args = b.args[:0]
	b.rows = 0
	return err
}
