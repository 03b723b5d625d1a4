package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/wxclient"
)

// menuCmd is "herald menu apply|get": an account's menus through the
// developer API, as a CI job would apply them from a repository.
func menuCmd(args []string, env Env) error {
	if len(args) == 0 || (args[0] != "apply" && args[0] != "get") {
		return errors.New("usage: herald menu apply --account APPID [flags] FILE.json | herald menu get --account APPID [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("herald menu "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	base := fs.String("base-url", envOr(env, "HERALD_API_BASE_URL", "http://127.0.0.1:8080"), "Herald's address (env HERALD_API_BASE_URL)")
	appid := fs.String("account", env.Getenv("HERALD_APPID"), "the account's AppID, from the console's Developer page (env HERALD_APPID)")
	secretFile := fs.String("secret-file", "", "a file whose first line is the AppSecret (else env HERALD_APPSECRET)")
	token := fs.String("access-token", env.Getenv("HERALD_ACCESS_TOKEN"), "an access_token to use instead of AppID + AppSecret (env HERALD_ACCESS_TOKEN)")
	dry := fs.Bool("dry-run", false, "apply: check the file and print how it differs from the live menus, change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := &wxclient.Client{BaseURL: *base, HTTP: &http.Client{Timeout: 30 * time.Second}, Token: *token}
	ctx := context.Background()
	if c.Token == "" {
		secret := env.Getenv("HERALD_APPSECRET")
		if *secretFile != "" {
			b, err := os.ReadFile(*secretFile)
			if err != nil {
				return err
			}
			secret, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
		}
		if *appid == "" || strings.TrimSpace(secret) == "" {
			return errors.New("give --account APPID and the AppSecret (--secret-file or HERALD_APPSECRET), or --access-token")
		}
		c.AppID, c.Secret = *appid, strings.TrimSpace(secret)
		if err := c.FetchToken(ctx); err != nil {
			return err
		}
	}
	live, err := menus(ctx, c)
	if err != nil {
		return err
	}
	if sub == "get" {
		out, err := menu.Export(live)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(out)
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: herald menu apply --account APPID [flags] FILE.json")
	}
	data, err := readFileOrStdin(fs.Arg(0), env.Stdin)
	if err != nil {
		return err
	}
	want, err := menu.ParseSnapshot(data)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	changes := menu.Diff(live, want, nil)
	if len(changes) == 0 {
		fmt.Fprintln(env.Stdout, "The live menus are already the file's; nothing to do.")
		return nil
	}
	for _, l := range changes {
		fmt.Fprintln(env.Stdout, "  "+l)
	}
	if *dry {
		fmt.Fprintf(env.Stdout, "Dry run: %d changes not applied.\n", len(changes))
		return nil
	}
	if err := applyMenus(ctx, c, live, want); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Applied: the live menus are the file's (%d changes).\n", len(changes))
	return nil
}

func envOr(env Env, name, def string) string {
	if v := env.Getenv(name); v != "" {
		return v
	}
	return def
}

func readFileOrStdin(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(stdin, 1<<20))
	}
	return os.ReadFile(name)
}

// menus reads the live menus (menu/get; 46003 is "no menu").
func menus(ctx context.Context, c *wxclient.Client) (menu.Snapshot, error) {
	var sn menu.Snapshot
	err := c.Call(ctx, http.MethodGet, "/cgi-bin/menu/get", nil, nil, &sn)
	if wxclient.Code(err) == 46003 {
		return menu.Snapshot{}, nil
	}
	return sn, err
}

// apply makes the live menus want's with WeChat's calls, in an order that
// never leaves followers without a menu: menu/create (which keeps the
// conditional menus), then delconditional for each old conditional menu,
// then addconditional for each new one, oldest first so that the newest
// stays the first matched. A file without menus is menu/delete. Each call is
// one version in the account's history, by "API".
func applyMenus(ctx context.Context, c *wxclient.Client, live, want menu.Snapshot) error {
	if want.Menu == nil {
		return c.Call(ctx, http.MethodGet, "/cgi-bin/menu/delete", nil, nil, nil)
	}
	if err := c.Call(ctx, http.MethodPost, "/cgi-bin/menu/create", nil, map[string]any{"button": want.Menu.Button}, nil); err != nil {
		return err
	}
	for _, m := range live.ConditionalMenu {
		if err := c.Call(ctx, http.MethodPost, "/cgi-bin/menu/delconditional", nil, map[string]any{"menuid": fmt.Sprint(m.MenuID)}, nil); err != nil {
			return err
		}
	}
	for i := len(want.ConditionalMenu) - 1; i >= 0; i-- {
		m := want.ConditionalMenu[i]
		if err := c.Call(ctx, http.MethodPost, "/cgi-bin/menu/addconditional", nil, map[string]any{"button": m.Button, "matchrule": m.MatchRule}, nil); err != nil {
			return err
		}
	}
	return nil
}
