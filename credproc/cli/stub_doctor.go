package cli

import "context"

// TODO(doctor): replaced by the real command.
func cmdDoctor(ctx context.Context, u *ui, args []string) error {
	return usagef("doctor: not built yet")
}
