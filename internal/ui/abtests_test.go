package ui_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/publish"
)

var abTestPath = regexp.MustCompile(`^/mp/a/\d+/abtests/(\d+)$`)

// followers adds n people following the account (straight into the
// database: no password hashing) and returns their ids.
func abFollowers(t *testing.T, s *apptest.Server, accountID int64, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = id.New()
		if _, err := s.App.Publish.DB().Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'Fan', 'x', 1, 1)`,
			ids[i], fmt.Sprintf("fan%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.App.Follows.FollowMany(ctx, accountID, ids, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestABTestConsoleRunsATestToItsWinner(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	ctx := context.Background()
	base := fmt.Sprintf("/mp/a/%d", a.ID)
	fans := abFollowers(t, s, a.ID, 40)
	members, _ := s.App.Accounts.Members(ctx, a.ID)
	d, err := s.App.Publish.SaveDraft(ctx, a.ID, members[0].PersonID, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring tea", Body: "Green."}}})
	if err != nil {
		t.Fatal(err)
	}
	list := owner.Get(base + "/abtests")
	if list.Status != 200 || !list.Contains(fmt.Sprintf(`href="%s/abtests/new?draft=%d"`, base, d.ID)) || !list.Contains("No tests yet.") {
		t.Fatalf("list: %d\n%s", list.Status, list.Body)
	}
	form := owner.Get(fmt.Sprintf("%s/abtests/new?draft=%d", base, d.ID))
	if form.Status != 200 || !form.Contains(`value="Spring tea"`) || !form.Contains("30 mass sends left") && !form.Contains("of the 30 mass sends left") {
		t.Fatalf("form: %d\n%s", form.Status, form.Body)
	}
	f := url.Values{"draft": {fmt.Sprint(d.ID)}, "title_0": {"Spring tea"}, "title_1": {"Spring tea"}, "target": {"all"}, "sample": {"50"}, "window": {"4"}, "winner": {"manual"}}
	res := owner.PostForm(base+"/abtests", f)
	if res.Status != 422 || !res.Contains("Variants A and B are the same") || !res.Contains(`value="50"`) {
		t.Fatalf("same titles: %d\n%s", res.Status, res.Body)
	}
	f.Set("title_1", "The first picking is here")
	res = owner.PostForm(base+"/abtests", f)
	m := abTestPath.FindStringSubmatch(res.Location)
	if res.Status != 303 || m == nil {
		t.Fatalf("create: %d %s\n%s", res.Status, res.Location, res.Body)
	}
	page := owner.Get(res.Location)
	if page.Status != 200 || strings.Count(page.Body, `data-testid="abtest-variant"`) != 2 || !page.Contains(`data-testid="abtest-recipients">10<`) ||
		!page.Contains("nobody has opened any variant yet") || !page.Contains(`data-testid="abtest-send-winner"`) {
		t.Fatalf("results: %d\n%s", page.Status, page.Body)
	}
	if _, err := s.App.PublishEngine.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	// Variant B's recipients open it; A's do not.
	var testID int64
	fmt.Sscan(m[1], &testID)
	rows, err := s.App.Publish.DB().Query(ctx, `SELECT m.person_id, p.first_article_id FROM ab_test_members m
		JOIN ab_test_variants v ON v.test_id = m.test_id AND v.variant = m.variant JOIN publications p ON p.id = v.publication_id
		WHERE m.test_id = ? AND m.variant = 2`, testID)
	type read struct{ person, article int64 }
	reads, err := db.Collect(rows, err, func(r *sql.Rows) (read, error) {
		var x read
		return x, r.Scan(&x.person, &x.article)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reads[:7] {
		if _, err := s.App.Publish.DB().Exec(ctx, `INSERT INTO analytics_events (id, account_id, kind, person_id, object_id, at) VALUES (?, ?, 'read', ?, ?, ?)`,
			id.New(), a.ID, r.person, r.article, db.Micro(s.Clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	s.Clock.Advance(time.Minute)
	page = owner.Get(res.Location)
	if !page.Contains(`data-testid="abtest-opens">7<`) || !page.Contains("70.0%") || !page.Contains("No clear winner") {
		t.Fatalf("after reads:\n%s", page.Body)
	}
	// Sent by hand: variant B goes to the 20 followers not in the sample.
	sent := owner.PostForm(res.Location+"/winner", url.Values{"variant": {"1"}})
	if sent.Status != 303 || sent.Location != res.Location {
		t.Fatalf("send winner: %d %s\n%s", sent.Status, sent.Location, sent.Body)
	}
	if again := owner.PostForm(res.Location+"/winner", url.Values{"variant": {"0"}}); again.Status != 409 {
		t.Errorf("second click: %d, want 409", again.Status)
	}
	if _, err := s.App.PublishEngine.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	page = owner.Get(res.Location)
	if !page.Contains(">Done<") || !page.Contains(`data-testid="abtest-winner"`) || !page.Contains("(20 followers)") || page.Contains(`data-testid="abtest-send-winner"`) {
		t.Fatalf("done:\n%s", page.Body)
	}
	var got int64
	if err := db.Get(s.App.Publish.DB().QueryRow(ctx, `SELECT COUNT(DISTINCT person_id) FROM folder_deliveries WHERE account_id = ?`, a.ID), &got); err != nil {
		t.Fatal(err)
	}
	if got != int64(len(fans)) {
		t.Errorf("%d followers received a variant, want %d", got, len(fans))
	}
	// Another account's member sees no such test.
	_, other := pubOwner(t, s, "mei", "Mei's Shop", account.Subscription)
	if r := other.Get(res.Location); r.Status == 200 {
		t.Errorf("another person reads the test: %d", r.Status)
	}
}

// A variant whose send ended before reaching anybody says so on the
// results page, cannot be chosen as the winner, and the form picks the
// best variant that went out.
func TestABTestConsoleShowsAVariantThatReachedNobody(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	ctx := context.Background()
	base := fmt.Sprintf("/mp/a/%d", a.ID)
	abFollowers(t, s, a.ID, 20)
	members, _ := s.App.Accounts.Members(ctx, a.ID)
	d, err := s.App.Publish.SaveDraft(ctx, a.ID, members[0].PersonID, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring tea", Body: "Green."}}})
	if err != nil {
		t.Fatal(err)
	}
	res := owner.PostForm(base+"/abtests", url.Values{"draft": {fmt.Sprint(d.ID)}, "title_0": {"Spring tea"}, "title_1": {"The first picking is here"},
		"target": {"all"}, "sample": {"50"}, "window": {"4"}, "winner": {"manual"}})
	m := abTestPath.FindStringSubmatch(res.Location)
	if res.Status != 303 || m == nil {
		t.Fatalf("create: %d %s\n%s", res.Status, res.Location, res.Body)
	}
	// Variant A's job fails before it delivers anything.
	if _, err := s.App.Publish.DB().Exec(ctx, `UPDATE publish_jobs SET state = 'failed', error = 'The delivery failed.'
		WHERE id = (SELECT job_id FROM ab_test_variants WHERE test_id = ? AND variant = 1)`, m[1]); err != nil {
		t.Fatal(err)
	}
	page := owner.Get(res.Location)
	if strings.Count(page.Body, `data-testid="abtest-undelivered"`) != 1 || !page.Contains("cannot win") {
		t.Fatalf("the failed variant is not marked:\n%s", page.Body)
	}
	radio := func(letter string) string {
		i := strings.Index(page.Body, `data-testid="abtest-choose-`+letter+`"`)
		if i < 0 {
			t.Fatalf("no radio for %s:\n%s", letter, page.Body)
		}
		return page.Body[strings.LastIndex(page.Body[:i], "<input"):i]
	}
	if a := radio("A"); !strings.Contains(a, "disabled") || strings.Contains(a, "checked") {
		t.Errorf("variant A's radio: %s", a)
	}
	if b := radio("B"); !strings.Contains(b, "checked") || strings.Contains(b, "disabled") {
		t.Errorf("variant B's radio: %s", b)
	}
	if r := owner.PostForm(res.Location+"/winner", url.Values{"variant": {"0"}}); r.Status != 409 || !r.Contains("Variant A could not be sent") {
		t.Errorf("choosing variant A: %d\n%s", r.Status, r.Body)
	}
	if r := owner.PostForm(res.Location+"/winner", url.Values{"variant": {"1"}}); r.Status != 303 {
		t.Errorf("choosing variant B: %d\n%s", r.Status, r.Body)
	}
}
