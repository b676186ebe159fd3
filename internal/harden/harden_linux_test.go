package harden

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestProcess: after Process, this process may not dump core: the limit
// /proc/self/limits shows is 0 and PR_GET_DUMPABLE says 0.
func TestProcess(t *testing.T) {
	if err := Process(); err != nil {
		t.Fatal(err)
	}
	limits, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(string(limits), "\n") {
		if strings.HasPrefix(l, "Max core file size") {
			found = true
			if f := strings.Fields(l); len(f) < 6 || f[4] != "0" || f[5] != "0" {
				t.Errorf("core limit: %q", l)
			}
		}
	}
	if !found {
		t.Fatalf("no core limit in /proc/self/limits:\n%s", limits)
	}
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		t.Errorf("PR_GET_DUMPABLE = %d, %v", d, err)
	}
}
