package bench_test

import (
	"context"
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
