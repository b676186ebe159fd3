package cache

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// ServiceName is the keyring service (Secret Service "service" attribute,
// Keychain service, Windows credential prefix) that holds every credproc item.
const ServiceName = "credproc"

// ErrNoSessionBus is matched (with errors.Is) by the error the Linux system
// backend returns, without touching D-Bus, when there is no session bus to
// reach the Secret Service through. It also matches [ErrUnavailable].
var ErrNoSessionBus error = noBusError{}

// noBusError is a distinct type only so that it can match ErrUnavailable too.
type noBusError struct{}

func (noBusError) Error() string {
	return "no D-Bus session bus: the Secret Service keyring is not reachable (SSH, container or CI session?)"
}

func (noBusError) Is(target error) bool { return target == ErrUnavailable }

// system is the OS keyring through zalando/go-keyring. Item user names are the
// Backend keys.
type system struct{ service string }

// NewSystemService returns the OS keyring (Secret Service on Linux, Keychain
// on macOS, Credential Manager on Windows) under service, with every call
// bounded by [DefaultTimeout] (see [WithTimeout]). Separate credproc set-ups
// (tests, say) use separate service names and never see each other's items.
//
// On Linux, when no session bus can be found, every call fails at once with
// [ErrNoSessionBus] instead of letting godbus autolaunch a bus daemon.
//
// Size limits: go-keyring refuses values over 2560 bytes on Windows and about
// 3000 on macOS (base64 inside a 4096-byte command). There the backend is
// wrapped in [Chunked], so a session with an unusually large token (big
// session policy or tags) is split over several items instead of not being
// cached. The Secret Service has no such limit.
func NewSystemService(service string) Backend {
	b := WithTimeout(system{service}, DefaultTimeout)
	if systemItemLimit > 0 {
		b = Chunked(b, systemItemLimit)
	}
	return b
}

func (system) Name() string { return systemName }

// probe is cheap: on Linux it only looks for a session bus.
func (system) probe() error { return checkBus() }

func (b system) Get(key string) ([]byte, error) {
	if err := checkBus(); err != nil {
		return nil, err
	}
	v, err := keyring.Get(b.service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, classify(err)
	}
	return []byte(v), nil
}

func (b system) Set(key string, value []byte) error {
	if err := checkBus(); err != nil {
		return err
	}
	return classify(keyring.Set(b.service, key, string(value)))
}

func (b system) Delete(key string) error {
	if err := checkBus(); err != nil {
		return err
	}
	err := keyring.Delete(b.service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return classify(err)
}
