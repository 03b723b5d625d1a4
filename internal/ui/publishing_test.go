package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

const pubPW = "publishing secret 1"

// lotusTea starts a server with one account, Lotus Tea House of type typ,
// owned by lin, who is signed in.
func lotusTea(t *testing.T, typ string) (*apptest.Server, *account.Account, *apptest.Client) {
	t.Helper()
	s := apptest.New(t)
	a, owner := pubOwner(t, s, "lin", "Lotus Tea House", typ)
	return s, a, owner
}

// pubOwner creates an active account owned by a new signed-in person.
func pubOwner(t *testing.T, s *apptest.Server, username, name, typ string) (*account.Account, *apptest.Client) {
	t.Helper()
	p := s.CreatePerson(t, username, pubPW, user.RoleNone)
	a, err := s.App.Accounts.Create(context.Background(), account.NewAccount{Type: typ, Region: account.Domestic, Name: name,
		Status: account.StatusActive, OwnerID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(username, pubPW)
	return a, c
}

func draftForm(titles ...string) url.Values {
	f := url.Values{"kind": {"news"}, "n": {fmt.Sprint(len(titles))}, "op": {"save"}}
	for i, t := range titles {
		f.Set(fmt.Sprintf("title_%d", i), t)
		f.Set(fmt.Sprintf("body_%d", i), "Steep **"+t+"** for three minutes.")
		f.Set(fmt.Sprintf("comments_%d", i), "1")
	}
	return f
}

var draftPath = regexp.MustCompile(`^/mp/a/\d+/publish/d/(\d+)$`)

func TestPublishingConsoleAndReading(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	ctx := context.Background()
	base := fmt.Sprintf("/mp/a/%d", a.ID)

	res := owner.Get(base + "/publish")
	if res.Status != 200 || !res.Contains(`data-testid="quota-left">30<`) {
		t.Fatalf("publish home: %d\n%s", res.Status, res.Body)
	}
	// A bad draft re-renders with the message on its field and keeps the text.
	bad := draftForm("Green tea", "")
	bad.Set("body_1", "my precious text")
	res = owner.PostForm(base+"/publish/save", bad)
	if res.Status != http.StatusUnprocessableEntity || !res.Contains("Article 2 needs a title") || !res.Contains("my precious text") {
		t.Fatalf("bad draft: %d\n%s", res.Status, res.Body)
	}
	// "Add article" adds a block without saving.
	res = owner.PostForm(base+"/publish/save", func() url.Values { f := draftForm("Green tea"); f.Set("op", "add"); return f }())
	if res.Status != 200 || strings.Count(res.Body, `data-testid="article-block"`) != 2 {
		t.Fatalf("add article: %d", res.Status)
	}
	res = owner.PostForm(base+"/publish/save", draftForm("Green tea", "Oolong"))
	m := draftPath.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("save: %d %q\n%s", res.Status, res.Location, res.Body)
	}
	draftURL := res.Location
	// Reorder: "move down" on the first article saves the new order.
	f := draftForm("Green tea", "Oolong")
	f.Set("draft", m[1])
	f.Set("op", "down:0")
	if res = owner.PostForm(base+"/publish/save", f); res.Status != http.StatusSeeOther {
		t.Fatalf("reorder: %d", res.Status)
	}
	res = owner.Get(draftURL)
	if i, j := strings.Index(res.Body, `value="Oolong"`), strings.Index(res.Body, `value="Green tea"`); i < 0 || j < 0 || i > j {
		t.Errorf("after moving down, Oolong should come first")
	}
	// Live preview is sanitised.
	res = owner.PostForm(base+"/publish/render", url.Values{"body": {"**tea** <script>alert(1)</script>"}})
	if !res.Contains("<strong>tea</strong>") || res.Contains("<script") {
		t.Errorf("render = %q", res.Body)
	}
	// Phone preview.
	if res = owner.Get(draftURL + "/preview"); res.Status != 200 || !res.Contains(`data-testid="phone-frame"`) {
		t.Errorf("phone preview: %d", res.Status)
	}

	// Another account's owner sees nothing of it.
	b, stranger := pubOwner(t, s, "omar", "Other Tea", account.Subscription)
	if res = stranger.Get(base + "/publish"); res.Status != http.StatusForbidden {
		t.Errorf("stranger on the console: %d", res.Status)
	}
	if res = stranger.Get(fmt.Sprintf("/mp/a/%d/publish/d/%s", b.ID, m[1])); res.Status != http.StatusNotFound {
		t.Errorf("stranger opens the draft through their account: %d", res.Status)
	}
	pid := m[1]
	var pubID int64
	fmt.Sscan(pid, &pubID)
	pub, err := s.App.Publish.Publication(ctx, a.ID, pubID)
	if err != nil {
		t.Fatal(err)
	}
	if res = stranger.Get(publish.ArticlePath(pub.Articles[0].ID)); res.Status != http.StatusNotFound {
		t.Errorf("draft readable before publishing: %d", res.Status)
	}

	// A follower, then a mass send to all followers.
	fan := s.CreatePerson(t, "mei", pubPW, user.RoleNone)
	if _, err := s.App.Follows.Follow(ctx, a.ID, fan.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	res = owner.PostForm(draftURL+"/send", url.Values{"mode": {"mass"}, "target": {"all"}, "when": {"now"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("mass send: %d\n%s", res.Status, res.Body)
	}
	if n, err := s.App.PublishEngine.RunDue(ctx); n != 1 || err != nil {
		t.Fatalf("engine ran %d jobs: %v", n, err)
	}
	res = owner.Get(base + "/publish")
	if !res.Contains(`data-testid="quota-left">29<`) || !res.Contains("1 total · 1 after filtering · 1 sent · errors: 0") {
		t.Errorf("after the send the console shows:\n%s", res.Body)
	}

	// The follower reads it, likes it and comments; anonymous readers read.
	fc := s.Client(t)
	fc.SignIn("mei", pubPW)
	art := publish.ArticlePath(pub.Articles[0].ID)
	res = fc.Get(art)
	if res.Status != 200 || !res.Contains("Lotus Tea House") || !res.Contains("<strong>") || !res.Contains(`data-testid="comment-form"`) {
		t.Fatalf("reading page: %d\n%s", res.Status, res.Body)
	}
	if res = s.Client(t).Get(art); res.Status != 200 || res.Contains(`data-testid="comment-form"`) {
		t.Errorf("anonymous reader: %d", res.Status)
	}
	if res = fc.PostForm(art+"/react", url.Values{"kind": {"like"}, "on": {"1"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("like: %d", res.Status)
	}
	res = fc.PostForm(art+"/comments", url.Values{"body": {""}})
	if res.Status != http.StatusUnprocessableEntity || !res.Contains("Write a comment first") {
		t.Errorf("empty comment: %d", res.Status)
	}
	if res = fc.PostForm(art+"/comments", url.Values{"body": {"Lovely <b>tea</b>"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("comment: %d\n%s", res.Status, res.Body)
	}
	res = fc.Get(art)
	if !res.Contains(`data-testid="like-count">1<`) || !res.Contains("Lovely &lt;b&gt;tea&lt;/b&gt;") {
		t.Errorf("after like and comment:\n%s", res.Body)
	}
	// The owner features and replies in the console; a stranger cannot.
	list, _ := s.App.Publish.AccountComments(ctx, a.ID, 0, 10)
	cpath := fmt.Sprintf("%s/comments/%d", base, list[0].ID)
	if res = stranger.PostForm(fmt.Sprintf("/mp/a/%d/comments/%d", b.ID, list[0].ID), url.Values{"op": {"delete"}}); res.Status != http.StatusNotFound {
		t.Errorf("stranger deletes a comment: %d", res.Status)
	}
	if res = owner.PostForm(cpath, url.Values{"op": {"reply"}, "reply": {"Thank you!"}}); res.Status != http.StatusSeeOther {
		t.Errorf("reply: %d", res.Status)
	}
	if res = fc.Get(art); !res.Contains("Thank you!") {
		t.Error("reply not shown on the article")
	}
	// The folder of the follower app lists it.
	if res = fc.Get("/subscriptions"); !res.Contains("Oolong") {
		t.Errorf("folder:\n%s", res.Body)
	}
}

func TestPublishingQuotaAndRolesInTheConsole(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	a, owner := pubOwner(t, s, "hana", "Harbour Bank", account.Service)
	base := fmt.Sprintf("/mp/a/%d", a.ID)
	p := s.App.Settings
	cfg, _ := p.Get(ctx)
	cfg.ServiceMassSendsPerMonth = 0
	if err := p.Save(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	res := owner.PostForm(base+"/publish/save", draftForm("Rates"))
	draftURL := res.Location
	res = owner.PostForm(draftURL+"/send", url.Values{"mode": {"mass"}, "target": {"all"}, "when": {"now"}})
	if res.Status != http.StatusTooManyRequests || !res.Contains("No mass sends left") || !res.Contains("resets on") {
		t.Errorf("over quota: %d\n%s", res.Status, res.Body)
	}
	// A bad schedule time is reported on its field.
	res = owner.PostForm(draftURL+"/send", url.Values{"mode": {"publish"}, "when": {"later"}, "at": {"yesterday"}})
	if res.Status != http.StatusUnprocessableEntity || !res.Contains("Choose a date and time") {
		t.Errorf("bad schedule: %d", res.Status)
	}
	// An analyst may not open publishing.
	analyst := s.CreatePerson(t, "ana", pubPW, user.RoleNone)
	if err := s.App.Accounts.AddMember(ctx, a.ID, analyst.ID, account.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	ac := s.Client(t)
	ac.SignIn("ana", pubPW)
	if res = ac.Get(base + "/publish"); res.Status != http.StatusForbidden {
		t.Errorf("analyst on publishing: %d", res.Status)
	}
	// Publishing now works without quota.
	if res = owner.PostForm(draftURL+"/send", url.Values{"mode": {"publish"}, "when": {"now"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", res.Status, res.Body)
	}
	if list, _ := s.App.Publish.Profile(ctx, a.ID, 0, 5); len(list) != 1 {
		t.Errorf("profile has %d publications", len(list))
	}
}

func TestMediaLibraryUploadAndRanges(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Subscription)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "video")
	fw, _ := mw.CreateFormFile("file", "clip.mp4")
	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{7}, 5000)...)
	fw.Write(video)
	mw.Close()
	req := owner.NewRequest(http.MethodPost, fmt.Sprintf("/mp/a/%d/media", a.ID), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Accept", "application/json")
	res := owner.Do(req)
	mid := regexp.MustCompile(`"media_id":"(M[0-9a-z]+)"`).FindStringSubmatch(res.Body)
	if res.Status != 200 || mid == nil {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	asset, err := s.App.Publish.Asset(context.Background(), a.ID, mid[1])
	if err != nil {
		t.Fatal(err)
	}
	r2 := s.Client(t).NewRequest(http.MethodGet, asset.URL(), nil)
	r2.Header.Set("Range", "bytes=100-199")
	res = s.Client(t).Do(r2)
	if res.Status != http.StatusPartialContent || len(res.Body) != 100 || res.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("range request: %d, %d bytes, %s", res.Status, len(res.Body), res.Header.Get("Content-Type"))
	}
	// A text file is refused as an image, with the reason on the form.
	body.Reset()
	mw = multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "image")
	fw, _ = mw.CreateFormFile("file", "x.png")
	fw.Write([]byte("hello, not an image"))
	mw.Close()
	req = owner.NewRequest(http.MethodPost, fmt.Sprintf("/mp/a/%d/media", a.ID), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.URL)
	res = owner.Do(req)
	if res.Status != http.StatusUnprocessableEntity || !res.Contains("must be one of") {
		t.Errorf("bad image: %d\n%s", res.Status, res.Body)
	}
}
