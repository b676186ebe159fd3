//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdkconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/credproc/credproc/internal/awsconfig"
)

// goSDKLoadsEveryProfile loads every profile of the config file at path
// with aws-sdk-go-v2's shared config loader (what Terraform uses); a panic
// or an error fails the test.
func goSDKLoadsEveryProfile(t *testing.T, path string) {
	t.Helper()
	f, err := awsconfig.Load(path, awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range f.ProfileNames() {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("the Go SDK panics on %s: %v", path, r)
				}
			}()
			p, _ := f.Profile(name)
			sc, err := sdkconfig.LoadSharedConfigProfile(context.Background(), name, func(o *sdkconfig.LoadSharedConfigOptions) {
				o.ConfigFiles = []string{path}
				o.CredentialsFiles = []string{filepath.Join(t.TempDir(), "none")}
			})
			if err != nil {
				t.Fatalf("the Go SDK cannot load profile %s: %v", name, err)
			}
			if sc.CredentialProcess != p.Get("credential_process") {
				t.Errorf("profile %s: the Go SDK reads credential_process %q, botocore's rules %q", name, sc.CredentialProcess, p.Get("credential_process"))
			}
		}()
	}
}

// TestSetupOrgHostileAccountNames: an account named ' made setup --org
// write "credproc_account_name = '", on which the Go SDK's config loader
// panics for the whole file; a re-run did not repair it. Now every name is
// written so that the Go SDK reads the file, and a re-run repairs a file an
// older credproc wrote.
func TestSetupOrgHostileAccountNames(t *testing.T) {
	w := orgWorld(t)
	names := map[string]string{
		"300000000001": "'",
		"300000000002": "'''",
		"300000000003": `"`,
		"300000000004": "Prod #2 ; eu",
		"300000000005": "'quoted'",
		"300000000006": " #lead",
		"300000000007": "`tick",
	}
	for id, n := range names {
		w.orgAddAccount(id, n)
	}
	cfg := w.orgConfigFile()
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	// What an older credproc wrote for the account named '.
	old := "[profile 300000000001]\ncredential_process = /old/credproc --source mgmt --role-arn arn:aws:iam::300000000001:role/OrganizationAccountAccessRole\ncredproc_managed = org\ncredproc_account_id = 300000000001\ncredproc_account_name = '\n"
	if err := os.WriteFile(cfg, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt"); err != nil {
		t.Fatalf("setup --org: %v\n%s", err, stderr)
	}
	text := orgReadFile(t, cfg)
	if strings.Contains(text, "credproc_account_name = '\n") {
		t.Errorf("the lone ' is still there:\n%s", text)
	}
	goSDKLoadsEveryProfile(t, cfg)
}
