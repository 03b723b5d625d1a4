package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/emulator"
)

func TestMenuApplyThroughTheAPI(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	a, cred, err := emulator.SeedAccount(ctx, s.App, "Lotus Tea", account.Service, true)
	if err != nil {
		t.Fatal(err)
	}
	vip, err := s.App.Audience.CreateTag(ctx, a.ID, "VIP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, a.ID, nil); err == nil {
		t.Fatal("empty menu accepted")
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(cred.AppSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "menu.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(extra ...string) (int, string, string) {
		args := append([]string{"menu", "apply", "--base-url", s.URL, "--account", cred.AppID, "--secret-file", secret}, extra...)
		return run(t, "", append(args, file)...)
	}

	write(fmt.Sprintf(`{"menu":{"button":[{"type":"click","name":"Tea","key":"TEA"}]},
		"conditionalmenu":[{"button":[{"type":"click","name":"VIP","key":"VIP"}],"matchrule":{"tag_id":"%d"}}]}`, vip.ID))
	// A dry run says what would change and changes nothing.
	code, out, errOut := apply("--dry-run")
	if code != 0 || !strings.Contains(out, `Default menu added: "Tea".`) || !strings.Contains(out, "Dry run") {
		t.Fatalf("dry run: %d %q %q", code, out, errOut)
	}
	if def, _, _ := s.App.Menus.All(ctx, a.ID); def != nil {
		t.Fatal("the dry run changed the menu")
	}
	code, out, errOut = apply()
	if code != 0 || !strings.Contains(out, "Applied") {
		t.Fatalf("apply: %d %q %q", code, out, errOut)
	}
	live, _ := s.App.Menus.Live(ctx, a.ID)
	if live.Menu == nil || live.Menu.Button[0].Name != "Tea" || len(live.ConditionalMenu) != 1 || live.ConditionalMenu[0].Button[0].Name != "VIP" {
		t.Fatalf("live after apply: %+v", live)
	}
	// Applying again changes nothing; a changed file replaces the menus.
	if code, out, _ = apply(); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("second apply: %d %q", code, out)
	}
	write(`{"button":[{"type":"view","name":"Shop","url":"https://lotus.example/"}]}`)
	if code, out, errOut = apply(); code != 0 {
		t.Fatalf("apply 2: %d %q %q", code, out, errOut)
	}
	live, _ = s.App.Menus.Live(ctx, a.ID)
	if live.Menu.Button[0].Name != "Shop" || len(live.ConditionalMenu) != 0 {
		t.Errorf("live after apply 2: %+v", live)
	}
	// Every API call is a version by "API".
	vs, err := s.App.Menus.Versions(ctx, a.ID, 0, 0)
	if err != nil || len(vs) != 4 {
		t.Fatalf("%d versions: %v", len(vs), err)
	}
	for _, v := range vs {
		if v.Author != "API" || v.AuthorID != 0 {
			t.Errorf("version %d by %q", v.Number, v.Author)
		}
	}
	// "get" prints the live menus in the file's shape.
	code, out, _ = run(t, "", "menu", "get", "--base-url", s.URL, "--account", cred.AppID, "--secret-file", secret)
	if code != 0 || !strings.Contains(out, `"name": "Shop"`) || strings.Contains(out, "menuid") {
		t.Errorf("get: %d %q", code, out)
	}

	// A rollback in the console is what the API reads at once.
	if _, err := s.App.Menus.Publish(ctx, a.ID, 2); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "", "menu", "get", "--base-url", s.URL, "--account", cred.AppID, "--secret-file", secret)
	if code != 0 || !strings.Contains(out, `"name": "Tea"`) || !strings.Contains(out, `"name": "VIP"`) || strings.Contains(out, "Shop") {
		t.Errorf("menu/get after the rollback: %d %q", code, out)
	}

	// A bad file is refused before any call; a wrong secret by the API.
	write(`{"button":[{"type":"click","name":"No key"}]}`)
	if code, _, errOut = apply(); code != 1 || !strings.Contains(errOut, "needs a key") {
		t.Errorf("bad file: %d %q", code, errOut)
	}
	if err := os.WriteFile(secret, []byte("wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut = apply(); code != 1 || !strings.Contains(errOut, "errcode 40001") && !strings.Contains(errOut, "errcode 40125") {
		t.Errorf("wrong secret: %d %q", code, errOut)
	}
	if code, _, errOut = run(t, "", "menu", "apply", file); code != 1 || !strings.Contains(errOut, "--account") {
		t.Errorf("no credentials: %d %q", code, errOut)
	}
}
