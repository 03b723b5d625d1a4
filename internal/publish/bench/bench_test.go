package bench_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/publish/bench"
)

// The benchmark at a small size, so that it keeps working; `herald bench`
// runs it at full size (docs/performance.md).
func TestBenchSmall(t *testing.T) {
	var out strings.Builder
	res, err := bench.Run(context.Background(), bench.Options{DatabaseURL: os.Getenv(dbtest.EnvURL), Dir: t.TempDir(),
		Followers: 3000, Publications: 20000, Accounts: 500, Readers: 20, Follows: 100, Queries: 50, Duration: 100e6, BatchSize: 1000}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.MassSent != 3000 || res.MassBatches < 3 || res.FolderP99 <= 0 || res.FolderQPS[1] <= 0 || res.CapSent != 1500 || res.CapSkipped != 1500 {
		t.Errorf("result = %+v\n%s", res, out.String())
	}
	t.Log(out.String())
}
