// Command herald-emulator is `herald emulate` alone: a throw-away Herald for
// a bot's tests (docs/emulator.md). Built with -tags emulator it links
// neither the PostgreSQL driver, the NATS and S3 clients nor Prometheus,
// which an emulator never uses, and is smaller and starts in less memory:
//
//	CGO_ENABLED=0 go build -tags emulator ./cmd/herald-emulator
package main

import (
	"os"

	"github.com/heraldoa/herald/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(cli.EmulateMain(os.Args[1:], cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Version: version,
	}))
}
