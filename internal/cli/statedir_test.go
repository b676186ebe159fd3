//go:build linux

package cli

import (
	"os"
	"strings"
	"testing"
)

// TestStateDirNeverShared: without HOME and XDG_CACHE_HOME the state
// directory is the user's runtime directory, or none at all; before, it was
// $TMPDIR/credproc, shared by every local user.
func TestStateDirNeverShared(t *testing.T) {
	t.Setenv("CREDPROC_STATE_DIR", "")
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/4242")
	if got := stateDir(); got != "/run/user/4242/credproc" {
		t.Errorf("stateDir = %q, want the runtime directory", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := stateDir(); got != "" || strings.HasPrefix(got, os.TempDir()) {
		t.Errorf("stateDir = %q, want none", got)
	}
}
