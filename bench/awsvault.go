package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// awsVaultCommand is `aws-vault export --no-session --format=json` of a
// profile holding alice's key, when an aws-vault binary is on PATH: the
// tool credproc is most often compared with, handing out the stored keys
// without an STS call, as close to a cache hit as it gets. Its keys live in
// aws-vault's file backend in the benchmark's directory, never the user's.
// Without aws-vault it returns nil and the report says so.
func (r *report) awsVaultCommand() *command {
	bin, err := exec.LookPath("aws-vault")
	if err != nil {
		r.note("no aws-vault on PATH: the aws-vault column is left out (README.md, Performance, says how to build one)")
		return nil
	}
	w := r.w
	dir := filepath.Join(w.tmp, "aws-vault")
	cfgFile := filepath.Join(dir, "config")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		r.note("aws-vault: %v", err)
		return nil
	}
	if err := os.WriteFile(cfgFile, []byte("[profile bench-vault]\nregion = us-east-1\n"), 0o600); err != nil {
		r.note("aws-vault: %v", err)
		return nil
	}
	env := append(w.env(""),
		"AWS_CONFIG_FILE="+cfgFile,
		"AWS_VAULT_BACKEND=file",
		"AWS_VAULT_FILE_DIR="+dir,
		"AWS_VAULT_FILE_PASSPHRASE=bench-only",
	)
	add := exec.Command(bin, "add", "bench-vault", "--env")
	add.Env = append(env, "AWS_ACCESS_KEY_ID="+w.akid, "AWS_SECRET_ACCESS_KEY="+w.secret)
	if out, err := add.CombinedOutput(); err != nil {
		r.note("aws-vault add: %v: %s", err, strings.TrimSpace(string(out)))
		return nil
	}
	return &command{
		label: "aws-vault export",
		argv:  []string{bin, "export", "--no-session", "--format=json", "bench-vault"},
		env:   env,
		check: checkPrefix("{"),
	}
}

// vaultRow prints the aws-vault figure against credproc's hit.
func (r *report) vaultRow(p func(string, ...any) (int, error)) {
	if r.vault.n == 0 {
		return
	}
	p("  %-36s %9s %9s %7.2f×\n", "aws-vault export --no-session", ms(r.vault.median), ms(r.vault.p90), ratio(r.vault.median, r.hello1.median))
	for _, m := range r.measuredModes() {
		p("    credproc hit (%s) ÷ aws-vault export: %.2f×\n", m.mode, ratio(m.hit1.median, r.vault.median))
	}
}
