package harden

import "golang.org/x/sys/unix"

// Process turns off core dumps for this process: RLIMIT_CORE 0, and
// PR_SET_DUMPABLE 0, which also covers a core_pattern that pipes to a
// handler regardless of the limit, and keeps same-user processes from
// ptrace-attaching or reading /proc/PID/mem. It returns the first error; a
// failure leaves the process as it was.
func Process() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return err
	}
	return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
