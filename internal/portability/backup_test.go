package portability_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
)

// consistency runs the checks a sound platform passes: every conversation's
// last message exists, and the counters pages show match their rows.
func consistency(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	checks := []struct{ what, query string }{
		{"conversations whose last message is missing",
			`SELECT COUNT(*) FROM conversations c WHERE c.last_message_id <> 0 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = c.last_message_id)`},
		{"accounts whose follower_count is not their followers",
			`SELECT COUNT(*) FROM accounts a WHERE a.follower_count <> (SELECT COUNT(*) FROM follows f WHERE f.account_id = a.id AND f.following)`},
		{"tags whose follower_count is not their members",
			`SELECT COUNT(*) FROM tags t WHERE t.follower_count <> (SELECT COUNT(*) FROM tag_members m WHERE m.account_id = t.account_id AND m.tag_id = t.id)`},
		{"media counts that are not their assets",
			`SELECT COUNT(*) FROM media_asset_counts c WHERE c.n <> (SELECT COUNT(*) FROM media_assets a WHERE a.account_id = c.account_id AND a.kind = c.kind)`},
		{"articles whose publication is missing",
			`SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM publications p WHERE p.id = a.publication_id)`},
	}
	for _, c := range checks {
		var n int
		if err := d.QueryRow(ctx, c.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A backup taken while followers follow, unfollow and write restores into
// an empty database as a platform that passes the consistency checks, and
// holds exactly the state of the moment the backup began.
func TestBackupDuringWritesRestores(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	ctx := context.Background()
	acct := accts["harbour"]
	var people []int64
	rows, err := src.App.DB.Query(ctx, `SELECT person_id FROM follows WHERE account_id = ? ORDER BY person_id LIMIT 100`, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		people = append(people, id)
	}
	rows.Close()

	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := people[i%len(people)]
			if i%3 == 0 {
				if _, err := src.App.Follows.Unfollow(ctx, acct.ID, p); err != nil {
					t.Error(err)
					return
				}
			} else {
				if _, err := src.App.Follows.Follow(ctx, acct.ID, p, follow.SourceSearch, ""); err != nil {
					t.Error(err)
					return
				}
				m := &message.Message{AccountID: acct.ID, PersonID: p, Direction: message.In, Kind: message.KindText,
					Sender: message.SenderFollower, Body: message.Body{Text: fmt.Sprintf("write %d", i)}}
				if err := src.App.Messages.Append(ctx, m); err != nil {
					t.Error(err)
					return
				}
			}
			writes.Add(1)
		}
	}()
	var buf bytes.Buffer
	m, err := portability.Backup(ctx, src.App.DB, src.App.Media, &buf, portability.BackupOptions{AfterSnapshot: func() {
		// Writers carry on after the snapshot began: wait for some.
		w := writes.Load()
		for deadline := time.Now().Add(20 * time.Second); writes.Load() < w+20 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !m.MediaIncluded || m.MediaFiles == 0 {
		t.Fatalf("media: %+v", m)
	}
	consistency(t, src.App.DB)

	dst := dbtest.New(t)
	store := media.NewMemory()
	got, err := portability.Restore(ctx, dst, store, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	consistency(t, dst)
	var messagesInBackup int64
	for _, tb := range got.Tables {
		if tb.Name == "messages" {
			messagesInBackup = tb.Rows
		}
	}
	if n := count(t, dst, `SELECT COUNT(*) FROM messages`); int64(n) != messagesInBackup || n == 0 {
		t.Fatalf("restored %d messages, the backup holds %d", n, messagesInBackup)
	}
	if n := count(t, src.App.DB, `SELECT COUNT(*) FROM messages`); int64(n) <= messagesInBackup {
		t.Fatalf("no writes after the snapshot (%d messages now, %d in the backup): the test proves nothing", n, messagesInBackup)
	}
	// SQLite's folder_accounts, left out of the backup, is filled again
	// from the restored accounts by its triggers.
	if dst.Dialect() == db.SQLite {
		want := count(t, dst, `SELECT COUNT(*) FROM accounts WHERE type = 'subscription' AND status = 'active' AND last_published_at > 0`)
		same := count(t, dst, `SELECT COUNT(*) FROM folder_accounts f JOIN accounts a ON a.id = f.id AND a.last_published_at = f.last_published_at`)
		if n := count(t, dst, `SELECT COUNT(*) FROM folder_accounts`); n != want || same != want || want == 0 {
			t.Fatalf("folder_accounts after restore: %d rows, %d equal to accounts, want %d", n, same, want)
		}
	}
	// The restored platform's people still sign in, and its media is there.
	if _, err := user.NewStore(dst, clock.Real{}).Authenticate(ctx, "harbour", "owner-demo"); err != nil {
		t.Fatalf("owner cannot sign in after restore: %v", err)
	}
	var key string
	if err := dst.QueryRow(ctx, `SELECT avatar_path FROM accounts WHERE id = ?`, acct.ID).Scan(&key); err != nil || key == "" {
		t.Fatalf("avatar: %q %v", key, err)
	}
	if f, err := store.Open(ctx, key); err != nil {
		t.Fatalf("restored media %s: %v", key, err)
	} else {
		f.Close()
	}
	// A second restore into the now full database is refused.
	if _, err := portability.Restore(ctx, dst, store, bytes.NewReader(buf.Bytes()), int64(buf.Len())); !errors.Is(err, portability.ErrNotEmpty) {
		t.Fatalf("restore into a full database: %v", err)
	}
}
