package abtest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/settings"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *db.DB
	clock *clock.Offset
	pub   *publish.Store
	// settings are the platform settings the store reads quotas from.
	settings *settings.Store
	engine   *publish.Engine
	tests    *abtest.Store
	owner    int64
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil, publish.EngineOptions{}) }

// newEnvWith builds the publishing store with the test's gate and the
// engine with opts.
func newEnvWith(t *testing.T, gate publish.Gate, opts publish.EngineOptions) *env {
	t.Helper()
	d := dbtest.New(t)
	c := &clock.Offset{}
	set := settings.NewStore(d, c)
	p := publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: t.TempDir()}, Settings: set, Messages: message.NewStore(d, c, nil), Gate: gate})
	e := &env{t: t, ctx: context.Background(), db: d, clock: c, pub: p, settings: set}
	e.tests = abtest.NewStore(d, c, p)
	e.engine = publish.NewEngineWith(p, slog.New(slog.NewTextHandler(io.Discard, nil)), opts, e.tests.Hooks())
	e.owner = e.people(1, "owner")[0]
	return e
}

func (e *env) people(n int, prefix string) []int64 {
	e.t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = id.New()
		e.exec(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 1, 1)`,
			ids[i], fmt.Sprintf("%s%d", prefix, i), prefix)
	}
	return ids
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := db.Get(e.db.QueryRow(e.ctx, q, args...), &n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// account makes an active account of the type with n followers, of whom
// the last two are blacklisted and one more has unfollowed; it returns the
// account and the followers who may receive sends, in id order.
func (e *env) account(typ string, n int) (*account.Account, []int64) {
	e.t.Helper()
	a, err := account.NewStore(e.db, e.clock).Create(e.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: fmt.Sprintf("Tea %s %d", typ, id.New()%100000),
		Status: account.StatusActive, OwnerID: e.owner})
	if err != nil {
		e.t.Fatal(err)
	}
	ppl := e.people(n+3, fmt.Sprintf("f%s%d_", typ, id.New()%100000))
	if _, err := follow.NewStore(e.db, e.clock).FollowMany(e.ctx, a.ID, ppl, follow.SourceSearch); err != nil {
		e.t.Fatal(err)
	}
	e.exec(`UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id IN (?, ?)`, a.ID, ppl[n], ppl[n+1])
	e.exec(`UPDATE follows SET following = FALSE WHERE account_id = ? AND person_id = ?`, a.ID, ppl[n+2])
	return a, ppl[:n]
}

func (e *env) draft(accountID int64) *publish.Publication {
	e.t.Helper()
	p, err := e.pub.SaveDraft(e.ctx, accountID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{
		{Title: "Spring tea", Body: "Green tea of the first picking.", CommentsOpen: true},
		{Title: "Water", Body: "How hot the water should be."},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) runDue() {
	e.t.Helper()
	if _, err := e.engine.RunDue(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// received maps each follower of the account to the publications that
// reached them by a mass send: folder deliveries for a Subscription
// account, broadcasts for a Service account.
func (e *env) received(a *account.Account) map[int64][]int64 {
	e.t.Helper()
	q := `SELECT person_id, publication_id FROM folder_deliveries WHERE account_id = ?`
	if a.IsService() {
		q = `SELECT r.person_id, j.publication_id FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id
			JOIN publish_jobs j ON j.id = b.job_id WHERE b.account_id = ?`
	}
	rows, err := e.db.Query(e.ctx, q, a.ID)
	type pair struct{ person, pub int64 }
	list, err := db.Collect(rows, err, func(r *sql.Rows) (pair, error) {
		var p pair
		return p, r.Scan(&p.person, &p.pub)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[int64][]int64{}
	for _, p := range list {
		out[p.person] = append(out[p.person], p.pub)
	}
	return out
}

// read records that person opened the first article of publication pubID
// at the given time, as the reading page's analytics event does.
func (e *env) read(a *account.Account, person, pubID int64, at time.Time) {
	e.t.Helper()
	p, err := e.pub.Publication(e.ctx, a.ID, pubID)
	if err != nil {
		e.t.Fatal(err)
	}
	e.exec(`INSERT INTO analytics_events (id, account_id, kind, person_id, object_id, surface, at) VALUES (?, ?, 'read', ?, ?, 'folder', ?)`,
		id.New(), a.ID, person, p.FirstArticleID, db.Micro(at))
}

func (e *env) used(a *account.Account, at time.Time) int {
	e.t.Helper()
	q, err := e.pub.QuotaAt(e.ctx, a, at)
	if err != nil {
		e.t.Fatal(err)
	}
	return q.Used
}

func (e *env) members(testID int64) map[int64]int {
	e.t.Helper()
	rows, err := e.db.Query(e.ctx, `SELECT person_id, variant FROM ab_test_members WHERE test_id = ?`, testID)
	type m struct {
		p int64
		v int
	}
	list, err := db.Collect(rows, err, func(r *sql.Rows) (m, error) {
		var x m
		return x, r.Scan(&x.p, &x.v)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[int64]int{}
	for _, x := range list {
		out[x.p] = x.v - 1
	}
	return out
}

func input(draftID int64, auto bool) abtest.Input {
	return abtest.Input{DraftID: draftID, SamplePercent: 30, Window: 4 * time.Hour, AutoWinner: auto, Variants: []abtest.VariantInput{
		{Title: "Spring tea"}, {Title: "The first picking is here"}, {Title: "Why spring tea tastes sweeter"}}}
}

// Every follower in the audience gets exactly one variant (the sample's
// one, or the winner), blacklisted and former followers none, the quota is
// spent once, and the winner is the variant whose recipients opened it
// most within the window.
func TestEveryFollowerGetsExactlyOneVariantAndTheQuotaIsSpentOnce(t *testing.T) {
	for _, typ := range []string{account.Subscription, account.Service} {
		t.Run(typ, func(t *testing.T) {
			e := newEnv(t)
			a, audience := e.account(typ, 197)
			d := e.draft(a.ID)
			start := e.clock.Now()
			before := e.used(a, start)
			test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(d.ID, true))
			if err != nil {
				t.Fatal(err)
			}
			if got := e.used(a, start); got != before+1 {
				t.Fatalf("quota used %d after creating the test, want %d", got, before+1)
			}
			if test.Audience != 197 || test.Sample() != 59 {
				t.Fatalf("audience %d sample %d, want 197 and 59 (30%% rounded)", test.Audience, test.Sample())
			}
			// The sample in the database is the one the seed draws.
			want := abtest.Sample(test.Seed, audience, 30, 3)
			got := e.members(test.ID)
			if len(got) != len(want) {
				t.Fatalf("%d members stored, the seed draws %d", len(got), len(want))
			}
			for _, m := range want {
				if v, ok := got[m.PersonID]; !ok || v != m.Variant {
					t.Fatalf("person %d: stored variant %d (%v), the seed says %d", m.PersonID, v, ok, m.Variant)
				}
			}
			e.runDue()
			test, err = e.tests.Test(e.ctx, a.ID, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			pubOf := map[int64]int{}
			for _, v := range test.Variants {
				pubOf[v.PublicationID] = v.Index
				if v.JobState != publish.JobDone || v.Sent != v.Recipients {
					t.Errorf("variant %s: job %s sent %d of %d", v.Letter(), v.JobState, v.Sent, v.Recipients)
				}
			}
			if len(pubOf) != 3 || test.Variants[0].PublicationID != d.ID {
				t.Fatalf("variant publications %v (draft %d)", pubOf, d.ID)
			}
			rec := e.received(a)
			if len(rec) != 59 {
				t.Fatalf("%d followers received a variant, want the 59 of the sample", len(rec))
			}
			for p, pubs := range rec {
				if len(pubs) != 1 || pubOf[pubs[0]] != got[p] {
					t.Fatalf("person %d received %v, their variant is %d", p, pubs, got[p])
				}
			}
			// Opens: variant C's recipients open it most; a read of another
			// variant (a shared link) and reads after the window count for
			// nobody.
			byVariant := map[int][]int64{}
			for p, v := range got {
				byVariant[v] = append(byVariant[v], p)
			}
			for v := range byVariant {
				slices.Sort(byVariant[v])
			}
			at := start.Add(time.Hour)
			for i, p := range byVariant[2][:12] {
				e.read(a, p, test.Variants[2].PublicationID, at)
				if i < 3 {
					e.read(a, p, test.Variants[2].PublicationID, at.Add(time.Minute)) // twice: counts once
				}
			}
			for _, p := range byVariant[0][:2] {
				e.read(a, p, test.Variants[0].PublicationID, at)
			}
			for _, p := range byVariant[1][:5] {
				e.read(a, p, test.Variants[2].PublicationID, at) // not their variant
			}
			e.read(a, byVariant[1][6], test.Variants[1].PublicationID, start.Add(5*time.Hour)) // after the window
			e.clock.Advance(2 * time.Hour)
			test, err = e.tests.Test(e.ctx, a.ID, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			if o := []int64{test.Variants[0].Opens, test.Variants[1].Opens, test.Variants[2].Opens}; !slices.Equal(o, []int64{2, 0, 12}) {
				t.Fatalf("opens %v, want [2 0 12]", o)
			}
			// Nothing more happens before the window ends.
			e.runDue()
			if n := len(e.received(a)); n != 59 {
				t.Fatalf("%d received before the window ended", n)
			}
			e.clock.Advance(2*time.Hour + time.Minute)
			e.runDue()
			test, err = e.tests.Test(e.ctx, a.ID, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			if test.State != abtest.StateDone || test.Winner != 2 || test.DecidedBy != abtest.DecidedAuto {
				t.Fatalf("state %s winner %d by %s, want done, C, auto", test.State, test.Winner, test.DecidedBy)
			}
			if o := []int64{test.Variants[0].Opens, test.Variants[1].Opens, test.Variants[2].Opens}; !slices.Equal(o, []int64{2, 0, 12}) {
				t.Fatalf("kept opens %v, want [2 0 12]", o)
			}
			// A read after the decision changes nothing that was kept.
			e.read(a, byVariant[0][5], test.Variants[0].PublicationID, e.clock.Now())
			if again, _ := e.tests.Test(e.ctx, a.ID, test.ID); again.Variants[0].Opens != 2 {
				t.Errorf("opens of A moved to %d after the decision", again.Variants[0].Opens)
			}
			rec = e.received(a)
			if len(rec) != len(audience) {
				t.Fatalf("%d followers received something, the audience is %d", len(rec), len(audience))
			}
			for _, p := range audience {
				pubs := rec[p]
				if len(pubs) != 1 {
					t.Fatalf("person %d received %v", p, pubs)
				}
				if v, sampled := got[p]; sampled && pubOf[pubs[0]] != v || !sampled && pubs[0] != test.Variants[2].PublicationID {
					t.Fatalf("person %d (sampled %v) received publication %d", p, sampled, pubs[0])
				}
			}
			if test.WinnerSent != int64(len(audience)-59) || test.WinnerJobState != publish.JobDone {
				t.Errorf("roll-out sent %d (%s), want %d", test.WinnerSent, test.WinnerJobState, len(audience)-59)
			}
			if got := e.used(a, start); got != before+1 {
				t.Errorf("quota used %d after the roll-out, want %d", got, before+1)
			}
			for _, v := range test.Variants {
				if p, _ := e.pub.Publication(e.ctx, a.ID, v.PublicationID); p.State != publish.StatePublished {
					t.Errorf("variant %s is %s", v.Letter(), p.State)
				}
			}
		})
	}
}

func TestTagAudienceAndManualWinner(t *testing.T) {
	e := newEnv(t)
	a, followers := e.account(account.Service, 60)
	tagged := followers[10:50]
	e.exec(`INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'Tea lovers', 'tea lovers', 40, 1)`, a.ID)
	for _, p := range tagged {
		e.exec(`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, 100, ?, 1)`, a.ID, p)
	}
	d := e.draft(a.ID)
	in := input(d.ID, false)
	in.Target, in.TagID, in.SamplePercent = publish.TargetTag, 100, 50
	in.Variants = in.Variants[:2]
	test, err := e.tests.Create(e.ctx, a.ID, e.owner, in)
	if err != nil {
		t.Fatal(err)
	}
	if test.Audience != 40 || test.Sample() != 20 || test.WinnerJobID != 0 {
		t.Fatalf("audience %d sample %d roll-out job %d", test.Audience, test.Sample(), test.WinnerJobID)
	}
	e.runDue()
	// A manual test waits for the owner however long it takes.
	e.clock.Advance(5 * time.Hour)
	e.runDue()
	if n := len(e.received(a)); n != 20 {
		t.Fatalf("%d received before the owner chose, want 20", n)
	}
	test, err = e.tests.SendWinner(e.ctx, a.ID, test.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if test.Winner != 1 || test.DecidedBy != abtest.DecidedOwner || test.WinnerJobID == 0 {
		t.Fatalf("winner %d by %s job %d", test.Winner, test.DecidedBy, test.WinnerJobID)
	}
	if _, err := e.tests.SendWinner(e.ctx, a.ID, test.ID, 0); !errors.Is(err, errs.Conflict) {
		t.Fatalf("second click: %v, want a conflict", err)
	}
	e.runDue()
	rec := e.received(a)
	if len(rec) != 40 {
		t.Fatalf("%d received, want the tag's 40", len(rec))
	}
	for _, p := range tagged {
		if len(rec[p]) != 1 {
			t.Fatalf("tagged %d received %v", p, rec[p])
		}
	}
	if test, _ = e.tests.Test(e.ctx, a.ID, test.ID); test.State != abtest.StateDone {
		t.Errorf("state %s", test.State)
	}
	// Another account cannot see or act on the test.
	b, _ := e.account(account.Service, 3)
	if _, err := e.tests.Test(e.ctx, b.ID, test.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account reads the test: %v", err)
	}
	if _, err := e.tests.SendWinner(e.ctx, b.ID, test.ID, 0); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account sends the winner: %v", err)
	}
}

// An owner's click during an automatic test sends the winner at once,
// through the scheduled roll-out job.
func TestSendTheWinnerBeforeTheWindowEnds(t *testing.T) {
	e := newEnv(t)
	a, audience := e.account(account.Subscription, 30)
	d := e.draft(a.ID)
	test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(d.ID, true))
	if err != nil {
		t.Fatal(err)
	}
	scheduled := test.WinnerJobID
	e.runDue()
	if test, err = e.tests.SendWinner(e.ctx, a.ID, test.ID, -1); err != nil {
		t.Fatal(err)
	}
	if test.WinnerJobID != scheduled || test.Winner != 0 {
		t.Fatalf("roll-out job %d (scheduled %d), winner %d: want the scheduled job and A (no opens: the first leads)", test.WinnerJobID, scheduled, test.Winner)
	}
	e.runDue()
	if rec := e.received(a); len(rec) != len(audience) {
		t.Fatalf("%d received, want %d", len(rec), len(audience))
	}
	if test, _ = e.tests.Test(e.ctx, a.ID, test.ID); test.State != abtest.StateDone {
		t.Errorf("state %s", test.State)
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	a, _ := e.account(account.Service, 5)
	d := e.draft(a.ID)
	for _, c := range []struct {
		name  string
		edit  func(*abtest.Input)
		field string
		msg   string
	}{
		{"one variant", func(in *abtest.Input) { in.Variants = in.Variants[:1] }, "variants", "2 to 4 variants"},
		{"same twice", func(in *abtest.Input) { in.Variants[2].Title = in.Variants[1].Title }, "title_2", "Variants B and C are the same"},
		{"no title", func(in *abtest.Input) { in.Variants[1].Title = " " }, "title_1", "Give variant B a title"},
		{"sample", func(in *abtest.Input) { in.SamplePercent = 95 }, "sample", "1% to 90%"},
		{"window", func(in *abtest.Input) { in.Window = time.Minute }, "window", "1 to 72 hours"},
		{"cover", func(in *abtest.Input) { in.Variants[1].CoverMediaID = "Mzzzz" }, "cover_1", "Variant B:"},
		{"too small", func(in *abtest.Input) { in.SamplePercent = 20 }, "sample", "fewer than one follower per variant"},
	} {
		in := input(d.ID, true)
		c.edit(&in)
		_, err := e.tests.Create(e.ctx, a.ID, e.owner, in)
		var ee *errs.Error
		if !errors.As(err, &ee) || ee.Field != c.field || !strings.Contains(ee.Message, c.msg) {
			t.Errorf("%s: %v (field %v), want %q on %s", c.name, err, ee, c.msg, c.field)
		}
	}
	// Nothing of the refused tests stayed: no copies, no quota, no jobs.
	if n := e.count(`SELECT COUNT(*) FROM publications WHERE account_id = ?`, a.ID); n != 1 {
		t.Errorf("%d publications after refusals, want the draft", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM publish_jobs WHERE account_id = ?`, a.ID); n != 0 {
		t.Errorf("%d jobs after refusals", n)
	}
	if u := e.used(a, e.clock.Now()); u != 0 {
		t.Errorf("quota used %d after refusals", u)
	}
	// With no quota left the test is refused as a mass send would be.
	e.exec(`INSERT INTO mass_quota (account_id, month, used) VALUES (?, ?, 100)`, a.ID, e.clock.Now().In(a.Location()).Format("2006-01"))
	if _, err := e.tests.Create(e.ctx, a.ID, e.owner, abtest.Input{DraftID: d.ID, SamplePercent: 50, Window: time.Hour,
		Variants: []abtest.VariantInput{{Title: "A"}, {Title: "B"}}}); !errors.Is(err, errs.TooMany) {
		t.Errorf("no quota left: %v", err)
	}
}
