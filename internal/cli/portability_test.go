package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/user"
)

// seedDemo fills a fresh data directory with the demo platform.
func seedDemo(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Parse("test", []string{"--data", data}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	secret, err := cfg.LoadSecret()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d, secret, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, a); err != nil {
		t.Fatal(err)
	}
}

func TestExportImportCommands(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	seedDemo(t, src)
	ctx := context.Background()
	d, err := db.Open(ctx, "", src)
	if err != nil {
		t.Fatal(err)
	}
	var acct int64
	var followers int
	if err := d.QueryRow(ctx, `SELECT id, follower_count FROM accounts WHERE name = 'Harbour Bank'`).Scan(&acct, &followers); err != nil {
		t.Fatal(err)
	}
	d.Close()
	archive := filepath.Join(t.TempDir(), "harbour.zip")
	code, out, errOut := run(t, "", "export", "--data", src, "--account", strconv.FormatInt(acct, 10), "-o", archive)
	if code != 0 || !strings.Contains(out, `Exported "Harbour Bank"`) || !strings.Contains(errOut, "followers.jsonl") {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}

	if code, out, errOut := run(t, "", "migrate", "--data", dst); code != 0 {
		t.Fatalf("migrate: %q %q", out, errOut)
	}
	d, err = db.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.NewStore(d, clock.Real{}).Create(ctx, user.NewPerson{Username: "hana", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, out, errOut = run(t, "", "import", "--data", dst, "-i", archive, "--check")
	if code != 0 || !strings.Contains(out, "a valid archive") {
		t.Fatalf("import --check: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "", "import", "--data", dst, "-i", archive, "--owner", "hana")
	if code != 0 || !strings.Contains(out, "followers (openids kept)") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	// The moved account exists with its followers' openids.
	d, err = db.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(ctx, `SELECT follower_count FROM accounts WHERE name = 'Harbour Bank'`).Scan(&n); err != nil || n != followers || n == 0 {
		t.Fatalf("follower_count %d %v", n, err)
	}
	code, _, errOut = run(t, "", "import", "--data", dst, "-i", filepath.Join(t.TempDir(), "missing.zip"), "--owner", "hana")
	if code == 0 || !strings.Contains(errOut, "missing.zip") {
		t.Fatalf("a missing file: %d %q", code, errOut)
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	seedDemo(t, src)
	file := filepath.Join(t.TempDir(), "backup.zip")
	code, out, errOut := run(t, "", "backup", "--data", src, "-o", file)
	if code != 0 || !strings.Contains(out, "Backed up the sqlite database") {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "", "restore", "--data", dst, "-i", file)
	if code != 0 || !strings.Contains(out, "Restored a sqlite backup") {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := user.NewStore(d, clock.Real{}).Authenticate(ctx, "lotus", "owner-demo"); err != nil {
		t.Fatalf("the restored platform's owner cannot sign in: %v", err)
	}
	var avatar string
	if err := d.QueryRow(ctx, `SELECT avatar_path FROM accounts WHERE name = 'Harbour Bank'`).Scan(&avatar); err != nil || avatar == "" {
		t.Fatalf("avatar %q %v", avatar, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "media", filepath.FromSlash(avatar))); err != nil {
		t.Fatalf("restored media: %v", err)
	}
	// Restoring again into the now full data directory is refused.
	if code, _, errOut := run(t, "", "restore", "--data", dst, "-i", file); code == 0 || !strings.Contains(errOut, "empty") {
		t.Fatalf("second restore: %d %q", code, errOut)
	}
}

func TestFollowersCSVCommands(t *testing.T) {
	data := t.TempDir()
	seedDemo(t, data)
	ctx := context.Background()
	d, err := db.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	var acct int64
	var openid string
	if err := d.QueryRow(ctx, `SELECT a.id, f.openid FROM accounts a JOIN follows f ON f.account_id = a.id WHERE a.name = 'Harbour Bank' ORDER BY f.openid LIMIT 1`).Scan(&acct, &openid); err != nil {
		t.Fatal(err)
	}
	d.Close()
	file := filepath.Join(t.TempDir(), "followers.csv")
	id := strconv.FormatInt(acct, 10)
	if code, out, errOut := run(t, "", "followers", "export", "--data", data, "--account", id, file); code != 0 || !strings.Contains(out, "followers to") {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}
	if err := os.WriteFile(file, []byte("openid,remark\n"+openid+",Member 42\nnobody,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "followers", "import", "--data", data, "--account", id, "--dry-run", file)
	if code == 0 || !strings.Contains(out, `line 3: openid "nobody" is not a follower`) || !strings.Contains(errOut, "nothing changed") {
		t.Fatalf("dry run with an error: %d %q %q", code, out, errOut)
	}
	os.WriteFile(file, []byte("openid,remark\n"+openid+",Member 42\n"), 0o600)
	if code, out, errOut := run(t, "", "followers", "import", "--data", data, "--account", id, "--dry-run", file); code != 0 || !strings.Contains(out, "would update 1 followers") {
		t.Fatalf("dry run: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := run(t, "", "followers", "import", "--data", data, "--account", id, file); code != 0 || !strings.Contains(out, "Updated 1 followers") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
}

func TestImportFromWeChatCommand(t *testing.T) {
	ctx := context.Background()
	src := apptest.New(t)
	if _, err := demo.Seed(ctx, src.App); err != nil {
		t.Fatal(err)
	}
	p, err := src.App.Users.ByUsername(ctx, "lotus")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := src.App.Accounts.ForMember(ctx, p.ID)
	if err != nil || len(ms) == 0 {
		t.Fatal(err)
	}
	lotus := ms[0].Account
	cred, err := src.App.Accounts.IssueCredentials(ctx, lotus.ID)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(cred.AppSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if code, out, errOut := run(t, "", "migrate", "--data", dst); code != 0 {
		t.Fatalf("migrate: %q %q", out, errOut)
	}
	d, err := db.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.NewStore(d, clock.Real{}).Create(ctx, user.NewPerson{Username: "hana", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	d.Close()

	// Without credentials nothing is asked of anybody.
	if code, _, errOut := run(t, "", "import", "--data", dst, "--from-wechat", "--appid", cred.AppID, "--owner", "hana"); code == 0 || !strings.Contains(errOut, "AppSecret") {
		t.Errorf("no secret: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "import", "--data", dst, "--from-wechat", "-i", "x.zip", "--owner", "hana"); code == 0 || !strings.Contains(errOut, "usage") {
		t.Errorf("both -i and --from-wechat: %d %q", code, errOut)
	}
	work := filepath.Join(dir, "work")
	args := []string{"import", "--data", dst, "--from-wechat", "--api-base", src.URL, "--appid", cred.AppID, "--secret-file", secret,
		"--work", work, "--rate", "1000", "--owner", "hana", "--name", "Lotus Tea House", "--type", "subscription"}
	code, out, errOut := run(t, "", args...)
	if code != 0 || !strings.Contains(out, "Read from "+src.URL) || !strings.Contains(out, `Created account "Lotus Tea House"`) ||
		!strings.Contains(out, "followers (openids kept)") || !strings.Contains(errOut, "Reading published") {
		t.Fatalf("import --from-wechat: %d\n%s\n%s", code, out, errOut)
	}
	// The account arrived with its followers' openids and its articles.
	d, err = db.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var followers int64
	var articles int
	if err := d.QueryRow(ctx, `SELECT follower_count, (SELECT COUNT(*) FROM articles r WHERE r.account_id = a.id)
		FROM accounts a WHERE name = 'Lotus Tea House'`).Scan(&followers, &articles); err != nil {
		t.Fatal(err)
	}
	if followers != lotus.FollowerCount || followers == 0 || articles == 0 {
		t.Errorf("imported: %d followers (source %d), %d articles", followers, lotus.FollowerCount, articles)
	}
	var openid string
	if err := src.App.DB.QueryRow(ctx, `SELECT openid FROM follows WHERE account_id = ? AND following ORDER BY openid LIMIT 1`, lotus.ID).Scan(&openid); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE openid = ?`, openid).Scan(&n); err != nil || n != 1 {
		t.Errorf("openid %s on the target: %d %v", openid, n, err)
	}
	// Run again: the pull is kept, and the same followers cannot be added twice.
	code, _, errOut = run(t, "", args...)
	if code == 0 || !strings.Contains(errOut, "already belongs to a follower") {
		t.Errorf("a second import into a new account: %d %q", code, errOut)
	}
}
