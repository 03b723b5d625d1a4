//go:build emulator

package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/heraldoa/herald/internal/config"
)

func connectNATS(context.Context, *config.Config, *slog.Logger) (closingBus, error) {
	return nil, errors.New("this build has no NATS client (it was built with -tags emulator); use the herald binary")
}
