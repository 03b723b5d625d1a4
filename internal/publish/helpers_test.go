package publish_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/settings"
)

type env struct {
	t        testing.TB
	ctx      context.Context
	db       *db.DB
	clock    *clock.Offset
	store    *publish.Store
	settings *settings.Store
	messages *message.Store
	subs     *folder.Store
	engine   *publish.Engine
	accounts *account.Store
	follows  *follow.Store
	owner    int64
}

func newEnv(t *testing.T) *env { return newEnvWith(t, publish.Deps{}, publish.EngineOptions{}) }

// newEnvWith builds the store with the test's Gate, TakenDown or
// FlagContent from deps (the database's stores are filled in) and the
// engine with opts.
func newEnvWith(t testing.TB, deps publish.Deps, opts publish.EngineOptions) *env {
	t.Helper()
	d := dbtest.New(t)
	c := &clock.Offset{}
	deps.Media, deps.Settings, deps.Messages = media.Dir{Root: t.TempDir()}, settings.NewStore(d, c), message.NewStore(d, c, nil)
	s := publish.NewStore(d, c, deps)
	e := &env{t: t, ctx: context.Background(), db: d, clock: c, store: s, settings: deps.Settings, messages: deps.Messages,
		subs: folder.NewStore(d, c), accounts: account.NewStore(d, c), follows: follow.NewStore(d, c)}
	e.engine = publish.NewEngineWith(s, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	e.owner = e.people(1, "owner")[0]
	return e
}

// engineWith returns another engine (another worker) on the same store.
func (e *env) engineWith(opts publish.EngineOptions) *publish.Engine {
	return publish.NewEngineWith(e.store, e.engine.Log, opts)
}

// people inserts n people quickly (no password hashing) and returns their ids
// in increasing order.
func (e *env) people(n int, prefix string) []int64 {
	e.t.Helper()
	ids := make([]int64, 0, n)
	for start := 0; start < n; start += 200 {
		var q strings.Builder
		q.WriteString(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES `)
		var args []any
		for i := start; i < min(n, start+200); i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, 'x', 1, 1)")
			pid := id.New()
			ids = append(ids, pid)
			name := fmt.Sprintf("%s%d", prefix, i)
			args = append(args, pid, name, strings.ToUpper(name[:1])+name[1:])
		}
		if _, err := e.db.Exec(e.ctx, q.String(), args...); err != nil {
			e.t.Fatalf("people: %v", err)
		}
	}
	return ids
}

func (e *env) account(typ, name string) *account.Account {
	e.t.Helper()
	a, err := e.accounts.Create(e.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive, OwnerID: e.owner})
	if err != nil {
		e.t.Fatalf("create account: %v", err)
	}
	return a
}

func (e *env) follow(accountID int64, people []int64) {
	e.t.Helper()
	if _, err := e.follows.FollowMany(e.ctx, accountID, people, follow.SourceSearch); err != nil {
		e.t.Fatalf("follow: %v", err)
	}
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// massRows is a FROM item of (person_id, body) rows: every mass-sent chat
// message the account's followers received, in either stored form — a
// message row of their own (a Subscription account's plain send) or a part
// of a Service account's broadcast they are a recipient of.
func massRows(accountID int64) string {
	return fmt.Sprintf(`(SELECT person_id, body FROM messages WHERE account_id = %d AND sender = 'mass'
		UNION ALL SELECT r.person_id, b.body FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id WHERE b.account_id = %d) d`,
		accountID, accountID)
}

func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := db.Get(e.db.QueryRow(e.ctx, q, args...), &n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// tag creates a follower tag with the given members.
func (e *env) tag(accountID, tagID int64, name string, members []int64) {
	e.t.Helper()
	e.exec(`INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, ?, ?, ?, ?, 1)`,
		accountID, tagID, name, strings.ToLower(name), len(members))
	for _, p := range members {
		e.exec(`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, 1)`, accountID, tagID, p)
	}
}

func (e *env) draft(accountID int64, titles ...string) *publish.Publication {
	e.t.Helper()
	var in publish.DraftInput
	for _, t := range titles {
		in.Articles = append(in.Articles, publish.ArticleInput{Title: t, Author: "Lin", Body: "## " + t + "\n\nSome *tea* text about " + t + ".", CommentsOpen: true})
	}
	p, err := e.store.SaveDraft(e.ctx, accountID, e.owner, 0, in)
	if err != nil {
		e.t.Fatalf("save draft: %v", err)
	}
	return p
}

// massSend sends a draft to all (or a tag) now and runs the job.
func (e *env) massSend(accountID int64, p *publish.Publication, tagID int64) *publish.Job {
	e.t.Helper()
	opts := publish.SendOptions{Mode: publish.ModeMass}
	if tagID != 0 {
		opts.Target, opts.TagID = publish.TargetTag, tagID
	}
	j, err := e.store.Send(e.ctx, accountID, e.owner, p.ID, opts)
	if err != nil {
		e.t.Fatalf("send: %v", err)
	}
	j, err = e.engine.Run(e.ctx, j.ID)
	if err != nil {
		e.t.Fatalf("run: %v", err)
	}
	if j.State != publish.JobDone {
		e.t.Fatalf("job %s (%s), want done", j.State, j.Error)
	}
	return j
}

// holdReadSlots takes every one of the process's read slots (db.ReadSlot)
// and returns the functions that give them back, one each.
func (e *env) holdReadSlots() []func() {
	e.t.Helper()
	var releases []func()
	for range runtime.GOMAXPROCS(0) {
		r, err := e.db.ReadSlot(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		releases = append(releases, r)
	}
	return releases
}
