package ui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
)

// dataUpload posts a multipart form with one file, as a browser would.
func dataUpload(t *testing.T, s *apptest.Server, c *apptest.Client, path string, fields map[string]string, fileField, fileName string, data []byte) *apptest.Response {
	t.Helper()
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	return postMultipart(t, s, c, path, form, map[string]upload{fileField: {fileName, data}})
}

// editArchive rewrites one file of an archive with edit and fixes the
// manifest's checksums, so the archive fails on content, not on a checksum.
func editArchive(t *testing.T, archive []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var order []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			b = edit(b)
		}
		files[f.Name] = b
		order = append(order, f.Name)
	}
	var m portability.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	for i, fi := range m.Files {
		h := sha256.Sum256(files[fi.Name])
		m.Files[i].SHA256, m.Files[i].Bytes = hex.EncodeToString(h[:]), int64(len(files[fi.Name]))
		m.Files[i].Rows = int64(bytes.Count(files[fi.Name], []byte("\n")))
	}
	files["manifest.json"], _ = json.Marshal(m)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range order {
		w, _ := zw.Create(n)
		w.Write(files[n])
	}
	zw.Close()
	return buf.Bytes()
}

// TestOwnersDataPage: the owner exports the account from the console (a
// queue job whose progress the page polls), downloads the archive, checks
// it and imports it into another approved account, where a broken copy is
// refused with its file and line; the follower CSV downloads, and an upload
// reports bad lines by number, dry-runs and applies. Only owners see the page.
func TestOwnersDataPage(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	harbour, _ := s.App.Users.ByUsername(ctx, "harbour")
	ms, err := s.App.Accounts.ForMember(ctx, harbour.ID)
	if err != nil || len(ms) == 0 {
		t.Fatal(err)
	}
	bank := ms[0].Account
	owner := s.Client(t)
	owner.SignIn("harbour", "owner-demo")
	base := fmt.Sprintf("/mp/a/%d/data", bank.ID)

	if r := owner.Get(base); r.Status != http.StatusOK || !r.Contains("Export the account") {
		t.Fatalf("data page: %d", r.Status)
	}
	// A form without its file says which file to choose, on the page.
	for path, want := range map[string]string{"/import": "Choose an archive (.zip) to import.", "/followers": "Choose a CSV file to import."} {
		if r := postFiles(t, owner, s, base+path, url.Values{"check": {"1"}}, nil); r.Status != http.StatusUnprocessableEntity || !r.Contains(want) {
			t.Fatalf("%s without a file: %d", path, r.Status)
		}
	}
	if r := owner.PostForm(base+"/export", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("start export: %d %s", r.Status, r.Body)
	}
	// A second export while the first runs is refused, unless it is done already.
	var job *portability.ExportJob
	deadline := time.Now().Add(2 * time.Minute)
	for {
		jobs, err := s.App.Exports.List(ctx, bank.ID, 5)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("exports: %v %v", jobs, err)
		}
		job = jobs[0]
		if job.Finished() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export did not finish: %+v", job)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job.State != "done" {
		t.Fatalf("export %+v", job)
	}
	req := owner.NewRequest(http.MethodGet, fmt.Sprintf("%s/exports/%d", base, job.ID), nil)
	req.Header.Set("Accept", "application/json")
	var st struct {
		State    string `json:"state"`
		Percent  int    `json:"percent"`
		Finished bool   `json:"finished"`
	}
	if r := owner.Do(req); r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &st) != nil || st.Percent != 100 || !st.Finished {
		t.Fatalf("status: %d %s", r.Status, r.Body)
	}
	if r := owner.Get(base); !r.Contains(fmt.Sprintf("%s/exports/%d/archive", base, job.ID)) {
		t.Fatal("the page does not offer the finished export's download")
	}
	dl := owner.Get(fmt.Sprintf("%s/exports/%d/archive", base, job.ID))
	if dl.Status != http.StatusOK || dl.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", dl.Status, dl.Header)
	}
	archive := []byte(dl.Body)
	a, err := portability.OpenArchive(bytes.NewReader(archive), int64(len(archive)))
	if err != nil || a.Manifest.Source.Name != bank.Name {
		t.Fatalf("downloaded archive: %v", err)
	}

	// Import into an approved account of another Herald (openids are
	// unique on a platform, so the bank's followers cannot be copied here).
	dst := apptest.New(t)
	lin := dst.CreatePerson(t, "lin", "a long enough secret", user.RoleNone)
	cafe, err := dst.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Pier Cafe",
		Status: account.StatusActive, OwnerID: lin.ID})
	if err != nil {
		t.Fatal(err)
	}
	linc := dst.Client(t)
	linc.SignIn("lin", "a long enough secret")
	imp := fmt.Sprintf("/mp/a/%d/data/import", cafe.ID)
	bad := editArchive(t, archive, "messages.jsonl", func(b []byte) []byte {
		lines := strings.SplitAfter(string(b), "\n")
		lines[1] = `{"id":"1","follower":"nobody","direction":"in"}` + "\n"
		return []byte(strings.Join(lines, ""))
	})
	r := dataUpload(t, dst, linc, imp, nil, "archive", "bad.zip", bad)
	if r.Status != http.StatusUnprocessableEntity || !r.Contains(`data-testid="fault-file">messages.jsonl<`) || !r.Contains(`data-testid="fault-line">2<`) {
		t.Fatalf("bad archive: %d %s", r.Status, r.Body)
	}
	// The fault is written in the reader's language, the file and line
	// kept; what it names (an openid) stays as written.
	wantStatus(t, linc.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	r = dataUpload(t, dst, linc, imp, nil, "archive", "bad.zip", bad)
	if !r.Contains(`data-testid="fault-file">messages.jsonl<`) || !r.Contains(`data-testid="fault-line">2<`) ||
		!r.Contains(`<span data-testid="fault-msg">缺少字段 &#34;kind&#34;</span>`) {
		t.Fatalf("bad archive in Chinese: %d %s", r.Status, r.Body)
	}
	wantStatus(t, linc.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	var n int
	dst.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ?`, cafe.ID).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused archive left %d followers", n)
	}
	if r := dataUpload(t, dst, linc, imp, map[string]string{"check": "1"}, "archive", "bank.zip", archive); r.Status != http.StatusOK || !r.Contains(`data-testid="import-valid"`) {
		t.Fatalf("check: %d %s", r.Status, r.Body)
	}
	r = dataUpload(t, dst, linc, imp, nil, "archive", "bank.zip", archive)
	if r.Status != http.StatusOK || !r.Contains(`data-testid="import-done"`) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	dst.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ?`, cafe.ID).Scan(&n)
	if n == 0 {
		t.Fatal("the import placed no followers")
	}
	if r := dataUpload(t, dst, linc, imp, nil, "archive", "bank.zip", archive); r.Status != http.StatusOK || !r.Contains("imported into Pier Cafe before") {
		t.Fatalf("second import: %d %s", r.Status, r.Body)
	}

	// Follower CSV.
	csvr := owner.Get(base + "/followers.csv")
	recs, err := csv.NewReader(strings.NewReader(csvr.Body)).ReadAll()
	if csvr.Status != http.StatusOK || err != nil || len(recs) < 3 || recs[0][0] != "openid" {
		t.Fatalf("followers.csv: %d %v %q", csvr.Status, err, csvr.Body)
	}
	o1, o2 := recs[1][0], recs[2][0]
	badCSV := "openid,remark\n" + o1 + ",Gold member\no-nobody,Nobody\n"
	r = dataUpload(t, s, owner, base+"/followers", map[string]string{"dry_run": "1"}, "csv", "m.csv", []byte(badCSV))
	if r.Status != http.StatusUnprocessableEntity || !r.Contains(`Line 3</span> openid &#34;o-nobody&#34; is not a follower of this account</li>`) {
		t.Fatalf("bad csv: %d %s", r.Status, r.Body)
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	r = dataUpload(t, s, owner, base+"/followers", map[string]string{"dry_run": "1"}, "csv", "m.csv", []byte(badCSV+"o-x,a,b\n"))
	if r.Status != http.StatusUnprocessableEntity || !r.Contains(`openid &#34;o-nobody&#34; 不是此账号的关注者</li>`) ||
		!r.Contains(`第 4 行</span> 此行的字段数与标题行不同</li>`) {
		t.Fatalf("bad csv in Chinese: %d %s", r.Status, r.Body)
	}
	wantStatus(t, owner.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	good := "openid,remark\n" + o1 + ",Gold member\n" + o2 + ",Silver member\n"
	r = dataUpload(t, s, owner, base+"/followers", map[string]string{"dry_run": "1"}, "csv", "m.csv", []byte(good))
	if r.Status != http.StatusOK || !r.Contains("Dry run: nothing changed") || !r.Contains(`data-testid="csv-updated">2<`) {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	var remark string
	s.App.DB.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o1).Scan(&remark)
	if remark == "Gold member" {
		t.Fatal("a dry run changed a remark")
	}
	if r := dataUpload(t, s, owner, base+"/followers", nil, "csv", "m.csv", []byte(good)); r.Status != http.StatusOK || !r.Contains("Done: set") {
		t.Fatalf("csv import: %d %s", r.Status, r.Body)
	}
	s.App.DB.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o1).Scan(&remark)
	if remark != "Gold member" {
		t.Fatalf("remark %q after the import", remark)
	}

	// An admin of the account is not its owner: no page, no download.
	s.CreatePerson(t, "ada", "a long enough secret", user.RoleNone)
	ada, _ := s.App.Users.ByUsername(ctx, "ada")
	if err := s.App.Accounts.AddMember(ctx, bank.ID, ada.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	adac := s.Client(t)
	adac.SignIn("ada", "a long enough secret")
	for _, p := range []string{base, fmt.Sprintf("%s/exports/%d/archive", base, job.ID), base + "/followers.csv"} {
		if r := adac.Get(p); r.Status != http.StatusForbidden {
			t.Errorf("an admin got %s: %d", p, r.Status)
		}
	}
	if r := adac.Get(fmt.Sprintf("/mp/a/%d", bank.ID)); strings.Contains(r.Body, base+`"`) {
		t.Error("an admin's navigation links the data page")
	}
}
