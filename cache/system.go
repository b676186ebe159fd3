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
// reach the Secret Service through.
var ErrNoSessionBus = errors.New("no D-Bus session bus: the Secret Service keyring is not reachable (SSH, container or CI session?)")

// system is the OS keyring through zalando/go-keyring. Item user names are the
// Backend keys.
type system struct{ service string }

// NewSystem returns the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) under service [ServiceName], with every
// call bounded by [DefaultTimeout] (see [WithTimeout]).
//
// On Linux, when no session bus can be found, every call fails at once with
// [ErrNoSessionBus] instead of letting godbus autolaunch a bus daemon.
//
// Size limits: go-keyring refuses values over 2560 bytes on Windows and about
// 3000 on macOS (base64 inside a 4096-byte command). The compact item encoding
// fits usual STS sessions; one with an unusually large token (big session
// policy or tags) fails to Set and is then just not cached.
func NewSystem() Backend {
	return NewSystemService(ServiceName)
}

// NewSystemService is NewSystem with another service name, so that separate
// credproc set-ups (tests, say) never see each other's items.
func NewSystemService(service string) Backend {
	return WithTimeout(system{service}, DefaultTimeout)
}

func (system) Name() string { return systemName }

func (b system) Get(key string) ([]byte, error) {
	if err := checkBus(); err != nil {
		return nil, err
	}
	v, err := keyring.Get(b.service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

func (b system) Set(key string, value []byte) error {
	if err := checkBus(); err != nil {
		return err
	}
	return keyring.Set(b.service, key, string(value))
}

func (b system) Delete(key string) error {
	if err := checkBus(); err != nil {
		return err
	}
	err := keyring.Delete(b.service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}
