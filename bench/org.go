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

// (d) The whole organization at once: `exec --org` over orgAccounts member
// accounts, 16 at a time, each running the whoami test program (the Go
// SDK's GetCallerIdentity), against the same whoami run as many times, 16
// at a time, with fixed keys and no credproc; and `doctor` over as many
// profiles with STS (and IAM) answering after -sts-latency, against doctor
// of one profile.
type orgResult struct {
	accounts            int
	execOrg, execBase   time.Duration
	doctor, doctorOne   time.Duration
	getCallerIdentities int
	latency             time.Duration
}

func (r *report) org() error {
	n := r.cfg.orgAccounts
	if n < 2 {
		return nil
	}
	w := r.w
	dir := filepath.Join(w.tmp, "org")
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return err
	}
	whoami := filepath.Join(dir, "whoami")
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", whoami, "./internal/testcmd/whoami")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build whoami: %v: %s", err, out)
	}
	srv := awstest.NewServer()
	defer srv.Close()
	akid, secret := srv.CreateUser(mgmtAccount, "alice")
	srv.CreateOrganization(mgmtAccount)
	for i := range n {
		id := fmt.Sprintf("7%011d", i+1)
		srv.AddAccount(awstest.Account{ID: id, Name: fmt.Sprintf("Team %04d", i), Email: "root+" + id + "@example.com"})
		srv.CreateRole(awstest.Role{Account: id, Name: "OrganizationAccountAccessRole", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}})
	}
	env := []string{
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"CREDPROC_KEYRING_SERVICE=" + w.service + "-org",
		"AWS_ENDPOINT_URL_STS=" + srv.URL,
		"AWS_ENDPOINT_URL_ORGANIZATIONS=" + srv.URL,
		"AWS_ENDPOINT_URL_IAM=" + srv.URL,
		"AWS_REGION=" + region,
		"PATH=" + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
	}
	run := func(extra []string, args ...string) (time.Duration, string, error) {
		cmd := exec.Command(w.credproc, args...)
		cmd.Env = append(append([]string{}, env...), extra...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		return time.Since(t0), out.String(), err
	}
	if _, out, err := run([]string{"AWS_ACCESS_KEY_ID=" + akid, "AWS_SECRET_ACCESS_KEY=" + secret}, "add", "mgmt", "--env"); err != nil {
		return fmt.Errorf("add: %v: %s", err, out)
	}
	defer run(nil, "remove", "mgmt")
	defer run(nil, "forget", "--all")
	res := orgResult{accounts: n, latency: r.cfg.stsLatency}

	progress("(d) exec --org over %d accounts", n)
	d, out, err := run(nil, "exec", "--org", "--source", "mgmt", "--parallel", "16", "--", whoami)
	if err != nil {
		return fmt.Errorf("exec --org: %v: %s", err, tail(out))
	}
	if got := strings.Count(out, " | 7"); got != n {
		return fmt.Errorf("exec --org printed %d account lines, want %d", got, n)
	}
	res.execOrg = d
	// The baseline: the same programs, 16 at a time, with fixed keys.
	base := time.Now()
	err = parallel(n, 16, func(int) error {
		cmd := exec.Command(whoami)
		cmd.Env = append(append([]string{}, env...), "AWS_ACCESS_KEY_ID="+akid, "AWS_SECRET_ACCESS_KEY="+secret)
		return cmd.Run()
	})
	if err != nil {
		return fmt.Errorf("whoami baseline: %v", err)
	}
	res.execBase = time.Since(base)

	progress("(d) doctor over %d profiles, STS %s away", n+1, r.cfg.stsLatency)
	if _, out, err := run(nil, "setup", "--org", "--source", "mgmt", "--prefix", "b-"); err != nil {
		return fmt.Errorf("setup --org: %v: %s", err, tail(out))
	}
	if _, out, err := run(nil, "forget", "--all"); err != nil {
		return fmt.Errorf("forget: %v: %s", err, out)
	}
	srv.SetLatency(r.cfg.stsLatency)
	if res.doctorOne, out, err = run(nil, "doctor", "--profile", "b-team-0000"); err != nil {
		return fmt.Errorf("doctor --profile: %v: %s", err, tail(out))
	}
	run(nil, "forget", "--all")
	srv.ResetCalls()
	if res.doctor, out, err = run(nil, "doctor"); err != nil {
		return fmt.Errorf("doctor: %v: %s", err, tail(out))
	}
	res.getCallerIdentities = srv.Calls("GetCallerIdentity")
	r.orgRes = &res
	return nil
}

func tail(s string) string {
	if len(s) > 500 {
		return "…" + s[len(s)-500:]
	}
	return s
}

func (r *report) printOrg() {
	o := r.orgRes
	if o == nil {
		return
	}
	p := fmt.Printf
	p("\n(d) the whole organization at once, %d member accounts\n", o.accounts)
	p("  exec --org --parallel 16 -- whoami      %9s  %.1f accounts/s\n", o.execOrg.Round(time.Millisecond), float64(o.accounts)/o.execOrg.Seconds())
	p("  whoami ×%d, 16 at a time, fixed keys %9s  %.1f accounts/s  (exec --org: %.2f× this)\n", o.accounts, o.execBase.Round(time.Millisecond), float64(o.accounts)/o.execBase.Seconds(), ratio(o.execOrg, o.execBase))
	p("  doctor, %d profiles, STS %s away    %9s  (goal < 30s; %d GetCallerIdentity)\n", o.accounts+1, o.latency, o.doctor.Round(time.Millisecond), o.getCallerIdentities)
	p("  doctor --profile, 1 profile            %9s  (%d profiles took %.1f× one)\n", o.doctorOne.Round(time.Millisecond), o.accounts+1, ratio(o.doctor, o.doctorOne))
	p("exec-org-accounts-per-second: %.1f\n", float64(o.accounts)/o.execOrg.Seconds())
	p("doctor-%d-profiles-seconds: %.2f\n", o.accounts+1, o.doctor.Seconds())
}
