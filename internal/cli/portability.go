package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
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

// importCmd is "herald import -i FILE (--account ID | --owner USERNAME)".
func importCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("herald import", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	in := fs.String("i", "", "account archive to import (required)")
	acct := fs.Int64("account", 0, "import into this existing, empty account")
	owner := fs.String("owner", "", "or: create a new active account from the archive's profile, owned by this username")
	check := fs.Bool("check", false, "validate the archive against this platform and write nothing")
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *in == "" || (*acct == 0) == (*owner == "") && !*check {
		return errors.New("usage: herald import -i FILE.zip (--account ID | --owner USERNAME | --check) [config flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if *check {
		a, err := portability.OpenArchive(f, st.Size())
		if err != nil {
			return err
		}
		if err := portability.Validate(ctx, d, a); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: a valid archive of %q (schema version %d)\n", *in, a.Manifest.Source.Name, a.Manifest.SchemaVersion)
		return nil
	}
	target := *acct
	if *owner != "" {
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
		p, err := user.NewStore(d, clock.Real{}).ByUsername(ctx, *owner)
		if err != nil {
			return fmt.Errorf("--owner %q: %w", *owner, err)
		}
		created, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: ad.Type, Region: ad.Region, Name: ad.Name,
			Description: ad.Description, Organisation: ad.Organisation, Status: account.StatusActive, OwnerID: p.ID})
		if err != nil {
			return fmt.Errorf("create the account: %w", err)
		}
		target = created.ID
		fmt.Fprintf(env.Stdout, "Created account %q (id %d), owned by %s\n", created.Name, created.ID, *owner)
	}
	res, err := portability.Import(ctx, d, mediaStore(cfg), target, f, st.Size(), portability.ImportOptions{})
	if err != nil {
		return err
	}
	if res.AlreadyImported {
		fmt.Fprintf(env.Stdout, "%s was already imported into account %d: nothing changed\n", *in, target)
		return nil
	}
	var rows int64
	for _, n := range res.Rows {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "Imported %s into account %s: %d followers (openids kept), %d rows, %d media files\n",
		*in, strconv.FormatInt(target, 10), res.Followers, rows, res.Media)
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
