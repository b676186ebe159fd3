//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// errTTYTimeout is a command on a terminal that did not end in time.
var errTTYTimeout = errors.New("timed out")

// withTTY runs cmd with a new pseudo-terminal as its controlling terminal
// (its stdin, stdout and stderr stay as the caller set them: credproc's
// prompts open /dev/tty). Every 20 ms answer sees the transcript so far
// and may type a line. It returns the transcript; after timeout the command
// is killed and the error is errTTYTimeout.
func withTTY(cmd *exec.Cmd, timeout time.Duration, answer func(transcript string) (line string, ok bool)) (string, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return "", err
	}
	defer ptmx.Close()
	cmd.ExtraFiles = []*os.File{tty}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
	err = cmd.Start()
	tty.Close()
	if err != nil {
		return "", err
	}
	var mu sync.Mutex
	var transcript bytes.Buffer
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			transcript.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				close(done)
				return
			}
		}
	}()
	text := func() string {
		mu.Lock()
		defer mu.Unlock()
		return transcript.String()
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	deadline := time.After(timeout)
	for {
		select {
		case err := <-waited:
			ptmx.Close()
			<-done
			return text(), err
		case <-deadline:
			cmd.Process.Kill()
			return text(), errTTYTimeout
		case <-time.After(20 * time.Millisecond):
		}
		if line, ok := answer(text()); ok {
			ptmx.Write([]byte(line + "\n"))
		}
	}
}

// onPTY runs cmd with stdin, stdout and stderr on a new pseudo-terminal, as
// a person's shell would, and returns everything it wrote there and its
// exit code.
func onPTY(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(copied) }()
	code := waitExit(t, cmd)
	select { // the slave side is closed: the copy ends with EIO
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	return out.String(), code
}
