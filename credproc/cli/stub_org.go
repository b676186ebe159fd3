package cli

import (
	"context"
	"flag"

	"github.com/credproc/credproc/credproc"
)

// orgSetup is `setup --org`'s parsed command line.
type orgSetup struct {
	settings   credproc.Settings
	roleName   string
	prefix     string
	dryRun     bool
	flags      *flag.FlagSet // to see which flags were given
	positional []string
}

// TODO(org): replaced by org.go.
func cmdSetupOrg(ctx context.Context, u *ui, o orgSetup) error {
	return usagef("setup --org: not built yet")
}
