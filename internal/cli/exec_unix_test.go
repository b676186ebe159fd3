//go:build unix

package cli

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// TestTerminalForegroundHelper is not a test: terminalForeground runs it
// in a child process, in the session and terminal that the child was given.
func TestTerminalForegroundHelper(t *testing.T) {
	if os.Getenv("CREDPROC_FOREGROUND_HELPER") != "1" {
		return
	}
	os.Stdout.WriteString(map[bool]string{true: "foreground\n", false: "not foreground\n"}[terminalForeground()])
	os.Exit(0)
}

// runForegroundHelper runs TestTerminalForegroundHelper (through sh when
// shell is given: "$0" is the helper) with attr and returns what it printed.
func runForegroundHelper(t *testing.T, attr *syscall.SysProcAttr, stdin *os.File, shell ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTerminalForegroundHelper$")
	if shell != nil {
		cmd = exec.Command("sh", append(shell, os.Args[0], "-test.run=^TestTerminalForegroundHelper$")...)
	}
	cmd.Env = append(os.Environ(), "CREDPROC_FOREGROUND_HELPER=1")
	cmd.SysProcAttr = attr
	cmd.Stdin = stdin
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestTerminalForeground checks the test that keeps exec from sending the
// command a second Ctrl-C: in the foreground of a terminal the terminal
// signals the command itself; without a terminal only kill can signal.
func TestTerminalForeground(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if got := runForegroundHelper(t, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}, tty); got != "foreground" {
		t.Errorf("in the foreground of its terminal: %q", got)
	}
	// A background job of an interactive shell (sh -m) on that terminal.
	bg := runForegroundHelper(t, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}, tty, "-m", "-c", `"$0" "$1" & wait`)
	if bg != "not foreground" {
		t.Errorf("in the background of its terminal: %q", bg)
	}
	if got := runForegroundHelper(t, &syscall.SysProcAttr{Setsid: true}, nil); got != "not foreground" {
		t.Errorf("without a terminal: %q", got)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		if !forward(sig) {
			t.Errorf("%v is not forwarded", sig)
		}
	}
}
