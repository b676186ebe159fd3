//go:build !linux

package cache

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// kernelSupported says whether NewKernel can work on this OS at all.
const kernelSupported = false

// noKernel stands in for the kernel keyring where there is none.
type noKernel struct{}

// NewKernel returns, on this OS, a Backend named "kernel" whose every call
// fails with an error matching [ErrUnavailable]: the kernel key retention
// service is Linux only.
func NewKernel(service string) ExpiringBackend { return noKernel{} }

var errNoKernel = fmt.Errorf("%w: kernel keyring: Linux only, not on %s: %w", ErrUnavailable, runtime.GOOS, errors.ErrUnsupported)

func (noKernel) Name() string                                  { return kernelName }
func (noKernel) Get(string) ([]byte, error)                    { return nil, errNoKernel }
func (noKernel) Set(string, []byte) error                      { return errNoKernel }
func (noKernel) SetWithExpiry(string, []byte, time.Time) error { return errNoKernel }
func (noKernel) Delete(string) error                           { return errNoKernel }
func (noKernel) probe() error                                  { return errNoKernel }
