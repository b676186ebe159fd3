//go:build unix

package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestExecServer: the child's Go SDK and the AWS CLI v2 get the member
// account's identity from the loopback endpoint, with no keys in their
// environment; a request without the token or with a wrong one is
// refused; the port is closed once the command exits.
func TestExecServer(t *testing.T) {
	w := e2e(t)
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w.addSource(t, "mgmt")
	mustSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	who := whoami(t)

	stdout, stderr, err := w.run("exec", "--server", "--profile", "member", "--", who)
	if err != nil || stdout != memberAccount+"\n" {
		t.Fatalf("Go SDK child: %v, stdout %q\n%s", err, stdout, stderr)
	}
	stdout, stderr, err = w.run("exec", "--server", "--profile", "member", "--", "aws", "sts", "get-caller-identity", "--endpoint-url", w.srv.URL, "--query", "Account", "--output", "text")
	if err != nil || stdout != memberAccount+"\n" {
		t.Fatalf("AWS CLI child: %v, stdout %q\n%s", err, stdout, stderr)
	}
	stdout, _, err = w.run("exec", "--server", "--profile", "member", "--", "env")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN="} {
		if strings.Contains(stdout, "\n"+k) || strings.HasPrefix(stdout, k) {
			t.Errorf("the command's environment has %s", k)
		}
	}
	if !strings.Contains(stdout, "\nAWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:") || !strings.Contains(stdout, "\nAWS_CONTAINER_AUTHORIZATION_TOKEN=") {
		t.Errorf("no endpoint in the environment:\n%s", stdout)
	}

	stdout, stderr, err = w.run("exec", "--server", "--profile", "member", "--", who, "-probe")
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 || lines[1] != "401" || lines[2] != "401" || lines[3] != "200" {
		t.Fatalf("probe (address, no token, wrong token, right token) = %q", lines)
	}
	if !strings.HasPrefix(lines[0], "127.0.0.1:") {
		t.Errorf("endpoint bound to %s, want 127.0.0.1", lines[0])
	}
	if c, err := net.DialTimeout("tcp", lines[0], time.Second); err == nil {
		c.Close()
		t.Errorf("port %s still open after the command exited", lines[0])
	}
	for _, s := range append(w.secrets, w.srv.Secrets()...) {
		if strings.Contains(stderr, s) {
			t.Errorf("a secret reached stderr")
		}
	}
}

// TestExecServerRefresh: with credentials that fall inside the refresh
// window two seconds after they are made, the child's second request gets
// new ones from STS.
func TestExecServerRefresh(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	mustSetup(t, w, "short", "--source", "mgmt", "--account", memberAccount, "--duration", "15m", "--refresh-window", "898s")
	who := whoami(t)
	stdout, stderr, err := w.run("exec", "--server", "--profile", "short", "--", who, "-fetch", "3s")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want two fetches, got %q", stdout)
	}
	if lines[0] == lines[1] {
		t.Errorf("second request got the same credentials %q", lines[0])
	}
	if n := w.srv.Succeeded("AssumeRole"); n != 2 {
		t.Errorf("AssumeRole succeeded %d times, want 2 (start, refresh)", n)
	}
}
