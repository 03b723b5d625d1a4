package portability

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Every column of every exported table is either carried or deliberately
// left out (kinds A, z, O): a migration that adds a column must decide.
func TestSpecCoversEveryColumn(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for _, tb := range tables {
		rows, err := d.Query(ctx, `SELECT * FROM `+tb.name+` LIMIT 0`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		spec := map[string]bool{}
		for _, c := range tb.cols {
			spec[c.name] = true
		}
		for _, c := range cols {
			if !spec[c] {
				t.Errorf("%s.%s is not in the archive spec (%s)", tb.name, c, tb.file)
			}
			delete(spec, c)
		}
		for c := range spec {
			t.Errorf("%s: the spec names column %s, which the table lacks", tb.file, c)
		}
	}
}

func TestRewriteIDs(t *testing.T) {
	t.Parallel()
	ids := map[int64]int64{387506771946455040: 400000000000000001, 123456789012: 42}
	in := `<img src="/media/M` + "4xf0ka5ssm68" + `"> /s/387506771946455040 and 1796456014459540 and Mhello`
	// 4xf0ka5ssm68 is not an archive id: unchanged.
	out := rewriteIDs(in, ids)
	want := `<img src="/media/M4xf0ka5ssm68"> /s/400000000000000001 and 1796456014459540 and Mhello`
	if out != want {
		t.Fatalf("rewriteIDs:\n%s\nwant\n%s", out, want)
	}
	if got := rewriteIDs("cover M1kvd4dqrk.", map[int64]int64{4456666861760: 36}); got != "cover M10." {
		t.Fatalf("rewrite of a media_id: %s", got)
	}
}

// FuzzArchiveLine feeds arbitrary lines to every file's decoder: errors are
// fine, panics are not.
func FuzzArchiveLine(f *testing.F) {
	f.Add([]byte(`{"id":"1","follower":"o1","direction":"in","kind":"text","sender":"","body":"hi","created_at":1}`))
	f.Add([]byte(`{"openid":"o","following":true}`))
	f.Add([]byte(`{"key":"a/b.png","bytes":3,"sha256":"00"}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"msg_data_id":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, tb := range tables {
			_, _ = decodeRow(tb, b)
		}
		var fl follower
		_ = strictUnmarshal(b, &fl, followerFields)
		var ad AccountData
		_ = strictUnmarshal(b, &ad, accountFields)
	})
}

// FuzzOpenArchive feeds arbitrary bytes, and zips with an arbitrary
// manifest, to the archive reader.
func FuzzOpenArchive(f *testing.F) {
	mk := func(manifest string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("manifest.json")
		w.Write([]byte(manifest))
		for _, n := range []string{"account.json", "followers.jsonl", "media.jsonl"} {
			zw.Create(n)
		}
		zw.Close()
		return buf.Bytes()
	}
	f.Add(mk(`{"format":"herald-account-archive","schema_version":1,"archive_id":"0123456789abcdef0123456789abcdef","created_at":1,"generator":"","source":{"base_url":"","account_id":"1","name":"x"},"files":[{"name":"account.json","rows":0,"bytes":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},{"name":"followers.jsonl","rows":0,"bytes":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},{"name":"media.jsonl","rows":0,"bytes":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}`))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := OpenArchive(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_, _ = a.ReadAccount()
		_ = a.eachLine("followers.jsonl", func(int, []byte) error { return nil })
	})
}

// docs/portability.md describes every file and field the archive carries.
func TestDocsDescribeEveryField(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/portability.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, tb := range tables {
		i := strings.Index(doc, "### "+tb.file+"\n")
		if i < 0 {
			t.Errorf("docs/portability.md has no section for %s", tb.file)
			continue
		}
		sec := doc[i+4:]
		if j := strings.Index(sec, "\n### "); j >= 0 {
			sec = sec[:j]
		}
		for _, f := range tb.fields() {
			if !strings.Contains(sec, "`"+f+"`") {
				t.Errorf("docs/portability.md, %s: field %s is not described", tb.file, f)
			}
		}
	}
	for _, f := range append(append([]string{}, followerFields...), accountFields...) {
		if !strings.Contains(doc, "`"+f+"`") {
			t.Errorf("docs/portability.md: field %s is not described", f)
		}
	}
}
