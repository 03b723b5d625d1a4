// Command benchapi supports scripts/bench-api: "seed" creates a verified
// Service account with credentials and one follower in a Herald data
// directory and prints "APPID SECRET OPENID"; "bare" serves a bare
// net/http handler answering a fixed user/info body, the baseline that
// Herald's figures are stated beside; "barehtml" serves a fixed HTML page
// of --bytes bytes (the baseline of the follower pages).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchapi seed --data DIR [--database-url URL] | bare --listen ADDR | barehtml --listen ADDR [--bytes N] | createdb|dropdb --database-url URL")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	data := fs.String("data", "", "Herald data directory")
	dbURL := fs.String("database-url", "", "PostgreSQL URL instead of SQLite")
	listen := fs.String("listen", "127.0.0.1:18481", "address for bare")
	size := fs.Int("bytes", 3600, "size of barehtml's page")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "seed":
		err = seed(*dbURL, *data)
	case "createdb":
		err = createDB(*dbURL)
	case "dropdb":
		err = dropDB(*dbURL)
	case "bare":
		body := []byte(`{"subscribe":1,"openid":"oBenchmark000000000000000000","language":"zh_CN","subscribe_time":1700000000,"remark":"","groupid":0,"tagid_list":[],"subscribe_scene":"ADD_SCENE_SEARCH","qr_scene":0,"qr_scene_str":""}`)
		err = http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; encoding=utf-8")
			_, _ = w.Write(body)
		}))
	case "barehtml":
		body := htmlPage(*size)
		err = http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(body)
		}))
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchapi:", err)
		os.Exit(1)
	}
}

// createDB makes a scratch PostgreSQL database next to the one in base
// and prints its URL, so a benchmark never touches a real database.
func createDB(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	d, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer d.Close()
	name := fmt.Sprintf("herald_bench_%d", time.Now().UnixNano())
	if _, err := d.Exec("CREATE DATABASE " + name); err != nil {
		return err
	}
	u.Path = "/" + name
	fmt.Println(u.String())
	return nil
}

// dropDB removes a scratch database made by createDB.
func dropDB(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "herald_bench_") {
		return fmt.Errorf("refusing to drop %q: not a benchmark database", name)
	}
	u.Path = "/postgres"
	d, err := sql.Open("pgx", u.String())
	if err != nil {
		return err
	}
	defer d.Close()
	_, err = d.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	return err
}

func seed(dbURL, dir string) error {
	ctx := context.Background()
	d, err := db.Open(ctx, dbURL, dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	c := clock.Real{}
	accounts := account.NewStore(d, c)
	suffix := time.Now().Format("150405.000")
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Bench " + suffix[len(suffix)-6:], Status: account.StatusActive})
	if err != nil {
		return err
	}
	if _, err := d.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`, db.Micro(c.Now().AddDate(1, 0, 0)), a.ID); err != nil {
		return err
	}
	creds, err := accounts.IssueCredentials(ctx, a.ID)
	if err != nil {
		return err
	}
	p, err := user.NewStore(d, c).Create(ctx, user.NewPerson{Username: "bench" + suffix[len(suffix)-3:], Password: "benchmark password", PlatformRole: user.RoleNone})
	if err != nil {
		return err
	}
	res, err := follow.NewStore(d, c).Follow(ctx, a.ID, p.ID, follow.SourceSearch, "")
	if err != nil {
		return err
	}
	fmt.Println(creds.AppID, creds.AppSecret, res.OpenID)
	return nil
}

// htmlPage returns a plain HTML document of exactly n bytes (at least its
// frame): a list of chat rows like the follower's chat list.
func htmlPage(n int) []byte {
	head := "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chats</title></head><body><ul>"
	tail := "</ul></body></html>\n"
	var b strings.Builder
	b.WriteString(head)
	for i := 0; b.Len()+len(tail) < n; i++ {
		row := fmt.Sprintf("<li><a href=\"/chat/%d\">Account %d</a> <span>last message preview</span></li>", 387550686110785537+i, i)
		if b.Len()+len(row)+len(tail) > n {
			row = strings.Repeat(" ", n-b.Len()-len(tail))
		}
		b.WriteString(row)
	}
	b.WriteString(tail)
	return []byte(b.String())
}
