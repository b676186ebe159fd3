package credproc

import (
	"context"
	"errors"
	"os/exec"
	"time"
)

// childWaitDelay is how long a child's output pipes may stay open after the
// child exited (or its deadline passed): a background grandchild that keeps
// stdout open must not hold credproc, and the refresh lock with it.
const childWaitDelay = 2 * time.Second

// commandContext is exec.CommandContext for the commands credproc runs on
// the user's behalf (mfa-process, a source's credential_process, the AWS
// CLI): the child gets a process group of its own where the platform has
// them, the whole group is killed at ctx's deadline, and Wait gives up on
// the output pipes childWaitDelay after the child exits.
func commandContext(ctx context.Context, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = childWaitDelay
	ownProcessGroup(cmd)
	return cmd
}

// finish handles what Wait returned: when the child exited but something
// it started still held the pipes (exec.ErrWaitDelay), that group is
// killed, and a child that exited successfully counts as a success.
func finish(cmd *exec.Cmd, err error) error {
	if errors.Is(err, exec.ErrWaitDelay) {
		killProcessGroup(cmd)
		if cmd.ProcessState != nil && cmd.ProcessState.Success() {
			return nil
		}
	}
	return err
}
