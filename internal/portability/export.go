package portability

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/jsontext"
	"github.com/heraldoa/herald/internal/media"
)

// ExportOptions tunes Export.
type ExportOptions struct {
	BaseURL   string           // this platform's public URL, recorded in the manifest
	Generator string           // e.g. "herald 1.2.3"
	Now       func() time.Time // the manifest's created_at; time.Now when nil
	Progress  func(Progress)   // called as rows are written; may be nil
	// Fail, for tests, is called before each file; an error stops the export
	// there as a crash would.
	Fail func(file string) error
}

// Progress reports how far an export is.
type Progress struct {
	File      string // the file being written
	Rows      int64  // rows written of File
	Total     int64  // rows File will have (counted before it starts)
	FilesDone int    // files complete, of Files
	Files     int
}

// ExportResult describes a finished export.
type ExportResult struct {
	Manifest     Manifest
	Resumed      []string // files taken from an earlier, interrupted run
	MissingMedia []string // media keys rows name but the store does not have
}

// exportState is <out>.parts/state.json: what an interrupted export had
// finished, so the next run continues instead of starting again.
type exportState struct {
	AccountID int64      `json:"account_id"`
	ArchiveID string     `json:"archive_id"`
	CreatedAt int64      `json:"created_at"`
	Done      []FileInfo `json:"done"`
	// Visitors numbers the people rows name who never followed the account
	// ("visitor:N"), by person id, in order of first appearance.
	Visitors map[int64]int `json:"visitors"`
}

// dataFiles is every data file in the order they are written.
func dataFiles() []string {
	out := []string{"account.json", "followers.jsonl"}
	for _, t := range tables {
		out = append(out, t.file)
	}
	return out
}

// Export writes the account's archive to out. Rows stream from the database
// to disk, so memory stays bounded whatever the account's size. Finished
// files are kept in out+".parts" until the archive is complete; running
// Export again after a failure continues from the first unfinished file.
func Export(ctx context.Context, d *db.DB, store media.Store, accountID int64, out string, opt ExportOptions) (_ *ExportResult, err error) {
	defer wrap(&err, "portability.Export(%d)", accountID)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	var name string
	if err := db.Get(d.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, accountID), &name); err != nil {
		return nil, fmt.Errorf("export: account %d: %w", accountID, err)
	}
	parts := out + ".parts"
	if err := os.MkdirAll(parts, 0o750); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	st, err := loadState(parts)
	if err != nil {
		return nil, err
	}
	if st == nil || st.AccountID != accountID {
		st = &exportState{AccountID: accountID, ArchiveID: randHex(16), CreatedAt: opt.Now().UnixMicro()}
		if err := saveState(parts, st); err != nil {
			return nil, err
		}
	}
	res := &ExportResult{}
	done := map[string]bool{}
	for _, fi := range st.Done {
		if _, err := os.Stat(filepath.Join(parts, fi.Name)); err == nil {
			done[fi.Name] = true
			res.Resumed = append(res.Resumed, fi.Name)
		}
	}
	files := dataFiles()
	for i, file := range files {
		if done[file] {
			continue
		}
		if opt.Fail != nil {
			if err := opt.Fail(file); err != nil {
				return nil, err
			}
		}
		report := func(rows, total int64) {
			if opt.Progress != nil {
				opt.Progress(Progress{File: file, Rows: rows, Total: total, FilesDone: i, Files: len(files)})
			}
		}
		if st.Visitors == nil {
			if st.Visitors, err = numberVisitors(ctx, d, accountID); err != nil {
				return nil, fmt.Errorf("export: %w", err)
			}
		}
		fi, err := writePart(ctx, d, accountID, parts, file, st.Visitors, opt.Progress != nil, report)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", file, err)
		}
		st.Done = append(st.Done, *fi)
		if err := saveState(parts, st); err != nil {
			return nil, err
		}
	}
	m := Manifest{Format: FormatName, SchemaVersion: SchemaVersion, ArchiveID: st.ArchiveID, CreatedAt: st.CreatedAt,
		Generator: opt.Generator, Source: Source{BaseURL: opt.BaseURL, AccountID: strconv.FormatInt(accountID, 10), Name: name}}
	byName := map[string]FileInfo{}
	for _, fi := range st.Done {
		byName[fi.Name] = fi
	}
	for _, f := range files {
		m.Files = append(m.Files, byName[f])
	}
	missing, err := assemble(ctx, store, parts, out, &m)
	if err != nil {
		return nil, err
	}
	res.Manifest = m
	res.MissingMedia = missing
	if err := os.RemoveAll(parts); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return res, nil
}

// numberVisitors numbers the people the account's rows name who are not its
// followers, in person-id order: an importer creates their placeholders in
// the same order, so a second export numbers them alike.
func numberVisitors(ctx context.Context, d *db.DB, accountID int64) (map[int64]int, error) {
	set := map[int64]bool{}
	for _, t := range tables {
		for _, c := range t.cols {
			if c.kind != kPerson {
				continue
			}
			rows, err := d.Query(ctx, fmt.Sprintf(`SELECT DISTINCT t.%s FROM %s t WHERE `+t.where+
				` AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = %d AND f.person_id = t.%s)`, c.name, t.name, accountID, accountID, c.name))
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var pid int64
				if err := rows.Scan(&pid); err != nil {
					rows.Close()
					return nil, err
				}
				set[pid] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	ids := make([]int64, 0, len(set))
	for pid := range set {
		ids = append(ids, pid)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make(map[int64]int, len(ids))
	for i, pid := range ids {
		out[pid] = i + 1
	}
	return out, nil
}

func loadState(parts string) (*exportState, error) {
	b, err := os.ReadFile(filepath.Join(parts, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var st exportState
	if json.Unmarshal(b, &st) != nil {
		return nil, nil // a torn state file: start again
	}
	return &st, nil
}

func saveState(parts string, st *exportState) error {
	b, _ := json.Marshal(st)
	tmp := filepath.Join(parts, "state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return os.Rename(tmp, filepath.Join(parts, "state.json"))
}

// writePart writes one data file into the parts directory, with the media
// keys its rows name in <file>.keys.
func writePart(ctx context.Context, d *db.DB, accountID int64, parts, file string, visitors map[int64]int, count bool, report func(rows, total int64)) (*FileInfo, error) {
	tmp := filepath.Join(parts, file+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kf, err := os.Create(filepath.Join(parts, file+".keys"))
	if err != nil {
		return nil, err
	}
	defer kf.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	hw := newHashWriter(bw)
	kw := bufio.NewWriter(kf)
	key := func(k string) {
		if k != "" {
			kw.WriteString(k)
			kw.WriteByte('\n')
		}
	}
	var total int64
	switch file {
	case "account.json":
		err = writeAccount(ctx, d, accountID, hw, key)
	case "followers.jsonl":
		if count {
			_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ?`, accountID).Scan(&total)
		}
		err = writeFollowers(ctx, d, accountID, hw, key, func(n int64) { report(n, total) })
	default:
		t := tableByFile(file)
		if count {
			_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.name+` t WHERE `+fmt.Sprintf(t.where, accountID)).Scan(&total)
		}
		err = writeTable(ctx, d, t, accountID, visitors, hw, key, func(n int64) { report(n, total) })
	}
	if err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := kw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(parts, file)); err != nil {
		return nil, err
	}
	return &FileInfo{Name: file, Rows: hw.lines, Bytes: hw.n, SHA256: hw.sum()}, nil
}

// accountFields are account.json's fields.
var accountFields = []string{"name", "type", "region", "description", "organisation", "avatar", "timezone", "status",
	"verified_until", "original_id", "appid", "follower_count", "tag_next_id", "created_at"}

func writeAccount(ctx context.Context, d *db.DB, accountID int64, w io.Writer, key func(string)) error {
	var name, typ, region, desc, org, avatar, tz, status string
	var origID, appid sql.NullString
	var verifiedUntil, followers, created, tagNext int64
	err := db.Get(d.QueryRow(ctx, `SELECT name, type, region, description, organisation, avatar_path, timezone, status, verified_until,
		original_id, appid, follower_count, created_at, COALESCE((SELECT next_id FROM tag_counters c WHERE c.account_id = a.id), 0)
		FROM accounts a WHERE id = ?`, accountID),
		&name, &typ, &region, &desc, &org, &avatar, &tz, &status, &verifiedUntil, &origID, &appid, &followers, &created, &tagNext)
	if err != nil {
		return err
	}
	key(avatar)
	b := []byte{'{'}
	str := func(k, v string) {
		b = jsontext.AppendString(append(jsontext.AppendString(b, k), ':'), v)
		b = append(b, ',')
	}
	num := func(k string, v int64) {
		b = strconv.AppendInt(append(jsontext.AppendString(b, k), ':'), v, 10)
		b = append(b, ',')
	}
	str("name", name)
	str("type", typ)
	str("region", region)
	str("description", desc)
	str("organisation", org)
	str("avatar", avatar)
	str("timezone", tz)
	str("status", status)
	num("verified_until", verifiedUntil)
	str("original_id", origID.String)
	str("appid", appid.String)
	num("follower_count", followers)
	num("tag_next_id", tagNext)
	num("created_at", created)
	b[len(b)-1] = '}'
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// followerFields are followers.jsonl's fields.
var followerFields = []string{"openid", "following", "source", "scene", "subscribed_at", "unsubscribed_at", "muted", "blacklisted",
	"remark", "created_at", "nickname", "avatar", "region", "language", "email_sha256"}

// EmailHash is how followers.jsonl names a follower's email address: the
// hex SHA-256 of the trimmed, lower-cased address ("" without one).
func EmailHash(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return ""
	}
	h := sha256.Sum256([]byte(email))
	return hex.EncodeToString(h[:])
}

func writeFollowers(ctx context.Context, d *db.DB, accountID int64, w io.Writer, key func(string), progress func(int64)) error {
	rows, err := d.Query(ctx, `SELECT f.openid, f.following, f.source, f.scene, f.subscribed_at, f.unsubscribed_at, f.muted, f.blocked,
		f.remark, f.created_at, p.display_name, p.avatar_path, p.region, p.language, COALESCE(p.email, ''), COALESCE(m.email_sha256, '')
		FROM follows f JOIN people p ON p.id = f.person_id
		LEFT JOIN follower_moves m ON m.account_id = f.account_id AND m.person_id = f.person_id
		WHERE f.account_id = ? ORDER BY f.openid`, accountID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		openid, source, scene, remark, nick, avatar, region, lang, email, movedHash string
		following, muted, blocked                                                   bool
		subAt, unsubAt, created                                                     int64
		n                                                                           int64
	)
	b := make([]byte, 0, 1024)
	for rows.Next() {
		if err := rows.Scan(&openid, &following, &source, &scene, &subAt, &unsubAt, &muted, &blocked, &remark, &created,
			&nick, &avatar, &region, &lang, &email, &movedHash); err != nil {
			return err
		}
		key(avatar)
		hash := movedHash
		if hash == "" {
			hash = EmailHash(email)
		}
		b = b[:0]
		b = append(b, `{"openid":`...)
		b = jsontext.AppendString(b, openid)
		b = append(b, `,"following":`...)
		b = strconv.AppendBool(b, following)
		b = append(b, `,"source":`...)
		b = jsontext.AppendString(b, source)
		b = append(b, `,"scene":`...)
		b = jsontext.AppendString(b, scene)
		b = append(b, `,"subscribed_at":`...)
		b = strconv.AppendInt(b, subAt, 10)
		b = append(b, `,"unsubscribed_at":`...)
		b = strconv.AppendInt(b, unsubAt, 10)
		b = append(b, `,"muted":`...)
		b = strconv.AppendBool(b, muted)
		b = append(b, `,"blacklisted":`...)
		b = strconv.AppendBool(b, blocked)
		b = append(b, `,"remark":`...)
		b = jsontext.AppendString(b, remark)
		b = append(b, `,"created_at":`...)
		b = strconv.AppendInt(b, created, 10)
		b = append(b, `,"nickname":`...)
		b = jsontext.AppendString(b, nick)
		b = append(b, `,"avatar":`...)
		b = jsontext.AppendString(b, avatar)
		b = append(b, `,"region":`...)
		b = jsontext.AppendString(b, region)
		b = append(b, `,"language":`...)
		b = jsontext.AppendString(b, lang)
		b = append(b, `,"email_sha256":`...)
		b = jsontext.AppendString(b, hash)
		b = append(b, "}\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
		n++
		if n%10000 == 0 {
			progress(n)
		}
	}
	progress(n)
	return rows.Err()
}

func writeTable(ctx context.Context, d *db.DB, t *table, accountID int64, visitors map[int64]int, w io.Writer, key func(string), progress func(int64)) error {
	rows, err := d.Query(ctx, t.selectSQL(accountID))
	if err != nil {
		return err
	}
	defer rows.Close()
	var cols []column
	nvals := 0
	for _, c := range t.cols {
		if c.field != "" {
			cols = append(cols, c)
			nvals++
			if c.kind == kPerson {
				nvals++ // the person id follows the openid
			}
		}
	}
	vals := make([]any, nvals)
	ptrs := make([]any, nvals)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	b := make([]byte, 0, 4096)
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		b = b[:0]
		b = append(b, '{')
		vi := 0
		for i, c := range cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, c.field)
			b = append(b, ':')
			v := vals[vi]
			vi++
			if c.kind == kPerson {
				pid, err := asInt(vals[vi])
				if err != nil {
					return err
				}
				vi++
				s := asString(v)
				if s == "" {
					n, ok := visitors[pid]
					if !ok {
						return fmt.Errorf("person %d became a visitor during the export; export again", pid)
					}
					s = "visitor:" + strconv.Itoa(n)
				}
				b = jsontext.AppendString(b, s)
				continue
			}
			if v == nil {
				b = append(b, "null"...)
				continue
			}
			switch c.kind {
			case kInt, kCounter:
				x, err := asInt(v)
				if err != nil {
					return err
				}
				b = strconv.AppendInt(b, x, 10)
			case kBool:
				x, err := asBool(v)
				if err != nil {
					return err
				}
				b = strconv.AppendBool(b, x)
			case kKey, kRef:
				x, err := asInt(v)
				if err != nil {
					return err
				}
				b = append(b, '"')
				b = strconv.AppendInt(b, x, 10)
				b = append(b, '"')
			case kMedia:
				s := asString(v)
				key(s)
				b = jsontext.AppendString(b, s)
			default:
				b = jsontext.AppendString(b, asString(v))
			}
		}
		b = append(b, "}\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
		n++
		if n%10000 == 0 {
			progress(n)
		}
	}
	progress(n)
	return rows.Err()
}

// assemble writes the zip: the data files, then every media file the rows
// name (read once from the store, hashed as it is copied), media.jsonl and
// the manifest last.
func assemble(ctx context.Context, store media.Store, parts, out string, m *Manifest) ([]string, error) {
	keys := map[string]bool{}
	for _, fi := range m.Files {
		b, err := os.ReadFile(filepath.Join(parts, fi.Name+".keys"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, k := range strings.Split(string(b), "\n") {
			if k != "" {
				keys[k] = true
			}
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_ = os.Remove(filepath.Join(parts, "media.jsonl")) // from an interrupted run
	bw := bufio.NewWriterSize(f, 256<<10)
	zw := zip.NewWriter(bw)
	modified := time.UnixMicro(m.CreatedAt).UTC()
	for _, fi := range m.Files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fi.Name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return nil, err
		}
		src, err := os.Open(filepath.Join(parts, fi.Name))
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(w, src)
		src.Close()
		if err != nil {
			return nil, err
		}
	}
	var mediaLines []byte
	var missing []string
	mediaHash := newHashWriter(io.Discard)
	for _, k := range sorted {
		if !validMediaKey(k) {
			missing = append(missing, k)
			continue
		}
		src, err := store.Open(ctx, k)
		if err != nil {
			missing = append(missing, k)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "media/" + k, Method: zip.Store, Modified: modified})
		if err != nil {
			src.Close()
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), src)
		src.Close()
		if err != nil {
			return nil, fmt.Errorf("export: media %s: %w", k, err)
		}
		line, _ := json.Marshal(MediaEntry{Key: k, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		line = append(line, '\n')
		mediaHash.Write(line)
		mediaLines = append(mediaLines, line...)
		if len(mediaLines) > 1<<20 {
			if err := appendMediaPart(parts, mediaLines); err != nil {
				return nil, err
			}
			mediaLines = mediaLines[:0]
		}
	}
	if err := appendMediaPart(parts, mediaLines); err != nil {
		return nil, err
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "media.jsonl", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return nil, err
	}
	src, err := os.Open(filepath.Join(parts, "media.jsonl"))
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(w, src)
	src.Close()
	if err != nil {
		return nil, err
	}
	m.Files = append(m.Files, FileInfo{Name: "media.jsonl", Rows: mediaHash.lines, Bytes: mediaHash.n, SHA256: mediaHash.sum()})
	w, err = zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return nil, err
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	if _, err := w.Write(append(mb, '\n')); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return missing, finishFile(f, tmp, out)
}

func appendMediaPart(parts string, b []byte) error {
	f, err := os.OpenFile(filepath.Join(parts, "media.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

func finishFile(f *os.File, tmp, out string) error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
