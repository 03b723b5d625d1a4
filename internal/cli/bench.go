package cli

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/heraldoa/herald/internal/publish/bench"
)

// benchCmd builds the publishing datasets in a scratch database and prints
// the figures of docs/performance.md.
func benchCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var o bench.Options
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL server URL: a scratch database is created on it and dropped after (default: SQLite in a temporary directory)")
	fs.StringVar(&o.Dir, "dir", "", "where the temporary SQLite directory goes (default: the system temp dir)")
	fs.IntVar(&o.Followers, "followers", 1_000_000, "mass send: followers of the account")
	fs.IntVar(&o.Publications, "publications", 10_000_000, "folder: publications in the database")
	fs.IntVar(&o.Accounts, "accounts", 100_000, "folder: Subscription accounts")
	fs.IntVar(&o.Readers, "readers", 2_000, "folder: readers")
	fs.IntVar(&o.Follows, "follows", 1_000, "folder: accounts each reader follows")
	fs.IntVar(&o.Queries, "queries", 2_000, "folder: timed queries at concurrency 1")
	fs.DurationVar(&o.Duration, "duration", 0, "folder: how long each throughput run lasts (default 3s)")
	fs.StringVar(&o.Only, "only", "", `run only "mass" or "folder"`)
	fs.BoolVar(&o.Keep, "keep", false, "keep the scratch database")
	fs.BoolVar(&o.Reuse, "reuse", false, "folder: measure again on a database kept with --keep (--dir: its SQLite directory; --database-url: the kept PostgreSQL database) without building it")
	fs.IntVar(&o.BatchSize, "batch", 0, "mass send: recipients per batch (default 50000)")
	fs.IntVar(&o.Lanes, "lanes", 0, "mass send: lanes run side by side (default 1; 2 on PostgreSQL for sends that write a message per recipient)")
	fs.StringVar(&o.Profile, "profile", "", "folder: write pprof profiles of the throughput rounds to PREFIX.cpu, PREFIX.mutex and PREFIX.block, and of the process's allocations to PREFIX.allocs (profiling costs a few per cent of CPU)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err := bench.Run(ctx, o, env.Stdout)
	return err
}
