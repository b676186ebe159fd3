//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The endpoint a call goes to is observed, not assumed: credproc runs in a
// network namespace of its own (unshare -n: loopback only, so nothing can
// leave the machine) behind a recording HTTPS_PROXY that notes each
// CONNECT host and refuses it. The proxy and credproc both run in that
// namespace, in a child of this test binary (netnsChild).

// netnsChild is the child's whole life: bring up loopback, serve the
// recording proxy, run credproc with the arguments in CREDPROC_TEST_ARGS
// (JSON), print the CONNECT hosts as JSON.
func netnsChild() {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "ip link set lo up: %v %s", err, out)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var hosts []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "CONNECT" {
				mu.Lock()
				hosts = append(hosts, f[1])
				mu.Unlock()
			}
			c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
			c.Close()
		}
	}()
	var args []string
	json.Unmarshal([]byte(os.Getenv("CREDPROC_TEST_ARGS")), &args)
	cmd := exec.Command(os.Getenv("CREDPROC_TEST_BIN"), args...)
	cmd.Env = append(os.Environ(), "HTTPS_PROXY=http://"+l.Addr().String(), "NO_PROXY=")
	stderr, _ := cmd.CombinedOutput()
	mu.Lock()
	defer mu.Unlock()
	json.NewEncoder(os.Stdout).Encode(map[string]any{"hosts": hosts, "stderr": string(stderr)})
	os.Exit(0)
}

func haveUnshare() bool {
	return exec.Command("unshare", "-n", "ip", "link", "set", "lo", "up").Run() == nil
}

func TestEndpointObserved(t *testing.T) {
	requireReal(t, haveUnshare(), "unshare -n and ip (root, util-linux, iproute2)")
	home := t.TempDir()
	creds := filepath.Join(home, "credentials")
	writeTestFile(t, creds, "[static]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = not-a-real-secret-key-0000000000000000000\n")
	for _, tc := range []struct {
		name, region, partition string
		env                     []string
		want                    string
	}{
		{"regional", "us-east-1", "aws", nil, "sts.us-east-1.amazonaws.com:443"},
		{"fips", "us-east-1", "aws", []string{"AWS_USE_FIPS_ENDPOINT=true"}, "sts-fips.us-east-1.amazonaws.com:443"},
		{"dualstack", "us-east-1", "aws", []string{"AWS_USE_DUALSTACK_ENDPOINT=true"}, "sts.us-east-1.api.aws:443"},
		{"legacy global", "eu-west-1", "aws", []string{"AWS_STS_REGIONAL_ENDPOINTS=legacy"}, "sts.amazonaws.com:443"},
		{"european sovereign cloud", "eusc-de-east-1", "aws-eusc", nil, "sts.eusc-de-east-1.amazonaws.eu:443"},
		{"iso", "us-iso-east-1", "aws-iso", nil, "sts.us-iso-east-1.c2s.ic.gov:443"},
		{"china", "cn-north-1", "aws-cn", nil, "sts.cn-north-1.amazonaws.com.cn:443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, _ := json.Marshal([]string{"--source", "profile:static", "--role-arn", "arn:" + tc.partition + ":iam::222222222222:role/R",
				"--region", tc.region, "--session-name", "observe"})
			cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^$")
			cmd.Env = append([]string{
				netnsChildEnv + "=1",
				"CREDPROC_TEST_BIN=" + filepath.Join(binDir, "credproc"),
				"CREDPROC_TEST_ARGS=" + string(args),
				"HOME=" + home,
				"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
				"AWS_SHARED_CREDENTIALS_FILE=" + creds,
				"XDG_CACHE_HOME=" + filepath.Join(home, "cache-"+strings.ReplaceAll(tc.name, " ", "-")),
				"CREDPROC_KEYRING=kernel",
				"AWS_MAX_ATTEMPTS=1",
			}, tc.env...)
			out, err := cmd.Output()
			var got struct {
				Hosts  []string
				Stderr string
			}
			if err != nil || json.Unmarshal(out, &got) != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if len(got.Hosts) == 0 || got.Hosts[0] != tc.want {
				t.Fatalf("CONNECT %v, want %s; credproc said:\n%s", got.Hosts, tc.want, got.Stderr)
			}
			if !strings.HasPrefix(got.Stderr, "credproc: error: ") {
				t.Errorf("credproc behind a refusing proxy: %q", got.Stderr)
			}
		})
	}
}
