//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// silentSecrets is a Secret Service that takes every call and never
// answers, like a collection waiting on an unlock prompt nobody sees.
type silentSecrets struct{}

func (silentSecrets) LookupObject(dbus.ObjectPath) (dbus.ServerObject, bool) {
	return silentSecrets{}, true
}
func (silentSecrets) LookupInterface(string) (dbus.Interface, bool) { return silentSecrets{}, true }
func (silentSecrets) LookupMethod(string) (dbus.Method, bool)       { return silentSecrets{}, true }
func (silentSecrets) DecodeArguments(*dbus.Conn, string, *dbus.Message, []any) ([]any, error) {
	return nil, nil
}
func (silentSecrets) Call(...any) ([]any, error) { select {} }
func (silentSecrets) NumArguments() int          { return 0 }
func (silentSecrets) NumReturns() int            { return 0 }
func (silentSecrets) ArgumentValue(int) any      { return nil }
func (silentSecrets) ReturnValue(int) any        { return nil }

// TestSecretServiceThatNeverAnswers: credproc gives up with a clear message
// instead of hanging the AWS command.
func TestSecretServiceThatNeverAnswers(t *testing.T) {
	_, err := exec.LookPath("dbus-daemon")
	requireReal(t, err == nil, "dbus-daemon (Debian package dbus)")
	daemon := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, _ := daemon.StdoutPipe()
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { daemon.Process.Kill(); daemon.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	conn, err := dbus.Connect(addr, dbus.WithHandler(silentSecrets{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim org.freedesktop.secrets: %v %v", reply, err)
	}

	w := newWorld(t, filepath.Join(t.TempDir(), "home"))
	defer w.srv.Close()
	w.env = append(w.env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	w.env = append(w.env, "AWS_ACCESS_KEY_ID="+w.getenv("ALICE_AKID"), "AWS_SECRET_ACCESS_KEY="+w.getenv("ALICE_SECRET"))
	stdout, stderr, err := w.run("add", "mgmt", "--env")
	if err == nil || stdout != "" {
		t.Fatalf("add succeeded against a silent keyring: %q", stdout)
	}
	if !strings.Contains(stderr, "keyring did not answer within 5s") || strings.Count(stderr, "\n") > 2 {
		t.Fatalf("unclear failure:\n%s", stderr)
	}
}

// TestNoSessionBusStartsNothing: without a session bus (SSH, containers)
// credproc must not autolaunch a D-Bus daemon.
func TestNoSessionBusStartsNothing(t *testing.T) {
	w := newWorld(t, filepath.Join(t.TempDir(), "home"))
	defer w.srv.Close()
	trap := t.TempDir()
	marker := filepath.Join(trap, "launched")
	os.WriteFile(filepath.Join(trap, "dbus-launch"), []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755)
	var env []string
	for _, kv := range w.env {
		if k, _, _ := strings.Cut(kv, "="); k != "DBUS_SESSION_BUS_ADDRESS" && k != "PATH" {
			env = append(env, kv)
		}
	}
	w.env = append(env, "PATH="+trap+":"+binDir+":/usr/bin:/bin", "XDG_RUNTIME_DIR="+t.TempDir(),
		"AWS_ACCESS_KEY_ID="+w.getenv("ALICE_AKID"), "AWS_SECRET_ACCESS_KEY="+w.getenv("ALICE_SECRET"))
	_, stderr, err := w.run("add", "mgmt", "--env")
	if err == nil || !strings.Contains(stderr, "no Secret Service here") { // and no terminal for the key file's passphrase
		t.Fatalf("add without a bus: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("credproc launched a D-Bus daemon")
	}
}
