package apitoken

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Two Herald processes on one database: a token superseded on one stops
// working on the other too once its grace period is over.
func TestSupersededOnAnotherNode(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	clk := &clock.Offset{}
	a, err := account.NewStore(d, clk).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Node Test", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	nodeA, nodeB := NewStore(d, clk), NewStore(d, clk)
	old, err := nodeA.Issue(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodeB.Check(ctx, old.Value); err != nil {
		t.Fatalf("node B: %v", err)
	}
	if _, err := nodeA.Issue(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	saved := recheckAfter
	recheckAfter = 0
	t.Cleanup(func() { recheckAfter = saved })
	clk.Advance(Grace + time.Second)
	if _, err := nodeB.Check(ctx, old.Value); !errors.Is(err, ErrInvalid) {
		t.Fatalf("node B after the grace period: %v, want ErrInvalid", err)
	}
	if _, err := nodeA.Check(ctx, old.Value); !errors.Is(err, ErrInvalid) {
		t.Fatalf("node A after the grace period: %v, want ErrInvalid", err)
	}
}
