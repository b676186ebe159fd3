//go:build !unix

package credproc

import "os/exec"

// ownProcessGroup leaves cmd as it is: without Unix process groups the
// context kills the child and WaitDelay frees credproc from any process
// that inherited its pipes.
func ownProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills the child itself.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
