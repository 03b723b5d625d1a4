//go:build emulator

package media

import (
	"context"
	"errors"
)

// The emulator's build (-tags emulator) links no S3 client: its media are
// in memory or in a directory.

func openS3URL(context.Context, string) (Store, error) {
	return nil, errors.New("media: this build has no S3 client (it was built with -tags emulator); use the herald binary")
}
