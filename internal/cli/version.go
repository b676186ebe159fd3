package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is the release version, stamped by .ci/release with
// -ldflags "-X github.com/credproc/credproc/internal/cli.Version=1.2.3".
// Unstamped builds report the module version from the build info instead.
var Version = "dev"

// Revision is the commit the release was built from, stamped by .ci/release
// with -ldflags "-X github.com/credproc/credproc/internal/cli.Revision=…".
// Unstamped builds report the VCS revision the go command recorded.
var Revision = ""

// cmdVersion prints which build this is: version, revision, Go version and
// platform, on one line.
func cmdVersion(_ context.Context, u *ui, args []string) error {
	if pos, err := parseFlags(newFlagSet("version"), args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("version: unexpected argument %q", pos[0])
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(u.stdout, versionLine(Version, Revision, bi, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH))
	return nil
}

// buildVersion is the version alone, for the User-Agent header.
func buildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	v, _, _ := versionParts(Version, Revision, bi)
	return v
}

// versionLine formats what cmdVersion prints. A stamped version and
// revision win; otherwise the build info supplies them, so that
// `go install …@v1.2.3` reports 1.2.3 rather than "dev".
func versionLine(version, revision string, bi *debug.BuildInfo, goVersion, platform string) string {
	v, rev, modified := versionParts(version, revision, bi)
	var details []string
	if rev != "" {
		details = append(details, "revision "+rev)
	}
	if modified {
		details = append(details, "modified")
	}
	details = append(details, goVersion, platform)
	return fmt.Sprintf("credproc %s (%s)", v, strings.Join(details, ", "))
}

// versionParts resolves the version, the revision and whether the tree had
// uncommitted changes when it was built.
func versionParts(version, revision string, bi *debug.BuildInfo) (v, rev string, modified bool) {
	v, rev = version, revision
	if bi != nil {
		// "(devel)" is what the go command records when it knows no version.
		if (v == "" || v == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	// Module versions carry a "v" that release file names and tags' versions
	// (credproc_1.2.3_linux_amd64.tar.gz) drop: print one form.
	if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	return v, rev, modified
}
