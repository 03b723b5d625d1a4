package message_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/message"
)

// TestHistoryIsTheNaiveMerge holds History to the plain answer: every
// message of the conversation and every broadcast of the account the
// person received, newest first below beforeID, the newest limit of them,
// oldest first. The conversation interleaves its own messages with
// broadcasts the person received, broadcasts to others only, and the
// messages of other conversations of the same account and person.
func TestHistoryIsTheNaiveMerge(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	st := message.NewStore(d, &clock.Offset{}, nil)
	const acct, other, mei, lin = 1001, 1002, 2001, 2002
	var ids []int64 // the conversation of acct and mei, as History must see it
	id := int64(5000)
	msg := func(account, person int64, text string) int64 {
		id++
		if _, err := d.Exec(ctx, `INSERT INTO messages (id, account_id, person_id, direction, kind, sender, body, created_at)
			VALUES (?, ?, ?, 'out', 'text', 'agent', ?, ?)`, id, account, person, fmt.Sprintf(`{"text":%q}`, text), id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	broadcast := func(account int64, text string, to ...int64) int64 {
		id++
		if _, err := d.Exec(ctx, `INSERT INTO broadcasts (id, send_id, account_id, kind, body, preview, created_at)
			VALUES (?, ?, ?, 'text', ?, ?, ?)`, id, id, account, fmt.Sprintf(`{"text":%q}`, text), text, id); err != nil {
			t.Fatal(err)
		}
		for _, p := range to {
			if _, err := d.Exec(ctx, `INSERT INTO broadcast_recipients (send_id, person_id) VALUES (?, ?)`, id, p); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	for i := range 90 {
		switch i % 6 {
		case 0, 3:
			ids = append(ids, msg(acct, mei, fmt.Sprint("own ", i)))
		case 1:
			ids = append(ids, broadcast(acct, fmt.Sprint("to both ", i), mei, lin))
		case 2:
			broadcast(acct, fmt.Sprint("to lin ", i), lin)
			msg(acct, lin, fmt.Sprint("lin's ", i))
		case 4:
			msg(other, mei, fmt.Sprint("another account ", i))
			broadcast(other, fmt.Sprint("another account's send ", i), mei)
		case 5:
			if i%12 == 5 {
				ids = append(ids, broadcast(acct, fmt.Sprint("to mei ", i), mei))
			} else {
				ids = append(ids, msg(acct, mei, fmt.Sprint("own ", i)))
			}
		}
	}
	// A run of broadcasts with no message between, and the newest rows.
	for i := range 5 {
		ids = append(ids, broadcast(acct, fmt.Sprint("run ", i), mei))
	}
	ids = append(ids, msg(acct, mei, "newest"))
	want := func(before int64, limit int) []int64 {
		var out []int64
		for i := len(ids) - 1; i >= 0 && len(out) < limit; i-- {
			if before == 0 || ids[i] < before {
				out = append(out, ids[i])
			}
		}
		slices.Reverse(out)
		return out
	}
	befores := []int64{0, ids[len(ids)-1], ids[len(ids)-3], ids[40], ids[3], ids[0], ids[0] + 1, id + 10}
	for _, before := range befores {
		for _, limit := range []int{1, 2, 7, 50, 51, 200} {
			got, err := st.History(ctx, acct, mei, before, limit)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, m := range got {
				gotIDs = append(gotIDs, m.ID)
				if m.AccountID != acct || m.PersonID != mei {
					t.Errorf("message %d of account %d, person %d in the conversation", m.ID, m.AccountID, m.PersonID)
				}
			}
			if w := want(before, limit); !slices.Equal(gotIDs, w) {
				t.Errorf("History(before %d, limit %d) = %v, want %v", before, limit, gotIDs, w)
			}
		}
	}
	// A broadcast reads as the account's mass message, with its body.
	got, err := st.History(ctx, acct, mei, ids[len(ids)-1], 1)
	if err != nil || len(got) != 1 || got[0].Direction != message.Out || got[0].Sender != message.SenderMass || got[0].Body.Text != "run 4" {
		t.Fatalf("newest broadcast: %+v, %v", got, err)
	}
}
