//go:build !unix

package cli

import "os"

// forwardedSignals are caught while exec's command runs.
var forwardedSignals = []os.Signal{os.Interrupt}

// forward reports whether sig must be passed on to the command: never
// here. The Windows console sends Ctrl-C to every process attached to it,
// the command included, and one process cannot interrupt another; catching
// it only keeps credproc waiting for the command's exit code.
func forward(os.Signal) bool { return false }

// exitStatus is the command's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
