package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/id"
)

// secretCheckName is the cluster_meta row holding the check value of the
// secret key the database was sealed with.
const secretCheckName = "secret_key_check"

// ErrSecretMismatch means this node's secret key is not the one the
// database was sealed with.
var ErrSecretMismatch = errors.New("this node's secret key differs from the one the database was sealed with")

// secretCheck is the key check value: HMAC-SHA256 of a constant under the
// key. It tells whether two keys are equal and nothing about the key.
func secretCheck(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("herald secret key check v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckSecret seals the database with the check value of secret the first
// time, and afterwards refuses a different key: every node of a cluster
// must share the key (sessions, signed links and encrypted merchant keys
// made on one node are read on the others).
func CheckSecret(ctx context.Context, d *db.DB, secret []byte) error {
	want := secretCheck(secret)
	if _, err := d.Exec(ctx, `INSERT INTO cluster_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, secretCheckName, want); err != nil {
		return fmt.Errorf("app: seal the database with the secret key's check value: %w", err)
	}
	var got string
	if err := d.WriterQueryRow(ctx, `SELECT value FROM cluster_meta WHERE name = ?`, secretCheckName).Scan(&got); err != nil {
		return fmt.Errorf("app: read the secret key's check value: %w", err)
	}
	if !hmac.Equal([]byte(got), []byte(want)) {
		return fmt.Errorf("%w: give every node the same --secret-key (HERALD_SECRET_KEY), the one the first node used "+
			"(its data directory's secret.key unless it was set); the database is left untouched", ErrSecretMismatch)
	}
	return nil
}

// takeNodeID leases this node's number for ids (internal/id) from the
// database, so that no two live nodes share one.
func (a *App) takeNodeID(ctx context.Context) error {
	n, err := a.Jobs.Leases.TakeNodeID(ctx, id.MaxNode)
	if err != nil {
		return fmt.Errorf("app: lease a node number: %w", err)
	}
	a.NodeID = n
	id.SetNode(n)
	a.countNodes(ctx)
	return nil
}

// countNodes reads how many nodes hold a number now; the push engine
// divides its per-server cap by it.
func (a *App) countNodes(ctx context.Context) {
	n, err := a.Jobs.Leases.LiveNodes(ctx)
	if err != nil {
		a.Log.Warn("node number: count live nodes", slog.Any("error", err))
		return
	}
	a.liveNodes.Store(int64(n))
}

// nodeCount is the last count of live nodes (0 before the first).
func (a *App) nodeCount() int { return int(a.liveNodes.Load()) }

// keepNodeID renews the node number's lease every minute until ctx ends.
// Should the lease be lost (the node was cut off from the database for
// longer than its lease), it takes another number.
func (a *App) keepNodeID(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := a.Jobs.Leases.RenewNodeID(ctx, a.NodeID)
		if err != nil {
			a.Log.Warn("node number: renew lease", slog.Any("error", err))
			continue
		}
		a.countNodes(ctx)
		if !held {
			old := a.NodeID
			if err := a.takeNodeID(ctx); err != nil {
				a.Log.Error("node number: lease lost and no other free", slog.Any("error", err))
				continue
			}
			a.Log.Warn("node number: lease lost, took another", slog.Int64("old", old), slog.Int64("new", a.NodeID))
		}
	}
}
