// Command benchapi supports scripts/bench-api: "seed" creates a verified
// Service account with credentials and --followers followers in a Herald
// data directory, writes their openids one a line to --openids and prints
// "APPID SECRET OPENID" (the first follower); "writer" changes followers'
// remarks through the developer API --rate times a second for --duration
// and prints the writes made; "bare" serves a bare
// net/http handler answering a fixed user/info body, the baseline that
// Herald's figures are stated beside; "barehtml" serves a fixed HTML page
// of --bytes bytes (the baseline of the follower pages).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchapi seed --data DIR [--database-url URL] [--followers N --openids FILE] | writer --url BASE --token T --openids FILE --rate W --duration D | bare --listen ADDR | barehtml --listen ADDR [--bytes N] | createdb|dropdb --database-url URL")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	data := fs.String("data", "", "Herald data directory")
	dbURL := fs.String("database-url", "", "PostgreSQL URL instead of SQLite")
	listen := fs.String("listen", "127.0.0.1:18481", "address for bare")
	size := fs.Int("bytes", 3600, "size of barehtml's page")
	followers := fs.Int("followers", 1, "followers seed creates")
	openids := fs.String("openids", "", "file of the followers' openids, one a line")
	base := fs.String("url", "http://127.0.0.1:18480", "Herald's address for writer")
	token := fs.String("token", "", "access token for writer")
	rate := fs.Float64("rate", 0, "writer's writes a second")
	dur := fs.Duration("duration", 10*time.Second, "how long writer writes")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "seed":
		err = seed(*dbURL, *data, *followers, *openids)
	case "writer":
		err = writer(*base, *token, *openids, *rate, *dur)
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

func seed(dbURL, dir string, followers int, openidsFile string) error {
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
	openids := []string{res.OpenID}
	if followers > 1 {
		more, err := seedFollowers(ctx, d, a.ID, followers-1)
		if err != nil {
			return err
		}
		openids = append(openids, more...)
	}
	if openidsFile != "" {
		if err := os.WriteFile(openidsFile, []byte(strings.Join(openids, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Println(creds.AppID, creds.AppSecret, res.OpenID)
	return nil
}

// seedFollowers adds n people following account a in one transaction,
// 500 rows a statement (a person's own Create hashes a password, and a
// Follow is a transaction each: minutes for 100,000 on PostgreSQL). The
// rows are what user.Store.Create and follow.Store.Follow write.
func seedFollowers(ctx context.Context, d *db.DB, a int64, n int) ([]string, error) {
	hash, err := user.HashPassword("benchmark password")
	if err != nil {
		return nil, err
	}
	now := db.Micro(time.Now())
	openids := make([]string, 0, n)
	err = d.Tx(ctx, func(tx *db.Tx) error {
		for start := 0; start < n; start += 500 {
			end := min(start+500, n)
			var people, follows strings.Builder
			var pargs, fargs []any
			for i := start; i < end; i++ {
				if i > start {
					people.WriteString(",")
					follows.WriteString(",")
				}
				people.WriteString("(?, ?, NULL, ?, ?, '', '', ?, ?)")
				follows.WriteString("(?, ?, ?, TRUE, ?, '', ?, ?)")
				pid, openid := id.New(), follow.NewOpenID()
				name := fmt.Sprintf("follower%07d", i)
				pargs = append(pargs, pid, name, name, hash, now, now)
				fargs = append(fargs, a, pid, openid, follow.SourceSearch, now, now)
				openids = append(openids, openid)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO people (id, username, email, display_name, password_hash, platform_role, language, created_at, updated_at) VALUES `+people.String(), pargs...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, created_at) VALUES `+follows.String(), fargs...); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE accounts SET follower_count = follower_count + ? WHERE id = ?`, n, a)
		return err
	})
	return openids, err
}

// writer sets a follower's remark (POST /cgi-bin/user/info/updateremark)
// rate times a second for dur, the followers taken in turn, and prints
// how many writes succeeded and failed. Each write moves the node's
// follower generation, which drops every cached user/info answer.
func writer(base, token, openidsFile string, rate float64, dur time.Duration) error {
	b, err := os.ReadFile(openidsFile)
	if err != nil {
		return err
	}
	openids := strings.Fields(string(b))
	if rate <= 0 || len(openids) == 0 {
		return fmt.Errorf("writer needs --rate > 0 and openids")
	}
	endpoint := base + "/cgi-bin/user/info/updateremark?access_token=" + url.QueryEscape(token)
	var ok, failed atomic.Int64
	post := func(i int) {
		body := fmt.Sprintf(`{"openid":%q,"remark":"r%d"}`, openids[i%len(openids)], i%1000000)
		resp, err := http.Post(endpoint, "application/json", strings.NewReader(body))
		if err != nil {
			failed.Add(1)
			return
		}
		var out strings.Builder
		_, _ = io.Copy(&out, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && strings.Contains(out.String(), `"errcode":0`) {
			ok.Add(1)
		} else {
			failed.Add(1)
			if failed.Load() == 1 {
				fmt.Fprintln(os.Stderr, "benchapi writer:", out.String())
			}
		}
	}
	// A write a tick, each in its own goroutine so a slow write does not
	// delay the next; the ticker drops ticks a loaded machine cannot keep.
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	start := time.Now()
	done := time.After(dur)
	inflight := make(chan struct{}, 64)
	for i := 0; ; i++ {
		select {
		case <-done:
			for range cap(inflight) {
				inflight <- struct{}{}
			}
			el := time.Since(start).Seconds()
			fmt.Printf("writes: %d made (%.1f/s over %.1f s, %.0f/s asked), %d failed\n", ok.Load(), float64(ok.Load())/el, el, rate, failed.Load())
			return nil
		case <-t.C:
			inflight <- struct{}{}
			go func(i int) { defer func() { <-inflight }(); post(i) }(i)
		}
	}
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
