package cli

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// exeResident sums the resident kB of the executable's read-only mappings
// (code, read-only data) from /proc/self/smaps.
func exeResident(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Skip("no /proc/self/exe:", err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	sum, in := 0, false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			in = len(f) >= 6 && f[5] == exe && f[1][1] != 'w'
		case in && len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.Atoi(f[1])
			sum += kb
		}
	}
	return sum
}

// The written data of the program must survive: only read-only mappings
// of the executable may be dropped.
var exePagesWritten = []string{"set", "at", "run", "time"}

func TestReleaseExecutablePagesDropsOnlyTheBinarysReadOnlyPages(t *testing.T) {
	exePagesWritten[0] = "changed"
	before := exeResident(t)
	if before < 4096 {
		t.Fatalf("the test binary has only %d kB of its code and read-only data resident: is smaps read right?", before)
	}
	releaseExecutablePages()
	after := exeResident(t)
	if after > before/2 {
		t.Errorf("resident code and read-only data %d kB before, %d kB after: not released", before, after)
	}
	if got := strings.Join(exePagesWritten, " "); got != "changed at run time" {
		t.Errorf("a package variable reads %q after the release, want %q: writable data was dropped", got, "changed at run time")
	}
	t.Logf("executable's read-only pages resident: %d kB before, %d kB after", before, after)
}

// Emulate as a library (package emulator starts it inside a bot's test
// process) leaves the host process's executable mapped as it was; only
// the command, a process of its own, releases it.
func TestEmulateInProcessKeepsTheHostsPages(t *testing.T) {
	before := exeResident(t)
	startEmulator(t, "--in-memory")
	// Nothing unmaps a clean page of the executable but a release (or the
	// kernel under memory pressure): the emulator's start only adds pages.
	if after := exeResident(t); after < before {
		t.Errorf("the test binary had %d kB of code and read-only data resident before Emulate and %d kB once it was ready: its pages were released", before, after)
	}
}
