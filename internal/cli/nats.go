//go:build !emulator

package cli

import (
	"context"
	"log/slog"

	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/natsbus"
)

// connectNATS connects to the NATS servers cfg names, the live-event bus
// that several nodes share. The emulator's build (-tags emulator) links no
// NATS client: nats_none.go.
func connectNATS(ctx context.Context, cfg *config.Config, log *slog.Logger) (closingBus, error) {
	bus, err := natsbus.Connect(ctx, natsbus.Options{URLs: cfg.NATSURL, User: cfg.NATSUser, Password: cfg.NATSPassword,
		Token: cfg.NATSToken, NKeyFile: cfg.NATSNKey, Creds: cfg.NATSCreds, CA: cfg.NATSCA, Cert: cfg.NATSCert, Key: cfg.NATSKey,
		Name: "herald " + cfg.Listen, Log: log})
	if err != nil {
		return nil, err
	}
	return bus, nil
}
