// Command demo shows credproc working end to end with no AWS account: it
// starts the local AWS emulator, stores a management user's key, writes a
// member-account profile and lets the AWS CLI (when installed) use it.
//
//	CGO_ENABLED=0 go install . && .ci/with-keyring go run ./examples/demo
//
// It needs a Secret Service (the .ci/with-keyring wrapper starts a private
// one) and works in a throw-away HOME, so your own files are never touched.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	bin, err := findCredproc()
	if err != nil {
		return err
	}
	srv := awstest.NewServer()
	defer srv.Close()
	akid, secret := srv.CreateUser("111111111111", "alice")
	srv.CreateRole(awstest.Role{Account: "222222222222", Name: "OrganizationAccountAccessRole",
		TrustedAccounts: []string{"111111111111"}, MaxSessionDuration: 12 * time.Hour, Actions: []string{"*"}})

	home, err := os.MkdirTemp("", "credproc-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	env := append(os.Environ(),
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		fmt.Sprintf("CREDPROC_KEYRING_SERVICE=credproc-demo-%d", os.Getpid()),
		"AWS_ENDPOINT_URL_STS="+srv.URL,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
	)
	step := func(extra []string, name string, args ...string) error {
		fmt.Printf("\n$ %s %s\n", filepath.Base(name), strings.Join(args, " "))
		cmd := exec.Command(name, args...)
		cmd.Env = append(env, extra...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
		return cmd.Run()
	}
	keys := []string{"AWS_ACCESS_KEY_ID=" + akid, "AWS_SECRET_ACCESS_KEY=" + secret}
	fmt.Printf("local AWS emulator at %s: management account 111111111111 (user alice), member 222222222222\n", srv.URL)
	if err := step(keys, bin, "add", "mgmt", "--env"); err != nil {
		return err
	}
	defer step(nil, bin, "remove", "mgmt")
	if err := step(nil, bin, "setup", "member", "--source", "mgmt", "--account", "222222222222"); err != nil {
		return err
	}
	cfg, _ := os.ReadFile(filepath.Join(home, ".aws", "config"))
	fmt.Printf("\n~/.aws/config now holds:\n%s", cfg)
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		for range 2 {
			if err := step(nil, "/usr/bin/aws", "sts", "get-caller-identity", "--profile", "member", "--endpoint-url", srv.URL); err != nil {
				return err
			}
		}
	} else {
		for range 2 {
			if err := step(nil, bin, "--profile", "member"); err != nil {
				return err
			}
		}
	}
	if err := step(nil, bin, "list"); err != nil {
		return err
	}
	fmt.Printf("\nSTS AssumeRole calls: %d (the second command was served from the keyring)\n", srv.Calls("AssumeRole"))
	return step(nil, bin, "forget", "--all")
}

// findCredproc finds the installed binary: on PATH, else where go install puts it.
func findCredproc() (string, error) {
	if p, err := exec.LookPath("credproc"); err == nil {
		return filepath.Abs(p)
	}
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		for _, dir := range []string{lines[0], filepath.Join(lines[len(lines)-1], "bin")} {
			if p := filepath.Join(dir, "credproc"); dir != "" && fileExists(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("credproc is not installed: run `CGO_ENABLED=0 go install .` first")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
