package cache

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

	b := NewSystem()
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
	if _, ok := Open(b, t.TempDir()).Session("abc"); ok {
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
