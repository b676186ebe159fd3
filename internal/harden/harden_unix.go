//go:build unix && !linux

package harden

import "golang.org/x/sys/unix"

// Process turns off core dumps for this process (RLIMIT_CORE 0).
func Process() error {
	return unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
}
