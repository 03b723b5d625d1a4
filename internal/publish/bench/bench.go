// Package bench builds large publishing datasets and measures the two
// publishing goals (docs/performance.md): a mass send to 1,000,000
// followers, and the Subscriptions folder with 10,000,000 publications and
// 1,000 followed accounts per reader. `herald bench` runs it.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/settings"
)

// Options size the datasets.
type Options struct {
	DatabaseURL  string // PostgreSQL server (a scratch database is created on it); "" for SQLite in a temp dir
	Dir          string // SQLite: where the temp dir goes ("" = os.TempDir())
	Followers    int    // mass send: followers of the Service account (default 1,000,000)
	Publications int    // folder: publications in the database (default 10,000,000)
	Accounts     int    // folder: Subscription accounts they belong to (default 100,000)
	Readers      int    // folder: readers (default 2,000)
	Follows      int    // folder: accounts each reader follows (default 1,000)
	Queries      int    // folder: timed queries at concurrency 1 (default 2,000)
	Duration     time.Duration
	Only         string // "mass", "folder" or "" for both
	Keep         bool   // keep the scratch database
	// Reuse measures the folder on a database kept by an earlier run
	// (Keep) instead of building one: DatabaseURL is then that scratch
	// database itself on PostgreSQL, Dir the directory of its herald.db
	// on SQLite. Old and new builds can so be compared on the same data,
	// alternately, without rebuilding it for each run. Migration steps the
	// database lacks are applied first.
	Reuse     bool
	BatchSize int // mass-send batch size (default: the engine's)
	Lanes     int // mass-send lanes (default: the engine's)
	// Profile, when set, is the path prefix of pprof profiles of the
	// folder's throughput rounds: Profile+".cpu", ".mutex" and ".block".
	Profile string
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Followers, 1_000_000)
	def(&o.Publications, 10_000_000)
	def(&o.Accounts, 100_000)
	def(&o.Readers, 2_000)
	def(&o.Follows, 1_000)
	def(&o.Queries, 2_000)
	if o.Follows > o.Accounts {
		o.Follows = o.Accounts
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
}

// Result holds the measured figures.
type Result struct {
	Engine string

	MassFollowers  int
	MassBuild      time.Duration // building the followers
	MassDuration   time.Duration // Service account: Send → job done
	MassSent       int64
	MassBatches    int
	MassRate       float64 // recipients/s
	SubAllDuration time.Duration

	FolderBuild   time.Duration
	FolderP50     time.Duration
	FolderP99     time.Duration
	FolderMax     time.Duration
	FolderQPS     map[int]float64       // by concurrency
	FolderCPUAt   map[int]time.Duration // this process's CPU time per folder, by concurrency
	FolderCPU     time.Duration         // this process's CPU time per folder (SQLite: includes the database)
	MassCPU       time.Duration         // this process's CPU time for the Service send (SQLite: includes the database)
	MassServerCPU time.Duration         // PostgreSQL: CPU time of the database's backends for it
	// The Service account's fifth send of the month, to all followers, after
	// two more to all and one to a tag of every second follower: half of
	// them had 4 and are skipped by the per-follower monthly cap.
	CapDuration       time.Duration
	CapCPU            time.Duration
	CapServerCPU      time.Duration
	CapSent           int64
	CapSkipped        int64
	FolderServerCPU   time.Duration // PostgreSQL: backends' CPU time per folder
	Load              [2]float64    // the machine's load average before and after
	NaiveP50          time.Duration
	FolderPubs        int
	FolderAccounts    int
	FolderReaders     int
	FolderFollowsEach int
}

// Run builds the datasets in a scratch database and measures; progress
// goes to out.
func Run(ctx context.Context, o Options, out io.Writer) (*Result, error) {
	o.defaults()
	d, cleanup, err := open(ctx, o, out)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &Result{Engine: d.Dialect().String(), FolderQPS: map[int]float64{}, FolderCPUAt: map[int]time.Duration{}}
	res.Load[0] = loadAvg()
	fmt.Fprintf(out, "machine: %d CPUs, load average %.2f\n", runtime.NumCPU(), res.Load[0])
	defer func() {
		res.Load[1] = loadAvg()
		fmt.Fprintf(out, "load average at the end: %.2f (other processes share these cores: compare CPU times when it is high)\n", res.Load[1])
	}()
	c := clock.Real{}
	set := settings.NewStore(d, c)
	st := publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: os.TempDir()}, Settings: set})
	if o.Reuse && o.Only != "folder" {
		return nil, errors.New("reuse: only the folder can be measured again (--only folder)")
	}
	if o.Only == "" || o.Only == "mass" {
		if err := massSend(ctx, d, st, set, o, res, out); err != nil {
			return nil, fmt.Errorf("mass send: %w", err)
		}
	}
	if o.Only == "" || o.Only == "folder" {
		if err := folderBench(ctx, d, folder.NewStore(d, c), o, res, out); err != nil {
			return nil, fmt.Errorf("folder: %w", err)
		}
	}
	return res, nil
}

func open(ctx context.Context, o Options, out io.Writer) (*db.DB, func(), error) {
	if o.Reuse {
		if o.DatabaseURL == "" && o.Dir == "" {
			return nil, nil, errors.New("reuse: give the kept database's directory (SQLite) or URL (PostgreSQL)")
		}
		d, err := db.Open(ctx, o.DatabaseURL, o.Dir)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(out, "reusing the %s database of an earlier run\n", d.Dialect())
		// A database kept by an older build lacks this build's newer steps
		// (SQLite's folder_accounts, migration 0147, which the folder reads).
		n, err := d.Migrate(ctx)
		if err != nil {
			d.Close()
			return nil, nil, err
		}
		if n > 0 {
			fmt.Fprintf(out, "  applied %d newer migration step(s) to it\n", n)
		}
		return d, func() { d.Close() }, nil
	}
	if o.DatabaseURL == "" {
		dir, err := os.MkdirTemp(o.Dir, "herald-bench-")
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(out, "SQLite database in %s\n", dir)
		d, err := db.Open(ctx, "", dir)
		if err != nil {
			return nil, nil, err
		}
		if _, err := d.Migrate(ctx); err != nil {
			return nil, nil, err
		}
		return d, func() {
			d.Close()
			if !o.Keep {
				os.RemoveAll(dir)
			}
		}, nil
	}
	admin, err := sql.Open("pgx", o.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "herald_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return nil, nil, err
	}
	u, err := url.Parse(o.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	u.Path = "/" + name
	fmt.Fprintf(out, "PostgreSQL scratch database %s\n", name)
	d, err := db.Open(ctx, u.String(), "")
	if err != nil {
		return nil, nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	return d, func() {
		d.Close()
		if !o.Keep {
			_, _ = admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		}
		admin.Close()
	}, nil
}

// series returns a SELECT producing n in [from, to] as column "n".
func series(d db.Dialect, from, to int64) string {
	if d == db.Postgres {
		return fmt.Sprintf(`SELECT n FROM generate_series(%d::bigint, %d::bigint) AS g(n)`, from, to)
	}
	return fmt.Sprintf(`WITH RECURSIVE g(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM g WHERE n < %d) SELECT n FROM g`, from, to)
}

func exec(ctx context.Context, d *db.DB, q string, args ...any) error {
	_, err := d.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%.120s: %w", strings.Join(strings.Fields(q), " "), err)
	}
	return nil
}

// insertPeople adds people with ids base+1 … base+n, in chunks.
func insertPeople(ctx context.Context, d *db.DB, base int64, n int, prefix string) error {
	const chunk = 500_000
	for start := int64(1); start <= int64(n); start += chunk {
		end := min(start+chunk-1, int64(n))
		if err := exec(ctx, d, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at)
			SELECT CAST(? AS BIGINT) + n, '`+prefix+`' || n, 'Reader ' || n, 'x', 1, 1 FROM (`+series(d.Dialect(), start, end)+`) s`, base); err != nil {
			return err
		}
	}
	return nil
}

func newAccount(ctx context.Context, d *db.DB, typ, name string) (int64, error) {
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive})
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

func massSend(ctx context.Context, d *db.DB, st *publish.Store, set *settings.Store, o Options, res *Result, out io.Writer) error {
	n := o.Followers
	res.MassFollowers = n
	fmt.Fprintf(out, "mass send: building %d followers ...\n", n)
	t0 := time.Now()
	base := id.NewBlock(int64(n) + 1)
	if err := insertPeople(ctx, d, base, n, "f"); err != nil {
		return err
	}
	svc, err := newAccount(ctx, d, account.Service, "Bench Service")
	if err != nil {
		return err
	}
	sub, err := newAccount(ctx, d, account.Subscription, "Bench Subscription")
	if err != nil {
		return err
	}
	for _, acct := range []int64{svc, sub} {
		if err := exec(ctx, d, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at)
			SELECT ?, id, 'o' || ? || '_' || id, TRUE, 'search', 1, 1 FROM people WHERE id > ? AND id <= ?`, acct, fmt.Sprint(acct), base, base+int64(n)); err != nil {
			return err
		}
		if err := exec(ctx, d, `UPDATE accounts SET follower_count = ? WHERE id = ?`, n, acct); err != nil {
			return err
		}
	}
	if err := analyze(ctx, d); err != nil {
		return err
	}
	res.MassBuild = time.Since(t0)
	fmt.Fprintf(out, "  built in %s\n", res.MassBuild.Round(time.Millisecond))

	eng := publish.NewEngineWith(st, slog.New(slog.NewTextHandler(io.Discard, nil)), publish.EngineOptions{BatchSize: o.BatchSize, Lanes: o.Lanes})
	for _, acct := range []int64{svc, sub} {
		p, err := st.SaveDraft(ctx, acct, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Benchmark send", Body: "Hello, **everyone**."}}})
		if err != nil {
			return err
		}
		start, cpu0, pg0 := time.Now(), cpuTime(), backendCPU(ctx, d)
		j, err := st.Send(ctx, acct, 0, p.ID, publish.SendOptions{Mode: publish.ModeMass})
		if err != nil {
			return err
		}
		if j, err = eng.Run(ctx, j.ID); err != nil {
			return err
		}
		took, cpu, pgCPU := time.Since(start), cpuTime()-cpu0, backendCPU(ctx, d)-pg0
		if j.State != publish.JobDone || j.SentCount != int64(n) {
			return fmt.Errorf("job ended %s with %d sent of %d (%s)", j.State, j.SentCount, n, j.Error)
		}
		if acct == svc {
			// Stored once, with one recipient row per follower.
			var parts, recipients int64
			if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM broadcasts WHERE job_id = ?`, j.ID), &parts); err != nil {
				return err
			}
			if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.send_id WHERE b.job_id = ?`, j.ID), &recipients); err != nil {
				return err
			}
			if parts != 1 || recipients != int64(n) {
				return fmt.Errorf("%d broadcast parts and %d recipients committed, want 1 and %d", parts, recipients, n)
			}
			res.MassDuration, res.MassSent, res.MassBatches = took, j.SentCount, j.Batches
			res.MassRate = float64(n) / took.Seconds()
			res.MassCPU, res.MassServerCPU = cpu, pgCPU
			server := ""
			if d.Dialect() == db.Postgres {
				server = fmt.Sprintf(", of its PostgreSQL backends %s", pgCPU.Round(time.Millisecond))
			}
			fmt.Fprintf(out, "  Service account, %d followers: the broadcast and every recipient committed in %s (%d batches, %.0f recipients/s; CPU time of this process %s%s); report: %s\n",
				n, took.Round(time.Millisecond), j.Batches, res.MassRate, cpu.Round(time.Millisecond), server, j)
			if err := capSend(ctx, d, st, set, eng, acct, base, n, res, out); err != nil {
				return fmt.Errorf("per-follower cap: %w", err)
			}
		} else {
			res.SubAllDuration = took
			fmt.Fprintf(out, "  Subscription account, %d followers (fan-out on read): done in %s; report: %s\n", n, took.Round(time.Millisecond), j)
		}
	}
	return nil
}

// capSend measures the Service account's fifth send of the month: two more
// sends to all and one to a tag of every second follower first (sends two
// to four, which nobody can be at the cap for, cost what the first did),
// then one to all, which reaches the half who had 3 and skips the half who
// had 4.
func capSend(ctx context.Context, d *db.DB, st *publish.Store, set *settings.Store, eng *publish.Engine, acct, base int64, n int, res *Result, out io.Writer) error {
	p, err := set.Get(ctx)
	if err != nil {
		return err
	}
	p.ServiceMassSendsPerMonth = max(p.ServiceMassSendsPerMonth, 5)
	if err := set.Save(ctx, p); err != nil {
		return err
	}
	const tag = 1
	if err := exec(ctx, d, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, ?, 'Half', 'half', ?, 1)`, acct, tag, n/2); err != nil {
		return err
	}
	if err := exec(ctx, d, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at)
		SELECT ?, ?, id, 1 FROM people WHERE id > ? AND id <= ? AND (id - ?) % 2 = 0`, acct, tag, base, base+int64(n), base); err != nil {
		return err
	}
	if err := analyze(ctx, d); err != nil {
		return err
	}
	send := func(title string, opts publish.SendOptions) (*publish.Job, error) {
		pub, err := st.SaveDraft(ctx, acct, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "Hello again."}}})
		if err != nil {
			return nil, err
		}
		j, err := st.Send(ctx, acct, 0, pub.ID, opts)
		if err != nil {
			return nil, err
		}
		if j, err = eng.Run(ctx, j.ID); err != nil {
			return nil, err
		}
		if j.State != publish.JobDone {
			return nil, fmt.Errorf("%s ended %s (%s)", title, j.State, j.Error)
		}
		return j, nil
	}
	for i := 2; i <= 3; i++ {
		if _, err := send(fmt.Sprint("Send ", i), publish.SendOptions{Mode: publish.ModeMass}); err != nil {
			return err
		}
	}
	if _, err := send("Send 4", publish.SendOptions{Mode: publish.ModeMass, Target: publish.TargetTag, TagID: tag}); err != nil {
		return err
	}
	start, cpu0, pg0 := time.Now(), cpuTime(), backendCPU(ctx, d)
	j, err := send("Send 5", publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		return err
	}
	took, cpu, pgCPU := time.Since(start), cpuTime()-cpu0, backendCPU(ctx, d)-pg0
	half := int64(n / 2) // the tag's members
	if j.TotalCount != int64(n) || j.CappedCount != half || j.SentCount != int64(n)-half {
		return fmt.Errorf("fifth send: %s, %d skipped; want %d skipped", j, j.CappedCount, half)
	}
	var over int64
	if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT r.person_id FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.send_id
		WHERE b.account_id = ? GROUP BY r.person_id HAVING COUNT(*) > 4) x`, acct), &over); err != nil {
		return err
	}
	if over != 0 {
		return fmt.Errorf("%d followers received more than 4 sends", over)
	}
	res.CapDuration, res.CapCPU, res.CapServerCPU, res.CapSent, res.CapSkipped = took, cpu, pgCPU, j.SentCount, j.CappedCount
	server := ""
	if d.Dialect() == db.Postgres {
		server = fmt.Sprintf(", of its PostgreSQL backends %s", pgCPU.Round(time.Millisecond))
	}
	fmt.Fprintf(out, "  Service account, fifth send of the month to %d followers, half of them at the per-follower cap: done in %s (CPU time of this process %s%s); report: %s, %d at the cap\n",
		n, took.Round(time.Millisecond), cpu.Round(time.Millisecond), server, j, j.CappedCount)
	return nil
}

func analyze(ctx context.Context, d *db.DB) error {
	if d.Dialect() == db.Postgres {
		return exec(ctx, d, `VACUUM ANALYZE`)
	}
	return exec(ctx, d, `ANALYZE`)
}

func folderBench(ctx context.Context, d *db.DB, st *folder.Store, o Options, res *Result, out io.Writer) error {
	if o.Reuse {
		return folderBenchAgain(ctx, d, st, o, res, out)
	}
	res.FolderPubs, res.FolderAccounts, res.FolderReaders, res.FolderFollowsEach = o.Publications, o.Accounts, o.Readers, o.Follows
	fmt.Fprintf(out, "folder: building %d publications over %d accounts, %d readers following %d accounts each ...\n",
		o.Publications, o.Accounts, o.Readers, o.Follows)
	t0 := time.Now()
	now := time.Now().UnixMicro()
	accBase, err := folderAccounts(ctx, d, o, now)
	if err != nil {
		return err
	}
	if err := folderPublications(ctx, d, o, accBase, now, t0, out); err != nil {
		return err
	}
	readerBase, err := folderReaders(ctx, d, o, accBase)
	if err != nil {
		return err
	}
	if err := analyze(ctx, d); err != nil {
		return err
	}
	res.FolderBuild = time.Since(t0)
	fmt.Fprintf(out, "  built in %s\n", res.FolderBuild.Round(time.Second))

	return folderMeasure(ctx, d, st, o, o.Readers, readerBase, res, out)
}

// folderBenchAgain measures the folder on a database an earlier run built
// and kept: its readers are the people named r1, r2, … (folderReaders).
func folderBenchAgain(ctx context.Context, d *db.DB, st *folder.Store, o Options, res *Result, out io.Writer) error {
	var first int64
	if err := d.QueryRow(ctx, `SELECT id FROM people WHERE username = 'r1'`).Scan(&first); err != nil {
		return fmt.Errorf("reuse: no folder dataset here: %w", err)
	}
	readerBase := first - 1
	var readers int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM people WHERE id > ? AND id <= ? AND username LIKE 'r%'`,
		readerBase, readerBase+int64(o.Readers)).Scan(&readers); err != nil {
		return err
	}
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE person_id = ?`, first).Scan(&res.FolderFollowsEach); err != nil {
		return err
	}
	res.FolderReaders = readers
	fmt.Fprintf(out, "folder: %d readers following %d accounts each, on the kept data\n", readers, res.FolderFollowsEach)
	return folderMeasure(ctx, d, st, o, readers, readerBase, res, out)
}

// folderMeasure checks the folder against the naive query, then measures
// its latency and its throughput at concurrency 1, 2 and 4.
func folderMeasure(ctx context.Context, d *db.DB, st *folder.Store, o Options, readers int, readerBase int64, res *Result, out io.Writer) error {
	q := &folderQueries{ctx: ctx, d: d, st: st, readers: readers, readerBase: readerBase, rnd: mrand.New(mrand.NewPCG(1, 2)),
		profile: o.Profile}
	if err := q.latency(o.Queries, res, out); err != nil {
		return err
	}
	if err := q.throughput(o.Duration, res, out); err != nil {
		return err
	}
	return q.naive(res, out)
}

// benchYear is a year in microseconds: how far back publications spread,
// and how long a third of the accounts stay verified.
const benchYear = int64(365 * 24 * time.Hour / time.Microsecond)

// folderAccounts inserts the folder dataset's accounts, a third of them
// verified, and returns the base of their ids.
func folderAccounts(ctx context.Context, d *db.DB, o Options, now int64) (int64, error) {
	accBase := id.NewBlock(int64(o.Accounts) + 1)
	return accBase, exec(ctx, d, `INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at, verified_until)
		SELECT CAST(? AS BIGINT) + n, 'subscription', 'domestic', 'Bench account ' || n, 'bench account ' || n, 'active', 1, 1, CASE WHEN n % 3 = 0 THEN CAST(? AS BIGINT) ELSE 0 END
		FROM (`+series(d.Dialect(), 1, int64(o.Accounts))+`) s`, accBase, now+benchYear)
}

// folderPublications loads the published publications in chunks without
// the secondary indexes, builds the indexes (much faster than loading
// with them) and sets each account's last publication time.
func folderPublications(ctx context.Context, d *db.DB, o Options, accBase, now int64, t0 time.Time, out io.Writer) error {
	if err := exec(ctx, d, `DROP INDEX publications_folder`); err != nil {
		return err
	}
	if err := exec(ctx, d, `DROP INDEX publications_account`); err != nil {
		return err
	}
	pubBase := id.NewBlock(int64(o.Publications) + 1)
	const chunk = 1_000_000
	for start := int64(1); start <= int64(o.Publications); start += chunk {
		end := min(start+chunk-1, int64(o.Publications))
		// Account n % A; time spread over a year by a multiplicative hash.
		q := `INSERT INTO publications (id, account_id, kind, state, title, article_count, first_article_id, published_at, folder_at, mass_sent, created_at, updated_at)
			SELECT CAST(? AS BIGINT) + n, CAST(? AS BIGINT) + 1 + (n % CAST(? AS BIGINT)), 'news', 'published', 'Publication number ' || n, 1, CAST(? AS BIGINT) + n,
				CAST(? AS BIGINT) - ((n * 2654435761) % CAST(? AS BIGINT)), CAST(? AS BIGINT) - ((n * 2654435761) % CAST(? AS BIGINT)), TRUE, 1, 1
			FROM (` + series(d.Dialect(), start, end) + `) s`
		if err := execWithoutForeignKeys(ctx, d, q, pubBase, accBase, o.Accounts, pubBase, now, benchYear, now, benchYear); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %d publications (%s)\n", end, time.Since(t0).Round(time.Second))
	}
	fmt.Fprintf(out, "  building indexes (%s)\n", time.Since(t0).Round(time.Second))
	if err := exec(ctx, d, `CREATE INDEX publications_folder ON publications (account_id, folder_at, id) WHERE folder_at > 0`); err != nil {
		return err
	}
	if err := exec(ctx, d, `CREATE INDEX publications_account ON publications (account_id, state, updated_at)`); err != nil {
		return err
	}
	return exec(ctx, d, `UPDATE accounts SET last_published_at = COALESCE((SELECT MAX(p.folder_at) FROM publications p
		WHERE p.account_id = accounts.id AND p.folder_at > 0), 0) WHERE id > ? AND id <= ?`, accBase, accBase+int64(o.Accounts))
}

// execWithoutForeignKeys runs a bulk insert with the foreign-key checks
// off (a replica session on PostgreSQL, the pragma on SQLite).
func execWithoutForeignKeys(ctx context.Context, d *db.DB, q string, args ...any) error {
	if d.Dialect() == db.Postgres {
		return d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil { // skip FK triggers while loading
				return err
			}
			_, err := tx.Exec(ctx, q, args...)
			return err
		})
	}
	if err := exec(ctx, d, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	if err := exec(ctx, d, q, args...); err != nil {
		return err
	}
	return exec(ctx, d, `PRAGMA foreign_keys = ON`)
}

// folderReaders inserts the readers and their follows and returns the
// base of their ids. Reader r follows accounts (r*7919 + j) % A for
// j < Follows: distinct.
func folderReaders(ctx context.Context, d *db.DB, o Options, accBase int64) (int64, error) {
	readerBase := id.NewBlock(int64(o.Readers) + 1)
	if err := insertPeople(ctx, d, readerBase, o.Readers, "r"); err != nil {
		return 0, err
	}
	dia := d.Dialect()
	for start := int64(1); start <= int64(o.Readers); start += 200 {
		end := min(start+199, int64(o.Readers))
		if err := exec(ctx, d, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at)
			SELECT CAST(? AS BIGINT) + 1 + ((r.n * 7919 + j.n) % CAST(? AS BIGINT)), CAST(? AS BIGINT) + r.n, 'r' || r.n || '_' || j.n, TRUE, 'search', 1, 1
			FROM (`+series(dia, start, end)+`) r CROSS JOIN (`+series(dia, 0, int64(o.Follows-1))+`) j`,
			accBase, o.Accounts, readerBase); err != nil {
			return 0, err
		}
	}
	return readerBase, nil
}

// folderQueries reads random readers' folders from the built dataset.
type folderQueries struct {
	ctx        context.Context
	d          *db.DB
	st         *folder.Store
	readers    int
	readerBase int64
	rnd        *mrand.Rand // the readers of the sequential measurements
	profile    string      // Options.Profile
}

// reader picks a reader with r.
func (q *folderQueries) reader(r *mrand.Rand) int64 {
	return q.readerBase + 1 + r.Int64N(int64(q.readers))
}

// one reads the first page of pid's folder and says how long it took.
func (q *folderQueries) one(pid int64) (time.Duration, error) {
	start := time.Now()
	items, err := q.st.Items(q.ctx, pid, folder.Cursor{}, 20)
	if err == nil && len(items) != 20 {
		err = fmt.Errorf("folder of %d has %d items, want 20", pid, len(items))
	}
	return time.Since(start), err
}

// latency checks a few folders against the naive query, warms up, then
// measures n folders one after the other: percentiles and CPU time.
func (q *folderQueries) latency(n int, res *Result, out io.Writer) error {
	for range 5 {
		if err := checkNaive(q.ctx, q.d, q.st, q.reader(q.rnd)); err != nil {
			return err
		}
	}
	for range 200 { // warm-up
		if _, err := q.one(q.reader(q.rnd)); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, n)
	cpu0, pg0 := cpuTime(), backendCPU(q.ctx, q.d)
	for range n {
		t, err := q.one(q.reader(q.rnd))
		if err != nil {
			return err
		}
		lat = append(lat, t)
	}
	res.FolderCPU = (cpuTime() - cpu0) / time.Duration(n)
	res.FolderServerCPU = (backendCPU(q.ctx, q.d) - pg0) / time.Duration(n)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.FolderP50, res.FolderP99, res.FolderMax = pct(lat, 50), pct(lat, 99), lat[len(lat)-1]
	server := ""
	if q.d.Dialect() == db.Postgres {
		server = ", of the PostgreSQL backends " + ms(res.FolderServerCPU)
	}
	fmt.Fprintf(out, "  first page of 20, concurrency 1, %d queries: p50 %s, p99 %s, max %s; CPU time per folder: this process %s%s\n",
		len(lat), ms(res.FolderP50), ms(res.FolderP99), ms(res.FolderMax), ms(res.FolderCPU), server)
	return nil
}

// throughput measures folders per second at concurrency 1, 2 and 4 in
// interleaved rounds (1, 2, 4, 1, 2, 4, ...) so that the machine's other
// work, which drifts over seconds, weighs on the three alike: their ratios
// are what holds on a shared machine. CPU time per folder is taken per
// level too: contention that burns CPU (spinning, retries) shows there,
// waiting shows as lower throughput at the same CPU.
func (q *folderQueries) throughput(duration time.Duration, res *Result, out io.Writer) error {
	const rounds = 6
	concs := []int{1, 2, 4}
	stopProfiles, err := startProfiles(q.profile)
	if err != nil {
		return err
	}
	done := map[int]int64{}
	spent := map[int]time.Duration{}
	cpu := map[int]time.Duration{}
	for range rounds {
		for _, conc := range concs {
			start, cpu0 := time.Now(), cpuTime()
			n, err := q.concurrently(conc, start.Add(duration/rounds))
			if err != nil {
				_ = stopProfiles()
				return err
			}
			done[conc] += n
			spent[conc] += time.Since(start)
			cpu[conc] += cpuTime() - cpu0
		}
	}
	if err := stopProfiles(); err != nil {
		return err
	}
	if q.profile != "" {
		fmt.Fprintf(out, "  profiles of the throughput rounds: %[1]s.cpu, %[1]s.mutex, %[1]s.block, %[1]s.allocs (go tool pprof)\n", q.profile)
	}
	for _, conc := range concs {
		res.FolderQPS[conc] = float64(done[conc]) / spent[conc].Seconds()
		res.FolderCPUAt[conc] = cpu[conc] / time.Duration(max(done[conc], 1))
		fmt.Fprintf(out, "  throughput at concurrency %d: %.0f folders/s (%.2f× concurrency 1), CPU time per folder %s\n",
			conc, res.FolderQPS[conc], res.FolderQPS[conc]/res.FolderQPS[1], ms(res.FolderCPUAt[conc]))
	}
	return nil
}

// concurrently reads folders from conc goroutines until deadline and
// returns how many were read.
func (q *folderQueries) concurrently(conc int, deadline time.Time) (int64, error) {
	var total atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for range conc {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(seed, 7))
			for time.Now().Before(deadline) {
				if _, err := q.one(q.reader(r)); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				total.Add(1)
			}
		}(q.rnd.Uint64())
	}
	wg.Wait()
	return total.Load(), firstErr
}

// naive times the naive query shape on the same data, for comparison.
func (q *folderQueries) naive(res *Result, out io.Writer) error {
	var naive []time.Duration
	for range 10 {
		start := time.Now()
		if _, err := naiveFolder(q.ctx, q.d, q.reader(q.rnd)); err != nil {
			return err
		}
		naive = append(naive, time.Since(start))
	}
	sort.Slice(naive, func(i, j int) bool { return naive[i] < naive[j] })
	res.NaiveP50 = pct(naive, 50)
	fmt.Fprintf(out, "  (naive IN (...) ORDER BY ... LIMIT 20 on the same data: p50 %s)\n", ms(res.NaiveP50))
	return nil
}

// startProfiles starts a CPU profile at prefix+".cpu" and records mutex
// contention and blocking (every contention event; blocking of 10 µs and
// more); the returned function writes prefix+".mutex", prefix+".block"
// and prefix+".allocs" (every allocation since the process started: read
// it with -sample_index=alloc_space) and stops them. With prefix "" it does nothing.
func startProfiles(prefix string) (func() error, error) {
	if prefix == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(prefix + ".cpu")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	prevMutex := runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	return func() error {
		pprof.StopCPUProfile()
		err := f.Close()
		for _, name := range []string{"mutex", "block", "allocs"} {
			w, e := os.Create(prefix + "." + name)
			if e == nil {
				e = pprof.Lookup(name).WriteTo(w, 0)
				e = errors.Join(e, w.Close())
			}
			err = errors.Join(err, e)
		}
		runtime.SetMutexProfileFraction(prevMutex)
		runtime.SetBlockProfileRate(0)
		return err
	}, nil
}

func naiveFolder(ctx context.Context, d *db.DB, pid int64) ([]int64, error) {
	rows, err := d.Query(ctx, `SELECT p.id FROM publications p WHERE p.account_id IN (SELECT f.account_id FROM follows f WHERE f.person_id = ? AND f.following = TRUE)
		AND p.folder_at > 0 ORDER BY p.folder_at DESC, p.id DESC LIMIT 20`, pid)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}

func checkNaive(ctx context.Context, d *db.DB, st *folder.Store, pid int64) error {
	want, err := naiveFolder(ctx, d, pid)
	if err != nil {
		return err
	}
	items, err := st.Items(ctx, pid, folder.Cursor{}, 20)
	if err != nil {
		return err
	}
	if len(items) != len(want) {
		return fmt.Errorf("folder of %d: %d items, naive query %d", pid, len(items), len(want))
	}
	for i := range want {
		if items[i].PublicationID != want[i] {
			return fmt.Errorf("folder of %d differs from the naive query at item %d", pid, i)
		}
	}
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// backendCPU sums the CPU time of the PostgreSQL backends serving this
// database (read from /proc: only when the server runs on this machine;
// 0 otherwise and on SQLite).
func backendCPU(ctx context.Context, d *db.DB) time.Duration {
	if d.Dialect() != db.Postgres {
		return 0
	}
	rows, err := d.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	pids, err := db.Collect(rows, err, func(r *sql.Rows) (int, error) {
		var v int
		return v, r.Scan(&v)
	})
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		var ut, st int64
		fmt.Sscan(f[11], &ut)
		fmt.Sscan(f[12], &st)
		total += time.Duration(ut+st) * (time.Second / 100) // clock ticks (USER_HZ = 100)
	}
	return total
}

// loadAvg reads the 1-minute load average (0 where unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var v float64
	fmt.Sscan(string(b), &v)
	return v
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
