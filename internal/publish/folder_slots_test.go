package publish_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/user"
)

// TestFolderLightReaderReadsWithoutASlot: on SQLite a folder read waits
// for one of the process's read slots (db.ReadSlot), except a reader whose
// last read found no more followed accounts with publications than a page
// holds. With every slot held, a follower of two accounts still gets their
// folder, by id and through their session, while a follower of 25 waits
// until a slot is given back, and then gets theirs.
func TestFolderLightReaderReadsWithoutASlot(t *testing.T) {
	e := newEnv(t)
	if e.db.Dialect() != db.SQLite {
		t.Skip("only SQLite has read slots")
	}
	ppl := e.people(2, "reader")
	light, heavy := ppl[0], ppl[1]
	for i := range 25 {
		a := e.account(account.Subscription, "Tea "+string(rune('A'+i)))
		readers := []int64{heavy}
		if i < 2 {
			readers = append(readers, light)
		}
		e.follow(a.ID, readers)
		e.massSend(a.ID, e.draft(a.ID, "News "+string(rune('A'+i))), 0)
		e.clock.Advance(time.Second)
	}
	users := user.NewStore(e.db, e.clock)
	token, err := users.CreateSession(e.ctx, light, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	bySession := func() folder.Also {
		ref := users.Ref(token)
		return folder.Also{Session: &ref}
	}
	read := func(ctx context.Context, personID int64, also folder.Also) (int, error) {
		top, err := e.subs.TopAlso(ctx, personID, 20, also)
		return len(top.Items), err
	}
	// The first reads, with the slots free, tell light from heavy.
	for _, r := range []struct {
		person int64
		also   folder.Also
		want   int
	}{{light, folder.Also{}, 2}, {heavy, folder.Also{}, 20}, {0, bySession(), 2}} {
		if n, err := read(e.ctx, r.person, r.also); err != nil || n != r.want {
			t.Fatalf("first read of %d: %d items (%v), want %d", r.person, n, err, r.want)
		}
	}

	releases := e.holdReadSlots()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if n, err := read(ctx, light, folder.Also{}); err != nil || n != 2 {
		t.Errorf("light reader with every slot held: %d items (%v), want 2", n, err)
	}
	if n, err := read(ctx, 0, bySession()); err != nil || n != 2 {
		t.Errorf("light reader's session with every slot held: %d items (%v), want 2", n, err)
	}
	short, cancelShort := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancelShort()
	if n, err := read(short, heavy, folder.Also{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("heavy reader with every slot held: %d items (%v), want to wait for a slot", n, err)
	}
	for _, release := range releases {
		release()
	}
	if n, err := read(e.ctx, heavy, folder.Also{}); err != nil || n != 20 {
		t.Errorf("heavy reader after the slots were given back: %d items (%v), want 20", n, err)
	}
}
