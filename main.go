// Command credproc is an AWS credential_process helper that assumes
// member-account roles in an AWS Organization and caches the temporary
// credentials in the OS keyring. See README.md.
package main

import (
	"os"

	"github.com/credproc/credproc/credproc/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
