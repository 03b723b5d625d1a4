package publish_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
)

func TestDraftRulesAndSanitising(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	other := e.account(account.Subscription, "Other Tea")

	body := "# Oolong\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) **bold**\n\n<iframe src=\"https://evil\"></iframe>"
	p, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Oolong", Body: body, CommentsOpen: true}}})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Articles[0].BodyHTML
	for _, bad := range []string{"<script", "onerror", "javascript:", "<iframe", "alert(1)"} {
		if strings.Contains(h, bad) {
			t.Errorf("sanitised body still contains %q: %s", bad, h)
		}
	}
	if !strings.Contains(h, "<strong>bold</strong>") || !strings.Contains(h, "<h1") {
		t.Errorf("Markdown not rendered: %s", h)
	}
	if p.Articles[0].Digest == "" || strings.Contains(p.Articles[0].Digest, "<") {
		t.Errorf("default digest = %q, want plain text from the body", p.Articles[0].Digest)
	}
	pasted, err := publish.RenderBody(publish.FormatHTML, `<p style="x" onclick="y">Hi <a href="https://tea.example/">tea</a></p><img src="/media/Mabc">`)
	if err != nil || strings.Contains(pasted, "onclick") || strings.Contains(pasted, "style") || !strings.Contains(pasted, `src="/media/Mabc"`) {
		t.Errorf("pasted HTML = %q, %v", pasted, err)
	}

	cases := []struct {
		name  string
		in    publish.DraftInput
		field string
		msg   string
	}{
		{"no articles", publish.DraftInput{}, "", "at least one article"},
		{"nine articles", publish.DraftInput{Articles: make([]publish.ArticleInput, 9)}, "", "at most 8 articles"},
		{"no title", publish.DraftInput{Articles: []publish.ArticleInput{{Title: "ok"}, {Title: "  "}}}, "title_1", "Article 2 needs a title"},
		{"long title", publish.DraftInput{Articles: []publish.ArticleInput{{Title: strings.Repeat("茶", 65)}}}, "title_0", "at most 64 characters"},
		{"long digest", publish.DraftInput{Articles: []publish.ArticleInput{{Title: "t", Digest: strings.Repeat("d", 129)}}}, "digest_0", "at most 128"},
		{"bad source", publish.DraftInput{Articles: []publish.ArticleInput{{Title: "t", SourceURL: "javascript:alert(1)"}}}, "source_url_0", "http"},
		{"huge body", publish.DraftInput{Articles: []publish.ArticleInput{{Title: "t", Body: strings.Repeat("a", publish.MaxBodySource+1)}}}, "body_0", "at most 200000"},
		{"foreign cover", publish.DraftInput{Articles: []publish.ArticleInput{{Title: "t", CoverMediaID: "placeholder"}}}, "cover_0", "media library"},
	}
	// An image of another account cannot be used as a cover.
	img, err := e.store.Upload(e.ctx, other.ID, publish.AssetImage, "c.png", bytes.NewReader(pngBytes()))
	if err != nil {
		t.Fatal(err)
	}
	cases[len(cases)-1].in.Articles[0].CoverMediaID = img.MediaID
	for _, c := range cases {
		_, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, c.in)
		var de *errs.Error
		if !errors.As(err, &de) || de.Kind != errs.KindInvalid || de.Field != c.field || !strings.Contains(de.Message, c.msg) {
			t.Errorf("%s: got %v (field %q), want field %q and %q", c.name, err, fieldOf(err), c.field, c.msg)
		}
	}
	// Nothing was stored by the failed saves, and the good draft is intact.
	if n, _ := e.store.CountDrafts(e.ctx, a.ID); n != 1 {
		t.Errorf("drafts = %d, want 1", n)
	}
	// Another account cannot read or edit the draft.
	if _, err := e.store.Publication(e.ctx, other.ID, p.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account reads draft: %v", err)
	}
	if _, err := e.store.SaveDraft(e.ctx, other.ID, e.owner, p.ID, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "mine"}}}); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account edits draft: %v", err)
	}
	// Reorder: saving in a new order keeps the order.
	p2, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "One"}, {Title: "Two"}, {Title: "Three"}}})
	if err != nil {
		t.Fatal(err)
	}
	in := publish.DraftInput{}
	for _, i := range []int{2, 0, 1} {
		in.Articles = append(in.Articles, p2.Articles[i].Input())
	}
	p2, err = e.store.SaveDraft(e.ctx, a.ID, e.owner, p2.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := p2.Articles[0].Title + p2.Articles[1].Title + p2.Articles[2].Title; got != "ThreeOneTwo" || p2.Title != "Three" {
		t.Errorf("order after reorder = %s (title %s)", got, p2.Title)
	}
}

func fieldOf(err error) string {
	var de *errs.Error
	if errors.As(err, &de) {
		return de.Field
	}
	return ""
}

func pngBytes() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
}

func TestMediaLibrary(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Service, "Harbour Bank")
	b := e.account(account.Service, "Other Bank")
	img, err := e.store.Upload(e.ctx, a.ID, publish.AssetImage, "../../etc/cover.png", bytes.NewReader(pngBytes()))
	if err != nil {
		t.Fatal(err)
	}
	if img.Name != "cover.png" || img.ContentType != "image/png" || !strings.HasPrefix(img.MediaID, "M") {
		t.Errorf("asset = %+v", img)
	}
	if _, err := e.store.Upload(e.ctx, a.ID, publish.AssetVideo, "x.mp4", strings.NewReader("not a video at all")); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("text uploaded as video: %v", err)
	}
	if _, err := e.store.Asset(e.ctx, b.ID, img.MediaID); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account sees asset: %v", err)
	}
	if err := e.store.DeleteAsset(e.ctx, b.ID, img.MediaID); !errors.Is(err, errs.NotFound) {
		t.Errorf("other account deletes asset: %v", err)
	}
	list, _ := e.store.Assets(e.ctx, a.ID, "", 10)
	if len(list) != 1 {
		t.Errorf("library has %d assets, want 1", len(list))
	}
}

func TestPublishNowAndRead(t *testing.T) {
	var flagged []string
	e := newEnvWith(t, publish.Deps{FlagContent: func(ctx context.Context, accountID, articleID int64, title, body string) ([]string, error) {
		flagged = append(flagged, title+": "+body)
		return nil, nil
	}}, publish.EngineOptions{})
	a := e.account(account.Subscription, "Lotus Tea House")
	readers := e.people(2, "reader")
	e.follow(a.ID, readers[:1])
	p := e.draft(a.ID, "First", "Second")
	art := p.Articles[1].ID

	// A draft is not public, but its preview link and members work.
	if _, err := e.store.Read(e.ctx, art, readers[0], ""); !errors.Is(err, errs.NotFound) {
		t.Errorf("draft readable: %v", err)
	}
	if rd, err := e.store.Read(e.ctx, art, 0, p.PreviewKey); err != nil || !rd.Preview {
		t.Errorf("preview link: %v", err)
	}
	if _, err := e.store.Read(e.ctx, art, 0, "wrong"); !errors.Is(err, errs.NotFound) {
		t.Errorf("wrong preview key: %v", err)
	}

	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	j, err = e.engine.Run(e.ctx, j.ID)
	if err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v %+v", err, j)
	}
	if len(flagged) != 2 || flagged[1] != "Second: Second Some tea text about Second." {
		t.Errorf("content check got %q", flagged)
	}
	rd, err := e.store.Read(e.ctx, art, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if rd.Article.Title != "Second" || len(rd.Siblings) != 2 || rd.Account.Name != "Lotus Tea House" || rd.Preview {
		t.Errorf("reading = %+v", rd)
	}
	// Plain publishing does not use the quota and does not reach the folder.
	q, _ := e.store.Quota(e.ctx, a)
	if q.Used != 0 {
		t.Errorf("quota used = %d after a plain publish", q.Used)
	}
	if items, _ := e.subs.Items(e.ctx, readers[0], folder.Cursor{}, 20); len(items) != 0 {
		t.Errorf("plain publish reached the folder: %+v", items)
	}
	prof, _ := e.store.Profile(e.ctx, a.ID, 0, 10)
	if len(prof) != 1 || prof[0].ID != p.ID {
		t.Errorf("profile = %+v", prof)
	}
	acc, _ := e.accounts.ByID(e.ctx, a.ID)
	if acc.LastPublishedAt.IsZero() {
		t.Error("last_published_at not updated")
	}
	// Published publications cannot be edited or published again.
	if _, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass}); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("republish: %v", err)
	}
	if _, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, p.ID, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "x"}}}); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("edit published: %v", err)
	}
	// Deleting takes the pages down.
	if err := e.store.DeletePublished(e.ctx, a.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Read(e.ctx, art, 0, ""); !errors.Is(err, errs.NotFound) {
		t.Errorf("deleted article readable: %v", err)
	}
}

func TestQuotaScheduleAndCancel(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Service, "Harbour Bank")
	// Pin the clock to the 10th of a month, noon in the account's zone.
	loc := a.Location()
	now := e.clock.Now().In(loc)
	target := time.Date(now.Year(), now.Month(), 10, 12, 0, 0, 0, loc)
	if target.Before(now) {
		target = target.AddDate(0, 1, 0)
	}
	e.clock.Advance(target.Sub(now))

	for i := range 4 {
		p := e.draft(a.ID, "Send "+string(rune('A'+i)))
		opts := publish.SendOptions{Mode: publish.ModeMass}
		if i == 3 {
			opts.At = e.clock.Now().Add(time.Hour) // a scheduled send takes quota too
		}
		if _, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, opts); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	q, _ := e.store.Quota(e.ctx, a)
	if q.Limit != 4 || q.Used != 4 || q.Left != 0 {
		t.Errorf("quota = %+v, want 4 used of 4", q)
	}
	if want := time.Date(target.Year(), target.Month()+1, 1, 0, 0, 0, 0, loc); !q.ResetAt.Equal(want) {
		t.Errorf("resets at %v, want %v", q.ResetAt, want)
	}
	p5 := e.draft(a.ID, "Fifth")
	_, err := e.store.Send(e.ctx, a.ID, e.owner, p5.ID, publish.SendOptions{Mode: publish.ModeMass})
	if errs.KindOf(err) != errs.KindTooMany || !strings.Contains(errs.Message(err), "resets on") {
		t.Fatalf("5th send: %v, want a quota refusal with the reset date", err)
	}
	// Plain publishing is not limited by the quota.
	if _, err := e.store.Send(e.ctx, a.ID, e.owner, p5.ID, publish.SendOptions{Mode: publish.ModePublish}); err != nil {
		t.Errorf("publish with no quota left: %v", err)
	}
	// Next month's quota is separate: a send scheduled then is accepted.
	p6 := e.draft(a.ID, "Next month")
	next := time.Date(target.Year(), target.Month()+1, 2, 9, 0, 0, 0, loc)
	j6, err := e.store.Send(e.ctx, a.ID, e.owner, p6.ID, publish.SendOptions{Mode: publish.ModeMass, At: next})
	if err != nil {
		t.Fatalf("next month: %v", err)
	}
	// Cancelling gives the quota back and makes the draft editable again.
	if err := e.store.Cancel(e.ctx, a.ID, j6.ID); err != nil {
		t.Fatal(err)
	}
	qn, _ := e.store.QuotaAt(e.ctx, a, next)
	if qn.Used != 0 {
		t.Errorf("next month used = %d after cancel", qn.Used)
	}
	if p, _ := e.store.Publication(e.ctx, a.ID, p6.ID); p.State != publish.StateDraft {
		t.Errorf("cancelled publication is %s", p.State)
	}
	// Schedule limits.
	if _, err := e.store.Send(e.ctx, a.ID, e.owner, p6.ID, publish.SendOptions{Mode: publish.ModePublish, At: e.clock.Now().Add(time.Minute)}); fieldOf(err) != "at" {
		t.Errorf("schedule in 1 minute: %v", err)
	}
}

func TestScheduledSendRunsWhenDue(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	readers := e.people(3, "r")
	e.follow(a.ID, readers)
	p := e.draft(a.ID, "Tea at dawn")
	at := e.clock.Now().Add(2 * time.Hour)
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := e.engine.RunDue(e.ctx); n != 0 {
		t.Fatalf("ran %d jobs before they were due", n)
	}
	if items, _ := e.subs.Items(e.ctx, readers[0], folder.Cursor{}, 20); len(items) != 0 {
		t.Fatal("scheduled send visible early")
	}
	e.clock.Advance(2*time.Hour + time.Second)
	if n, _ := e.engine.RunDue(e.ctx); n != 1 {
		t.Fatalf("ran %d jobs when due, want 1", n)
	}
	j, _ = e.store.Job(e.ctx, a.ID, j.ID)
	if j.State != publish.JobDone || j.TotalCount != 3 || j.SentCount != 3 {
		t.Errorf("job = %s", j)
	}
	items, _ := e.subs.Items(e.ctx, readers[0], folder.Cursor{}, 20)
	if len(items) != 1 || items[0].Title != "Tea at dawn" {
		t.Errorf("folder = %+v", items)
	}
}

func TestRestrictionsBlockPublishing(t *testing.T) {
	var restrictedID int64
	restricted, suspended := true, false
	// Like the review store's gate: a suspension blocks every feature, a
	// restriction its own.
	e := newEnvWith(t, publish.Deps{Gate: func(ctx context.Context, accountID int64, feature string) error {
		if suspended && accountID == restrictedID {
			return errs.Forbiddenf("This account is suspended until 9 December.")
		}
		if restricted && accountID == restrictedID && feature == publish.FeatureMassSend {
			return errs.Forbiddenf("Mass sending is restricted until 1 December.")
		}
		return nil
	}}, publish.EngineOptions{})
	a := e.account(account.Service, "Harbour Bank")
	restrictedID = a.ID
	e.follow(a.ID, e.people(3, "r"))
	p := e.draft(a.ID, "Rates")
	p2 := e.draft(a.ID, "More rates")

	_, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass})
	if errs.KindOf(err) != errs.KindForbidden || !strings.Contains(errs.Message(err), "restricted") {
		t.Errorf("restricted mass send: %v", err)
	}
	// A send scheduled before the account was suspended fails when due,
	// with the reason, and gives the quota back.
	restricted = false
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModeMass, At: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, a.ID)
	suspended = true
	e.clock.Advance(2 * time.Hour)
	if _, err := e.engine.RunDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	j, _ = e.store.Job(e.ctx, a.ID, j.ID)
	if j.State != publish.JobFailed || !strings.Contains(j.Error, "suspended") || j.SentCount != 0 {
		t.Errorf("job on suspended account = %s (%q)", j, j.Error)
	}
	acc, _ := e.accounts.ByID(e.ctx, a.ID)
	if q, _ := e.store.Quota(e.ctx, acc); q.Used != 0 {
		t.Errorf("quota used = %d after a failed send", q.Used)
	}
	if n := e.count(`SELECT COUNT(*) FROM ` + massRows(a.ID)); n != 0 {
		t.Errorf("%d messages delivered by a suspended account", n)
	}
	if _, err := e.store.Send(e.ctx, a.ID, e.owner, p2.ID, publish.SendOptions{Mode: publish.ModePublish}); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("suspended account publishes: %v", err)
	}
	e.exec(`UPDATE accounts SET status = 'terminated' WHERE id = ?`, a.ID)
	if _, err := e.store.Send(e.ctx, a.ID, e.owner, p2.ID, publish.SendOptions{Mode: publish.ModePublish}); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("terminated account publishes: %v", err)
	}
}

// TestReadEqualsSeparateReads holds the reading page's one statement to
// the reads it replaced: the article and its publication as
// Store.Publication gives them, the account as account.Store.ByID does,
// and the viewer's role, follow and reactions.
func TestReadEqualsSeparateReads(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	readers := e.people(2, "reader")
	e.follow(a.ID, readers[:1])
	p := e.draft(a.ID, "First", "Second")
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = e.engine.Run(e.ctx, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v %+v", err, j)
	}
	art := p.Articles[1].ID
	if _, _, err := e.store.React(e.ctx, art, readers[0], publish.ReactWow, true); err != nil {
		t.Fatal(err)
	}
	want, err := e.store.Publication(e.ctx, a.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantArt := want.Articles[1]
	want.Articles = nil
	wantAcct, err := e.accounts.ByID(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name                            string
		viewer                          int64
		member, following, liked, wowed bool
	}{
		{"anonymous", 0, false, false, false, false},
		{"follower who wowed", readers[0], false, true, false, true},
		{"stranger", readers[1], false, false, false, false},
		{"owner", e.owner, true, false, false, false},
	} {
		rd, err := e.store.Read(e.ctx, art, c.viewer, "")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(rd.Article, wantArt) {
			t.Errorf("%s: article\n%+v, want\n%+v", c.name, rd.Article, wantArt)
		}
		if !reflect.DeepEqual(rd.Publication, want) {
			t.Errorf("%s: publication\n%+v, want\n%+v", c.name, rd.Publication, want)
		}
		if !reflect.DeepEqual(rd.Account, wantAcct) {
			t.Errorf("%s: account\n%+v, want\n%+v", c.name, rd.Account, wantAcct)
		}
		if rd.Member != c.member || rd.Following != c.following || rd.Liked != c.liked || rd.Wowed != c.wowed {
			t.Errorf("%s: member %v following %v liked %v wowed %v, want %v %v %v %v", c.name, rd.Member, rd.Following, rd.Liked, rd.Wowed,
				c.member, c.following, c.liked, c.wowed)
		}
	}
	if _, err := e.store.Read(e.ctx, art+1_000_000, readers[0], ""); !errors.Is(err, errs.NotFound) {
		t.Errorf("no such article: %v", err)
	}

	// The siblings are the publication's articles not deleted, in order,
	// whether it was made with one article or several, and after one of
	// several is deleted.
	one := e.draft(a.ID, "Alone")
	if j, err = e.store.Send(e.ctx, a.ID, e.owner, one.ID, publish.SendOptions{Mode: publish.ModePublish}); err != nil {
		t.Fatal(err)
	}
	if j, err = e.engine.Run(e.ctx, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v %+v", err, j)
	}
	siblings := func(name string, articleID, pubID int64) {
		t.Helper()
		rd, err := e.store.Read(e.ctx, articleID, readers[0], "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got, want []string
		for _, s := range rd.Siblings {
			got = append(got, fmt.Sprint(s.ID, s.Idx, s.Title))
		}
		rows, err := e.db.Query(e.ctx, `SELECT id, idx, title FROM articles WHERE publication_id = ? AND deleted = FALSE ORDER BY idx`, pubID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var idx int
			var title string
			if err := rows.Scan(&id, &idx, &title); err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprint(id, idx, title))
		}
		rows.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: siblings %q, want %q", name, got, want)
		}
	}
	siblings("one article", one.Articles[0].ID, one.ID)
	siblings("two articles", art, p.ID)
	if err := e.store.DeletePublishedArticle(e.ctx, a.ID, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	siblings("one of two deleted", art, p.ID)
}
