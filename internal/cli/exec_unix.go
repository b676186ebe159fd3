//go:build unix

package cli

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are passed on to the command exec runs.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// forward reports whether sig must be passed on to the command. The
// terminal sends Ctrl-C (SIGINT) and Ctrl-\ (SIGQUIT) to its whole
// foreground process group, the command included: a second copy would make
// a program like Terraform abort at once instead of stopping gracefully.
func forward(sig os.Signal) bool {
	if sig == syscall.SIGINT || sig == syscall.SIGQUIT {
		return !terminalForeground()
	}
	return true
}

// terminalForeground reports whether credproc's process group, which the
// command shares, is the foreground group of its controlling terminal.
func terminalForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false // no controlling terminal: the signal came from kill
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == syscall.Getpgrp()
}

// exitStatus is the exit code a shell would report for the command:
// 128+N when signal N killed it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
