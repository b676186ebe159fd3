//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// execTestCmd is the built credproc with args in the world's environment,
// plus env (KEY=VALUE, overriding).
func execTestCmd(w *world, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, "credproc"), args...)
	cmd.Env = append(append([]string{}, w.env...), env...)
	return cmd
}

// execTestSetup writes profile name with `credproc setup name ARGS`.
func execTestSetup(t *testing.T, w *world, name string, args ...string) {
	t.Helper()
	if _, stderr, err := w.run(append([]string{"setup", name}, args...)...); err != nil {
		t.Fatalf("credproc setup %s: %v\n%s", name, err, stderr)
	}
}

// waitExit waits for cmd, failing the test if it takes longer than 20 s.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait: %v", err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("credproc exec did not end")
	}
	return -1
}

// TestExecForwardsSignals sends credproc exec each forwarded signal while
// its command sleeps: the command dies of it, and credproc exits as a
// shell reports a killed command, 128+N.
func TestExecForwardsSignals(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	execTestSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	for _, c := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}, {syscall.SIGHUP, 129}, {syscall.SIGQUIT, 131}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			cmd := execTestCmd(w, nil, "exec", "--profile", "member", "--", "sh", "-c", "echo $$; exec sleep 60")
			// No controlling terminal: every signal comes from kill, so every
			// one must be forwarded.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				cmd.Process.Kill()
				t.Fatalf("no pid from the command: %v\n%s", err, stderr.String())
			}
			child, _ := strconv.Atoi(strings.TrimSpace(line))
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd); code != c.want {
				t.Errorf("exit code %d, want %d; stderr %q", code, c.want, stderr.String())
			}
			if err := syscall.Kill(child, 0); !errors.Is(err, syscall.ESRCH) {
				syscall.Kill(child, syscall.SIGKILL)
				t.Errorf("the command (pid %d) outlived credproc: %v", child, err)
			}
			if stderr.Len() > 0 {
				t.Errorf("credproc wrote to stderr: %q", stderr.String())
			}
		})
	}
}

// TestExecTerminalInterruptOnce presses Ctrl-C on the terminal credproc
// exec runs in: the terminal interrupts the command itself, and credproc
// must not send a second SIGINT (Terraform aborts on the second one).
func TestExecTerminalInterruptOnce(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli, which brings /usr/bin/python3)")
	w := e2e(t)
	w.addSource(t, "mgmt")
	execTestSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	const script = `
import signal, time
n = 0
def handler(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGINT, handler)
print("ready", flush=True)
time.sleep(1.5)  # resumed after the handler (PEP 475)
print("interrupts:", n, flush=True)
`
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := execTestCmd(w, nil, "exec", "--profile", "member", "--", "/usr/bin/python3", "-c", script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var transcript bytes.Buffer
	lines := make(chan string, 10)
	go func() {
		r := bufio.NewReader(io.TeeReader(ptmx, &transcript))
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- strings.TrimSpace(l)
		}
	}()
	var result string
	for l := range lines {
		if l == "ready" {
			ptmx.Write([]byte{0x03}) // Ctrl-C
		}
		if strings.Contains(l, "interrupts:") {
			result = l[strings.Index(l, "interrupts:"):]
		}
	}
	code := waitExit(t, cmd)
	if result != "interrupts: 1" || code != 0 {
		t.Errorf("got %q and exit code %d, want \"interrupts: 1\" and 0; terminal:\n%s", result, code, transcript.String())
	}
}
