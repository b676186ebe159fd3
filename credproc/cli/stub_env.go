package cli

import "context"

// TODO(env): replaced by the real command.
func cmdEnv(ctx context.Context, u *ui, args []string) error { return usagef("env: not built yet") }
