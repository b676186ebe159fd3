package cli

import "context"

// TODO(console): replaced by the real command.
func cmdConsole(ctx context.Context, u *ui, args []string) error {
	return usagef("console: not built yet")
}
