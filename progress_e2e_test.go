//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// onTTY runs credproc with stdin, stdout and stderr on a terminal and
// returns everything it wrote there.
func onTTY(t *testing.T, w *world, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), args...)
	cmd.Env = w.env
	out, _ := onPTY(t, cmd)
	return out
}

// TestProgressLines: setup --org while it lists a slow organization, and
// doctor over many profiles, show a progress line on a terminal.
func TestProgressLines(t *testing.T) {
	w := orgWorld(t)
	for i := range 200 {
		w.orgAddAccount(fmt.Sprintf("7%011d", i+1), fmt.Sprintf("Team %03d", i))
	}
	w.srv.SetLatency(100 * time.Millisecond)
	out := onTTY(t, w, "setup", "--org", "--source", "mgmt")
	if !regexp.MustCompile(`\r\x1b\[Kcredproc: listing the organization's accounts: [0-9]+ accounts, [0-9]+s`).MatchString(out) {
		t.Errorf("setup --org: no progress line:\n%q", out)
	}
	if !regexp.MustCompile(`credproc: 201 profiles added`).MatchString(out) {
		t.Errorf("setup --org: no summary:\n%q", out)
	}
	out = onTTY(t, w, "doctor")
	if !regexp.MustCompile(`\r\x1b\[Kcredproc: checked [0-9]+/201 profiles, [0-9]+ failing, [0-9]+s`).MatchString(out) {
		t.Errorf("doctor: no progress line:\n%q", out[max(0, len(out)-3000):])
	}
}
