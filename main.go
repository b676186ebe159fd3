// Command credproc is an AWS credential_process helper that assumes
// member-account roles in an AWS Organization and caches the temporary
// credentials in the OS keyring. See README.md.
package main

import (
	"os"

	"github.com/credproc/credproc/internal/cli"
	"github.com/credproc/credproc/internal/harden"
)

func main() {
	// Before any secret is read: no core dump may hold one. A failure is
	// not fatal (the limits may be locked); there is nothing to tell the
	// user that they could act on.
	_ = harden.Process()
	os.Exit(cli.Main(os.Args[1:]))
}
