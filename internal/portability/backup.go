package portability

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/jsontext"
	"github.com/heraldoa/herald/internal/media"
)

// BackupFormat names the platform backup format.
const BackupFormat = "herald-platform-backup"

// BackupManifest is manifest.json of a platform backup.
type BackupManifest struct {
	Format        string        `json:"format"`
	SchemaVersion int           `json:"schema_version"` // the database schema (migration) version
	Engine        string        `json:"engine"`         // sqlite or postgres, of the database backed up
	CreatedAt     int64         `json:"created_at"`     // Unix microseconds
	Generator     string        `json:"generator"`
	Tables        []BackupTable `json:"tables"`
	MediaFiles    int64         `json:"media_files"`
	MediaBytes    int64         `json:"media_bytes"`
	// MediaIncluded is false when the media store is not a local directory
	// (back up the bucket with its own tools).
	MediaIncluded bool `json:"media_included"`
}

// BackupTable is one table of a backup: tables/<name>.jsonl, one JSON array
// of the row's values (in Columns order) per line.
type BackupTable struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	Bytes   int64    `json:"bytes"`
	SHA256  string   `json:"sha256"`
}

// BackupOptions tunes Backup.
type BackupOptions struct {
	Generator string
	Now       func() time.Time
	// AfterSnapshot, for tests, runs once the snapshot has begun.
	AfterSnapshot func()
}

// Backup writes a consistent snapshot of the whole platform to w while the
// platform keeps serving: every table read inside one read-only transaction
// (one point in time, whatever writers do meanwhile), then the media files.
func Backup(ctx context.Context, d *db.DB, store media.Store, w io.Writer, opt BackupOptions) (_ *BackupManifest, err error) {
	defer wrap(&err, "portability.Backup()")
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &BackupManifest{Format: BackupFormat, Engine: d.Dialect().String(), CreatedAt: opt.Now().UnixMicro(), Generator: opt.Generator}
	zw := zip.NewWriter(w)
	modified := time.UnixMicro(m.CreatedAt).UTC()
	err = d.Snapshot(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&m.SchemaVersion); err != nil {
			return err
		}
		if opt.AfterSnapshot != nil {
			opt.AfterSnapshot()
		}
		names, err := db.Tables(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: "tables/" + name + ".jsonl", Method: zip.Deflate, Modified: modified})
			if err != nil {
				return err
			}
			bt, err := dumpTable(ctx, tx, name, fw)
			if err != nil {
				return fmt.Errorf("backup %s: %w", name, err)
			}
			m.Tables = append(m.Tables, *bt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if dir, ok := store.(media.Dir); ok {
		m.MediaIncluded = true
		err := filepath.WalkDir(dir.Root, func(path string, de fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil || de.IsDir() || strings.HasSuffix(path, ".tmp") {
				return err
			}
			rel, err := filepath.Rel(dir.Root, path)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			src, err := os.Open(path)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted since the walk saw it
			}
			if err != nil {
				return err
			}
			defer src.Close()
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: "media/" + key, Method: zip.Store, Modified: modified})
			if err != nil {
				return err
			}
			n, err := io.Copy(fw, src)
			m.MediaFiles++
			m.MediaBytes += n
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("backup media: %w", err)
		}
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return nil, err
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	if _, err := fw.Write(append(mb, '\n')); err != nil {
		return nil, err
	}
	return m, zw.Close()
}

func dumpTable(ctx context.Context, tx *db.Tx, name string, w io.Writer) (*BackupTable, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM `+name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	hw := newHashWriter(w)
	bw := bufio.NewWriterSize(hw, 64<<10)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	b := make([]byte, 0, 1024)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		b = append(b[:0], '[')
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			switch x := v.(type) {
			case nil:
				b = append(b, "null"...)
			case int64, int32, int, float64, bool:
				jb, _ := json.Marshal(x)
				b = append(b, jb...)
			case []byte:
				b = jsontext.AppendString(b, string(x))
			case string:
				b = jsontext.AppendString(b, x)
			case time.Time:
				b = jsontext.AppendString(b, x.UTC().Format(time.RFC3339Nano))
			default:
				return nil, fmt.Errorf("column %s: unexpected %T", cols[i], v)
			}
		}
		b = append(b, "]\n"...)
		if _, err := bw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return &BackupTable{Name: name, Columns: cols, Rows: hw.lines, Bytes: hw.n, SHA256: hw.sum()}, nil
}

// ErrNotEmpty refuses a restore into a database that holds a platform.
var ErrNotEmpty = errors.New("restore: the database already holds people or accounts; restore into an empty, migrated database")

// Restore brings a backup back into an empty database (migrated to the
// backup's schema version; only what migrations seed may be there) and its
// media into store. Tables are written in one transaction, in foreign-key
// order, each checked against its checksum; any fault rolls everything back.
// A backup of one engine restores into the other.
func Restore(ctx context.Context, d *db.DB, store media.Store, r io.ReaderAt, size int64) (*BackupManifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("restore: not a zip file: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mf := files["manifest.json"]
	if mf == nil {
		return nil, errors.New("restore: manifest.json is missing: not a Herald backup")
	}
	rc, err := mf.Open()
	if err != nil {
		return nil, err
	}
	var m BackupManifest
	err = json.NewDecoder(io.LimitReader(rc, maxManifest)).Decode(&m)
	rc.Close()
	if err != nil || m.Format != BackupFormat {
		return nil, fmt.Errorf("restore: manifest.json is not a Herald backup manifest")
	}
	ver, err := d.Version(ctx)
	if err != nil {
		return nil, err
	}
	if ver != m.SchemaVersion {
		return nil, fmt.Errorf("restore: the backup has schema version %d, this database %d: restore with the Herald version that made the backup, then upgrade", m.SchemaVersion, ver)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM accounts)`).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, ErrNotEmpty
	}
	order, err := db.Tables(ctx, d)
	if err != nil {
		return nil, err
	}
	byName := map[string]*BackupTable{}
	for i := range m.Tables {
		t := &m.Tables[i]
		if files["tables/"+t.Name+".jsonl"] == nil {
			return nil, fmt.Errorf("restore: tables/%s.jsonl is missing", t.Name)
		}
		byName[t.Name] = t
	}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		for i := len(order) - 1; i >= 0; i-- { // rows the migrations seeded
			if _, err := tx.Exec(ctx, `DELETE FROM `+order[i]); err != nil {
				return err
			}
		}
		for _, name := range order {
			t := byName[name]
			if t == nil {
				continue // a table the backup's engine does not have (none today)
			}
			if err := restoreTable(ctx, tx, t, files["tables/"+name+".jsonl"]); err != nil {
				return fmt.Errorf("restore %s: %w", name, err)
			}
		}
		for name := range byName {
			found := false
			for _, o := range order {
				found = found || o == name
			}
			if !found {
				return fmt.Errorf("restore: the backup has table %s, which this database lacks", name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, f := range files {
		key, ok := strings.CutPrefix(name, "media/")
		if !ok || strings.HasSuffix(name, "/") {
			continue
		}
		if !validMediaKey(key) {
			return nil, fmt.Errorf("restore: %s is not a valid media key", name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		_, err = store.Put(ctx, key, rc) // zip checks the file's CRC-32 as it is read
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("restore %s: %w", name, err)
		}
	}
	return &m, nil
}

func restoreTable(ctx context.Context, tx *db.Tx, t *BackupTable, f *zip.File) error {
	boolCol := make([]bool, len(t.Columns))
	if tx.Dialect() == db.Postgres {
		rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'boolean'`, t.Name)
		if err != nil {
			return err
		}
		bools := map[string]bool{}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			bools[c] = true
		}
		rows.Close()
		for i, c := range t.Columns {
			boolCol[i] = bools[c]
		}
	}
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		quoted[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
	}
	bt := newBatch(tx, `INSERT INTO `+t.Name+` (`+strings.Join(quoted, ", ")+`) VALUES `, len(t.Columns))
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(rc, h), 256<<10)
	var lines, nbytes int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			lines++
			nbytes += int64(len(line))
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			var vals []any
			if err := dec.Decode(&vals); err != nil || len(vals) != len(t.Columns) {
				return fmt.Errorf("line %d: not a row of %d values", lines, len(t.Columns))
			}
			for i, v := range vals {
				switch x := v.(type) {
				case json.Number:
					if n, err := x.Int64(); err == nil {
						if boolCol[i] {
							vals[i] = n != 0
						} else {
							vals[i] = n
						}
					} else if fl, err := x.Float64(); err == nil {
						vals[i] = fl
					}
				}
			}
			if err := bt.add(ctx, vals...); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := bt.flush(ctx); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != t.SHA256 || lines != t.Rows || nbytes != t.Bytes {
		return fmt.Errorf("tables/%s.jsonl does not match its checksum", t.Name)
	}
	return nil
}

// WriteBackupFile writes a backup to path, through a temporary file that is
// renamed into place only when complete.
func WriteBackupFile(ctx context.Context, d *db.DB, store media.Store, path string, opt BackupOptions) (*BackupManifest, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	m, err := Backup(ctx, d, store, bw, opt)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = finishFile(f, tmp, path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return m, nil
}
