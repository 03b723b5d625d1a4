package portability_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
)

// rewrite copies the archive at path, letting edit change any file's
// content; the manifest's checksums are recomputed when fixSums is set.
func rewrite(t *testing.T, path string, fixSums bool, edit func(name string, b []byte) []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	var order []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = edit(f.Name, b)
		order = append(order, f.Name)
	}
	if fixSums {
		var m portability.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		for i, fi := range m.Files {
			b := files[fi.Name]
			h := sha256.Sum256(b)
			m.Files[i].SHA256 = hex.EncodeToString(h[:])
			m.Files[i].Bytes = int64(len(b))
			m.Files[i].Rows = int64(bytes.Count(b, []byte("\n")))
		}
		files["manifest.json"], _ = json.Marshal(m)
	}
	out := filepath.Join(t.TempDir(), "edited.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range order {
		w, _ := zw.Create(n)
		w.Write(files[n])
	}
	zw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func replaceLine(b []byte, line int, with string) []byte {
	lines := strings.SplitAfter(string(b), "\n")
	lines[line-1] = with + "\n"
	return []byte(strings.Join(lines, ""))
}

// A bad archive is refused whole, naming the file and line at fault, and
// nothing of it is written.
func TestBadArchiveRefusedWhole(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	a := accts["harbour"]
	good := export(t, src, a.ID)
	dst := apptest.New(t)

	cases := []struct {
		name    string
		fixSums bool
		edit    func(name string, b []byte) []byte
		want    string
	}{
		{"bad line late in the archive", true, func(n string, b []byte) []byte {
			if n == "messages.jsonl" {
				return replaceLine(b, 3, `{"id":"1","follower":"nobody","direction":"in"}`)
			}
			return b
		}, "messages.jsonl line 3: field"},
		{"unknown follower", true, func(n string, b []byte) []byte {
			if n == "conversations.jsonl" {
				var row map[string]any
				first := strings.SplitN(string(b), "\n", 2)[0]
				json.Unmarshal([]byte(first), &row)
				row["follower"] = "o-not-a-follower"
				nb, _ := json.Marshal(row)
				return replaceLine(b, 1, string(nb))
			}
			return b
		}, `conversations.jsonl line 1: follower "o-not-a-follower" is not in followers.jsonl`},
		{"checksum", false, func(n string, b []byte) []byte {
			if n == "articles.jsonl" {
				return bytes.Replace(b, []byte("savers"), []byte("spenders"), 1)
			}
			return b
		}, "articles.jsonl: checksum mismatch"},
		{"not json", true, func(n string, b []byte) []byte {
			if n == "followers.jsonl" {
				return replaceLine(b, 7, `{"openid": oops}`)
			}
			return b
		}, "followers.jsonl line 7: not a JSON object"},
		{"newer schema", false, func(n string, b []byte) []byte {
			if n == "manifest.json" {
				return bytes.Replace(b, []byte(`"schema_version": 1`), []byte(`"schema_version": 99`), 1)
			}
			return b
		}, "schema version 99"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := rewrite(t, good, c.fixSums, c.edit)
			target := newTarget(t, dst, "Case "+strconv.Itoa(i)+" Bank", a.Type, a.Region)
			_, err := importFile(t, dst, target.ID, bad)
			var ae *portability.ArchiveError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import: %v, want an archive error containing %q", err, c.want)
			}
			var n int
			dst.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM follows WHERE account_id = ?`, target.ID).Scan(&n)
			if n != 0 {
				t.Fatalf("%d followers written from a refused archive", n)
			}
		})
	}
	// The good archive still imports, and its placeholder people cannot sign in.
	target := newTarget(t, dst, "Harbour Moved", a.Type, a.Region)
	if _, err := importFile(t, dst, target.ID, good); err != nil {
		t.Fatal(err)
	}
	var username string
	if err := dst.App.DB.QueryRow(context.Background(), `SELECT p.username FROM follows f JOIN people p ON p.id = f.person_id
		WHERE f.account_id = ? LIMIT 1`, target.ID).Scan(&username); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.App.Users.Authenticate(context.Background(), username, "!moved"); !errors.Is(err, user.ErrBadCredentials) {
		t.Fatalf("signing in as a placeholder: %v", err)
	}
	// The same archive into a second account is refused: openids stay unique.
	other := newTarget(t, dst, "Harbour Twice", a.Type, a.Region)
	if _, err := importFile(t, dst, other.ID, good); err == nil || !strings.Contains(err.Error(), "already belongs to a follower") {
		t.Fatalf("importing into a second account: %v", err)
	}
}

// An export that fails part-way continues from where it stopped.
func TestExportResumes(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	a := accts["harbour"]
	out := filepath.Join(t.TempDir(), "archive.zip")
	crash := errors.New("disk full")
	var seen []string
	_, err := portability.Export(context.Background(), src.App.DB, src.App.Media, a.ID, out, portability.ExportOptions{
		Fail: func(file string) error {
			seen = append(seen, file)
			if file == "messages.jsonl" {
				return crash
			}
			return nil
		}})
	if !errors.Is(err, crash) {
		t.Fatalf("first run: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an unfinished export left an archive behind")
	}
	var progress []portability.Progress
	res, err := portability.Export(context.Background(), src.App.DB, src.App.Media, a.ID, out, portability.ExportOptions{
		Progress: func(p portability.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Resumed) != len(seen)-1 || res.Resumed[0] != "account.json" {
		t.Fatalf("resumed %v after writing %v", res.Resumed, seen)
	}
	for _, p := range progress {
		if p.File == "account.json" || p.File == "followers.jsonl" {
			t.Fatalf("finished file %s written again", p.File)
		}
	}
	dst := apptest.New(t)
	target := newTarget(t, dst, a.Name, a.Type, a.Region)
	if _, err := importFile(t, dst, target.ID, out); err != nil {
		t.Fatalf("the resumed archive does not import: %v", err)
	}
	if _, err := os.Stat(out + ".parts"); !os.IsNotExist(err) {
		t.Fatalf("parts directory left behind: %v", err)
	}
}
