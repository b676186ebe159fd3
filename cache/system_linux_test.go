package cache

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// TestNoSessionBus: with no bus address and no socket in XDG_RUNTIME_DIR,
// the system backend fails fast and never lets godbus run dbus-launch.
// Not parallel: it changes the environment.
func TestNoSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	// A dbus-launch that leaves a trace if anything starts it.
	bin := t.TempDir()
	marker := filepath.Join(bin, "started")
	script := "#!/bin/sh\ntouch '" + marker + "'\nsleep 30\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	b := NewSystemService(ServiceName)
	want := "no D-Bus session bus: the Secret Service keyring is not reachable (SSH, container or CI session?)"
	start := time.Now()
	_, err := b.Get("source:x")
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("Get took %v, want well under a second", took)
	}
	if !errors.Is(err, ErrNoSessionBus) || err.Error() != want {
		t.Fatalf("Get = %v, want %q", err, want)
	}
	if err := b.Set("source:x", []byte("v")); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Set = %v", err)
	}
	if err := b.Delete("source:x"); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Delete = %v", err)
	}
	if _, ok := openSingle(b, t.TempDir()).Session("abc"); ok {
		t.Error("hit without a keyring")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("dbus-launch was started")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		t.Error("DBUS_SESSION_BUS_ADDRESS was set")
	}

	// "autolaunch:" is what godbus treats as no address, and so do we.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
	if err := checkBus(); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("checkBus with autolaunch: = %v", err)
	}
	// A plain file is not a bus.
	os.WriteFile(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus"), nil, 0o600)
	if err := checkBus(); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("checkBus with a regular file = %v", err)
	}
}

// TestBusInRuntimeDir: a socket at $XDG_RUNTIME_DIR/bus is pinned as the bus
// address, since godbus itself only probes /run/user/<uid>.
func TestBusInRuntimeDir(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	l, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Skipf("cannot make a unix socket here: %v", err)
	}
	defer l.Close()
	if err := checkBus(); err != nil {
		t.Fatalf("checkBus = %v", err)
	}
	got := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if want := "unix:path=" + escapeBusValue(filepath.Join(dir, "bus")); got != want {
		t.Errorf("DBUS_SESSION_BUS_ADDRESS = %q, want %q", got, want)
	}
	if !strings.HasPrefix(got, "unix:path=/") {
		t.Errorf("address %q", got)
	}
}

func TestEscapeBusValue(t *testing.T) {
	t.Parallel()
	if got, want := escapeBusValue("/run/user/1000/my bus;x=%,é"), "/run/user/1000/my%20bus%3bx%3d%25%2c%c3%a9"; got != want {
		t.Errorf("escapeBusValue = %q, want %q", got, want)
	}
}

// TestClassifyNoProvider: a session bus without a Secret Service provider
// (WSL, a minimal desktop) counts as an unavailable keyring; other D-Bus
// errors do not.
func TestClassifyNoProvider(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
		&dbus.Error{Name: "org.freedesktop.DBus.Error.NameHasNoOwner"},
		fmt.Errorf("open session: %w", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}),
	} {
		got := classify(err)
		if !errors.Is(got, ErrUnavailable) || !strings.Contains(got.Error(), "no Secret Service provider") {
			t.Errorf("classify(%v) = %v, want ErrUnavailable", err, got)
		}
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
	for _, err := range []error{errors.New("failed to unlock correct collection"), dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}} {
		// dbus.Error is not comparable: compare what can be seen.
		if got := classify(err); errors.Is(got, ErrUnavailable) || fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", err, err) {
			t.Errorf("classify(%v) = %v, want it unchanged", err, got)
		}
	}
}
