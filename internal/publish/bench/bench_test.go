package bench_test

import (
	"context"
	"database/sql"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/publish/bench"
)

// The benchmark at a small size, so that it keeps working; `herald bench`
// runs it at full size (docs/performance.md).
func TestBenchSmall(t *testing.T) {
	var out strings.Builder
	profile := filepath.Join(t.TempDir(), "folder")
	res, err := bench.Run(context.Background(), bench.Options{DatabaseURL: os.Getenv(dbtest.EnvURL), Dir: t.TempDir(),
		Followers: 3000, Publications: 20000, Accounts: 500, Readers: 20, Follows: 100, Queries: 50, Duration: 100e6, BatchSize: 1000,
		Profile: profile}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.MassSent != 3000 || res.MassBatches < 3 || res.FolderP99 <= 0 || res.FolderQPS[1] <= 0 || res.CapSent != 1500 || res.CapSkipped != 1500 {
		t.Errorf("result = %+v\n%s", res, out.String())
	}
	for _, ext := range []string{".cpu", ".mutex", ".block"} {
		if st, err := os.Stat(profile + ext); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v", ext, err)
		}
	}
	t.Log(out.String())
}

// A kept folder dataset can be measured again without being built, and
// the folder read there still equals the naive query (folderMeasure checks
// it before measuring).
func TestBenchReuse(t *testing.T) {
	pg := os.Getenv(dbtest.EnvURL)
	small := bench.Options{DatabaseURL: pg, Dir: t.TempDir(), Publications: 5000, Accounts: 200, Readers: 10, Follows: 50,
		Queries: 20, Duration: 30e6, Only: "folder", Keep: true}
	var out strings.Builder
	if _, err := bench.Run(context.Background(), small, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	again := small
	again.Reuse, again.Keep = true, false
	if pg == "" {
		_, dir, _ := strings.Cut(out.String(), "SQLite database in ")
		again.Dir, _, _ = strings.Cut(dir, "\n")
	} else {
		_, name, _ := strings.Cut(out.String(), "PostgreSQL scratch database ")
		name, _, _ = strings.Cut(name, "\n")
		u, err := url.Parse(pg)
		if err != nil {
			t.Fatal(err)
		}
		admin, err := sql.Open("pgx", pg)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		defer admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		u.Path = "/" + name
		again.DatabaseURL = u.String()
	}
	out.Reset()
	res, err := bench.Run(context.Background(), again, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.FolderReaders != 10 || res.FolderFollowsEach != 50 || res.FolderQPS[4] <= 0 || strings.Contains(out.String(), "building") {
		t.Errorf("result = %+v\n%s", res, out.String())
	}
	again.Only = ""
	if _, err := bench.Run(context.Background(), again, io.Discard); err == nil {
		t.Error("reuse without --only folder: no error")
	}
}
