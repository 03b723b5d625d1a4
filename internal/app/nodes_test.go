package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/lease"
)

func testConfig(t testing.TB) *config.Config {
	cfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestNodeWithAnotherSecretKeyIsRefused: the first node seals the database
// with its key's check value; a node with another key does not start, with
// a message that says what to do; a node with the same key does.
func TestNodeWithAnotherSecretKeyIsRefused(t *testing.T) {
	d := dbtest.New(t)
	log := slog.New(slog.DiscardHandler)
	key := bytes.Repeat([]byte{7}, 32)
	if _, err := app.New(testConfig(t), log, d, key, app.Options{}); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{8}, 32)
	_, err := app.New(testConfig(t), log, dbtest.Reopen(t, d), other, app.Options{})
	if !errors.Is(err, app.ErrSecretMismatch) || !strings.Contains(err.Error(), "--secret-key") {
		t.Fatalf("a node with another key: %v", err)
	}
	if _, err := app.New(testConfig(t), log, dbtest.Reopen(t, d), key, app.Options{}); err != nil {
		t.Fatalf("a node with the same key: %v", err)
	}
}

// TestNodeNumbersAreLeased: nodes on one database lease distinct node
// numbers for ids; a number is free again once its node's lease is gone.
func TestNodeNumbersAreLeased(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.DiscardHandler)
	key := bytes.Repeat([]byte{7}, 32)
	seen := map[int64]bool{}
	for range 5 {
		a, err := app.New(testConfig(t), log, dbtest.Reopen(t, d), key, app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.NodeID] {
			t.Fatalf("node number %d leased twice", a.NodeID)
		}
		seen[a.NodeID] = true
		holder, _, err := lease.New(d, "x").Current(ctx, lease.NodeLeaseName(a.NodeID))
		if err != nil || holder != a.Instance {
			t.Fatalf("lease of node %d held by %q (%v), want %q", a.NodeID, holder, err, a.Instance)
		}
	}
	// 1,019 more holders take every other number; the next finds none.
	for i := range 1019 {
		if _, err := lease.New(d, "filler-"+strconv.Itoa(i)).TakeNodeID(ctx, 1023); err != nil {
			t.Fatalf("number %d: %v", i, err)
		}
	}
	if _, err := lease.New(d, "one-too-many").TakeNodeID(ctx, 1023); err == nil {
		t.Fatal("a 1,025th node got a number")
	}
}
