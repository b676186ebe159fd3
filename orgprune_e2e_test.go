//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awsconfig"
)

// TestSetupOrgPrune: after an account leaves, the dry run's diff deletes
// exactly its profile, the write removes it, and a hand-written profile in
// the same file stays byte for byte.
func TestSetupOrgPrune(t *testing.T) {
	w := orgWorld(t)
	for i := range 30 {
		w.orgAddAccount(fmt.Sprintf("7%011d", i+1), fmt.Sprintf("Team %02d", i))
	}
	cfg := w.orgConfigFile()
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	// A hand-written profile that even names an account that will leave.
	hand := orgHandWritten + "credproc_account_id = 700000000005\n"
	if err := os.WriteFile(cfg, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-"); err != nil {
		t.Fatalf("setup --org: %v\n%s", err, stderr)
	}
	w.srv.RemoveAccount("700000000005")
	before := orgReadFile(t, cfg)

	stdout, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-", "--prune", "--dry-run")
	if err != nil {
		t.Fatalf("--prune --dry-run: %v\n%s", err, stderr)
	}
	if orgReadFile(t, cfg) != before {
		t.Fatal("--dry-run wrote the file")
	}
	removed, added := orgChangedLines(stdout)
	gone := orgSection(before, "[profile acme-team-04]")
	var want []string
	for _, l := range strings.Split(gone, "\n") {
		if strings.TrimSpace(l) != "" {
			want = append(want, l)
		}
	}
	slices.Sort(want)
	if len(added) != 0 || !slices.Equal(removed, want) {
		t.Errorf("diff removes %q and adds %q; want it to remove exactly\n%q", removed, added, want)
	}
	if !strings.Contains(stderr, "credproc: 0 profiles added, 0 updated, 30 unchanged, 1 deleted (accounts no longer active members): acme-team-04 (700000000005)\n") {
		t.Errorf("summary:\n%s", stderr)
	}

	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-", "--prune"); err != nil {
		t.Fatalf("--prune: %v\n%s", err, stderr)
	}
	after := orgReadFile(t, cfg)
	if strings.Contains(after, "[profile acme-team-04]") {
		t.Error("the profile of the account that left is still there")
	}
	if !strings.HasPrefix(after, hand) {
		t.Errorf("the hand-written profile changed:\n%s", after[:len(hand)])
	}
	if strings.Replace(before, gone, "", 1) != after {
		t.Errorf("--prune changed more than the one profile")
	}
}

// TestSetupOrgRoles: --roles gives two profiles per account, named with
// the role; --ou limits them to one OU's accounts; --name-template names
// them from the OU path.
func TestSetupOrgRoles(t *testing.T) {
	w := orgWorld(t)
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("7%011d", i+1)
		w.orgAddAccount(id, fmt.Sprintf("Team %d", i))
		ids = append(ids, id)
	}
	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-", "--roles", "ReadOnly,Admin"); err != nil {
		t.Fatalf("--roles: %v\n%s", err, stderr)
	}
	f, err := awsconfig.Load(w.orgConfigFile(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		for _, role := range []string{"ReadOnly", "Admin"} {
			name := fmt.Sprintf("acme-team-%d-%s", i, strings.ToLower(role))
			p, ok := f.Profile(name)
			if !ok {
				t.Errorf("no profile %s", name)
				continue
			}
			if !strings.Contains(p.Get("credential_process"), "--role-arn arn:aws:iam::"+id+":role/"+role) || p.Get("credproc_role") != role {
				t.Errorf("profile %s: %v", name, p.Keys)
			}
		}
	}
	if n := len(f.ProfileNames()); n != 2*len(ids)+1 {
		t.Errorf("%d profiles, want %d (two per account and the management account's)", n, 2*len(ids)+1)
	}

	// A second file: only one OU, names from the template.
	sandbox := w.srv.CreateOU(w.srv.Root(), "Sandbox")
	deep := w.srv.CreateOU(sandbox, "Deep")
	w.srv.MoveAccount(ids[0], sandbox)
	w.srv.MoveAccount(ids[1], deep)
	other := filepath.Join(filepath.Dir(w.orgConfigFile()), "other")
	env := w.env
	w.env = append(slices.Clone(env), "AWS_CONFIG_FILE="+other)
	defer func() { w.env = env }()
	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--ou", sandbox, "--name-template", "{ou}-{name}-{id}"); err != nil {
		t.Fatalf("--ou --name-template: %v\n%s", err, stderr)
	}
	g, err := awsconfig.Load(other, awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	got := g.ProfileNames()
	slices.Sort(got)
	want := []string{"sandbox-deep-team-1-" + ids[1], "sandbox-team-0-" + ids[0]}
	if !slices.Equal(got, want) {
		t.Errorf("profiles %q, want %q", got, want)
	}
	// Bad input is one error line and no change.
	for _, args := range [][]string{
		{"--name-template", "{nope}"},
		{"--name-template", "fixed"},
		{"--roles", "bad role"},
		{"--ou", "nope"},
		{"--roles", "A", "--role-name", "B"},
	} {
		stdout, stderr, err := w.run(append([]string{"setup", "--org", "--source", "mgmt"}, args...)...)
		if err == nil || stdout != "" || !strings.HasPrefix(stderr, "credproc: error: ") {
			t.Errorf("%v: err %v stdout %q stderr %q", args, err, stdout, stderr)
		}
	}
}
