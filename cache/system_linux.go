package cache

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

const systemName = "secret-service"

// systemItemLimit is 0: the Secret Service takes items of any practical
// size, so NewSystemService does not chunk them.
const systemItemLimit = 0

// classify marks the D-Bus errors that mean no Secret Service provider
// (gnome-keyring, KeePassXC, ...) serves this session bus, as WSL or a
// minimal desktop has it, so they match ErrUnavailable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var name string
	var v dbus.Error
	var p *dbus.Error
	switch {
	case errors.As(err, &v):
		name = v.Name
	case errors.As(err, &p):
		name = p.Name
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		// The bus address names a socket nobody listens on.
		return fmt.Errorf("%w: no D-Bus session bus at $DBUS_SESSION_BUS_ADDRESS: %w", ErrUnavailable, err)
	}
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return fmt.Errorf("%w: no Secret Service provider on the D-Bus session bus: %w", ErrUnavailable, err)
	}
	return err
}

// checkBus makes sure go-keyring will find an existing session bus, so godbus
// never falls back to autolaunching one (running dbus-launch from an SSH,
// container or CI session spawns a stray daemon and then hangs or fails
// slowly). It is a couple of getenv calls and at most one stat.
func checkBus() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if !filepath.IsAbs(dir) { // unset or invalid: the systemd default
		dir = "/run/user/" + strconv.Itoa(os.Getuid())
	}
	sock := filepath.Join(dir, "bus")
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		return ErrNoSessionBus
	}
	// godbus only probes /run/user/<uid>/bus, not $XDG_RUNTIME_DIR/bus, before
	// autolaunching; pin the address we found so it uses exactly this bus.
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+escapeBusValue(sock))
	return nil
}

// escapeBusValue escapes a D-Bus address value: bytes outside the
// "optionally escaped" set [-0-9A-Za-z_/.\*] become %XX.
func escapeBusValue(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z',
			c == '-', c == '_', c == '/', c == '.', c == '\\', c == '*':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
