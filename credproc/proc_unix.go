//go:build unix

package credproc

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a new process group and makes the context's
// cancellation kill the whole group, not just the child.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killProcessGroup(cmd)
		return nil
	}
}

// killProcessGroup kills the process group cmd leads.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
