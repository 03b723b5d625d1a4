package portability_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/portability"
)

// seeded is a demo platform with its two owners' accounts.
func seeded(t testing.TB) (*apptest.Server, map[string]*account.Account) {
	t.Helper()
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	out := map[string]*account.Account{}
	for _, owner := range []string{"lotus", "harbour"} {
		p, err := s.App.Users.ByUsername(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := s.App.Accounts.ForMember(ctx, p.ID)
		if err != nil || len(ms) == 0 {
			t.Fatalf("%s's accounts: %v", owner, err)
		}
		out[owner] = ms[0].Account
	}
	return s, out
}

func export(t *testing.T, s *apptest.Server, accountID int64) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "archive.zip")
	res, err := portability.Export(context.Background(), s.App.DB, s.App.Media, accountID, out, portability.ExportOptions{BaseURL: s.URL, Generator: "herald test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.MissingMedia) > 0 {
		t.Errorf("media missing from the store: %v", res.MissingMedia)
	}
	return out
}

var owners int

// newTarget makes an empty account on s for an import.
func newTarget(t *testing.T, s *apptest.Server, name, typ, region string) *account.Account {
	t.Helper()
	owners++
	owner := s.CreatePerson(t, "owner"+strconv.Itoa(owners), "correct horse battery", "")
	a, err := s.App.Accounts.Create(context.Background(), account.NewAccount{Type: typ, Region: region, Name: name,
		Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func importFile(t *testing.T, s *apptest.Server, accountID int64, path string) (*portability.ImportResult, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	return portability.Import(context.Background(), s.App.DB, s.App.Media, accountID, f, st.Size(), portability.ImportOptions{})
}

// Export a demo account, import it into an empty platform, export again: the
// archives are equal apart from the declared fields (ids, which are
// renumbered consistently; msg_data_id; the account's platform identity).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	dst := apptest.New(t)
	for _, owner := range []string{"lotus", "harbour"} {
		a := accts[owner]
		first := export(t, src, a.ID)
		target := newTarget(t, dst, a.Name, a.Type, a.Region)
		res, err := importFile(t, dst, target.ID, first)
		if err != nil {
			t.Fatalf("%s: import: %v", owner, err)
		}
		if res.Followers == 0 || res.Rows["articles.jsonl"] == 0 || (owner == "harbour" && res.Rows["messages.jsonl"] == 0) {
			t.Fatalf("%s: imported %+v: the demo account has followers, articles (and Harbour Bank messages)", owner, res)
		}
		second := export(t, dst, target.ID)
		a1, a2 := readArchive(t, first), readArchive(t, second)
		compareArchives(t, owner, a1, a2)

		// Importing the same archive again changes nothing.
		again, err := importFile(t, dst, target.ID, first)
		if err != nil || !again.AlreadyImported {
			t.Fatalf("second import: %+v %v", again, err)
		}
		third := export(t, dst, target.ID)
		compareArchives(t, owner+" after a second import", a2, readArchive(t, third))
	}
}

type archive map[string][]map[string]any

func readArchive(t *testing.T, path string) archive {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := archive{}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "media/") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			out[f.Name] = []map[string]any{{"bytes": string(b)}}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if f.Name == "manifest.json" {
			var m map[string]any
			if err := json.NewDecoder(rc).Decode(&m); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, m)
		} else {
			sc := bufio.NewScanner(rc)
			sc.Buffer(nil, 64<<20)
			for sc.Scan() {
				d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
				d.UseNumber()
				var m map[string]any
				if err := d.Decode(&m); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				rows = append(rows, m)
			}
		}
		rc.Close()
		out[f.Name] = rows
	}
	return out
}

// idFields are the fields that carry ids (the declared difference).
var idFields = map[string][]string{
	"media_assets.jsonl": {"id"}, "publications.jsonl": {"id", "first_article_id"}, "articles.jsonl": {"id", "publication_id"},
	"article_comments.jsonl": {"id", "article_id"}, "article_reactions.jsonl": {"article_id"}, "menus.jsonl": {"id"},
	"autoreply_rules.jsonl": {"id"}, "templates.jsonl": {"id"}, "messages.jsonl": {"id"}, "broadcasts.jsonl": {"id", "send_id"}, "broadcast_recipients.jsonl": {"send_id"}, "conversations.jsonl": {"last_message_id"},
	"inbox_notes.jsonl": {"id"}, "template_sends.jsonl": {"id", "message_id"}, "webapps.jsonl": {"id"}, "products.jsonl": {"id"},
	"orders.jsonl": {"id", "product_id"}, "refunds.jsonl": {"id", "order_id"}, "analytics_daily.jsonl": {"object_id"},
	"ledger_transactions.jsonl": {"id", "order_id", "refund_id"}, "ledger_entries.jsonl": {"id", "txn_id"},
}

var tokenRE = regexp.MustCompile(`\b[MDA][0-9a-z]{8,13}\b|\b[0-9]{15,19}\b`)

// normalise renumbers ids by their first appearance, so that two archives
// whose ids were remapped consistently compare equal.
func normalise(a archive) {
	// The ledger is carried for the owner's records, not imported.
	delete(a, "ledger_transactions.jsonl")
	delete(a, "ledger_entries.jsonl")
	ord := map[string]int{}
	// own ids in file order first
	files := make([]string, 0, len(a))
	for f := range a {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if idFields[f] == nil {
			continue
		}
		for _, row := range a[f] {
			if v, ok := row["id"].(string); ok {
				if _, seen := ord[v]; !seen {
					ord[v] = len(ord) + 1
				}
			}
		}
	}
	name := func(v string) string {
		if n, ok := ord[v]; ok {
			return fmt.Sprintf("#%d", n)
		}
		return v
	}
	for _, f := range files {
		for _, row := range a[f] {
			for _, fld := range idFields[f] {
				if v, ok := row[fld].(string); ok {
					row[fld] = name(v)
				}
			}
			for k, v := range row {
				s, ok := v.(string)
				if !ok {
					continue
				}
				row[k] = tokenRE.ReplaceAllStringFunc(s, func(tok string) string {
					if tok[0] >= '0' && tok[0] <= '9' {
						if o, ok := ord[tok]; ok {
							return fmt.Sprintf("#%d", o)
						}
						return tok
					}
					n, err := strconv.ParseInt(tok[1:], 36, 64)
					if err != nil {
						return tok
					}
					if o, ok := ord[strconv.FormatInt(n, 10)]; ok {
						return fmt.Sprintf("%s#%d", tok[:1], o)
					}
					return tok
				})
			}
		}
	}
	// The declared differences that are not ids.
	delete(a, "manifest.json")
	for _, row := range a["publications.jsonl"] {
		if row["msg_data_id"] != nil {
			row["msg_data_id"] = "declared"
		}
	}
	for _, row := range a["account.json"] {
		for _, k := range []string{"appid", "original_id", "created_at", "verified_until", "status"} {
			row[k] = "declared"
		}
	}
}

func compareArchives(t *testing.T, what string, a1, a2 archive) {
	t.Helper()
	normalise(a1)
	normalise(a2)
	for f, rows := range a1 {
		other, ok := a2[f]
		if !ok {
			t.Errorf("%s: %s missing after the round trip", what, f)
			continue
		}
		if len(rows) != len(other) {
			t.Errorf("%s: %s has %d rows, then %d", what, f, len(rows), len(other))
			continue
		}
		for i := range rows {
			j1, _ := json.Marshal(rows[i])
			j2, _ := json.Marshal(other[i])
			if !bytes.Equal(j1, j2) {
				t.Errorf("%s: %s row %d differs:\n%s\n%s", what, f, i+1, j1, j2)
				break
			}
		}
	}
	for f := range a2 {
		if _, ok := a1[f]; !ok {
			t.Errorf("%s: %s appeared after the round trip", what, f)
		}
	}
}
