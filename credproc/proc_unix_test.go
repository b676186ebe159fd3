//go:build unix

package credproc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awsconfig"
)

// gone waits until the process pidFile names no longer runs (or is a
// zombie waiting for its parent).
func gone(t *testing.T, pidFile string) bool {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for range 100 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return true
		}
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestMFAProcessBackgroundChild: an mfa-process that prints the code but
// leaves a background child holding stdout blocked credproc (and the
// refresh lock) until the 2-minute timeout. Now credproc returns the code
// within childWaitDelay and kills the child's process group.
func TestMFAProcessBackgroundChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := "sleep 300 & echo $! > " + pidFile + "; echo 123456"
	start := time.Now()
	code, err := runMFAProcess(context.Background(), awsconfig.JoinCommand([]string{"sh", "-c", script}))
	if err != nil || code != "123456" {
		t.Fatalf("runMFAProcess = %q, %v", code, err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
	if !gone(t, pidFile) {
		t.Error("the background child still runs")
	}
}

// TestProcessGroupKilledAtDeadline: a credential_process that hangs, with a
// child of its own, is killed with its whole group at the deadline.
func TestProcessGroupKilledAtDeadline(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := &processProvider{profile: "test", argv: []string{"sh", "-c", "sleep 300 & echo $! > " + pidFile + "; wait"}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if _, err := p.Retrieve(ctx); err == nil {
		t.Fatal("Retrieve succeeded")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
	if !gone(t, pidFile) {
		t.Error("the hanging command's child still runs")
	}
}
