package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The emulator's build exists to leave the server-only backends out; a new
// import of one of them anywhere on the emulator's path would quietly undo
// that, so the build's dependency list is checked here.
func TestEmulatorBuildLeavesServerBackendsOut(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	forbidden := []string{
		"github.com/jackc/pgx",       // PostgreSQL
		"github.com/nats-io/",        // NATS
		"github.com/minio/",          // S3
		"github.com/prometheus/",     // metrics
		"google.golang.org/protobuf", // the metrics' wire format
		"github.com/heraldoa/herald/internal/natsbus",
	}
	for _, tags := range []string{"emulator", ""} {
		out, err := exec.Command(goCmd, "list", "-deps", "-tags", tags, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tags, err, out)
		}
		var found []string
		for _, pkg := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(pkg, f) {
					found = append(found, pkg)
				}
			}
		}
		switch {
		case tags == "emulator" && len(found) > 0:
			t.Errorf("the emulator build (-tags emulator) links %s", strings.Join(found, ", "))
		case tags == "" && len(found) == 0:
			// The check would pass for any build if the list were wrong.
			t.Errorf("the build without the tag links none of %s: is the check still looking at the right packages?", strings.Join(forbidden, ", "))
		}
	}
}
