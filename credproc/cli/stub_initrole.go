package cli

import "context"

// TODO(initrole): replaced by the real command.
func cmdInitRole(ctx context.Context, u *ui, args []string) error {
	return usagef("initrole: not built yet")
}
