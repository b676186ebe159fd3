//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/awstest"
)

// orgWorld is an e2e world whose management account runs an organization
// (named "Management") and whose source mgmt holds alice's key.
func orgWorld(t *testing.T) *world {
	t.Helper()
	w := e2e(t)
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w.env = append(w.env, "AWS_ENDPOINT_URL_ORGANIZATIONS="+w.srv.URL)
	w.srv.CreateOrganization(mgmtAccount)
	w.srv.RenameAccount(mgmtAccount, "Management")
	w.addSource(t, "mgmt")
	return w
}

func (w *world) orgAddAccount(id, name string) {
	w.srv.AddAccount(awstest.Account{ID: id, Name: name, Email: "root+" + id + "@example.com"})
}

// orgConfigFile is the world's AWS config file.
func (w *world) orgConfigFile() string { return w.getenv("AWS_CONFIG_FILE") }

func orgReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// orgSection returns the text of the section with the given header line, up
// to the next header.
func orgSection(text, header string) string {
	i := strings.Index(text, header+"\n")
	if i < 0 {
		return ""
	}
	rest := text[i+len(header)+1:]
	if j := strings.Index(rest, "\n["); j >= 0 {
		rest = rest[:j+1]
	}
	return header + "\n" + rest
}

// orgChangedLines returns the non-blank removed and added lines of a diff,
// without its ---/+++ header, sorted.
func orgChangedLines(diff string) (removed, added []string) {
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ "):
		case strings.HasPrefix(l, "-") && strings.TrimSpace(l[1:]) != "":
			removed = append(removed, l[1:])
		case strings.HasPrefix(l, "+") && strings.TrimSpace(l[1:]) != "":
			added = append(added, l[1:])
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	return removed, added
}

const orgHandWritten = `[profile hand]
# written by a person; credproc must not touch it
region = eu-west-1
output = json
`

// TestSetupOrg: a 1,000-account organization becomes 1,000 profiles (999
// member roles plus a plain profile for the management account, where the
// source lives) in one atomic write; a re-run after accounts joined, one
// was renamed and one left changes exactly those, and the dry run shows
// exactly that change; hand-written profiles are never touched.
func TestSetupOrg(t *testing.T) {
	w := orgWorld(t)
	w.orgAddAccount(memberAccount, "Member")
	// The other accounts have no roles; their names collide here and there.
	var ids []string
	for i := range 998 {
		id := fmt.Sprintf("7%011d", 1000+i*17)
		name := fmt.Sprintf("Team %03d", i)
		if i%300 == 0 {
			name = "Shared (EU) #1"
		}
		w.orgAddAccount(id, name)
		ids = append(ids, id)
	}
	cfg := w.orgConfigFile()
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	// A hand-written profile holds the name account "Team 007" would get.
	mine := orgHandWritten + "\n[profile acme-team-007]\nregion = us-west-2\n"
	if err := os.WriteFile(cfg, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(cfg)

	start := time.Now()
	_, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-")
	t.Logf("setup --org for 1,000 accounts took %s", time.Since(start))
	if err != nil {
		t.Fatalf("setup --org: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "credproc: 1000 profiles added, 0 updated, 0 unchanged\n") {
		t.Errorf("summary missing:\n%s", stderr)
	}
	// The hint names the profile whose session just listed the
	// organization, which works for sure (checked below with the AWS CLI).
	if !strings.Contains(stderr, "credproc: hint: try `aws sts get-caller-identity --profile acme-management`; ") {
		t.Errorf("hint does not name the management profile:\n%s", stderr)
	}
	if !strings.Contains(stderr, "credproc: warning: profile acme-team-007 exists and was not written by `setup --org`, so it stays as it is; account Team 007 ("+ids[7]+") gets profile acme-team-007-"+ids[7][8:]+"\n") {
		t.Errorf("no warning about the hand-written profile:\n%s", stderr)
	}
	// One atomic write: the file was replaced by a rename, nothing left over.
	after, _ := os.Stat(cfg)
	if os.SameFile(before, after) {
		t.Errorf("the config file was edited in place, not replaced atomically")
	}
	if entries, _ := os.ReadDir(filepath.Dir(cfg)); len(entries) != 2 || entries[0].Name() != ".config.credproc.lock" {
		t.Errorf("files left next to the config (only its lock file may stay): %v", entries)
	}
	text := orgReadFile(t, cfg)
	if !strings.HasPrefix(text, mine) {
		t.Fatalf("the hand-written profiles changed")
	}
	f, err := awsconfig.Load(cfg, awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	managed := 0
	for _, n := range f.ProfileNames() {
		if p, _ := f.Profile(n); p.Keys["credproc_managed"] == "org" {
			managed++
		}
	}
	if managed != 1000 {
		t.Errorf("%d managed profiles, want 1000", managed)
	}
	for name, want := range map[string]string{
		"acme-member":                      "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
		"acme-shared-eu-1":                 "arn:aws:iam::" + ids[0] + ":role/",
		"acme-shared-eu-1-" + ids[300][8:]: "arn:aws:iam::" + ids[300] + ":role/",
	} {
		p, _ := f.Profile(name)
		if !strings.Contains(p.Keys["credential_process"], "--source mgmt --role-arn "+want) {
			t.Errorf("profile %s: credential_process = %q, want role %s", name, p.Keys["credential_process"], want)
		}
	}
	m, _ := f.Profile("acme-management")
	if cp := m.Keys["credential_process"]; !strings.HasSuffix(cp, " --source mgmt") || m.Keys["credproc_account_id"] != mgmtAccount {
		t.Errorf("management profile = %v, want a plain --source mgmt profile", m.Keys)
	}

	// The real AWS CLI uses the generated profiles.
	for profile, want := range map[string]string{
		"acme-member":     "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/credproc-mgmt",
		"acme-management": "arn:aws:iam::111111111111:user/alice",
	} {
		out, stderr, err := w.run("aws", "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", w.getenv("STS_URL"), "--query", "Arn", "--output", "text")
		if err != nil || strings.TrimSpace(out) != want {
			t.Errorf("aws sts get-caller-identity --profile %s: %v: %q\n%s", profile, err, out, stderr)
		}
	}

	// Three accounts join, one is renamed, one leaves.
	w.orgAddAccount("800000000001", "New One")
	w.orgAddAccount("800000000002", "New Two")
	w.orgAddAccount("800000000003", "Team 005") // the name of a kept profile
	w.srv.RenameAccount(memberAccount, "Member Renamed")
	w.srv.RemoveAccount(ids[42])
	text = orgReadFile(t, cfg)

	out, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-", "--dry-run")
	if err != nil {
		t.Fatalf("setup --org --dry-run: %v\n%s", err, stderr)
	}
	if orgReadFile(t, cfg) != text {
		t.Fatalf("--dry-run wrote the config file")
	}
	summary := "credproc: 3 profiles added, 1 updated, 998 unchanged; 1 account left the organization: acme-team-042 (" + ids[42] + ")\n"
	for _, want := range []string{
		summary,
		"credproc: warning: 1 profile of accounts that left the organization or are not active was kept: acme-team-042; add --prune to delete it\n",
		`credproc: account 222222222222 was renamed from "Member" to "Member Renamed"; its profile keeps the name acme-member`,
		"credproc: dry run: nothing written to " + cfg + "\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.HasPrefix(out, "--- "+cfg+"\n+++ "+cfg+"\n@@ ") {
		t.Errorf("dry run output is not a unified diff of %s:\n%.300s", cfg, out)
	}
	exe, _, _ := strings.Cut(m.Keys["credential_process"], " --source")
	newProfile := func(name, id, acct string) []string {
		return []string{
			"[profile " + name + "]",
			"credential_process = " + exe + " --source mgmt --role-arn arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole",
			"credproc_managed = org",
			"credproc_account_id = " + id,
			"credproc_account_name = " + acct,
		}
	}
	wantAdded := slices.Concat(
		[]string{"credproc_account_name = Member Renamed"},
		newProfile("acme-new-one", "800000000001", "New One"),
		newProfile("acme-new-two", "800000000002", "New Two"),
		newProfile("acme-team-005-0003", "800000000003", "Team 005"),
	)
	slices.Sort(wantAdded)
	removed, added := orgChangedLines(out)
	if !slices.Equal(removed, []string{"credproc_account_name = Member"}) || !slices.Equal(added, wantAdded) {
		t.Errorf("dry-run diff:\n%s\nremoved %q\nadded %q\nwant added %q", out, removed, added, wantAdded)
	}

	_, stderr, err = w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-")
	if err != nil || !strings.Contains(stderr, summary) {
		t.Fatalf("re-run: %v\n%s", err, stderr)
	}
	newText := orgReadFile(t, cfg)
	if got, want := string(diff.Diff(cfg, []byte(text), cfg, []byte(newText))), "diff "+cfg+" "+cfg+"\n"+out; got != want {
		t.Errorf("the written change differs from the dry run:\n%s\nwant\n%s", got, want)
	}
	if orgSection(newText, "[profile hand]") != orgSection(text, "[profile hand]") || !strings.HasPrefix(newText, mine) {
		t.Errorf("the hand-written profiles changed")
	}
	if orgSection(newText, "[profile acme-team-042]") == "" {
		t.Errorf("the profile of the account that left was deleted")
	}

	// A third run changes nothing and does not write.
	before, _ = os.Stat(cfg)
	_, stderr, err = w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-")
	if err != nil || !strings.Contains(stderr, "credproc: 0 profiles added, 0 updated, 1002 unchanged;") {
		t.Fatalf("third run: %v\n%s", err, stderr)
	}
	if after, _ := os.Stat(cfg); !os.SameFile(before, after) || orgReadFile(t, cfg) != newText {
		t.Errorf("an idempotent run rewrote the config file")
	}
	if calls := w.srv.Calls("GetSessionToken"); calls != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1: the runs share the cached session", calls)
	}
}

// TestSetupOrgMFA: with an MFA device the accounts are listed through the
// MFA session, and that one session (one code) then serves the role
// profiles, also for a role that requires MFA.
func TestSetupOrgMFA(t *testing.T) {
	w := orgWorld(t)
	requireReal(t, orgFileExists("/usr/bin/oathtool"), "oathtool (Debian package oathtool)")
	w.orgAddAccount(memberAccount, "Member")
	w.orgAddAccount(mfaAccount, "Secure")
	dir := t.TempDir()
	counter := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "code.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+counter+"'\nexec oathtool --totp -b \"$MFA_SECRET\"\n"), 0o700)

	_, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--mfa-serial", w.getenv("MFA_SERIAL"), "--mfa-process", script, "--duration", "2h")
	if err != nil {
		t.Fatalf("setup --org: %v\n%s", err, stderr)
	}
	for _, want := range []string{
		"credproc: 3 profiles added, 0 updated, 0 unchanged\n",
		"credproc: warning: role sessions assumed from an MFA session last at most 1h",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	f, err := awsconfig.Load(w.orgConfigFile(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	secure, _ := f.Profile("secure")
	mgmt, _ := f.Profile("management")
	if !strings.HasSuffix(secure.Keys["credential_process"], " --source mgmt --role-arn arn:aws:iam::333333333333:role/OrganizationAccountAccessRole --duration 2h --mfa-serial "+w.getenv("MFA_SERIAL")+" --mfa-process "+script) {
		t.Errorf("secure: %q", secure.Keys["credential_process"])
	}
	if !strings.HasSuffix(mgmt.Keys["credential_process"], " --source mgmt --mfa-serial "+w.getenv("MFA_SERIAL")+" --mfa-process "+script) {
		t.Errorf("management: %q", mgmt.Keys["credential_process"])
	}
	out, stderr, err := w.run("aws", "sts", "get-caller-identity", "--profile", "secure", "--endpoint-url", w.getenv("STS_URL"), "--query", "Account", "--output", "text")
	if err != nil || strings.TrimSpace(out) != mfaAccount {
		t.Fatalf("get-caller-identity --profile secure: %v: %q\n%s", err, out, stderr)
	}
	if _, stderr, err := w.run("--profile", "management"); err != nil {
		t.Fatalf("credproc --profile management: %v\n%s", err, stderr)
	}
	if got := w.srv.Succeeded("GetSessionToken"); got != 1 {
		t.Errorf("GetSessionToken = %d, want 1 (one MFA session for listing and roles)", got)
	}
	if b, _ := os.ReadFile(counter); strings.Count(string(b), "run") != 1 {
		t.Errorf("the MFA code was asked for %d times, want 1", strings.Count(string(b), "run"))
	}
	if bad := w.leaks(filepath.Dir(w.getenv("HOME"))); len(bad) > 0 {
		t.Errorf("secrets written to %v", bad)
	}
}

func orgFileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestSetupOrgErrors: bad input is refused before any call, failed calls
// are explained, and in every case nothing is written.
func TestSetupOrgErrors(t *testing.T) {
	w := orgWorld(t)
	cfg := w.orgConfigFile()
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	if err := os.WriteFile(cfg, []byte(orgHandWritten), 0o600); err != nil {
		t.Fatal(err)
	}
	// bob may not list the organization; carol's account is not in it.
	carolKey, carolSecret := w.srv.CreateUser("999999999999", "carol")
	for _, u := range []struct{ name, key, secret string }{
		{"bob", w.getenv("BOB_AKID"), w.getenv("BOB_SECRET")},
		{"carol", carolKey, carolSecret},
	} {
		cmd := exec.Command(filepath.Join(binDir, "credproc"), "add", u.name, "--env")
		cmd.Env = append(slices.Clone(w.env), "AWS_ACCESS_KEY_ID="+u.key, "AWS_SECRET_ACCESS_KEY="+u.secret)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("add %s: %v\n%s", u.name, err, out)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--org"}, 1, "credproc: error: no source: give --source NAME"},
		{[]string{"--org", "--source", "mgmt", "--account", memberAccount}, 2, "credproc: error: setup --org writes a profile for every account; --account is for one profile (drop --org)"},
		{[]string{"--org", "--source", "mgmt", "--prefix", "Bad Prefix"}, 2, `credproc: error: invalid prefix "Bad Prefix"`},
		{[]string{"--org", "--source", "mgmt", "member"}, 2, "credproc: error: setup --org takes no profile name"},
		{[]string{"--org", "--source", "bob"}, 1, "credproc: error: source \"bob\" may not list the organization's accounts (AccessDeniedException)\ncredproc: hint: use the key of an IAM user in the management account"},
		{[]string{"--org", "--source", "carol"}, 1, "credproc: error: the account of source \"carol\" is not in an organization (AWSOrganizationsNotInUseException)\ncredproc: hint: write single profiles with `credproc setup PROFILE --source NAME --account ID`"},
	} {
		out, stderr, err := w.run(append([]string{"setup"}, tc.args...)...)
		code := 0
		if err != nil {
			code = 1
			if ee, ok := err.(interface{ ExitCode() int }); ok {
				code = ee.ExitCode()
			}
		}
		if code != tc.code || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("setup %q: exit %d, stdout %q, stderr:\n%s\nwant exit %d and %q", tc.args, code, out, stderr, tc.code, tc.want)
		}
		if orgReadFile(t, cfg) != orgHandWritten {
			t.Fatalf("setup %q changed the config file", tc.args)
		}
	}
	if n := w.srv.Calls("ListAccounts"); n != 2 {
		t.Errorf("ListAccounts calls = %d, want 2 (only bob's and carol's runs get that far)", n)
	}
}
