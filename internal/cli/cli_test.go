package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/user"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Version: "test"})
	return code, out.String(), errb.String()
}

func TestMigrateAndAdminCreate(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := run(t, "", "migrate", "--data", data)
	if code != 0 || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "", "migrate", "--data", data)
	if code != 0 || !strings.Contains(out, "(0 migrations applied)") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	code, out, errOut = run(t, "s3cret-password\n", "admin", "create", "--username", "root", "--password-stdin", "--data", data)
	if code != 0 || !strings.Contains(out, `Created platform admin "root"`) {
		t.Fatalf("admin create: %d %q %q", code, out, errOut)
	}
	code, _, errOut = run(t, "short\n", "admin", "create", "--username", "root2", "--password-stdin", "--data", data)
	if code == 0 || !strings.Contains(errOut, "at least 8 characters") {
		t.Fatalf("short password accepted: %d %q", code, errOut)
	}
	code, _, errOut = run(t, "", "admin", "create", "--username", "root3", "--password-stdin", "--data", data)
	if code == 0 || !strings.Contains(errOut, "no password") {
		t.Fatalf("missing password accepted: %d %q", code, errOut)
	}

	ctx := context.Background()
	d, err := db.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p, err := user.NewStore(d, clock.Real{}).Authenticate(ctx, "root", "s3cret-password")
	if err != nil || !p.IsAdmin() {
		t.Fatalf("created admin cannot sign in: %+v %v", p, err)
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if code, out, _ := run(t, "", "version"); code != 0 || strings.TrimSpace(out) != "herald test" {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errOut := run(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "serve", "--listen", "bogus"); code != 1 || !strings.Contains(errOut, "--listen") {
		t.Fatalf("bad flag value: %d %q", code, errOut)
	}
}
