package cli

import "context"

// TODO(exec): replaced by the real command.
func cmdExec(ctx context.Context, u *ui, args []string) error { return usagef("exec: not built yet") }
