package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wxclient"
)

// mediaStore is the media store the server would use for cfg.
func mediaStore(cfg *config.Config) media.Store {
	return media.Dir{Root: filepath.Join(cfg.DataDir, "media")}
}

// exportCmd is "herald export --account ID -o FILE".
func exportCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("herald export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	acct := fs.Int64("account", 0, "id of the account to export (required)")
	out := fs.String("o", "", "archive file to write (required); an interrupted export run again with the same file continues")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *acct == 0 || *out == "" {
		return errors.New("usage: herald export --account ID -o FILE.zip [config flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	last := ""
	res, err := portability.Export(ctx, d, mediaStore(cfg), *acct, *out, portability.ExportOptions{
		BaseURL: cfg.BaseURL, Generator: "herald " + Version(env.Version),
		Progress: func(p portability.Progress) {
			line := fmt.Sprintf("[%d/%d] %s %d/%d", p.FilesDone+1, p.Files, p.File, p.Rows, p.Total)
			if line != last {
				fmt.Fprintln(env.Stderr, line)
				last = line
			}
		}})
	if err != nil {
		return err
	}
	var rows int64
	for _, f := range res.Manifest.Files {
		rows += f.Rows
	}
	fmt.Fprintf(env.Stdout, "Exported %q to %s: %d files, %d rows", res.Manifest.Source.Name, *out, len(res.Manifest.Files), rows)
	if len(res.Resumed) > 0 {
		fmt.Fprintf(env.Stdout, " (%d files kept from the interrupted run)", len(res.Resumed))
	}
	fmt.Fprintln(env.Stdout)
	for _, k := range res.MissingMedia {
		fmt.Fprintf(env.Stderr, "warning: media file %s is named by a row but missing from the media store\n", k)
	}
	return nil
}

// importCmd is "herald import -i FILE (--account ID | --owner USERNAME)",
// or "herald import --from-wechat --appid APPID ..." to pull the account
// from a WeChat-compatible API first.
func importCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("herald import", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	in := fs.String("i", "", "account archive to import (required unless --from-wechat)")
	acct := fs.Int64("account", 0, "import into this existing, empty account")
	owner := fs.String("owner", "", "or: create a new active account from the archive's profile, owned by this username")
	check := fs.Bool("check", false, "validate the archive against this platform and write nothing")
	fromWeChat := fs.Bool("from-wechat", false, "pull the account from WeChat's API (or another WeChat-compatible one) and import it")
	appid := fs.String("appid", "", "--from-wechat: the account's AppID")
	secretFile := fs.String("secret-file", "", "--from-wechat: a file whose first line is the AppSecret (else env HERALD_WECHAT_SECRET)")
	apiBase := fs.String("api-base", wxclient.DefaultBaseURL, "--from-wechat: the API's base URL")
	work := fs.String("work", "", "--from-wechat: work directory kept between runs, so an interrupted pull continues (default ./wechat-APPID)")
	rate := fs.Float64("rate", 20, "--from-wechat: API calls per second at most")
	name := fs.String("name", "", "--from-wechat with --owner: the new account's name (default \"WeChat APPID\")")
	typ := fs.String("type", account.Subscription, "--from-wechat with --owner: subscription or service")
	region := fs.String("region", account.Domestic, "--from-wechat with --owner: domestic or international")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if (*in == "") == !*fromWeChat || (*acct == 0) == (*owner == "") && !*check {
		return errors.New("usage: herald import (-i FILE.zip | --from-wechat --appid APPID [--secret-file F]) (--account ID | --owner USERNAME | --check) [config flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	if *fromWeChat {
		secret := env.Getenv("HERALD_WECHAT_SECRET")
		if *secretFile != "" {
			b, err := os.ReadFile(*secretFile)
			if err != nil {
				return err
			}
			secret, _, _ = strings.Cut(string(b), "\n")
		}
		secret = strings.TrimSpace(secret)
		if *appid == "" || secret == "" {
			return errors.New("--from-wechat needs --appid and the AppSecret (--secret-file or HERALD_WECHAT_SECRET)")
		}
		if *rate <= 0 {
			return errors.New("--rate must be above 0")
		}
		dir := *work
		if dir == "" {
			dir = "wechat-" + *appid
		}
		profile := portability.AccountData{Name: strings.TrimSpace(*name), Type: *typ, Region: *region, Timezone: "Asia/Shanghai"}
		if profile.Name == "" {
			profile.Name = "WeChat " + *appid
		}
		if *acct != 0 {
			a, err := account.NewStore(d, clock.Real{}).ByID(ctx, *acct)
			if err != nil {
				return fmt.Errorf("--account %d: %w", *acct, err)
			}
			profile = portability.AccountData{Name: a.Name, Type: a.Type, Region: a.Region, Description: a.Description,
				Organisation: a.Organisation, Timezone: a.Timezone}
		}
		c := &wxclient.Client{BaseURL: *apiBase, AppID: *appid, Secret: secret, HTTP: &http.Client{Timeout: 2 * time.Minute},
			Interval: time.Duration(float64(time.Second) / *rate)}
		last := ""
		err := portability.PullWeChat(ctx, c, dir, func(p portability.PullProgress) {
			if p.Step != last {
				fmt.Fprintf(env.Stderr, "Reading %s…\n", p.Step)
				last = p.Step
			}
			if p.Total > 0 && (p.Done == p.Total || p.Done%1000 == 0) {
				fmt.Fprintf(env.Stderr, "  %s: %d of %d\n", p.Step, p.Done, p.Total)
			}
		})
		if err != nil {
			return err
		}
		out := filepath.Join(dir, "archive.zip")
		rep, err := portability.BuildWeChatArchive(dir, out, profile, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Read from %s: %d followers (%d blacklisted), %d tags, %d materials, %d published and %d draft publications "+
			"(%d articles, %d images), %d menu buttons, %d auto-reply rules, %d templates\n", *apiBase, rep.Followers, rep.Blacklisted,
			rep.Tags, rep.Materials, rep.Published, rep.Drafts, rep.Articles, rep.Images, rep.MenuButtons, rep.Rules, rep.Templates)
		for _, l := range rep.LeftOut {
			fmt.Fprintf(env.Stdout, "  left out: %s\n", l.English())
		}
		*in = out
	}
	return importArchive(ctx, env, cfg, d, *in, *acct, *owner, *check)
}

// importArchive validates an archive file and imports it into an account
// (a new one owned by owner when acct is 0), or only checks it.
func importArchive(ctx context.Context, env Env, cfg *config.Config, d *db.DB, in string, acct int64, owner string, check bool) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if check {
		a, err := portability.OpenArchive(f, st.Size())
		if err != nil {
			return err
		}
		if err := portability.Validate(ctx, d, a); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: a valid archive of %q (schema version %d)\n", in, a.Manifest.Source.Name, a.Manifest.SchemaVersion)
		return nil
	}
	target := acct
	if owner != "" {
		a, err := portability.OpenArchive(f, st.Size())
		if err != nil {
			return err
		}
		ad, err := a.ReadAccount()
		if err != nil {
			return err
		}
		if err := portability.Validate(ctx, d, a); err != nil {
			return err
		}
		p, err := user.NewStore(d, clock.Real{}).ByUsername(ctx, owner)
		if err != nil {
			return fmt.Errorf("--owner %q: %w", owner, err)
		}
		created, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: ad.Type, Region: ad.Region, Name: ad.Name,
			Description: ad.Description, Organisation: ad.Organisation, Status: account.StatusActive, OwnerID: p.ID})
		if err != nil {
			return fmt.Errorf("create the account: %w", err)
		}
		target = created.ID
		fmt.Fprintf(env.Stdout, "Created account %q (id %d), owned by %s\n", created.Name, created.ID, owner)
	}
	res, err := portability.Import(ctx, d, mediaStore(cfg), target, f, st.Size(), portability.ImportOptions{})
	if err != nil {
		return err
	}
	if res.AlreadyImported {
		fmt.Fprintf(env.Stdout, "%s was already imported into account %d: nothing changed\n", in, target)
		return nil
	}
	var rows int64
	for _, n := range res.Rows {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "Imported %s into account %s: %d followers (openids kept), %d rows, %d media files\n",
		in, strconv.FormatInt(target, 10), res.Followers, rows, res.Media)
	return nil
}

// backupCmd is "herald backup -o FILE".
func backupCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("herald backup", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("o", "", "backup file to write (required), e.g. herald-backup.zip")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("usage: herald backup -o FILE.zip [config flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := portability.WriteBackupFile(ctx, d, mediaStore(cfg), *out, portability.BackupOptions{Generator: "herald " + Version(env.Version)})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(env.Stdout, "Backed up the %s database (schema version %d, %d tables, %d rows) and %d media files to %s\n",
		m.Engine, m.SchemaVersion, len(m.Tables), rows, m.MediaFiles, *out)
	return nil
}

// restoreCmd is "herald restore -i FILE" into an empty data directory or
// database.
func restoreCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("herald restore", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	in := fs.String("i", "", "backup file to restore (required)")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("usage: herald restore -i FILE.zip [config flags: an empty --data directory or --database-url]")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := portability.Restore(ctx, d, mediaStore(cfg), f, st.Size())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Restored a %s backup of %s (schema version %d, %d tables, %d media files) into the %s database\n",
		m.Engine, time.UnixMicro(m.CreatedAt).UTC().Format(time.RFC3339), m.SchemaVersion, len(m.Tables), m.MediaFiles, d.Dialect())
	return nil
}

// followersCmd is "herald followers export|import --account ID FILE".
func followersCmd(args []string, env Env) error {
	const usage = "usage: herald followers export --account ID FILE.csv | herald followers import --account ID [--dry-run] FILE.csv [config flags]"
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		return errors.New(usage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("herald followers "+verb, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	acct := fs.Int64("account", 0, "the account's id (required)")
	dry := fs.Bool("dry-run", false, "import: check every line and report, changing nothing")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *acct == 0 || fs.NArg() != 1 {
		return errors.New(usage)
	}
	file := fs.Arg(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	if verb == "export" {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		n, err := portability.ExportFollowerCSV(ctx, d, *acct, f)
		if err == nil {
			err = f.Close()
		} else {
			f.Close()
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Wrote %d followers to %s\n", n, file)
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := portability.ImportFollowerCSV(ctx, d, *acct, f, *dry)
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(env.Stdout, "%s line %d: %s\n", file, e.Line, e.Msg)
	}
	if !rep.OK() {
		if rep.ErrorsTotal > int64(len(rep.Errors)) {
			fmt.Fprintf(env.Stdout, "… and %d more\n", rep.ErrorsTotal-int64(len(rep.Errors)))
		}
		return fmt.Errorf("%d errors in %d lines: nothing changed", rep.ErrorsTotal, rep.Rows)
	}
	what := "Updated"
	if rep.DryRun {
		what = "Dry run, nothing changed: would update"
	}
	fmt.Fprintf(env.Stdout, "%s %d followers and add %d tag memberships from %d lines in %s\n", what, rep.Updated, rep.TagsAdded, rep.Rows, rep.Took.Round(time.Millisecond))
	return nil
}
