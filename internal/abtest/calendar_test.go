package abtest_test

import (
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/publish"
)

// The publishing calendar counts an A/B test as one send, as the quota
// does: its variants' jobs are one entry and the roll-out of the winner
// takes no quota of its own; for Service accounts the roll-out's
// recipients (the audience outside the sample) count towards the
// per-follower cap before it goes out, so every follower has had the test
// once.
func TestCalendarCountsATestAsOneSend(t *testing.T) {
	for _, typ := range []string{account.Subscription, account.Service} {
		t.Run(typ, func(t *testing.T) {
			e := newEnv(t)
			sh, err := time.LoadLocation("Asia/Shanghai")
			if err != nil {
				t.Skip(err)
			}
			e.clock.Advance(time.Until(time.Date(2031, 3, 10, 8, 0, 0, 0, sh)))
			p, err := e.settings.Get(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			p.ServiceMassSendsPerMonth, p.SubscriptionMassSendsPerMonth = 6, 6
			if err := e.settings.Save(e.ctx, p); err != nil {
				t.Fatal(err)
			}
			a, audience := e.account(typ, 20)
			e.exec(`UPDATE accounts SET timezone = 'Asia/Shanghai' WHERE id = ?`, a.ID)
			a.Timezone = "Asia/Shanghai"
			send := func(at time.Time) {
				t.Helper()
				d := e.draft(a.ID)
				if _, err := e.pub.Send(e.ctx, a.ID, e.owner, d.ID, publish.SendOptions{Mode: publish.ModeMass, At: at}); err != nil {
					t.Fatal(err)
				}
			}
			send(time.Time{})
			send(time.Time{})
			e.runDue()
			test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(e.draft(a.ID).ID, true)) // three variants, 30%: 6 followers
			if err != nil {
				t.Fatal(err)
			}
			e.runDue()
			// One more send to everyone an hour after the roll-out.
			send(test.EndsAt.Add(time.Hour))

			cal := calendar.NewStore(e.db, e.settings)
			month := func() ([]calendar.Entry, *calendar.Month, calendar.Rules) {
				t.Helper()
				entries, m, r, err := cal.Month(e.ctx, a, e.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				return entries, m, r
			}
			entries, m, r := month()
			if len(entries) != 5 {
				t.Fatalf("%d entries, want 2 sends, the test, its roll-out and the scheduled send", len(entries))
			}
			tst, roll := entries[2], entries[3]
			if tst.TestID != test.ID || tst.Variants != 3 || tst.Number != 3 || tst.Scheduled || tst.Rollout {
				t.Errorf("the test's entry %+v", tst)
			}
			if !roll.Rollout || !roll.Scheduled || roll.Number != 3 || roll.OverQuota {
				t.Errorf("the roll-out's entry %+v", roll)
			}
			if m.Sent != 3 || m.Scheduled != 1 || m.Left != 2 {
				t.Errorf("month %+v, want 3 sent (the test once), 1 scheduled, 2 left", m)
			}
			if used := e.used(a, e.clock.Now()); used != m.Sent+m.Scheduled {
				t.Errorf("the quota says %d used, the calendar %d", used, m.Sent+m.Scheduled)
			}
			sends := make([]calendar.Send, len(entries))
			for i, en := range entries {
				sends[i] = en.Send
			}
			next := calendar.Check(r, sends, calendar.Send{At: test.EndsAt.Add(2 * time.Hour), Recipients: audience})
			if next.Number != 5 || next.OverQuota {
				t.Errorf("a fifth send %+v", next)
			}
			if typ == account.Service {
				// Each follower has had the two sends and the test (a variant
				// or the winner) after the roll-out, and the scheduled send
				// makes 4: a send between the two reaches everybody, one after
				// them nobody.
				if c := calendar.Check(r, sends, calendar.Send{At: test.EndsAt.Add(30 * time.Minute), Recipients: audience}); c.AtCap != 0 {
					t.Errorf("a send after the roll-out: %d would miss it", c.AtCap)
				}
				if next.AtCap != len(audience) {
					t.Errorf("a send after the scheduled one: %d of %d would miss it", next.AtCap, len(audience))
				}
				if len(roll.Recipients) != len(audience)-6 || roll.AtCap != 0 {
					t.Errorf("the roll-out goes to %d (%d at the cap), want %d", len(roll.Recipients), roll.AtCap, len(audience)-6)
				}
			}
			// The roll-out goes out: still one send of the quota.
			e.clock.Advance(test.EndsAt.Sub(e.clock.Now()) + time.Minute)
			e.runDue()
			entries, m, _ = month()
			if len(entries) != 5 || !entries[3].Rollout || entries[3].Scheduled || m.Sent != 3 || m.Scheduled != 1 {
				t.Fatalf("after the roll-out: %d entries, month %+v", len(entries), m)
			}
			if typ == account.Service && (len(entries[3].Recipients) != len(audience)-6 || entries[3].AtCap != 0) {
				t.Errorf("the roll-out reached %d", len(entries[3].Recipients))
			}
		})
	}
}
