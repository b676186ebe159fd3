package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// executable is os.Executable, replaced in tests.
var executable = os.Executable

// installCommand is how README installs credproc.
const installCommand = "CGO_ENABLED=0 go install github.com/credproc/credproc@latest"

// checkBinaryPath refuses a binary that `go run` built: it lives in the Go
// build cache's go-build…/…/exe/ directory, which Go deletes when the run
// ends, so a profile naming it breaks at once.
func checkBinaryPath(exe string) error {
	dir := filepath.Dir(exe)
	if filepath.Base(dir) != "exe" {
		return nil
	}
	for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), "go-build") {
			return &credproc.Error{
				Msg:  fmt.Sprintf("credproc runs from `go run`'s temporary build (%s), which Go deletes when it exits: a profile cannot name it", exe),
				Hint: "install it with `" + installCommand + "` and run the installed credproc's setup",
			}
		}
	}
	return nil
}

// underTempDir reports whether path lies in the temporary directory, which
// the system cleans.
func underTempDir(path string) bool {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = os.TempDir()
	}
	rel, err := filepath.Rel(tmp, path)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}

// warnTempBinary warns when the profile will name a binary in the
// temporary directory.
func warnTempBinary(u *ui) {
	exe, err := selfPath()
	if err == nil && underTempDir(exe) {
		u.warnf("credproc runs from the temporary directory (%s): the profile breaks when it is cleaned; install it with `%s`", exe, installCommand)
	}
}

// checkOwnProfile refuses to replace a profile that credproc did not write
// (no credproc credential_process line) unless force is set: its role_arn,
// SSO or key settings would be lost.
func checkOwnProfile(name string, force bool) error {
	path := awsconfig.ConfigPath()
	f, err := awsconfig.Load(path, awsconfig.Config)
	if err != nil {
		return nil // writeProfiles reports it
	}
	p, ok := f.Profile(name)
	if !ok || force {
		return nil
	}
	if _, err := settingsFromLine(name, p.Keys["credential_process"]); err == nil {
		return nil
	}
	var what []string
	for _, k := range append([]string{"credential_process"}, credproc.ConflictingKeys...) {
		if p.Keys[k] != "" {
			what = append(what, k)
		}
	}
	desc := "settings"
	if len(what) > 0 {
		desc = strings.Join(what, ", ")
	}
	return &credproc.Error{
		Msg:  fmt.Sprintf("profile %s in %s was not written by credproc (it has %s); setup does not replace it", name, path, desc),
		Hint: "choose another profile name, or add --force to replace it",
	}
}

// warnNoRegion warns when the profile will have no region and nothing
// else gives one: the AWS CLI then stops with "You must specify a region".
func warnNoRegion(u *ui, name string) {
	if os.Getenv("AWS_REGION") != "" || os.Getenv("AWS_DEFAULT_REGION") != "" {
		return
	}
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		return
	}
	if p, ok := f.Profile(name); ok && p.Keys["region"] != "" {
		return
	}
	// The AWS CLI takes no region from the default profile for a named one.
	u.warnf("profile %s has no region and AWS_REGION is not set: the AWS CLI will stop with \"You must specify a region\"; run setup again with --region R", name)
}
